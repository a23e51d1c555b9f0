/* rd-bench-conference-party.c: a party of bench-conference, in a child process. See
 * rd-bench-conference.h for its protocol. */
#include "bench/rd-bench-conference.h"

#include <math.h>
#include <string.h>

#include "bench/rd-bench-stamp.h"
#include "tests/rd-test-peer.h"

#define G2G_WAIT_US (5 * G_USEC_PER_SEC)
/* Older is a misreading (or a picture 10 s late: no conversation either). */
#define MAX_AGE_MS 10000

typedef struct
{
  GMutex lock;
  GstVideoInfo sent; /* the picture sent (stamped before the encoder) */
  int stamp_cell;
  double x, y, cell; /* where to read stamps in the decoded picture; cell 0: none */
  int bits;
  GArray *ages; /* double ms, of the stamps read since the last g2g request */
} Party;

char *
rd_bench_read_block (FILE *in)
{
  GString *s = g_string_new (NULL);
  char line[4096];

  while (fgets (line, sizeof line, in))
    {
      if (strcmp (line, "END\n") == 0)
        return g_string_free (s, FALSE);
      g_string_append (s, line);
    }
  g_string_free (s, TRUE);
  return NULL;
}

/* The raw picture's streaming thread: the stamp of now on every frame sent. */
static GstPadProbeReturn
stamp_sent (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Party *party = user_data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, &party->sent, buffer, GST_MAP_WRITE))
    {
      rd_bench_stamp_draw (&frame, 0, 0, party->stamp_cell, RD_BENCH_PARTY_STAMP_BITS, TRUE);
      gst_video_frame_unmap (&frame);
    }
  return GST_PAD_PROBE_OK;
}

/* The decoder's streaming thread: the age of the stamp where the parent said to look. */
static GstPadProbeReturn
read_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Party *party = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  double age;

  g_mutex_lock (&party->lock);
  if (party->cell > 0 && caps && gst_video_info_from_caps (&vinfo, caps) &&
      GST_VIDEO_INFO_FORMAT (&vinfo) == GST_VIDEO_FORMAT_I420 &&
      gst_video_frame_map (&frame, &vinfo, GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ))
    {
      /* the party's stamps are checked, the room camera's (32 bits) are not */
      age = rd_bench_stamp_age_ms (&frame, party->x, party->y, party->cell, party->bits,
                                   party->bits == RD_BENCH_PARTY_STAMP_BITS, MAX_AGE_MS);
      gst_video_frame_unmap (&frame);
      if (age >= 0)
        g_array_append_val (party->ages, age);
    }
  g_mutex_unlock (&party->lock);
  return GST_PAD_PROBE_OK;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median age of the stamps at (x, y, cell, bits) in the next @n pictures decoded. */
static double
glass_to_glass (RdTestPeer *tp, Party *party, double x, double y, double cell, int bits, guint n)
{
  static gboolean probed;
  gint64 end = g_get_monotonic_time () + G2G_WAIT_US;
  double median = NAN;

  if (!probed)
    {
      g_autoptr (GstElement) vdec = rd_test_peer_get_element (tp, "vdec");
      g_autoptr (GstPad) src = vdec ? gst_element_get_static_pad (vdec, "src") : NULL;
      if (!src)
        return NAN;
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, read_decoded, party, NULL);
      probed = TRUE;
    }
  g_mutex_lock (&party->lock);
  party->x = x, party->y = y, party->cell = cell, party->bits = bits;
  g_array_set_size (party->ages, 0);
  g_mutex_unlock (&party->lock);
  for (gboolean enough = FALSE; !enough && g_get_monotonic_time () < end;)
    {
      g_mutex_lock (&party->lock);
      enough = party->ages->len >= n;
      g_mutex_unlock (&party->lock);
      if (!enough)
        g_usleep (20000);
    }
  g_mutex_lock (&party->lock);
  party->cell = 0;
  if (party->ages->len > 0)
    {
      g_array_sort (party->ages, compare_double);
      median = g_array_index (party->ages, double, party->ages->len / 2);
    }
  g_mutex_unlock (&party->lock);
  return median;
}

int
rd_bench_conference_party (int index, int width, int height)
{
  static const guint32 colours[] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff };
  g_autoptr (GError) error = NULL;
  g_autofree char *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,"
                                           "framerate=30/1",
                                           width, height);
  g_autofree char *video = g_strdup_printf (
      "videotestsrc is-live=true pattern=ball foreground-color=%u ! capsfilter name=raw caps=%s",
      0xff000000u | colours[index % G_N_ELEMENTS (colours)], caps);
  g_autofree char *audio = g_strdup_printf (
      "audiotestsrc is-live=true freq=%d volume=0.3 samplesperbuffer=480 ! volume name=gate",
      600 + 200 * index);
  g_autoptr (RdTestPeer) tp = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  Party party = { 0 };
  char line[256];

  gst_init (NULL, NULL);
  g_mutex_init (&party.lock);
  party.ages = g_array_new (FALSE, FALSE, sizeof (double));
  party.stamp_cell = rd_bench_party_stamp_cell (width);
  tp = rd_test_peer_new_with_sources (RD_TEST_PEER_SENDRECV, "VP8", video, audio, &error);
  if (tp)
    {
      g_autoptr (GstElement) raw = rd_test_peer_get_element (tp, "raw");
      g_autoptr (GstPad) src = gst_element_get_static_pad (raw, "src");
      g_autoptr (GstCaps) sent = gst_caps_from_string (caps);

      gst_video_info_from_caps (&party.sent, sent);
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, stamp_sent, &party, NULL);
      offer = rd_test_peer_create_offer (tp, &error);
    }
  if (!offer)
    {
      g_printerr ("party %d: %s\n", index, error->message);
      return 1;
    }
  printf ("%sEND\n", offer);
  fflush (stdout);
  answer = rd_bench_read_block (stdin);
  if (!answer || !rd_test_peer_set_answer (tp, answer, &error))
    {
      g_printerr ("party %d: %s\n", index, error ? error->message : "no answer");
      return 1;
    }
  while (fgets (line, sizeof line, stdin))
    {
      int arg, bits, n;
      double x, y, cell;

      if (sscanf (line, "mute %d", &arg) == 1)
        {
          g_autoptr (GstElement) gate = rd_test_peer_get_element (tp, "gate");
          g_object_set (gate, "mute", arg != 0, NULL);
          printf ("%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
        }
      else if (sscanf (line, "level %d", &arg) == 1)
        printf ("%f\n", rd_test_peer_get_tone_level (tp, arg));
      else if (sscanf (line, "g2g %lf %lf %lf %d %d", &x, &y, &cell, &bits, &n) == 5)
        printf ("%f\n", glass_to_glass (tp, &party, x, y, cell, bits, (guint)n));
      else
        printf ("%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                rd_test_peer_get_connection_state (tp), rd_test_peer_get_video_frames (tp),
                rd_test_peer_get_audio_buffers (tp));
      fflush (stdout);
    }
  g_clear_pointer (&tp, rd_test_peer_free); /* before the probes' Party goes */
  g_array_unref (party.ages);
  g_mutex_clear (&party.lock);
  return 0;
}
