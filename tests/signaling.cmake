# signaling: HTTPS listener, TLS identity, the WHIP endpoint and the join page.
rd_add_test(test-signal-server SOURCES test-signal-server.c LIBS rd-signaling)
rd_add_test(test-signal-whip SOURCES test-signal-whip.c LIBS rd-signaling rd-signal-join)
rd_add_test(test-signal-client SOURCES test-signal-client.c LIBS rd-signaling)
