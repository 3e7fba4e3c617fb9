// storage.cpp — Storage and the CPU allocator.
//
// Note [CPU allocator]: the CPU allocator hands out 64-byte aligned blocks (AVX-512 loads of a
// tensor's first element are aligned) through a caching layer (src/core/caching_allocator.h).
// Without it, glibc's malloc returns big blocks to the OS on free (anything above its mmap
// threshold, 128 KiB to 32 MiB), so a training step that allocates the same activations every
// iteration page-faults on each of them again: BENCHMARKS.md measured ~11 us per 4 KiB page,
// i.e. ~1.4 ms for one [128, 512] float32 activation. With the cache, freed blocks stay mapped
// and the next step reuses them: after the first step, a training loop makes no system
// allocation at all (memory::stats().system_allocations stays put). reserved_bytes counts what
// the cache holds; memory::empty_cache() gives it back to the system.
#include "tinydl/storage.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "src/core/caching_allocator.h"
#include "tinydl/error.h"
#include "tinydl/memory.h"

namespace tinydl {

namespace {
// The process-wide cache of CPU blocks. Never destroyed: a Storage that outlives static
// destruction (a static tensor, a detached thread) can still free into it, and the blocks it
// holds at exit stay reachable (not leaks, for LSan).
detail::CachingAllocator& cpu_cache() {
    static auto* cache = new detail::CachingAllocator(
        [](size_t size) { return std::aligned_alloc(64, size); },  // sizes are multiples of 64
        [](void* ptr, size_t) { std::free(ptr); }, "CPU");
    return *cache;
}

class CpuAllocator final : public Allocator {
  public:
    void* allocate(size_t nbytes) override { return cpu_cache().allocate(nbytes); }
    void deallocate(void* ptr, size_t nbytes) override { cpu_cache().deallocate(ptr, nbytes); }
};
}  // namespace

#ifdef TINYDL_WITH_CUDA
namespace cuda_detail {  // src/cuda/runtime.cu: each GPU's caching allocator
memory::Stats cuda_stats(int index);
void cuda_reset_peak_stats(int index);
void cuda_empty_cache(int index);
}  // namespace cuda_detail
#endif

namespace memory {

#ifndef TINYDL_WITH_CUDA
namespace {
[[noreturn]] void no_cuda(const char* op, Device device) {
    throw Error(detail::str(op, ": ", device, ": this tinydl was built without CUDA"));
}
}  // namespace
#endif

Stats stats(Device device) {
    if (device.is_cpu()) return cpu_cache().stats();
#ifdef TINYDL_WITH_CUDA
    return cuda_detail::cuda_stats(device.index);
#else
    no_cuda("memory::stats", device);
#endif
}

void reset_peak_stats(Device device) {
    if (device.is_cpu()) return cpu_cache().reset_peak_stats();
#ifdef TINYDL_WITH_CUDA
    cuda_detail::cuda_reset_peak_stats(device.index);
#else
    no_cuda("memory::reset_peak_stats", device);
#endif
}

void empty_cache(Device device) {
    if (device.is_cpu()) return cpu_cache().empty_cache();
#ifdef TINYDL_WITH_CUDA
    cuda_detail::cuda_empty_cache(device.index);
#else
    no_cuda("memory::empty_cache", device);
#endif
}

}  // namespace memory

#ifdef TINYDL_WITH_CUDA
namespace cuda_detail {
Allocator* cuda_allocator(int index);
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
}  // namespace cuda_detail
#endif

Allocator* get_allocator(Device device) {
    static CpuAllocator cpu;
    if (device.is_cpu()) return &cpu;
#ifdef TINYDL_WITH_CUDA
    return cuda_detail::cuda_allocator(device.index);
#else
    throw Error(detail::str("device ", device, ": this tinydl was built without CUDA (configure with -DTINYDL_WITH_CUDA=ON on a machine with the CUDA toolkit)"));
#endif
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
    if (nbytes == 0) return;
    if (dst_device.is_cpu() && src_device.is_cpu()) {
        std::memcpy(dst, src, nbytes);
        return;
    }
#ifdef TINYDL_WITH_CUDA
    cuda_detail::copy_bytes(dst, dst_device, src, src_device, nbytes);
#else
    throw Error("copy: CUDA memory in a build without CUDA");
#endif
}

Storage::Storage(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device), allocator_(get_allocator(device)) {
    data_ = allocator_->allocate(nbytes);
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}

Storage::~Storage() {
    if (allocator_ != nullptr) allocator_->deallocate(data_, nbytes_);
    else if (deleter_) deleter_(data_);
}

}  // namespace tinydl
