// handles.h — the cuBLAS and cuDNN handles the CUDA kernels call the libraries with, and the two
// status checks every library call goes through (the counterparts of TINYDL_CUDA_CHECK).
//
//   TINYDL_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(cuda::cublas_handle(), ...), "matmul");
//   TINYDL_CUDNN_CHECK(cudnnConvolutionForward(cuda::cudnn_handle(), ...), "conv2d");
//
// A failure throws tinydl::Error naming the op, the call, file:line and the library's own
// description (cublasGetStatusString / cudnnGetErrorString, plus cuDNN's last-error detail);
// an allocation failure inside the library throws tinydl::OutOfMemoryError instead.
//
// A handle holds a library's per-GPU state (its workspace, its kernels' configuration) and is
// bound to the GPU that was current when it was made; creating one costs milliseconds, so each
// is made once and reused. cuDNN forbids two threads using one handle at the same time, so every
// host thread gets its own pair per GPU, taken from a pool and given back when the thread ends
// (PyTorch's handle pool, in aten/src/ATen/cuda/detail/DeviceThreadHandles.h, does the same).
// Both are set up for tinydl's one-stream policy (launch.cuh): they run on the legacy default
// stream, and cuBLAS keeps full float32 precision (CUBLAS_DEFAULT_MATH: no TF32 tensor cores).
//
// A CUDA-only header: included by the .cu files (matmul.cu, conv.cu), never by src/ops.
#pragma once

#include <cublas_v2.h>
#include <cudnn.h>

#include "tinydl/error.h"

namespace tinydl::cuda_detail {

// Throw the tinydl::Error (or OutOfMemoryError) described above. Defined in handles.cu.
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* op, const char* call,
                                     const char* file, int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* op, const char* call, const char* file,
                                    int line);

}  // namespace tinydl::cuda_detail

#define TINYDL_CUBLAS_CHECK(expr, op)                                                                        \
    do {                                                                                                     \
        const cublasStatus_t tinydl_cublas_status_ = (expr);                                                 \
        if (tinydl_cublas_status_ != CUBLAS_STATUS_SUCCESS) [[unlikely]]                                     \
            ::tinydl::cuda_detail::throw_cublas_error(tinydl_cublas_status_, op, #expr, __FILE__, __LINE__); \
    } while (0)

#define TINYDL_CUDNN_CHECK(expr, op)                                                                       \
    do {                                                                                                   \
        const cudnnStatus_t tinydl_cudnn_status_ = (expr);                                                 \
        if (tinydl_cudnn_status_ != CUDNN_STATUS_SUCCESS) [[unlikely]]                                     \
            ::tinydl::cuda_detail::throw_cudnn_error(tinydl_cudnn_status_, op, #expr, __FILE__, __LINE__); \
    } while (0)

namespace tinydl::cuda {

// The calling thread's current GPU (cudaGetDevice): where the kernels run (see launch.cuh).
int current_device();

// The calling thread's handles for its current GPU, made on first use.
cublasHandle_t cublas_handle();
cudnnHandle_t cudnn_handle();

}  // namespace tinydl::cuda
