// runtime.cu — the CUDA seam: the few things the core asks of the CUDA runtime in a
// TINYDL_WITH_CUDA build. src/core/storage.cpp declares cuda_detail::cuda_allocator() and
// cuda_detail::copy_bytes(); src/core/cuda_info.cpp declares cuda::detail::device_count() and
// synchronize(). Everything here is host code: no kernels.
//
// Here: the device census, the per-GPU caching allocator (Note [CUDA caching allocator]) and its
// statistics, and copies. Deliberately absent: streams. Everything runs on the legacy default
// stream (Note [One stream]), so a cudaMemcpy is ordered after every kernel queued before it.
// The kernels are in the other .cu files of this folder; cuBLAS/cuDNN handles in handles.cu.
//
// Read next: cuda_check.h (how a CUDA error becomes a tinydl::Error), src/core/storage.cpp.
#include <cuda_runtime_api.h>  // cudaMalloc, cudaMemcpy, cudaGetDeviceCount, ...

#include <cstdio>   // std::fprintf for the one error a destructor cannot throw
#include <cstring>  // std::strstr, to shorten __FILE__
#include <memory>
#include <string>
#include <vector>

#include "src/core/caching_allocator.h"  // detail::CachingAllocator
#include "src/cuda/cuda_check.h"  // TINYDL_CUDA_CHECK
#include "tinydl/cuda.h"
#include "tinydl/device.h"
#include "tinydl/error.h"    // tinydl::Error, OutOfMemoryError, detail::str
#include "tinydl/memory.h"   // memory::Stats
#include "tinydl/storage.h"  // tinydl::Allocator

