/* rd-console-commands.c: see rd-console-commands.h. */
#include "console/rd-console-commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config/rd-config.h"
#include "console/rd-console-archive.h"
#include "console/rd-console-operators.h"
#include "console/rd-console-book.h"
#include "console/rd-console-print.h"
#include "console/rd-console-time.h"
#include "proto/rd-proto.h"
#include "proto/rd-proto-error.h"

typedef enum
{
  ARG_STRING,
  ARG_TEXT,        /* a string with something in it besides spaces (a reason on the record) */
  ARG_INT,         /* a positive whole number */
  ARG_DURATION,    /* sent as seconds */
  ARG_FLAG,        /* takes no value; sent as true */
  ARG_INT_LIST,    /* one or more whole numbers (--registration 3 4, or repeated); an array */
  ARG_STRING_LIST, /* repeatable text (--representative A --representative B); an array */
  ARG_ATTACHMENT,  /* repeatable "NAME;PAGES;CONDITION"; an array of objects */
  ARG_FILE,        /* a JSON object file whose members fill the params the options left unset */
  ARG_JSON_FILE,   /* a file read here, its JSON object sent as the param */
  ARG_OUTPUT,      /* a file receptionctl writes the result to (its "content", else its JSON) */
  ARG_PATH,        /* a file the daemon reads: sent as an absolute path (relative to here) */
  ARG_DAY,         /* dd/mm/yyyy or yyyy-mm-dd: sent as yyyy-mm-dd (rd-console-time.h) */
  ARG_WHEN,        /* dd/mm/yyyy HH:MM or ISO 8601: sent as ISO, local unless it has a zone */
  ARG_MONTH,       /* mm/yyyy or yyyy-mm: sent as yyyy-mm */
  ARG_PERIOD,      /* a reporting period, of the kind its flag names (--quarter 4/2026) */
} ArgKind;

typedef struct
{
  const char *flag;  /* "--title"; NULL for a positional argument */
  const char *param; /* the params member it fills */
  ArgKind kind;
  gboolean required;
} ArgSpec;

typedef struct
{
  const char *words[3]; /* the command words, e.g. { "session", "start" } */
  const char *method;
  RdConsolePrinter print;
  ArgSpec args[16]; /* positional ones first, in order */
  RdConsoleVerdict verdict;
  guint timeout_s; /* default --timeout for a command that may take long; 0 = global default */
} CommandSpec;

/* The fields of a registration, from options or a JSON file (--file, same member names). */
#define REGISTRATION_ARGS                                                                          \
  { "--name", "name", ARG_STRING, FALSE }, { "--address", "address", ARG_STRING, FALSE },          \
      { "--id-document", "id_document", ARG_STRING, FALSE },                                       \
      { "--contact", "contact", ARG_STRING, FALSE },                                               \
      { "--summary", "summary", ARG_STRING, FALSE },                                               \
      { "--classification", "classification", ARG_STRING, FALSE },                                 \
      { "--people", "people_count", ARG_INT, FALSE },                                              \
      { "--protect", "protection_requested", ARG_FLAG, FALSE },                                    \
      { "--prior-body", "prior_body", ARG_STRING, FALSE },                                         \
      { "--attachment", "attachments", ARG_ATTACHMENT, FALSE },                                    \
      { "--field", "field", ARG_STRING, FALSE }, { "--repeat-of", "repeat_of", ARG_INT, FALSE },   \
      { "--representative", "representatives", ARG_STRING_LIST, FALSE },                           \
  {                                                                                                \
    "--file", "", ARG_FILE, FALSE                                                                  \
  }

/* A printed document about one record ("document refusal 3 --output F.pdf"). */
#define DOCUMENT(kind)                                                                             \
  {                                                                                                \
    { "document", kind }, "document." kind, rd_console_print_document,                             \
    {                                                                                              \
      { NULL, "id", ARG_STRING, TRUE }, { "--reveal", "reveal", ARG_FLAG, FALSE },                 \
          { "--reason", "reason", ARG_STRING, FALSE },                                             \
      {                                                                                            \
        "--output", "", ARG_OUTPUT, TRUE                                                           \
      }                                                                                            \
    }                                                                                              \
  }

