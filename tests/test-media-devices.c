/* test-media-devices.c: rd_media_init() and rd_media_probe_devices() (media/rd-media-devices.h).
 *
 * Expectations about real hardware (cameras, displays, sound cards) are worked out from what this
 * machine has, so the tests pass both on a headless build machine and on a room's computer. */
#include "media/rd-media-devices.h"
#include "media/rd-media-error.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "tests/rd-test-lsan-glib.h"

static RdConfig *
config_from (const char *text)
{
  g_autoptr (GError) error = NULL;
  RdConfig *config = rd_config_load_data (text, "test.conf", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
init_media (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_media_init (&error));
  g_assert_no_error (error);
}

/* Probes @text's devices and returns the one for @role. (transfer full) */
static RdMediaDevice *
probe_one (const char *text, const char *role)
{
  g_autoptr (RdConfig) config = config_from (text);
  g_autoptr (GPtrArray) devices = rd_media_probe_devices (config);

  g_assert_nonnull (devices);
  g_assert_cmpuint (devices->len, ==, 4);
  for (guint i = 0; i < devices->len; i++)
    {
      RdMediaDevice *d = devices->pdata[i];
      /* The invariants every device keeps. */
      g_assert_nonnull (d->role);
      g_assert_nonnull (d->setting);
      g_assert_nonnull (d->detail);
      g_assert_cmpstr (d->detail, !=, "");
      g_assert_cmpint (d->available, ==, d->element != NULL);
      if (g_str_equal (d->role, role))
        return g_ptr_array_steal_index (devices, i);
    }
  g_assert_not_reached ();
}

static gboolean
have_element (const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);
  return factory != NULL;
}

static void
test_init (void)
{
  init_media ();
  /* A second call only repeats the check. */
  init_media ();
  g_assert_true (gst_is_initialized ());
}

/* Without any plugin, rd_media_init names the missing elements and their packages, and the
 * probe names the element a device lacks. Runs in a subprocess: GStreamer reads the plugin path
 * once, and the real registry cache must not be replaced by an empty one. */
static void
test_init_missing_elements (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("test-media-XXXXXX", NULL);
      g_autofree char *registry = g_build_filename (dir, "registry.bin", NULL);
      g_autoptr (RdConfig) config = NULL;
      g_autoptr (GPtrArray) devices = NULL;
      RdMediaDevice *camera;

      g_assert_nonnull (dir);
      g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", dir, TRUE);
      g_setenv ("GST_PLUGIN_PATH_1_0", dir, TRUE);
      g_setenv ("GST_REGISTRY_1_0", registry, TRUE);
      g_assert_false (rd_media_init (&error));
      g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "webrtcbin"));
      g_assert_nonnull (strstr (error->message, "gstreamer1.0-plugins-bad"));
      g_assert_nonnull (strstr (error->message, "videotestsrc"));
      g_assert_nonnull (strstr (error->message, "gstreamer1.0-plugins-base"));
      g_assert_nonnull (strstr (error->message, "nicesrc"));
      g_assert_nonnull (strstr (error->message, "gstreamer1.0-nice"));

      /* GStreamer itself is up, so the probe works and blames the element. */
      config = config_from ("");
      devices = rd_media_probe_devices (config);
      camera = devices->pdata[0];
      g_assert_cmpstr (camera->role, ==, "camera");
      g_assert_false (camera->available);
      g_assert_null (camera->element);
      g_assert_nonnull (strstr (camera->detail, "videotestsrc"));
      g_assert_nonnull (strstr (camera->detail, "gstreamer1.0-plugins-base"));

      g_unlink (registry);
      g_rmdir (dir);
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A file that names nothing: test camera and microphone, no display, no speakers. */
static void
test_defaults (void)
{
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  static const struct
  {
    const char *role, *setting, *element;
  } expected[] = {
    { "camera", "test", "videotestsrc" },
    { "microphone", "test", "audiotestsrc" },
    { "display", "none", "fakesink" },
    { "speakers", "none", "fakesink" },
  };

  init_media ();
  config = config_from ("");
  devices = rd_media_probe_devices (config);
  g_assert_cmpuint (devices->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < devices->len; i++)
    {
      RdMediaDevice *d = devices->pdata[i];
      g_assert_cmpstr (d->role, ==, expected[i].role);
      g_assert_cmpstr (d->setting, ==, expected[i].setting);
      g_assert_cmpstr (d->element, ==, expected[i].element);
      g_assert_true (d->available);
    }
  g_assert_cmpstr (((RdMediaDevice *)devices->pdata[0])->detail, ==, "test pattern");
  g_assert_cmpstr (((RdMediaDevice *)devices->pdata[1])->detail, ==, "test tone");
}

