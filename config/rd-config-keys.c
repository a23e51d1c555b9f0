/* rd-config-keys.c: the key table of receptiond.conf, the parsers of its room, media, recording,
 * control, storage, links and archive keys, the defaults, and the rules between keys. The [network]
 * keys are parsed in rd-config-network.c. See rd-config.h for the contract, rd-config-private.h for
 * what the files share. */
#include "config/rd-config-private.h"
#include "config/rd-config-error.h"

#include <string.h>

/* Free space thresholds: at most 10 TB. */
#define MAX_FREE_MB 10000000

static gboolean parse_room_name (RdConfig *c, const char *v, char **why);
static gboolean parse_camera (RdConfig *c, const char *v, char **why);
static gboolean parse_microphone (RdConfig *c, const char *v, char **why);
static gboolean parse_display (RdConfig *c, const char *v, char **why);
static gboolean parse_speakers (RdConfig *c, const char *v, char **why);
static gboolean parse_video_codec (RdConfig *c, const char *v, char **why);
static gboolean parse_layout (RdConfig *c, const char *v, char **why);
static gboolean parse_control_socket (RdConfig *c, const char *v, char **why);
static gboolean parse_control_group (RdConfig *c, const char *v, char **why);
static gboolean parse_technicians (RdConfig *c, const char *v, char **why);
static gboolean parse_officers (RdConfig *c, const char *v, char **why);
static gboolean parse_supervisors (RdConfig *c, const char *v, char **why);
static gboolean parse_state_dir (RdConfig *c, const char *v, char **why);
static gboolean parse_segment_seconds (RdConfig *c, const char *v, char **why);
static gboolean parse_min_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_warn_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_stop_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_reconnect_seconds (RdConfig *c, const char *v, char **why);
static gboolean parse_timezone (RdConfig *c, const char *v, char **why);
static gboolean parse_calendar_file (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_url (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_region (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_credentials (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_ca (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_during_session (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_multipart_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_retry_max_seconds (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_keep_local_days (RdConfig *c, const char *v, char **why);
static gboolean parse_archive_object_lock_days (RdConfig *c, const char *v, char **why);
static gboolean parse_console_idle_timeout (RdConfig *c, const char *v, char **why);

const RdConfigKey rd_config_keys[] = {
  { "room", "name", TRUE, parse_room_name, "a non-empty name of at most 200 characters" },
  { "room", "timezone", FALSE, parse_timezone,
    "a time zone name of the system's tz database, e.g. Asia/Ho_Chi_Minh" },
  { "media", "camera", FALSE, parse_camera,
    "test, auto, a device path such as /dev/video0 or pipeline:DESCRIPTION" },
  { "media", "microphone", FALSE, parse_microphone,
    "test, auto, a device name or pipeline:DESCRIPTION" },
  { "media", "display", FALSE, parse_display,
    "none, auto, a GStreamer video sink name or pipeline:DESCRIPTION" },
  { "media", "speakers", FALSE, parse_speakers,
    "none, auto, a device name or pipeline:DESCRIPTION" },
  { "recording", "segment-seconds", TRUE, parse_segment_seconds,
    "a whole number of seconds from 10 to 3600" },
  { "media", "video-codec", FALSE, parse_video_codec, "vp8 or h264" },
  { "media", "layout", FALSE, parse_layout, "auto, room, grid or speaker" },
  { "media", "echo-cancel", FALSE, rd_config_parse_echo_cancel, "auto, on or off" },
  { "media", "noise-suppression", FALSE, rd_config_parse_noise_suppression,
    "off, low, moderate, high or very-high" },
  { "media", "gain-control", FALSE, rd_config_parse_gain_control, "on or off" },
  { "network", "listen", FALSE, rd_config_parse_listen,
    "HOST:PORT with an IP address, e.g. 127.0.0.1:8443 or [::1]:8443 (port 0 = any free port)" },
  { "network", "ice-addresses", TRUE, rd_config_parse_ice_addresses,
    "a comma-separated list of IP addresses, or empty for all" },
  { "network", "stun-server", TRUE, rd_config_parse_stun_server, "empty or stun://HOST[:PORT]" },
  { "network", "turn-server", TRUE, rd_config_parse_turn_server,
    "empty or turn://USER:PASSWORD@HOST[:PORT] or turns://USER:PASSWORD@HOST[:PORT]" },
  { "network", "force-relay", TRUE, rd_config_parse_force_relay, "true or false" },
  { "network", "certificate", FALSE, rd_config_parse_tls_certificate,
    "empty (generate a self-signed certificate) or an absolute path to a PEM file" },
  { "network", "private-key", FALSE, rd_config_parse_tls_private_key,
    "empty (generate) or an absolute path to a PEM file" },
  { "network", "max-connections", FALSE, rd_config_parse_max_connections,
    "a whole number of connections from 1 to " G_STRINGIFY (RD_CONFIG_MAX_CONNECTIONS) },
  { "network", "max-connections-per-address", FALSE, rd_config_parse_max_connections_per_address,
    "a whole number of connections from 1 to " G_STRINGIFY (
        RD_CONFIG_MAX_CONNECTIONS) ", at most max-connections" },
  { "network", "max-parties", TRUE, rd_config_parse_max_parties,
    "a whole number of parties from 1 to " G_STRINGIFY (RD_CONFIG_MAX_PARTIES) },
  { "control", "socket", FALSE, parse_control_socket, "an absolute path of at most 107 bytes" },
  { "control", "group", FALSE, parse_control_group, "empty or an existing group name" },
  /* The console's roles (daemon/rd-daemon-roles.h): each a Unix group whose members hold it. */
  { "control", "technicians", FALSE, parse_technicians,
    "empty (every user who can open the socket) or an existing group name" },
  { "control", "officers", FALSE, parse_officers,
    "empty (every user who can open the socket) or an existing group name" },
  { "control", "supervisors", FALSE, parse_supervisors,
    "empty (only root and receptiond's own user) or an existing group name" },
  { "storage", "state-dir", FALSE, parse_state_dir, "an absolute directory path" },
  { "storage", "min-free-mb", TRUE, parse_min_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  { "storage", "warn-free-mb", TRUE, parse_warn_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  { "storage", "stop-free-mb", TRUE, parse_stop_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  /* daemon/rd-daemon-links*.c: how long a joined conference keeps
   * trying to reconnect (ICE restart, then re-POSTs) before the link is failed. */
  { "links", "reconnect-seconds", TRUE, parse_reconnect_seconds,
    "a whole number of seconds from 10 to 3600" },
  /* rd-config-calendar.h: the days the government moves each year. */
  { "calendar", "file", FALSE, parse_calendar_file,
    "empty (the law's holidays only) or an absolute path to a calendar file" },
  /* daemon/rd-daemon-archive*.c, archive/: the recording archive (S3-compatible storage) */
  { "archive", "url", FALSE, parse_archive_url,
    "empty (no archive) or https://HOST[:PORT]/BUCKET[/PREFIX] (http:// only for a loopback "
    "host)" },
  { "archive", "region", FALSE, parse_archive_region, "a region name such as us-east-1" },
  { "archive", "credentials", FALSE, parse_archive_credentials,
    "empty or an absolute path to the credentials file" },
  { "archive", "ca", FALSE, parse_archive_ca, "empty (the system CAs) or an absolute path (PEM)" },
  { "archive", "during-session", FALSE, parse_archive_during_session, "true or false" },
  { "archive", "multipart-mb", FALSE, parse_archive_multipart_mb,
    "a whole number of megabytes from 5 to 5120" },
  { "archive", "retry-max-seconds", FALSE, parse_archive_retry_max_seconds,
    "a whole number of seconds from 1 to 86400" },
  { "archive", "keep-local-days", FALSE, parse_archive_keep_local_days,
    "empty (keep the local files) or a whole number of days from 0 to 36500" },
  { "archive", "object-lock-days", FALSE, parse_archive_object_lock_days,
    "0 (no Object Lock) or a whole number of days from 1 to 36500" },
  /* daemon/rd-daemon-console.c: the room console's operator sessions. */
  { "console", "idle-timeout", TRUE, parse_console_idle_timeout,
    "a whole number of seconds from 1 to 43200" },
};

const gsize rd_config_n_keys = G_N_ELEMENTS (rd_config_keys);

/* Only the form of a pipeline is checked here: the description itself is GStreamer's to parse,
 * which config/ does not link to (media/ checks it at --check-config and at start). */
static gboolean
parse_device (RdDeviceSetting *s, const char *v, gboolean allow_test, gboolean allow_none,
              char **why)
{
  g_free ((char *)s->name);
  s->name = NULL;
  s->description = NULL;
  if (allow_test && g_str_equal (v, "test"))
    s->kind = RD_DEVICE_TEST;
  else if (allow_none && g_str_equal (v, "none"))
    s->kind = RD_DEVICE_NONE;
  else if (g_str_equal (v, "auto"))
    s->kind = RD_DEVICE_AUTO;
  else if (g_str_equal (v, "test") || g_str_equal (v, "none"))
    return FALSE; /* a keyword, but not one this device takes */
  else if (g_str_has_prefix (v, RD_DEVICE_PIPELINE_PREFIX))
    {
      const char *description = v + strlen (RD_DEVICE_PIPELINE_PREFIX);

      description += strspn (description, " \t");
      if (*description == '\0')
        {
          *why = g_strdup ("pipeline: needs a GStreamer pipeline description after it");
          return FALSE;
        }
      s->kind = RD_DEVICE_PIPELINE;
      s->name = g_strdup (v);
      s->description = s->name + (description - v);
    }
  else if (*v != '\0' && !strpbrk (v, " \t!"))
    {
      s->kind = RD_DEVICE_NAMED;
      s->name = g_strdup (v);
    }
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_room_name (RdConfig *c, const char *v, char **why)
{
  if (*v == '\0' || g_utf8_strlen (v, -1) > 200)
    return FALSE;
  for (const char *p = v; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        /* it is shown on the room display and the join page, and written in the book */
        *why = g_strdup ("the name has a control character (a line break, a tab...)");
        return FALSE;
      }
  rd_config_set_str (&c->room_name, v);
  return TRUE;
}

static gboolean
parse_camera (RdConfig *c, const char *v, char **why)
{
  if (!parse_device (&c->camera, v, TRUE, FALSE, why))
    return FALSE;
  if (c->camera.kind == RD_DEVICE_NAMED && !g_str_has_prefix (v, "/dev/"))
    {
      *why = g_strdup ("a camera device is a path under /dev/");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_microphone (RdConfig *c, const char *v, char **why)
{
  return parse_device (&c->microphone, v, TRUE, FALSE, why);
}

static gboolean
parse_display (RdConfig *c, const char *v, char **why)
{
  return parse_device (&c->display, v, FALSE, TRUE, why);
}

static gboolean
parse_video_codec (RdConfig *c, const char *v, char **why)
{
  if (g_str_equal (v, "vp8"))
    c->video_codec = RD_VIDEO_CODEC_VP8;
  else if (g_str_equal (v, "h264"))
    c->video_codec = RD_VIDEO_CODEC_H264;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_layout (RdConfig *c, const char *v, char **why)
{
  return rd_layout_from_string (v, &c->layout);
}

static gboolean
parse_speakers (RdConfig *c, const char *v, char **why)
{
  return parse_device (&c->speakers, v, FALSE, TRUE, why);
}

static gboolean
parse_control_socket (RdConfig *c, const char *v, char **why)
{
  if (!g_path_is_absolute (v) || strlen (v) >= RD_CONFIG_SUN_PATH_MAX)
    return FALSE;
  rd_config_set_str (&c->control_socket, v);
  return TRUE;
}

/* A group name as the system's tools accept it (letters, digits, _ - .; not starting with -);
 * whether the group exists is checked by the daemon, which resolves it. */
static gboolean
parse_group_name (char **field, const char *v, char **why)
{
  if (*v == '-')
    {
      *why = g_strdup ("a group name does not start with '-'");
      return FALSE;
    }
  for (const char *p = v; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_-.", *p))
      return FALSE;
  if (strlen (v) > 32)
    {
      *why = g_strdup ("a group name has at most 32 characters");
      return FALSE;
    }
  rd_config_set_str (field, v);
  return TRUE;
}

static gboolean
parse_control_group (RdConfig *c, const char *v, char **why)
{
  return parse_group_name (&c->control_group, v, why);
}

static gboolean
parse_technicians (RdConfig *c, const char *v, char **why)
{
  return parse_group_name (&c->role_groups[RD_CONFIG_ROLE_TECHNICIANS], v, why);
}

static gboolean
parse_officers (RdConfig *c, const char *v, char **why)
{
  return parse_group_name (&c->role_groups[RD_CONFIG_ROLE_OFFICERS], v, why);
}

static gboolean
parse_supervisors (RdConfig *c, const char *v, char **why)
{
  return parse_group_name (&c->role_groups[RD_CONFIG_ROLE_SUPERVISORS], v, why);
}

static gboolean
parse_state_dir (RdConfig *c, const char *v, char **why)
{
  if (!g_path_is_absolute (v))
    return FALSE;
  rd_config_set_str (&c->state_dir, v);
  return TRUE;
}

gboolean
rd_config_parse_number (RdConfig *c, RdConfigNumber which, const char *v, guint64 min, guint64 max)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, NULL))
    return FALSE;
  c->numbers[which] = n;
  rd_config_set_str (&c->number_text[which], v);
  return TRUE;
}

static gboolean
parse_segment_seconds (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_SEGMENT_SECONDS, v, 10, 3600);
}

static gboolean
parse_archive_url (RdConfig *c, const char *v, char **why)
{
  g_autoptr (GUri) uri = *v ? g_uri_parse (v, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  const char *path = uri ? g_uri_get_path (uri) : NULL;

  if (*v == '\0')
    {
      rd_config_set_str (&c->archive_url, NULL);
      return TRUE;
    }
  if (!uri || !host || !*host || !path || path[0] != '/' || path[1] == '\0' || path[1] == '/' ||
      g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri))
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0)
    {
      if (!g_str_equal (host, "localhost") && !g_str_has_prefix (host, "127.") &&
          !g_str_equal (host, "::1"))
        {
          *why = g_strdup ("http:// only for a server on this machine's loopback: use https://");
          return FALSE;
        }
    }
  else if (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
    return FALSE;
  rd_config_set_str (&c->archive_url, v);
  return TRUE;
}

static gboolean
parse_archive_region (RdConfig *c, const char *v, char **why)
{
  if (*v == '\0' || strspn (v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen (v))
    return FALSE;
  rd_config_set_str (&c->archive_region, v);
  return TRUE;
}

static gboolean
parse_archive_credentials (RdConfig *c, const char *v, char **why)
{
  if (*v && !g_path_is_absolute (v))
    return FALSE;
  rd_config_set_str (&c->archive_credentials, v);
  return TRUE;
}

static gboolean
parse_archive_ca (RdConfig *c, const char *v, char **why)
{
  if (*v && !g_path_is_absolute (v))
    return FALSE;
  rd_config_set_str (&c->archive_ca, v);
  return TRUE;
}

static gboolean
parse_archive_during_session (RdConfig *c, const char *v, char **why)
{
  if (g_str_equal (v, "true"))
    c->archive_during_session = TRUE;
  else if (g_str_equal (v, "false"))
    c->archive_during_session = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_archive_multipart_mb (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_ARCHIVE_MULTIPART_MB, v, 5, 5120);
}

static gboolean
parse_archive_retry_max_seconds (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_ARCHIVE_RETRY_MAX_SECONDS, v, 1, 86400);
}

static gboolean
parse_console_idle_timeout (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_CONSOLE_IDLE_TIMEOUT, v, 1, 43200);
}

static gboolean
parse_archive_object_lock_days (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_ARCHIVE_OBJECT_LOCK_DAYS, v, 0, 36500);
}

static gboolean
parse_archive_keep_local_days (RdConfig *c, const char *v, char **why)
{
  guint64 n;

  if (*v == '\0')
    {
      c->archive_keep_local_days = -1;
      rd_config_set_str (&c->archive_keep_local_days_text, NULL);
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (v, 10, 0, 36500, &n, NULL))
    return FALSE;
  c->archive_keep_local_days = (int)n;
  rd_config_set_str (&c->archive_keep_local_days_text, v);
  return TRUE;
}

static gboolean
parse_reconnect_seconds (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_RECONNECT_SECONDS, v, 10, 3600);
}

static gboolean
parse_min_free_mb (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_MIN_FREE_MB, v, 1, MAX_FREE_MB);
}

static gboolean
parse_warn_free_mb (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_WARN_FREE_MB, v, 1, MAX_FREE_MB);
}

static gboolean
parse_stop_free_mb (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_STOP_FREE_MB, v, 1, MAX_FREE_MB);
}

/* A zone the system's tz database knows. Without the database (no tzdata), the default still
 * works: Việt Nam has kept UTC+7 since 1975. */
static gboolean
parse_timezone (RdConfig *c, const char *v, char **why)
{
  GTimeZone *tz = *v ? g_time_zone_new_identifier (v) : NULL;

  if (tz == NULL && g_str_equal (v, RD_CONFIG_DEFAULT_TIMEZONE))
    tz = g_time_zone_new_offset (7 * 3600);
  if (tz == NULL)
    {
      *why = g_strdup ("the system knows no such time zone (see /usr/share/zoneinfo)");
      return FALSE;
    }
  g_clear_pointer (&c->tz, g_time_zone_unref);
  c->tz = tz;
  rd_config_set_str (&c->timezone, v);
  return TRUE;
}

/* The file is read here, once: the config that exists holds its entries. */
static gboolean
parse_calendar_file (RdConfig *c, const char *v, char **why)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  RdCalendar *calendar;

  if (*v == '\0')
    calendar = rd_calendar_new ();
  else if (!g_path_is_absolute (v))
    return FALSE;
  else if (!g_file_get_contents (v, &data, NULL, &error) ||
           !(calendar = rd_calendar_new_from_data (data, v, &error)))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  g_clear_pointer (&c->calendar, rd_calendar_unref);
  c->calendar = calendar;
  rd_config_set_str (&c->calendar_file, v);
  return TRUE;
}

/* The rules between keys, checked once the whole file is read. */
gboolean
rd_config_check_together (const RdConfig *c, const char *origin, GError **error)
{
  const guint64 *n = c->numbers;

  if ((c->tls_certificate == NULL) != (c->tls_private_key == NULL))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [network] certificate and private-key: set both or neither", origin);
      return FALSE;
    }
  if (c->archive_url && !c->archive_credentials)
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [archive] url needs credentials (a file of access-key-id= and "
                   "secret-access-key=)",
                   origin);
      return FALSE;
    }
  if (c->force_relay && !c->turn_server)
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [network] force-relay = true needs a turn-server: with only relay "
                   "candidates allowed and no TURN relay, no connection can be made",
                   origin);
      return FALSE;
    }
  if (n[RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS] > n[RD_CONFIG_NUM_MAX_CONNECTIONS])
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [network] max-connections-per-address (%" G_GUINT64_FORMAT
                   ") must be at most max-connections (%" G_GUINT64_FORMAT ")",
                   origin, n[RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS],
                   n[RD_CONFIG_NUM_MAX_CONNECTIONS]);
      return FALSE;
    }
  if (!(n[RD_CONFIG_NUM_STOP_FREE_MB] < n[RD_CONFIG_NUM_MIN_FREE_MB] &&
        n[RD_CONFIG_NUM_MIN_FREE_MB] <= n[RD_CONFIG_NUM_WARN_FREE_MB]))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [storage] stop-free-mb (%" G_GUINT64_FORMAT
                   ") must be below min-free-mb (%" G_GUINT64_FORMAT
                   "), and min-free-mb at most warn-free-mb (%" G_GUINT64_FORMAT
                   "): recording stops below stop-free-mb, no session starts below "
                   "min-free-mb, status warns below warn-free-mb",
                   origin, n[RD_CONFIG_NUM_STOP_FREE_MB], n[RD_CONFIG_NUM_MIN_FREE_MB],
                   n[RD_CONFIG_NUM_WARN_FREE_MB]);
      return FALSE;
    }
  return TRUE;
}

