/* test-signal-client.c: RdSignalClient (signaling/rd-signal-client.h), the room's WHIP/WHEP
 * client, against a SoupServer of the test's on 127.0.0.1 (plain HTTP, allow_http; one HTTPS
 * case) that records every request and answers from a script: one reply per request, in
 * order, the last one repeated; a reply may also be held (no answer until the test says, or
 * ever). Every rule of the contract has a case; every error message is checked not to hold the
 * token. */
#include "signaling/rd-signal-client-private.h"
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-tls.h"
#include "signaling/rd-signal-whip.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#define WAIT_TIMEOUT_MS (15 * 1000)
#define TOKEN           "s3cret-Token.never~shown"
#define SDP_TYPE        "application/sdp"
#define SDPFRAG_TYPE    "application/trickle-ice-sdpfrag"

#define OFFER                                                                                      \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE video0 audio1\r\n"                                                               \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "a=mid:video0\r\n"                                                                               \
  "a=ice-ufrag:offerUfrag\r\n"                                                                     \
  "a=ice-pwd:offerPasswordOfferPassword\r\n"                                                       \
  "a=sendonly\r\n"                                                                                 \
  "a=rtpmap:96 VP8/90000\r\n"                                                                      \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:audio1\r\n"                                                                               \
  "a=sendonly\r\n"                                                                                 \
  "a=rtpmap:111 opus/48000/2\r\n"
#define ANSWER                                                                                     \
  "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
#define CAND1 "candidate:1 1 UDP 2122194687 127.0.0.1 50001 typ host"
#define CAND2 "candidate:2 1 UDP 2122194687 127.0.0.1 50002 typ host"
#define CAND3 "candidate:3 1 UDP 2122194687 127.0.0.1 50003 typ host"
#define CAND4 "candidate:4 1 UDP 2122194687 127.0.0.1 50004 typ host"
#define RESTART_FRAG                                                                               \
  "a=ice-ufrag:newUfrag\r\na=ice-pwd:newPasswordNewPasswordX\r\nm=video 9 UDP/TLS/RTP/SAVPF "      \
  "96\r\na=mid:video0\r\n"
#define RESTART_ANSWER "a=ice-ufrag:srvU\r\na=ice-pwd:serverPasswordServerPass\r\n"
#define LINK_STUN      "<stun:stun.example.org:3478>; rel=\"ice-server\""
#define LINK_TURN                                                                                  \
  "<turn:turn.example.org:3478?transport=udp>; rel=\"ice-server\"; username=\"u\"; "               \
  "credential=\"p\"; credential-type=\"password\""

/* ---- The scripted server ---------------------------------------------------------------- */

typedef struct
{
  guint status;        /* 0: hold (no answer until released) */
  const char *headers; /* "Name: value\n..." */
  const char *content_type;
  const char *body;
} Reply;

typedef struct
{
  char *method;
  char *path;
  char *auth;
  char *if_match;
  char *content_type;
  char *body;
} Seen;

typedef struct
{
  char *tmpdir;
  GMainContext *context;
  SoupServer *server;
  char *base;      /* "http://127.0.0.1:PORT" */
  GPtrArray *seen; /* Seen */
  GPtrArray *held; /* SoupServerMessage, paused */
  const Reply *script;
  guint script_len;
  guint script_pos;
  guint refused;
  GPtrArray *failures; /* trickle-failed messages */
} Fixture;

static void
seen_free (gpointer data)
{
  Seen *s = data;

  g_free (s->method);
  g_free (s->path);
  g_free (s->auth);
  g_free (s->if_match);
  g_free (s->content_type);
  g_free (s->body);
  g_free (s);
}

static void
set_reply (SoupServerMessage *msg, const Reply *reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_auto (GStrv) lines = g_strsplit (reply->headers ? reply->headers : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (!colon)
        continue;
      *colon = '\0';
      soup_message_headers_append (headers, lines[i], g_strstrip (colon + 1));
    }
  if (reply->body)
    soup_server_message_set_response (msg, reply->content_type, SOUP_MEMORY_COPY, reply->body,
                                      strlen (reply->body));
  soup_server_message_set_status (msg, reply->status, NULL);
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  Seen *s = g_new0 (Seen, 1);
  const Reply *reply;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  s->method = g_strdup (soup_server_message_get_method (msg));
  s->path = g_strdup (path);
  s->auth = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  s->if_match = g_strdup (soup_message_headers_get_one (in, "If-Match"));
  s->content_type = g_strdup (soup_message_headers_get_content_type (in, NULL));
  s->body = g_strndup (data ? data : "", len);
  g_ptr_array_add (f->seen, s);

  g_assert_nonnull (f->script);
  reply = &f->script[MIN (f->script_pos, f->script_len - 1)];
  f->script_pos++;
  if (reply->status == 0)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->held, g_object_ref (msg));
      return;
    }
  set_reply (msg, reply);
}

/* Answers the oldest held request with @reply. */
static void
release (Fixture *f, const Reply *reply)
{
  SoupServerMessage *msg;

  g_assert_cmpuint (f->held->len, >, 0);
  msg = f->held->pdata[0];
  g_ptr_array_remove_index (f->held, 0);
  set_reply (msg, reply);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

#define SCRIPT(f, ...)                                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    static const Reply script_[] = { __VA_ARGS__ };                                                \
    (f)->script = script_;                                                                         \
    (f)->script_len = G_N_ELEMENTS (script_);                                                      \
    (f)->script_pos = 0;                                                                           \
  }                                                                                                \
  G_STMT_END

