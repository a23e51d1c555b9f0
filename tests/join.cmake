# The browser join page (signaling/join/) in headless Chromium, in a network namespace of the
# test's own, against a stub WHIP server (rd-test-join-stub.c). Skips (visibly) without root or
# without /usr/bin/chromium.
add_library(rd-test-join-stub STATIC rd-test-join-stub.c)
target_link_libraries(rd-test-join-stub PUBLIC rd-signal-join rd-test-chromium rd-test-daemon
  PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GLIB)
rd_add_test(test-join-page
  SOURCES test-join-page.c
  LIBS rd-test-join-stub rd-signal-join PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GLIB
  TIMEOUT 120 THIRD_PARTY_THREADS)
# The same page in a real call: a GStreamer webrtcbin answers behind the stub.
rd_add_test(test-join-page-call
  SOURCES test-join-page-call.c
  LIBS rd-test-join-stub rd-signal-join PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GST
    PkgConfig::GSTWEBRTC PkgConfig::GLIB
  TIMEOUT 120 THIRD_PARTY_THREADS)
