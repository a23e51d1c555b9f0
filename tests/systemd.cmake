# systemd/: `systemd-analyze verify` on the configured unit (run against a copy whose ExecStart=
# is the build tree's receptiond, which must already be built: the test fails, never skips,
# without it), plus sysusers.d/tmpfiles.d applied to a scratch root.
if(TARGET receptiond)
  set(rd_unit_test_binary $<TARGET_FILE:receptiond>)
else()
  set(rd_unit_test_binary ${CMAKE_BINARY_DIR}/bin/receptiond)
endif()
add_test(NAME test-systemd-unit
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test-systemd-unit.sh
    ${CMAKE_BINARY_DIR}/systemd/receptiond.service ${rd_unit_test_binary}
    ${CMAKE_SOURCE_DIR}/systemd/receptiond.sysusers ${CMAKE_SOURCE_DIR}/systemd/receptiond.tmpfiles)
set_tests_properties(test-systemd-unit PROPERTIES TIMEOUT 60)
