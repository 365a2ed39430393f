# Script mode: install metalearn from the build tree BINARY_DIR into a scratch prefix (the
# compiled mode's library, when built, is already there), then configure, build and run the
# consumer project in tests/consumer against it with find_package(metalearn CONFIG): the
# header-only program, and the compiled-mode one when the package has metalearn::compiled.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
# A library built with the sanitizers (METALEARN_SANITIZE) needs them in the program that links it.
set(_flags "")
if(SANITIZE)
  set(_flags -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/consumer" -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    -DCMAKE_BUILD_TYPE=Release ${_flags})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
# The header-only program checks that Knowledge::builtin() finds the installed files; the compiled
# one loads the installed file (its library looks in the source tree first, so it is given the path).
set(_knowledge "${WORK_DIR}/prefix/share/metalearn/knowledge")
run("${WORK_DIR}/consumer/consumer" "${_knowledge}")
if(EXISTS "${WORK_DIR}/consumer/consumer_compiled")
  run("${WORK_DIR}/consumer/consumer_compiled" "${_knowledge}/logistic_regression.json")
elseif(EXPECT_COMPILED)
  message(FATAL_ERROR "the installed package has no metalearn::compiled target")
endif()
message(STATUS "consumer project built and ran against ${WORK_DIR}/prefix")
