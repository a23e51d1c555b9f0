/* rd-ledger-schema.c: the ledger's schema, its forward migrations, and the checks that decide
 * whether an existing file may be opened for writing at all. See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <errno.h>
#include <glib/gstdio.h>

/* A time as the ledger writes it ("2026-11-28T01:34:41.123456Z"), for CHECK constraints. */
#define TIME_GLOB                                                                                  \
  "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"                   \
  ".[0-9][0-9][0-9][0-9][0-9][0-9]Z'"

/* 6 -> 7: faithful book rows, groups, fields and bridge points (rd-ledger-book.h). Only
 * nullable columns are added to existing tables, so no existing row's chained content changes
 * (NULL columns are left out of it): the step adds no "migrate" entry and rewrites nothing.
 * - receptions: the registration revision the record was made on (NULL in records made before
 *   this version: the export says so), and the presiding officer of that reception;
 * - registrations and their history: lĩnh vực (field), the earlier registration of a repeated
 *   matter, and the representatives of a group (a JSON array of names, kept sealed like the
 *   identity when the registration is protected);
 * - who presided over a session, its bridge points (one central, any number of component
 *   ones, each possibly tied to the invite its party connects with) and who attended at each.
 * Triggers keep the new history columns as written and every new table append-only. */
static const char migration_to_7[] =
    "ALTER TABLE receptions ADD COLUMN registration_revision INTEGER"
    "  CHECK (registration_revision IS NULL OR registration_revision >= 1);"
    "ALTER TABLE receptions ADD COLUMN presiding_officer TEXT;"
    "ALTER TABLE registrations ADD COLUMN field TEXT;"
    "ALTER TABLE registrations ADD COLUMN repeat_of INTEGER REFERENCES registrations (id);"
    "ALTER TABLE registrations ADD COLUMN representatives TEXT;"
    "ALTER TABLE registration_history ADD COLUMN field TEXT;"
    "ALTER TABLE registration_history ADD COLUMN repeat_of INTEGER;"
    "ALTER TABLE registration_history ADD COLUMN representatives TEXT;"
    "CREATE TABLE session_presiding ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id TEXT NOT NULL UNIQUE REFERENCES sessions (id),"
    "  name TEXT NOT NULL,"
    "  position TEXT,"
    "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
    "  created_by TEXT NOT NULL"
    ");"
    "CREATE TABLE bridge_points ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id TEXT NOT NULL REFERENCES sessions (id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('central', 'component')),"
    "  name TEXT NOT NULL,"
    "  invite_id INTEGER REFERENCES invites (id),"
    "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
    "  created_by TEXT NOT NULL,"
    "  UNIQUE (session_id, name)"
    ");"
    "CREATE UNIQUE INDEX bridge_points_one_central ON bridge_points (session_id)"
    "  WHERE kind = 'central';"
    "CREATE TABLE bridge_point_attendees ("
    "  id INTEGER PRIMARY KEY,"
    "  bridge_point_id INTEGER NOT NULL REFERENCES bridge_points (id),"
    "  name TEXT NOT NULL,"
    "  position TEXT,"
    "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
    "  created_by TEXT NOT NULL"
    ");"
    "CREATE INDEX bridge_point_attendees_point ON bridge_point_attendees (bridge_point_id, id);"
    /* A protected registration keeps its representatives only sealed ("v1:..."), as its identity.
     */
    "CREATE TRIGGER registrations_representatives_sealed BEFORE INSERT ON registrations"
    "  WHEN NEW.protected = 1 AND NEW.representatives IS NOT NULL"
    "    AND NEW.representatives NOT GLOB 'v1:*' BEGIN"
    "  SELECT RAISE (ABORT, 'a protected registration keeps its representatives only sealed');"
    "END;"
    "CREATE TRIGGER registrations_representatives_sealed_update BEFORE UPDATE ON registrations"
    "  WHEN NEW.protected = 1 AND NEW.representatives IS NOT NULL"
    "    AND NEW.representatives NOT GLOB 'v1:*' BEGIN"
    "  SELECT RAISE (ABORT, 'a protected registration keeps its representatives only sealed');"
    "END;"
    /* The new history columns change only by sealing the representatives kept in clear. */
    "CREATE TRIGGER registration_history_fields_kept BEFORE UPDATE ON registration_history"
    "  WHEN NOT (NEW.field IS OLD.field AND NEW.repeat_of IS OLD.repeat_of"
    "    AND (NEW.representatives IS OLD.representatives"
    "      OR (OLD.representatives NOT GLOB 'v1:*' AND NEW.representatives GLOB 'v1:*'))) BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: registration history only accepts "
    "sealing identity fields');"
    "END;"
    "CREATE TRIGGER session_presiding_no_update BEFORE UPDATE ON session_presiding BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: a session''s presiding officer cannot be "
    "changed');"
    "END;"
    "CREATE TRIGGER session_presiding_no_delete BEFORE DELETE ON session_presiding BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: a session''s presiding officer cannot be "
    "deleted');"
    "END;"
    "CREATE TRIGGER bridge_points_no_update BEFORE UPDATE ON bridge_points BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: bridge points cannot be changed');"
    "END;"
    "CREATE TRIGGER bridge_points_no_delete BEFORE DELETE ON bridge_points BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: bridge points cannot be deleted');"
    "END;"
    "CREATE TRIGGER bridge_point_attendees_no_update BEFORE UPDATE ON bridge_point_attendees BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: attendees cannot be changed');"
    "END;"
    "CREATE TRIGGER bridge_point_attendees_no_delete BEFORE DELETE ON bridge_point_attendees BEGIN"
    "  SELECT RAISE (ABORT, 'the ledger is append-only: attendees cannot be deleted');"
    "END;";

