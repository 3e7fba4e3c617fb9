# tinydlCuda.cmake — decides whether this build has the CUDA backend (sets TINYDL_HAS_CUDA).
#
# TINYDL_WITH_CUDA=OFF: never, and nothing CUDA is even looked for. ON: required (configure fails
# without nvcc, cuBLAS and cuDNN). AUTO: when all three are found. nvcc is often not on PATH, so
# /usr/local/cuda is tried too. `enable_language(CUDA OPTIONAL)` is unimplemented in CMake, so
# check_language() probes first and enable_language() runs only when it found a compiler.
#
# Defines, when CUDA is on: the CUDA language, CUDA::cudart / CUDA::cublas (FindCUDAToolkit),
# and tinydl_cudnn, an INTERFACE target for cuDNN (FindCUDAToolkit has none). tinydl_cudnn
# exists only in the build tree: the installed package recreates cuDNN as tinydl::cudnn in
# tinydlConfig.cmake, because cuDNN's location on the consumer's machine is found there.
set(TINYDL_HAS_CUDA OFF)
if(NOT TINYDL_WITH_CUDA STREQUAL "OFF")
  # Point CUDACXX (not CMAKE_CUDA_COMPILER: check_language() trusts a set compiler without
  # trying it) at the usual toolkit when nvcc is not on PATH, so a broken nvcc still means "no CUDA".
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(_tinydl_nvcc_on_path nvcc NO_CACHE)
    if(NOT _tinydl_nvcc_on_path AND EXISTS /usr/local/cuda/bin/nvcc)
      set(ENV{CUDACXX} /usr/local/cuda/bin/nvcc)
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)  # never fails configure; sets CMAKE_CUDA_COMPILER or NOTFOUND
  set(_tinydl_cuda_ok OFF)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # A100 (sm_80), H100/H200 (sm_90), plus PTX for newer GPUs. CUDA 13 knows nothing below sm_75.
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
    endif()
    # Link the shared CUDA runtime, the same libcudart.so that CUDA::cudart names in tinydl's
    # link interface: CMake's default for CUDA targets is the static one, and a program holding
    # two runtimes has two sets of contexts.
    if(NOT DEFINED CMAKE_CUDA_RUNTIME_LIBRARY)
      set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit)
    find_library(TINYDL_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
    find_path(TINYDL_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublas AND TINYDL_CUDNN_LIBRARY AND TINYDL_CUDNN_INCLUDE_DIR)
      set(_tinydl_cuda_ok ON)
    endif()
  endif()
  if(_tinydl_cuda_ok)
    set(TINYDL_HAS_CUDA ON)
    # CMake 3.25 (Debian 12) does not know nvcc's C++20 flag and stops with "requires the
    # language dialect CUDA20"; nvcc >= 12 takes -std=c++20, so tell it. Newer CMakes know.
    if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION AND CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA"
       AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    if(NOT TARGET tinydl_cudnn)  # a parent project may add tinydl twice in odd setups
      add_library(tinydl_cudnn INTERFACE)
      target_include_directories(tinydl_cudnn INTERFACE ${TINYDL_CUDNN_INCLUDE_DIR})
      target_link_libraries(tinydl_cudnn INTERFACE ${TINYDL_CUDNN_LIBRARY})
    endif()
    message(STATUS "tinydl: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(TINYDL_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "tinydl: TINYDL_WITH_CUDA=ON but nvcc, cuBLAS or cuDNN was not found "
                        "(looked for nvcc at CUDACXX, on PATH and in /usr/local/cuda/bin)")
  else()
    message(STATUS "tinydl: CUDA backend OFF (nvcc, cuBLAS or cuDNN not found)")
  endif()
endif()
