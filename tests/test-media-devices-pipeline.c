/* test-media-devices-pipeline.c: the room's devices given as pipeline:DESCRIPTION, as
 * rd_media_check_devices() and rd_media_probe_devices() (media/rd-media-devices.h) see them:
 * every way a description can be wrong, for each of the four keys, is refused naming the key
 * and GStreamer's reason; good ones pass and are reported with their source or sink element.
 * No pipeline is started here: tests/test-media-room.c runs them in a room. */
#include "media/rd-media-devices.h"
#include "media/rd-media-error.h"

#include <gst/gst.h>
#include <string.h>

#include "tests/rd-test-lsan-glib.h"

/* [media] @key=pipeline:@description, the other keys at their defaults. (transfer full) */
static RdConfig *
config_with (const char *key, const char *description)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("[media]\n%s=pipeline:%s\n", key, description);
  RdConfig *config = rd_config_load_data (text, "test.conf", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

/* The check needs no rd_media_init(): --check-config runs it on a fresh process. */
static void
test_initialises_gstreamer (void)
{
  g_autoptr (RdConfig) plain = rd_config_load_data ("", "test.conf", NULL);
  g_autoptr (RdConfig) config = config_with ("speakers", "fakesink");
  g_autoptr (GError) error = NULL;

  /* nothing to parse: GStreamer is left alone */
  g_assert_true (rd_media_check_devices (plain, &error));
  g_assert_no_error (error);
  g_assert_false (gst_is_initialized ());
  g_assert_true (rd_media_check_devices (config, &error));
  g_assert_no_error (error);
  g_assert_true (gst_is_initialized ());
}

typedef struct
{
  const char *key;
  const char *description;
  const char *says; /* after "[media] KEY: pipeline: " */
} Bad;

static const Bad bad[] = {
  /* GStreamer's own messages: syntax, an element or property that does not exist */
  { "camera", "videotestsrc !", "syntax error" },
  { "camera", "nosuchcamerasrc", "no element \"nosuchcamerasrc\"" },
  { "camera", "videotestsrc patern=ball", "no property \"patern\" in element \"videotestsrc\"" },
  { "microphone", "audiotestsrc ! ! audioconvert", "syntax error" },
  { "microphone", "audiotestsrc ! nosuchfilter", "no element \"nosuchfilter\"" },
  { "display", "( fakesink", "syntax error" },
  { "display", "videoconvert ! nosuchvideosink", "no element \"nosuchvideosink\"" },
  { "speakers", "! fakesink", "syntax error" },
  { "speakers", "nosuchaudiosink", "no element \"nosuchaudiosink\"" },
  /* no pad for the room */
  { "camera", "videotestsrc ! fakesink", "has no unlinked src pad, needs one" },
  { "camera", "fakesink", "has no unlinked src pad, needs one" },
  { "microphone", "audiotestsrc ! fakesink", "has no unlinked src pad, needs one" },
  { "display", "videotestsrc ! fakesink", "has no unlinked sink pad, needs one" },
  { "speakers", "audiotestsrc ! fakesink", "has no unlinked sink pad, needs one" },
  { "speakers", "audiotestsrc", "has no unlinked sink pad, needs one" },
  /* two */
  { "camera", "videotestsrc name=a videotestsrc name=b",
    "has 2 unlinked src pads (a:src, b:src), needs one" },
  { "microphone", "audiotestsrc audiotestsrc ! audioconvert", "has 2 unlinked src pads" },
  { "display", "fakesink name=a fakesink name=b",
    "has 2 unlinked sink pads (a:sink, b:sink), needs one" },
  { "speakers", "fakesink name=a fakesink name=b",
    "has 2 unlinked sink pads (a:sink, b:sink), needs one" },
  /* one of each: nothing would feed a source pipeline's filter, nothing drain a sink's */
  { "camera", "videoconvert name=c",
    "has an unlinked sink pad (c:sink): a camera pipeline must start with a source" },
  { "speakers", "audioconvert ! fakesink audiotestsrc name=t",
    "has an unlinked src pad (t:src): a speakers pipeline must end in a sink" },
  /* caps the room cannot take or give */
  { "camera", "audiotestsrc", "its src pad gives audio/x-raw, not raw video (video/x-raw)" },
  { "camera", "videotestsrc ! jpegenc", "its src pad gives image/jpeg, not raw video" },
  { "microphone", "videotestsrc", "gives video/x-raw, video/x-bayer, not raw audio (audio/x-raw)" },
  { "display", "audioconvert ! fakesink", "its sink pad takes audio/x-raw, not raw video" },
  { "speakers", "videoconvert ! fakesink", "its sink pad takes video/x-raw, not raw audio" },
};

static gboolean
have_element (const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);
  return factory != NULL;
}