/* 7 -> 8: the recording archive's queue (rd-ledger-archive.h): one job per sealed session, one
 * object per file of its package; the upload id and parts of a multipart upload are kept, so a
 * restart resumes it. Rows are never deleted; an archived job never changes again. */
#define RD_LEDGER_MIGRATION_ARCHIVE_JOBS                                                           \
  "CREATE TABLE archive_jobs ("                                                                    \
  "  id INTEGER PRIMARY KEY,"                                                                      \
  "  session_id TEXT NOT NULL UNIQUE REFERENCES sessions (id),"                                    \
  "  state TEXT NOT NULL CHECK (state IN ('queued', 'archived', 'failed')),"                       \
  "  attempts INTEGER NOT NULL CHECK (attempts >= 0),"                                             \
  "  next_at TEXT,"                                                                                \
  "  last_error TEXT,"                                                                             \
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"                              \
  "  archived_at TEXT"                                                                             \
  ");"                                                                                             \
  "CREATE TABLE archive_objects ("                                                                 \
  "  id INTEGER PRIMARY KEY,"                                                                      \
  "  job_id INTEGER NOT NULL REFERENCES archive_jobs (id),"                                        \
  "  name TEXT NOT NULL,"                                                                          \
  "  object_key TEXT NOT NULL,"                                                                    \
  "  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),"                                         \
  "  sha256 TEXT NOT NULL,"                                                                        \
  "  upload_id TEXT,"                                                                              \
  "  parts TEXT CHECK (parts IS NULL OR json_valid (parts)),"                                      \
  "  etag TEXT,"                                                                                   \
  "  UNIQUE (job_id, name)"                                                                        \
  ");"                                                                                             \
  "CREATE TRIGGER archive_jobs_no_delete BEFORE DELETE ON archive_jobs BEGIN"                      \
  "  SELECT RAISE (ABORT, 'the ledger is append-only: archive jobs cannot be deleted');"           \
  "END;"                                                                                           \
  "CREATE TRIGGER archive_objects_no_delete BEFORE DELETE ON archive_objects BEGIN"                \
  "  SELECT RAISE (ABORT, 'the ledger is append-only: archive objects cannot be deleted');"        \
  "END;"                                                                                           \
  "CREATE TRIGGER archive_jobs_archived BEFORE UPDATE ON archive_jobs"                             \
  "  WHEN OLD.state = 'archived' BEGIN"                                                            \
  "  SELECT RAISE (ABORT, 'the ledger is append-only: an archived job does not change');"          \
  "END;"

/* 8 -> 9: the console's operator accounts (rd-ledger-operators.h): one row per operator, the
 * password kept only as its scrypt hash with the salt and cost it was made with. Rows are never
 * deleted; the name, role and creation never change; a disabled operator stays disabled. */
