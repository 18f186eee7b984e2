# Each public entry header must compile on its own, first in its translation unit (a header that
# relies on another being included before it breaks users who include only it).
#   cmake -DCXX=… -DINCLUDES="dir;dir" -DHEADERS="lossc/lossc.hpp;…" -DWORK=… -P header_alone.cmake
set(_flags -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror)
foreach(_dir IN LISTS INCLUDES)
  list(APPEND _flags -isystem ${_dir})
endforeach()
file(MAKE_DIRECTORY ${WORK})
foreach(_header IN LISTS HEADERS)
  string(MAKE_C_IDENTIFIER ${_header} _id)
  file(WRITE ${WORK}/${_id}.cpp "#include <${_header}>\n")
  execute_process(COMMAND ${CXX} ${_flags} ${WORK}/${_id}.cpp RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "<${_header}> does not compile on its own:\n${_out}${_err}")
  endif()
endforeach()
message(STATUS "each of ${HEADERS} compiles on its own")
