/* rd-config.c: loading receptiond.conf (or the embedded default), the RdConfig's life, its
 * accessors, and writing it back (diff, to_data). The keys themselves are parsed in
 * rd-config-keys.c and rd-config-network.c. See rd-config.h for the contract. */
#include "config/rd-config-private.h"
#include "config/rd-config-error.h"

#include <gio/gio.h>
#include <string.h>

GQuark
rd_config_error_quark (void)
{
  return g_quark_from_static_string ("rd-config-error-quark");
}

static RdConfig *
config_new_file_defaults (const char *origin)
{
  return rd_config_new_with_defaults (origin, "/var/lib/receptiond",
                                      "/run/receptiond/control.sock");
}

/* GKeyFile keeps the last of a key given twice and skips "key[locale]=" lines: both would
 * leave the technician's file meaning something else than it says. Refused, naming the lines. */
static gboolean
check_keys_once (const char *data, const char *origin, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = g_strdup ("");

  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_autofree char *key = NULL;
      g_autofree char *where = NULL;
      char *eq;
      gpointer first;

      if (*line == '[' && strchr (line, ']'))
        {
          g_free (group);
          group = g_strndup (line + 1, strchr (line, ']') - line - 1);
          continue;
        }
      if (*line == '\0' || *line == '#' || !(eq = strchr (line, '=')))
        continue; /* what is not a key line, GKeyFile judges */
      key = g_strstrip (g_strndup (line, eq - line));
      if (strchr (key, '['))
        {
          g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_SYNTAX,
                       "%s: line %u: [%s] %s: localized keys are not supported", origin, i + 1,
                       group, key);
          return FALSE;
        }
      where = g_strdup_printf ("%s\n%s", group, key);
      if (g_hash_table_lookup_extended (seen, where, NULL, &first))
        {
          g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_SYNTAX,
                       "%s: line %u: [%s] %s is given a second time (first on line %u)", origin,
                       i + 1, group, key, GPOINTER_TO_UINT (first));
          return FALSE;
        }
      g_hash_table_insert (seen, g_steal_pointer (&where), GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
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
  if (!check_keys_once (data, origin, error))
    return NULL;

  config = config_new_file_defaults (origin);
  groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      g_auto (GStrv) names = NULL;

      if (!rd_config_group_is_known (*g))
        {
          g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_UNKNOWN,
                       "%s: unknown group [%s] (known groups: room, media, recording, network, "
                       "control, storage, links, calendar, archive, console)",
                       origin, *g);
          return NULL;
        }
      names = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **k = names; *k; k++)
        {
          const RdConfigKey *spec = rd_config_find_key (*g, *k);
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

  if (!rd_config_check_together (config, origin, error))
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

  if (!g_path_is_absolute (state) || strlen (socket) >= RD_CONFIG_SUN_PATH_MAX)
    {
      /* $XDG_STATE_HOME relative or very deep: fall back to ./var, as the README says. */
      g_autofree char *cwd = g_get_current_dir ();
      g_free (state);
      g_free (socket);
      state = g_build_filename (cwd, "var", NULL);
      socket = g_build_filename (state, "control.sock", NULL);
    }
  return rd_config_new_with_defaults ("(embedded default)", state, socket);
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
  g_free (c->timezone);
  g_clear_pointer (&c->tz, g_time_zone_unref);
  g_free (c->calendar_file);
  g_clear_pointer (&c->calendar, rd_calendar_unref);
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
  for (int i = 0; i < RD_CONFIG_N_ROLES; i++)
    g_free (c->role_groups[i]);
  g_free (c->state_dir);
  g_free (c->archive_url);
  g_free (c->archive_region);
  g_free (c->archive_credentials);
  g_free (c->archive_ca);
  g_free (c->archive_keep_local_days_text);
  for (int i = 0; i < RD_CONFIG_N_NUMBERS; i++)
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
GETTER (const char *, timezone_name, c->timezone)
GETTER (GTimeZone *, timezone, c->tz)
GETTER (RdCalendar *, calendar, c->calendar)
GETTER (RdDeviceSetting, camera, c->camera)
GETTER (RdDeviceSetting, microphone, c->microphone)
GETTER (RdDeviceSetting, display, c->display)
GETTER (RdDeviceSetting, speakers, c->speakers)
GETTER (RdVideoCodec, video_codec, c->video_codec)
GETTER (RdLayout, layout, c->layout)
GETTER (const char *, listen_host, c->listen_host)
GETTER (guint16, listen_port, c->listen_port)
GETTER (const char *const *, ice_addresses, (const char *const *)c->ice_addresses)
GETTER (const char *, stun_server, c->stun_server)
GETTER (const char *, turn_server, c->turn_server)
GETTER (gboolean, force_relay, c->force_relay)
GETTER (const char *, tls_certificate, c->tls_certificate)
GETTER (const char *, tls_private_key, c->tls_private_key)
GETTER (guint, max_connections, (guint)c->numbers[RD_CONFIG_NUM_MAX_CONNECTIONS])
GETTER (guint, max_connections_per_address,
        (guint)c->numbers[RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS])
GETTER (guint, max_parties, (guint)c->numbers[RD_CONFIG_NUM_MAX_PARTIES])
GETTER (const char *, control_socket, c->control_socket)
GETTER (const char *, control_group, c->control_group)

const char *
rd_config_get_control_role_group (const RdConfig *c, RdConfigRole role)
{
  g_return_val_if_fail (role < RD_CONFIG_N_ROLES, NULL);
  return c->role_groups[role];
}
GETTER (const char *, state_dir, c->state_dir)
GETTER (guint, segment_seconds, (guint)c->numbers[RD_CONFIG_NUM_SEGMENT_SECONDS])
GETTER (guint64, min_free_mb, c->numbers[RD_CONFIG_NUM_MIN_FREE_MB])
GETTER (guint64, warn_free_mb, c->numbers[RD_CONFIG_NUM_WARN_FREE_MB])
GETTER (guint64, stop_free_mb, c->numbers[RD_CONFIG_NUM_STOP_FREE_MB])
GETTER (guint, reconnect_seconds, (guint)c->numbers[RD_CONFIG_NUM_RECONNECT_SECONDS])
GETTER (const char *, archive_url, c->archive_url)
GETTER (const char *, archive_region, c->archive_region)
GETTER (const char *, archive_credentials, c->archive_credentials)
GETTER (const char *, archive_ca, c->archive_ca)
GETTER (gboolean, archive_during_session, c->archive_during_session)
GETTER (int, archive_keep_local_days, c->archive_keep_local_days)
GETTER (guint, archive_multipart_mb, (guint)c->numbers[RD_CONFIG_NUM_ARCHIVE_MULTIPART_MB])
GETTER (guint, archive_object_lock_days, (guint)c->numbers[RD_CONFIG_NUM_ARCHIVE_OBJECT_LOCK_DAYS])
GETTER (guint, console_idle_timeout, (guint)c->numbers[RD_CONFIG_NUM_CONSOLE_IDLE_TIMEOUT])
GETTER (guint, archive_retry_max_seconds,
        (guint)c->numbers[RD_CONFIG_NUM_ARCHIVE_RETRY_MAX_SECONDS])

const char *
rd_video_codec_to_string (RdVideoCodec codec)
{
  return codec == RD_VIDEO_CODEC_H264 ? "h264" : "vp8";
}

static const char *const layout_names[] = { "auto", "room", "grid", "speaker" };

const char *
rd_layout_to_string (RdLayout layout)
{
  g_return_val_if_fail ((guint)layout < G_N_ELEMENTS (layout_names), "auto");
  return layout_names[layout];
}

gboolean
rd_layout_from_string (const char *text, RdLayout *layout)
{
  for (guint i = 0; text && i < G_N_ELEMENTS (layout_names); i++)
    if (g_str_equal (text, layout_names[i]))
      {
        *layout = (RdLayout)i;
        return TRUE;
      }
  return FALSE;
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
    case RD_DEVICE_PIPELINE:
      return s.name;
    }
  g_assert_not_reached ();
}