#define RD_LEDGER_MIGRATION_OPERATORS                                                              \
  "CREATE TABLE operators ("                                                                       \
  "  id INTEGER PRIMARY KEY,"                                                                      \
  "  name TEXT NOT NULL UNIQUE CHECK (length (name) BETWEEN 1 AND 64"                              \
  "    AND name NOT GLOB '*[^A-Za-z0-9._-]*'),"                                                    \
  "  role TEXT NOT NULL CHECK (role IN ('technician', 'officer', 'supervisor')),"                  \
  "  kdf TEXT NOT NULL CHECK (kdf = 'scrypt'),"                                                    \
  "  salt TEXT NOT NULL CHECK (length (salt) = 32 AND salt NOT GLOB '*[^0-9a-f]*'),"               \
  "  scrypt_n INTEGER NOT NULL CHECK (scrypt_n >= 2),"                                             \
  "  scrypt_r INTEGER NOT NULL CHECK (scrypt_r >= 1),"                                             \
  "  scrypt_p INTEGER NOT NULL CHECK (scrypt_p >= 1),"                                             \
  "  hash TEXT NOT NULL CHECK (length (hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),"               \
  "  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),"                                        \
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"                              \
  "  created_by TEXT NOT NULL,"                                                                    \
  "  changed_at TEXT NOT NULL CHECK (changed_at GLOB " TIME_GLOB "),"                              \
  "  changed_by TEXT NOT NULL"                                                                     \
  ");"                                                                                             \
  "CREATE TRIGGER operators_no_delete BEFORE DELETE ON operators BEGIN"                            \
  "  SELECT RAISE (ABORT, 'the ledger is append-only: operators cannot be deleted');"              \
  "END;"                                                                                           \
  "CREATE TRIGGER operators_kept BEFORE UPDATE ON operators"                                       \
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.name IS OLD.name AND NEW.role IS OLD.role"                 \
  "    AND NEW.created_at IS OLD.created_at AND NEW.created_by IS OLD.created_by"                  \
  "    AND OLD.disabled = 0) BEGIN"                                                                \
  "  SELECT RAISE (ABORT, 'the ledger is append-only: an operator keeps its name and role, and a " \
  "disabled one does not change');"                                                                \
  "END;"

/* migrations[n] takes a file from user_version n to n + 1. Future versions append; a step that
 * has shipped is never edited. Each runs in its own transaction with foreign_keys = ON (a step
 * that rebuilds a referenced table must say so here and be run differently). */
