# gtm_test(NAME SOURCES... DEPS ... [LABELS ...]): one GoogleTest binary,
# registered with CTest test by test. Integration tests find the gtm binary
# and the source tree through the environment set here.
function(gtm_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    GTM_BINARY="$<TARGET_FILE:gtm>"
    GTM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(${name} gtm)
  # A GTEST_SKIP (no root, no namespaces, a tool missing) is a skip in
  # ctest's count, never a pass.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${ARG_LABELS}" SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
