/* rd-signal-server.c: the HTTPS listener. See rd-signal-server.h for the contract. */
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-accept.h"
#include "signaling/rd-signal-console-private.h"
#include "signaling/rd-signal-console.h"
#include "signaling/rd-signal-console-assets.h"
#include "signaling/rd-signal-console-events.h"
#include "signaling/rd-signal-error.h"
#include "signaling/rd-signal-join.h"
#include "signaling/rd-signal-tls.h"
#include "signaling/rd-signal-whip-private.h"

#include <errno.h>
#include <string.h>

#include <gio/gnetworking.h>

#include <libsoup/soup.h>

#define HEALTH_PATH    "/health"
#define HEALTH_BODY    "{\"status\":\"ok\"}"
#define JOIN_PATH      "/join"
#define LISTEN_BACKLOG 128
/* The join page is one inline document: it may run its own inline script and style, talk to
 * this origin (the WHIP API) and nothing else; it loads nothing from elsewhere (its icon is an
 * empty data: URL, so that browsers do not ask for /favicon.ico) and is framed by nobody. */
#define JOIN_CSP                                                                                   \
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "      \
  "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "                 \
  "frame-ancestors 'none'"

enum
{
  PROP_0,
  PROP_WHIP_REPLY_TIMEOUT_MS,
  PROP_WHIP_RATE_PER_SECOND,
  PROP_CONNECTION_TIMEOUT_MS,
  PROP_RESERVED_FDS,
  N_PROPS
};

enum
{
  SIGNAL_WHIP_REQUEST,
  SIGNAL_CONSOLE_REQUEST,
  SIGNAL_CONSOLE_SESSION,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

struct _RdSignalServer
{
  GObject parent_instance;

  RdConfig *config;
  GTlsCertificate *certificate;
  char *fingerprint;
  RdSignalWhip *whip; /* rate limits, ICE links; lives as long as the server */
  RdSignalAcceptLimits limits;
  RdSignalConsoleEvents *console_events; /* the console's status feed */

