# Test helpers shared by tests/ and plugins/<name>/tests.
pkg_check_modules(CPPUNIT REQUIRED IMPORTED_TARGET cppunit)
set(PORTICO_STAGE_DIR ${PROJECT_BINARY_DIR}/stage)

# portico_add_cppunit_test(<name> SOURCES <files>... [LIBS <targets>...] [INTEGRATION] [TIMEOUT s] [LABELS l...])
# One executable per suite file group; INTEGRATION tests need the staged install.
# Each label named in LABELS gets a target portico_tests_<label> that builds its tests and, for
# integration ones, everything installed: `cmake --build <dir> --target portico_tests_concurrency`
# is all `ctest -L concurrency` needs (scripts/dev.sh sanitize builds the TSan tree so).
# The fixtures a test loads are its own dependencies (add_dependencies), so they come along.
function(portico_add_cppunit_test name)
  cmake_parse_arguments(T "INTEGRATION" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE portico_test_support ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core/src)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  if(T_INTEGRATION)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED stage)
    list(APPEND T_LABELS integration)
  else()
    list(APPEND T_LABELS unit)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  foreach(label IN LISTS T_LABELS)
    if(NOT TARGET portico_tests_${label})
      add_custom_target(portico_tests_${label})
    endif()
    add_dependencies(portico_tests_${label} ${name})
    if(T_INTEGRATION)
      add_dependencies(portico_tests_${label} portico_installed)
    endif()
  endforeach()
endfunction()

