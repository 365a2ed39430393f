# Script mode: configure and install metalearn into a scratch prefix, then configure, build and
# run the consumer project in tests/consumer against it with find_package(metalearn CONFIG).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/lib" -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix
    -DMETALEARN_BUILD_TESTS=OFF -DMETALEARN_BUILD_EXAMPLES=OFF -DMETALEARN_BUILD_BENCHMARKS=OFF
    -DMETALEARN_CHECK_HEADERS=OFF)
run(${CMAKE_COMMAND} --install "${WORK_DIR}/lib")
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/consumer" -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
message(STATUS "consumer project built and ran against ${WORK_DIR}/prefix")