  /* Set while listening. */
  SoupServer *soup;
  GSocket *listener;
  RdSignalAccept *accept;
  gulong request_started_id;
  gulong request_read_id;
  char *url;
  guint16 port;
};

G_DEFINE_FINAL_TYPE (RdSignalServer, rd_signal_server, G_TYPE_OBJECT)

/* "127.0.0.1:8443" or "[::1]:8443". */
static char *
format_host_port (const char *host, guint16 port)
{
  if (strchr (host, ':'))
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* The one place that decorates every response, errors included. It runs when the request
 * starts, before it is read, so libsoup's own error responses (400, 404, ...) carry the headers
 * too; and again once the body is read, because libsoup 3.2 clears every response header after
 * it sends "100 Continue" (to a client that sent "Expect: 100-continue", as curl does). Every
 * connection closes after its response (libsoup keeps a connection alive only for a server
 * that listens itself; connections handed to soup_server_accept_iostream() are closed), and the
 * response says so. */
static void
decorate_response (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers", "Location, ETag, Link");
  soup_message_headers_replace (headers, "Connection", "close");
}

/* The request is read: its connection's deadline now covers the reply. */
static void
on_request_read (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  RdSignalServer *self = user_data;

  decorate_response (soup, msg, user_data);
  if (self->accept)
    rd_signal_accept_request_read (self->accept, soup_server_message_get_remote_address (msg));
}

/* A connection whose TLS handshake is done: libsoup serves it from here. */
static void
on_connection_ready (GIOStream *tls, GSocketAddress *local, GSocketAddress *remote,
                     gpointer user_data)
{
  RdSignalServer *self = user_data;

  soup_server_accept_iostream (self->soup, tls, local, remote, NULL);
}

static void
handle_not_found (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* No path but /whip takes a request body: read any other body without keeping it. */
static void
discard_body (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  rd_signal_whip_limit_body (msg, FALSE);
  rd_signal_whip_reject_bad_framing (msg);
}

static void
handle_health (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* libsoup also routes "/health/..." here. */
  if (!g_str_equal (path, HEALTH_PATH))
    {
      handle_not_found (soup, msg, path, query, user_data);
      return;
    }
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, HEALTH_BODY,
                                    strlen (HEALTH_BODY));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* GET/HEAD /join/<session-id>: the join page. The token stays in the URL fragment, which
 * browsers never send: nothing here sees it. */
static void
handle_join (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr (GBytes) page = NULL;

  if (!g_str_has_prefix (path, JOIN_PATH "/") ||
      !rd_signal_whip_id_is_valid (path + strlen (JOIN_PATH "/"), -1))
    {
      handle_not_found (soup, msg, path, query, user_data);
      return;
    }
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  page = rd_signal_join_page ();
  soup_message_headers_replace (headers, "Content-Type", "text/html; charset=utf-8");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Content-Security-Policy", JOIN_CSP);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), page);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* The reason part of a listen error, without GIO's own restatement of the address. */
static const char *
listen_reason (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    return g_strerror (EADDRINUSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return g_strerror (EACCES);
  return error->message;
}

/* A TCP socket bound to @address and listening (IPv6 sockets take IPv6 only), or NULL. */
static GSocket *
listen_on (GSocketAddress *address, GError **error)
{
  GSocketFamily family = g_socket_address_get_family (address);
  g_autoptr (GSocket) socket =
      g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

  if (!socket)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

RdSignalServer *
rd_signal_server_new (RdConfig *config, GError **error)
{
  g_autoptr (RdSignalServer) self = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  const char *configured_cert, *configured_key;
  const char *san_ips[] = { NULL, "127.0.0.1", NULL };

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  configured_cert = rd_config_get_tls_certificate (config);
  configured_key = rd_config_get_tls_private_key (config);
  g_return_val_if_fail ((configured_cert == NULL) == (configured_key == NULL), NULL);

  if (configured_cert)
    {
      cert_path = g_strdup (configured_cert);
      key_path = g_strdup (configured_key);
    }
  else
    {
      const char *state_dir = rd_config_get_state_dir (config);
      cert_path = g_build_filename (state_dir, "tls", "certificate.pem", NULL);
      key_path = g_build_filename (state_dir, "tls", "private-key.pem", NULL);
    }
  san_ips[0] = rd_config_get_listen_host (config);

  self = g_object_new (RD_TYPE_SIGNAL_SERVER, NULL);
  self->config = rd_config_ref (config);
  self->certificate =
      rd_signal_tls_load_or_create (cert_path, key_path, rd_config_get_room_name (config), san_ips,
                                    configured_cert == NULL, error);
  if (!self->certificate)
    return NULL;
  self->fingerprint = rd_signal_tls_fingerprint (self->certificate);
  self->whip = rd_signal_whip_new (G_OBJECT (self), signals[SIGNAL_WHIP_REQUEST], config);
  return g_steal_pointer (&self);
}

gboolean
rd_signal_server_start (RdSignalServer *self, GError **error)
{
  g_autoptr (SoupServer) soup = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *where = NULL;
  g_autofree char *host_port = NULL;
  g_autoptr (GSocket) listener = NULL;
  const char *host;
  guint16 port;

  g_return_val_if_fail (RD_IS_SIGNAL_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  host = rd_config_get_listen_host (self->config);
  port = rd_config_get_listen_port (self->config);
  where = format_host_port (host, port);
  inet = g_inet_address_new_from_string (host); /* the config accepts only IP addresses */
  g_return_val_if_fail (inet != NULL, FALSE);
  address = g_inet_socket_address_new (inet, port);

  /* Raw paths: libsoup does not %-decode them (GLib's URI parser only normalises escaped
   * letters, digits and -._~), so "/whip/a%2Fb" is not "/whip/a/b" but an id with a character
   * ids never have (404). */
  soup = soup_server_new ("raw-paths", TRUE, NULL);
  soup_server_add_handler (soup, NULL, handle_not_found, self, NULL);
  soup_server_add_early_handler (soup, NULL, discard_body, self, NULL);
  soup_server_add_handler (soup, HEALTH_PATH, handle_health, self, NULL);
  soup_server_add_early_handler (soup, HEALTH_PATH, discard_body, self, NULL);
  soup_server_add_handler (soup, JOIN_PATH, handle_join, self, NULL);
  soup_server_add_early_handler (soup, JOIN_PATH, discard_body, self, NULL);
  rd_signal_console_assets_attach (soup);
  rd_signal_console_events_attach (self->console_events, soup);
  rd_signal_whip_attach (self->whip, soup);
  rd_signal_console_attach (soup, G_OBJECT (self), signals[SIGNAL_CONSOLE_REQUEST]);
  self->request_started_id =
      g_signal_connect (soup, "request-started", G_CALLBACK (decorate_response), self);
  self->request_read_id =
      g_signal_connect (soup, "request-read", G_CALLBACK (on_request_read), self);

  listener = listen_on (address, &local);
  bound = listener ? g_socket_get_local_address (listener, &local) : NULL;
  if (!bound)
    {
      g_clear_signal_handler (&self->request_started_id, soup);
      g_clear_signal_handler (&self->request_read_id, soup);
      if (listener)
        g_socket_close (listener, NULL);
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_LISTEN, "cannot listen on %s: %s", where,
                   listen_reason (local));
      return FALSE;
    }

  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  host_port = format_host_port (host, self->port);
  self->url = g_strdup_printf ("https://%s/", host_port);
  self->soup = g_steal_pointer (&soup);
  self->listener = g_steal_pointer (&listener);
  self->limits.max_connections = rd_config_get_max_connections (self->config);
  self->limits.max_per_address = rd_config_get_max_connections_per_address (self->config);
  self->limits.reply_timeout_ms = rd_signal_whip_get_reply_timeout (self->whip);
  self->accept = rd_signal_accept_new (self->listener, self->certificate, &self->limits,
                                       on_connection_ready, self);
  return TRUE;
}

void
rd_signal_server_stop (RdSignalServer *self)
{
  g_return_if_fail (RD_IS_SIGNAL_SERVER (self));

  g_clear_pointer (&self->accept, rd_signal_accept_free);
  rd_signal_console_events_close_all (self->console_events);
  if (self->listener)
    {
      g_socket_close (self->listener, NULL);
      g_clear_object (&self->listener);
    }
  if (self->soup)
    {
      g_clear_signal_handler (&self->request_started_id, self->soup);
      g_clear_signal_handler (&self->request_read_id, self->soup);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  g_clear_pointer (&self->url, g_free);
  self->port = 0;
}

const char *
rd_signal_server_get_url (RdSignalServer *self)
{
  g_return_val_if_fail (RD_IS_SIGNAL_SERVER (self), NULL);
  return self->url;
}

guint16
rd_signal_server_get_port (RdSignalServer *self)
{
  g_return_val_if_fail (RD_IS_SIGNAL_SERVER (self), 0);
  return self->port;
}

const char *
rd_signal_server_get_certificate_fingerprint (RdSignalServer *self)
{
  g_return_val_if_fail (RD_IS_SIGNAL_SERVER (self), NULL);
  return self->fingerprint;
}

static void
rd_signal_server_dispose (GObject *object)
{
  RdSignalServer *self = RD_SIGNAL_SERVER (object);

  rd_signal_server_stop (self);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->config, rd_config_unref);

  G_OBJECT_CLASS (rd_signal_server_parent_class)->dispose (object);
}

static void
rd_signal_server_finalize (GObject *object)
{
  RdSignalServer *self = RD_SIGNAL_SERVER (object);

  g_free (self->fingerprint);
  g_free (self->url);
  rd_signal_whip_free (self->whip);
  rd_signal_console_events_free (self->console_events);

  G_OBJECT_CLASS (rd_signal_server_parent_class)->finalize (object);
}

static void
rd_signal_server_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RdSignalServer *self = RD_SIGNAL_SERVER (object);

  switch (prop_id)
    {
    case PROP_WHIP_REPLY_TIMEOUT_MS:
      g_value_set_uint (value, self->whip ? rd_signal_whip_get_reply_timeout (self->whip)
                                          : RD_WHIP_REPLY_TIMEOUT_MS);
      break;
    case PROP_WHIP_RATE_PER_SECOND:
      g_value_set_double (value, self->whip ? rd_signal_whip_get_rate (self->whip)
                                            : RD_WHIP_RATE_PER_SECOND);
      break;
    case PROP_CONNECTION_TIMEOUT_MS:
      g_value_set_uint (value, self->limits.timeout_ms);
      break;
    case PROP_RESERVED_FDS:
      g_value_set_uint (value, self->limits.reserved_fds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rd_signal_server_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  RdSignalServer *self = RD_SIGNAL_SERVER (object);

  switch (prop_id)
    {
    case PROP_WHIP_REPLY_TIMEOUT_MS:
      /* Set only on a server made by rd_signal_server_new(), which has its WHIP state. */
      g_return_if_fail (self->whip != NULL);
      rd_signal_whip_set_reply_timeout (self->whip, g_value_get_uint (value));
      self->limits.reply_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_CONNECTION_TIMEOUT_MS:
      self->limits.timeout_ms = g_value_get_uint (value);
      break;
    case PROP_RESERVED_FDS:
      self->limits.reserved_fds = g_value_get_uint (value);
      break;
    case PROP_WHIP_RATE_PER_SECOND:
      g_return_if_fail (self->whip != NULL);
      rd_signal_whip_set_rate (self->whip, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rd_signal_server_class_init (RdSignalServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_signal_server_dispose;
  object_class->finalize = rd_signal_server_finalize;
  object_class->get_property = rd_signal_server_get_property;
  object_class->set_property = rd_signal_server_set_property;

  props[PROP_WHIP_REPLY_TIMEOUT_MS] = g_param_spec_uint (
      "whip-reply-timeout-ms", "WHIP reply timeout",
      "How long a WHIP request waits for its handler's reply before it is answered 504 (ms)", 1,
      G_MAXUINT, RD_WHIP_REPLY_TIMEOUT_MS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_WHIP_RATE_PER_SECOND] = g_param_spec_double (
      "whip-rate-per-second", "WHIP rate limit refill",
      "POST/PATCH/DELETE a second per address after the burst; GET/HEAD/OPTIONS get 5 times as "
      "many (resets every address's count)",
      0.001, 1000, RD_WHIP_RATE_PER_SECOND, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_CONNECTION_TIMEOUT_MS] = g_param_spec_uint (
      "connection-timeout-ms", "Connection timeout",
      "How long a connection may take from accept to its request read (TLS handshake included), "
      "and after its reply is due, before it is closed (ms)",
      1, G_MAXUINT / 2, RD_SIGNAL_ACCEPT_TIMEOUT_MS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_RESERVED_FDS] = g_param_spec_uint (
      "reserved-fds", "Reserved file descriptors",
      "New connections are closed when fewer descriptors than this would stay free", 0, G_MAXINT,
      RD_SIGNAL_ACCEPT_RESERVED_FDS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_WHIP_REQUEST] =
      g_signal_new ("whip-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    g_cclosure_marshal_VOID__POINTER, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CONSOLE_REQUEST] =
      g_signal_new ("console-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    g_cclosure_marshal_VOID__POINTER, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CONSOLE_SESSION] =
      g_signal_new ("console-session", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                    g_signal_accumulator_first_wins, NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
}

/* The console's status feed asks whoever handles "console-session" (FALSE with no handler). */
static gboolean
console_session_live (const char *cookie, gpointer user_data)
{
  gboolean live = FALSE;

  g_signal_emit (user_data, signals[SIGNAL_CONSOLE_SESSION], 0, cookie, &live);
  return live;
}

RdSignalConsoleEvents *
rd_signal_server_get_console_events (RdSignalServer *self)
{
  g_return_val_if_fail (RD_IS_SIGNAL_SERVER (self), NULL);
  return self->console_events;
}

static void
rd_signal_server_init (RdSignalServer *self)
{
  self->console_events = rd_signal_console_events_new ();
  rd_signal_console_events_set_check (self->console_events, console_session_live, self);
  self->limits.timeout_ms = RD_SIGNAL_ACCEPT_TIMEOUT_MS;
  self->limits.reserved_fds = RD_SIGNAL_ACCEPT_RESERVED_FDS;
  self->limits.reply_timeout_ms = RD_WHIP_REPLY_TIMEOUT_MS;
}
