# gtm_library(NAME SOURCES... DEPS ...): one static library per source folder,
# with the project root on the include path so headers read as "dns/wire.hpp".
function(gtm_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
