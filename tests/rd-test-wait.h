/* rd-test-wait.h: WAIT_FOR (cond, timeout_s, "printf format for what was seen", ...): iterates
 * the default main context, waking at least every 10 ms (conditions other threads change), until
 * @cond holds; on timeout fails the test quoting @cond and what was seen. Header only. */
#pragma once

#include <glib.h>

static inline gboolean
rd_test_wait_wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

#define WAIT_FOR(cond, timeout_s, ...)                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 _end = g_get_monotonic_time () + (timeout_s)*G_TIME_SPAN_SECOND;                        \
    guint _wake = g_timeout_add (10, rd_test_wait_wake, NULL);                                     \
    while (!(cond) && g_get_monotonic_time () < _end)                                              \
      g_main_context_iteration (NULL, TRUE);                                                       \
    g_source_remove (_wake);                                                                       \
    if (!(cond))                                                                                   \
      g_error ("timed out after %d s waiting for %s; seen: %s", (int)(timeout_s), #cond,           \
               g_strdup_printf (__VA_ARGS__));                                                     \
  }                                                                                                \
  G_STMT_END
