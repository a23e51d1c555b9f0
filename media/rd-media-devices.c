/* rd-media-devices.c: GStreamer start-up and the room's device check. See rd-media-devices.h. */
#include "media/rd-media-devices.h"
#include "media/rd-media-error.h"
#include "media/rd-media-private.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

/* Every GStreamer element receptiond creates, and the Debian package that installs it. The
 * required ones are checked by rd_media_init(); the others depend on the configured devices and
 * are reported by rd_media_probe_devices(). Keep the table in step with the pipelines, grouped
 * by package (the missing-element message lists them per package in this order). */
typedef struct
{
  const char *element;
  const char *package;
  gboolean required;
} ElementSpec;

static const ElementSpec elements[] = {
  /* core elements */
  { "fakesink", "libgstreamer1.0-0", TRUE },
  { "filesink", "libgstreamer1.0-0", TRUE },
  { "filesrc", "libgstreamer1.0-0", TRUE },
  { "fdsink", "libgstreamer1.0-0", TRUE },
  { "queue", "libgstreamer1.0-0", TRUE },
  { "tee", "libgstreamer1.0-0", TRUE },
  { "capsfilter", "libgstreamer1.0-0", TRUE },
  /* test sources, conversion, Opus; the display's compositor, the speakers' mixer, mic mute */
  { "videotestsrc", "gstreamer1.0-plugins-base", TRUE },
  { "audiotestsrc", "gstreamer1.0-plugins-base", TRUE },
  { "videoconvert", "gstreamer1.0-plugins-base", TRUE },
  { "videoscale", "gstreamer1.0-plugins-base", TRUE },
  { "audioconvert", "gstreamer1.0-plugins-base", TRUE },
  { "audioresample", "gstreamer1.0-plugins-base", TRUE },
  { "opusenc", "gstreamer1.0-plugins-base", TRUE },
  { "opusdec", "gstreamer1.0-plugins-base", TRUE },
  { "videorate", "gstreamer1.0-plugins-base", TRUE },
  { "compositor", "gstreamer1.0-plugins-base", TRUE },
  { "audiomixer", "gstreamer1.0-plugins-base", TRUE },
  { "volume", "gstreamer1.0-plugins-base", TRUE },
  /* VP8, RTP, camera mute, the recorder's container; cameras and the automatic display */
  { "vp8enc", "gstreamer1.0-plugins-good", TRUE },
  { "vp8dec", "gstreamer1.0-plugins-good", TRUE },
  { "rtpvp8pay", "gstreamer1.0-plugins-good", TRUE },
  { "rtpvp8depay", "gstreamer1.0-plugins-good", TRUE },
  { "rtpopuspay", "gstreamer1.0-plugins-good", TRUE },
  { "rtpopusdepay", "gstreamer1.0-plugins-good", TRUE },
  { "rtpbin", "gstreamer1.0-plugins-good", TRUE },
  { "rtpfunnel", "gstreamer1.0-plugins-good", TRUE },
  { "videobalance", "gstreamer1.0-plugins-good", TRUE },
  { "rtph264depay", "gstreamer1.0-plugins-good", TRUE },
  { "matroskamux", "gstreamer1.0-plugins-good", TRUE },
  { "matroskademux", "gstreamer1.0-plugins-good", TRUE },
  { "v4l2src", "gstreamer1.0-plugins-good", FALSE },
  { "autovideosink", "gstreamer1.0-plugins-good", FALSE },
  /* WebRTC and what webrtcbin builds inside itself; Opus for the recorder; H.264 parties */
  { "webrtcbin", "gstreamer1.0-plugins-bad", TRUE },
  { "dtlssrtpenc", "gstreamer1.0-plugins-bad", TRUE },
  { "dtlssrtpdec", "gstreamer1.0-plugins-bad", TRUE },
  { "srtpenc", "gstreamer1.0-plugins-bad", TRUE },
  { "srtpdec", "gstreamer1.0-plugins-bad", TRUE },
  { "opusparse", "gstreamer1.0-plugins-bad", TRUE },
  { "h264parse", "gstreamer1.0-plugins-bad", FALSE },
  { "openh264dec", "gstreamer1.0-plugins-bad", FALSE },
  { "nicesrc", "gstreamer1.0-nice", TRUE },
  { "nicesink", "gstreamer1.0-nice", TRUE },
  /* named microphones and speakers */
  { "alsasrc", "gstreamer1.0-alsa", FALSE },
  { "alsasink", "gstreamer1.0-alsa", FALSE },
  /* H.264 parties when openh264dec is missing */
  { "avdec_h264", "gstreamer1.0-libav", FALSE },
  /* the recording's mark on the display */
  { "textoverlay", "gstreamer1.0-x", TRUE },
  /* the clock on the room's camera picture (without it: no clock) */
  { "clockoverlay", "gstreamer1.0-x", FALSE },
};