static const char *const migrations[] = {
  /* 0 -> 1: sessions, participants, recordings, events; append-only triggers. */
  "CREATE TABLE sessions ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  title TEXT,"
  "  state TEXT NOT NULL"
  "    CHECK (state IN ('scheduled', 'open', 'live', 'ended', 'interrupted')),"
  "  created_at TEXT NOT NULL,"
  "  started_at TEXT,"
  "  ended_at TEXT,"
  "  end_reason TEXT"
  ");"
  "CREATE INDEX sessions_state ON sessions (state);"
  "CREATE TABLE participants ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  role TEXT NOT NULL,"
  "  name TEXT,"
  "  remote_address TEXT,"
  "  dtls_fingerprint TEXT,"
  "  joined_at TEXT NOT NULL,"
  "  left_at TEXT,"
  "  leave_reason TEXT"
  ");"
  "CREATE INDEX participants_session ON participants (session_id);"
  "CREATE TABLE recordings ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  segment INTEGER NOT NULL,"
  "  path TEXT NOT NULL,"
  "  sha256 TEXT,"
  "  size_bytes INTEGER,"
  "  duration_ns INTEGER,"
  "  tracks TEXT CHECK (tracks IS NULL OR json_valid (tracks)),"
  "  state TEXT NOT NULL,"
  "  created_at TEXT NOT NULL,"
  "  sealed_at TEXT,"
  "  UNIQUE (session_id, segment)"
  ");"
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at TEXT NOT NULL,"
  "  session_id TEXT REFERENCES sessions (id),"
  "  actor TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  detail TEXT CHECK (detail IS NULL OR json_valid (detail))"
  ");"
  "CREATE INDEX events_session ON events (session_id, id);"
  "CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: sessions cannot be deleted');"
  "END;"
  "CREATE TRIGGER participants_no_delete BEFORE DELETE ON participants BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: participants cannot be deleted');"
  "END;"
  "CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: recordings cannot be deleted');"
  "END;"
  "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: events cannot be deleted');"
  "END;"
  "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: events cannot be updated');"
  "END;"
  /* A sealed session (ended or interrupted) is evidence: it never changes again. */
  "CREATE TRIGGER sessions_sealed BEFORE UPDATE ON sessions"
  "  WHEN OLD.state IN ('ended', 'interrupted') BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a sealed session cannot be changed');"
  "END;",

  /* 1 -> 2: invites (bearer tokens, stored as their SHA-256); participants get the peer id and
   * the invite they came with; evidence triggers for both. Existing rows are kept (the new
   * columns are NULL in them). created_at and expires_at must have the one fixed-width form the
   * ledger writes, so that comparing them as strings compares times. */
  "CREATE TABLE invites ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  role TEXT NOT NULL CHECK (role IN ('board', 'agency', 'citizen')),"
  "  name TEXT,"
  "  token_sha256 TEXT UNIQUE NOT NULL"
  "    CHECK (length (token_sha256) = 64 AND token_sha256 NOT GLOB '*[^0-9a-f]*'),"
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
  "  expires_at TEXT NOT NULL CHECK (expires_at GLOB " TIME_GLOB "),"
  "  revoked_at TEXT"
  ");"
  "CREATE INDEX invites_session ON invites (session_id, id);"
  /* SQLite accepts ADD COLUMN ... REFERENCES with foreign keys on because the default is NULL. */
  "ALTER TABLE participants ADD COLUMN peer_id TEXT;"
  "ALTER TABLE participants ADD COLUMN invite_id INTEGER REFERENCES invites (id);"
  "CREATE TRIGGER invites_no_delete BEFORE DELETE ON invites BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: invites cannot be deleted');"
  "END;"
  /* The one change an invite accepts: revoked_at from NULL to a time, nothing else with it. */
  "CREATE TRIGGER invites_revoke_only BEFORE UPDATE ON invites"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.session_id IS OLD.session_id AND NEW.role IS OLD.role"
  "    AND NEW.name IS OLD.name AND NEW.token_sha256 IS OLD.token_sha256"
  "    AND NEW.created_at IS OLD.created_at AND NEW.expires_at IS OLD.expires_at"
  "    AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: an invite can only be revoked, once');"
  "END;"
  /* A participant row accepts its DTLS fingerprint once, and its leaving (left_at with
   * leave_reason) once; nothing else changes. */
  "CREATE TRIGGER participants_evidence BEFORE UPDATE ON participants"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.session_id IS OLD.session_id AND NEW.role IS OLD.role"
  "    AND NEW.name IS OLD.name AND NEW.remote_address IS OLD.remote_address"
  "    AND NEW.joined_at IS OLD.joined_at AND NEW.peer_id IS OLD.peer_id"
  "    AND NEW.invite_id IS OLD.invite_id"
  "    AND (NEW.dtls_fingerprint IS OLD.dtls_fingerprint OR OLD.dtls_fingerprint IS NULL)"
  "    AND ((NEW.left_at IS OLD.left_at AND NEW.leave_reason IS OLD.leave_reason)"
  "      OR (OLD.left_at IS NULL AND OLD.leave_reason IS NULL AND NEW.left_at IS NOT NULL))) BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a participant''s fingerprint and its "
  "leaving are written once, and nothing else changes');"
  "END;",

  /* 2 -> 3: recordings get their life cycle (see rd-ledger-recordings.h). A row is one segment
   * file: written in state 'recording', then once and for all 'sealed', 'repaired' or
   * 'unrecoverable'. The v1 table had no rule on state; a CHECK cannot be added to an existing
   * table without rebuilding it, so triggers refuse a state outside the four (existing rows, which
   * no released receptiond wrote, are kept as they are). */
  "CREATE INDEX recordings_state ON recordings (state, session_id, segment);"
  "CREATE TRIGGER recordings_state_insert BEFORE INSERT ON recordings"
  "  WHEN NEW.state IS NOT 'recording' OR NEW.segment < 1 OR NEW.sha256 IS NOT NULL"
  "    OR NEW.sealed_at IS NOT NULL BEGIN"
  "  SELECT RAISE (ABORT, 'a recording row is written in state ''recording'' with a segment "
  "number from 1, and no hash or seal time yet');"
  "END;"
  "CREATE TRIGGER recordings_state_update BEFORE UPDATE ON recordings"
  "  WHEN NEW.state NOT IN ('recording', 'sealed', 'repaired', 'unrecoverable') BEGIN"
  "  SELECT RAISE (ABORT, 'a recording''s state is one of recording, sealed, repaired, "
  "unrecoverable');"
  "END;"
  /* Sealed, repaired and unrecoverable rows are evidence: they never change again. */
  "CREATE TRIGGER recordings_sealed BEFORE UPDATE ON recordings"
  "  WHEN OLD.state IN ('sealed', 'repaired', 'unrecoverable') BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a sealed recording cannot be changed');"
  "END;"
  /* While recording, only the seal (state, hash, size, duration, tracks, sealed_at) may be
   * written; which segment of which session, where, and since when, never change. */
  "CREATE TRIGGER recordings_identity BEFORE UPDATE ON recordings"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.session_id IS OLD.session_id"
  "    AND NEW.segment IS OLD.segment AND NEW.path IS OLD.path"
  "    AND NEW.created_at IS OLD.created_at) BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a recording''s session, segment, path "
  "and creation time never change');"
  "END;",

  /* 3 -> 4: the hash chain and its signed checkpoints (see rd-ledger-chain.h). The triggers that
   * append to the chain are generated from the schema at open, not written here; the rows that
   * exist get their genesis entries from rd_ledger_chain_after_migration(). */
  "CREATE TABLE chain ("
  "  seq INTEGER PRIMARY KEY,"
  "  tbl TEXT NOT NULL,"
  "  row_id INTEGER NOT NULL,"
  "  op TEXT NOT NULL CHECK (op IN ('genesis', 'insert', 'update', 'migrate')),"
  "  content TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  hash TEXT NOT NULL"
  ");"
  "CREATE INDEX chain_row ON chain (tbl, row_id, seq);"
  "CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: the chain cannot be deleted');"
  "END;"
  "CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: the chain cannot be updated');"
  "END;"
  "CREATE TABLE checkpoints ("
  "  id INTEGER PRIMARY KEY,"
  "  seq INTEGER NOT NULL,"
  "  head_hash TEXT NOT NULL,"
  "  at TEXT NOT NULL CHECK (at GLOB " TIME_GLOB "),"
  "  reason TEXT NOT NULL,"
  "  public_key TEXT NOT NULL,"
  "  signature TEXT NOT NULL"
  ");"
  "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: checkpoints cannot be deleted');"
  "END;"
  "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: checkpoints cannot be updated');"
  "END;",

  /* 4 -> 5: the reception book: registrations (with every earlier revision kept in
   * registration_history), sessions scheduled for registrations, reception records, conclusions
   * and their follow-ups, and the id of the key that seals protected identities. Identifying
   * fields of a protected registration (a denunciation, or a citizen who asked) are only ever
   * stored sealed (AES-256-GCM) in identity_sealed; the CHECKs refuse them in clear. */
  "ALTER TABLE sessions ADD COLUMN scheduled_for TEXT CHECK (scheduled_for IS NULL OR "
  "  scheduled_for GLOB " TIME_GLOB ");"
  "CREATE TABLE book_key ("
  "  id INTEGER PRIMARY KEY,"
  "  key_id TEXT NOT NULL,"
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB ")"
  ");"
  "CREATE TABLE registrations ("
  "  id INTEGER PRIMARY KEY,"
  "  revision INTEGER NOT NULL CHECK (revision >= 1),"
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
  "  created_by TEXT NOT NULL,"
  "  updated_at TEXT NOT NULL CHECK (updated_at GLOB " TIME_GLOB "),"
  "  updated_by TEXT NOT NULL,"
  "  classification TEXT NOT NULL"
  "    CHECK (classification IN ('khieu-nai', 'to-cao', 'kien-nghi', 'phan-anh')),"
  "  protection_requested INTEGER NOT NULL CHECK (protection_requested IN (0, 1)),"
  "  protected INTEGER NOT NULL CHECK (protected IN (0, 1)),"
  "  name TEXT,"
  "  address TEXT,"
  "  id_document TEXT,"
  "  contact TEXT,"
  "  identity_sealed TEXT,"
  "  summary TEXT NOT NULL,"
  "  people_count INTEGER NOT NULL CHECK (people_count >= 1),"
  "  prior_body TEXT,"
  "  attachments TEXT NOT NULL CHECK (json_valid (attachments)),"
  "  CHECK (protected = 1 OR (classification <> 'to-cao' AND protection_requested = 0)),"
  "  CHECK ((protected = 1 AND identity_sealed IS NOT NULL AND name IS NULL AND address IS NULL"
  "      AND id_document IS NULL AND contact IS NULL)"
  "    OR (protected = 0 AND identity_sealed IS NULL AND name IS NOT NULL))"
  ");"
  "CREATE TABLE registration_history ("
  "  id INTEGER PRIMARY KEY,"
  "  registration_id INTEGER NOT NULL REFERENCES registrations (id),"
  "  revision INTEGER NOT NULL,"
  "  updated_at TEXT NOT NULL,"
  "  updated_by TEXT NOT NULL,"
  "  superseded_at TEXT NOT NULL,"
  "  classification TEXT NOT NULL,"
  "  protection_requested INTEGER NOT NULL,"
  "  protected INTEGER NOT NULL,"
  "  name TEXT,"
  "  address TEXT,"
  "  id_document TEXT,"
  "  contact TEXT,"
  "  identity_sealed TEXT,"
  "  summary TEXT NOT NULL,"
  "  people_count INTEGER NOT NULL,"
  "  prior_body TEXT,"
  "  attachments TEXT NOT NULL,"
  "  UNIQUE (registration_id, revision)"
  ");"
  "CREATE TABLE session_registrations ("
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  registration_id INTEGER NOT NULL REFERENCES registrations (id),"
  "  created_at TEXT NOT NULL,"
  "  PRIMARY KEY (session_id, registration_id)"
  ");"
  "CREATE INDEX session_registrations_registration ON session_registrations (registration_id);"
  "CREATE TABLE receptions ("
  "  id INTEGER PRIMARY KEY,"
  "  registration_id INTEGER NOT NULL REFERENCES registrations (id),"
  "  session_id TEXT REFERENCES sessions (id),"
  "  reception_date TEXT NOT NULL"
  "    CHECK (reception_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),"
  "  content TEXT NOT NULL,"
  "  handling TEXT NOT NULL CHECK (handling IN ('competent', 'guided', 'transferred', 'refused')),"
  "  handling_body TEXT,"
  "  document_number TEXT,"
  "  legal_basis TEXT,"
  "  refusal_reason TEXT,"
  "  officer TEXT NOT NULL,"
  "  confirmation TEXT NOT NULL"
  "    CHECK (confirmation IN ('signature', 'fingerprint', 'verbal', 'declined')),"
  "  notes TEXT,"
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
  "  created_by TEXT NOT NULL,"
  "  CHECK (handling NOT IN ('guided', 'transferred')"
  "    OR (handling_body IS NOT NULL AND document_number IS NOT NULL)),"
  "  CHECK (handling <> 'refused' OR (legal_basis IS NOT NULL AND refusal_reason IS NOT NULL))"
  ");"
  "CREATE INDEX receptions_date ON receptions (reception_date, id);"
  "CREATE INDEX receptions_registration ON receptions (registration_id);"
  "CREATE TABLE conclusions ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  registration_id INTEGER REFERENCES registrations (id),"
  "  text TEXT NOT NULL,"
  "  assignee TEXT NOT NULL,"
  "  due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),"
  "  created_at TEXT NOT NULL CHECK (created_at GLOB " TIME_GLOB "),"
  "  created_by TEXT NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('open', 'done')),"
  "  outcome TEXT,"
  "  done_at TEXT,"
  "  CHECK ((status = 'open' AND outcome IS NULL AND done_at IS NULL)"
  "    OR (status = 'done' AND outcome IS NOT NULL AND done_at IS NOT NULL))"
  ");"
  "CREATE INDEX conclusions_registration ON conclusions (registration_id);"
  "CREATE TABLE followups ("
  "  id INTEGER PRIMARY KEY,"
  "  conclusion_id INTEGER NOT NULL REFERENCES conclusions (id),"
  "  at TEXT NOT NULL CHECK (at GLOB " TIME_GLOB "),"
  "  actor TEXT NOT NULL,"
  "  progress TEXT NOT NULL,"
  "  outcome TEXT"
  ");"
  "CREATE INDEX followups_conclusion ON followups (conclusion_id, id);"
  "CREATE TRIGGER book_key_no_change BEFORE UPDATE ON book_key BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: the book key id cannot be changed');"
  "END;"
  "CREATE TRIGGER book_key_no_delete BEFORE DELETE ON book_key BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: the book key id cannot be deleted');"
  "END;"
  "CREATE TRIGGER registrations_no_delete BEFORE DELETE ON registrations BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: registrations cannot be deleted');"
  "END;"
  /* An update is a new revision, and only once the revision it replaces is in the history;
   * protection, once given, is never taken away. */
  "CREATE TRIGGER registrations_revisions BEFORE UPDATE ON registrations"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.created_at IS OLD.created_at"
  "    AND NEW.created_by IS OLD.created_by AND NEW.revision = OLD.revision + 1"
  "    AND NEW.protected >= OLD.protected"
  "    AND EXISTS (SELECT 1 FROM registration_history h WHERE h.registration_id = OLD.id"
  "      AND h.revision = OLD.revision)) BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a registration changes only by a new "
  "revision, with the one it replaces kept in its history, and stays protected once protected');"
  "END;"
  "CREATE TRIGGER registration_history_no_delete BEFORE DELETE ON registration_history BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: registration history cannot be deleted');"
  "END;"
  /* The one change a history row accepts: identity fields kept in clear get sealed, when the
   * registration comes under protection later. */
  "CREATE TRIGGER registration_history_seal_only BEFORE UPDATE ON registration_history"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.registration_id IS OLD.registration_id"
  "    AND NEW.revision IS OLD.revision AND NEW.updated_at IS OLD.updated_at"
  "    AND NEW.updated_by IS OLD.updated_by AND NEW.superseded_at IS OLD.superseded_at"
  "    AND NEW.classification IS OLD.classification"
  "    AND NEW.protection_requested IS OLD.protection_requested"
  "    AND NEW.protected IS OLD.protected AND NEW.summary IS OLD.summary"
  "    AND NEW.people_count IS OLD.people_count AND NEW.prior_body IS OLD.prior_body"
  "    AND NEW.attachments IS OLD.attachments"
  "    AND OLD.identity_sealed IS NULL AND NEW.identity_sealed IS NOT NULL"
  "    AND NEW.name IS NULL AND NEW.address IS NULL AND NEW.id_document IS NULL"
  "    AND NEW.contact IS NULL) BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: registration history only accepts "
  "sealing identity fields');"
  "END;"
  "CREATE TRIGGER session_registrations_no_change BEFORE UPDATE ON session_registrations BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a scheduled registration cannot be "
  "changed');"
  "END;"
  "CREATE TRIGGER session_registrations_no_delete BEFORE DELETE ON session_registrations BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a scheduled registration cannot be "
  "deleted');"
  "END;"
  "CREATE TRIGGER receptions_no_update BEFORE UPDATE ON receptions BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: reception records cannot be changed');"
  "END;"
  "CREATE TRIGGER receptions_no_delete BEFORE DELETE ON receptions BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: reception records cannot be deleted');"
  "END;"
  "CREATE TRIGGER conclusions_no_delete BEFORE DELETE ON conclusions BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: conclusions cannot be deleted');"
  "END;"
  /* A conclusion changes once: from open to done, with its outcome. */
  "CREATE TRIGGER conclusions_done_once BEFORE UPDATE ON conclusions"
  "  WHEN NOT (NEW.id IS OLD.id AND NEW.session_id IS OLD.session_id"
  "    AND NEW.registration_id IS OLD.registration_id AND NEW.text IS OLD.text"
  "    AND NEW.assignee IS OLD.assignee AND NEW.due_date IS OLD.due_date"
  "    AND NEW.created_at IS OLD.created_at AND NEW.created_by IS OLD.created_by"
  "    AND OLD.status = 'open' AND NEW.status = 'done') BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: a conclusion only changes once, from open "
  "to done');"
  "END;"
  "CREATE TRIGGER followups_no_update BEFORE UPDATE ON followups BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: follow-ups cannot be changed');"
  "END;"
  "CREATE TRIGGER followups_no_delete BEFORE DELETE ON followups BEGIN"
  "  SELECT RAISE (ABORT, 'the ledger is append-only: follow-ups cannot be deleted');"
  "END;",

  /* 5 -> 6: no table changes. The chain's form changes: rows of the registrations and their
   * history are chained as {"hmac-sha256": ...} under a key derived from the book key, no longer
   * as {"sha256": ...} (rd-ledger-chain.h). The version keeps an older receptiond, which would
   * write the unkeyed form again and take every keyed entry for tampering, off this file. The
   * key is not known at open: rd_ledger_book_set_key() re-states the existing rows in the keyed
   * form ("migrate" entries, rd_ledger_chain_rekey()). */
  "",

  migration_to_7,

  /* 7 -> 8 */
  RD_LEDGER_MIGRATION_ARCHIVE_JOBS,

  /* 8 -> 9 */
  RD_LEDGER_MIGRATION_OPERATORS,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == RD_LEDGER_SCHEMA_VERSION);

