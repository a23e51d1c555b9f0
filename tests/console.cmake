# receptionctl's days, times and columns (console/rd-console-time.h).
rd_add_test(test-console-time SOURCES test-console-time.c LIBS rd-console)
