# The reception book. Ledger-level tests look at the file with the sqlite3 API and use
# the ledger's private hooks, like test-ledger. Book dates are local: the tests pin the time zone
# to the ward's (Vietnam, UTC+7, no daylight saving).
rd_add_test(test-ledger-book SOURCES test-ledger-book.c LIBS rd-ledger PkgConfig::SQLITE
  ENV TZ=Asia/Ho_Chi_Minh)
rd_add_test(test-ledger-book-export SOURCES test-ledger-book-export.c LIBS rd-ledger
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# Through the real receptiond and receptionctl (plain Unix socket; the HTTPS listener binds
# 127.0.0.1:0 and is not used).
rd_add_test(test-daemon-book SOURCES test-daemon-book.c LIBS rd-test-daemon TIMEOUT 180
  ENV TZ=Asia/Ho_Chi_Minh)
add_dependencies(test-daemon-book receptiond receptionctl)
# A protected identity cannot be confirmed from the ledger file by hashing a guess; ledgers of
# the unkeyed chain form are re-stated when the book key is given.
rd_add_test(test-ledger-book-chain SOURCES test-ledger-book-chain.c LIBS rd-ledger
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The book's rows as recorded: edits after a reception, STT through the year, refusals, groups,
# fields, repeated matters, who presided, bridge points, CSV with ';', and a version-6 ledger
# migrated without touching its rows.
rd_add_test(test-ledger-book-rows SOURCES test-ledger-book-rows.c LIBS rd-ledger
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The book as XLSX (receptionctl's writer) read back by openpyxl (python3-openpyxl).
rd_add_test(test-console-book-xlsx SOURCES test-console-book-xlsx.c LIBS rd-ledger rd-console
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The book as PDF (receptionctl's writer) read back by Poppler (poppler-utils): text with its
# diacritics, headers on every page; the first page rendered as an artifact.
rd_add_test(test-console-book-pdf SOURCES test-console-book-pdf.c LIBS rd-ledger rd-console
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# Timing duties in Việt Nam's working days; moving and cancelling a scheduled session.
rd_add_test(test-ledger-book-duties SOURCES test-ledger-book-duties.c LIBS rd-ledger
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The periodic report over a book spanning months, quarters and halves: every line, counts as
# recorded whatever is edited afterwards.
rd_add_test(test-ledger-book-report SOURCES test-ledger-book-report.c LIBS rd-ledger
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The periodic report as receptionctl shows it: the console table aligned by display width, the
# XLSX read back by openpyxl, the PDF by Poppler (its first page kept as report-pdf-page1.png).
rd_add_test(test-console-report SOURCES test-console-report.c LIBS rd-ledger rd-console
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
# The printed documents (refusal notice, receipt, session record, notice of conclusions) read back
# by Poppler; protected identities only when revealed; first pages kept as document-*-page1.png.
rd_add_test(test-console-documents SOURCES test-console-documents.c LIBS rd-ledger rd-console
  PkgConfig::SQLITE ENV TZ=Asia/Ho_Chi_Minh)