static const CommandSpec commands[] = {
  { { "status" }, "status", rd_console_print_status, { { 0 } } },
  { { "session", "start" },
    "session.start",
    rd_console_print_session_id,
    { { NULL, "id", ARG_STRING, FALSE }, { "--title", "title", ARG_STRING, FALSE } } },
  { { "session", "end" },
    "session.end",
    rd_console_print_session_ended,
    { { NULL, "id", ARG_STRING, TRUE }, { "--reason", "reason", ARG_STRING, FALSE } } },
  { { "session", "list" }, "session.list", rd_console_print_session_list, { { 0 } } },
  { { "session", "show" },
    "session.show",
    rd_console_print_session,
    { { NULL, "id", ARG_STRING, TRUE } } },
  { { "session", "invite" },
    "session.invite",
    rd_console_print_invite,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--role", "role", ARG_STRING, TRUE },
      { "--name", "name", ARG_STRING, FALSE },
      { "--expires", "expires_in_s", ARG_DURATION, FALSE } } },
  { { "session", "revoke" },
    "session.revoke",
    rd_console_print_session,
    { { NULL, "id", ARG_STRING, TRUE }, { NULL, "invite_id", ARG_INT, TRUE } } },
  /* Joining a conference hosted elsewhere: answered once the far end has answered (a refusal
   * names the URL and what it said); a 503/409 with Retry-After may be waited out for 30 s. */
  { { "session", "join" },
    "session.join",
    rd_console_print_session_join,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--whip", "whip", ARG_STRING, TRUE },
      { "--token", "token", ARG_STRING, FALSE },
      { "--whep", "whep", ARG_STRING, FALSE },
      { "--whep-token", "whep_token", ARG_STRING, FALSE },
      { "--insecure", "insecure", ARG_FLAG, FALSE },
      { "--ca", "ca", ARG_PATH, FALSE } },
    NULL,
    90 },
  { { "session", "leave" },
    "session.leave",
    rd_console_print_session_left,
    { { NULL, "id", ARG_STRING, TRUE } },
    NULL,
    30 },
  { { "mute" },
    "mute",
    rd_console_print_muted,
    { { NULL, "track", ARG_STRING, FALSE }, { "--party", "party", ARG_STRING, FALSE } } },
  { { "unmute" },
    "unmute",
    rd_console_print_muted,
    { { NULL, "track", ARG_STRING, FALSE }, { "--party", "party", ARG_STRING, FALSE } } },
  { { "layout" }, "layout", rd_console_print_layout, { { NULL, "name", ARG_STRING, TRUE } } },
  /* Re-hashing a long session's files (or downloading them from the archive) takes a while: 10
   * minutes unless --timeout says. */
  { { "recording", "verify" },
    "recording.verify",
    rd_console_print_recording_verify,
    { { NULL, "session", ARG_STRING, TRUE }, { "--full", "full", ARG_FLAG, FALSE } },
    rd_console_recording_verify_verdict,
    600 },
  { { "recording", "pause" },
    "recording.pause",
    rd_console_print_recording_control,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "recording", "resume" },
    "recording.resume",
    rd_console_print_recording_control,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "ledger", "key" }, "ledger.key", rd_console_print_ledger_key, { { 0 } } },
  { { "ledger", "checkpoint" }, "ledger.checkpoint", rd_console_print_checkpoint, { { 0 } } },
  { { "ledger", "checkpoint", "export" },
    "ledger.checkpoint.export",
    rd_console_print_checkpoint_export,
    { { "--output", "output", ARG_OUTPUT, FALSE } } },
  /* Re-hashes every sealed recording of every session: up to an hour unless --timeout says. */
  { { "ledger", "verify" },
    "ledger.verify",
    rd_console_print_verify,
    { { "--checkpoint", "checkpoint", ARG_JSON_FILE, FALSE } },
    NULL,
    3600 },
  /* The recording archive (printers in rd-console-archive.c; `archive check` is offline, in
   * receptionctl.c). Downloading a session's objects again takes a while: 30 minutes. */
  { { "archive", "status" }, "archive.status", rd_console_print_archive_status, { { 0 } } },
  { { "archive", "retry" },
    "archive.retry",
    rd_console_print_archive_status,
    { { NULL, "id", ARG_INT, TRUE } } },
  { { "archive", "verify" },
    "archive.verify",
    rd_console_print_archive_verify,
    { { NULL, "id", ARG_INT, TRUE }, { "--quick", "quick", ARG_FLAG, FALSE } },
    rd_console_archive_verify_verdict,
    1800 },
  { { "archive", "hold" },
    "archive.hold",
    rd_console_print_archive_status,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "archive", "release" },
    "archive.release",
    rd_console_print_archive_status,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  /* The room console's operator accounts (rd-console-operators.c; the password is read after
   * parsing, never from the command line). */
  { { "operator", "add" },
    "operator.add",
    rd_console_print_operator,
    { { NULL, "name", ARG_STRING, TRUE },
      { "--role", "role", ARG_STRING, TRUE },
      { "--password-stdin", "password_stdin", ARG_FLAG, FALSE } } },
  { { "operator", "passwd" },
    "operator.passwd",
    rd_console_print_operator,
    { { NULL, "name", ARG_STRING, TRUE },
      { "--password-stdin", "password_stdin", ARG_FLAG, FALSE } } },
  { { "operator", "disable" },
    "operator.disable",
    rd_console_print_operator,
    { { NULL, "name", ARG_STRING, TRUE } } },
  { { "operator", "list" }, "operator.list", rd_console_print_operators, { { 0 } } },
  /* The reception book (printers in rd-console-book.c). */
  { { "registration", "add" },
    "registration.add",
    rd_console_print_registration,
    { REGISTRATION_ARGS } },
  { { "registration", "update" },
    "registration.update",
    rd_console_print_registration,
    { { NULL, "id", ARG_INT, TRUE }, REGISTRATION_ARGS } },
  { { "registration", "show" },
    "registration.show",
    rd_console_print_registration,
    { { NULL, "id", ARG_INT, TRUE },
      { "--reveal", "reveal", ARG_FLAG, FALSE },
      { "--reason", "reason", ARG_STRING, FALSE } } },
  { { "registration", "list" },
    "registration.list",
    rd_console_print_registration_list,
    { { 0 } } },
  { { "session", "schedule" },
    "session.schedule",
    rd_console_print_schedule,
    { { "--at", "at", ARG_WHEN, TRUE },
      { "--registration", "registrations", ARG_INT_LIST, TRUE },
      { "--title", "title", ARG_STRING, FALSE } } },
  { { "session", "presiding" },
    "session.presiding",
    rd_console_print_bridge,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--name", "name", ARG_STRING, TRUE },
      { "--position", "position", ARG_STRING, FALSE } } },
  { { "session", "bridge-point" },
    "session.bridge-point",
    rd_console_print_bridge,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--name", "name", ARG_STRING, TRUE },
      { "--kind", "kind", ARG_STRING, TRUE },
      { "--invite", "invite_id", ARG_INT, FALSE } } },
  { { "session", "attendee" },
    "session.attendee",
    rd_console_print_bridge,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--at", "bridge_point", ARG_STRING, TRUE },
      { "--name", "name", ARG_STRING, TRUE },
      { "--position", "position", ARG_STRING, FALSE } } },
  { { "session", "reschedule" },
    "session.reschedule",
    rd_console_print_schedule,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--at", "at", ARG_WHEN, TRUE },
      { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "session", "duty-done" },
    "session.duty-done",
    rd_console_print_session_duties,
    { { NULL, "id", ARG_STRING, TRUE },
      { NULL, "duty", ARG_STRING, TRUE },
      { "--note", "note", ARG_STRING, FALSE } } },
  { { "session", "cancel" },
    "session.cancel",
    rd_console_print_session,
    { { NULL, "id", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "reception", "add" },
    "reception.add",
    rd_console_print_reception,
    { { "--registration", "registration_id", ARG_INT, FALSE },
      { "--session", "session_id", ARG_STRING, FALSE },
      { "--date", "reception_date", ARG_DAY, FALSE },
      { "--content", "content", ARG_STRING, FALSE },
      { "--handling", "handling", ARG_STRING, FALSE },
      { "--body", "handling_body", ARG_STRING, FALSE },
      { "--document", "document_number", ARG_STRING, FALSE },
      { "--legal-basis", "legal_basis", ARG_STRING, FALSE },
      { "--refusal-reason", "refusal_reason", ARG_STRING, FALSE },
      { "--officer", "officer", ARG_STRING, FALSE },
      { "--confirmation", "confirmation", ARG_STRING, FALSE },
      { "--notes", "notes", ARG_STRING, FALSE },
      { "--presiding", "presiding_officer", ARG_STRING, FALSE },
      { "--file", "", ARG_FILE, FALSE } } },
  { { "reception", "show" },
    "reception.show",
    rd_console_print_reception,
    { { NULL, "id", ARG_INT, TRUE } } },
  { { "reception", "list" },
    "reception.list",
    rd_console_print_reception_list,
    { { "--from", "from", ARG_DAY, FALSE }, { "--to", "to", ARG_DAY, FALSE } } },
  { { "conclusion", "add" },
    "conclusion.add",
    rd_console_print_conclusion,
    { { NULL, "session", ARG_STRING, TRUE },
      { "--text", "text", ARG_STRING, TRUE },
      { "--assignee", "assignee", ARG_STRING, TRUE },
      { "--due", "due", ARG_DAY, TRUE },
      { "--registration", "registration_id", ARG_INT, FALSE } } },
  { { "conclusion", "list" },
    "conclusion.list",
    rd_console_print_conclusion_list,
    { { NULL, "session", ARG_STRING, FALSE } } },
  { { "followup", "update" },
    "followup.update",
    rd_console_print_conclusion,
    { { NULL, "id", ARG_INT, TRUE },
      { "--progress", "progress", ARG_STRING, TRUE },
      { "--outcome", "outcome", ARG_STRING, FALSE } } },
  { { "followup", "overdue" },
    "followup.overdue",
    rd_console_print_overdue,
    { { "--as-of", "as_of", ARG_DAY, FALSE } } },
  { { "book", "export" },
    "book.export",
    rd_console_print_book,
    { { "--from", "from", ARG_DAY, TRUE },
      { "--to", "to", ARG_DAY, TRUE },
      { "--format", "format", ARG_STRING, FALSE },
      { "--separator", "separator", ARG_STRING, FALSE },
      { "--reveal", "reveal", ARG_FLAG, FALSE },
      { "--reason", "reason", ARG_STRING, FALSE },
      { "--for-transfer", "for_transfer", ARG_FLAG, FALSE },
      { "--output", "", ARG_OUTPUT, FALSE } } },
  /* The printed documents, as PDF (rd-console-documents.h); --output is required. */
  DOCUMENT ("refusal"),
  DOCUMENT ("receipt"),
  DOCUMENT ("record"),
  DOCUMENT ("conclusions"),
  /* One period, checked in set_value() (rd-console-time.h, rd-ledger-book.h). */
  { { "report" },
    "report",
    rd_console_print_report,
    { { "--month", "month", ARG_MONTH, FALSE },
      { "--quarter", "period", ARG_PERIOD, FALSE },
      { "--half", "period", ARG_PERIOD, FALSE },
      { "--nine-months", "period", ARG_PERIOD, FALSE },
      { "--year", "period", ARG_PERIOD, FALSE },
      { "--format", "format", ARG_STRING, FALSE },
      { "--output", "", ARG_OUTPUT, FALSE } } },
};

