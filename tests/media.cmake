rd_add_test(test-media-devices SOURCES test-media-devices.c LIBS rd-media)