static const char *
package_of (const char *element)
{
  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    if (g_str_equal (elements[i].element, element))
      return elements[i].package;
  return NULL;
}

static gboolean
element_exists (const char *element)
{
  GstElementFactory *factory = gst_element_factory_find (element);

  if (!factory)
    return FALSE;
  gst_object_unref (factory);
  return TRUE;
}

gboolean
rd_media_init (GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GString) missing = g_string_new (NULL);
  g_autoptr (GString) packages = g_string_new (NULL);
  const char *package = NULL; /* of the last missing element */

  if (!gst_init_check (NULL, NULL, &local))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot initialise GStreamer: %s",
                   local->message);
      return FALSE;
    }

  /* "a, b (pkg1); c (pkg2)" */
  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      const ElementSpec *spec = &elements[i];

      if (!spec->required || element_exists (spec->element))
        continue;
      if (package && !g_str_equal (package, spec->package))
        g_string_append_printf (missing, " (%s); ", package);
      else if (package)
        g_string_append (missing, ", ");
      if (!package || !g_str_equal (package, spec->package))
        g_string_append_printf (packages, " %s", spec->package);
      g_string_append (missing, spec->element);
      package = spec->package;
    }
  if (package)
    {
      g_string_append_printf (missing, " (%s)", package);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "GStreamer elements that receptiond needs are missing: %s; install them with "
                   "apt-get install%s",
                   missing->str, packages->str);
      return FALSE;
    }
  return TRUE;
}

void
rd_media_device_free (RdMediaDevice *d)
{
  if (!d)
    return;
  g_free (d->role);
  g_free (d->setting);
  g_free (d->element);
  g_free (d->detail);
  g_free (d);
}