static const char usage_text[] =
    "usage: receptionctl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS] COMMAND\n"
    "\n"
    "commands:\n"
    "  status                          the daemon, devices, listener, ledger, disk, sessions,\n"
    "                                  parties\n"
    "  session start [ID] [--title T]  start a session now (or scheduled session ID); prints\n"
    "                                  its id\n"
    "  session end ID [--reason R]     end a live session (its parties are disconnected)\n"
    "  session list                    every session, newest first; the timing duties of those\n"
    "                                  still scheduled, and which are late\n"
    "  session show ID                 one session: parties, invites, recordings, events\n"
    "  session invite ID --role board|agency|citizen [--name NAME] [--expires 2h]\n"
    "                                  a bearer token for one remote party, with its WHIP and\n"
    "                                  join URLs (expires: 90s, 30m, 2h, 1d; default 4h); --name\n"
    "                                  for a board or agency only: a citizen is \"citizen N\"\n"
    "  session revoke ID INVITE-ID     revoke an invite; its parties are disconnected\n"
    "  session join ID --whip URL [--token T] [--whep URL [--whep-token T]] [--insecure]\n"
    "      [--ca FILE]                 join a conference hosted elsewhere: publish the room to\n"
    "                                  the WHIP endpoint, play (and record) the WHEP stream;\n"
    "                                  TLS: the system CAs, or only --ca FILE (PEM); --insecure\n"
    "                                  accepts any certificate\n"
    "  session leave ID                leave the conferences joined (DELETE each resource)\n"
    "  mute [mic|camera]               send silence / black to every party (both if omitted)\n"
    "  mute [mic|camera] --party ID    take a party's voice out of every mix / black its tile\n"
    "  unmute [mic|camera] [--party ID]  undo mute\n"
    "  layout auto|room|grid|speaker   what the parties and the display see\n"
    "  recording verify ID [--full]    re-hash the session's recording files and compare them\n"
    "                                  with the ledger; exit 1 naming the first bad segment.\n"
    "                                  Files deleted after archiving (keep-local-days) are\n"
    "                                  checked in the archive: HEAD, size and ETag (--full:\n"
    "                                  downloaded and re-hashed)\n"
    "  recording pause ID --reason TEXT\n"
    "                                  stop recording the live session, on the record (who,\n"
    "                                  when, why); the paused span is a gap, never silence\n"
    "  recording resume ID --reason TEXT\n"
    "                                  record again\n"
    "  ledger key                      the room's Ed25519 public key (hex and PEM)\n"
    "  ledger checkpoint               sign the ledger's hash chain head now\n"
    "  ledger checkpoint export [--output FILE]\n"
    "                                  the latest signed head as JSON, to hand to the city board\n"
    "  ledger verify [--checkpoint FILE]\n"
    "                                  recompute the hash chain, check every row, signature and\n"
    "                                  sealed recording (and that an exported head is still in "
    "the\n"
    "                                  chain); exits 1 naming the first bad entry\n"
    "  archive status                  the archive's backlog and every job (state, attempts,\n"
    "                                  bytes uploaded, last error)\n"
    "  archive retry JOB               queue a failed (or waiting) job again now\n"
    "  archive verify JOB [--quick]    download every object again and compare its SHA-256\n"
    "                                  with the ledger (--quick: HEAD, size and ETag); exit 1\n"
    "                                  naming the first mismatch\n"
    "  archive hold SESSION --reason R keep the session's local files whatever keep-local-days\n"
    "                                  says (a legal hold, on the record)\n"
    "  archive release SESSION --reason R\n"
    "                                  end the hold (on the record)\n"
    "  operator add NAME --role technician|officer|supervisor [--password-stdin]\n"
    "                                  an account of the room console (supervisor; the\n"
    "                                  password asked twice, or one line of stdin)\n"
    "  operator passwd NAME [--password-stdin]\n"
    "                                  a new password\n"
    "  operator disable NAME           for good; its console sessions end\n"
    "  operator list                   every account, disabled ones too\n"
    "  archive check DIR [--public-key HEX]\n"
    "                                  offline, no daemon: check an archive package (manifest\n"
    "                                  signature, ledger entries and checkpoint, every file's\n"
    "                                  size and SHA-256); exit 1 naming the first problem\n"
    "\n"
    "the reception book (Sổ tiếp công dân, Mẫu 03/TCD):\n"
    "  registration add [--file F.json] --name N --summary S --classification K\n"
    "      [--address A] [--id-document D] [--contact C] [--people N] [--protect]\n"
    "      [--prior-body B] [--attachment 'NAME;PAGES;CONDITION']... [--field LĨNH-VỰC]\n"
    "      [--repeat-of ID] [--representative NAME]...\n"
    "                                  --people N with --representative: a group (đoàn đông\n"
    "                                  người); --repeat-of: the earlier registration of the\n"
    "                                  same matter\n"
    "                                  K: khiếu nại|tố cáo|kiến nghị|phản ánh (or complaint|\n"
    "                                  denunciation|petition|feedback, khieu-nai|to-cao|...)\n"
    "  registration update ID [same options]   a new revision; the old one is kept\n"
    "  registration show ID [--reveal --reason R]   identity of a protected one only with a\n"
    "                                  reason; each reveal is recorded\n"
    "  registration list\n"
    "  session schedule --at '07/12/2026 08:30' --registration ID... [--title T]\n"
    "                                  the time is the room's ([room] timezone); warns when the\n"
    "                                  session falls on a day off (named) or a timing duty\n"
    "                                  cannot be met (duties count working days: weekends,\n"
    "                                  public holidays, Tết, the [calendar] file)\n"
    "  session reschedule ID --at TIME --reason R   move a scheduled session, on the record\n"
    "  session cancel ID --reason R    cancel a scheduled session, on the record\n"
    "  session presiding ID --name N [--position P]   who presided (người chủ trì), once\n"
    "  session bridge-point ID --name N --kind central|component [--invite INVITE-ID]\n"
    "                                  a bridge point (điểm cầu); parties of the invite are\n"
    "                                  shown under it in session show\n"
    "  session attendee ID --at POINT --name N [--position P]   who attended at a point\n"
    "  session duty-done ID notify-citizen|test-link [--note N]\n"
    "                                  a timing duty done (until the session is moved)\n"
    "  reception add --registration ID [--session S] --content T --handling\n"
    "      competent|guided|transferred|refused [--body B --document N] [--legal-basis L\n"
    "      --refusal-reason R] --officer O --confirmation signature|fingerprint|verbal|declined\n"
    "      [--date DATE] [--notes N] [--presiding P] [--file F.json]\n"
    "  reception show ID | reception list [--from DATE] [--to DATE]\n"
    "  conclusion add SESSION --text T --assignee A --due DATE [--registration ID]\n"
    "  conclusion list [SESSION]\n"
    "  followup update ID --progress T [--outcome T]   an outcome closes it\n"
    "  followup overdue [--as-of DATE] late conclusions, petitions older than 45 days\n"
    "  book export --from DATE --to DATE [--format csv|json|xlsx|pdf] [--separator ';']\n"
    "      [--reveal --reason R] [--for-transfer] [--output FILE]   Mẫu 03/TCD; xlsx and pdf\n"
    "                                  need --output; --separator ';' for Excel with Vietnamese\n"
    "                                  settings; --for-transfer never holds a protected identity\n"
    "  report --month MM/YYYY | --quarter Q/YYYY | --half 1|2/YYYY | --nine-months YYYY |\n"
    "      --year YYYY [--format xlsx|pdf --output FILE]\n"
    "                                  the report of reception work (TT 02/2021/TT-TTCP) for\n"
    "                                  a month, quarter, six months (1: Jan-Jun, 2: Jul-Dec),\n"
    "                                  nine months (Jan-Sep) or year; counts as recorded\n"
    "  document refusal RECEPTION-ID --output F.pdf   the refusal notice of a refused reception\n"
    "  document receipt REGISTRATION-ID --output F.pdf   the receipt of its documents\n"
    "  document record SESSION-ID --output F.pdf   the session record (biên bản)\n"
    "  document conclusions SESSION-ID --output F.pdf   the notice of its conclusions\n"
    "      [--reveal --reason R]       a protected identity only with a reason (supervisor)\n"
    "\n"
    "Dates are typed dd/mm/yyyy (or yyyy-mm-dd), times dd/mm/yyyy HH:MM (or ISO 8601), in the\n"
    "room's time zone; they are shown the same way.\n"
    "\n"
    "Without --socket, the socket is read from the configuration receptiond uses\n"
    "(--config FILE, else " RD_CONFIG_SYSTEM_PATH " if it exists, else the embedded default).\n"
    "--json prints the daemon's result as JSON for scripts.\n"
    "Each command needs a console role ([control] technicians, officers, supervisors in\n"
    "the daemon's configuration; only a supervisor may --reveal); status shows yours.\n";