const RdConfigKey *
rd_config_find_key (const char *group, const char *key)
{
  for (gsize i = 0; i < rd_config_n_keys; i++)
    if (g_str_equal (rd_config_keys[i].group, group) && g_str_equal (rd_config_keys[i].key, key))
      return &rd_config_keys[i];
  return NULL;
}

gboolean
rd_config_group_is_known (const char *group)
{
  for (gsize i = 0; i < rd_config_n_keys; i++)
    if (g_str_equal (rd_config_keys[i].group, group))
      return TRUE;
  return FALSE;
}

RdConfig *
rd_config_new_with_defaults (const char *origin, const char *state_dir, const char *socket)
{
  RdConfig *c = g_new0 (RdConfig, 1);
  char *why = NULL;
  gboolean ok = TRUE;

  g_atomic_ref_count_init (&c->ref);
  c->origin = g_strdup (origin);
  ok &= parse_room_name (c, "Reception room", &why);
  ok &= parse_timezone (c, RD_CONFIG_DEFAULT_TIMEZONE, &why);
  ok &= parse_calendar_file (c, "", &why);
  ok &= parse_camera (c, "test", &why);
  ok &= parse_microphone (c, "test", &why);
  ok &= parse_display (c, "none", &why);
  ok &= parse_speakers (c, "none", &why);
  ok &= parse_video_codec (c, "vp8", &why);
  ok &= parse_layout (c, "auto", &why);
  ok &= rd_config_parse_echo_cancel (c, "auto", &why);
  ok &= rd_config_parse_noise_suppression (c, "moderate", &why);
  ok &= rd_config_parse_gain_control (c, "on", &why);
  ok &= rd_config_parse_listen (c, "127.0.0.1:8443", &why);
  ok &= rd_config_parse_ice_addresses (c, "", &why);
  ok &= rd_config_parse_force_relay (c, "false", &why);
  ok &= rd_config_parse_max_connections (c, "256", &why);
  ok &= rd_config_parse_max_connections_per_address (c, "32", &why);
  ok &= rd_config_parse_max_parties (c, "12", &why);
  ok &= parse_state_dir (c, state_dir, &why);
  ok &= parse_control_socket (c, socket, &why);
  ok &= parse_segment_seconds (c, "300", &why);
  ok &= parse_min_free_mb (c, "1024", &why);
  ok &= parse_warn_free_mb (c, "4096", &why);
  ok &= parse_stop_free_mb (c, "256", &why);
  ok &= parse_reconnect_seconds (c, "120", &why);
  ok &= parse_archive_url (c, "", &why);
  ok &= parse_archive_region (c, "us-east-1", &why);
  ok &= parse_archive_credentials (c, "", &why);
  ok &= parse_archive_ca (c, "", &why);
  ok &= parse_archive_during_session (c, "false", &why);
  ok &= parse_archive_multipart_mb (c, "64", &why);
  ok &= parse_archive_retry_max_seconds (c, "3600", &why);
  ok &= parse_archive_keep_local_days (c, "", &why);
  ok &= parse_archive_object_lock_days (c, "0", &why);
  ok &= parse_console_idle_timeout (c, "900", &why);
  g_assert (ok && why == NULL);
  return c;
}
