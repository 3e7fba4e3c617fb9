// storage.cpp — Storage and the CPU allocator.
//
// The CPU allocator hands out 64-byte aligned blocks. Note [CPU allocator]: glibc's malloc
// returns big blocks to the OS on free, so a training step that allocates the same activations
// every iteration would page-fault on each (BENCHMARKS.md measured ~11 us per 4 KiB page). A
// caching layer that keeps freed blocks by size is the planned fix (issue: CPU performance);
// it belongs here, behind the same interface.
#include "tinydl/storage.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "tinydl/error.h"
#include "tinydl/memory.h"

namespace tinydl {

namespace {
// Counters behind tinydl::memory::stats() for the CPU. Relaxed atomics: the numbers are for
// reports and tests, not for synchronisation.
struct CpuCounters {
    std::atomic<int64_t> allocated{0}, peak{0}, allocations{0}, system_allocations{0}, live{0};

    void on_allocate(int64_t bytes) {
        const int64_t now = allocated.fetch_add(bytes, std::memory_order_relaxed) + bytes;
        int64_t old = peak.load(std::memory_order_relaxed);
        while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {}
        allocations.fetch_add(1, std::memory_order_relaxed);
        live.fetch_add(1, std::memory_order_relaxed);
    }
    void on_free(int64_t bytes) {
        allocated.fetch_sub(bytes, std::memory_order_relaxed);
        live.fetch_sub(1, std::memory_order_relaxed);
    }
};

CpuCounters& cpu_counters() {
    static CpuCounters counters;
    return counters;
}

size_t round_block(size_t nbytes) { return (nbytes + 63) / 64 * 64; }  // aligned_alloc wants a multiple

class CpuAllocator final : public Allocator {
  public:
    void* allocate(size_t nbytes) override {
        if (nbytes == 0) return nullptr;
        const size_t rounded = round_block(nbytes);
        void* p = std::aligned_alloc(64, rounded);
        if (p == nullptr)
            throw OutOfMemoryError(detail::str("CPU out of memory: tried to allocate ", nbytes, " bytes"));
        cpu_counters().system_allocations.fetch_add(1, std::memory_order_relaxed);
        cpu_counters().on_allocate(static_cast<int64_t>(rounded));
        return p;
    }
    void deallocate(void* ptr, size_t nbytes) override {
        if (ptr == nullptr) return;
        cpu_counters().on_free(static_cast<int64_t>(round_block(nbytes)));
        std::free(ptr);
    }
};
}  // namespace

namespace memory {

Stats stats(Device device) {
    if (!device.is_cpu())
        throw Error(detail::str("memory::stats: statistics for ", device, " are not implemented yet (CPU only)"));
    const CpuCounters& c = cpu_counters();
    Stats s;
    s.allocated_bytes = c.allocated.load(std::memory_order_relaxed);
    s.max_allocated_bytes = c.peak.load(std::memory_order_relaxed);
    s.reserved_bytes = s.allocated_bytes;  // nothing is cached yet
    s.allocations = c.allocations.load(std::memory_order_relaxed);
    s.system_allocations = c.system_allocations.load(std::memory_order_relaxed);
    s.live_blocks = c.live.load(std::memory_order_relaxed);
    return s;
}

void reset_peak_stats(Device device) {
    if (!device.is_cpu())
        throw Error(detail::str("memory::reset_peak_stats: ", device, " is not supported yet (CPU only)"));
    cpu_counters().peak.store(cpu_counters().allocated.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void empty_cache(Device device) {
    if (!device.is_cpu())
        throw Error(detail::str("memory::empty_cache: ", device, " is not supported yet (CPU only)"));
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