static char *
listen_on (SoupServer *server, SoupServerListenOptions options)
{
  g_autoptr (GError) error = NULL;
  GSList *uris;
  char *base;

  g_assert_true (
      soup_server_listen_local (server, 0, options | SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  base = g_strdup_printf ("%s://127.0.0.1:%d", g_uri_get_scheme (uris->data),
                          g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return base;
}

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-client-XXXXXX", &error);
  g_assert_no_error (error);
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->seen = g_ptr_array_new_with_free_func (seen_free);
  f->held = g_ptr_array_new ();
  f->failures = g_ptr_array_new_with_free_func (g_free);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  f->base = listen_on (f->server, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  while (f->held->len)
    {
      static const Reply gone = { 503 };
      release (f, &gone);
    }
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  g_ptr_array_unref (f->seen);
  g_ptr_array_unref (f->held);
  g_ptr_array_unref (f->failures);
  g_free (f->base);
  rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* ---- Waiting ---------------------------------------------------------------------------- */

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *f, gconstpointer data);

static gboolean
wait_until (Fixture *f, Condition cond, gconstpointer data)
{
  g_autoptr (GSource) timeout = g_timeout_source_new (WAIT_TIMEOUT_MS);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, f->context);
  while (!cond (f, data) && !timed_out)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  return cond (f, data);
}

static gboolean
result_ready (Fixture *f, gconstpointer data)
{
  return *(GAsyncResult *const *)data != NULL;
}

static gboolean
seen_at_least (Fixture *f, gconstpointer data)
{
  return f->seen->len >= GPOINTER_TO_UINT (data);
}

static gboolean
held_at_least (Fixture *f, gconstpointer data)
{
  return f->held->len >= GPOINTER_TO_UINT (data);
}

static void
wait_seen (Fixture *f, guint n)
{
  if (!wait_until (f, seen_at_least, GUINT_TO_POINTER (n)))
    g_error ("the server saw %u requests in %d ms, expected %u", f->seen->len, WAIT_TIMEOUT_MS, n);
}

static void
wait_held (Fixture *f, guint n)
{
  if (!wait_until (f, held_at_least, GUINT_TO_POINTER (n)))
    g_error ("%u requests held after %d ms, expected %u", f->held->len, WAIT_TIMEOUT_MS, n);
}

/* Runs what is ready on the context (idle sources included) without blocking. */
static void
drain (Fixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (Fixture *f, GAsyncResult **slot, const char *what)
{
  if (!wait_until (f, result_ready, slot))
    g_error ("%s: no result within %d ms (server saw %u requests)", what, WAIT_TIMEOUT_MS,
             f->seen->len);
  return *slot;
}

static Seen *
seen (Fixture *f, guint i)
{
  g_assert_cmpuint (i, <, f->seen->len);
  return f->seen->pdata[i];
}

/* ---- The client ------------------------------------------------------------------------- */

static RdSignalClient *
client_new (Fixture *f, RdSignalClientKind kind, const char *path)
{
  RdSignalClientOptions options = { .allow_http = TRUE, .timeout_s = 10 };
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr (GError) error = NULL;
  RdSignalClient *client = rd_signal_client_new (kind, url, TOKEN, &options, &error);

  g_assert_no_error (error);
  return client;
}

static RdSignalAnswer *
post (Fixture *f, RdSignalClient *client, guint deadline_s, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  rd_signal_client_post_async (client, OFFER, deadline_s, NULL, on_result, &result);
  return rd_signal_client_post_finish (client, wait_result (f, &result, "POST"), error);
}

static gboolean delete (Fixture *f, RdSignalClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  rd_signal_client_delete_async (client, NULL, on_result, &result);
  return rd_signal_client_delete_finish (client, wait_result (f, &result, "DELETE"), error);
}

/* @error has @code, mentions @mention, and never the token. */
static void
assert_error (const GError *error, int code, const char *mention)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, RD_SIGNAL_ERROR, code);
  if (mention && !strstr (error->message, mention))
    g_error ("error '%s' should mention '%s'", error->message, mention);
  g_assert_null (strstr (error->message, TOKEN));
}

static void
on_refused (RdSignalClient *client, gpointer user_data)
{
  ((Fixture *)user_data)->refused++;
}

static void
on_failed (RdSignalClient *client, const char *message, gpointer user_data)
{
  g_ptr_array_add (((Fixture *)user_data)->failures, g_strdup (message));
}

#define CREATED(location_header)                                                                   \
  {                                                                                                \
    201, location_header "\nETag: \"etag-1\"", SDP_TYPE, ANSWER                                    \
  }

/* ---- 201 -------------------------------------------------------------------------------- */

static void
test_created (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/whip/room/res-1", NULL);
  RdSignalIceServer *stun, *turn;

  SCRIPT (f, { 201,
               "Location: room/res-1\nETag: \"etag-1\"\nLink: " LINK_STUN ", <https://x/>; "
               "rel=\"next\"\nLink: " LINK_TURN ", <stun:b.example.org>; rel=ice-server",
               SDP_TYPE, ANSWER });
  g_assert_null (rd_signal_client_get_resource_url (client));
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->sdp, ==, ANSWER);
  g_assert_false (answer->counter_offer);
  /* "room/res-1" against "/whip/room". */
  g_assert_cmpstr (answer->resource_url, ==, resource);
  g_assert_cmpstr (rd_signal_client_get_resource_url (client), ==, resource);
  g_assert_cmpstr (answer->etag, ==, "\"etag-1\"");
  g_assert_cmpuint (answer->links_skipped, ==, 0);
  g_assert_cmpuint (answer->ice_servers->len, ==, 3);
  stun = answer->ice_servers->pdata[0];
  turn = answer->ice_servers->pdata[1];
  g_assert_cmpstr (stun->url, ==, "stun:stun.example.org:3478");
  g_assert_null (stun->username);
  g_assert_cmpstr (turn->url, ==, "turn:turn.example.org:3478?transport=udp");
  g_assert_cmpstr (turn->username, ==, "u");
  g_assert_cmpstr (turn->credential, ==, "p");
  g_assert_cmpstr (((RdSignalIceServer *)answer->ice_servers->pdata[2])->url, ==,
                   "stun:b.example.org");

  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (seen (f, 0)->method, ==, "POST");
  g_assert_cmpstr (seen (f, 0)->path, ==, "/whip/room");
  g_assert_cmpstr (seen (f, 0)->auth, ==, "Bearer " TOKEN);
  g_assert_cmpstr (seen (f, 0)->content_type, ==, SDP_TYPE);
  g_assert_cmpstr (seen (f, 0)->body, ==, OFFER);
}

