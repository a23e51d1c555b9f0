/* rd-config.c: parsing and validation of receptiond.conf. See rd-config.h for the contract. */
#include "config/rd-config.h"

#include <gio/gio.h>
#include <string.h>

GQuark
rd_config_error_quark (void)
{
  return g_quark_from_static_string ("rd-config-error-quark");
}

/* The longest path a struct sockaddr_un can hold, including the terminating NUL. */
#define SUN_PATH_MAX 108

/* The numeric keys, kept as numbers and as the text they were given in. */
typedef enum
{
  NUM_SEGMENT_SECONDS,
  NUM_MIN_FREE_MB,
  NUM_WARN_FREE_MB,
  NUM_STOP_FREE_MB,
  NUM_RECONNECT_SECONDS, /* [links] reconnect-seconds: added by the links branch (issue 6) */
  N_NUMBERS
} NumberKey;

/* Free space thresholds: at most 10 TB. */
#define MAX_FREE_MB 10000000

struct _RdConfig
{
  gatomicrefcount ref;
  char *origin;
  char *room_name;
  RdDeviceSetting camera, microphone, display, speakers;
  RdVideoCodec video_codec;
  char *listen_host;
  guint16 listen_port;
  char *listen_text;
  GStrv ice_addresses;
  char *ice_text;
  char *stun_server, *turn_server;
  gboolean force_relay;
  char *tls_certificate, *tls_private_key;
  char *control_socket, *control_group;
  char *state_dir;
  guint64 numbers[N_NUMBERS];
  char *number_text[N_NUMBERS];
};

/* One entry per key; the table is the single list of what receptiond.conf may contain. */
typedef gboolean (*Parser) (RdConfig *config, const char *value, char **accepted);

typedef struct
{
  const char *group;
  const char *key;
  gboolean reloadable;
  Parser parse;
  const char *accepted; /* shown in errors */
} KeySpec;

static gboolean parse_room_name (RdConfig *c, const char *v, char **why);
static gboolean parse_camera (RdConfig *c, const char *v, char **why);
static gboolean parse_microphone (RdConfig *c, const char *v, char **why);
static gboolean parse_display (RdConfig *c, const char *v, char **why);
static gboolean parse_speakers (RdConfig *c, const char *v, char **why);
static gboolean parse_video_codec (RdConfig *c, const char *v, char **why);
static gboolean parse_listen (RdConfig *c, const char *v, char **why);
static gboolean parse_ice_addresses (RdConfig *c, const char *v, char **why);
static gboolean parse_stun_server (RdConfig *c, const char *v, char **why);
static gboolean parse_turn_server (RdConfig *c, const char *v, char **why);
static gboolean parse_force_relay (RdConfig *c, const char *v, char **why);
static gboolean parse_tls_certificate (RdConfig *c, const char *v, char **why);
static gboolean parse_tls_private_key (RdConfig *c, const char *v, char **why);
static gboolean parse_control_socket (RdConfig *c, const char *v, char **why);
static gboolean parse_control_group (RdConfig *c, const char *v, char **why);
static gboolean parse_state_dir (RdConfig *c, const char *v, char **why);
static gboolean parse_segment_seconds (RdConfig *c, const char *v, char **why);
static gboolean parse_min_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_warn_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_stop_free_mb (RdConfig *c, const char *v, char **why);
static gboolean parse_reconnect_seconds (RdConfig *c, const char *v, char **why);