const char *
rd_console_usage (void)
{
  return usage_text;
}

int
rd_console_usage_error (const char *format, ...)
{
  va_list ap;

  fputs ("receptionctl: ", stderr);
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  fputs ("\n\n", stderr);
  fputs (usage_text, stderr);
  return EX_USAGE;
}

/* "90", "90s", "30m", "2h", "1d" -> seconds; FALSE when not a duration. */
static gboolean
parse_duration (const char *text, gint64 *seconds)
{
  static const struct
  {
    char unit;
    gint64 factor;
  } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
  g_autofree char *number = g_strdup (text);
  gsize len = strlen (number);
  gint64 factor = 1;
  guint64 n;

  if (len > 1 && g_ascii_isalpha (number[len - 1]))
    {
      gboolean known = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
        if (number[len - 1] == units[i].unit)
          {
            factor = units[i].factor;
            known = TRUE;
          }
      if (!known)
        return FALSE;
      number[len - 1] = '\0';
    }
  if (!g_ascii_string_to_unsigned (number, 10, 1, G_MAXINT32, &n, NULL))
    return FALSE;
  *seconds = (gint64)n * factor;
  return TRUE;
}

static guint
n_words (const CommandSpec *c)
{
  guint n = 0;
  while (n < G_N_ELEMENTS (c->words) && c->words[n])
    n++;
  return n;
}

