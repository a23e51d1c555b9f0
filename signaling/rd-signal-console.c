/* rd-signal-console.c: the console's shared response headers. See rd-signal-console.h. */
#include "signaling/rd-signal-console.h"

void
rd_signal_console_set_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  soup_message_headers_replace (headers, "Content-Security-Policy", RD_SIGNAL_CONSOLE_CSP);
  soup_message_headers_remove (headers, "Access-Control-Allow-Origin");
  soup_message_headers_remove (headers, "Access-Control-Expose-Headers");
}