static void
test_explicit_test_and_none (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;
  g_autoptr (RdMediaDevice) microphone = NULL;
  g_autoptr (RdMediaDevice) display = NULL;
  g_autoptr (RdMediaDevice) speakers = NULL;
  const char *text = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\nspeakers=none\n";

  init_media ();
  camera = probe_one (text, "camera");
  g_assert_true (camera->available);
  g_assert_cmpstr (camera->element, ==, "videotestsrc");
  microphone = probe_one (text, "microphone");
  g_assert_true (microphone->available);
  g_assert_cmpstr (microphone->element, ==, "audiotestsrc");
  display = probe_one (text, "display");
  g_assert_true (display->available);
  g_assert_cmpstr (display->setting, ==, "none");
  g_assert_cmpstr (display->element, ==, "fakesink");
  speakers = probe_one (text, "speakers");
  g_assert_true (speakers->available);
  g_assert_cmpstr (speakers->element, ==, "fakesink");
}

static void
test_camera_missing_path (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;

  init_media ();
  g_assert_false (g_file_test ("/dev/video99", G_FILE_TEST_EXISTS));
  camera = probe_one ("[media]\ncamera=/dev/video99\n", "camera");
  g_assert_cmpstr (camera->setting, ==, "/dev/video99");
  g_assert_false (camera->available);
  g_assert_null (camera->element);
  g_assert_cmpstr (camera->detail, ==, "/dev/video99: no such device");
}

/* /dev/null is a character device, but not a V4L2 one. */
static void
test_camera_not_v4l2 (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;

  init_media ();
  camera = probe_one ("[media]\ncamera=/dev/null\n", "camera");
  g_assert_false (camera->available);
  g_assert_null (camera->element);
  g_assert_cmpstr (camera->detail, ==, "/dev/null: not a V4L2 video device");
}

static void
test_camera_not_a_device (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;

  if (!g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no /dev/shm directory on this machine");
      return;
    }
  init_media ();
  camera = probe_one ("[media]\ncamera=/dev/shm\n", "camera");
  g_assert_false (camera->available);
  g_assert_true (g_str_has_prefix (camera->detail, "/dev/shm: not a device"));
}

/* Whatever this machine has: /dev/video0 means a camera, none means the slate. */
static void
test_camera_auto (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;
  gint64 start;

  init_media ();
  start = g_get_monotonic_time ();
  camera = probe_one ("[media]\ncamera=auto\n", "camera");
  g_test_message ("camera=auto probed in %.1f ms: %s", (g_get_monotonic_time () - start) / 1000.0,
                  camera->detail);
  g_assert_cmpstr (camera->setting, ==, "auto");
  if (g_file_test ("/dev/video0", G_FILE_TEST_EXISTS))
    {
      g_assert_true (camera->available);
      g_assert_nonnull (camera->element);
    }
  else
    {
      g_assert_false (camera->available);
      g_assert_null (camera->element);
      g_assert_cmpstr (camera->detail, ==, "no camera found: the slate will be shown");
    }
}

/* A device provider of our own, ranked above every real one, with one Video/Source device that
 * makes a videotestsrc: the "found a device" path, on any machine. */
G_DECLARE_FINAL_TYPE (RdTestDevice, rd_test_device, RD, TEST_DEVICE, GstDevice)
struct _RdTestDevice
{
  GstDevice parent;
};
G_DEFINE_TYPE (RdTestDevice, rd_test_device, GST_TYPE_DEVICE)

static GstElement *
rd_test_device_create_element (GstDevice *device, const char *name)
{
  return gst_element_factory_make ("videotestsrc", name);
}

static void
rd_test_device_class_init (RdTestDeviceClass *klass)
{
  GST_DEVICE_CLASS (klass)->create_element = rd_test_device_create_element;
}

static void
rd_test_device_init (RdTestDevice *self)
{
}

