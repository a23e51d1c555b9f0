/* rd-test-far.h: the room and a receptiond on the far host of a two-host link
 * (tests/rd-test-veth.h), driven with the real receptionctl, for the network-fault tests.
 *
 * rd_test_far_join(): the far daemon (listening and doing ICE on the far end of the link, a live
 * session, an invite for the board), the room here (ICE on this end, a live session), and
 * `receptionctl session join` of the room into the far session's WHIP endpoint (and its
 * /whep/<session> when @whep), trusting exactly the far daemon's certificate (--ca).
 *
 * Every wait has a timeout and fails the test with what was seen. Threading: the test's main
 * thread. Ownership: (transfer full) unless said otherwise. */
#pragma once

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-veth.h"

G_BEGIN_DECLS

typedef struct
{
  RdTestDaemon *far, *room;
  char *far_cert, *far_session, *room_session;
  char *whip_url, *whep_url, *token;
  gboolean whep; /* the room also plays the far end over WHEP */
} RdTestFar;

/* A receptiond on the far host, started, with @extra config (may be NULL). */
RdTestDaemon *rd_test_far_daemon (RdTestVeth *v, const char *extra);
RdTestFar *rd_test_far_join (RdTestVeth *v, gboolean whep);
void rd_test_far_free (RdTestFar *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestFar, rd_test_far_free)

/* "whep:STATE whip:STATE" (or "whip:STATE") of the room's links now; *@status_out (may be NULL)
 * gets the room's status. */
char *rd_test_far_link_states (RdTestFar *r, JsonNode **status_out);
/* The room's @kind link in @status (transfer none); fails the test when there is none. */
JsonObject *rd_test_far_link_of (JsonNode *status, const char *kind);
/* Polls (every 100 ms) until every link is @state; returns the seconds it took. */
double rd_test_far_wait_links (RdTestFar *r, const char *state, guint timeout_s);
/* The room session's link-* and recording-gap event kinds, space-separated, in order; asserts
 * each has its time ("at"). */
char *rd_test_far_link_events (RdTestFar *r);
/* Seconds from @since_us (real time) to the last link-recovered event's time; -1: none. */
double rd_test_far_recovered_after (RdTestFar *r, gint64 since_us);
/* The room session's link events, one a line: seconds from @since_us (real time), kind, link
 * kind, and what it says (reason, result, via, down_s). For failure messages. */
char *rd_test_far_link_story (RdTestFar *r, gint64 since_us);
/* Ends both sessions; every recording segment of both verifies (recording verify); returns the
 * seconds of video of the room the far end recorded, as ffprobe measures the files, and
 * *@far_frames_out their frames (ffprobe -count_frames). */
double rd_test_far_end_and_verify (RdTestFar *r, gint64 *far_frames_out);

/* The first party in a daemon's status, or NULL (transfer none: inside @status). */
JsonObject *rd_test_first_party (JsonNode *status);
/* The far end's party that came @via "whip" or "whep", or NULL. (transfer none) */
JsonObject *rd_test_far_party_via (JsonNode *far_status, const char *via);
/* Waits until the far end has the room's parties (one per link) connected, and the one that
 * came via WHIP has received more than @min_bytes (a WHEP viewer sends RTCP only). */
void rd_test_far_wait_parties (RdTestFar *r, gint64 min_bytes, guint timeout_s);
/* How many times @word occurs in @haystack. */
guint rd_test_count (const char *haystack, const char *word);
/* Runs the default main context until the monotonic time @until: a fault's length, or the pace
 * of looking at a call that must hold (not a wait for an event). */
void rd_test_run_until (gint64 until);

G_END_DECLS
