/* rd-test-janus-private.h: the HTTP pieces rd-test-janus.c shares with rd-test-janus-subscriber.c.
 * Threading: the test's main thread; both block it. */
#pragma once

#include <json-glib/json-glib.h>

#include "tests/rd-test-janus.h"

G_BEGIN_DECLS

/* One HTTP request with a JSON (or no) body; the status, or 0 with @error when no response came
 * within @timeout_s. *@body_out (may be NULL) gets the body. (transfer full) */
guint rd_test_janus_http (const char *method, const char *url, const char *json, guint timeout_s,
                          char **body_out, GError **error);

/* One Janus API request (POST @json to janus_api + @path); its JSON reply, an object whose
 * "janus" is @expect ("success", or "ack" for a plugin message answered by an event), else the
 * test fails with the reply and the logs. *@keep holds the reply: the object returned is
 * (transfer none) of it. */
JsonObject *rd_test_janus_request (RdTestJanus *j, const char *path, const char *json,
                                   const char *expect, JsonNode **keep);

G_END_DECLS