namespace tinydl {

namespace cuda_detail {

namespace {


// 123456789 -> "117.74 MiB", as PyTorch's OOM message writes sizes.
std::string format_bytes(size_t nbytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(nbytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    if (unit == 0)
        std::snprintf(text, sizeof text, "%zu bytes", nbytes);
    else
        std::snprintf(text, sizeof text, "%.2f %s", value, units[unit]);
    return text;
}

// How many GPUs the runtime sees, asked once: the answer cannot change while the process runs
// (CUDA_VISIBLE_DEVICES is read when the runtime starts). Any error (no driver, no device, a
// driver older than this runtime) counts as zero GPUs; the error is kept to explain why.
struct DeviceCensus {
    int count = 0;
    cudaError_t error = cudaSuccess;
};

const DeviceCensus& census() {
    static const DeviceCensus result = [] {
        DeviceCensus c;
        int n = 0;
        c.error = cudaGetDeviceCount(&n);
        if (c.error != cudaSuccess) {
            cudaGetLastError();  // not sticky: clear it so that later checks do not see it
            n = 0;
        }
        c.count = n;
        return c;
    }();
    return result;
}

// Throws unless cuda:<index> exists on this machine. The "no GPU" case is the common one: a
// CUDA build of tinydl running on a machine without a GPU or driver.
void check_device(int index, const char* op = nullptr) {
    const std::string prefix = op != nullptr ? detail::str(op, ": ") : std::string();
    const DeviceCensus& c = census();
    if (c.count == 0) {
        std::string why;
        if (c.error == cudaErrorInsufficientDriver)  // what the runtime says when libcuda is missing too
            why = detail::str("no NVIDIA driver was found, or it is older than this CUDA ",
                              CUDART_VERSION / 1000, ".", CUDART_VERSION % 1000 / 10,
                              " runtime (cudaErrorInsufficientDriver)");
        else if (c.error != cudaSuccess)
            why = detail::str(cudaGetErrorString(c.error), " (", cudaGetErrorName(c.error), ")");
        else
            why = "the CUDA runtime found no device";
        throw Error(detail::str(prefix, "device cuda:", index, ": no CUDA GPU is available: ", why,
                                "; check tinydl::cuda::is_available() before moving tensors to the GPU"));
    }
    TINYDL_CHECK(index >= 0 && index < c.count, detail::str(prefix, "device cuda:", index),
                 "invalid device ordinal: this machine has ", c.count, " CUDA GPU", c.count == 1 ? "" : "s",
                 " (cuda:0", c.count > 1 ? detail::str(" to cuda:", c.count - 1) : std::string(), ")");
}

// Makes `index` the calling thread's current GPU for one scope and restores the previous one
// (cudaSetDevice is per host thread, and the caller may be using another GPU).
class DeviceGuard {
  public:
    explicit DeviceGuard(int index) {
        TINYDL_CUDA_CHECK(cudaGetDevice(&previous_), "cuda device guard");
        if (previous_ != index) TINYDL_CUDA_CHECK(cudaSetDevice(index), "cuda device guard");
    }
    ~DeviceGuard() { cudaSetDevice(previous_); }  // cannot fail for a device that was current
    DeviceGuard(const DeviceGuard&) = delete;
    DeviceGuard& operator=(const DeviceGuard&) = delete;

  private:
    int previous_ = 0;
};

// Note [CUDA caching allocator]: cudaMalloc and cudaFree are slow (tens of microseconds to
// milliseconds) and cudaFree synchronizes the whole device, so a training step that allocated
// its activations with them would stall on every tensor. Each GPU gets the same size-class cache
// as the CPU (src/core/caching_allocator.h): a freed block goes on its class's free list and the
// next request of that class takes it back, so after the first step a training loop calls
// cudaMalloc no more (memory::stats(Device::cuda()).system_allocations stays put).
//
// Note [One stream]: handing a freed block to the next op at once is safe because every kernel,
// library call and copy in tinydl runs on the legacy default stream: whatever the next owner
// queues runs after everything the previous owner queued. (With several streams, a block would
// need an event recorded on its last stream before reuse, as PyTorch's allocator does.)
//
// Out of memory: the cache frees its unused blocks and retries once, then throws
// OutOfMemoryError with PyTorch's wording, including what the GPU still has free.
detail::CachingAllocator& cuda_cache(int index) {
    // Built on first use, one per GPU; never destroyed, since tensors may outlive main().
    static const std::vector<detail::CachingAllocator*> caches = [] {
        std::vector<detail::CachingAllocator*> all;
        for (int i = 0; i < census().count; ++i) {
            auto backing_allocate = [i](size_t nbytes) -> void* {
                DeviceGuard guard(i);
                void* ptr = nullptr;
                const cudaError_t status = cudaMalloc(&ptr, nbytes);
                if (status == cudaErrorMemoryAllocation) {
                    cudaGetLastError();  // an OOM is not sticky: the GPU stays usable
                    return nullptr;      // the cache frees its blocks and retries once
                }
                TINYDL_CUDA_CHECK(status, "cuda allocator");
                return ptr;
            };
            // Runs from ~Storage (via the cache), which must not throw. At process exit the
            // runtime may already be gone (cudaErrorCudartUnloading), which is harmless.
            auto backing_free = [i](void* ptr, size_t) {
                const cudaError_t status = cudaFree(ptr);
                if (status != cudaSuccess) {
                    cudaGetLastError();
                    if (status != cudaErrorCudartUnloading)
                        std::fprintf(stderr, "tinydl: warning: cudaFree on cuda:%d failed: %s\n", i,
                                     cudaGetErrorString(status));
                }
            };
            auto oom_message = [i](size_t nbytes, int64_t allocated, int64_t reserved) {
                size_t free_bytes = 0, total_bytes = 0;
                {
                    DeviceGuard guard(i);
                    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) cudaGetLastError();
                }
                return detail::str("CUDA out of memory. Tried to allocate ", format_bytes(nbytes), " (GPU ", i, "; ",
                                   format_bytes(total_bytes), " total capacity; ",
                                   format_bytes(static_cast<size_t>(allocated)), " already allocated by tinydl; ",
                                   format_bytes(free_bytes), " free; ", format_bytes(static_cast<size_t>(reserved)),
                                   " reserved in total by tinydl)");
            };
            all.push_back(new detail::CachingAllocator(backing_allocate, backing_free, detail::str("cuda:", i),
                                                       oom_message));
        }
        return all;
    }();
    return *caches[static_cast<size_t>(index)];
}

class CudaAllocator final : public Allocator {
  public:
    explicit CudaAllocator(int index) : index_(index) {}
    void* allocate(size_t nbytes) override { return cuda_cache(index_).allocate(nbytes); }
    void deallocate(void* ptr, size_t nbytes) override { cuda_cache(index_).deallocate(ptr, nbytes); }

