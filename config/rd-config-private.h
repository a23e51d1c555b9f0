/* rd-config-private.h: what the files of config/ share and nothing else may use: the RdConfig
 * structure, the key table and the parsers that fill it.
 *
 * Contract: a parser gets one value as written in the file (already stripped), stores it in the
 * config and returns TRUE; or returns FALSE, may set *why (transfer full) to what was wrong, and
 * the caller throws the half-built config away (rd_config_load_data() names the file, group, key,
 * value and the key's accepted values). Every string in an RdConfig is owned by it.
 * Threading: a config is built on one thread; once returned it is immutable.
 *
 * Adding a key: its row in rd_config_keys (in file order), its parser, its field below, its text
 * in value_text() (rd-config.c), its line in config/receptiond.conf.example (test-config checks
 * the example sets every key, to its default) and its row in the README's table.
 *
 * Included only by config/rd-config*.c; the public API is config/rd-config.h.
 */
#pragma once

#include "config/rd-config.h"
#include "config/rd-config-calendar.h"

/* [network] max-connections and max-connections-per-address: at most this many. */
#define RD_CONFIG_MAX_CONNECTIONS 10000
/* [network] max-parties: at most this many. */
#define RD_CONFIG_MAX_PARTIES 100

/* [room] timezone when the file does not say. */
#define RD_CONFIG_DEFAULT_TIMEZONE "Asia/Ho_Chi_Minh"

/* The longest path a struct sockaddr_un can hold, including the terminating NUL. */
#define RD_CONFIG_SUN_PATH_MAX 108

/* The numeric keys, kept as numbers and as the text they were given in. */
typedef enum
{
  RD_CONFIG_NUM_SEGMENT_SECONDS,
  RD_CONFIG_NUM_MIN_FREE_MB,
  RD_CONFIG_NUM_WARN_FREE_MB,
  RD_CONFIG_NUM_STOP_FREE_MB,
  RD_CONFIG_NUM_RECONNECT_SECONDS,           /* [links] reconnect-seconds */
  RD_CONFIG_NUM_MAX_CONNECTIONS,             /* [network] max-connections */
  RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS, /* [network] max-connections-per-address */
  RD_CONFIG_NUM_MAX_PARTIES,                 /* [network] max-parties */
  RD_CONFIG_NUM_ARCHIVE_MULTIPART_MB,        /* [archive] multipart-mb */
  RD_CONFIG_NUM_ARCHIVE_RETRY_MAX_SECONDS,   /* [archive] retry-max-seconds */
  RD_CONFIG_NUM_ARCHIVE_OBJECT_LOCK_DAYS,    /* [archive] object-lock-days */
  RD_CONFIG_NUM_CONSOLE_IDLE_TIMEOUT,        /* [console] idle-timeout */
  RD_CONFIG_N_NUMBERS
} RdConfigNumber;

struct _RdConfig
{
  gatomicrefcount ref;
  char *origin;
  char *room_name;
  char *timezone; /* [room] timezone, as written */
  GTimeZone *tz;
  char *calendar_file; /* [calendar] file; NULL: the law's days only */
  RdCalendar *calendar;
  RdDeviceSetting camera, microphone, display, speakers;
  RdVideoCodec video_codec;
  RdLayout layout;
  RdEchoCancel echo_cancel;
  RdNoiseSuppression noise_suppression;
  gboolean gain_control;
  char *listen_host;
  guint16 listen_port;
  char *listen_text;
  GStrv ice_addresses;
  char *ice_text;
  char *stun_server, *turn_server;
  gboolean force_relay;
  char *tls_certificate, *tls_private_key;
  char *control_socket, *control_group;
  char *role_groups[RD_CONFIG_N_ROLES]; /* [control] technicians, officers, supervisors */
  char *state_dir;
  char *archive_url, *archive_region, *archive_credentials, *archive_ca;
  gboolean archive_during_session;
  int archive_keep_local_days; /* -1: keep */
  char *archive_keep_local_days_text;
  guint64 numbers[RD_CONFIG_N_NUMBERS];
  char *number_text[RD_CONFIG_N_NUMBERS];
};

/* Parses one key's value into @config (see the contract above). */
typedef gboolean (*RdConfigParser) (RdConfig *config, const char *value, char **why);

/* One entry per key. */

typedef struct
{
  const char *group;
  const char *key;
  gboolean reloadable;
  RdConfigParser parse;
  const char *accepted; /* shown in errors */
} RdConfigKey;

/* The table: the single list of what receptiond.conf may contain, in file order
 * (rd-config-keys.c). */
extern const RdConfigKey rd_config_keys[];
extern const gsize rd_config_n_keys;

static inline void
rd_config_set_str (char **field, const char *value)
{
  g_free (*field);
  *field = (value && *value) ? g_strdup (value) : NULL;
}

/* rd-config-keys.c: the table's lookups, the defaults, the rules between keys. */
const RdConfigKey *rd_config_find_key (const char *group, const char *key);
gboolean rd_config_group_is_known (const char *group);
/* Every key at its default; state_dir and socket as given. (transfer full) */
RdConfig *rd_config_new_with_defaults (const char *origin, const char *state_dir,
                                       const char *socket);
/* The rules between keys, checked once the whole file is read; the error names @origin. */
gboolean rd_config_check_together (const RdConfig *c, const char *origin, GError **error);

/* rd-config-network.c: the [network] keys. */
gboolean rd_config_parse_listen (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_ice_addresses (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_stun_server (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_turn_server (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_force_relay (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_tls_certificate (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_tls_private_key (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_max_connections (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_max_connections_per_address (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_max_parties (RdConfig *c, const char *v, char **why);
/* rd-config-audio.c: the [media] sound processing keys. */
gboolean rd_config_parse_echo_cancel (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_noise_suppression (RdConfig *c, const char *v, char **why);
gboolean rd_config_parse_gain_control (RdConfig *c, const char *v, char **why);
/* The value of one of those keys as written in the file; NULL for another key. */
const char *rd_config_audio_value_text (const RdConfig *c, const char *key);
/* The numeric keys' common parser: @v a whole number from @min to @max. */
gboolean rd_config_parse_number (RdConfig *c, RdConfigNumber which, const char *v, guint64 min,
                                 guint64 max);