static const char *
command_name (const CommandSpec *c)
{
  static char name[96];
  g_snprintf (name, sizeof name, "%s%s%s%s%s", c->words[0], c->words[1] ? " " : "",
              c->words[1] ? c->words[1] : "", c->words[2] ? " " : "",
              c->words[2] ? c->words[2] : "");
  return name;
}

/* json_parser_load_from_file(), refusing a text that escapes a NUL (rd_proto_check_no_nul). */
static gboolean
load_json (JsonParser *parser, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  return g_file_get_contents (path, &text, &length, error) &&
         rd_proto_check_no_nul (text, length, error) &&
         json_parser_load_from_data (parser, text, (gssize)length, error);
}

/* Reads @path as a JSON object into member @spec->param of @params; 0, or an exit code with
 * the reason printed. */
static int
set_json_file (const CommandSpec *c, const ArgSpec *spec, JsonObject *params, const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  if (!load_json (parser, path, &error))
    {
      fprintf (stderr, "receptionctl: %s %s: %s\n", command_name (c), spec->flag, error->message);
      return error->domain == G_FILE_ERROR ? EX_NOINPUT : EX_DATAERR;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fprintf (stderr, "receptionctl: %s %s: %s is not a JSON object\n", command_name (c),
               spec->flag, path);
      return EX_DATAERR;
    }
  json_object_set_member (params, spec->param, json_node_copy (root));
  return 0;
}

