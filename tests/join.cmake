# The browser join page (signaling/join/) in headless Chromium, in a network namespace of the
# test's own. Skips (visibly) without root or without /usr/bin/chromium.
rd_add_test(test-join-page
  SOURCES test-join-page.c
  LIBS rd-signal-join rd-test-chromium rd-test-daemon PkgConfig::SOUP PkgConfig::JSONGLIB
    PkgConfig::GST PkgConfig::GSTWEBRTC PkgConfig::GLIB
  TIMEOUT 120 THIRD_PARTY_THREADS)