G_DECLARE_FINAL_TYPE (RdTestProvider, rd_test_provider, RD, TEST_PROVIDER, GstDeviceProvider)
struct _RdTestProvider
{
  GstDeviceProvider parent;
};
G_DEFINE_TYPE (RdTestProvider, rd_test_provider, GST_TYPE_DEVICE_PROVIDER)

static GList *
rd_test_provider_probe (GstDeviceProvider *provider)
{
  g_autoptr (GstCaps) caps = gst_caps_new_empty_simple ("video/x-raw");
  GstStructure *props =
      gst_structure_new ("rd-test", "device.path", G_TYPE_STRING, "/dev/video-test", NULL);
  GstDevice *device =
      g_object_new (rd_test_device_get_type (), "display-name", "Test Camera", "device-class",
                    "Video/Source", "caps", caps, "properties", props, NULL);

  gst_structure_free (props);
  return g_list_append (NULL, device);
}

static void
rd_test_provider_class_init (RdTestProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  provider_class->probe = rd_test_provider_probe;
  gst_device_provider_class_set_static_metadata (provider_class, "receptiond test cameras",
                                                 "Video/Source", "One test camera", "receptiond");
}

static void
rd_test_provider_init (RdTestProvider *self)
{
}

static void
test_camera_auto_found_run (void)
{
  g_autoptr (RdMediaDevice) camera = NULL;

  init_media ();
  g_assert_true (gst_device_provider_register (NULL, "rdtestprovider", GST_RANK_PRIMARY + 100,
                                               rd_test_provider_get_type ()));
  camera = probe_one ("[media]\ncamera=auto\n", "camera");
  g_assert_true (camera->available);
  g_assert_cmpstr (camera->element, ==, "videotestsrc");
  g_assert_cmpstr (camera->detail, ==, "Test Camera (/dev/video-test)");
}