static void
test_bad (void)
{
  gst_init (NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (RdConfig) config = config_with (bad[i].key, bad[i].description);
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) devices = NULL;
      g_autofree char *prefix = g_strdup_printf ("[media] %s: pipeline: ", bad[i].key);

      if (strstr (bad[i].description, "jpegenc") && !have_element ("jpegenc"))
        continue;
      g_test_message ("%s=pipeline:%s", bad[i].key, bad[i].description);
      g_assert_false (rd_media_check_devices (config, &error));
      g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE_CONFIG);
      g_test_message ("  -> %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_nonnull (strstr (error->message + strlen (prefix), bad[i].says));

      /* status says the same of the role, and the others are untouched */
      devices = rd_media_probe_devices (config);
      for (guint j = 0; j < devices->len; j++)
        {
          RdMediaDevice *d = devices->pdata[j];

          if (!g_str_equal (d->role, bad[i].key))
            {
              g_assert_true (d->available);
              continue;
            }
          g_assert_false (d->available);
          g_assert_null (d->element);
          g_assert_true (g_str_has_prefix (d->setting, "pipeline:"));
          /* (the same words; elements named by GStreamer are numbered on) */
          g_assert_true (g_str_has_prefix (d->detail, prefix));
          g_assert_nonnull (strstr (d->detail, bad[i].says));
        }
    }
}

/* The first bad role is named, in the order camera, microphone, display, speakers. */
static void
test_first_bad_named (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = rd_config_load_data (
      "[media]\nspeakers=pipeline:nosuchsink\nmicrophone=pipeline:foo !\n", "test.conf", &error);

  g_assert_no_error (error);
  gst_init (NULL, NULL);
  g_assert_false (rd_media_check_devices (config, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "[media] microphone: pipeline: "));
}

static void
test_good (void)
{
  static const struct
  {
    const char *key, *description, *element;
  } good[] = {
    { "camera", "videotestsrc is-live=true pattern=ball", "videotestsrc" },
    { "camera", "videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! videoconvert",
      "videotestsrc" },
    /* videoconvert's sink pad is linked once decodebin has made its src pad */
    { "camera", "videotestsrc is-live=true ! jpegenc ! decodebin ! videoconvert", "videotestsrc" },
    { "microphone", "audiotestsrc is-live=true freq=1000", "audiotestsrc" },
    { "microphone", "audiotestsrc is-live=true ! volume volume=0.5 ! audioconvert",
      "audiotestsrc" },
    { "display", "fakesink", "fakesink" },
    { "display", "videoconvert ! fakesink sync=false", "fakesink" },
    { "speakers", "fakesink", "fakesink" },
    { "speakers", "  audioconvert ! volume volume=0.8 ! fakesink", "fakesink" },
  };
  g_autoptr (GError) error = NULL;

  gst_init (NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (RdConfig) config = config_with (good[i].key, good[i].description);
      g_autoptr (GPtrArray) devices = NULL;

      if (strstr (good[i].description, "jpegenc") && !have_element ("jpegenc"))
        continue;
      g_test_message ("%s=pipeline:%s", good[i].key, good[i].description);
      g_assert_true (rd_media_check_devices (config, &error));
      g_assert_no_error (error);
      devices = rd_media_probe_devices (config);
      for (guint j = 0; j < devices->len; j++)
        {
          RdMediaDevice *d = devices->pdata[j];

          g_assert_true (d->available);
          if (!g_str_equal (d->role, good[i].key))
            continue;
          g_assert_cmpstr (d->element, ==, good[i].element);
          g_assert_true (g_str_has_prefix (d->setting, "pipeline:"));
          g_assert_nonnull (strstr (d->setting, good[i].description));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* first: GStreamer is not initialised yet */
  g_test_add_func ("/media/devices/pipeline/initialises-gstreamer", test_initialises_gstreamer);
  g_test_add_func ("/media/devices/pipeline/bad", test_bad);
  g_test_add_func ("/media/devices/pipeline/first-bad-named", test_first_bad_named);
  g_test_add_func ("/media/devices/pipeline/good", test_good);
  return g_test_run ();
}