static void
test_created_absolute (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  SCRIPT (f, { 201,
               "Location: https://media.example.org/resource/abc\nLink: <turn:t.example.org>; "
               "rel=\"ice-server\"\nLink: <stun:ok.example.org>; rel=\"ice-server\", "
               "<stun:bad; rel=\"ice-server\", garbage, <turn:t.example.org>; rel=\"ice-server\"; "
               "username=\"u\"; credential=\"p\"; credential-type=\"oauth\", <stun:q.example.org>; "
               "rel=\"ice-server\"; x=\"unterminated",
               SDP_TYPE, ANSWER });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->resource_url, ==, "https://media.example.org/resource/abc");
  g_assert_null (answer->etag);
  /* TURN without credentials, a URI never closed, no URI at all, an oauth credential, an
   * unterminated quoted string: skipped and counted; the good one kept. */
  g_assert_cmpuint (answer->ice_servers->len, ==, 1);
  g_assert_cmpstr (((RdSignalIceServer *)answer->ice_servers->pdata[0])->url, ==,
                   "stun:ok.example.org");
  g_assert_cmpuint (answer->links_skipped, ==, 5);
}

static void
test_created_broken (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) a = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) b = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  RdSignalAnswer *answer;

  g_autoptr (RdSignalClient) c = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");

  SCRIPT (f, { 201, "ETag: \"e\"", SDP_TYPE, ANSWER }, { 201, "Location: /r", "text/html", "<p>" },
          { 201, "Location: ftp://127.0.0.1/r", SDP_TYPE, ANSWER });
  answer = post (f, a, 10, &error);
  g_assert_null (answer);
  assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "without a Location");
  g_clear_error (&error);
  answer = post (f, b, 10, &error);
  g_assert_null (answer);
  assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "application/sdp");
  g_clear_error (&error);
  /* The token would go to that resource: its scheme is checked like the endpoint's. */
  answer = post (f, c, 10, &error);
  g_assert_null (answer);
  assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "ftp://127.0.0.1/r");
  g_assert_null (rd_signal_client_get_resource_url (c));
}

static void
test_created_too_large (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, 'a');
  Reply script[] = { { 201, "Location: /r", SDP_TYPE, huge } };

  f->script = script;
  f->script_len = 1;
  g_assert_null (post (f, client, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "larger than 1024 KiB");
}

/* ---- Redirects -------------------------------------------------------------------------- */

static void
test_redirect (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/old");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/v2/whip/res-9", NULL);

  SCRIPT (f, { 307, "Location: /v1/whip/room" }, { 308, "Location: ../../v2/whip/room" },
          CREATED ("Location: res-9"));
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 3);
  g_assert_cmpstr (seen (f, 1)->path, ==, "/v1/whip/room");
  g_assert_cmpstr (seen (f, 2)->path, ==, "/v2/whip/room");
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (seen (f, i)->method, ==, "POST");
      g_assert_cmpstr (seen (f, i)->body, ==, OFFER);
      g_assert_cmpstr (seen (f, i)->auth, ==, "Bearer " TOKEN);
    }
  /* Resolved against the URL that answered. */
  g_assert_cmpstr (answer->resource_url, ==, resource);
}

static void
test_redirect_refused (Fixture *f, gconstpointer data)
{
  static const guint statuses[] = { 301, 302, 303 };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
      static Reply reply = { 0, "Location: /elsewhere" };
      g_autofree char *code = g_strdup_printf ("%u", statuses[i]);
      guint before = f->seen->len;

      reply.status = statuses[i];
      f->script = &reply;
      f->script_len = 1;
      g_assert_null (post (f, client, 10, &error));
      assert_error (error, RD_SIGNAL_ERROR_HTTP, code);
      g_clear_error (&error);
      g_assert_cmpuint (f->seen->len, ==, before + 1); /* not followed */
    }

  {
    g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/loop");
    guint before = f->seen->len;

    SCRIPT (f, { 307, "Location: /whip/loop" });
    g_assert_null (post (f, client, 10, &error));
    assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "more than 5 redirects");
    g_clear_error (&error);
    /* The first request and 5 redirects followed; the 6th refused. */
    g_assert_cmpuint (f->seen->len, ==, before + 6);
  }

  {
    /* plain http is allowed to this machine only: a redirect to http on another host (which
     * would carry the token in clear) is refused before anything is sent there */
    g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/off");
    guint before = f->seen->len;

    SCRIPT (f, { 307, "Location: http://192.0.2.1/whip/x" });
    g_assert_null (post (f, client, 10, &error));
    assert_error (error, RD_SIGNAL_ERROR_URL, "plain http only to this machine");
    g_clear_error (&error);
    g_assert_cmpuint (f->seen->len, ==, before + 1);
  }
}

/* ---- Retries ---------------------------------------------------------------------------- */

static void
test_retry_503 (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) soon = g_date_time_add_seconds (now, 1);
  g_autofree char *date = soup_date_time_to_string (soon, SOUP_DATE_HTTP);
  g_autofree char *date_header = g_strconcat ("Retry-After: ", date, NULL);
  Reply script[] = {
    { 503, "Retry-After: 0", "text/plain", "busy" },
    { 503, date_header, "text/plain", "busy" },
    { 503, NULL, "text/plain", "busy" }, /* no Retry-After: 2 s */
    CREATED ("Location: /whip/room/r"),
  };
  gint64 start = g_get_monotonic_time ();

  f->script = script;
  f->script_len = G_N_ELEMENTS (script);
  answer = post (f, client, 20, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (f->seen->len, ==, 4);
  /* At least the 2 s of the default wait went by (the HTTP-date one is 0-2 s). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
}

static void
test_retry_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) whip409 = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Retry-After 5 s does not fit in a 2 s deadline: given up at once, naming the status. */
  SCRIPT (f, { 503, "Retry-After: 5", "text/plain", "busy" });
  g_assert_null (post (f, client, 2, &error));
  assert_error (error, RD_SIGNAL_ERROR_RETRY, "503");
  g_clear_error (&error);
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC); /* not the 5 s */

  /* 409 is WHEP's; to a WHIP client it is an error like any other. */
  SCRIPT (f, { 409, "Retry-After: 0", "text/plain", "not live" });
  g_assert_null (post (f, whip409, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_HTTP, "409");
  g_assert_cmpuint (f->seen->len, ==, 2);
}

