# Installs the lossc of build tree BUILD into WORK/prefix and uses it from a project of its own
# (CONSUMER) as a user would: find_package(lossc CONFIG REQUIRED) with a version, a version the
# install does not satisfy (must fail to configure), and pkg-config. Each program must run and
# print "as expected".
# With -DTORCH=ON (lossc built with lossc::torch) the package must give lossc::torch as well.
#   cmake -DBUILD=… -DWORK=… -DCONSUMER=… -DCXX=… [-DTORCH=ON] -P check.cmake
foreach(_var BUILD WORK CONSUMER CXX)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check.cmake: -D${_var}=… is required")
  endif()
endforeach()
if(NOT DEFINED TORCH)
  set(TORCH OFF)
endif()
file(REMOVE_RECURSE ${WORK})
set(_prefix ${WORK}/prefix)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${_rc}):\n${_out}${_err}")
  endif()
  set(run_output "${_out}${_err}" PARENT_SCOPE)
endfunction()

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${_prefix})
foreach(_file share/lossc/cmake/lossc-config.cmake share/lossc/cmake/lossc-config-version.cmake
              share/lossc/cmake/lossc-targets.cmake share/pkgconfig/lossc.pc include/lossc/lossc.hpp)
  if(NOT EXISTS ${_prefix}/${_file})
    message(FATAL_ERROR "the install lacks ${_file}")
  endif()
endforeach()

# find_package with the project's own major.minor version
file(READ ${_prefix}/share/lossc/cmake/lossc-config-version.cmake _version_file)
string(REGEX MATCH "PACKAGE_VERSION \"([0-9]+\\.[0-9]+)" _ "${_version_file}")
set(_want ${CMAKE_MATCH_1})
run("configuring the consumer (find_package(lossc ${_want} CONFIG REQUIRED))"
    ${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK}/cmake -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${_prefix} -DLOSSC_WANT=${_want} -DLOSSC_EXPECT_TORCH=${TORCH})
run("building the consumer" ${CMAKE_COMMAND} --build ${WORK}/cmake)
run("running the consumer" ${WORK}/cmake/consumer)
if(NOT run_output MATCHES "as expected")
  message(FATAL_ERROR "the consumer printed:\n${run_output}")
endif()

# A version the install does not satisfy must stop the configuration, naming lossc.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK}/cmake-too-new -DCMAKE_CXX_COMPILER=${CXX}
                        -DCMAKE_PREFIX_PATH=${_prefix} -DLOSSC_WANT=99.0
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(_rc EQUAL 0 OR NOT "${_out}${_err}" MATCHES "lossc")
  message(FATAL_ERROR "find_package(lossc 99.0) was satisfied by version ${_want}:\n${_out}${_err}")
endif()

# pkg-config, relocated (the .pc file finds its prefix from its own place)
set(ENV{PKG_CONFIG_PATH} ${_prefix}/share/pkgconfig)
run("pkg-config --cflags lossc" pkg-config --cflags lossc)
string(STRIP "${run_output}" _cflags)
if(NOT _cflags MATCHES "eigen3" OR NOT _cflags MATCHES "prefix/share/pkgconfig/../../include|prefix/include")
  message(FATAL_ERROR "pkg-config --cflags lossc gave '${_cflags}'")
endif()
separate_arguments(_cflags UNIX_COMMAND "${_cflags}")
run("compiling the consumer with pkg-config's flags" ${CXX} -std=c++20 ${_cflags} ${CONSUMER}/main.cpp -o ${WORK}/consumer-pc)
run("running the pkg-config consumer" ${WORK}/consumer-pc)
if(NOT run_output MATCHES "as expected")
  message(FATAL_ERROR "the pkg-config consumer printed:\n${run_output}")
endif()
message(STATUS "installed lossc ${_want}: find_package, the version check and pkg-config work")