/* "NAME;PAGES;CONDITION" (pages and condition may be empty) -> {name, pages, condition}. */
static gboolean
add_attachment (JsonObject *params, const char *param, const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, ";", -1);
  JsonObject *item;
  JsonNode *list = json_object_get_member (params, param);
  guint64 pages = 0;

  if (g_strv_length (parts) != 3 || !*g_strstrip (parts[0]) ||
      (*g_strstrip (parts[1]) &&
       !g_ascii_string_to_unsigned (parts[1], 10, 1, 100000, &pages, NULL)))
    return FALSE;
  item = json_object_new ();
  json_object_set_string_member (item, "name", parts[0]);
  if (pages)
    json_object_set_int_member (item, "pages", (gint64)pages);
  if (*g_strstrip (parts[2]))
    json_object_set_string_member (item, "condition", parts[2]);
  if (!list)
    {
      json_object_set_array_member (params, param, json_array_new ());
      list = json_object_get_member (params, param);
    }
  json_array_add_object_element (json_node_get_array (list), item);
  return TRUE;
}

/* Sets @spec's member of @params from @value; FALSE (usage printed) when the form is wrong. */
static gboolean
set_value (const CommandSpec *c, const ArgSpec *spec, JsonObject *params, const char *value)
{
  gint64 number;
  guint64 u;
  const char *form = "number";

  switch (spec->kind)
    {
    case ARG_JSON_FILE: /* handled by set_json_file() */
      return FALSE;
    case ARG_STRING:
      json_object_set_string_member (params, spec->param, value);
      return TRUE;
    case ARG_PATH:
      {
        g_autofree char *abs = g_canonicalize_filename (value, NULL);
        json_object_set_string_member (params, spec->param, abs);
        return TRUE;
      }
    case ARG_TEXT:
      {
        g_autofree char *stripped = g_strstrip (g_strdup (value));

        if (*stripped == '\0')
          {
            rd_console_usage_error ("%s: %s needs a value that is not only spaces",
                                    command_name (c), spec->flag ? spec->flag : spec->param);
            return FALSE;
          }
        json_object_set_string_member (params, spec->param, stripped);
        return TRUE;
      }
    case ARG_INT:
      if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT64, &u, NULL))
        break;
      json_object_set_int_member (params, spec->param, (gint64)u);
      return TRUE;
    case ARG_STRING_LIST:
      if (!json_object_has_member (params, spec->param))
        json_object_set_array_member (params, spec->param, json_array_new ());
      json_array_add_string_element (json_object_get_array_member (params, spec->param), value);
      return TRUE;
    case ARG_INT_LIST:
      if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT64, &u, NULL))
        break;
      if (!json_object_has_member (params, spec->param))
        json_object_set_array_member (params, spec->param, json_array_new ());
      json_array_add_int_element (json_object_get_array_member (params, spec->param), (gint64)u);
      return TRUE;
    case ARG_DURATION:
      form = "duration (90s, 30m, 2h, 1d)";
      if (!parse_duration (value, &number))
        break;
      json_object_set_int_member (params, spec->param, number);
      return TRUE;
    case ARG_ATTACHMENT:
      form = "attachment NAME;PAGES;CONDITION (e.g. 'Đơn tố cáo;3;bản gốc')";
      if (!add_attachment (params, spec->param, value))
        break;
      return TRUE;
    case ARG_PERIOD:
    case ARG_DAY:
    case ARG_WHEN:
    case ARG_MONTH:
      {
        if ((spec->kind == ARG_PERIOD || spec->kind == ARG_MONTH) &&
            (json_object_has_member (params, "period") || json_object_has_member (params, "month")))
          {
            rd_console_usage_error ("%s: give one period (--month, --quarter, --half, "
                                    "--nine-months or --year)",
                                    command_name (c));
            return FALSE;
          }
        if (spec->kind == ARG_PERIOD)
          {
            g_autofree char *period = rd_console_time_parse_period (spec->flag + 2, value);

            form = g_str_equal (spec->flag, "--quarter") ? "quarter (4/2026, IV/2026 or 2026-Q4)"
                   : g_str_equal (spec->flag, "--half")  ? "half year (1/2026 or 2/2026)"
                                                         : "year (2026)";
            if (period == NULL)
              break;
            json_object_set_string_member (params, spec->param, period);
            return TRUE;
          }
      }
      {
        g_autofree char *iso = spec->kind == ARG_DAY    ? rd_console_time_parse_day (value)
                               : spec->kind == ARG_WHEN ? rd_console_time_parse_when (value)
                                                        : rd_console_time_parse_month (value);

        form = spec->kind == ARG_DAY    ? "day (05/12/2026 or 2026-12-05)"
               : spec->kind == ARG_WHEN ? "time (04/01/2027 08:30 or 2027-01-04T08:30)"
                                        : "month (12/2026 or 2026-12)";
        if (iso == NULL)
          break;
        json_object_set_string_member (params, spec->param, iso);
        return TRUE;
      }
    case ARG_FLAG:
    case ARG_FILE:
    case ARG_OUTPUT:
      break;
    }
  rd_console_usage_error ("%s: '%s' is not a valid %s", command_name (c), value, form);
  return FALSE;
}