  private:
    int index_;
};

}  // namespace

// "/home/me/tinydl/src/cuda/runtime.cu" -> "src/cuda/runtime.cu": the part a reader can open.
const char* short_path(const char* file) {
    const char* last = nullptr;
    for (const char* p = std::strstr(file, "/src/"); p != nullptr; p = std::strstr(p + 1, "/src/")) last = p;
    return last != nullptr ? last + 1 : file;
}

[[noreturn]] void throw_cuda_error(cudaError_t error, const char* op, const char* call, const char* file,
                                   int line) {
    cudaGetLastError();  // clears a non-sticky error; a sticky one (a kernel fault) stays
    std::string message =
        detail::str(op, ": CUDA error: ", cudaGetErrorString(error), " (", cudaGetErrorName(error), ") in ",
                    call, " at ", short_path(file), ":", line);
    if (error == cudaErrorMemoryAllocation) throw OutOfMemoryError(message);
    if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver)
        message += "; is there a GPU and an NVIDIA driver? tinydl::cuda::is_available() tells";
    throw Error(message);
}

Allocator* cuda_allocator(int index) {
    check_device(index);
    // Built on first use, one per GPU; never destroyed, since tensors may outlive main().
    static const std::vector<CudaAllocator*> allocators = [] {
        std::vector<CudaAllocator*> all;
        for (int i = 0; i < census().count; ++i) all.push_back(new CudaAllocator(i));
        return all;
    }();
    return allocators[static_cast<size_t>(index)];
}

memory::Stats cuda_stats(int index) {
    check_device(index, "memory::stats");
    return cuda_cache(index).stats();
}
void cuda_reset_peak_stats(int index) {
    check_device(index, "memory::reset_peak_stats");
    cuda_cache(index).reset_peak_stats();
}
void cuda_empty_cache(int index) {
    check_device(index, "memory::empty_cache");
    cuda_cache(index).empty_cache();
}

// Copies between the host and a GPU, or between GPUs. cudaMemcpy from or to pageable host
// memory returns once the host side may be reused, so callers need no synchronize().
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
    if (nbytes == 0) return;
    if (dst_device.is_cuda()) check_device(dst_device.index);
    if (src_device.is_cuda()) check_device(src_device.index);

    if (dst_device.is_cuda() && src_device.is_cuda() && dst_device.index != src_device.index) {
        // Between two GPUs: the driver routes it over NVLink/PCIe, or stages it through the host.
        TINYDL_CUDA_CHECK(cudaMemcpyPeer(dst, dst_device.index, src, src_device.index, nbytes), "copy");
        return;
    }
    cudaMemcpyKind kind = cudaMemcpyHostToHost;
    int gpu = 0;
    if (dst_device.is_cuda() && src_device.is_cuda()) {
        kind = cudaMemcpyDeviceToDevice;
        gpu = dst_device.index;
    } else if (dst_device.is_cuda()) {
        kind = cudaMemcpyHostToDevice;
        gpu = dst_device.index;
    } else if (src_device.is_cuda()) {
        kind = cudaMemcpyDeviceToHost;
        gpu = src_device.index;
    } else {
        std::memcpy(dst, src, nbytes);  // storage.cpp handles CPU->CPU itself; kept for completeness
        return;
    }
    DeviceGuard guard(gpu);
    TINYDL_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, kind), "copy");
}

}  // namespace cuda_detail

namespace cuda::detail {

int device_count() { return cuda_detail::census().count; }

void synchronize() {
    if (device_count() == 0) return;  // nothing can be queued without a GPU
    TINYDL_CUDA_CHECK(cudaDeviceSynchronize(), "synchronize");
}

}  // namespace cuda::detail

}  // namespace tinydl
