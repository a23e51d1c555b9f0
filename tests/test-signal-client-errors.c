/* test-signal-client-errors.c: RdSignalClient's (signaling/rd-signal-client.h) errors and what
 * its messages show: HTTP statuses it does not take, timeouts, unreachable hosts, bad URLs and
 * tokens, TLS; URLs shown without query, fragment or user-info, and no part of the token or of
 * a query's secret in any message, wherever the server echoes them (also across the cut of the
 * body excerpt). Against the scripted server of rd-test-client.h on 127.0.0.1 (plain HTTP,
 * allow_http; one HTTPS server of the test's). */
#include "signaling/rd-signal-client-private.h"
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-tls.h"
#include "signaling/rd-signal-error.h"
#include "tests/rd-test-client.h"
#include "tests/rd-test-signal.h"

#include <string.h>

#include <libsoup/soup.h>

/* ---- Errors ----------------------------------------------------------------------------- */

static void
test_http_errors (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) a = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) b = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) c = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) d = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strconcat (f->base, "/whip/room", NULL);
  g_autofree char *expected = NULL;

  RD_TEST_SCRIPT (
      f, { 400, NULL, "text/plain", "\nThe offer has no m= line.\r\nSecond line " RD_TEST_TOKEN },
      { 500, NULL, "application/json", "{\"token\":\"" RD_TEST_TOKEN "\"}" },
      { 401, "WWW-Authenticate: Bearer", "text/plain; charset=utf-8", "Bad token." },
      { 403, NULL, "text/plain", "The token " RD_TEST_TOKEN " is revoked." });
  g_assert_null (rd_test_client_post (f, a, 10, &error));
  expected = g_strdup_printf ("POST %s: 400 Bad Request: The offer has no m= line.", url);
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, NULL);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  g_assert_null (rd_test_client_post (f, b, 10, &error));
  expected = g_strdup_printf ("POST %s: 500 Internal Server Error", url);
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, NULL);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_null (rd_test_client_post (f, c, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, "401 Unauthorized: Bad token.");
  g_clear_error (&error);

  /* A server that echoes the token: not in our message. */
  g_assert_null (rd_test_client_post (f, d, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP,
                               "403 Forbidden: The token [token] is revoked.");
}

static void
test_timeout (RdTestClientFixture *f, gconstpointer data)
{
  RdSignalClientOptions options = { .allow_http = TRUE, .timeout_s = 1 };
  g_autofree char *url = g_strconcat (f->base, "/whip/room", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdSignalClient) client =
      rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error);
  g_autofree char *mention = g_strconcat ("POST ", url, NULL);

  g_assert_no_error (error);
  RD_TEST_SCRIPT (f, { 0 });
  g_assert_null (rd_test_client_post (f, client, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_TIMEOUT, mention);
  g_assert_cmpuint (f->seen->len, ==, 1);
}

static void
test_connect_refused (RdTestClientFixture *f, gconstpointer data)
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
  client = rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error);
  g_assert_no_error (error);
  g_assert_null (rd_test_client_post (f, client, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_CONNECT, "127.0.0.1");
}

static void
test_bad_url_token (RdTestClientFixture *f, gconstpointer data)
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
      rd_test_client_assert_error (error, RD_SIGNAL_ERROR_URL, cases[i].mention);
      g_assert_null (strstr (error->message, "hunter2"));
      if (cases[i].token && *cases[i].token)
        g_assert_null (strstr (error->message, cases[i].token));
    }
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* ---- HTTPS ------------------------------------------------------------------------------ */

