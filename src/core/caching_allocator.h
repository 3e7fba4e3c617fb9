// caching_allocator.h — a cache of freed memory blocks in front of a device's real allocator.
//
// Note [CPU allocator] (src/core/storage.cpp) says why the CPU needs it; the CUDA backend needs
// the same thing to keep cudaMalloc/cudaFree out of the training step. The class knows nothing
// about the device: it is given a `backing` allocate/free pair (aligned_alloc/free on the CPU,
// cudaMalloc/cudaFree on a GPU, a fake in tests/core/test_caching_allocator.cpp).
//
//   allocate(n)    round n up to its size class; pop a cached block of that class, or ask the
//                  backing allocator (a "system allocation": the only slow path)
//   deallocate     push the block on its class's free list: nothing goes back to the system
//   empty_cache    hand every cached block back to the system
//
// Size classes bound the waste: requests up to 64 KiB round up to a multiple of 64 bytes (at
// most 63 bytes lost); above, each power of two is cut into 8 classes (at most 12.5% lost, and
// on the CPU the untouched tail pages of a big block never become resident). A small block is
// reused only for requests of its own class; a large one (above 64 KiB) also for requests down
// to half its size. Blocks are never split or merged: simple, and a training loop asks for the
// same sizes every step anyway.
//
// The cache is bounded two ways. Blocks of a class that nobody asked for during a whole sweep
// period (kSweepPeriod allocations) go back to the system: left-overs of a phase that is over
// (loading a data set, an evaluation at another batch size) don't stay resident. And when a
// system allocation would make the reserved bytes (live + cached) exceed twice the largest live
// total seen, cached blocks (largest classes first) go back first. A steady training loop reuses
// its classes every step and hits neither.
//
// Out of memory: when the backing allocator fails, the whole cache is freed and the allocation
// retried once; a second failure throws tinydl::OutOfMemoryError.
//
// Thread-safe: one mutex around the free lists and counters (the DataLoader's prefetch thread
// and parallel_for workers allocate too). Uncontended, it costs about what malloc does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tinydl/memory.h"

namespace tinydl::detail {

class CachingAllocator {
  public:
    // backing_allocate returns nullptr when the device is out of memory; backing_free gets the
    // block size that backing_allocate was asked for. `device_name` goes into error messages.
    // `oom_message`, when given, writes the OutOfMemoryError's text from the request's block size
    // and the cache's counters (the CUDA allocator says it PyTorch's way, with the GPU's free memory).
    using OomMessage = std::function<std::string(size_t size, int64_t allocated, int64_t reserved)>;
    CachingAllocator(std::function<void*(size_t)> backing_allocate, std::function<void(void*, size_t)> backing_free,
                     std::string device_name, OomMessage oom_message = {});
    ~CachingAllocator();  // frees the cached blocks (live blocks belong to their owners)
    CachingAllocator(const CachingAllocator&) = delete;
    CachingAllocator& operator=(const CachingAllocator&) = delete;

    void* allocate(size_t nbytes);                // nullptr for 0 bytes; throws OutOfMemoryError
    void deallocate(void* ptr, size_t nbytes);    // nbytes: what allocate was asked for
    void empty_cache();

    memory::Stats stats() const;
    void reset_peak_stats();

    // The block size a request of nbytes gets (its size class).
    static size_t block_size(size_t nbytes);
    // Every kSweepPeriod allocations, cached blocks of classes not used since the last sweep
    // go back to the system.
    static constexpr int64_t kSweepPeriod = 8192;

  private:
    static size_t class_index(size_t nbytes);
    static size_t class_size(size_t index);
    void release_cached(int64_t target_reserved);  // frees cached blocks until reserved <= target
    void sweep();
    void* system_allocate(size_t size);            // backing allocator, with the OOM retry

    std::function<void*(size_t)> backing_allocate_;
    std::function<void(void*, size_t)> backing_free_;
    std::string device_name_;
    OomMessage oom_message_;

    mutable std::mutex mutex_;
    std::vector<std::vector<void*>> free_lists_;  // by class index
    std::unordered_map<void*, size_t> large_blocks_;  // class of every block above 64 KiB we own
    std::vector<bool> used_;  // by class: handed out since the last sweep
    int64_t allocated_ = 0, peak_ = 0, high_water_ = 0, cached_ = 0;
    int64_t allocations_ = 0, system_allocations_ = 0, live_ = 0, since_sweep_ = 0;
};

}  // namespace tinydl::detail