static const KeySpec keys[] = {
  { "room", "name", TRUE, parse_room_name, "a non-empty name of at most 200 characters" },
  { "media", "camera", FALSE, parse_camera, "test, auto or a device path such as /dev/video0" },
  { "media", "microphone", FALSE, parse_microphone, "test, auto or a device name" },
  { "media", "display", FALSE, parse_display, "none, auto or a GStreamer video sink name" },
  { "media", "speakers", FALSE, parse_speakers, "none, auto or a device name" },
  { "recording", "segment-seconds", TRUE, parse_segment_seconds,
    "a whole number of seconds from 10 to 3600" },
  { "media", "video-codec", FALSE, parse_video_codec, "vp8 or h264" },
  { "network", "listen", FALSE, parse_listen,
    "HOST:PORT with an IP address, e.g. 127.0.0.1:8443 or [::1]:8443 (port 0 = any free port)" },
  { "network", "ice-addresses", TRUE, parse_ice_addresses,
    "a comma-separated list of IP addresses, or empty for all" },
  { "network", "stun-server", TRUE, parse_stun_server, "empty or stun://HOST[:PORT]" },
  { "network", "turn-server", TRUE, parse_turn_server,
    "empty or turn://USER:PASSWORD@HOST[:PORT] or turns://USER:PASSWORD@HOST[:PORT]" },
  { "network", "force-relay", TRUE, parse_force_relay, "true or false" },
  { "network", "certificate", FALSE, parse_tls_certificate,
    "empty (generate a self-signed certificate) or an absolute path to a PEM file" },
  { "network", "private-key", FALSE, parse_tls_private_key,
    "empty (generate) or an absolute path to a PEM file" },
  { "control", "socket", FALSE, parse_control_socket, "an absolute path of at most 107 bytes" },
  { "control", "group", FALSE, parse_control_group, "empty or an existing group name" },
  { "storage", "state-dir", FALSE, parse_state_dir, "an absolute directory path" },
  { "storage", "min-free-mb", TRUE, parse_min_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  { "storage", "warn-free-mb", TRUE, parse_warn_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  { "storage", "stop-free-mb", TRUE, parse_stop_free_mb,
    "a whole number of megabytes from 1 to 10000000" },
  /* Issue 6, links branch (daemon/rd-daemon-links*.c): how long a joined conference keeps
   * trying to reconnect (ICE restart, then re-POSTs) before the link is failed. */
  { "links", "reconnect-seconds", TRUE, parse_reconnect_seconds,
    "a whole number of seconds from 10 to 3600" },
};

static void
set_str (char **field, const char *value)
{
  g_free (*field);
  *field = (value && *value) ? g_strdup (value) : NULL;
}

static gboolean
parse_device (RdDeviceSetting *s, const char *v, gboolean allow_test, gboolean allow_none)
{
  g_free ((char *)s->name);
  s->name = NULL;
  if (allow_test && g_str_equal (v, "test"))
    s->kind = RD_DEVICE_TEST;
  else if (allow_none && g_str_equal (v, "none"))
    s->kind = RD_DEVICE_NONE;
  else if (g_str_equal (v, "auto"))
    s->kind = RD_DEVICE_AUTO;
  else if (g_str_equal (v, "test") || g_str_equal (v, "none"))
    return FALSE; /* a keyword, but not one this device takes */
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
  set_str (&c->room_name, v);
  return TRUE;
}

static gboolean
parse_camera (RdConfig *c, const char *v, char **why)
{
  if (!parse_device (&c->camera, v, TRUE, FALSE))
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
  return parse_device (&c->microphone, v, TRUE, FALSE);
}

static gboolean
parse_display (RdConfig *c, const char *v, char **why)
{
  return parse_device (&c->display, v, FALSE, TRUE);
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
parse_speakers (RdConfig *c, const char *v, char **why)
{
  return parse_device (&c->speakers, v, FALSE, TRUE);
}

static gboolean
parse_listen (RdConfig *c, const char *v, char **why)
{
  g_autofree char *host = NULL;
  const char *port_text;
  guint64 port;

  if (v[0] == '[')
    {
      const char *end = strchr (v, ']');
      if (!end || end[1] != ':')
        return FALSE;
      host = g_strndup (v + 1, end - v - 1);
      port_text = end + 2;
    }
  else
    {
      const char *colon = strrchr (v, ':');
      if (!colon || strchr (v, ':') != colon)
        return FALSE;
      host = g_strndup (v, colon - v);
      port_text = colon + 1;
    }
  if (!g_hostname_is_ip_address (host))
    {
      *why = g_strdup_printf ("'%s' is not an IP address", host);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    {
      *why = g_strdup_printf ("'%s' is not a port number (0-65535)", port_text);
      return FALSE;
    }
  set_str (&c->listen_host, host);
  set_str (&c->listen_text, v);
  c->listen_port = (guint16)port;
  return TRUE;
}

static gboolean
parse_ice_addresses (RdConfig *c, const char *v, char **why)
{
  g_auto (GStrv) parts = g_strsplit (v, ",", -1);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (char **p = parts; *p; p++)
    {
      char *addr = g_strstrip (*p);
      if (*addr == '\0' && parts[1] == NULL)
        break; /* the whole value is empty */
      if (!g_hostname_is_ip_address (addr))
        {
          *why = g_strdup_printf ("'%s' is not an IP address", addr);
          return FALSE;
        }
      g_ptr_array_add (list, g_strdup (addr));
    }
  g_ptr_array_add (list, NULL);
  g_strfreev (c->ice_addresses);
  c->ice_addresses = (GStrv)g_ptr_array_free (g_steal_pointer (&list), FALSE);
  set_str (&c->ice_text, v);
  return TRUE;
}

/* SCHEME://[USER:PASSWORD@]HOST[:PORT] with nothing after the port. */
static gboolean
parse_server_uri (char **field, const char *v, const char *const *schemes, gboolean need_user,
                  char **why)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;

  if (*v == '\0')
    {
      set_str (field, NULL);
      return TRUE;
    }
  uri = g_uri_parse (v, G_URI_FLAGS_HAS_PASSWORD, &local);
  if (!uri)
    {
      *why = g_strdup (local->message);
      return FALSE;
    }
  if (!g_strv_contains (schemes, g_uri_get_scheme (uri)) || !g_uri_get_host (uri) ||
      *g_uri_get_host (uri) == '\0' ||
      (*g_uri_get_path (uri) && !g_str_equal (g_uri_get_path (uri), "/")) || g_uri_get_query (uri))
    return FALSE;
  if (need_user && (!g_uri_get_user (uri) || !g_uri_get_password (uri)))
    {
      *why = g_strdup ("a TURN server needs a user name and a password");
      return FALSE;
    }
  set_str (field, v);
  return TRUE;
}

static gboolean
parse_stun_server (RdConfig *c, const char *v, char **why)
{
  static const char *const schemes[] = { "stun", NULL };
  return parse_server_uri (&c->stun_server, v, schemes, FALSE, why);
}

static gboolean
parse_turn_server (RdConfig *c, const char *v, char **why)
{
  static const char *const schemes[] = { "turn", "turns", NULL };
  return parse_server_uri (&c->turn_server, v, schemes, TRUE, why);
}

static gboolean
parse_force_relay (RdConfig *c, const char *v, char **why)
{
  if (g_str_equal (v, "true"))
    c->force_relay = TRUE;
  else if (g_str_equal (v, "false"))
    c->force_relay = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_optional_path (char **field, const char *v)
{
  if (*v != '\0' && !g_path_is_absolute (v))
    return FALSE;
  set_str (field, v);
  return TRUE;
}

static gboolean
parse_tls_certificate (RdConfig *c, const char *v, char **why)
{
  return parse_optional_path (&c->tls_certificate, v);
}

static gboolean
parse_tls_private_key (RdConfig *c, const char *v, char **why)
{
  return parse_optional_path (&c->tls_private_key, v);
}

static gboolean
parse_control_socket (RdConfig *c, const char *v, char **why)
{
  if (!g_path_is_absolute (v) || strlen (v) >= SUN_PATH_MAX)
    return FALSE;
  set_str (&c->control_socket, v);
  return TRUE;
}

static gboolean
parse_control_group (RdConfig *c, const char *v, char **why)
{
  for (const char *p = v; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_-.", *p))
      return FALSE;
  set_str (&c->control_group, v);
  return TRUE;
}

static gboolean
parse_state_dir (RdConfig *c, const char *v, char **why)
{
  if (!g_path_is_absolute (v))
    return FALSE;
  set_str (&c->state_dir, v);
  return TRUE;
}

static gboolean
parse_number (RdConfig *c, NumberKey which, const char *v, guint64 min, guint64 max)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, NULL))
    return FALSE;
  c->numbers[which] = n;
  set_str (&c->number_text[which], v);
  return TRUE;
}

static gboolean
parse_segment_seconds (RdConfig *c, const char *v, char **why)
{
  return parse_number (c, NUM_SEGMENT_SECONDS, v, 10, 3600);
}

static gboolean
parse_reconnect_seconds (RdConfig *c, const char *v, char **why)
{
  return parse_number (c, NUM_RECONNECT_SECONDS, v, 10, 3600);
}

static gboolean
parse_min_free_mb (RdConfig *c, const char *v, char **why)
{
  return parse_number (c, NUM_MIN_FREE_MB, v, 1, MAX_FREE_MB);
}

static gboolean
parse_warn_free_mb (RdConfig *c, const char *v, char **why)
{
  return parse_number (c, NUM_WARN_FREE_MB, v, 1, MAX_FREE_MB);
}

static gboolean
parse_stop_free_mb (RdConfig *c, const char *v, char **why)
{
  return parse_number (c, NUM_STOP_FREE_MB, v, 1, MAX_FREE_MB);
}

/* The rules between keys, checked once the whole file is read. */
static gboolean
check_together (const RdConfig *c, const char *origin, GError **error)
{
  const guint64 *n = c->numbers;

  if ((c->tls_certificate == NULL) != (c->tls_private_key == NULL))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [network] certificate and private-key: set both or neither", origin);
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
  if (!(n[NUM_STOP_FREE_MB] < n[NUM_MIN_FREE_MB] && n[NUM_MIN_FREE_MB] <= n[NUM_WARN_FREE_MB]))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                   "%s: [storage] stop-free-mb (%" G_GUINT64_FORMAT
                   ") must be below min-free-mb (%" G_GUINT64_FORMAT
                   "), and min-free-mb at most warn-free-mb (%" G_GUINT64_FORMAT
                   "): recording stops below stop-free-mb, no session starts below "
                   "min-free-mb, status warns below warn-free-mb",
                   origin, n[NUM_STOP_FREE_MB], n[NUM_MIN_FREE_MB], n[NUM_WARN_FREE_MB]);
      return FALSE;
    }
  return TRUE;
}