/* The value of one key as it would be written in the file. */
static const char *
value_text (const RdConfig *c, const RdConfigKey *spec)
{
  const char *k = spec->key;

  if (g_str_equal (k, "timezone"))
    return c->timezone;
  if (g_str_equal (spec->group, "calendar"))
    return c->calendar_file;
  if (g_str_equal (spec->group, "room"))
    return c->room_name;
  if (g_str_equal (k, "video-codec"))
    return rd_video_codec_to_string (c->video_codec);
  if (g_str_equal (k, "layout"))
    return rd_layout_to_string (c->layout);
  if (rd_config_audio_value_text (c, k))
    return rd_config_audio_value_text (c, k);
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
  if (g_str_equal (k, "max-connections"))
    return c->number_text[RD_CONFIG_NUM_MAX_CONNECTIONS];
  if (g_str_equal (k, "max-connections-per-address"))
    return c->number_text[RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS];
  if (g_str_equal (k, "max-parties"))
    return c->number_text[RD_CONFIG_NUM_MAX_PARTIES];
  if (g_str_equal (k, "socket"))
    return c->control_socket;
  if (g_str_equal (k, "group"))
    return c->control_group;
  if (g_str_equal (k, "technicians"))
    return c->role_groups[RD_CONFIG_ROLE_TECHNICIANS];
  if (g_str_equal (k, "officers"))
    return c->role_groups[RD_CONFIG_ROLE_OFFICERS];
  if (g_str_equal (k, "supervisors"))
    return c->role_groups[RD_CONFIG_ROLE_SUPERVISORS];
  if (g_str_equal (k, "segment-seconds"))
    return c->number_text[RD_CONFIG_NUM_SEGMENT_SECONDS];
  if (g_str_equal (k, "min-free-mb"))
    return c->number_text[RD_CONFIG_NUM_MIN_FREE_MB];
  if (g_str_equal (k, "warn-free-mb"))
    return c->number_text[RD_CONFIG_NUM_WARN_FREE_MB];
  if (g_str_equal (k, "stop-free-mb"))
    return c->number_text[RD_CONFIG_NUM_STOP_FREE_MB];
  if (g_str_equal (k, "reconnect-seconds"))
    return c->number_text[RD_CONFIG_NUM_RECONNECT_SECONDS];
  if (g_str_equal (k, "url"))
    return c->archive_url;
  if (g_str_equal (k, "region"))
    return c->archive_region;
  if (g_str_equal (k, "credentials"))
    return c->archive_credentials;
  if (g_str_equal (k, "ca"))
    return c->archive_ca;
  if (g_str_equal (k, "during-session"))
    return c->archive_during_session ? "true" : "false";
  if (g_str_equal (k, "multipart-mb"))
    return c->number_text[RD_CONFIG_NUM_ARCHIVE_MULTIPART_MB];
  if (g_str_equal (k, "keep-local-days"))
    return c->archive_keep_local_days_text;
  if (g_str_equal (k, "retry-max-seconds"))
    return c->number_text[RD_CONFIG_NUM_ARCHIVE_RETRY_MAX_SECONDS];
  if (g_str_equal (k, "object-lock-days"))
    return c->number_text[RD_CONFIG_NUM_ARCHIVE_OBJECT_LOCK_DAYS];
  if (g_str_equal (k, "idle-timeout"))
    return c->number_text[RD_CONFIG_NUM_CONSOLE_IDLE_TIMEOUT];
  return c->state_dir;
}

