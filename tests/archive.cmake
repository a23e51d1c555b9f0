# The archive's S3 client against s3rver (npm, scripts/install-deps.sh), started inside the
# test's own network namespace; its signatures against AWS's examples and botocore
# (tests/archive-sigv4-botocore.py, Debian's python3-botocore).
add_library(rd-test-s3 STATIC rd-test-s3.c rd-test-s3-proxy.c)
target_link_libraries(rd-test-s3 PUBLIC rd-test-daemon PkgConfig::GLIB PkgConfig::SOUP)
rd_add_test(test-archive-s3 SOURCES test-archive-s3.c LIBS rd-test-s3 rd-archive PkgConfig::JSONGLIB
  TIMEOUT 120)
# The daemon's uploads end to end (happy path and archive verify, the server down then up,
# wrong credentials, a missing bucket, retention days with the daemon under libfaketime, a 503
# storm from a proxy in the test, rd-test-s3-proxy.c), the daemon and s3rver in the test's
# network namespace.
rd_add_test(test-archive-upload SOURCES test-archive-upload.c LIBS rd-test-s3 rd-ledger rd-archive
  PkgConfig::JSONGLIB TIMEOUT 300)
add_dependencies(test-archive-upload receptiond receptionctl)
