/* rd-fuzz-sdp.c: libFuzzer target for the SDP offer and answer parser (media/rd-media-sdp.c),
 * which every WHIP POST and every joined conference's answer reaches. The first byte picks the
 * parser and the room's send codec; the rest is the SDP text. */
#include <gst/gst.h>

#include "media/rd-media-private.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  gst_init (NULL, NULL); /* the parser asks the registry whether an H.264 decoder exists */
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdOffer) parsed = NULL;
  RdVideoCodec codec;

  if (size < 1)
    return 0;
  codec = (data[0] & 1) ? RD_VIDEO_CODEC_H264 : RD_VIDEO_CODEC_VP8;
  text = g_strndup ((const char *)data + 1, size - 1);
  parsed =
      (data[0] & 2) ? rd_answer_parse (text, codec, &error) : rd_offer_parse (text, codec, &error);
  /* Exactly one of a result and an error, and an error says something. */
  g_assert ((parsed == NULL) != (error == NULL));
  g_assert (error == NULL || (error->message && *error->message));
  return 0;
}
