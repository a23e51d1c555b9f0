/* rd-config.h: receptiond's configuration, read once, never changed.
 *
 * Contract: an RdConfig is built either from an INI file (GKeyFile syntax) or from the embedded
 * default, and only when every key in it is valid. Unknown groups or keys, bad values and missing
 * files are errors in RD_CONFIG_ERROR (config/rd-config-error.h) whose message names the file,
 * the group, the key and the accepted values. A config that exists is therefore complete and
 * valid: callers never re-check.
 *
 * The object is immutable and reference counted (rd_config_ref/unref), so it may be shared across
 * threads; a reload builds a new RdConfig and the daemon swaps it in.
 *
 * Every module may include this header; it includes nothing of receptiond's outside config/.
 */
#pragma once

#include <glib.h>

#include "config/rd-config-calendar.h"

G_BEGIN_DECLS

/* The system-wide file, used when no --config is given and it exists. */
#define RD_CONFIG_SYSTEM_PATH RD_SYSCONFDIR "/receptiond/receptiond.conf"

typedef struct _RdConfig RdConfig;

/* What the room's devices are set to. For camera/microphone/speakers the device string is a
 * device path or name when kind is RD_DEVICE_NAMED; for display it is a GStreamer sink name.
 * Any of the four may be RD_DEVICE_PIPELINE: "pipeline:" and a gst-launch description of a bin
 * with one unlinked source pad (camera, microphone) or sink pad (display, speakers). The config
 * keeps its text only (non-empty); media/ parses it (rd_media_check_devices()). */
typedef enum
{
  RD_DEVICE_NONE,     /* display/speakers only: no output (fakesink) */
  RD_DEVICE_TEST,     /* camera/microphone only: test pattern / test tone */
  RD_DEVICE_AUTO,     /* the first device found */
  RD_DEVICE_NAMED,    /* the device or element named in the value */
  RD_DEVICE_PIPELINE, /* the GStreamer pipeline described in the value */
} RdDeviceKind;

/* "pipeline:" as written in the file before a description. */
#define RD_DEVICE_PIPELINE_PREFIX "pipeline:"

typedef struct
{
  RdDeviceKind kind;
  /* NAMED: the device or element; PIPELINE: the whole value as written ("pipeline:..."); NULL
   * otherwise. Owned by the config. */
  const char *name;
  /* PIPELINE: the gst-launch description, inside @name after the prefix and any blanks; NULL
   * otherwise. */
  const char *description;
} RdDeviceSetting;

/* The codec the room encodes its video in, once, for every party ([media] video-codec). */
typedef enum
{
  RD_VIDEO_CODEC_VP8,
  RD_VIDEO_CODEC_H264, /* constrained baseline, packetization-mode=1 */
} RdVideoCodec;

/* "vp8" or "h264", as in the file. (transfer none) */
const char *rd_video_codec_to_string (RdVideoCodec codec);

/* What the parties and the display see ([media] layout, receptionctl layout):
 * AUTO: ROOM with at most one remote party, GRID with more;
 * ROOM: the room's camera alone to the parties; the display shows the parties with the room's
 *   self-view in a corner;
 * GRID: the room's camera and every party in equal tiles, to the parties and the display;
 * SPEAKER: the active speaker large, the others in a strip below. */
typedef enum
{
  RD_LAYOUT_AUTO,
  RD_LAYOUT_ROOM,
  RD_LAYOUT_GRID,
  RD_LAYOUT_SPEAKER,
} RdLayout;

/* "auto", "room", "grid", "speaker". (transfer none) */
const char *rd_layout_to_string (RdLayout layout);
/* FALSE when @text names no layout. */
gboolean rd_layout_from_string (const char *text, RdLayout *layout);

/* The room's microphone processing ([media] echo-cancel): AUTO cancels the echo when the room
 * has speakers (speakers is not none), ON always, OFF never (a room whose DSP or speakerphone
 * already cancels it). */
typedef enum
{
  RD_ECHO_CANCEL_AUTO,
  RD_ECHO_CANCEL_ON,
  RD_ECHO_CANCEL_OFF,
} RdEchoCancel;

