# tinydlInstall.cmake — install rules: the library, the public headers, the CMake package
# (tinydl::tinydl through find_package(tinydl)) and a pkg-config file.
#
# Installed layout (under CMAKE_INSTALL_PREFIX, or `cmake --install build --prefix DIR`):
#   include/tinydl/*.h                    public headers, with the generated version.h
#   lib/libtinydl.a (or .so)              the library (static unless BUILD_SHARED_LIBS=ON)
#   lib/cmake/tinydl/tinydlTargets.cmake  the exported target tinydl::tinydl
#   lib/cmake/tinydl/tinydlConfig.cmake   finds tinydl's dependencies, then the targets
#   lib/cmake/tinydl/tinydlConfigVersion.cmake
#   lib/pkgconfig/tinydl.pc
# (lib is CMAKE_INSTALL_LIBDIR: lib/x86_64-linux-gnu for a /usr prefix on Debian.)
#
# Not here: the ALIAS tinydl::tinydl for add_subdirectory users (top CMakeLists.txt). The
# tests that install into a temporary prefix and build a consumer are in tests/packaging/.

# As a subproject, tinydl installs nothing unless asked: the parent owns its install tree.
option(TINYDL_INSTALL "Generate tinydl's install rules" ${PROJECT_IS_TOP_LEVEL})
if(NOT TINYDL_INSTALL)
  return()
endif()

include(CMakePackageConfigHelpers)

set(TINYDL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/tinydl)

install(TARGETS tinydl EXPORT tinydlTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tinydl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/tinydl/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tinydl)

install(EXPORT tinydlTargets NAMESPACE tinydl:: FILE tinydlTargets.cmake
        DESTINATION ${TINYDL_INSTALL_CMAKEDIR})

# What the config file needs to know about this build (see cmake/tinydlConfig.cmake.in).
if(BUILD_SHARED_LIBS)
  set(TINYDL_STATIC OFF)
else()
  set(TINYDL_STATIC ON)
endif()
set(TINYDL_CUDA_ROOT_HINT "")
set(TINYDL_CUDNN_DIR_HINT "")
if(TINYDL_HAS_CUDA)
  get_filename_component(TINYDL_CUDA_ROOT_HINT "${CUDAToolkit_BIN_DIR}" DIRECTORY)
  get_filename_component(TINYDL_CUDNN_DIR_HINT "${TINYDL_CUDNN_LIBRARY}" DIRECTORY)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tinydlConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/tinydlConfig.cmake
                              INSTALL_DESTINATION ${TINYDL_INSTALL_CMAKEDIR})
# 0.x minor versions may break the API and ABI: find_package(tinydl 0.1) accepts 0.1.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tinydlConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tinydlConfig.cmake ${PROJECT_BINARY_DIR}/tinydlConfigVersion.cmake
        DESTINATION ${TINYDL_INSTALL_CMAKEDIR})

# ---- pkg-config -----------------------------------------------------------------------------
# The .pc file finds its prefix from its own location (${pcfiledir}), so the tree can be
# installed with `cmake --install --prefix` anywhere and moved. A static libtinydl.a needs its
# dependencies on the link line (Libs); a shared one links them itself (Libs.private, used only
# by `pkg-config --static`). The threads library is public either way (empty with glibc >= 2.34).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TINYDL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(TINYDL_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _tinydl_up "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" _tinydl_up "${_tinydl_up}")
  set(TINYDL_PC_PREFIX "\${pcfiledir}/${_tinydl_up}")
  set(TINYDL_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TINYDL_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(TINYDL_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

set(TINYDL_PC_CFLAGS "")
set(TINYDL_PC_LIBS "${CMAKE_THREAD_LIBS_INIT}")
set(TINYDL_PC_LIBS_PRIVATE "-lfmt -lz")
if(TINYDL_HAS_CUDA)
  string(APPEND TINYDL_PC_CFLAGS " -DTINYDL_WITH_CUDA")
  string(APPEND TINYDL_PC_LIBS " -L${CUDAToolkit_LIBRARY_DIR} -lcudart")
  string(APPEND TINYDL_PC_LIBS_PRIVATE " -lcublas -L${TINYDL_CUDNN_DIR_HINT} -lcudnn")
endif()
if(TINYDL_STATIC)
  string(APPEND TINYDL_PC_LIBS " ${TINYDL_PC_LIBS_PRIVATE}")
  set(TINYDL_PC_LIBS_PRIVATE "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tinydl.pc.in ${PROJECT_BINARY_DIR}/tinydl.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tinydl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