static void
test_camera_auto_found (void)
{
  g_test_trap_subprocess ("/media/devices/camera/auto/subprocess/found", 30 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Sound servers and cards differ between machines: check the result is one of the two shapes
 * and that the probe returns promptly (no hang without PulseAudio). */
static void
test_audio_auto (void)
{
  const char *text = "[media]\nmicrophone=auto\nspeakers=auto\n";
  g_autoptr (RdMediaDevice) microphone = NULL;
  g_autoptr (RdMediaDevice) speakers = NULL;
  gint64 start;
  double ms;

  init_media ();
  start = g_get_monotonic_time ();
  microphone = probe_one (text, "microphone");
  speakers = probe_one (text, "speakers");
  ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("microphone=auto, speakers=auto probed (twice each) in %.1f ms: %s; %s", ms,
                  microphone->detail, speakers->detail);
  g_assert_cmpfloat (ms, <, 10000.0);
  g_assert_cmpstr (microphone->setting, ==, "auto");
  if (!microphone->available)
    g_assert_cmpstr (microphone->detail, ==, "no microphone found: the room will send silence");
  if (!speakers->available)
    g_assert_cmpstr (speakers->detail, ==, "no speakers found: sound will not be played");
}

/* A PulseAudio server that accepts connections and never answers (a listening socket nobody
 * accepts on) must not block the probe: it gives up after 2 s, the next probe does not wait
 * again while the first search is still stuck, and once that search ends probes search again. In a
 * subprocess, to set PULSE_SERVER before GStreamer starts threads and to leave the stuck thread
 * behind. */
static void
test_audio_auto_hung_server_run (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-media-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "native", NULL);
  g_autofree char *server = g_strdup_printf ("unix:%s", path);
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) error = NULL;
  const char *text = "[media]\nmicrophone=auto\n";
  const char *expected = "searching for the microphone did not finish within 2 s: a sound "
                         "server or device service is not answering";
  gint64 start;
  double first_ms, second_ms;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  g_setenv ("PULSE_SERVER", server, TRUE);
  init_media ();

  start = g_get_monotonic_time ();
  {
    g_autoptr (RdMediaDevice) microphone = probe_one (text, "microphone");
    first_ms = (g_get_monotonic_time () - start) / 1000.0;
    g_test_message ("with a hung sound server: %.1f ms: %s", first_ms, microphone->detail);
    g_assert_false (microphone->available);
    g_assert_cmpstr (microphone->detail, ==, expected);
  }
  g_assert_cmpfloat (first_ms, >=, 1900.0);
  g_assert_cmpfloat (first_ms, <, 6000.0);

  start = g_get_monotonic_time ();
  {
    g_autoptr (RdMediaDevice) microphone = probe_one (text, "microphone");
    second_ms = (g_get_monotonic_time () - start) / 1000.0;
    g_test_message ("again: %.1f ms: %s", second_ms, microphone->detail);
    g_assert_cmpstr (microphone->detail, ==, expected);
  }
  g_assert_cmpfloat (second_ms, <, 1500.0);

  /* Once the server goes away the stuck search ends, and the next probe searches afresh. */
  g_assert_true (g_socket_close (socket, &error));
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (;;)
    {
      g_autoptr (RdMediaDevice) microphone = probe_one (text, "microphone");
      if (!g_str_equal (microphone->detail, expected))
        {
          g_assert_cmpstr (microphone->detail, ==,
                           "no microphone found: the room will send silence");
          break;
        }
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
      g_usleep (20 * 1000);
    }
  g_test_message ("searching again after %.1f ms", (g_get_monotonic_time () - start) / 1000.0);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_audio_auto_hung_server (void)
{
  if (!have_element ("pulsesrc"))
    {
      g_test_skip ("no PulseAudio device provider (gstreamer1.0-pulseaudio) to hang");
      return;
    }
  g_test_trap_subprocess ("/media/devices/audio/auto/subprocess/hung-server", 30 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_display_named (void)
{
  g_autoptr (RdMediaDevice) missing = NULL;
  g_autoptr (RdMediaDevice) not_video = NULL;

  init_media ();
  missing = probe_one ("[media]\ndisplay=nosuchsink\n", "display");
  g_assert_cmpstr (missing->setting, ==, "nosuchsink");
  g_assert_false (missing->available);
  g_assert_null (missing->element);
  g_assert_true (g_str_has_prefix (missing->detail, "nosuchsink: "));

  /* fakesink is a sink, but not a video sink: "none" is the way to say no display. */
  not_video = probe_one ("[media]\ndisplay=fakesink\n", "display");
  g_assert_false (not_video->available);
  g_assert_nonnull (strstr (not_video->detail, "not a video sink"));

  /* fakevideosink (gstreamer1.0-plugins-bad, which receptiond requires) is one. */
  if (have_element ("fakevideosink"))
    {
      g_autoptr (RdMediaDevice) sink = probe_one ("[media]\ndisplay=fakevideosink\n", "display");
      g_assert_true (sink->available);
      g_assert_cmpstr (sink->element, ==, "fakevideosink");
    }
}

static gboolean
have_dri_card (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "card"))
      return TRUE;
  return FALSE;
}

/* display=auto in a fresh process whose environment is set before GStreamer starts threads
 * (setenv is not thread-safe). */
static void
test_display_auto_x11 (void)
{
  g_autoptr (RdMediaDevice) display = NULL;

  /* An X11 display need not answer: autovideosink picks its sink when it starts. */
  g_unsetenv ("WAYLAND_DISPLAY");
  g_setenv ("DISPLAY", ":99", TRUE);
  init_media ();
  display = probe_one ("[media]\ndisplay=auto\n", "display");
  g_assert_true (display->available);
  g_assert_cmpstr (display->element, ==, "autovideosink");
  g_assert_cmpstr (display->detail, ==, "the best video sink for the X11 display :99");
}

static void
test_display_auto_wayland (void)
{
  g_autoptr (RdMediaDevice) display = NULL;

  g_setenv ("WAYLAND_DISPLAY", "wayland-9", TRUE);
  g_unsetenv ("DISPLAY");
  init_media ();
  display = probe_one ("[media]\ndisplay=auto\n", "display");
  g_assert_true (display->available);
  g_assert_cmpstr (display->element, ==, "autovideosink");
  g_assert_nonnull (strstr (display->detail, "wayland-9"));
}

/* No display server: only a DRM card will do. */
static void
test_display_auto_headless (void)
{
  g_autoptr (RdMediaDevice) display = NULL;

  g_unsetenv ("WAYLAND_DISPLAY");
  g_unsetenv ("DISPLAY");
  init_media ();
  display = probe_one ("[media]\ndisplay=auto\n", "display");
  if (have_dri_card ())
    {
      g_assert_true (display->available);
      g_assert_cmpstr (display->element, ==, "autovideosink");
      g_assert_nonnull (strstr (display->detail, "/dev/dri/card"));
    }
  else
    {
      g_assert_false (display->available);
      g_assert_null (display->element);
      g_assert_cmpstr (display->detail, ==,
                       "no display found (no $DISPLAY, $WAYLAND_DISPLAY or /dev/dri/card*): video "
                       "is not shown");
    }
}

static void
test_display_auto (void)
{
  static const char *const cases[] = { "x11", "wayland", "headless" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path =
          g_strdup_printf ("/media/devices/display/auto/subprocess/%s", cases[i]);
      g_test_trap_subprocess (path, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
    }
}

/* Named microphones and speakers are ALSA devices (alsasrc/alsasink, gstreamer1.0-alsa). */
static void
test_audio_named (void)
{
  g_autoptr (RdMediaDevice) microphone = NULL;
  g_autoptr (RdMediaDevice) speakers = NULL;
  g_autoptr (RdMediaDevice) by_id = NULL;
  const char *text = "[media]\nmicrophone=hw:97,0\nspeakers=default\n";

  init_media ();
  g_assert_false (g_file_test ("/proc/asound/card97", G_FILE_TEST_EXISTS));
  microphone = probe_one (text, "microphone");
  speakers = probe_one (text, "speakers");
  by_id = probe_one ("[media]\nmicrophone=plughw:CARD=NoSuchCard,DEV=0\n", "microphone");
  g_assert_cmpstr (microphone->setting, ==, "hw:97,0");
  g_assert_false (microphone->available);
  g_assert_false (by_id->available);
  if (have_element ("alsasrc"))
    {
      g_assert_cmpstr (microphone->detail, ==, "hw:97,0: there is no ALSA sound card 97");
      g_assert_cmpstr (by_id->detail, ==,
                       "plughw:CARD=NoSuchCard,DEV=0: there is no ALSA sound card NoSuchCard");
    }
  else
    {
      g_assert_nonnull (strstr (microphone->detail, "alsasrc"));
      g_assert_nonnull (strstr (microphone->detail, "gstreamer1.0-alsa"));
    }
  /* "default" names no card, so only the element decides. */
  g_assert_cmpint (speakers->available, ==, have_element ("alsasink"));
  if (speakers->available)
    g_assert_cmpstr (speakers->element, ==, "alsasink");
  else
    g_assert_nonnull (strstr (speakers->detail, "alsasink"));
}

static void
test_free_null (void)
{
  rd_media_device_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/init", test_init);
  g_test_add_func ("/media/init/missing-elements", test_init_missing_elements);
  g_test_add_func ("/media/devices/defaults", test_defaults);
  g_test_add_func ("/media/devices/test-and-none", test_explicit_test_and_none);
  g_test_add_func ("/media/devices/camera/missing-path", test_camera_missing_path);
  g_test_add_func ("/media/devices/camera/not-v4l2", test_camera_not_v4l2);
  g_test_add_func ("/media/devices/camera/not-a-device", test_camera_not_a_device);
  g_test_add_func ("/media/devices/camera/auto", test_camera_auto);
  g_test_add_func ("/media/devices/camera/auto/found", test_camera_auto_found);
  g_test_add_func ("/media/devices/camera/auto/subprocess/found", test_camera_auto_found_run);
  g_test_add_func ("/media/devices/audio/auto", test_audio_auto);
  g_test_add_func ("/media/devices/audio/auto/hung-server", test_audio_auto_hung_server);
  g_test_add_func ("/media/devices/audio/auto/subprocess/hung-server",
                   test_audio_auto_hung_server_run);
  g_test_add_func ("/media/devices/audio/named", test_audio_named);
  g_test_add_func ("/media/devices/display/named", test_display_named);
  g_test_add_func ("/media/devices/display/auto", test_display_auto);
  g_test_add_func ("/media/devices/display/auto/subprocess/x11", test_display_auto_x11);
  g_test_add_func ("/media/devices/display/auto/subprocess/wayland", test_display_auto_wayland);
  g_test_add_func ("/media/devices/display/auto/subprocess/headless", test_display_auto_headless);
  g_test_add_func ("/media/devices/free-null", test_free_null);
  return g_test_run ();
}