/* [media] noise-suppression: OFF or the suppressor's level, from the least to the most
 * aggressive. */
typedef enum
{
  RD_NOISE_SUPPRESSION_OFF,
  RD_NOISE_SUPPRESSION_LOW,
  RD_NOISE_SUPPRESSION_MODERATE,
  RD_NOISE_SUPPRESSION_HIGH,
  RD_NOISE_SUPPRESSION_VERY_HIGH,
} RdNoiseSuppression;

/* "off", "low", "moderate", "high", "very-high". (transfer none) */
const char *rd_noise_suppression_to_string (RdNoiseSuppression level);

/* Loads @path. (transfer full) */
RdConfig *rd_config_load_file (const char *path, GError **error);

/* Parses INI text as if read from a file called @origin (used in messages). (transfer full) */
RdConfig *rd_config_load_data (const char *data, const char *origin, GError **error);

/* The embedded default: test camera and microphone, no display, no speakers, HTTPS on
 * 127.0.0.1:8443, state under the user's state dir ($XDG_STATE_HOME/receptiond), the control
 * socket inside the state dir. (transfer full) */
RdConfig *rd_config_new_default (void);

/* The configuration a daemon or console uses when no file is named: RD_CONFIG_SYSTEM_PATH if it
 * exists, the embedded default otherwise. (transfer full) */
RdConfig *rd_config_load_standard (GError **error);

RdConfig *rd_config_ref (RdConfig *config);
void rd_config_unref (RdConfig *config);

/* Accessors: the returned strings are owned by the config and live as long as it does. */
const char *rd_config_get_origin (const RdConfig *config); /* file path, or "(embedded default)" */
const char *rd_config_get_room_name (const RdConfig *config);
/* [room] timezone: the room's time zone (an IANA name, default Asia/Ho_Chi_Minh), in which
 * receptionctl shows times, typed times without a zone are read, and the book's days are
 * counted. (transfer none) */
const char *rd_config_get_timezone_name (const RdConfig *config);
GTimeZone *rd_config_get_timezone (const RdConfig *config);
/* [calendar] file: the working days (rd-config-calendar.h), with the file's entries when one is
 * set (read when the config is loaded). (transfer none) */
RdCalendar *rd_config_get_calendar (const RdConfig *config);
RdDeviceSetting rd_config_get_camera (const RdConfig *config);
RdDeviceSetting rd_config_get_microphone (const RdConfig *config);
RdDeviceSetting rd_config_get_display (const RdConfig *config);
RdDeviceSetting rd_config_get_speakers (const RdConfig *config);
RdVideoCodec rd_config_get_video_codec (const RdConfig *config);
RdLayout rd_config_get_layout (const RdConfig *config); /* [media] layout, default auto */
/* [media] echo-cancel (default auto) resolved against the speakers: whether the echo is
 * cancelled. */
gboolean rd_config_get_echo_cancel_active (const RdConfig *config);
RdNoiseSuppression rd_config_get_noise_suppression (const RdConfig *config); /* moderate */
gboolean rd_config_get_gain_control (const RdConfig *config);   /* [media] gain-control, on */
const char *rd_config_get_listen_host (const RdConfig *config); /* "127.0.0.1", "::1", "0.0.0.0" */
guint16 rd_config_get_listen_port (const RdConfig *config);     /* 0 = any free port */
/* NULL-terminated list of IP addresses ICE may use; empty = all interfaces. */
const char *const *rd_config_get_ice_addresses (const RdConfig *config);
const char *rd_config_get_stun_server (const RdConfig *config); /* NULL when unset */
const char *rd_config_get_turn_server (const RdConfig *config); /* NULL when unset */
/* [network] force-relay: every peer's ICE uses only relay (TURN) candidates (webrtcbin
 * ice-transport-policy relay). Default FALSE; TRUE is refused without a turn-server. */
gboolean rd_config_get_force_relay (const RdConfig *config);
const char *rd_config_get_tls_certificate (const RdConfig *config); /* NULL = generate */
const char *rd_config_get_tls_private_key (const RdConfig *config); /* NULL = generate */
/* [network] max-connections: HTTPS connections open at once, 1..10000 (default 256); beyond it
 * a new connection is closed as soon as it is accepted. max-connections-per-address: the same
 * for one client address (an IPv6 address counts by its /64), 1..max-connections (default 32). */