static void
test_https (RdTestClientFixture *f, gconstpointer data)
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
  soup_server_add_handler (server, NULL, rd_test_client_handle, f, NULL);
  base = rd_test_client_listen (server, SOUP_SERVER_LISTEN_HTTPS);
  g_assert_true (g_str_has_prefix (base, "https://"));
  url = g_strconcat (base, "/whip/room", NULL);
  RD_TEST_SCRIPT (f, RD_TEST_CREATED ("Location: /whip/room/r"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (RdSignalClient) client = rd_signal_client_new (
          RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &cases[i].options, &error);
      g_autoptr (RdSignalAnswer) answer = NULL;

      g_assert_no_error (error);
      answer = rd_test_client_post (f, client, 10, &error);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (answer);
        }
      else
        {
          g_assert_null (answer);
          rd_test_client_assert_error (error, RD_SIGNAL_ERROR_UNTRUSTED, "127.0.0.1");
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
        rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error);
    g_autofree char *to_http = g_strdup_printf ("Location: %s/whip/plain", f->base);
    RdTestReply script[] = { { 307, to_http } };

    g_assert_no_error (error);
    f->script = script;
    f->script_len = 1;
    f->script_pos = 0;
    g_assert_null (rd_test_client_post (f, client, 10, &error));
    rd_test_client_assert_error (error, RD_SIGNAL_ERROR_URL, "https only");
    g_clear_error (&error);
    g_assert_cmpuint (f->seen->len, ==, 3);
  }
  soup_server_disconnect (server);

  /* A CA file that is not one. */
  {
    RdSignalClientOptions options = { .ca_file = "/nonexistent.pem" };
    g_assert_null (
        rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error));
    rd_test_client_assert_error (error, RD_SIGNAL_ERROR_TLS, "/nonexistent.pem");
  }
}

/* ---- What messages show: no query, no part of a secret ---------------------------------- */

/* A WHIP service may hand out its endpoint with a secret in the query; the token is apart. */
#define QUERY_SECRET    "Q5ecret-Query.value~42"
#define QUERY_KEY_RAW   "K3y%2Fwith%3Dencoding"
#define QUERY_KEY       "K3y/with=encoding" /* as a server would echo it, decoded */
#define REDIRECT_SECRET "R3direct-Secret.of~the-307"
#define RESOURCE_SECRET "Res0urce-Secret.in~Location"
#define PATH_Q          "/whip/room?token=" QUERY_SECRET "&key=" QUERY_KEY_RAW "&lang=vi"
#define KNOWN_SECRETS   RD_TEST_TOKEN " " QUERY_SECRET " " QUERY_KEY_RAW " " QUERY_KEY
#define ALL_SECRETS     KNOWN_SECRETS " " REDIRECT_SECRET " " RESOURCE_SECRET

/* @message starts "<METHOD> <base><path>: " (the URL without its query) and holds no part of any
 * secret of this section. */
static void
assert_shown (RdTestClientFixture *f, const char *message, const char *method, const char *path)
{
  g_autofree char *prefix = g_strdup_printf ("%s %s%s: ", method, f->base, path);
  static const char *const secrets[] = { RD_TEST_TOKEN, QUERY_SECRET,    QUERY_KEY_RAW,
                                         QUERY_KEY,     REDIRECT_SECRET, RESOURCE_SECRET };

  g_test_message ("message: %s", message);
  if (!g_str_has_prefix (message, prefix))
    g_error ("'%s' should start with '%s'", message, prefix);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    rd_test_client_assert_hides (message, secrets[i]);
}

