/* rd-daemon-links-private.h: what the files of RdLinks share (rd-daemon-links.c: a link and its
 * attempts; rd-daemon-links-control.c: session join/leave, leaving, status;
 * rd-daemon-links-reconnect.c: staying connected). See rd-daemon-links.h for the contract.
 *
 * A link is one resource: an RdPeer (offerer, or answerer on the WHEP 406 path) and an
 * RdSignalClient. It lives in links->table from the join until it is left or its join is
 * refused. Threading: main context only. */
#pragma once

#include "daemon/rd-daemon-links.h"
#include "media/rd-media-peer-offer.h"
#include "signaling/rd-signal-client.h"

G_BEGIN_DECLS

typedef enum
{
  RD_LINK_CONNECTING,
  RD_LINK_CONNECTED,
  RD_LINK_RECONNECTING,
  RD_LINK_FAILED,
  RD_LINK_LEAVING,
} RdLinkState;

typedef struct _RdLinkJoin RdLinkJoin; /* a session.join waiting for its links' answers */
typedef struct _RdDaemonLink RdDaemonLink;
typedef struct _RdLinkAttemptEvents RdLinkAttemptEvents;

struct _RdLinks
{
  GObject parent;
  RdConfig *config;
  RdLedger *ledger; /* borrowed */
  RdRoom *room;
  RdSessionRecording *recording;
  GHashTable *table; /* link id -> RdDaemonLink (owned) */
  guint leaving;     /* DELETEs in flight (shutdown waits for them) */
};

struct _RdDaemonLink
{
  RdLinks *links; /* weak: its table owns the link */
  char *id, *session_id;
  char *mix_key; /* shared by the links of one join: one far end (rd_peer_set_mix_key) */
  RdSignalClientKind kind;
  char *url;       /* as given (may hold a query string: never recorded or shown) */
  char *shown_url; /* scheme://host[:port]/path: what the ledger, logs and status show */
  char *token, *ca_file;
  gboolean insecure;
  RdLinkState state;
  RdPeer *peer;
  gboolean peer_answers; /* WHEP 406 path: the peer answered the server's offer */
  RdSignalClient *client;
  GCancellable *cancel;   /* the current attempt's requests */
  GPtrArray *ice_servers; /* RdSignalIceServer*, from the last 201's Link headers */
  guint generation;       /* peers made so far (peer ids link-<id>-<generation>) */
  guint attempt;          /* re-POSTs since the drop */
  gboolean ever_connected;
  gboolean ice_restarted;  /* since the drop */
  gint64 dropped_at_us;    /* monotonic */
  char *dropped_at;        /* ISO 8601, UTC */
  double dropped_at_rec_s; /* on the session's recording timeline; < 0 when not recording */
  char *drop_reason, *last_error;
  /* while connected, once a second: when bytes last arrived (a drop is only noticed up to the
   * liveness timeout later; the recording's gap starts when media stopped) */
  guint media_tick_id;
  guint64 last_bytes;
  gint64 last_media_us;    /* monotonic; 0: none yet */
  double last_media_rec_s; /* on the recording's timeline; < 0 unknown */
  guint connect_timer_id, restart_timer_id, repost_timer_id, deadline_timer_id;
  RdLinkJoin *join;                  /* the join still waiting for this link's answer, or NULL */
  const RdLinkAttemptEvents *events; /* where the current attempt reports */
};

struct _RdLinkJoin
{
  RdLinks *links;
  RdControlRequest *req;
  char *session_id;
  GPtrArray *link_ids; /* char* */
  guint waiting;
  char *error;                    /* the first refusal */
  void (*finish) (RdLinkJoin *j); /* once every link has reported */
};

/* What an attempt reports, to whoever started it (rd-daemon-links-reconnect.c's
 * rd_daemon_link_reconnect_events: the link's state machine). */
struct _RdLinkAttemptEvents
{
  void (*answered) (RdDaemonLink *l);                    /* the answer is set */
  void (*connected) (RdDaemonLink *l);                   /* ICE and DTLS are up (again) */
  void (*dropped) (RdDaemonLink *l, const char *reason); /* the peer's ICE went down */
  void (*failed) (RdDaemonLink *l, const char *message); /* refused, unreachable, closed... */
};

/* rd-daemon-links.c: the bottom layer (calls no other file of RdLinks). */
/* Emits RdLinks' "changed". */
void rd_links_changed (RdLinks *links);
/* A link for @url (checked by the client, nothing sent yet); NULL with @error. (transfer full) */
RdDaemonLink *rd_daemon_link_new (RdLinks *links, const char *session_id, RdSignalClientKind kind,
                                  const char *url, const char *token, const char *ca_file,
                                  gboolean insecure, GError **error);
void rd_daemon_link_free (RdDaemonLink *l);
/* A client for the link's URL, token and TLS options. (transfer full) */
RdSignalClient *rd_daemon_link_client_new (RdDaemonLink *l, GError **error);
/* {"reason": @reason}, for rd_daemon_link_event(). (transfer full) */
JsonObject *rd_daemon_link_detail_reason (const char *reason);
/* For a callback: rd_daemon_link_ref_take() gives the link back if it is still on the same
 * attempt and neither failed nor leaving, else NULL; it frees the ref either way. */
gpointer rd_daemon_link_ref (RdDaemonLink *l);
RdDaemonLink *rd_daemon_link_ref_take (gpointer ref);
/* Closes and forgets the current peer (its handlers first: no drop is reported) and client;
 * DELETEs the client's resource in the background when @delete_resource. */
void rd_daemon_link_drop_attempt (RdDaemonLink *l, const char *reason, gboolean delete_resource);
/* Appends a ledger event of the link's session: @kind with the link's id, kind, URL, the time,
 * and @detail's members (an object, consumed; may be NULL). */
void rd_daemon_link_event (RdDaemonLink *l, const char *kind, JsonObject *detail);
const char *rd_daemon_link_kind_name (RdDaemonLink *l);
/* Stops every timer of the link. */
void rd_daemon_link_stop_timers (RdDaemonLink *l);
/* The first attempt (of a session join) was refused: link-failed, the join answered. */
void rd_daemon_link_join_refused (RdDaemonLink *l, const char *message);
/* @l's first attempt has its answer (@error NULL) or was refused; the join waiting for it (if
 * any) finishes once all its links have reported. */
void rd_daemon_link_join_report (RdDaemonLink *l, const char *error);

/* rd-daemon-links-attempt.c: starts an attempt: a new peer and client, the offer, the POST (with
 * @deadline_s for 503/409 retries); its outcome goes to @events. */
void rd_daemon_link_attempt (RdDaemonLink *l, guint deadline_s, const RdLinkAttemptEvents *events);

/* rd-daemon-links-reconnect.c: the link's state machine (connecting, connected, reconnecting,
 * failed): the events its attempts report to. */
extern const RdLinkAttemptEvents rd_daemon_link_reconnect_events;
/* "reconnecting 23/120 s" and the like. (transfer full) */
char *rd_daemon_link_state_text (RdDaemonLink *l);

G_END_DECLS
