# packaging_test.cmake — the packaging tests, run by CTest as `cmake -DMODE=... -P packaging_test.cmake`.
#
# MODE=install           installs the already-built tinydl into WORK_DIR/prefix (the fixture the
#                        next two use)
# MODE=find_package      builds and runs tests/packaging/consumer against that prefix with
#                        find_package(tinydl 0.1 REQUIRED), and checks the version rule
# MODE=pkg_config        compiles consumer/main.cpp with the flags of `pkg-config tinydl` and runs it
# MODE=add_subdirectory  builds the consumer with tinydl's source tree added as a subproject
#
# Nothing is downloaded. Inputs (-D): MODE, SOURCE_DIR (tinydl's source tree), BINARY_DIR (its
# build tree), WORK_DIR, GENERATOR, CXX_COMPILER, BUILD_TYPE, and for add_subdirectory the
# tinydl options to forward (WITH_CUDA, CUDA_COMPILER, CUDA_ARCHITECTURES, SHARED, LAUNCHER);
# PKG_CONFIG for pkg_config. Any failing step stops the script with a non-zero exit.
cmake_minimum_required(VERSION 3.24)

set(prefix "${WORK_DIR}/prefix")
set(consumer_source "${SOURCE_DIR}/tests/packaging/consumer")

# Runs a command, echoing it first; a non-zero exit fails the test.
function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "packaging: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "packaging: command failed (${result}): ${shown}")
  endif()
endfunction()

# The flags every consumer configure gets: same generator, compiler and build type as tinydl.
set(configure_flags -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(BUILD_TYPE)
  list(APPEND configure_flags "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${prefix}")
  set(config_flag "")
  if(BUILD_TYPE)
    set(config_flag --config "${BUILD_TYPE}")
  endif()
  run("${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}" ${config_flag})
  # The files a user relies on (lib may be lib64 or lib/<triplet> under other prefixes; not here).
  file(GLOB_RECURSE config LIST_DIRECTORIES false "${prefix}/*/tinydlConfig.cmake")
  file(GLOB_RECURSE pc LIST_DIRECTORIES false "${prefix}/*/tinydl.pc")
  foreach(f include/tinydl/tinydl.h include/tinydl/version.h)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "packaging: ${f} was not installed")
    endif()
  endforeach()
  if(NOT config OR NOT pc)
    message(FATAL_ERROR "packaging: tinydlConfig.cmake or tinydl.pc was not installed")
  endif()

elseif(MODE STREQUAL "find_package")
  set(build "${WORK_DIR}/find_package-build")
  file(REMOVE_RECURSE "${build}")
  run("${CMAKE_COMMAND}" -S "${consumer_source}" -B "${build}" ${configure_flags}
      "-DCMAKE_PREFIX_PATH=${prefix}")
  # The consumer must have found the copy we just installed, not some other tinydl.
  file(STRINGS "${build}/CMakeCache.txt" found_dir REGEX "^tinydl_DIR:")
  string(FIND "${found_dir}" "${prefix}/" at)
  if(NOT at GREATER -1)
    message(FATAL_ERROR "packaging: the consumer found tinydl elsewhere: ${found_dir}")
  endif()
  run("${CMAKE_COMMAND}" --build "${build}")
  file(GLOB exe LIST_DIRECTORIES false "${build}/consumer" "${build}/*/consumer")
  run(${exe})

  # Version rule (SameMinorVersion): 0.1 is accepted above, 0.2 and 1.0 must not be.
  set(check "${WORK_DIR}/version-check")
  file(REMOVE_RECURSE "${check}")
  file(WRITE "${check}/CMakeLists.txt" [=[
cmake_minimum_required(VERSION 3.24)
project(tinydl_version_check LANGUAGES CXX)
foreach(wanted 0.2 1.0)
  find_package(tinydl ${wanted} QUIET)
  if(tinydl_FOUND)
    message(FATAL_ERROR "find_package(tinydl ${wanted}) accepted tinydl ${tinydl_VERSION}")
  endif()
endforeach()
]=])
  run("${CMAKE_COMMAND}" -S "${check}" -B "${check}/build" ${configure_flags} "-DCMAKE_PREFIX_PATH=${prefix}")

elseif(MODE STREQUAL "pkg_config")
  if(NOT PKG_CONFIG)
    message(STATUS "packaging: pkg-config is not installed; skipping")
    return()  # tests/packaging/CMakeLists.txt turns this message into a CTest skip
  endif()
  file(GLOB_RECURSE pc LIST_DIRECTORIES false "${prefix}/*/tinydl.pc")
  get_filename_component(pc_dir "${pc}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  execute_process(COMMAND "${PKG_CONFIG}" --cflags tinydl OUTPUT_VARIABLE cflags RESULT_VARIABLE r1
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND "${PKG_CONFIG}" --libs tinydl OUTPUT_VARIABLE libs RESULT_VARIABLE r2
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT r1 EQUAL 0 OR NOT r2 EQUAL 0)
    message(FATAL_ERROR "packaging: pkg-config --cflags/--libs tinydl failed")
  endif()
  message(STATUS "packaging: pkg-config tinydl: ${cflags} ${libs}")
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  separate_arguments(libs UNIX_COMMAND "${libs}")
  set(exe "${WORK_DIR}/pkg_config-consumer")
  file(REMOVE "${exe}")
  run("${CXX_COMPILER}" -std=c++20 -O1 ${cflags} "${consumer_source}/main.cpp" -o "${exe}" ${libs})
  # The -L directories (a shared libtinydl, the CUDA libraries) must be found at run time too.
  set(lib_path "")
  foreach(flag IN LISTS libs)
    if(flag MATCHES "^-L(.+)")
      list(APPEND lib_path "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  string(REPLACE ";" ":" lib_path "${lib_path}")
  set(ENV{LD_LIBRARY_PATH} "${lib_path}:$ENV{LD_LIBRARY_PATH}")
  run("${exe}")

elseif(MODE STREQUAL "add_subdirectory")
  # Kept between runs, so a re-run rebuilds only what changed.
  set(build "${WORK_DIR}/add_subdirectory-build")
  set(tinydl_flags "-DTINYDL_SOURCE_DIR=${SOURCE_DIR}" "-DTINYDL_WITH_CUDA=${WITH_CUDA}")
  if(SHARED)
    list(APPEND tinydl_flags -DBUILD_SHARED_LIBS=ON)
  endif()
  if(CUDA_COMPILER)
    list(APPEND tinydl_flags "-DCMAKE_CUDA_COMPILER=${CUDA_COMPILER}")
  endif()
  if(CUDA_ARCHITECTURES)  # comma-separated here; an initial-cache file keeps the list whole
    string(REPLACE "," ";" archs "${CUDA_ARCHITECTURES}")
    file(WRITE "${WORK_DIR}/add_subdirectory-init.cmake"
         "set(CMAKE_CUDA_ARCHITECTURES \"${archs}\" CACHE STRING \"CUDA architectures\")\n")
    list(APPEND tinydl_flags -C "${WORK_DIR}/add_subdirectory-init.cmake")
  endif()
  if(LAUNCHER)
    list(APPEND tinydl_flags "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  run("${CMAKE_COMMAND}" -S "${consumer_source}" -B "${build}" ${configure_flags} ${tinydl_flags})
  run("${CMAKE_COMMAND}" --build "${build}" --parallel 2)
  file(GLOB exe LIST_DIRECTORIES false "${build}/consumer" "${build}/*/consumer")
  run(${exe})

else()
  message(FATAL_ERROR "packaging_test.cmake: unknown MODE '${MODE}'")
endif()
