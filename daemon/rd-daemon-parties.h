/* rd-daemon-parties.h: RdParties, the remote parties of the room's sessions: parties calling in
 * (WHIP) and players of the room's stream (WHEP). It turns signaling's requests into media peers
 * and ledger rows, and media's peer events into ledger rows and HTTP replies (RFC 9725: POST
 * creates a resource, PATCH trickles or restarts ICE, DELETE ends it; GET of the resource is
 * the join page's recording state).
 *
 * Contract: a party is one RdPeer plus what the daemon knows of it (session, invite, participant
 * row, ETag). It exists from its POST until its peer emits "closed" (left, closed here, failed);
 * any later request for it gets 404. A POST is answered 201 only once the party's participant
 * row is in the ledger: no row, no call. Its peer is given to the recording from the start
 * (nothing passes the peer's verification gate before DTLS is verified).
 *
 * Every request is judged token first (rd-signal-whip.h): a token that is not a valid invite of
 * the session named is 401 (the reason logged at info level, never the token), before the
 * session's state, the resource or the body is looked at. A PATCH/DELETE/GET finds its resource
 * only among the parties of the token's invite on the request's path (/whip or /whep): any other
 * is 404 and untouched. An offer then needs a live session (else 404) and a place:
 * - at most [network] max-parties parties per session (503, Retry-After);
 * - one party per invite and path: an offer answered for an invite replaces its earlier party on
 *   that path (it leaves, reason "replaced: ..."), which therefore holds no place against it;
 *   while one offer of the invite and path is being answered, another is 429 (Retry-After);
 * - at most 4 parties of the session not yet connected, fewer if max-parties is smaller (429,
 *   Retry-After);
 * and only then is its body checked (400) and answered.
 *
 * Signals: "changed" (no arguments) when a party joined, changed state, was verified or left:
 * what rd_parties_count() and rd_parties_to_json() show may have changed.
 *
 * Collaborators (taken at construction, a reference each): the configuration, the ledger
 * (borrowed: it must outlive the object), the room, the recording.
 * Threading: main context only. */
#pragma once

#include <json-glib/json-glib.h>

#include "config/rd-config.h"
#include "daemon/rd-daemon-recording.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-room.h"
#include "signaling/rd-signal-whip.h"

G_BEGIN_DECLS

#define RD_TYPE_PARTIES (rd_parties_get_type ())
G_DECLARE_FINAL_TYPE (RdParties, rd_parties, RD, PARTIES, GObject)

/* (transfer full) */
RdParties *rd_parties_new (RdConfig *config, RdLedger *ledger, RdRoom *room,
                           RdSessionRecording *recording);
/* The configuration after a reload (for the peers made from now on). */
void rd_parties_set_config (RdParties *parties, RdConfig *config);

/* Handles one request of signaling's "whip-request" and answers it (now or later). */
void rd_parties_handle_request (RdParties *parties, RdWhipRequest *request);
/* Closes the parties of @session_id (all when NULL), only those of @invite_id when > 0. */
void rd_parties_close (RdParties *parties, const char *session_id, gint64 invite_id,
                       const char *reason);
/* Parties of @session_id (all when NULL); connected ones only if @connected_only. */
guint rd_parties_count (RdParties *parties, const char *session_id, gboolean connected_only);
/* The room's key of the live party @peer_id (rd-media-room.h: its tile and its voice in the
 * mixes) and, in *@session_id, its session's id; NULL when no such party. (transfer none) */
const char *rd_parties_get_key (RdParties *parties, const char *peer_id, const char **session_id);
/* A JSON array of the live parties of @session_id (all when NULL) with their stats.
 * (transfer full) */
JsonNode *rd_parties_to_json (RdParties *parties, const char *session_id);

G_END_DECLS