static void
test_shown_url_unit (void)
{
  static const struct
  {
    const char *url, *shown;
  } cases[] = {
    { "https://h.example.org:8443/whip/room?token=abc#frag",
      "https://h.example.org:8443/whip/room" },
    { "https://user:pw@h.example.org/whip?x=1", "https://h.example.org/whip" },
    { "https://u:p@ss@h.example.org/a@b/c#f", "https://h.example.org/a@b/c" },
    { "https://h.example.org?key=1", "https://h.example.org" },
    { "http://127.0.0.1:8080#only-a-fragment", "http://127.0.0.1:8080" },
    { "https://[::1]:8443/whep/s", "https://[::1]:8443/whep/s" },
    { "not a url?token=zz", "not a url" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = rd_signal_client_shown_url (cases[i].url);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
  {
    g_autofree char *none = rd_signal_client_shown_url (NULL);
    g_assert_cmpstr (none, ==, "(none)");
  }
}

static void
test_secrets_unit (void)
{
  g_autoptr (GPtrArray) secrets = rd_signal_secrets_new ("tok");
  g_autoptr (GString) text = g_string_new (
      "tok; abcdefgh12345678 abcdefgh; a+b c/d a b c/d a+b%20c%2Fd; vi; flagvalue; en");

  rd_signal_secrets_add_url (secrets, "https://h/p?t=abcdefgh12345678&s=abcdefgh&lang=vi");
  rd_signal_secrets_add_url (secrets, "https://h/p?k=a+b%20c%2Fd;flagvalue&x=en#frag=abcd");
  rd_signal_secrets_add_url (secrets, "https://h/no-query");
  rd_signal_secrets_add_url (secrets, NULL);
  rd_signal_secrets_scrub (secrets, text);
  /* The token whatever its length; the longer of two that overlap first; raw, percent- and
   * form-decoded; a parameter without '='; values under 4 characters and fragments left. */
  g_assert_cmpstr (text->str, ==,
                   "[token]; [hidden] [hidden]; [hidden] [hidden] [hidden]; vi; [hidden]; en");
  rd_signal_secrets_scrub (NULL, text);
}

/* A server that echoes the token and the query's secrets in its 4xx: in the reason phrase, in
 * the body, across the 200th character of the body's first line; after a redirect; in a retry
 * given up. */
static void
test_secrets_echoed (RdTestClientFixture *f, gconstpointer data)
{
  g_autofree char *pad190 = g_strnfill (190, 'x');
  g_autofree char *pad196 = g_strnfill (196, 'y');
  g_autofree char *pad199 = g_strnfill (199, 'w');
  g_autofree char *tail = g_strnfill (100, 'z');
  g_autofree char *token_across = g_strconcat (pad190, RD_TEST_TOKEN, tail, NULL);
  g_autofree char *query_across = g_strconcat (pad196, QUERY_SECRET, tail, NULL);
  g_autofree char *token_at_200 = g_strconcat (pad199, RD_TEST_TOKEN, NULL);
  RdTestReply script[] = {
    { 403, NULL, "text/plain",
      "Refused: " KNOWN_SECRETS " for /whip/room?token=" QUERY_SECRET "&key=" QUERY_KEY_RAW },
    { 400, NULL, "text/plain", token_across },
    { 400, NULL, "text/plain", query_across },
    { 400, NULL, "text/plain", token_at_200 },
    { 401, NULL, "text/plain", "Bad token.", "Unknown " RD_TEST_TOKEN " and " QUERY_KEY },
    { 307, "Location: /v2/room?rtok=" REDIRECT_SECRET },
    { 404, NULL, "text/plain", "No room " REDIRECT_SECRET " " QUERY_SECRET },
    { 503, NULL, "text/plain", KNOWN_SECRETS, "Busy " RD_TEST_TOKEN },
  };
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;

  f->script = script;
  f->script_len = G_N_ELEMENTS (script);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, PATH_Q);

      g_assert_null (rd_test_client_post (f, client, 0, &error));
      rd_test_client_assert_error (error, i == 5 ? RD_SIGNAL_ERROR_RETRY : RD_SIGNAL_ERROR_HTTP,
                                   NULL);
      assert_shown (f, error->message, "POST", i == 4 ? "/v2/room" : "/whip/room");
      switch (i)
        {
        case 0:
          g_assert_nonnull (strstr (error->message, "403 Forbidden: Refused: [token] [hidden]"));
          g_assert_nonnull (strstr (error->message, "for /whip/room?token=[hidden]&key=[hidden]"));
          break;
        case 1: /* scrubbed, then cut: 190 + "[token]" + 3 = 200 characters */
          expected =
              g_strdup_printf ("POST %s/whip/room: 400 Bad Request: %s[token]zzz", f->base, pad190);
          g_assert_cmpstr (error->message, ==, expected);
          break;
        case 2:
          expected =
              g_strdup_printf ("POST %s/whip/room: 400 Bad Request: %s[hid", f->base, pad196);
          g_assert_cmpstr (error->message, ==, expected);
          break;
        case 3:
          expected = g_strdup_printf ("POST %s/whip/room: 400 Bad Request: %s[", f->base, pad199);
          g_assert_cmpstr (error->message, ==, expected);
          break;
        case 4: /* the redirect's own query is a secret too */
          g_assert_nonnull (strstr (error->message, "404 Not Found: No room [hidden] [hidden]"));
          break;
        case 5:
          g_assert_nonnull (strstr (error->message, "still 503 Busy [token] after 1 attempt"));
          break;
        }
      g_clear_pointer (&expected, g_free);
      g_clear_error (&error);
      if (i == 3) /* the reason phrase */
        {
          g_autoptr (RdSignalClient) c = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, PATH_Q);

          g_assert_null (rd_test_client_post (f, c, 0, &error));
          assert_shown (f, error->message, "POST", "/whip/room");
          g_assert_nonnull (
              strstr (error->message, "401 Unknown [token] and [hidden]: Bad token."));
          g_clear_error (&error);
        }
    }
  g_assert_cmpuint (f->seen->len, ==, 8);
}

