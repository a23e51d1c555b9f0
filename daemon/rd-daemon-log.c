/* rd-daemon-log.c: see rd-daemon-log.h. */
#include "daemon/rd-daemon-log.h"

#include <stdio.h>
#include <unistd.h>

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "MESSAGE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

static const char *
field_text (const GLogField *fields, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (fields[i].key, key))
      return fields[i].length < 0 ? fields[i].value : NULL;
  return NULL;
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message, *session, *domain;

  if (g_log_writer_default_would_drop (level, field_text (fields, n_fields, "GLIB_DOMAIN")))
    return G_LOG_WRITER_HANDLED;
  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  message = field_text (fields, n_fields, "MESSAGE");
  session = field_text (fields, n_fields, "RD_SESSION_ID");
  domain = field_text (fields, n_fields, "GLIB_DOMAIN");
  /* Our own domain is implied by the program name; others (GLib, GStreamer) are named. */
  if (g_strcmp0 (domain, "receptiond") == 0)
    domain = NULL;
  fprintf (stderr, "receptiond[%d]: %s%s%s: %s%s%s%s\n", (int)getpid (), domain ? domain : "",
           domain ? "-" : "", level_name (level), session ? "[session " : "",
           session ? session : "", session ? "] " : "", message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
rd_log_install (void)
{
  g_log_set_writer_func (writer, NULL, NULL);
}

void
rd_log_session (GLogLevelFlags level, const char *session_id, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;
  GLogField fields[] = {
    { "GLIB_DOMAIN", "receptiond", -1 },
    { "MESSAGE", NULL, -1 },
    { "RD_SESSION_ID", session_id, -1 },
  };

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  fields[1].value = message;
  g_log_structured_array (level, fields, session_id ? 3 : 2);
}

void
rd_log_checkpoint (JsonNode *checkpoint)
{
  g_autofree char *json = json_to_string (checkpoint, FALSE);
  g_autofree char *message =
      g_strdup_printf ("ledger checkpoint at seq %" G_GINT64_FORMAT " signed: %s",
                       json_object_get_int_member (json_node_get_object (checkpoint), "seq"), json);
  GLogField fields[] = {
    { "GLIB_DOMAIN", "receptiond", -1 },
    { "MESSAGE", message, -1 },
    { "RD_LEDGER_CHECKPOINT", json, -1 },
  };

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
}