static void
test_whep_409 (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHEP, "/whep/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  SCRIPT (f, { 409, "Retry-After: 0", "text/plain", "not live yet" },
          { 409, "Retry-After: 1", "text/plain", "not live yet" }, CREATED ("Location: /whep/r"));
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (f->seen->len, ==, 3);
}

static gboolean
has_line (const char *text, const char *line)
{
  g_autofree char *with_eol = g_strconcat (line, "\r\n", NULL);

  return strstr (text, with_eol) != NULL;
}

static void
test_whep_406 (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHEP, "/whep/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/whep/room/r1", NULL);

  SCRIPT (f, { 406, "Location: /whep/room/r1\nETag: \"e1\"", SDP_TYPE, ANSWER }, { 204 });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_true (answer->counter_offer);
  g_assert_cmpstr (answer->sdp, ==, ANSWER);
  g_assert_cmpstr (answer->resource_url, ==, resource);

  /* Candidates wait for our answer to be taken. */
  rd_signal_client_add_candidate (client, "video0", CAND1);
  drain (f);
  rd_signal_client_send_answer_async (client, OFFER, NULL, on_result, &result);
  g_assert_true (
      rd_signal_client_send_answer_finish (client, wait_result (f, &result, "PATCH"), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (seen (f, 1)->method, ==, "PATCH");
  g_assert_cmpstr (seen (f, 1)->path, ==, "/whep/room/r1");
  g_assert_cmpstr (seen (f, 1)->content_type, ==, SDP_TYPE);
  g_assert_cmpstr (seen (f, 1)->body, ==, OFFER);
  g_assert_cmpstr (seen (f, 1)->if_match, ==, "\"e1\"");
  g_assert_cmpstr (seen (f, 1)->auth, ==, "Bearer " TOKEN);
  wait_seen (f, 3);
  g_assert_cmpstr (seen (f, 2)->content_type, ==, SDPFRAG_TYPE);
  g_assert_true (has_line (seen (f, 2)->body, "a=" CAND1));

  /* A WHIP client takes a 406 as an error. */
  {
    g_autoptr (RdSignalClient) whip = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");

    SCRIPT (f, { 406, "Location: /whip/room/r1", SDP_TYPE, ANSWER });
    g_assert_null (post (f, whip, 10, &error));
    assert_error (error, RD_SIGNAL_ERROR_HTTP, "406");
  }
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GCancellable) in_flight = g_cancellable_new ();
  g_autoptr (GCancellable) waiting = g_cancellable_new ();
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  /* Cancelled while the server has not answered. */
  SCRIPT (f, { 0 });
  rd_signal_client_post_async (client, OFFER, 10, in_flight, on_result, &first);
  wait_held (f, 1);
  g_cancellable_cancel (in_flight);
  g_assert_null (rd_signal_client_post_finish (client, wait_result (f, &first, "POST"), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while waiting out a Retry-After: at once, no second POST. */
  SCRIPT (f, { 503, "Retry-After: 20", "text/plain", "busy" });
  start = g_get_monotonic_time ();
  rd_signal_client_post_async (client, OFFER, 60, waiting, on_result, &second);
  wait_seen (f, 2);
  drain (f);
  g_cancellable_cancel (waiting);
  g_assert_null (rd_signal_client_post_finish (client, wait_result (f, &second, "POST"), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->seen->len, ==, 2);
}

/* ---- Errors ----------------------------------------------------------------------------- */

static void
test_http_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) a = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) b = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) c = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) d = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strconcat (f->base, "/whip/room", NULL);
  g_autofree char *expected = NULL;

  SCRIPT (f, { 400, NULL, "text/plain", "\nThe offer has no m= line.\r\nSecond line " TOKEN },
          { 500, NULL, "application/json", "{\"token\":\"" TOKEN "\"}" },
          { 401, "WWW-Authenticate: Bearer", "text/plain; charset=utf-8", "Bad token." },
          { 403, NULL, "text/plain", "The token " TOKEN " is revoked." });
  g_assert_null (post (f, a, 10, &error));
  expected = g_strdup_printf ("POST %s: 400 Bad Request: The offer has no m= line.", url);
  assert_error (error, RD_SIGNAL_ERROR_HTTP, NULL);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  g_assert_null (post (f, b, 10, &error));
  expected = g_strdup_printf ("POST %s: 500 Internal Server Error", url);
  assert_error (error, RD_SIGNAL_ERROR_HTTP, NULL);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_null (post (f, c, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_HTTP, "401 Unauthorized: Bad token.");
  g_clear_error (&error);

  /* A server that echoes the token: not in our message. */
  g_assert_null (post (f, d, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_HTTP, "403 Forbidden: The token [token] is revoked.");
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  RdSignalClientOptions options = { .allow_http = TRUE, .timeout_s = 1 };
  g_autofree char *url = g_strconcat (f->base, "/whip/room", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdSignalClient) client =
      rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &options, &error);
  g_autofree char *mention = g_strconcat ("POST ", url, NULL);

  g_assert_no_error (error);
  SCRIPT (f, { 0 });
  g_assert_null (post (f, client, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_TIMEOUT, mention);
  g_assert_cmpuint (f->seen->len, ==, 1);
}

static void
test_connect_refused (Fixture *f, gconstpointer data)
{
  RdSignalClientOptions options = { .allow_http = TRUE, .timeout_s = 10 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr (RdSignalClient) client = NULL;

  /* A port bound but not listening: connections to it are refused. */
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/whip/room",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  client = rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &options, &error);
  g_assert_no_error (error);
  g_assert_null (post (f, client, 10, &error));
  assert_error (error, RD_SIGNAL_ERROR_CONNECT, "127.0.0.1");
}

static void
test_bad_url_token (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *url;
    gboolean allow_http;
    const char *token;
    const char *mention;
  } cases[] = {
    { "http://127.0.0.1/whip", FALSE, NULL, "only https://" },
    { "ftp://127.0.0.1/whip", TRUE, NULL, "only https://" },
    { "https:///whip", FALSE, NULL, NULL },
    { "not a url", FALSE, NULL, "not a URL" },
    { "https://user:hunter2@127.0.0.1/whip", FALSE, NULL, "user name or password" },
    { "https://127.0.0.1/whip", FALSE, "two words", "space" },
    { "https://127.0.0.1/whip", FALSE, "caf\xc3\xa9", "printable ASCII" },
    { "https://127.0.0.1/whip", FALSE, "", "empty" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      RdSignalClientOptions options = { .allow_http = cases[i].allow_http };
      g_autoptr (GError) error = NULL;
      RdSignalClient *client = rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, cases[i].url,
                                                     cases[i].token, &options, &error);

      g_assert_null (client);
      assert_error (error, RD_SIGNAL_ERROR_URL, cases[i].mention);
      g_assert_null (strstr (error->message, "hunter2"));
      if (cases[i].token && *cases[i].token)
        g_assert_null (strstr (error->message, cases[i].token));
    }
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* ---- HTTPS ------------------------------------------------------------------------------ */

static void
test_https (Fixture *f, gconstpointer data)
{
  const char *const ips[] = { "127.0.0.1", NULL };
  g_autofree char *cert_path = g_build_filename (f->tmpdir, "cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (f->tmpdir, "key.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) cert =
      rd_signal_tls_load_or_create (cert_path, key_path, "test", ips, TRUE, &error);
  g_autoptr (SoupServer) server = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  struct
  {
    RdSignalClientOptions options;
    gboolean ok;
  } cases[] = {
    { { .timeout_s = 10 }, FALSE },
    { { .timeout_s = 10, .insecure = TRUE }, TRUE },
    { { .timeout_s = 10, .ca_file = cert_path }, TRUE },
  };

  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (server, NULL, handle, f, NULL);
  base = listen_on (server, SOUP_SERVER_LISTEN_HTTPS);
  g_assert_true (g_str_has_prefix (base, "https://"));
  url = g_strconcat (base, "/whip/room", NULL);
  SCRIPT (f, CREATED ("Location: /whip/room/r"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (RdSignalClient) client =
          rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &cases[i].options, &error);
      g_autoptr (RdSignalAnswer) answer = NULL;

      g_assert_no_error (error);
      answer = post (f, client, 10, &error);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (answer);
        }
      else
        {
          g_assert_null (answer);
          assert_error (error, RD_SIGNAL_ERROR_TLS, "127.0.0.1");
          g_assert_nonnull (strstr (error->message, "unknown authority"));
          g_clear_error (&error);
        }
    }
  /* The refused one never reached the handler. */
  g_assert_cmpuint (f->seen->len, ==, 2);

  /* An https endpoint redirecting to http:// (allow_http off): refused, not followed. */
  {
    RdSignalClientOptions options = { .timeout_s = 10, .insecure = TRUE };
    g_autoptr (RdSignalClient) client =
        rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &options, &error);
    g_autofree char *to_http = g_strdup_printf ("Location: %s/whip/plain", f->base);
    Reply script[] = { { 307, to_http } };

    g_assert_no_error (error);
    f->script = script;
    f->script_len = 1;
    f->script_pos = 0;
    g_assert_null (post (f, client, 10, &error));
    assert_error (error, RD_SIGNAL_ERROR_URL, "https only");
    g_clear_error (&error);
    g_assert_cmpuint (f->seen->len, ==, 3);
  }
  soup_server_disconnect (server);

  /* A CA file that is not one. */
  {
    RdSignalClientOptions options = { .ca_file = "/nonexistent.pem" };
    g_assert_null (rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &options, &error));
    assert_error (error, RD_SIGNAL_ERROR_TLS, "/nonexistent.pem");
  }
}

