# The fuzz targets (tests/fuzz, libFuzzer in the "fuzz" preset) replayed over their seed corpora
# in the builds without libFuzzer: every input in tests/fuzz/corpus/<target>/, regression inputs
# included, once per CI build (under ASan too), and the harnesses compiled by gcc.
function(rd_add_fuzz_replay name source)
  add_executable(${name}-replay fuzz/rd-fuzz-replay.c fuzz/${source})
  target_link_libraries(${name}-replay PRIVATE ${ARGN})
  set_target_properties(${name}-replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name}-corpus
    COMMAND ${name}-replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  set_tests_properties(${name}-corpus PROPERTIES TIMEOUT 60 ENVIRONMENT "G_DEBUG=fatal-criticals")
endfunction()

rd_add_fuzz_replay(fuzz-sdp rd-fuzz-sdp.c rd-media)
target_compile_definitions(fuzz-sdp-replay PRIVATE GST_USE_UNSTABLE_API)
rd_add_fuzz_replay(fuzz-links rd-fuzz-links.c rd-signaling)
rd_add_fuzz_replay(fuzz-proto rd-fuzz-proto.c rd-proto)
rd_add_fuzz_replay(fuzz-book rd-fuzz-book.c rd-ledger PkgConfig::SQLITE)
rd_add_fuzz_replay(fuzz-whip rd-fuzz-whip.c rd-signaling)
rd_add_fuzz_replay(fuzz-sdpfrag rd-fuzz-sdpfrag.c rd-media)
target_compile_definitions(fuzz-sdpfrag-replay PRIVATE GST_USE_UNSTABLE_API)
