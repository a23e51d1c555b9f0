# signaling: HTTPS listener, TLS identity, the WHIP endpoint and the join page.
rd_add_test(test-signal-server SOURCES test-signal-server.c LIBS rd-signaling)
rd_add_test(test-signal-whip SOURCES test-signal-whip.c LIBS rd-signaling rd-signal-join)
# The WHIP/WHEP client: the POST and its errors; trickle, restart, DELETE. One scripted server.
add_library(rd-test-client STATIC rd-test-client.c)
target_link_libraries(rd-test-client PUBLIC rd-signaling)
rd_add_test(test-signal-client SOURCES test-signal-client.c LIBS rd-test-client)
rd_add_test(test-signal-client-trickle SOURCES test-signal-client-trickle.c LIBS rd-test-client)
rd_add_test(test-signal-client-errors SOURCES test-signal-client-errors.c LIBS rd-test-client)