/* ---- Trickle ---------------------------------------------------------------------------- */

static void
test_trickle (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  static const Reply no_content = { 204 };
  const char *body;

  g_signal_connect (client, "trickle-failed", G_CALLBACK (on_failed), f);
  SCRIPT (f, { 0 }, { 0 }, { 0 }, { 200 });
  rd_signal_client_add_candidate (client, "video0", CAND1);
  rd_signal_client_post_async (client, OFFER, 10, NULL, on_result, &result);
  rd_signal_client_add_candidate (client, "video0", "a=" CAND2);
  wait_held (f, 1);
  drain (f);
  /* Nothing before the 201. */
  g_assert_cmpuint (f->seen->len, ==, 1);
  {
    static const Reply created = CREATED ("Location: /whip/room/r");
    release (f, &created);
  }
  answer = rd_signal_client_post_finish (client, wait_result (f, &result, "POST"), &error);
  g_assert_no_error (error);

  /* Both buffered candidates in one PATCH, with the ETag. */
  wait_held (f, 1);
  body = seen (f, 1)->body;
  g_test_message ("fragment:\n%s", body);
  g_assert_cmpstr (seen (f, 1)->method, ==, "PATCH");
  g_assert_cmpstr (seen (f, 1)->path, ==, "/whip/room/r");
  g_assert_cmpstr (seen (f, 1)->content_type, ==, SDPFRAG_TYPE);
  g_assert_cmpstr (seen (f, 1)->if_match, ==, "\"etag-1\"");
  g_assert_cmpstr (seen (f, 1)->auth, ==, "Bearer " TOKEN);
  g_assert_true (has_line (body, "m=video 9 UDP/TLS/RTP/SAVPF 96"));
  g_assert_true (has_line (body, "a=mid:video0"));
  g_assert_true (has_line (body, "a=ice-ufrag:offerUfrag"));
  g_assert_true (has_line (body, "a=ice-pwd:offerPasswordOfferPassword"));
  g_assert_true (has_line (body, "a=" CAND1));
  g_assert_true (has_line (body, "a=" CAND2));
  g_assert_false (has_line (body, "a=end-of-candidates"));

  /* One PATCH in flight: what comes meanwhile waits, then goes in one. */
  rd_signal_client_add_candidate (client, "video0", CAND3);
  drain (f);
  rd_signal_client_add_candidate (client, "video0", CAND4);
  rd_signal_client_end_of_candidates (client);
  drain (f);
  g_assert_cmpuint (f->seen->len, ==, 2);
  release (f, &no_content);
  wait_held (f, 1);
  body = seen (f, 2)->body;
  g_assert_true (has_line (body, "a=" CAND3));
  g_assert_true (has_line (body, "a=" CAND4));
  g_assert_false (has_line (body, "a=" CAND1));
  g_assert_true (g_str_has_suffix (body, "a=" CAND4 "\r\na=end-of-candidates\r\n"));
  release (f, &no_content);

  /* Nothing was sent between them: the next request the server sees is the DELETE. */
  g_assert_true (delete (f, client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 4);
  g_assert_cmpstr (seen (f, 3)->method, ==, "DELETE");
  g_assert_cmpuint (f->failures->len, ==, 0);
}

static void
test_trickle_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  g_signal_connect (client, "trickle-refused", G_CALLBACK (on_refused), f);
  g_signal_connect (client, "trickle-failed", G_CALLBACK (on_failed), f);
  SCRIPT (f, CREATED ("Location: /whip/room/r"), { 405, "Allow: DELETE" }, { 200 });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", CAND1);
  wait_seen (f, 2);
  while (f->refused == 0 && g_main_context_iteration (f->context, TRUE))
    ;
  g_assert_cmpuint (f->refused, ==, 1);
  rd_signal_client_add_candidate (client, "video0", CAND2);
  rd_signal_client_end_of_candidates (client);
  drain (f);
  g_assert_true (delete (f, client, &error));
  g_assert_cmpuint (f->seen->len, ==, 3);
  g_assert_cmpstr (seen (f, 2)->method, ==, "DELETE");
  g_assert_cmpuint (f->refused, ==, 1);
  g_assert_cmpuint (f->failures->len, ==, 0);
}