static void set_available (RdMediaDevice *d, const char *element, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
static void set_unavailable (RdMediaDevice *d, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_available (RdMediaDevice *d, const char *element, const char *format, ...)
{
  va_list args;

  g_free (d->element);
  g_free (d->detail);
  d->element = g_strdup (element);
  d->available = TRUE;
  va_start (args, format);
  d->detail = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
set_unavailable (RdMediaDevice *d, const char *format, ...)
{
  va_list args;

  g_clear_pointer (&d->element, g_free);
  g_free (d->detail);
  d->available = FALSE;
  va_start (args, format);
  d->detail = g_strdup_vprintf (format, args);
  va_end (args);
}

/* FALSE, with @d made unavailable, when @element is not installed. */
static gboolean
require_element (RdMediaDevice *d, const char *element)
{
  const char *package;

  if (element_exists (element))
    return TRUE;
  package = package_of (element);
  if (package)
    set_unavailable (d, "the GStreamer element %s is not installed (Debian package %s)", element,
                     package);
  else
    set_unavailable (d, "the GStreamer element %s is not installed", element);
  return FALSE;
}

/* What a role does with each kind of setting. */
typedef struct
{
  const char *role;
  RdDeviceSetting (*get) (const RdConfig *config);
  const char *test_element, *test_detail; /* "test"; NULL where the role has no test setting */
  const char *none_detail;                /* "none": fakesink; NULL where the role has no none */
  const char *device_class;               /* "auto": the device class searched for */
  const char *not_found;                  /* "auto" found nothing */
  void (*probe_named) (RdMediaDevice *d, const char *name);
} Role;

static void probe_camera (RdMediaDevice *d, const char *path);
static void probe_microphone (RdMediaDevice *d, const char *name);
static void probe_display (RdMediaDevice *d, const char *name);
static void probe_speakers (RdMediaDevice *d, const char *name);

static const Role roles[] = {
  { "camera", rd_config_get_camera, "videotestsrc", "test pattern", NULL, "Video/Source",
    "no camera found: the slate will be shown", probe_camera },
  { "microphone", rd_config_get_microphone, "audiotestsrc", "test tone", NULL, "Audio/Source",
    "no microphone found: the room will send silence", probe_microphone },
  { "display", rd_config_get_display, NULL, NULL, "no display: video is not shown", NULL,
    "no display found (no $DISPLAY, $WAYLAND_DISPLAY or /dev/dri/card*): video is not shown",
    probe_display },
  { "speakers", rd_config_get_speakers, NULL, NULL, "no speakers: sound is not played",
    "Audio/Sink", "no speakers found: sound will not be played", probe_speakers },
};

/* The first device of @device_class, or NULL. (transfer full)
 *
 * This is what GstDeviceMonitor's start/get_devices/stop does (same providers, rank above
 * NONE, hidden providers honoured, highest rank first), with one difference: the monitor asks a
 * provider whose start() failed to probe() instead, and GStreamer 1.22's PulseAudio provider
 * leaks its whole connection (about 20 KiB) on every failed probe. Without a sound server, as
 * under the systemd unit, that would be one leak per `receptionctl status`. Here a provider
 * that cannot start simply has no devices. */
static GstDevice *
first_device (const char *device_class)
{
  GList *factories = gst_device_provider_factory_list_get_device_providers (GST_RANK_NONE + 1);
  g_autoptr (GPtrArray) started = g_ptr_array_new ();
  g_autoptr (GPtrArray) hidden = g_ptr_array_new_with_free_func (g_free);
  GstDevice *first = NULL;

  for (GList *l = factories; l; l = l->next)
    {
      GstDeviceProvider *provider;

      if (!gst_device_provider_factory_has_classes (l->data, device_class))
        continue;
      provider = gst_device_provider_factory_get (l->data);
      if (provider && gst_device_provider_start (provider))
        {
          g_auto (GStrv) hides = gst_device_provider_get_hidden_providers (provider);
          for (char **h = hides; h && *h; h++)
            g_ptr_array_add (hidden, g_strdup (*h));
          g_ptr_array_add (started, provider);
        }
      else if (provider)
        gst_object_unref (provider);
    }
  gst_plugin_feature_list_free (factories);

  for (guint i = 0; i < started->len && !first; i++)
    {
      GstDeviceProvider *provider = started->pdata[i];
      const char *name = GST_OBJECT_NAME (gst_device_provider_get_factory (provider));
      GList *devices;

      if (g_ptr_array_find_with_equal_func (hidden, name, g_str_equal, NULL))
        continue;
      devices = gst_device_provider_get_devices (provider);
      for (GList *d = devices; d && !first; d = d->next)
        if (gst_device_has_classes (d->data, device_class))
          first = gst_object_ref (d->data);
      g_list_free_full (devices, gst_object_unref);
    }

  for (guint i = 0; i < started->len; i++)
    {
      gst_device_provider_stop (started->pdata[i]);
      gst_object_unref (started->pdata[i]);
    }
  return first;
}

/* A device search on a worker thread. Starting a provider may block: the PulseAudio provider
 * waits for the server's answer with no time limit, so a server that accepts the connection but
 * never replies would block the main thread (and so the systemd watchdog) for good. The main
 * thread waits SEARCH_TIMEOUT_MS at most; a search that has not finished by then is left to
 * finish on its own, and no new search for the same class starts until it has, so a hung server
 * costs one thread, not one per `receptionctl status`. */
#define SEARCH_TIMEOUT_MS 2000

typedef struct
{
  gatomicrefcount ref;
  GMutex lock;
  GCond cond;
  char *device_class;
  gboolean done;     /* under lock */
  GstDevice *device; /* under lock; the result once done */
} Search;

static void
search_unref (Search *s)
{
  if (!s || !g_atomic_ref_count_dec (&s->ref))
    return;
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->device_class);
  g_clear_object (&s->device);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Search, search_unref)

static gpointer
search_thread (gpointer data)
{
  Search *s = data;
  GstDevice *device = first_device (s->device_class);

  g_mutex_lock (&s->lock);
  s->device = device;
  s->done = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  search_unref (s);
  return NULL;
}

/* Searches that timed out and may still be running, one per device class (main thread only). */
static GHashTable *stuck_searches;

/* The first device of @device_class; NULL with *timed_out set when the search did not finish in
 * time (now or in an earlier call). (transfer full) */
static GstDevice *
first_device_bounded (const char *device_class, gboolean *timed_out)
{
  g_autoptr (Search) s = NULL;
  g_autoptr (GError) error = NULL;
  Search *stuck;
  GThread *thread;
  gint64 deadline;
  gboolean finished;
  GstDevice *device = NULL;

  *timed_out = FALSE;
  if (!stuck_searches)
    stuck_searches =
        g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)search_unref);
  stuck = g_hash_table_lookup (stuck_searches, device_class);
  if (stuck)
    {
      gboolean done;

      g_mutex_lock (&stuck->lock);
      done = stuck->done;
      g_mutex_unlock (&stuck->lock);
      if (!done)
        {
          *timed_out = TRUE;
          return NULL;
        }
      g_hash_table_remove (stuck_searches, device_class);
    }

  s = g_new0 (Search, 1);
  g_atomic_ref_count_init (&s->ref);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->device_class = g_strdup (device_class);
  g_atomic_ref_count_inc (&s->ref); /* the thread's */
  thread = g_thread_try_new ("rd-device-search", search_thread, s, &error);
  if (!thread)
    {
      search_unref (s); /* the thread's, never taken */
      return first_device (device_class);
    }
  g_thread_unref (thread);

  deadline = g_get_monotonic_time () + SEARCH_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&s->lock);
  while (!s->done)
    if (!g_cond_wait_until (&s->cond, &s->lock, deadline))
      break;
  finished = s->done;
  device = g_steal_pointer (&s->device);
  g_mutex_unlock (&s->lock);
  if (!finished)
    {
      *timed_out = TRUE;
      Search *left = g_steal_pointer (&s);
      g_hash_table_insert (stuck_searches, left->device_class, left);
    }
  return device;
}

