// storage.cpp — Storage and the CPU allocator.
//
// The CPU allocator hands out 64-byte aligned blocks. Note [CPU allocator]: glibc's malloc
// returns big blocks to the OS on free, so a training step that allocates the same activations
// every iteration would page-fault on each (BENCHMARKS.md measured ~11 us per 4 KiB page). A
// caching layer that keeps freed blocks by size is the planned fix (issue: CPU performance);
// it belongs here, behind the same interface.
#include "tinydl/storage.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "tinydl/error.h"

namespace tinydl {

namespace {
class CpuAllocator final : public Allocator {
  public:
    void* allocate(size_t nbytes) override {
        if (nbytes == 0) return nullptr;
        const size_t rounded = (nbytes + 63) / 64 * 64;  // aligned_alloc wants a multiple
        void* p = std::aligned_alloc(64, rounded);
        if (p == nullptr)
            throw OutOfMemoryError(detail::str("CPU out of memory: tried to allocate ", nbytes, " bytes"));
        return p;
    }
    void deallocate(void* ptr, size_t) override { std::free(ptr); }
};
}  // namespace

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
