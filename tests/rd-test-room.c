/* rd-test-room.c: see rd-test-room.h. */
#include "tests/rd-test-room.h"

RdTestRoom *
rd_test_room_up (const char *extra)
{
  RdTestRoom *r = g_new0 (RdTestRoom, 1);
  g_autofree char *config =
      g_strdup_printf ("[network]\nice-addresses=127.0.0.1\n%s", extra ? extra : "");
  g_autofree char *out = NULL;

  r->t = rd_test_daemon_new (config);
  rd_test_daemon_start (r->t);
  r->cert = g_build_filename (r->t->state_dir, "tls", "certificate.pem", NULL);
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "session", "start", "--title", "e2e", NULL), ==,
                   0);
  r->session_id = g_strstrip (g_strdup (out));
  return r;
}

void
rd_test_room_free (RdTestRoom *r)
{
  rd_test_daemon_free (r->t);
  g_free (r->cert);
  g_free (r->session_id);
  g_free (r);
}

JsonNode *
rd_test_room_invite (RdTestRoom *r, const char *role)
{
  /* a citizen's invite takes no name: the ledger calls it "citizen N" */
  if (g_str_equal (role, "citizen"))
    return rd_test_ctl_json (r->t, "session", "invite", r->session_id, "--role", role, NULL);
  return rd_test_ctl_json (r->t, "session", "invite", r->session_id, "--role", role, "--name",
                           "Ban Tiếp công dân", NULL);
}

const char *
rd_test_member (JsonNode *n, const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
  return json_object_get_string_member_with_default (json_node_get_object (n), name, NULL);
}

char *
rd_test_resource_url (const char *whip_url, const char *location)
{
  g_autoptr (GUri) base = g_uri_parse (whip_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GUri) abs = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (abs);
  return g_uri_to_string (abs);
}

RdTestWhipReply *
rd_test_room_call_in (RdTestRoom *r, JsonNode *inv, gboolean forge, RdTestPeer **peer_out)
{
  return rd_test_room_call_in_with (r, inv, "VP8", forge, peer_out);
}

RdTestWhipReply *
rd_test_room_call_in_with (RdTestRoom *r, JsonNode *inv, const char *video_codec, gboolean forge,
                           RdTestPeer **peer_out)
{
  g_autoptr (GError) error = NULL;
  RdTestPeer *peer = rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, video_codec, &error);

  g_assert_no_error (error);
  rd_test_peer_set_forge_fingerprint (peer, forge);
  *peer_out = peer;
  return rd_test_room_call_in_peer (r, inv, peer);
}

RdTestWhipReply *
rd_test_room_call_in_peer (RdTestRoom *r, JsonNode *inv, RdTestPeer *peer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = rd_test_peer_create_offer (peer, &error);
  RdTestWhipReply *created;

  g_assert_no_error (error);
  created = rd_test_whip_request_patiently (r->cert, "POST", rd_test_member (inv, "whip_url"),
                                            rd_test_member (inv, "token"), "application/sdp", offer,
                                            NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (rd_test_peer_set_answer (peer, created->body, &error));
  g_assert_no_error (error);
  return created;
}

typedef struct
{
  RdTestRoom *room;
  guint n;
  const char *state;
  guint64 min_bytes_in;
  JsonNode *last_status;
} PartiesWait;

static gboolean
parties_are (gpointer data)
{
  PartiesWait *w = data;
  JsonArray *parties;

  g_clear_pointer (&w->last_status, json_node_unref);
  w->last_status = rd_test_ctl_json (w->room->t, "status", NULL);
  parties = json_object_get_array_member (json_node_get_object (w->last_status), "parties");
  if (json_array_get_length (parties) != w->n)
    return FALSE;
  for (guint i = 0; i < w->n; i++)
    {
      JsonObject *p = json_array_get_object_element (parties, i);
      if (!g_str_equal (json_object_get_string_member (p, "state"), w->state) ||
          json_object_get_int_member (p, "bytes_received") < (gint64)w->min_bytes_in)
        return FALSE;
    }
  return TRUE;
}

void
rd_test_room_wait_parties (RdTestRoom *r, guint n, const char *state, guint64 min_bytes_in,
                           guint timeout_ms)
{
  PartiesWait w = { r, n, state, min_bytes_in, NULL };

  if (!rd_test_wait_until (parties_are, &w, timeout_ms))
    {
      g_autofree char *seen = json_to_string (w.last_status, TRUE);
      g_error ("waited %u ms for %u parties %s (>= %" G_GUINT64_FORMAT " bytes in); last status: "
               "%s",
               timeout_ms, n, state ? state : "", min_bytes_in, seen);
    }
  json_node_unref (w.last_status);
}