guint rd_config_get_max_connections (const RdConfig *config);
guint rd_config_get_max_connections_per_address (const RdConfig *config);
/* [network] max-parties (reload): remote parties one session takes at once (WHIP and WHEP,
 * connected or still being set up), 1..100 (default 12); beyond it a new party is refused
 * (503 with Retry-After). */
guint rd_config_get_max_parties (const RdConfig *config);
const char *rd_config_get_control_socket (const RdConfig *config);
const char *rd_config_get_control_group (const RdConfig *config); /* NULL = daemon's group */
/* The console's roles, [control] technicians, officers, supervisors: each the name of the Unix
 * group whose members hold the role, or NULL when the key is empty (what that means is the
 * daemon's: daemon/rd-daemon-roles.h). Only the name's form is checked here. */
typedef enum
{
  RD_CONFIG_ROLE_TECHNICIANS,
  RD_CONFIG_ROLE_OFFICERS,
  RD_CONFIG_ROLE_SUPERVISORS,
  RD_CONFIG_N_ROLES
} RdConfigRole;
const char *rd_config_get_control_role_group (const RdConfig *config, RdConfigRole role);
const char *rd_config_get_state_dir (const RdConfig *config);
/* [recording] segment-seconds: a recording segment closes (on a keyframe) after about this many
 * seconds, 10..3600 (default 300). */
guint rd_config_get_segment_seconds (const RdConfig *config);
/* [storage] free space thresholds on the state dir's file system, in MB (1 MB = 1048576 bytes),
 * always stop < min <= warn: no session starts below min-free-mb (default 1024); status warns
 * below warn-free-mb (default 4096); below stop-free-mb (default 256) the recording's segments
 * are closed and the call goes on. */
guint64 rd_config_get_min_free_mb (const RdConfig *config);
guint64 rd_config_get_warn_free_mb (const RdConfig *config);
guint64 rd_config_get_stop_free_mb (const RdConfig *config);
/* [links] reconnect-seconds: how long a joined conference (session join) that dropped keeps
 * trying (ICE restart, then new POSTs) before it is failed, 10..3600 (default 120). */
guint rd_config_get_reconnect_seconds (const RdConfig *config);
/* [archive]: the recording archive. url NULL = no archive; credentials and ca NULL when not
 * set; multipart-mb the size above which a file goes in parts, and each part's size;
 * retry-max-seconds the longest wait between two attempts. */
const char *rd_config_get_archive_url (const RdConfig *config);
const char *rd_config_get_archive_region (const RdConfig *config);
const char *rd_config_get_archive_credentials (const RdConfig *config);
const char *rd_config_get_archive_ca (const RdConfig *config);
gboolean rd_config_get_archive_during_session (const RdConfig *config);
/* [archive] keep-local-days: days an archived session's local files are kept, -1 for ever. */
int rd_config_get_archive_keep_local_days (const RdConfig *config);
guint rd_config_get_archive_multipart_mb (const RdConfig *config);
guint rd_config_get_archive_retry_max_seconds (const RdConfig *config);
/* [archive] object-lock-days: days each object is locked (S3 Object Lock, COMPLIANCE mode) from
 * its upload, 0 for none. */
guint rd_config_get_archive_object_lock_days (const RdConfig *config);
/* [console] idle-timeout: seconds without an operator's action before the room console's session
 * ends (default 900). Applied to sessions from the next request on when reloaded. */
guint rd_config_get_console_idle_timeout (const RdConfig *config);

/* Names ("group.key") of the settings whose values differ between @a and @b, in file order.
 * (transfer full) */
GStrv rd_config_diff (const RdConfig *a, const RdConfig *b);

/* TRUE when a change of @key ("group.key") takes effect without restarting the daemon. */
gboolean rd_config_key_is_reloadable (const char *key);

/* Writes the effective configuration as INI text, every key present. (transfer full) */
char *rd_config_to_data (const RdConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdConfig, rd_config_unref)

G_END_DECLS
