# The layering rule on the real tree, and a check that it catches wrong-way includes.
add_test(NAME test-layering COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test-layering.sh ${CMAKE_SOURCE_DIR})
add_test(NAME test-layering-catches-wrong-way COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test-layering-self.sh)
set_tests_properties(test-layering test-layering-catches-wrong-way PROPERTIES TIMEOUT 30)
