# signaling: HTTPS listener, TLS identity, the WHIP endpoint and the join page.
# A real HTTPS client pinned to the server's certificate (test-signal-server*, test-signal-whip*).
add_library(rd-test-signal STATIC rd-test-signal.c)
target_link_libraries(rd-test-signal PUBLIC PkgConfig::SOUP PkgConfig::GLIB)
# The HTTPS listener and its TLS identity. One fixture.
add_library(rd-test-listener STATIC rd-test-listener.c)
target_link_libraries(rd-test-listener PUBLIC rd-signaling rd-test-signal)
rd_add_test(test-signal-server SOURCES test-signal-server.c LIBS rd-test-listener)
rd_add_test(test-signal-server-tls SOURCES test-signal-server-tls.c LIBS rd-test-listener)
# The listener under connection load: idle floods, timeouts, caps, descriptor exhaustion.
rd_add_test(test-signal-server-load SOURCES test-signal-server-load.c LIBS rd-test-listener)
# The WHIP endpoint: refusals, routes and units; the handler's replies. One fixture.
add_library(rd-test-endpoint STATIC rd-test-endpoint.c)
target_link_libraries(rd-test-endpoint PUBLIC rd-signaling rd-test-signal)
rd_add_test(test-signal-whip SOURCES test-signal-whip.c LIBS rd-test-endpoint rd-signal-join)
rd_add_test(test-signal-whip-replies SOURCES test-signal-whip-replies.c LIBS rd-test-endpoint)
# The WHIP/WHEP client: the POST and its errors; trickle, restart, DELETE. One scripted server.
add_library(rd-test-client STATIC rd-test-client.c)
target_link_libraries(rd-test-client PUBLIC rd-signaling rd-test-signal)
rd_add_test(test-signal-client SOURCES test-signal-client.c LIBS rd-test-client)
rd_add_test(test-signal-client-trickle SOURCES test-signal-client-trickle.c LIBS rd-test-client)
rd_add_test(test-signal-client-errors SOURCES test-signal-client-errors.c LIBS rd-test-client)
# The web console (signaling/console/) in headless Chromium against a stub of its API
# (rd-test-console-stub.c), in a network namespace of the test's own; screenshots of every page
# go to build/tests/console-screenshots/. Skips (visibly) without root or without chromium.
add_library(rd-test-console-stub STATIC rd-test-console-stub.c)
target_link_libraries(rd-test-console-stub PUBLIC rd-signaling PkgConfig::SOUP PkgConfig::JSONGLIB
  PkgConfig::GLIB)
# The console's steps in any browser, and the real daemon with operators (rd-test-console-ui.h).
add_library(rd-test-console-ui STATIC rd-test-console-ui.c)
target_link_libraries(rd-test-console-ui PUBLIC rd-test-browser rd-test-daemon)
rd_add_test(test-console-page
  SOURCES test-console-page.c
  LIBS rd-test-console-stub rd-test-console-ui rd-test-chromium rd-signaling PkgConfig::SOUP
    PkgConfig::JSONGLIB PkgConfig::GLIB
  TIMEOUT 180 THIRD_PARTY_THREADS)
# The same console against the real daemon: operators, the live feed, a browser party, a pause,
# a recording played, an officer's book and export.
rd_add_test(test-console-e2e
  SOURCES test-console-e2e.c
  LIBS rd-test-console-ui rd-test-chromium PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GLIB
  TIMEOUT 240 THIRD_PARTY_THREADS)
add_dependencies(test-console-e2e receptiond receptionctl)
# The same console in Firefox (Debian's firefox-esr over WebDriver BiDi), against the real
# daemon: every page at both sizes (console-screenshots/*-firefox-*.png). Skips, visibly,
# without root or without firefox-esr.
rd_add_test(test-console-firefox
  SOURCES test-console-firefox.c
  LIBS rd-test-console-ui rd-test-firefox PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GLIB
  TIMEOUT 180 THIRD_PARTY_THREADS)
add_dependencies(test-console-firefox receptiond receptionctl)
