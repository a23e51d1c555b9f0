/* rd-daemon-parties-private.h: what the files of RdParties share (rd-daemon-parties.c: requests,
 * peers and the ledger; rd-daemon-parties-limits.c: how many parties a session takes;
 * rd-daemon-parties-stats.c: the parties as JSON for status). See rd-daemon-parties.h for the
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
  gint64 last_stats_us;
  guint64 last_bytes_in, last_bytes_out;
};

/* rd-daemon-parties-stats.c: the label of a party's tile in the conference picture: its name
 * and role; a citizen's by role alone (a citizen's name may be a protected identity).
 * (transfer full) */
char *rd_parties_label (const char *role, const char *name);

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