static gboolean
failed_at_least (Fixture *f, gconstpointer data)
{
  return f->failures->len >= GPOINTER_TO_UINT (data);
}

static void
test_trickle_failed (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  const char *message;

  g_signal_connect (client, "trickle-failed", G_CALLBACK (on_failed), f);
  SCRIPT (f, CREATED ("Location: /whip/room/r"),
          { 412, NULL, "text/plain", "The ETag does not match." }, { 204 });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", CAND1);
  g_assert_true (wait_until (f, failed_at_least, GUINT_TO_POINTER (1)));
  message = f->failures->pdata[0];
  g_assert_nonnull (strstr (message, "412 Precondition Failed: The ETag does not match."));
  g_assert_null (strstr (message, TOKEN));
  /* Later candidates still go. */
  rd_signal_client_add_candidate (client, "video0", CAND2);
  wait_seen (f, 3);
  g_assert_true (has_line (seen (f, 2)->body, "a=" CAND2));
}

/* ---- ICE restart ------------------------------------------------------------------------ */

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *frag = NULL;
  static const Reply no_content = { 204 };
  static const Reply restarted = { 200, "ETag: \"etag-2\"", SDPFRAG_TYPE, RESTART_ANSWER };

  SCRIPT (f, CREATED ("Location: /whip/room/r"), { 0 }, { 0 }, { 204 });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", CAND1);
  wait_held (f, 1);
  /* A candidate of the old ICE session, still waiting when the restart starts: dropped. */
  rd_signal_client_add_candidate (client, "video0", CAND2);
  rd_signal_client_restart_ice_async (client, RESTART_FRAG, NULL, on_result, &result);
  wait_held (f, 2);
  g_assert_cmpstr (seen (f, 2)->method, ==, "PATCH");
  g_assert_cmpstr (seen (f, 2)->if_match, ==, "\"*\"");
  g_assert_cmpstr (seen (f, 2)->content_type, ==, SDPFRAG_TYPE);
  g_assert_cmpstr (seen (f, 2)->body, ==, RESTART_FRAG);
  release (f, &no_content); /* the trickle */
  /* A candidate of the new session waits for the restart's answer. */
  rd_signal_client_add_candidate (client, "video0", CAND3);
  drain (f);
  g_assert_cmpuint (f->seen->len, ==, 3);
  release (f, &restarted);
  frag = rd_signal_client_restart_ice_finish (client, wait_result (f, &result, "restart"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (frag, ==, RESTART_ANSWER);

  wait_seen (f, 4);
  g_assert_cmpstr (seen (f, 3)->if_match, ==, "\"etag-2\"");
  g_assert_true (has_line (seen (f, 3)->body, "a=" CAND3));
  g_assert_true (has_line (seen (f, 3)->body, "a=ice-ufrag:newUfrag"));
  g_assert_false (has_line (seen (f, 3)->body, "a=" CAND2));
}

static void
test_restart_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) fresh = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GError) error = NULL;

  SCRIPT (f, CREATED ("Location: /whip/room/r"), { 405, "Allow: DELETE" });
  answer = post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_restart_ice_async (client, RESTART_FRAG, NULL, on_result, &result);
  g_assert_null (
      rd_signal_client_restart_ice_finish (client, wait_result (f, &result, "restart"), &error));
  assert_error (error, RD_SIGNAL_ERROR_HTTP, "PATCH");
  g_assert_nonnull (strstr (error->message, "405"));
  g_clear_error (&error);

  /* No resource yet: nothing to restart. */
  rd_signal_client_restart_ice_async (fresh, RESTART_FRAG, NULL, on_result, &result2);
  g_assert_null (
      rd_signal_client_restart_ice_finish (fresh, wait_result (f, &result2, "restart"), &error));
  assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "no resource");
  g_assert_cmpuint (f->seen->len, ==, 2);
}

/* ---- DELETE ----------------------------------------------------------------------------- */

