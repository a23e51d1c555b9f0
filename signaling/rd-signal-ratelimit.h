/* rd-signal-ratelimit.h: a token bucket per key (a client's address) with bounded memory.
 *
 * Contract: each key starts with @burst tokens and regains @per_second tokens a second, up to
 * @burst. rd_rate_limit_take() spends one token, or refuses when less than one is left and says
 * in how many whole seconds one will be. At most @max_keys buckets are kept: a bucket idle long
 * enough to be full again is forgotten (it is the same as a new one), and when the table is full
 * the least recently used bucket goes. Time is passed in by the caller (monotonic microseconds,
 * g_get_monotonic_time ()), so tests can drive it.
 *
 * Threading: none; one limiter is used from one thread. Ownership: the caller owns the limiter;
 * keys are copied.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdRateLimit RdRateLimit;

/* @burst >= 1, @per_second > 0, @max_keys >= 1. (transfer full) */
RdRateLimit *rd_rate_limit_new (guint burst, double per_second, guint max_keys);
void rd_rate_limit_free (RdRateLimit *limit);

/* Spends one of @key's tokens at @now_us. TRUE when allowed; FALSE when refused, with
 * *@retry_after_s (may be NULL) set to the whole seconds (>= 1) until a token is back. Refused
 * attempts spend nothing. */
gboolean rd_rate_limit_take (RdRateLimit *limit, const char *key, gint64 now_us,
                             guint *retry_after_s);

/* How many buckets are kept now. */
guint rd_rate_limit_get_size (RdRateLimit *limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdRateLimit, rd_rate_limit_free)

G_END_DECLS
