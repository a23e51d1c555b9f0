# signaling: HTTPS listener, TLS identity.
rd_add_test(test-signal-server SOURCES test-signal-server.c LIBS rd-signaling)