static void
test_delete (Fixture *f, gconstpointer data)
{
  static const guint statuses[] = { 200, 204, 404, 500 };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
      g_autoptr (RdSignalAnswer) answer = NULL;
      Reply script[] = { CREATED ("Location: /whip/room/r"), { statuses[i] } };

      f->script = script;
      f->script_len = 2;
      f->script_pos = 0;
      answer = post (f, client, 10, &error);
      g_assert_no_error (error);
      if (statuses[i] == 500)
        {
          g_assert_false (delete (f, client, &error));
          assert_error (error, RD_SIGNAL_ERROR_HTTP, "DELETE");
          g_clear_error (&error);
        }
      else
        {
          g_assert_true (delete (f, client, &error));
          g_assert_no_error (error);
        }
      g_assert_cmpstr (seen (f, f->seen->len - 1)->method, ==, "DELETE");
      g_assert_cmpstr (seen (f, f->seen->len - 1)->path, ==, "/whip/room/r");
      g_assert_cmpstr (seen (f, f->seen->len - 1)->auth, ==, "Bearer " TOKEN);
    }

  /* No resource: done at once, nothing sent. */
  {
    g_autoptr (RdSignalClient) client = client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
    guint before = f->seen->len;

    g_assert_true (delete (f, client, &error));
    g_assert_cmpuint (f->seen->len, ==, before);
  }
}

/* ---- Parsers ---------------------------------------------------------------------------- */

static void
test_links_unit (void)
{
  g_autoptr (GPtrArray) servers =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_signal_ice_server_free);
  RdSignalIceServer *s;

  g_assert_cmpuint (rd_signal_client_parse_links (NULL, servers), ==, 0);
  g_assert_cmpuint (rd_signal_client_parse_links ("", servers), ==, 0);
  g_assert_cmpuint (
      rd_signal_client_parse_links (
          "<turns:t.example.org:5349?transport=tcp>;rel=\"ice-server\";username=\"a\\\"b\";"
          "credential=\"c,d;e\";credential-type=password, <stun:[2001:db8::1]:3478>; "
          "REL=\"ice-server other\"",
          servers),
      ==, 0);
  g_assert_cmpuint (servers->len, ==, 2);
  s = servers->pdata[0];
  g_assert_cmpstr (s->url, ==, "turns:t.example.org:5349?transport=tcp");
  g_assert_cmpstr (s->username, ==, "a\"b");
  g_assert_cmpstr (s->credential, ==, "c,d;e");
  s = servers->pdata[1];
  g_assert_cmpstr (s->url, ==, "stun:[2001:db8::1]:3478");

  g_ptr_array_set_size (servers, 0);
  /* What simple-whip-server sends (two headers joined): no <...>, trailing ';', "name: value". */
  g_assert_cmpuint (
      rd_signal_client_parse_links (
          "stun:stun.example.org:19302; rel=\"ice-server\";, "
          "turn:t.example.org:3478?transport=udp; rel=\"ice-server\"; username=\"u\"; "
          "credential=\"p\"; credential-type: \"password\";",
          servers),
      ==, 0);
  g_assert_cmpuint (servers->len, ==, 2);
  g_assert_cmpstr (((RdSignalIceServer *)servers->pdata[0])->url, ==,
                   "stun:stun.example.org:19302");
  s = servers->pdata[1];
  g_assert_cmpstr (s->url, ==, "turn:t.example.org:3478?transport=udp");
  g_assert_cmpstr (s->username, ==, "u");
  g_assert_cmpstr (s->credential, ==, "p");

  g_ptr_array_set_size (servers, 0);
  /* Another rel: ignored, not counted. Malformed: counted, the rest still read. */
  g_assert_cmpuint (rd_signal_client_parse_links (
                        "<https://example.org/>; rel=next, <stun:a.example.org>; rel ice-server, "
                        "<stun://b.example.org>; rel=\"ice-server\", <http://c/>; "
                        "rel=\"ice-server\", <stun:d.example.org>; rel=\"ice-server\"",
                        servers),
                    ==, 3);
  g_assert_cmpuint (servers->len, ==, 1);
  g_assert_cmpstr (((RdSignalIceServer *)servers->pdata[0])->url, ==, "stun:d.example.org");
}