/* The positional parameter that names a session ("id" for session commands, "session" for
 * recording commands). */
static gboolean
is_session (const char *param)
{
  return g_str_equal (param, "id") || g_str_equal (param, "session");
}

/* Fills the members of @params not set by options from the JSON object in @path. Returns 0, or
 * 65 (EX_DATAERR) with the problem said when the file cannot be read or is not a JSON object. */
static int
merge_file (const CommandSpec *c, const char *path, JsonObject *params)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  g_autoptr (GList) members = NULL;

  if (!load_json (parser, path, &error))
    {
      fprintf (stderr, "receptionctl: %s: --file %s: %s\n", command_name (c), path,
               error->domain == G_FILE_ERROR     ? "cannot be read"
               : error->domain == RD_PROTO_ERROR ? "refused"
                                                 : "not JSON");
      fprintf (stderr, "receptionctl: %s\n", error->message);
      return EX_DATAERR;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fprintf (stderr, "receptionctl: %s: --file %s: not a JSON object {\"field\": value, ...}\n",
               command_name (c), path);
      return EX_DATAERR;
    }
  members = json_object_get_members (json_node_get_object (root));
  for (GList *l = members; l; l = l->next)
    if (!json_object_has_member (params, l->data))
      json_object_set_member (
          params, l->data,
          json_node_copy (json_object_get_member (json_node_get_object (root), l->data)));
  return 0;
}

