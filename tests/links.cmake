# Conferences the room joins (session join/leave, issue 6): two real daemons in the test's own
# network namespace, one the far end; faults from outside (SIGKILL, tc netem on lo).
rd_add_test(test-links SOURCES test-links.c LIBS rd-test-room rd-test-turn TIMEOUT 600 THIRD_PARTY_THREADS)
add_dependencies(test-links receptiond receptionctl)
