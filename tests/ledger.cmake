# test-ledger inspects the database file with the sqlite3 API (reads, and the writes the
# append-only triggers must refuse); receptiond code above ledger/ never does. Both tests also use
# the ledger's private test hooks (ledger/rd-ledger-private.h).
rd_add_test(test-ledger SOURCES test-ledger.c LIBS rd-ledger PkgConfig::SQLITE)
rd_add_test(test-ledger-invites SOURCES test-ledger-invites.c LIBS rd-ledger PkgConfig::SQLITE)
rd_add_test(test-ledger-recordings SOURCES test-ledger-recordings.c LIBS rd-ledger PkgConfig::SQLITE)
# The hash chain: tamper tests change the file as an attacker would (SQL after dropping triggers,
# and the sqlite3 tool itself); they use the ledger's private hooks and OpenSSL for a foreign key.
rd_add_test(test-ledger-chain SOURCES test-ledger-chain.c
  LIBS rd-ledger PkgConfig::SQLITE PkgConfig::OPENSSL TIMEOUT 120)
