rd_add_test(test-config SOURCES test-config.c LIBS rd-config)
