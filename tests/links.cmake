# Conferences the room joins (session join/leave): two real daemons in the test's own
# network namespace, one the far end; faults from outside (SIGKILL, lo down in the namespace).
add_library(rd-test-links STATIC rd-test-links.c)
target_link_libraries(rd-test-links PUBLIC rd-test-room)
rd_add_test(test-links SOURCES test-links.c LIBS rd-test-links TIMEOUT 600 THIRD_PARTY_THREADS)
add_dependencies(test-links receptiond receptionctl)
rd_add_test(test-links-reconnect SOURCES test-links-reconnect.c LIBS rd-test-links rd-test-turn
  TIMEOUT 600 THIRD_PARTY_THREADS)
add_dependencies(test-links-reconnect receptiond receptionctl)