static const char untouched[] = "it was left untouched";

const char *
rd_ledger_schema_migration (int from)
{
  g_return_val_if_fail (from >= 0 && from < RD_LEDGER_SCHEMA_VERSION, NULL);
  return migrations[from];
}

static gboolean
is_corrupt (int rc)
{
  return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
}

static void
set_corrupt (GError **error, sqlite3 *db, const char *path)
{
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
               "ledger %s is not a SQLite database or is damaged (%s); %s", path,
               sqlite3_errmsg (db), untouched);
}

/* Prepares @pragma and steps to its first row; a file that is not a database, or is damaged,
 * is reported as corrupt, any other failure as "cannot @what". */
static sqlite3_stmt *
pragma_first_row (sqlite3 *db, const char *path, const char *pragma, const char *what,
                  GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, pragma, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_steal_pointer (&stmt);
  if (is_corrupt (rc))
    set_corrupt (error, db, path);
  else
    rd_ledger_set_db_error (error, db, rc, RD_LEDGER_ERROR_OPEN, "cannot %s of ledger %s", what,
                            path);
  return NULL;
}

static gboolean
read_user_version (sqlite3 *db, const char *path, int *version, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      pragma_first_row (db, path, "PRAGMA user_version", "read the schema version", error);
  if (!stmt)
    return FALSE;
  *version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

/* Runs "PRAGMA quick_check", which answers one row "ok" or rows describing the damage. */
static gboolean
quick_check (sqlite3 *db, const char *path, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      pragma_first_row (db, path, "PRAGMA quick_check", "check the integrity", error);
  const char *first;

  if (!stmt)
    return FALSE;
  first = (const char *)sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (first, "ok") != 0)
    {
      /* The first problem only, on one line (SQLite's text has newlines). */
      g_autofree char *problem = g_strdup (first ? first : "no result");

      g_strdelimit (problem, "\r\n", ' ');
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
                   "ledger %s fails its integrity check (%s); %s", path, problem, untouched);
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_ledger_schema_check (sqlite3 *db, const char *path, gboolean with_quick_check, int *version,
                        GError **error)
{
  /* user_version first: on a file that is not a database it fails with SQLITE_NOTADB. */
  if (!read_user_version (db, path, version, error))
    return FALSE;
  if (with_quick_check && !quick_check (db, path, error))
    return FALSE;
  if (*version > RD_LEDGER_SCHEMA_VERSION)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NEWER_SCHEMA,
                   "ledger %s has schema version %d, newer than the version %d this receptiond "
                   "knows (written by a newer receptiond?); %s",
                   path, *version, RD_LEDGER_SCHEMA_VERSION, untouched);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sidecar_exists (const char *path, const char *suffix)
{
  g_autofree char *name = g_strconcat (path, suffix, NULL);

  return g_file_test (name, G_FILE_TEST_EXISTS);
}

gboolean
rd_ledger_schema_check_file (const char *path, gboolean *deferred, GError **error)
{
  g_autofree char *absolute = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *open_name = NULL;
  g_autoptr (GError) local_error = NULL;
  sqlite3 *db = NULL;
  GStatBuf st;
  int flags = SQLITE_OPEN_READONLY;
  int version = 0;
  int rc;
  gboolean ok;

  *deferred = FALSE;
  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE; /* a new ledger; whether it can be created is the caller's to find out */
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN, "cannot open ledger %s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN,
                   "cannot open ledger %s: not a regular file", path);
      return FALSE;
    }

  /* With no -wal or -journal beside it, the file alone is the whole database: open it immutable,
   * so that SQLite creates no -wal/-shm files and takes no locks. Otherwise those files belong to
   * the database and must be read (a read-only connection may then create a -shm file). */
  if (!sidecar_exists (path, "-wal") && !sidecar_exists (path, "-journal"))
    {
      absolute = g_canonicalize_filename (path, NULL);
      uri = g_filename_to_uri (absolute, NULL, NULL);
    }
  if (uri != NULL)
    {
      open_name = g_strconcat (uri, "?immutable=1", NULL);
      flags |= SQLITE_OPEN_URI;
    }
  else
    open_name = g_strdup (path);

  rc = sqlite3_open_v2 (open_name, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      rd_ledger_set_db_error (error, db, rc, RD_LEDGER_ERROR_OPEN, "cannot open ledger %s", path);
      sqlite3_close_v2 (db);
      return FALSE;
    }
  sqlite3_extended_result_codes (db, 1);

  ok = rd_ledger_schema_check (db, path, TRUE, &version, &local_error);
  if (!ok && g_error_matches (local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN) &&
      sqlite3_extended_errcode (db) == SQLITE_READONLY_ROLLBACK)
    {
      /* A hot rollback journal: only a writer may roll it back. */
      g_debug ("ledger %s has a hot journal; checking it after opening read-write", path);
      g_clear_error (&local_error);
      *deferred = TRUE;
      ok = TRUE;
    }
  sqlite3_close_v2 (db);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