static const KeySpec *
find_key (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return &keys[i];
  return NULL;
}

static gboolean
group_is_known (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group))
      return TRUE;
  return FALSE;
}

static RdConfig *
config_new_with_defaults (const char *origin, const char *state_dir, const char *socket)
{
  RdConfig *c = g_new0 (RdConfig, 1);
  char *why = NULL;
  gboolean ok = TRUE;

  g_atomic_ref_count_init (&c->ref);
  c->origin = g_strdup (origin);
  ok &= parse_room_name (c, "Reception room", &why);
  ok &= parse_camera (c, "test", &why);
  ok &= parse_microphone (c, "test", &why);
  ok &= parse_display (c, "none", &why);
  ok &= parse_speakers (c, "none", &why);
  ok &= parse_video_codec (c, "vp8", &why);
  ok &= parse_listen (c, "127.0.0.1:8443", &why);
  ok &= parse_ice_addresses (c, "", &why);
  ok &= parse_force_relay (c, "false", &why);
  ok &= parse_state_dir (c, state_dir, &why);
  ok &= parse_control_socket (c, socket, &why);
  ok &= parse_segment_seconds (c, "300", &why);
  ok &= parse_min_free_mb (c, "1024", &why);
  ok &= parse_warn_free_mb (c, "4096", &why);
  ok &= parse_stop_free_mb (c, "256", &why);
  ok &= parse_reconnect_seconds (c, "120", &why);
  g_assert (ok && why == NULL);
  return c;
}

