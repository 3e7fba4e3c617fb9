// cuda_check.h — TINYDL_CUDA_CHECK: every CUDA runtime call goes through it.
//
//   TINYDL_CUDA_CHECK(cudaMemcpy(dst, src, n, cudaMemcpyHostToDevice), "copy");
//   my_kernel<<<grid, block>>>(...);
//   TINYDL_CUDA_CHECK(cudaGetLastError(), "relu");          // after every launch
//
// A failure throws tinydl::Error (tinydl::OutOfMemoryError for cudaErrorMemoryAllocation) that
// names the op, the call, file:line and CUDA's own description, e.g.
//   "copy: CUDA error: invalid argument (cudaErrorInvalidValue) in cudaMemcpy(...) at src/cuda/runtime.cu:97"
// in the style of llm.c's cudaCheck. It never aborts the process.
//
// Not here: cuBLAS and cuDNN status checks (their own macros arrive with the CUDA backend).
#pragma once

#include <cuda_runtime_api.h>  // cudaError_t, cudaGetErrorString

#include "tinydl/error.h"  // tinydl::Error, tinydl::OutOfMemoryError

namespace tinydl::cuda_detail {

// "/home/me/tinydl/src/cuda/conv.cu" -> "src/cuda/conv.cu", for error messages. Defined in runtime.cu.
const char* short_path(const char* file);

// Clears CUDA's "last error" when it can be cleared, then throws. Defined in runtime.cu.
[[noreturn]] void throw_cuda_error(cudaError_t error, const char* op, const char* call, const char* file,
                                   int line);

}  // namespace tinydl::cuda_detail

#define TINYDL_CUDA_CHECK(expr, op)                                                                      \
    do {                                                                                                 \
        const cudaError_t tinydl_cuda_status_ = (expr);                                                  \
        if (tinydl_cuda_status_ != cudaSuccess) [[unlikely]]                                             \
            ::tinydl::cuda_detail::throw_cuda_error(tinydl_cuda_status_, op, #expr, __FILE__, __LINE__); \
    } while (0)
