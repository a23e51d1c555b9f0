/* rd-test-links.h: two real receptiond in the test's network namespace, one the room, the
 * other the far end (a live session with an invite for the board), for the tests of the room
 * joining a conference (session join/leave); the room is driven with the real receptionctl.
 * Every wait polls status (every 250 ms) with a timeout and fails with what it saw. Main
 * thread only; enter the namespace first (rd-test-netns.h). */
#pragma once

#include "tests/rd-test-room.h"

G_BEGIN_DECLS

#define RD_TEST_LINKS_POLL_US (250 * 1000)

typedef struct
{
  RdTestRoom *far, *room;
  JsonNode *invite; /* the far end's invite: token, whip_url */
  char *whep_url;   /* the far end's /whep endpoint */
} RdTestLinks;

/* Starts the far end, then the room (@room_extra: config text for the room). (transfer full) */
RdTestLinks *rd_test_links_up (const char *room_extra);
void rd_test_links_free (RdTestLinks *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestLinks, rd_test_links_free)

JsonObject *rd_test_links_obj (JsonNode *n);
/* receptionctl session join on the room into the far end's WHIP (and WHEP) endpoint, trusting
 * its certificate with --ca; the exit code, stderr in @err. */
int rd_test_links_join (RdTestLinks *p, gboolean whep, char **err);
/* The links of a status reply, and the one of @kind ("whip", "whep") or NULL. */
JsonArray *rd_test_links_of (JsonNode *status);
JsonObject *rd_test_link_of_kind (JsonNode *status, const char *kind);
/* Polls @r's status until its @kind link is in @state (NULL: no link left); the seconds it
 * took. */
double rd_test_links_wait (RdTestRoom *r, const char *kind, const char *state, guint timeout_s);
/* @n parties connected at @far with more than @min_bytes received each (0: none left). */
void rd_test_links_wait_far (RdTestRoom *far, guint n, guint64 min_bytes);
/* The kinds of @r's session events that start with "link-", and recording-gap, in order,
 * space-separated. (transfer full) */
char *rd_test_links_events (RdTestRoom *r);
/* The detail of the last event of @kind in @r's session, or NULL. (transfer full) */
JsonNode *rd_test_links_last_event (RdTestRoom *r, const char *kind);
/* Fails if @token is in @r's session record or its log. */
void rd_test_links_assert_no_token (RdTestRoom *r, const char *token);
/* How many times @word is in the space-separated @list. */
guint rd_test_count_of (const char *list, const char *word);

G_END_DECLS