static RdConfig *
config_new_file_defaults (const char *origin)
{
  return config_new_with_defaults (origin, "/var/lib/receptiond", "/run/receptiond/control.sock");
}

RdConfig *
rd_config_load_data (const char *data, const char *origin, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_SYNTAX, "%s: not a valid INI file: %s",
                   origin, local->message);
      return NULL;
    }

  config = config_new_file_defaults (origin);
  groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      g_auto (GStrv) names = NULL;

      if (!group_is_known (*g))
        {
          g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_UNKNOWN,
                       "%s: unknown group [%s] (known groups: room, media, recording, network, "
                       "control, storage, links)",
                       origin, *g);
          return NULL;
        }
      names = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **k = names; *k; k++)
        {
          const KeySpec *spec = find_key (*g, *k);
          g_autofree char *value = NULL;
          g_autofree char *why = NULL;

          if (!spec)
            {
              g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_UNKNOWN,
                           "%s: [%s] %s: unknown key", origin, *g, *k);
              return NULL;
            }
          value = g_key_file_get_string (kf, *g, *k, &local);
          if (!value)
            {
              g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s: [%s] %s: %s",
                           origin, *g, *k, local->message);
              return NULL;
            }
          g_strstrip (value);
          if (!spec->parse (config, value, &why))
            {
              g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
                           "%s: [%s] %s: invalid value '%s'%s%s; accepted: %s", origin, *g, *k,
                           value, why ? ": " : "", why ? why : "", spec->accepted);
              return NULL;
            }
        }
    }

  if (!check_together (config, origin, error))
    return NULL;
  return g_steal_pointer (&config);
}

