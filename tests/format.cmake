# Every C file is formatted with the repository's .clang-format.
file(GLOB_RECURSE rd_c_files RELATIVE ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/config/*.[ch] ${CMAKE_SOURCE_DIR}/proto/*.[ch] ${CMAKE_SOURCE_DIR}/media/*.[ch]
  ${CMAKE_SOURCE_DIR}/signaling/*.[ch] ${CMAKE_SOURCE_DIR}/ledger/*.[ch]
  ${CMAKE_SOURCE_DIR}/daemon/*.[ch] ${CMAKE_SOURCE_DIR}/console/*.[ch] ${CMAKE_SOURCE_DIR}/documents/*.[ch]
  ${CMAKE_SOURCE_DIR}/tests/*.[ch] ${CMAKE_SOURCE_DIR}/bench/*.[ch])
add_test(NAME test-format COMMAND clang-format --dry-run -Werror ${rd_c_files}
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(test-format PROPERTIES TIMEOUT 60)
