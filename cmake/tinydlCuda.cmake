# tinydlCuda.cmake — decides whether this build has the CUDA backend (sets TINYDL_HAS_CUDA).
#
# TINYDL_WITH_CUDA=OFF: never. ON: required (configure fails without nvcc, cuBLAS and cuDNN).
# AUTO: when all three are found. nvcc is often not on PATH, so /usr/local/cuda is tried too.
set(TINYDL_HAS_CUDA OFF)
if(NOT TINYDL_WITH_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)  # never fails configure; sets CMAKE_CUDA_COMPILER or NOTFOUND
  set(_tinydl_cuda_ok OFF)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # A100 (sm_80), H100/H200 (sm_90), plus PTX for newer GPUs. CUDA 13 knows nothing below sm_75.
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
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
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    add_library(tinydl_cudnn INTERFACE)  # cuDNN has no FindCUDAToolkit target
    target_include_directories(tinydl_cudnn INTERFACE $<BUILD_INTERFACE:${TINYDL_CUDNN_INCLUDE_DIR}>)
    target_link_libraries(tinydl_cudnn INTERFACE $<BUILD_INTERFACE:${TINYDL_CUDNN_LIBRARY}>)
    message(STATUS "tinydl: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(TINYDL_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "tinydl: TINYDL_WITH_CUDA=ON but nvcc, cuBLAS or cuDNN was not found "
                        "(looked for nvcc at CUDACXX, on PATH and in /usr/local/cuda/bin)")
  else()
    message(STATUS "tinydl: CUDA backend OFF (nvcc, cuBLAS or cuDNN not found)")
  endif()
endif()
