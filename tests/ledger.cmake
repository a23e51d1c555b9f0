# test-ledger inspects the database file with the sqlite3 API (reads, and the writes the
# append-only triggers must refuse); receptiond code above ledger/ never does.
rd_add_test(test-ledger SOURCES test-ledger.c LIBS rd-ledger PkgConfig::SQLITE)
