// memory.h — how much memory tinydl's allocators hold, per device (torch.cuda.memory_stats for
// every device, the CPU included).
//
//   allocated  bytes in live storages (a Storage's bytes, rounded up to the allocator's block)
//   reserved   allocated + bytes the caching allocator keeps for reuse (see Note [CPU allocator]
//              in src/core/storage.cpp); empty_cache() hands the cached bytes back
//   peak       the largest `allocated` seen since the start or since reset_peak_stats()
//
// Memory wrapped with from_blob is not counted: tinydl did not allocate it.
#pragma once

#include <cstdint>

#include "tinydl/device.h"

namespace tinydl::memory {

struct Stats {
    int64_t allocated_bytes = 0;      // live storages
    int64_t max_allocated_bytes = 0;  // peak of allocated_bytes
    int64_t reserved_bytes = 0;       // allocated + cached
    int64_t allocations = 0;          // allocate() calls that returned memory
    int64_t system_allocations = 0;   // of those, the ones that had to ask the system
                                      // (aligned_alloc / cudaMalloc): a cache miss
    int64_t live_blocks = 0;          // storages alive now
};

Stats stats(Device device = Device::cpu());
void reset_peak_stats(Device device = Device::cpu());  // max_allocated_bytes = allocated_bytes
void empty_cache(Device device = Device::cpu());       // frees cached, unused blocks

inline int64_t memory_allocated(Device device = Device::cpu()) { return stats(device).allocated_bytes; }
inline int64_t max_memory_allocated(Device device = Device::cpu()) { return stats(device).max_allocated_bytes; }
inline int64_t memory_reserved(Device device = Device::cpu()) { return stats(device).reserved_bytes; }

}  // namespace tinydl::memory
