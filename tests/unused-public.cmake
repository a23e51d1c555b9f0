# No unused public function in the modules (read from the built objects), and a check that the
# check names each kind of fault in a small tree built for it.
add_test(NAME test-unused-public
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test-unused-public.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
add_test(NAME test-unused-public-catches-unused
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test-unused-public-self.sh ${CMAKE_C_COMPILER})
set_tests_properties(test-unused-public test-unused-public-catches-unused PROPERTIES TIMEOUT 30)
