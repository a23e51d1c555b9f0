/* rd-ledger-error.h: the ledger's error domain, RD_LEDGER_ERROR.
 *
 * Contract: every ledger function fails only with these codes; a write that fails has written
 * nothing (its transaction is rolled back). Messages say what was refused and why, never a token
 * or its hash. What each code means to a caller:
 *   The file and its keys (at start-up receptiond exits with the status given):
 *     OPEN          the file or its directory cannot be opened or created (permissions, a
 *                   missing mount): fix the state dir (73 EX_CANTCREAT)
 *     CORRUPT       the file or what is in it is damaged or does not authenticate: not a SQLite
 *                   database, fails its integrity check, a sealed identity that does not open,
 *                   a book key that is not the one the identities are sealed with. Evidence to
 *                   keep as it is and examine, never to replace (65 EX_DATAERR)
 *     NEWER_SCHEMA  written by a newer receptiond: run that one (65 EX_DATAERR)
 *     KEY           the room key file cannot be read, created or used to sign (65 EX_DATAERR)
 *   The call:
 *     NOT_FOUND     the session, or the row the call names (invite, participant, segment,
 *                   conclusion, checkpoint), does not exist
 *     STATE         it exists but is not in a state that allows the change: the session is
 *                   not live (or is sealed, or still scheduled), the invite already revoked, the
 *                   participant already left or its fingerprint already recorded, the segment
 *                   already closed, the conclusion done; or the ledger has no room key to sign
 *                   with. Nothing to retry: the change is refused for good in that state
 *     EXISTS        the row the call creates exists already (a session's segment number): the
 *                   caller's numbering is wrong; the existing row is untouched
 *     INVALID       an argument the ledger refuses (a role, time, token hash, path, a token
 *                   another invite has); the message names it
 *     UNAUTHORIZED  a token that does not admit to this session (unknown, revoked, expired, for
 *                   another session or a sealed one); the message says which and may be shown
 *                   to the party
 *     IO            any other SQLite failure (disk full, read-only file system, I/O error):
 *                   the ledger's side, may work later
 *
 * Threading: rd_ledger_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_LEDGER_ERROR (rd_ledger_error_quark ())
GQuark rd_ledger_error_quark (void);

typedef enum
{
  RD_LEDGER_ERROR_OPEN,
  RD_LEDGER_ERROR_CORRUPT,
  RD_LEDGER_ERROR_NEWER_SCHEMA,
  RD_LEDGER_ERROR_NOT_FOUND,
  RD_LEDGER_ERROR_STATE,
  RD_LEDGER_ERROR_IO,
  RD_LEDGER_ERROR_INVALID,
  RD_LEDGER_ERROR_UNAUTHORIZED,
  RD_LEDGER_ERROR_EXISTS,
  RD_LEDGER_ERROR_KEY,
} RdLedgerError;

G_END_DECLS
