// test_memory.cpp — tinydl::memory statistics for the CPU allocator: allocated bytes follow
// storages' lives, the peak holds until reset, and views add nothing.
#include "tests/support/test_utils.h"
#include "tinydl/memory.h"

using namespace tinydl;

TEST(Memory, AllocatedFollowsStorageLifetime) {
    const memory::Stats before = memory::stats();
    {
        Tensor t = empty({1000}, DType::Float32);  // 4000 bytes, a multiple of 64: 4032
        const memory::Stats during = memory::stats();
        EXPECT_EQ(during.allocated_bytes - before.allocated_bytes, 4032);
        EXPECT_EQ(during.live_blocks - before.live_blocks, 1);
        EXPECT_EQ(during.allocations - before.allocations, 1);
        EXPECT_GE(during.reserved_bytes, during.allocated_bytes);
        Tensor v = t.view({10, 100}).transpose(0, 1);  // a view: no new bytes
        EXPECT_EQ(memory::stats().allocated_bytes, during.allocated_bytes);
    }
    EXPECT_EQ(memory::stats().allocated_bytes, before.allocated_bytes);
    EXPECT_EQ(memory::stats().live_blocks, before.live_blocks);
}

TEST(Memory, PeakHoldsUntilReset) {
    memory::reset_peak_stats();
    const int64_t base = memory::stats().allocated_bytes;
    EXPECT_EQ(memory::stats().max_allocated_bytes, base);
    { Tensor big = zeros({1 << 16}, DType::Float64); }  // 512 KiB, then freed
    EXPECT_EQ(memory::stats().allocated_bytes, base);
    EXPECT_GE(memory::stats().max_allocated_bytes, base + (int64_t{1} << 19));
    memory::reset_peak_stats();
    EXPECT_EQ(memory::stats().max_allocated_bytes, base);
    memory::empty_cache();
    EXPECT_EQ(memory::stats().reserved_bytes, memory::stats().allocated_bytes);
}

TEST(Memory, CudaStatsWithoutGpuIsAnError) {
    if (cuda::is_available()) GTEST_SKIP() << "a GPU is present";
    EXPECT_ERROR(memory::stats(Device::cuda(0)), "memory");
}