RdConfig *
rd_config_load_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &data, NULL, &local))
    {
      gboolean missing = g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      g_set_error (error, RD_CONFIG_ERROR,
                   missing ? RD_CONFIG_ERROR_NOT_FOUND : RD_CONFIG_ERROR_READ,
                   "%s: cannot read the configuration: %s", path, local->message);
      return NULL;
    }
  if (!g_utf8_validate (data, -1, NULL))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_SYNTAX, "%s: not valid UTF-8", path);
      return NULL;
    }
  return rd_config_load_data (data, path, error);
}

RdConfig *
rd_config_new_default (void)
{
  g_autofree char *state = g_build_filename (g_get_user_state_dir (), "receptiond", NULL);
  g_autofree char *socket = g_build_filename (state, "control.sock", NULL);

  if (!g_path_is_absolute (state) || strlen (socket) >= SUN_PATH_MAX)
    {
      /* $XDG_STATE_HOME relative or very deep: fall back to ./var, as the README says. */
      g_autofree char *cwd = g_get_current_dir ();
      g_free (state);
      g_free (socket);
      state = g_build_filename (cwd, "var", NULL);
      socket = g_build_filename (state, "control.sock", NULL);
    }
  return config_new_with_defaults ("(embedded default)", state, socket);
}

RdConfig *
rd_config_load_standard (GError **error)
{
  if (g_file_test (RD_CONFIG_SYSTEM_PATH, G_FILE_TEST_EXISTS))
    return rd_config_load_file (RD_CONFIG_SYSTEM_PATH, error);
  return rd_config_new_default ();
}

RdConfig *
rd_config_ref (RdConfig *config)
{
  g_atomic_ref_count_inc (&config->ref);
  return config;
}

void
rd_config_unref (RdConfig *c)
{
  if (!c || !g_atomic_ref_count_dec (&c->ref))
    return;
  g_free (c->origin);
  g_free (c->room_name);
  g_free ((char *)c->camera.name);
  g_free ((char *)c->microphone.name);
  g_free ((char *)c->display.name);
  g_free ((char *)c->speakers.name);
  g_free (c->listen_host);
  g_free (c->listen_text);
  g_strfreev (c->ice_addresses);
  g_free (c->ice_text);
  g_free (c->stun_server);
  g_free (c->turn_server);
  g_free (c->tls_certificate);
  g_free (c->tls_private_key);
  g_free (c->control_socket);
  g_free (c->control_group);
  g_free (c->state_dir);
  for (int i = 0; i < N_NUMBERS; i++)
    g_free (c->number_text[i]);
  g_free (c);
}

#define GETTER(type, name, expr)                                                                   \
  type rd_config_get_##name (const RdConfig *c)                                                    \
  {                                                                                                \
    return (expr);                                                                                 \
  }

GETTER (const char *, origin, c->origin)
GETTER (const char *, room_name, c->room_name)
GETTER (RdDeviceSetting, camera, c->camera)
GETTER (RdDeviceSetting, microphone, c->microphone)
GETTER (RdDeviceSetting, display, c->display)
GETTER (RdDeviceSetting, speakers, c->speakers)
GETTER (RdVideoCodec, video_codec, c->video_codec)
GETTER (const char *, listen_host, c->listen_host)
GETTER (guint16, listen_port, c->listen_port)
GETTER (const char *const *, ice_addresses, (const char *const *)c->ice_addresses)
GETTER (const char *, stun_server, c->stun_server)
GETTER (const char *, turn_server, c->turn_server)
GETTER (gboolean, force_relay, c->force_relay)
GETTER (const char *, tls_certificate, c->tls_certificate)
GETTER (const char *, tls_private_key, c->tls_private_key)
GETTER (const char *, control_socket, c->control_socket)
GETTER (const char *, control_group, c->control_group)
GETTER (const char *, state_dir, c->state_dir)
GETTER (guint, segment_seconds, (guint)c->numbers[NUM_SEGMENT_SECONDS])
GETTER (guint64, min_free_mb, c->numbers[NUM_MIN_FREE_MB])
GETTER (guint64, warn_free_mb, c->numbers[NUM_WARN_FREE_MB])
GETTER (guint64, stop_free_mb, c->numbers[NUM_STOP_FREE_MB])
GETTER (guint, reconnect_seconds, (guint)c->numbers[NUM_RECONNECT_SECONDS])

