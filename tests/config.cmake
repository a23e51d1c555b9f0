rd_add_test(test-config SOURCES test-config.c LIBS rd-config)
rd_add_test(test-calendar SOURCES test-calendar.c LIBS rd-config)
