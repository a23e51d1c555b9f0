# A real conference server as the far end (TESTING.md): Janus's VideoRoom behind simple-whip-server,
# both started by the test in its own network namespace (tests/rd-test-janus.h); skipped, visibly,
# when scripts/install-deps.sh has not installed them.
add_library(rd-test-janus STATIC rd-test-janus.c rd-test-janus-subscriber.c)
target_link_libraries(rd-test-janus PUBLIC rd-test-daemon PkgConfig::SOUP)
rd_add_test(test-janus-interop SOURCES test-janus-interop.c
  LIBS rd-test-janus rd-test-room TIMEOUT 180 THIRD_PARTY_THREADS)
add_dependencies(test-janus-interop receptiond receptionctl)

# Two hosts joined by a link with delay, loss and cuts (tests/rd-test-veth.h: TAP devices and a
# forwarding thread, as this kernel has no netem).
add_library(rd-test-veth STATIC rd-test-veth.c rd-test-veth-link.c)
target_link_libraries(rd-test-veth PUBLIC PkgConfig::GLIB)
# Long (about 2 minutes: a minute of loss, a 10 s cut): label "long" (ctest -L long / -LE long).
rd_add_test(test-netfault SOURCES test-netfault.c rd-test-far.c
  LIBS rd-test-veth rd-test-room rd-test-probe TIMEOUT 360 THIRD_PARTY_THREADS)
set_tests_properties(test-netfault PROPERTIES LABELS long)
add_dependencies(test-netfault receptiond receptionctl)