static int
current_version (RdLedger *self, GError **error)
{
  int version = -1;

  if (!read_user_version (self->db, self->path, &version, error))
    return -1;
  return version;
}

gboolean
rd_ledger_schema_migrate (RdLedger *self, GError **error)
{
  while (self->schema_version < self->target_version)
    {
      int from = self->schema_version;
      int found;
      g_autofree char *set_version = NULL;
      g_autoptr (GHashTable) before = NULL;

      if (!rd_ledger_begin (self, FALSE, error))
        {
          g_prefix_error (error, "cannot migrate ledger %s to schema version %d: ", self->path,
                          from + 1);
          return FALSE;
        }
      /* Read again under the write lock, in case another process migrated meanwhile. */
      found = current_version (self, error);
      if (found != from)
        {
          rd_ledger_rollback (self, FALSE);
          if (found < 0)
            return FALSE;
          if (found > RD_LEDGER_SCHEMA_VERSION)
            {
              g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NEWER_SCHEMA,
                           "ledger %s has schema version %d, newer than the version %d this "
                           "receptiond knows; %s",
                           self->path, found, RD_LEDGER_SCHEMA_VERSION, untouched);
              return FALSE;
            }
          self->schema_version = found;
          continue;
        }

      g_debug ("migrating ledger %s from schema version %d to %d", self->path, from, from + 1);
      set_version = g_strdup_printf ("PRAGMA user_version = %d", from + 1);
      /* The chain records what the step changes (rd-ledger-chain.h). */
      before = rd_ledger_chain_before_migration (self, from + 1, error);
      if (before == NULL || !rd_ledger_exec (self, migrations[from], error) ||
          !rd_ledger_chain_after_migration (self, from + 1, before, error) ||
          !rd_ledger_exec (self, set_version, error))
        {
          rd_ledger_rollback (self, FALSE);
          g_prefix_error (error, "cannot migrate ledger %s to schema version %d: ", self->path,
                          from + 1);
          return FALSE;
        }
      if (!rd_ledger_commit (self, FALSE, error))
        {
          g_prefix_error (error, "cannot migrate ledger %s to schema version %d: ", self->path,
                          from + 1);
          return FALSE;
        }
      self->schema_version = from + 1;
    }
  return TRUE;
}

const char *
rd_ledger_schema_migration_for_testing (int from)
{
  g_return_val_if_fail (from >= 0 && from < RD_LEDGER_SCHEMA_VERSION, NULL);
  return migrations[from];
}
