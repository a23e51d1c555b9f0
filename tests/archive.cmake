# The archive's S3 client against s3rver (npm, scripts/install-deps.sh), started inside the
# test's own network namespace; its signatures against AWS's examples and botocore
# (tests/archive-sigv4-botocore.py, Debian's python3-botocore).
add_library(rd-test-s3 STATIC rd-test-s3.c rd-test-s3-proxy.c)
target_link_libraries(rd-test-s3 PUBLIC rd-test-daemon PkgConfig::GLIB PkgConfig::SOUP)
rd_add_test(test-archive-s3 SOURCES test-archive-s3.c LIBS rd-test-s3 rd-archive PkgConfig::JSONGLIB
  TIMEOUT 120)
# The archive tests' fixture: s3rver (and the 503 proxy) and a daemon with a sealed session.
add_library(rd-test-archive STATIC rd-test-archive.c)
target_link_libraries(rd-test-archive PUBLIC rd-test-s3 rd-ledger PkgConfig::JSONGLIB)
# The daemon's uploads end to end (happy path and archive verify, the server down then up,
# a resumed multipart upload, a live session, wrong credentials, a missing bucket), the daemon
# and s3rver in the test's network namespace.
rd_add_test(test-archive-upload SOURCES test-archive-upload.c LIBS rd-test-archive rd-archive
  TIMEOUT 300)
add_dependencies(test-archive-upload receptiond receptionctl)
# A SIGKILL mid-multipart and 503 storms, from the proxy in the test (rd-test-s3-proxy.c).
rd_add_test(test-archive-faults SOURCES test-archive-faults.c LIBS rd-test-archive TIMEOUT 300)
add_dependencies(test-archive-faults receptiond receptionctl)
# keep-local-days, legal hold and recording verify of deleted files; the daemon's clock moved
# on by libfaketime (Debian's faketime).
rd_add_test(test-archive-retention SOURCES test-archive-retention.c LIBS rd-test-archive
  TIMEOUT 300)
add_dependencies(test-archive-retention receptiond receptionctl)