static void
probe_auto (RdMediaDevice *d, const Role *role)
{
  gboolean timed_out;
  g_autoptr (GstDevice) device = first_device_bounded (role->device_class, &timed_out);
  g_autofree char *name = NULL;
  g_autoptr (GstStructure) props = NULL;
  GstElement *element;
  const char *path = NULL;

  if (timed_out)
    {
      set_unavailable (d,
                       "searching for the %s did not finish within %d s: a sound server or "
                       "device service is not answering",
                       role->role, SEARCH_TIMEOUT_MS / 1000);
      return;
    }
  if (!device)
    {
      set_unavailable (d, "%s", role->not_found);
      return;
    }
  name = gst_device_get_display_name (device);
  props = gst_device_get_properties (device);
  if (props)
    {
      path = gst_structure_get_string (props, "api.v4l2.path");
      if (!path)
        path = gst_structure_get_string (props, "device.path");
    }
  element = gst_device_create_element (device, NULL);
  if (!element)
    {
      set_unavailable (d, "%s: GStreamer cannot make an element for it", name);
      return;
    }
  gst_object_ref_sink (element);
  set_available (d, GST_OBJECT_NAME (gst_element_get_factory (element)), "%s%s%s%s", name,
                 path ? " (" : "", path ? path : "", path ? ")" : "");
  gst_object_unref (element);
}

