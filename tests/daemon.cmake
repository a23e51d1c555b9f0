add_library(rd-test-daemon STATIC rd-test-daemon.c rd-test-netns.c)
target_link_libraries(rd-test-daemon PUBLIC PkgConfig::GLIB PkgConfig::JSONGLIB)
# Real browsers: one shape and its steps (rd-test-browser.h), Chromium over the DevTools
# protocol, Firefox over WebDriver BiDi (a WebSocket: libsoup).
add_library(rd-test-browser STATIC rd-test-browser.c)
target_link_libraries(rd-test-browser PUBLIC PkgConfig::GLIB PkgConfig::JSONGLIB)
add_library(rd-test-chromium STATIC rd-test-chromium.c)
target_link_libraries(rd-test-chromium PUBLIC rd-test-browser)
add_library(rd-test-firefox STATIC rd-test-firefox.c)
target_link_libraries(rd-test-firefox PUBLIC rd-test-browser PkgConfig::SOUP)
# A page served by the test for its Chromium, and its JavaScript run against a daemon.
add_library(rd-test-page STATIC rd-test-page.c)
target_link_libraries(rd-test-page PUBLIC rd-test-chromium rd-test-daemon PkgConfig::SOUP)
rd_add_test(test-daemon SOURCES test-daemon.c LIBS rd-test-daemon TIMEOUT 240)
rd_add_test(test-control SOURCES test-control.c LIBS rd-test-daemon rd-proto TIMEOUT 120)
# The daemon and console under test are the built ones.
add_dependencies(test-daemon receptiond receptionctl)
add_dependencies(test-control receptiond receptionctl)
# The console's roles: receptionctl run as nobody in Debian's users/staff/adm groups (root only).
rd_add_test(test-control-roles SOURCES test-control-roles.c LIBS rd-test-daemon TIMEOUT 120
  ENV TZ=Asia/Ho_Chi_Minh)
add_dependencies(test-control-roles receptiond receptionctl)
# A live room and parties calling in over WHIP (test peer + HTTPS client), for end-to-end tests.
add_library(rd-test-room STATIC rd-test-room.c rd-test-whip.c)
target_link_libraries(rd-test-room PUBLIC rd-test-daemon rd-test-peer PkgConfig::SOUP)
rd_add_test(test-whip-e2e SOURCES test-whip-e2e.c
  LIBS rd-test-room TIMEOUT 480 THIRD_PARTY_THREADS)
add_dependencies(test-whip-e2e receptiond receptionctl)
# What the endpoints answer before media flows (refused tokens, the other path, limits on
# parties): plain HTTPS and offers without candidates, so no WebRTC connection is made.
rd_add_test(test-whip-parties SOURCES test-whip-parties.c LIBS rd-test-room TIMEOUT 240)
add_dependencies(test-whip-parties receptiond receptionctl)

rd_add_test(test-join-call SOURCES test-join-call.c
  LIBS rd-test-daemon rd-test-chromium PkgConfig::SOUP TIMEOUT 180 THIRD_PARTY_THREADS)
add_dependencies(test-join-call receptiond receptionctl)
# The room as a bridge between three real browsers: one Chromium page with three WHIP parties,
# each sending its own tone and colour (tests/data/conference-parties.html), against the daemon.
rd_add_test(test-conference-browsers SOURCES test-conference-browsers.c
  LIBS rd-test-page TIMEOUT 180 THIRD_PARTY_THREADS)
add_dependencies(test-conference-browsers receptiond receptionctl)
# recording verify and session show's segments through the real daemon and console; the test
# writes recording rows with the ledger API while the daemon is down.
rd_add_test(test-recording-verify SOURCES test-recording-verify.c LIBS rd-test-daemon rd-ledger
  TIMEOUT 120)
add_dependencies(test-recording-verify receptiond receptionctl)
rd_add_test(test-daemon-ledger SOURCES test-daemon-ledger.c LIBS rd-test-daemon TIMEOUT 300)
add_dependencies(test-daemon-ledger receptiond receptionctl)

# Recording end to end: the daemon records parties calling in; files checked with ffprobe.
rd_add_test(test-recording-e2e SOURCES test-recording-e2e.c
  LIBS rd-test-room rd-test-probe TIMEOUT 300 THIRD_PARTY_THREADS)