GStrv
rd_config_diff (const RdConfig *a, const RdConfig *b)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();

  for (gsize i = 0; i < rd_config_n_keys; i++)
    if (g_strcmp0 (value_text (a, &rd_config_keys[i]), value_text (b, &rd_config_keys[i])) != 0)
      {
        g_autofree char *name =
            g_strdup_printf ("%s.%s", rd_config_keys[i].group, rd_config_keys[i].key);
        g_strv_builder_add (out, name);
      }
  return g_strv_builder_end (out);
}

gboolean
rd_config_key_is_reloadable (const char *name)
{
  for (gsize i = 0; i < rd_config_n_keys; i++)
    {
      g_autofree char *full =
          g_strdup_printf ("%s.%s", rd_config_keys[i].group, rd_config_keys[i].key);
      if (g_str_equal (full, name))
        return rd_config_keys[i].reloadable;
    }
  return FALSE;
}

char *
rd_config_to_data (const RdConfig *c)
{
  GString *out = g_string_new (NULL);
  const char *group = NULL;

  for (gsize i = 0; i < rd_config_n_keys; i++)
    {
      const char *v = value_text (c, &rd_config_keys[i]);
      if (g_strcmp0 (group, rd_config_keys[i].group) != 0)
        {
          group = rd_config_keys[i].group;
          g_string_append_printf (out, "%s[%s]\n", out->len ? "\n" : "", group);
        }
      g_string_append_printf (out, "%s=%s\n", rd_config_keys[i].key, v ? v : "");
    }
  return g_string_free (out, FALSE);
}