static void
test_retry_after_unit (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 11, 28, 8, 0, 0);
  guint s = 99;

  g_assert_false (rd_signal_client_parse_retry_after (NULL, now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("soon", now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("-3", now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("3 s", now, &s));
  g_assert_true (rd_signal_client_parse_retry_after (" 7 ", now, &s));
  g_assert_cmpuint (s, ==, 7);
  g_assert_true (rd_signal_client_parse_retry_after ("0", now, &s));
  g_assert_cmpuint (s, ==, 0);
  g_assert_true (rd_signal_client_parse_retry_after ("Sat, 28 Nov 2026 08:00:12 GMT", now, &s));
  g_assert_cmpuint (s, ==, 12);
  g_assert_true (rd_signal_client_parse_retry_after ("Sat, 28 Nov 2026 07:59:00 GMT", now, &s));
  g_assert_cmpuint (s, ==, 0);
  g_assert_true (rd_signal_client_parse_retry_after ("99999999999999", now, &s));
  g_assert_cmpuint (s, ==, G_MAXUINT);
}

/* ---- Against receptiond's own WHIP/WHEP server ------------------------------------------ */

typedef struct
{
  GPtrArray *actions; /* "whip offer", "whep trickle", ... as the server's handler saw them */
  guint etags;
} Far;

static void
on_far_request (RdSignalServer *server, RdWhipRequest *request, gpointer user_data)
{
  Far *far = user_data;
  static const char *const names[] = { "offer", "trickle", "restart", "delete", "state" };
  RdWhipAction action = rd_whip_request_get_action (request);
  g_autofree char *etag = NULL;

  g_ptr_array_add (
      far->actions,
      g_strdup_printf (
          "%s %s %s", rd_whip_request_is_whep (request) ? "whep" : "whip", names[action],
          rd_whip_request_get_if_match (request) ? rd_whip_request_get_if_match (request) : "-"));
  if (g_strcmp0 (rd_whip_request_get_token (request), TOKEN) != 0)
    {
      rd_whip_request_reply_error (request, 401, 0, "Wrong token.");
      return;
    }
  etag = g_strdup_printf ("e%u", ++far->etags);
  switch (action)
    {
    case RD_WHIP_ACTION_OFFER:
      rd_whip_request_reply_created (request, "peer-1", ANSWER, etag);
      break;
    case RD_WHIP_ACTION_RESTART:
      rd_whip_request_reply_sdpfrag (request, RESTART_ANSWER, etag);
      break;
    case RD_WHIP_ACTION_TRICKLE:
      rd_whip_request_reply_empty (request, 204);
      break;
    case RD_WHIP_ACTION_DELETE:
      rd_whip_request_reply_empty (request, 200);
      break;
    case RD_WHIP_ACTION_STATE:
      rd_whip_request_reply_json (request, "{}");
      break;
    }
}

static gboolean
far_saw (Fixture *f, gconstpointer data)
{
  const Far *far = data;

  return far->actions->len >= 2; /* the offer and the one trickle PATCH */
}

/* The client against RdSignalServer over HTTPS (its certificate as the CA file), for WHIP and
 * WHEP: what one receptiond sends, the other understands, ICE servers of its Link headers
 * included. */
static void
test_receptiond (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->tmpdir, "state", NULL);
  g_autofree char *ini = g_strdup_printf (
      "[storage]\nstate-dir=%s\n[network]\nlisten=127.0.0.1:0\n"
      "stun-server=stun://stun.example.org:3478\nturn-server=turn://u:p@turn.example.org:3478\n",
      state);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = rd_config_load_data (ini, "test.conf", &error);
  g_autoptr (RdSignalServer) server = NULL;
  g_autofree char *cert = g_build_filename (state, "tls", "certificate.pem", NULL);
  Far far = { .actions = g_ptr_array_new_with_free_func (g_free) };
  static const char *const kinds[] = { "whip", "whep" };

  g_assert_no_error (error);
  server = rd_signal_server_new (config, &error);
  g_assert_no_error (error);
  g_signal_connect (server, "whip-request", G_CALLBACK (on_far_request), &far);
  g_assert_true (rd_signal_server_start (server, &error));

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      RdSignalClientOptions options = { .ca_file = cert, .timeout_s = 10 };
      g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/%s/sess-1",
                                              rd_signal_server_get_port (server), kinds[k]);
      g_autofree char *resource = g_strconcat (url, "/peer-1", NULL);
      g_autoptr (RdSignalClient) client = rd_signal_client_new (
          k ? RD_SIGNAL_CLIENT_WHEP : RD_SIGNAL_CLIENT_WHIP, url, TOKEN, &options, &error);
      g_autoptr (RdSignalAnswer) answer = NULL;
      g_autoptr (GAsyncResult) result = NULL;
      g_autofree char *frag = NULL;
      RdSignalIceServer *turn;

      g_assert_no_error (error);
      g_ptr_array_set_size (far.actions, 0);
      answer = post (f, client, 10, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (answer->resource_url, ==, resource);
      g_assert_cmpuint (answer->links_skipped, ==, 0);
      g_assert_cmpuint (answer->ice_servers->len, ==, 2);
      turn = answer->ice_servers->pdata[1];
      g_assert_cmpstr (turn->url, ==, "turn:turn.example.org:3478?transport=udp");
      g_assert_cmpstr (turn->username, ==, "u");
      g_assert_cmpstr (turn->credential, ==, "p");

      rd_signal_client_add_candidate (client, "video0", CAND1);
      rd_signal_client_end_of_candidates (client);
      if (!wait_until (f, far_saw, &far))
        g_error ("%s: the trickle PATCH never reached the server", kinds[k]);
      rd_signal_client_restart_ice_async (client, RESTART_FRAG, NULL, on_result, &result);
      frag =
          rd_signal_client_restart_ice_finish (client, wait_result (f, &result, "restart"), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (frag, ==, RESTART_ANSWER);
      g_assert_true (delete (f, client, &error));
      g_assert_no_error (error);

      g_assert_cmpuint (far.actions->len, ==, 4);
      {
        g_autofree char *offer = g_strdup_printf ("%s offer -", kinds[k]);
        g_autofree char *trickle = g_strdup_printf ("%s trickle e1", kinds[k]);
        g_autofree char *restart = g_strdup_printf ("%s restart *", kinds[k]);
        g_autofree char *del = g_strdup_printf ("%s delete -", kinds[k]);

        g_assert_cmpstr (far.actions->pdata[0], ==, offer);
        g_assert_cmpstr (far.actions->pdata[1], ==, trickle);
        g_assert_cmpstr (far.actions->pdata[2], ==, restart);
        g_assert_cmpstr (far.actions->pdata[3], ==, del);
      }
      far.etags = 0;
    }
  rd_signal_server_stop (server);
  g_ptr_array_unref (far.actions);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/unit/links", test_links_unit);
  g_test_add_func ("/client/unit/retry-after", test_retry_after_unit);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/client/201-relative-location-etag-links", test_created);
  ADD ("/client/201-absolute-location-malformed-links", test_created_absolute);
  ADD ("/client/201-broken", test_created_broken);
  ADD ("/client/201-too-large", test_created_too_large);
  ADD ("/client/307-308-followed", test_redirect);
  ADD ("/client/redirects-refused", test_redirect_refused);
  ADD ("/client/503-retry-after", test_retry_503);
  ADD ("/client/retry-deadline", test_retry_deadline);
  ADD ("/client/whep-409-retry", test_whep_409);
  ADD ("/client/whep-406-counter-offer", test_whep_406);
  ADD ("/client/cancel", test_cancel);
  ADD ("/client/http-errors", test_http_errors);
  ADD ("/client/timeout", test_timeout);
  ADD ("/client/connect-refused", test_connect_refused);
  ADD ("/client/bad-url-token", test_bad_url_token);
  ADD ("/client/https", test_https);
  ADD ("/client/trickle", test_trickle);
  ADD ("/client/trickle-refused", test_trickle_refused);
  ADD ("/client/trickle-failed", test_trickle_failed);
  ADD ("/client/restart", test_restart);
  ADD ("/client/restart-refused", test_restart_refused);
  ADD ("/client/delete", test_delete);
  ADD ("/client/receptiond-whip-whep", test_receptiond);
#undef ADD

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("no TLS backend (glib-networking) installed\n");
      return 77;
    }
  return g_test_run ();
}
