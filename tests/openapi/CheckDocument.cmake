# ctest driver for the checked-in document (cmake -P):
#   MODE=current : the document generated for config/portico.ini must equal docs/openapi/portico.json
#   MODE=validate: the generated and checked-in documents, and the one of tests/openapi/full-chain.ini
#                  (every plugin), must pass @seriousme/openapi-schema-validator (npm ci on first use)
# Inputs: PORTICOD, SOURCE_DIR, WORK_DIR, NODE, NPM.
set(config ${SOURCE_DIR}/config/portico.ini)
set(checked_in ${SOURCE_DIR}/docs/openapi/portico.json)
file(MAKE_DIRECTORY ${WORK_DIR})
set(generated ${WORK_DIR}/portico.json)
execute_process(COMMAND ${PORTICOD} --config=${config} --openapi
                OUTPUT_FILE ${generated} ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "porticod --config=${config} --openapi failed (${status}): ${errors}")
endif()

if(MODE STREQUAL "current")
  file(READ ${generated} now)
  file(READ ${checked_in} before)
  if(NOT now STREQUAL before)
    execute_process(COMMAND diff -u ${checked_in} ${generated} OUTPUT_VARIABLE differences)
    message(FATAL_ERROR "docs/openapi/portico.json is not the document of config/portico.ini any more.\n"
                        "Regenerate it with:  scripts/dev.sh openapi\n"
                        "(then check the API change: porticod --openapi-diff <old> docs/openapi/portico.json)\n"
                        "${differences}")
  endif()
  message(STATUS "docs/openapi/portico.json matches the document generated for config/portico.ini")
elseif(MODE STREQUAL "validate")
  # The validator is pinned in tests/openapi/package-lock.json; scripts/dev.sh deps installs it
  # into the source tree, otherwise it is installed here once (the registry must be reachable).
  set(suite ${SOURCE_DIR}/tests/openapi)
  if(NOT EXISTS ${suite}/node_modules/@seriousme/openapi-schema-validator)
    set(suite ${WORK_DIR}/validator)
    file(COPY ${SOURCE_DIR}/tests/openapi/package.json ${SOURCE_DIR}/tests/openapi/package-lock.json
              ${SOURCE_DIR}/tests/openapi/validate.mjs DESTINATION ${suite})
    if(NOT EXISTS ${suite}/node_modules/@seriousme/openapi-schema-validator)
      execute_process(COMMAND ${NPM} ci --no-audit --no-fund WORKING_DIRECTORY ${suite} RESULT_VARIABLE status)
      if(NOT status EQUAL 0)
        message(FATAL_ERROR "npm ci in ${suite} failed (${status})")
      endif()
    endif()
  endif()
  # The example config may not load every plugin: validate a full chain's document too.
  set(full ${WORK_DIR}/full-chain.json)
  execute_process(COMMAND ${PORTICOD} --config=${SOURCE_DIR}/tests/openapi/full-chain.ini --openapi
                  OUTPUT_FILE ${full} ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "porticod --config=tests/openapi/full-chain.ini --openapi failed (${status}): ${errors}")
  endif()
  foreach(document ${generated} ${checked_in} ${full})
    execute_process(COMMAND ${NODE} ${suite}/validate.mjs ${document} RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "${document} does not validate as OpenAPI 3.1")
    endif()
  endforeach()
else()
  message(FATAL_ERROR "MODE must be current or validate")
endif()