add_dependencies(test-recording-e2e receptiond receptionctl)
# Recording under real faults (disk full on a tmpfs, a read-only directory, a party gone
# mid-keyframe), in network and mount namespaces of the test's own; and through crashes
# (SIGKILL at random moments, files without rows).
rd_add_test(test-recording-faults SOURCES test-recording-faults.c
  LIBS rd-test-room rd-test-probe TIMEOUT 300 THIRD_PARTY_THREADS)
add_dependencies(test-recording-faults receptiond receptionctl)
rd_add_test(test-recording-crash SOURCES test-recording-crash.c
  LIBS rd-test-room rd-test-probe TIMEOUT 400 THIRD_PARTY_THREADS)
add_dependencies(test-recording-crash receptiond receptionctl)
# The long form: 24 kills, four at each moment (about 5 minutes; label "long"). Not in the
# sanitizer build, which runs the short form (one kill at each moment). By hand, with a seed:
# RD_TEST_SEED=N RD_TEST_KILLS=24 build/tests/test-recording-crash -p /recording-crash/sigkill-random
if(NOT RD_SANITIZE)
  add_test(NAME test-recording-crash-long
    COMMAND test-recording-crash --tap -p /recording-crash/sigkill-random)
  set_tests_properties(test-recording-crash-long PROPERTIES TIMEOUT 900 RUN_SERIAL TRUE
    LABELS long
    ENVIRONMENT "RD_TEST_KILLS=24;RD_TEST_SRCDIR=${CMAKE_SOURCE_DIR};RD_TEST_BINDIR=${CMAKE_BINARY_DIR}")
endif()
# The recording while the ledger refuses writes (another program holds its lock).
rd_add_test(test-recording-ledger SOURCES test-recording-ledger.c
  LIBS rd-test-room rd-test-probe PkgConfig::SQLITE TIMEOUT 300 THIRD_PARTY_THREADS)
add_dependencies(test-recording-ledger receptiond receptionctl)
# What of the recording timeline each track holds, from a session's rows and events (pure).
rd_add_test(test-coverage SOURCES test-coverage.c LIBS rd-daemon)
# The recording on a disk that hangs or fails fsync: a FUSE pass-through the test controls
# (tests/rd-test-faultfs.c, libfuse 3), mounted in the test's own mount namespace. Without
# libfuse3 the tool is not built and the test skips, saying so.
pkg_check_modules(FUSE3 IMPORTED_TARGET fuse3)
if(FUSE3_FOUND)
  add_executable(rd-test-faultfs rd-test-faultfs.c)
  target_link_libraries(rd-test-faultfs PRIVATE PkgConfig::FUSE3 PkgConfig::GLIB)
  set_target_properties(rd-test-faultfs PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
rd_add_test(test-recording-disk SOURCES test-recording-disk.c
  LIBS rd-test-room rd-test-probe TIMEOUT 300 THIRD_PARTY_THREADS)
add_dependencies(test-recording-disk receptiond receptionctl)
if(FUSE3_FOUND)
  add_dependencies(test-recording-disk rd-test-faultfs)
endif()
# The room's echo cancellation heard by a real browser: the daemon's speakers and microphone
# make a room's air, one Chromium party sends a tone (tests/data/conference-parties.html).
rd_add_test(test-echo-browser SOURCES test-echo-browser.c
  LIBS rd-test-page TIMEOUT 180 THIRD_PARTY_THREADS)
add_dependencies(test-echo-browser receptiond receptionctl)
# The archive package of a sealed session (manifest, signature, key) and the console's offline
# `archive check`, with openssl's own Ed25519 check of the signature.
rd_add_test(test-archive-package SOURCES test-archive-package.c LIBS rd-test-daemon rd-ledger
  TIMEOUT 120)
add_dependencies(test-archive-package receptiond receptionctl)
# The room console's operator accounts and JSON API (plain HTTPS on loopback; the ledger read
# with sqlite3 to wait for its events).
rd_add_test(test-console-api SOURCES test-console-api.c rd-test-console-api.c
  LIBS rd-test-daemon PkgConfig::SOUP PkgConfig::SQLITE TIMEOUT 120)
add_dependencies(test-console-api receptiond receptionctl)
# The book and the monthly report downloaded from the console as XLSX and PDF (documents/),
# read back with Python's zipfile; roles, the session, the ledger's events.
rd_add_test(test-console-download SOURCES test-console-download.c rd-test-console-api.c
  LIBS rd-test-daemon PkgConfig::SOUP PkgConfig::SQLITE TIMEOUT 120)
add_dependencies(test-console-download receptiond receptionctl)
