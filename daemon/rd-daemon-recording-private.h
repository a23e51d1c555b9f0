/* rd-daemon-recording-private.h: what the files of RdSessionRecording share
 * (rd-daemon-recording.c: the recording's life, ledger rows, REC mark and disk watch;
 * rd-daemon-recording-status.c: what it shows). See rd-daemon-recording.h for the contract.
 * Main context only. */
#pragma once

#include "daemon/rd-daemon-recording.h"
#include "media/rd-media-record.h"

G_BEGIN_DECLS

struct _RdSessionRecording
{
  GObject parent;
  RdConfig *config;
  RdLedger *ledger; /* borrowed */
  RdRoom *room;
  RdRecorder *recorder; /* while a session is recorded */
  char *session, *pause_reason, *stopped_why;
  guint tick_id, ticks;
  GArray *waiters;   /* Waiter: called when the recorder has finished */
  gboolean disk_low; /* free space below warn-free-mb */
};

/* The least MiB free of the state dir and of its recordings/ (G_MAXUINT64 when unknown);
 * *@where (may be NULL) the directory it was measured in. (transfer full) */
guint64 rd_session_recording_least_free_mb (RdSessionRecording *rec, char **where);

G_END_DECLS