GstElement *
rd_media_make_auto_device (const char *device_class, char **detail)
{
  gboolean timed_out;
  g_autoptr (GstDevice) device = first_device_bounded (device_class, &timed_out);
  GstElement *element;

  if (timed_out)
    {
      *detail = g_strdup_printf ("searching for a %s device did not finish within %d s",
                                 device_class, SEARCH_TIMEOUT_MS / 1000);
      return NULL;
    }
  if (!device)
    {
      *detail = g_strdup_printf ("no %s device found", device_class);
      return NULL;
    }
  *detail = gst_device_get_display_name (device);
  element = gst_device_create_element (device, NULL);
  if (!element)
    {
      g_autofree char *name = g_steal_pointer (detail);
      *detail = g_strdup_printf ("%s: GStreamer cannot make an element for it", name);
    }
  return element;
}

static void
probe_camera (RdMediaDevice *d, const char *path)
{
  GStatBuf st;
  struct v4l2_capability cap = { 0 };
  guint32 caps;
  int fd;
  int saved;

  if (!require_element (d, "v4l2src"))
    return;
  if (g_stat (path, &st) != 0)
    {
      saved = errno;
      set_unavailable (d, "%s: %s", path, saved == ENOENT ? "no such device" : g_strerror (saved));
      return;
    }
  if (!S_ISCHR (st.st_mode))
    {
      set_unavailable (d, "%s: not a device (a camera is a character device such as /dev/video0)",
                       path);
      return;
    }
  /* V4L2 lets any number of processes open a device and query it while one streams, so this
   * is safe while the room's pipeline uses the camera. */
  fd = g_open (path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    {
      saved = errno;
      if (saved == EACCES || saved == EPERM)
        {
          struct group *gr = getgrgid (st.st_gid);
          set_unavailable (d, "%s: %s (the device belongs to the group %s)", path,
                           g_strerror (saved), gr ? gr->gr_name : "?");
        }
      else
        set_unavailable (d, "%s: %s", path, g_strerror (saved));
      return;
    }
  if (ioctl (fd, VIDIOC_QUERYCAP, &cap) != 0)
    {
      g_close (fd, NULL);
      set_unavailable (d, "%s: not a V4L2 video device", path);
      return;
    }
  g_close (fd, NULL);
  caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE)))
    {
      /* Typically the metadata node a UVC webcam has next to its capture node. */
      set_unavailable (d, "%s (%.32s): not a video capture device", path, (const char *)cap.card);
      return;
    }
  set_available (d, "v4l2src", "%s: %.32s", path, (const char *)cap.card);
}

/* The ALSA card a device name such as hw:1,0, plughw:CARD=USB,DEV=0 or sysdefault:PCH refers
 * to, or NULL for names that do not name a card (default, pulse, a PCM from asoundrc).
 * (transfer full) */
static char *
alsa_card_of (const char *name)
{
  static const char *const with_card[] = { "hw",    "plughw", "sysdefault", "default",
                                           "front", "dsnoop", "dmix",       NULL };
  const char *colon = strchr (name, ':');
  g_autofree char *prefix = NULL;
  const char *card;
  gsize len;

  if (!colon)
    return NULL;
  prefix = g_strndup (name, colon - name);
  if (!g_strv_contains (with_card, prefix))
    return NULL;
  card = colon + 1;
  if (g_str_has_prefix (card, "CARD="))
    card += strlen ("CARD=");
  len = strcspn (card, ",");
  return len ? g_strndup (card, len) : NULL;
}

static void
probe_alsa (RdMediaDevice *d, const char *element, const char *name, const char *what)
{
  g_autofree char *card = NULL;

  if (!require_element (d, element))
    return;
  card = alsa_card_of (name);
  if (card)
    {
      /* /proc/asound has cardN for each card and a symlink named after each card's id. */
      gboolean numeric = card[strspn (card, "0123456789")] == '\0';
      g_autofree char *proc = numeric ? g_strdup_printf ("/proc/asound/card%s", card)
                                      : g_build_filename ("/proc/asound", card, NULL);
      if (!g_file_test (proc, G_FILE_TEST_IS_DIR))
        {
          set_unavailable (d, "%s: there is no ALSA sound card %s", name, card);
          return;
        }
    }
  set_available (d, element, "ALSA %s device %s", what, name);
}

