/* rd-daemon-parties-private.h: what the files of RdParties share (rd-daemon-parties.c: requests,
 * peers and the ledger; rd-daemon-parties-limits.c: how many parties a session takes;
 * rd-daemon-parties-stats.c: the parties as JSON for status; rd-daemon-parties-tiles.c: their
 * tiles in the conference picture). See rd-daemon-parties.h for the
 * contract. Main context only. */
#pragma once

#include "daemon/rd-daemon-parties.h"
#include "media/rd-media-peer.h"

G_BEGIN_DECLS

typedef struct _RdParty RdParty;

struct _RdParties
{
  GObject parent;
  RdConfig *config;
  RdLedger *ledger; /* borrowed */
  RdRoom *room;
  RdSessionRecording *recording;
  GHashTable *table; /* peer id -> RdParty (owned) */
  guint stats_timer; /* rd-daemon-parties-stats.c: counts the parties' bytes */
};

struct _RdParty
{
  RdParties *parties; /* weak: the table that owns the party is theirs */
  char *peer_id, *session_id, *role, *name, *remote_address, *etag;
  gint64 invite_id, participant_id; /* participant_id: 0 until the answer was sent */
  gboolean whep; /* came in on /whep: a player of the room's stream (its offer is recvonly) */
  RdPeer *peer;
  GCancellable *cancel;
  RdWhipRequest *pending_offer; /* the POST waiting for the answer; NULL once answered */
  char *leave_reason;           /* set by whoever closes the peer on purpose */
  gboolean video_failed;        /* its tile's decoder failed (rd-daemon-parties-tiles.c) */
  /* rd-daemon-parties-stats.c: webrtcbin's last statistics (asked when the figures are read);
   * the media bytes counted at the last tick of the timer, and the bitrates between it and the
   * tick before (-1 until two ticks are known). */
  RdPeerStats sample;
  guint64 bytes_in, bytes_out;
  gint64 counted_us; /* monotonic: the tick that counted them, 0 before the first */
  gint64 bitrate_in_kbps, bitrate_out_kbps;
};

/* rd-daemon-parties-stats.c: every RD_PARTIES_COUNT_MS, each connected party's media bytes
 * are counted (rd_peer_get_media_bytes: no webrtcbin call), so that even the first status of a
 * call shows its bytes and bitrates. RTT, losses and the candidate pair come from webrtcbin's
 * get-stats, asked once at the party's first tick (so the first status has them too) and then
 * when the figures are read, at most every 2 s (rd-media-peer-stats.c). */
#define RD_PARTIES_COUNT_MS 1000

/* Starts (at the parties' creation) and stops (at their disposal) the sampling timer. */
void rd_parties_start_sampling (RdParties *parties);
void rd_parties_stop_sampling (RdParties *parties);

/* rd-daemon-parties-stats.c: the label of a party's tile in the conference picture: its name
 * and role; a citizen's by role alone (a citizen's name may be a protected identity).
 * (transfer full) */
char *rd_parties_label (const char *role, const char *name);

/* An event of @p's session in the ledger, of @kind, with @detail_take (a JSON object; the
 * party's peer_id is added); a failure to write it is logged. */
void rd_party_add_event (RdParty *p, const char *kind, JsonNode *detail_take);
/* A JSON object of string members: key, value (NULL: null), ..., NULL. (transfer full) */
JsonNode *rd_parties_detail (const char *first_key, ...) G_GNUC_NULL_TERMINATED;

/* rd-daemon-parties-tiles.c: follows the room's "tile-changed" for the parties' tiles. */
void rd_parties_watch_tiles (RdParties *parties);

/* Closes @p's peer on purpose, @reason being what the ledger records as why it left. */
void rd_party_close (RdParty *p, const char *reason);

/* Whether a new party of @invite_id on the WHIP (@whep FALSE) or WHEP path may be set up in
 * @session_id now (rd-daemon-parties.h: the limits). If not, @req is answered (429 or 503 with
 * Retry-After, saying which limit) and freed, and FALSE returned. */
gboolean rd_parties_admit (RdParties *parties, RdWhipRequest *req, const char *session_id,
                           gint64 invite_id, gboolean whep);
/* Closes every other party of @p's session, invite and path, as replaced by @p. */
void rd_parties_replace_earlier (RdParties *parties, RdParty *p);

G_END_DECLS
