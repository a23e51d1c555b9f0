/* sqlite3.h outside ledger/: test-layering.sh must catch it. */
#include <sqlite3.h>
