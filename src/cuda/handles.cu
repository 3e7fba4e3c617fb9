// handles.cu — cuBLAS and cuDNN handles, one per (host thread, GPU), and the library status
// checks. What a handle is and why each thread has its own: see handles.h.
//
// Lifetime (Note [Handle pool]): a thread asks for a handle of its current GPU; the first time,
// it takes one from that GPU's pool, or creates one if the pool is empty, and keeps it in a
// thread_local table. When the thread ends, the table gives its handles back to the pools, so a
// program that starts and joins threads does not create handles without end. The pools are
// never destroyed, and nothing here calls cublasDestroy/cudnnDestroy: at process exit the CUDA
// runtime may already be unloaded, and destroying a handle then can crash (PyTorch leaks its
// handles at exit for the same reason). The memory goes back to the OS with the process.
//
// Host code only: no kernels.
#include "src/cuda/handles.h"

#include <cuda_runtime_api.h>

#include <cstring>  // std::strstr, std::strlen
#include <mutex>
#include <string>
#include <vector>

#include "src/cuda/cuda_check.h"  // TINYDL_CUDA_CHECK

namespace tinydl {

namespace cuda_detail {

namespace {


}  // namespace

[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* op, const char* call,
                                     const char* file, int line) {
    const std::string message =
        detail::str(op, ": cuBLAS error: ", cublasGetStatusString(status), " (", cublasGetStatusName(status),
                    ") in ", call, " at ", short_path(file), ":", line);
    if (status == CUBLAS_STATUS_ALLOC_FAILED) throw OutOfMemoryError(message);
    throw Error(message);
}

[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* op, const char* call, const char* file,
                                    int line) {
    // cuDNN 9 keeps a longer explanation of the last failure on the calling thread.
    char detail_text[512] = {};
    cudnnGetLastErrorString(detail_text, sizeof detail_text);
    std::string message =
        detail::str(op, ": cuDNN error: ", cudnnGetErrorString(status), " (status ", static_cast<int>(status),
                    ") in ", call, " at ", short_path(file), ":", line);
    if (std::strlen(detail_text) > 0) message += detail::str(" [", detail_text, "]");
    if (status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
        status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED)
        throw OutOfMemoryError(message);
    throw Error(message);
}

}  // namespace cuda_detail

namespace cuda {

namespace {

// Makes a handle for the current GPU, set up for tinydl (see handles.h).
cublasHandle_t create_cublas() {
    cublasHandle_t handle = nullptr;
    TINYDL_CUBLAS_CHECK(cublasCreate(&handle), "cuBLAS handle");
    try {
        // The legacy default stream (Note [One stream] in runtime.cu); nullptr is also the
        // library's default, said here so that nobody has to look it up.
        TINYDL_CUBLAS_CHECK(cublasSetStream(handle, nullptr), "cuBLAS handle");
        // Full float32 arithmetic: the results must match the CPU within float32 rounding, which
        // TF32 tensor cores (10-bit mantissa) do not (CUBLAS_TF32_TENSOR_OP_MATH is opt-in).
        TINYDL_CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cuBLAS handle");
    } catch (...) {
        cublasDestroy(handle);
        throw;
    }
    return handle;
}

cudnnHandle_t create_cudnn() {
    cudnnHandle_t handle = nullptr;
    TINYDL_CUDNN_CHECK(cudnnCreate(&handle), "cuDNN handle");
    try {
        TINYDL_CUDNN_CHECK(cudnnSetStream(handle, nullptr), "cuDNN handle");
    } catch (...) {
        cudnnDestroy(handle);
        throw;
    }
    return handle;
}

// Free handles per GPU (Note [Handle pool]); `Create` makes one on the current GPU.
template <typename Handle, Handle (*Create)()> class HandlePool {
  public:
    Handle acquire(int device) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (device < static_cast<int>(free_.size()) && !free_[device].empty()) {
                Handle h = free_[device].back();
                free_[device].pop_back();
                return h;
            }
        }
        return Create();  // outside the lock: creation is slow, and may throw
    }
    void release(int device, Handle h) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (device >= static_cast<int>(free_.size())) free_.resize(device + 1);
        free_[device].push_back(h);
    }

  private:
    std::mutex mutex_;
    std::vector<std::vector<Handle>> free_;  // [device] -> handles no thread holds
};

using CublasPool = HandlePool<cublasHandle_t, create_cublas>;
using CudnnPool = HandlePool<cudnnHandle_t, create_cudnn>;

// Never destroyed: a thread may end (and give its handles back) after static destructors ran.
CublasPool& cublas_pool() {
    static CublasPool* pool = new CublasPool;
    return *pool;
}
CudnnPool& cudnn_pool() {
    static CudnnPool* pool = new CudnnPool;
    return *pool;
}

// The handles one thread holds, [device] -> handle or nullptr; given back when the thread ends.
struct ThreadHandles {
    std::vector<cublasHandle_t> cublas;
    std::vector<cudnnHandle_t> cudnn;
    ~ThreadHandles() {
        for (size_t d = 0; d < cublas.size(); ++d)
            if (cublas[d] != nullptr) cublas_pool().release(static_cast<int>(d), cublas[d]);
        for (size_t d = 0; d < cudnn.size(); ++d)
            if (cudnn[d] != nullptr) cudnn_pool().release(static_cast<int>(d), cudnn[d]);
    }
};

ThreadHandles& thread_handles() {
    thread_local ThreadHandles handles;
    return handles;
}

template <typename Handle, typename Pool> Handle get_handle(std::vector<Handle>& held, Pool& pool) {
    const int device = current_device();
    if (device >= static_cast<int>(held.size())) held.resize(device + 1, nullptr);
    if (held[device] == nullptr) held[device] = pool.acquire(device);
    return held[device];
}

}  // namespace

int current_device() {
    int device = 0;
    TINYDL_CUDA_CHECK(cudaGetDevice(&device), "cuda current device");
    return device;
}

cublasHandle_t cublas_handle() { return get_handle(thread_handles().cublas, cublas_pool()); }
cudnnHandle_t cudnn_handle() { return get_handle(thread_handles().cudnn, cudnn_pool()); }

}  // namespace cuda

}  // namespace tinydl