const char *
rd_video_codec_to_string (RdVideoCodec codec)
{
  return codec == RD_VIDEO_CODEC_H264 ? "h264" : "vp8";
}

static const char *
device_text (RdDeviceSetting s)
{
  switch (s.kind)
    {
    case RD_DEVICE_NONE:
      return "none";
    case RD_DEVICE_TEST:
      return "test";
    case RD_DEVICE_AUTO:
      return "auto";
    case RD_DEVICE_NAMED:
      return s.name;
    }
  g_assert_not_reached ();
}

/* The value of one key as it would be written in the file. */
static const char *
value_text (const RdConfig *c, const KeySpec *spec)
{
  const char *k = spec->key;

  if (g_str_equal (spec->group, "room"))
    return c->room_name;
  if (g_str_equal (k, "video-codec"))
    return rd_video_codec_to_string (c->video_codec);
  if (g_str_equal (spec->group, "media"))
    return device_text (g_str_equal (k, "camera")       ? c->camera
                        : g_str_equal (k, "microphone") ? c->microphone
                        : g_str_equal (k, "display")    ? c->display
                                                        : c->speakers);
  if (g_str_equal (k, "listen"))
    return c->listen_text;
  if (g_str_equal (k, "ice-addresses"))
    return c->ice_text;
  if (g_str_equal (k, "stun-server"))
    return c->stun_server;
  if (g_str_equal (k, "turn-server"))
    return c->turn_server;
  if (g_str_equal (k, "force-relay"))
    return c->force_relay ? "true" : "false";
  if (g_str_equal (k, "certificate"))
    return c->tls_certificate;
  if (g_str_equal (k, "private-key"))
    return c->tls_private_key;
  if (g_str_equal (k, "socket"))
    return c->control_socket;
  if (g_str_equal (k, "group"))
    return c->control_group;
  if (g_str_equal (k, "segment-seconds"))
    return c->number_text[NUM_SEGMENT_SECONDS];
  if (g_str_equal (k, "min-free-mb"))
    return c->number_text[NUM_MIN_FREE_MB];
  if (g_str_equal (k, "warn-free-mb"))
    return c->number_text[NUM_WARN_FREE_MB];
  if (g_str_equal (k, "stop-free-mb"))
    return c->number_text[NUM_STOP_FREE_MB];
  if (g_str_equal (k, "reconnect-seconds"))
    return c->number_text[NUM_RECONNECT_SECONDS];
  return c->state_dir;
}

GStrv
rd_config_diff (const RdConfig *a, const RdConfig *b)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_strcmp0 (value_text (a, &keys[i]), value_text (b, &keys[i])) != 0)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", keys[i].group, keys[i].key);
        g_strv_builder_add (out, name);
      }
  return g_strv_builder_end (out);
}

gboolean
rd_config_key_is_reloadable (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *full = g_strdup_printf ("%s.%s", keys[i].group, keys[i].key);
      if (g_str_equal (full, name))
        return keys[i].reloadable;
    }
  return FALSE;
}

char *
rd_config_to_data (const RdConfig *c)
{
  GString *out = g_string_new (NULL);
  const char *group = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *v = value_text (c, &keys[i]);
      if (g_strcmp0 (group, keys[i].group) != 0)
        {
          group = keys[i].group;
          g_string_append_printf (out, "%s[%s]\n", out->len ? "\n" : "", group);
        }
      g_string_append_printf (out, "%s=%s\n", keys[i].key, v ? v : "");
    }
  return g_string_free (out, FALSE);
}