static gboolean
trickle_failed (RdTestClientFixture *f, gconstpointer data)
{
  return f->failures->len > 0;
}

/* The resource's URL (its Location has a query of its own) in the trickle's and the DELETE's
 * messages, after a redirect: shown without query, every secret echoed scrubbed. */
static void
test_secrets_resource (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, PATH_Q);
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  g_signal_connect (client, "trickle-failed", G_CALLBACK (rd_test_client_on_failed), f);
  RD_TEST_SCRIPT (f, { 307, "Location: /v2/room?rtok=" REDIRECT_SECRET },
                  { 201, "Location: r?rkey=" RESOURCE_SECRET "\nETag: \"e\"", RD_TEST_SDP_TYPE,
                    RD_TEST_ANSWER },
                  { 412, NULL, "text/plain", "Stale ETag for " ALL_SECRETS },
                  { 500, NULL, "text/plain", "Cannot delete " ALL_SECRETS });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (answer->resource_url, "/v2/r?rkey=" RESOURCE_SECRET));
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  if (!rd_test_client_wait_until (f, trickle_failed, NULL))
    g_error ("no trickle-failed after the 412 (server saw %u requests)", f->seen->len);
  assert_shown (f, f->failures->pdata[0], "PATCH", "/v2/r");
  g_assert_nonnull (
      strstr (f->failures->pdata[0], "412 Precondition Failed: Stale ETag for [token]"));

  g_assert_false (rd_test_client_delete (f, client, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, NULL);
  assert_shown (f, error->message, "DELETE", "/v2/r");
  g_assert_cmpstr (rd_test_client_seen (f, 3)->method, ==, "DELETE");
}

/* Messages the client makes without a server's words: a bad URL, a timeout. */
static void
test_secrets_own_messages (RdTestClientFixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "ftp://127.0.0.1/whip?token=" QUERY_SECRET,   "http://127.0.0.1/whip?token=" QUERY_SECRET,
    "https:///whip?token=" QUERY_SECRET,          "not a url?token=" QUERY_SECRET,
    "https://me:" QUERY_SECRET "@127.0.0.1/whip",
  };
  RdSignalClientOptions options = { .timeout_s = 1, .allow_http = TRUE };
  g_autofree char *url = g_strconcat (f->base, PATH_Q, NULL);
  g_autoptr (RdSignalClient) client = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      RdSignalClientOptions https_only = { 0 };

      g_assert_null (rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, bad[i], RD_TEST_TOKEN,
                                           i == 0 ? &options : &https_only, &error));
      rd_test_client_assert_error (error, RD_SIGNAL_ERROR_URL, NULL);
      rd_test_client_assert_hides (error->message, QUERY_SECRET);
      g_clear_error (&error);
    }

  client = rd_signal_client_new (RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error);
  g_assert_no_error (error);
  RD_TEST_SCRIPT (f, { 0 });
  g_assert_null (rd_test_client_post (f, client, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_TIMEOUT, "no answer within 1 s");
  assert_shown (f, error->message, "POST", "/whip/room");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/unit/shown-url", test_shown_url_unit);
  g_test_add_func ("/client/unit/secrets", test_secrets_unit);
#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestClientFixture, NULL, rd_test_client_setup, fn, rd_test_client_teardown)
  ADD ("/client/http-errors", test_http_errors);
  ADD ("/client/timeout", test_timeout);
  ADD ("/client/connect-refused", test_connect_refused);
  ADD ("/client/bad-url-token", test_bad_url_token);
  ADD ("/client/https", test_https);
  ADD ("/client/secrets-echoed", test_secrets_echoed);
  ADD ("/client/secrets-resource", test_secrets_resource);
  ADD ("/client/secrets-own-messages", test_secrets_own_messages);
#undef ADD

  return rd_test_signal_run ();
}
