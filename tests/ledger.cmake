# The ledger's tests share one fixture (rd-test-ledger.c): a fresh state dir, the file's bytes,
# and for the chain's tests a ledger opened with the room key and its verify report checked.
add_library(rd-test-ledger STATIC rd-test-ledger.c)
target_link_libraries(rd-test-ledger PUBLIC rd-ledger PkgConfig::SQLITE)
# test-ledger(-open) inspect the database file with the sqlite3 API (reads, and the writes the
# append-only triggers must refuse); receptiond code above ledger/ never does. They also use the
# ledger's private test hooks (ledger/rd-ledger-private.h).
rd_add_test(test-ledger SOURCES test-ledger.c LIBS rd-test-ledger rd-ledger PkgConfig::SQLITE)
rd_add_test(test-ledger-open SOURCES test-ledger-open.c
  LIBS rd-test-ledger rd-ledger PkgConfig::SQLITE)
# Invites, participants and recordings share a fixture with a live session (rd-test-invites.c).
add_library(rd-test-invites STATIC rd-test-invites.c)
target_link_libraries(rd-test-invites PUBLIC rd-ledger)
rd_add_test(test-ledger-invites SOURCES test-ledger-invites.c
  LIBS rd-test-invites rd-ledger PkgConfig::SQLITE)
rd_add_test(test-ledger-participants SOURCES test-ledger-participants.c
  LIBS rd-test-invites rd-ledger PkgConfig::SQLITE)
rd_add_test(test-ledger-recordings SOURCES test-ledger-recordings.c
  LIBS rd-test-invites rd-ledger PkgConfig::SQLITE)
# The hash chain, through the ledger's private hooks: test-ledger-chain uses OpenSSL for a key of
# another type; the tamper tests change the file as an attacker would (SQL after dropping
# triggers, and the sqlite3 tool itself).
rd_add_test(test-ledger-chain SOURCES test-ledger-chain.c
  LIBS rd-test-ledger rd-ledger PkgConfig::SQLITE PkgConfig::OPENSSL TIMEOUT 120)
rd_add_test(test-ledger-chain-tamper SOURCES test-ledger-chain-tamper.c
  LIBS rd-test-ledger rd-ledger PkgConfig::SQLITE TIMEOUT 120)