static int
parse_args (const CommandSpec *c, int argc, char **argv, JsonObject *params, const char **output)
{
  guint next_positional = 0;
  const char *file = NULL;

  for (int i = 0; i < argc; i++)
    {
      const ArgSpec *spec = NULL;
      const char *value = NULL;

      if (argv[i][0] == '-' && argv[i][1] != '\0')
        {
          const char *eq = strchr (argv[i], '=');
          gsize flag_len = eq ? (gsize)(eq - argv[i]) : strlen (argv[i]);
          for (const ArgSpec *a = c->args; a->param; a++)
            if (a->flag && strlen (a->flag) == flag_len && !strncmp (a->flag, argv[i], flag_len))
              spec = a;
          if (!spec)
            return rd_console_usage_error ("%s: unknown option '%s'", command_name (c), argv[i]);
          if (spec->kind == ARG_FLAG)
            {
              if (eq)
                return rd_console_usage_error ("%s: %s takes no value", command_name (c),
                                               spec->flag);
              json_object_set_boolean_member (params, spec->param, TRUE);
              continue;
            }
          value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
          if (!value || !*value)
            return rd_console_usage_error ("%s: %s needs a value", command_name (c), spec->flag);
          if (spec->kind == ARG_FILE || spec->kind == ARG_OUTPUT)
            {
              *(spec->kind == ARG_FILE ? &file : output) = value;
              continue;
            }
        }
      else
        {
          guint k = 0;
          for (const ArgSpec *a = c->args; a->param; a++)
            if (!a->flag && k++ == next_positional)
              spec = a;
          if (!spec)
            return rd_console_usage_error ("%s: unexpected argument '%s'", command_name (c),
                                           argv[i]);
          next_positional++;
          value = argv[i];
        }
      if (spec->kind == ARG_JSON_FILE)
        {
          int rc = set_json_file (c, spec, params, value);
          if (rc != 0)
            return rc;
        }
      else if (!set_value (c, spec, params, value))
        return EX_USAGE;
      /* --registration 3 4 5: the numbers that follow belong to it. */
      while (spec->kind == ARG_INT_LIST && i + 1 < argc && argv[i + 1][0] != '-')
        if (!set_value (c, spec, params, argv[++i]))
          return EX_USAGE;
    }
  if (file)
    {
      int rc = merge_file (c, file, params);
      if (rc != 0)
        return rc;
    }
  for (const ArgSpec *a = c->args; a->param; a++)
    if (a->required && a->kind != ARG_OUTPUT && !json_object_has_member (params, a->param))
      return a->flag ? rd_console_usage_error ("%s needs %s", command_name (c), a->flag)
             : is_session (a->param) &&
                     (g_str_equal (a->param, "session") || g_str_equal (c->words[0], "session"))
                 ? rd_console_usage_error ("%s needs a session id", command_name (c))
             : g_str_equal (a->param, "id")
                 ? rd_console_usage_error ("%s needs an id", command_name (c))
                 : rd_console_usage_error ("%s needs a%s %s", command_name (c),
                                           strchr ("aeiou", a->param[0]) ? "n" : "", a->param);
  return 0;
}

int
rd_console_parse (int argc, char **argv, RdConsoleCall *call)
{
  const CommandSpec *best = NULL;
  guint best_words = 0;
  g_autoptr (JsonObject) params = NULL;
  int rc;

  if (argc == 0)
    return rd_console_usage_error ("no command given");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      guint n = n_words (&commands[i]);
      gboolean match = (guint)argc >= n;
      for (guint w = 0; match && w < n; w++)
        match = g_str_equal (argv[w], commands[i].words[w]);
      if (match && n > best_words)
        {
          best = &commands[i];
          best_words = n;
        }
    }
  if (!best)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
        if (commands[i].words[1] && g_str_equal (argv[0], commands[i].words[0]))
          return argc > 1 ? rd_console_usage_error ("unknown command '%s %s'", argv[0], argv[1])
                          : rd_console_usage_error ("'%s' needs a subcommand", argv[0]);
      return rd_console_usage_error ("unknown command '%s'", argv[0]);
    }
  params = json_object_new ();
  rc = parse_args (best, argc - (int)best_words, argv + best_words, params, &call->output);
  if (rc != 0)
    return rc;
  if ((g_str_equal (best->method, "book.export") || g_str_equal (best->method, "report")) &&
      call->output == NULL)
    {
      const char *format = json_object_get_string_member_with_default (params, "format", "");

      if (g_str_equal (format, "xlsx") || g_str_equal (format, "pdf"))
        return rd_console_usage_error ("%s --format %s needs --output FILE", command_name (best),
                                       format);
    }
  if (g_str_has_prefix (best->method, "document.") && call->output == NULL)
    return rd_console_usage_error ("%s needs --output FILE.pdf", command_name (best));
  if (g_str_equal (best->method, "report") && !json_object_has_member (params, "month") &&
      !json_object_has_member (params, "period"))
    return rd_console_usage_error ("report needs --month, --quarter, --half, --nine-months or "
                                   "--year");
  call->method = best->method;
  call->print = best->print;
  call->verdict = best->verdict;
  call->timeout_s = best->timeout_s;
  call->params =
      json_object_get_size (params) ? json_node_init_object (json_node_alloc (), params) : NULL;
  return 0;
}