static void
probe_microphone (RdMediaDevice *d, const char *name)
{
  probe_alsa (d, "alsasrc", name, "capture");
}

static void
probe_speakers (RdMediaDevice *d, const char *name)
{
  probe_alsa (d, "alsasink", name, "playback");
}

static void
probe_display (RdMediaDevice *d, const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);
  const char *klass;

  if (!factory)
    {
      set_unavailable (d, "%s: there is no such GStreamer element (not installed?)", name);
      return;
    }
  klass = gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS);
  if (!gst_element_factory_list_is_type (factory, GST_ELEMENT_FACTORY_TYPE_SINK |
                                                      GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO))
    {
      set_unavailable (d, "%s is not a video sink (it is %s); for no display say none", name,
                       klass ? klass : "unclassified");
      return;
    }
  set_available (d, name, "%s",
                 gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_LONGNAME));
}

/* A description of the display autovideosink would show video on, or NULL. (transfer full) */
static char *
find_display (void)
{
  const char *x11 = g_getenv ("DISPLAY");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");
  g_autoptr (GDir) dri = NULL;
  const char *entry;

  if (wayland && *wayland)
    return g_strdup_printf ("the Wayland display %s", wayland);
  if (x11 && *x11)
    return g_strdup_printf ("the X11 display %s", x11);
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri && (entry = g_dir_read_name (dri)))
    if (g_str_has_prefix (entry, "card"))
      return g_strdup_printf ("/dev/dri/%s", entry);
  return NULL;
}

static void
probe_display_auto (RdMediaDevice *d, const Role *role)
{
  g_autofree char *where = NULL;

  if (!require_element (d, "autovideosink"))
    return;
  where = find_display ();
  if (!where)
    set_unavailable (d, "%s", role->not_found);
  else
    set_available (d, "autovideosink", "the best video sink for %s", where);
}

/* Made and dropped, never started: the bin the room uses holds the devices it names. */
static void
probe_pipeline (RdMediaDevice *d, const char *description)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *element = NULL;
  GstElement *bin = rd_media_make_pipeline_device (d->role, description, &element, &error);

  if (!bin)
    {
      set_unavailable (d, "%s", error->message);
      return;
    }
  gst_object_unref (gst_object_ref_sink (bin));
  set_available (d, element, "a GStreamer pipeline, used as described");
}

static RdMediaDevice *
probe_role (const RdConfig *config, const Role *role)
{
  RdDeviceSetting setting = role->get (config);
  RdMediaDevice *d = g_new0 (RdMediaDevice, 1);

  d->role = g_strdup (role->role);
  switch (setting.kind)
    {
    case RD_DEVICE_TEST:
      d->setting = g_strdup ("test");
      if (!role->test_element)
        set_unavailable (d, "the %s has no test setting", role->role);
      else if (require_element (d, role->test_element))
        set_available (d, role->test_element, "%s", role->test_detail);
      break;
    case RD_DEVICE_NONE:
      d->setting = g_strdup ("none");
      if (!role->none_detail)
        set_unavailable (d, "the %s cannot be none", role->role);
      else if (require_element (d, "fakesink"))
        set_available (d, "fakesink", "%s", role->none_detail);
      break;
    case RD_DEVICE_AUTO:
      d->setting = g_strdup ("auto");
      if (role->device_class)
        probe_auto (d, role);
      else
        probe_display_auto (d, role);
      break;
    case RD_DEVICE_NAMED:
      d->setting = g_strdup (setting.name);
      role->probe_named (d, setting.name);
      break;
    case RD_DEVICE_PIPELINE:
      d->setting = g_strdup (setting.name);
      probe_pipeline (d, setting.description);
      break;
    }
  g_assert (d->setting && d->detail && d->available == (d->element != NULL));
  return d;
}

GPtrArray *
rd_media_probe_devices (RdConfig *config)
{
  GPtrArray *devices;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (gst_is_initialized (), NULL);

  devices = g_ptr_array_new_with_free_func ((GDestroyNotify)rd_media_device_free);
  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    g_ptr_array_add (devices, probe_role (config, &roles[i]));
  return devices;
}
