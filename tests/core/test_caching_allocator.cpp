// test_caching_allocator.cpp — the device-agnostic block cache (src/core/caching_allocator.h)
// over a fake backing allocator that counts calls and can run out of memory, and the CPU
// allocator built on it (a repeated training step makes no system allocation).
#include <thread>
#include <vector>

#include "src/core/caching_allocator.h"
#include "tests/support/test_utils.h"
#include "tinydl/memory.h"
#include "tinydl/nn.h"
#include "tinydl/optim.h"

using namespace tinydl;
using detail::CachingAllocator;

namespace {
// A backing allocator over malloc that counts calls and bytes and fails above `budget` bytes.
struct FakeBacking {
    int64_t mallocs = 0, frees = 0, held = 0;
    int64_t budget = int64_t{1} << 40;
    CachingAllocator make() {
        return CachingAllocator(
            [this](size_t n) -> void* {
                if (held + static_cast<int64_t>(n) > budget) return nullptr;
                ++mallocs;
                held += static_cast<int64_t>(n);
                return std::malloc(n);
            },
            [this](void* p, size_t n) {
                ++frees;
                held -= static_cast<int64_t>(n);
                std::free(p);
            },
            "Fake");
    }
};
}  // namespace

TEST(CachingAllocator, SizeClassesBoundTheWaste) {
    EXPECT_EQ(CachingAllocator::block_size(1), 64u);
    EXPECT_EQ(CachingAllocator::block_size(64), 64u);
    EXPECT_EQ(CachingAllocator::block_size(65), 128u);
    EXPECT_EQ(CachingAllocator::block_size(4000), 4032u);
    EXPECT_EQ(CachingAllocator::block_size(65536), 65536u);
    EXPECT_EQ(CachingAllocator::block_size(65537), 73728u);  // 9 * 8 KiB
    EXPECT_EQ(CachingAllocator::block_size(size_t{1} << 20), size_t{1} << 20);
    for (size_t n = 1; n < (size_t{1} << 26); n = n * 5 / 4 + 7) {
        const size_t b = CachingAllocator::block_size(n);
        EXPECT_GE(b, n);
        EXPECT_EQ(b % 64, 0u) << n;
        EXPECT_LE(b, std::max(n + 63, n + n / 8)) << n;  // at most 63 bytes or 12.5% lost
        EXPECT_EQ(CachingAllocator::block_size(b), b) << n;  // a class size is its own class
    }
}

TEST(CachingAllocator, FreedBlocksAreReused) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    void* a = cache.allocate(1000);
    cache.deallocate(a, 1000);
    EXPECT_EQ(cache.stats().reserved_bytes, 1024);
    EXPECT_EQ(cache.stats().allocated_bytes, 0);
    void* b = cache.allocate(1000);  // same size: the same block, no system call
    EXPECT_EQ(b, a);
    void* c = cache.allocate(980);   // same class (1024): must not get `b`, which is live
    EXPECT_NE(c, b);
    EXPECT_EQ(fake.mallocs, 2);
    EXPECT_EQ(cache.stats().system_allocations, 2);
    EXPECT_EQ(cache.stats().allocations, 3);
    EXPECT_EQ(cache.stats().live_blocks, 2);
    cache.deallocate(b, 1000);
    cache.deallocate(c, 980);
    EXPECT_EQ(fake.frees, 0);  // nothing went back to the system
    EXPECT_EQ(cache.allocate(0), nullptr);
}

TEST(CachingAllocator, ALargeBlockServesRequestsDownToHalfItsSize) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    void* big = cache.allocate(3 << 20);
    cache.deallocate(big, 3 << 20);
    void* c = cache.allocate(1 << 20);  // a third: too small to take the 3 MiB block
    EXPECT_NE(c, big);
    void* d = cache.allocate(2 << 20);  // two thirds: reuses it, and counts its true size
    EXPECT_EQ(d, big);
    EXPECT_EQ(fake.mallocs, 2);
    EXPECT_EQ(cache.stats().allocated_bytes, (1 << 20) + (3 << 20));
    cache.deallocate(d, 2 << 20);  // back on the 3 MiB list: a 3 MiB request finds it
    EXPECT_EQ(cache.stats().allocated_bytes, 1 << 20);
    EXPECT_EQ(cache.allocate(3 << 20), big);
    cache.deallocate(big, 3 << 20);
    cache.deallocate(c, 1 << 20);
}

TEST(CachingAllocator, EmptyCacheReturnsOnlyCachedBlocks) {
    FakeBacking fake;
    {
        CachingAllocator cache = fake.make();
        void* live = cache.allocate(100000);
        void* dead = cache.allocate(200);
        cache.deallocate(dead, 200);
        EXPECT_EQ(cache.stats().reserved_bytes, 106496 + 256);
        cache.empty_cache();
        EXPECT_EQ(fake.frees, 1);
        EXPECT_EQ(cache.stats().reserved_bytes, cache.stats().allocated_bytes);
        EXPECT_EQ(cache.stats().allocated_bytes, 106496);  // 100000 -> 13 * 8 KiB
        cache.deallocate(live, 100000);
    }  // the destructor frees what is cached
    EXPECT_EQ(fake.held, 0);
    EXPECT_EQ(fake.mallocs, fake.frees);
}

TEST(CachingAllocator, OutOfMemoryFreesTheCacheAndRetriesOnce) {
    FakeBacking fake;
    fake.budget = 800 << 10;
    CachingAllocator cache = fake.make();
    void* a = cache.allocate(600 << 10);
    cache.deallocate(a, 600 << 10);  // cached: 640 KiB held by the fake
    // 288 KiB (too small to reuse a 640 KiB block) fits only once the cached block is gone.
    void* b = cache.allocate(260 << 10);
    EXPECT_NE(b, nullptr);
    EXPECT_EQ(fake.frees, 1);
    EXPECT_EQ(cache.stats().reserved_bytes, 294912);
    // Too big even with an empty cache: a distinct, catchable error that names the device.
    EXPECT_THROW(cache.allocate(1 << 20), OutOfMemoryError);
    EXPECT_ERROR(cache.allocate(1 << 20), "Fake out of memory");
    cache.deallocate(b, 260 << 10);
}

TEST(CachingAllocator, CacheIsBoundedWhenSizesKeepChanging) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    // Each step allocates a new size and frees it: without a bound the cache would hold them all.
    for (size_t n = 100000; n < 100000 * 40; n += 100000) cache.deallocate(cache.allocate(n), n);
    const memory::Stats s = cache.stats();
    EXPECT_LE(s.reserved_bytes, 2 * s.max_allocated_bytes);
    EXPECT_EQ(s.allocated_bytes, 0);
    EXPECT_GT(fake.frees, 0);
}

TEST(CachingAllocator, BlocksNobodyAsksForGoBackAfterASweepPeriod) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    cache.deallocate(cache.allocate(5 << 20), 5 << 20);  // a left-over of some earlier phase
    void* hot = cache.allocate(1000);
    cache.deallocate(hot, 1000);
    for (int64_t i = 0; i < 2 * CachingAllocator::kSweepPeriod; ++i) {
        void* p = cache.allocate(1000);  // the steady loop: one class, reused every time
        EXPECT_EQ(p, hot);
        cache.deallocate(p, 1000);
    }
    EXPECT_EQ(fake.frees, 1);  // the 5 MiB block, not the hot one
    EXPECT_EQ(cache.stats().reserved_bytes, 1024);
    EXPECT_EQ(fake.mallocs, 2);
}

TEST(CachingAllocator, ASteadyLoopStopsCallingTheSystem) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    const std::vector<size_t> sizes = {401408, 262144, 262144, 512, 5120, 131072, 40, 40, 1024};
    auto step = [&] {
        std::vector<void*> live;
        for (size_t n : sizes) live.push_back(cache.allocate(n));
        for (size_t i = 0; i < sizes.size(); ++i) cache.deallocate(live[i], sizes[i]);
    };
    step();
    const int64_t after_first = fake.mallocs;
    for (int i = 0; i < 10; ++i) step();
    EXPECT_EQ(fake.mallocs, after_first);
    EXPECT_EQ(fake.frees, 0);
}

TEST(CachingAllocator, ThreadSafe) {
    FakeBacking fake;
    CachingAllocator cache = fake.make();
    auto work = [&](size_t base) {
        for (int i = 0; i < 20000; ++i) {
            const size_t n = base + static_cast<size_t>(i % 7) * 64;
            void* p = cache.allocate(n);
            static_cast<char*>(p)[n - 1] = 1;  // the block is usable
            cache.deallocate(p, n);
        }
    };
    std::thread t1(work, 100), t2(work, 300), t3(work, 70000);
    t1.join();
    t2.join();
    t3.join();
    EXPECT_EQ(cache.stats().allocated_bytes, 0);
    EXPECT_EQ(cache.stats().live_blocks, 0);
    EXPECT_EQ(cache.stats().allocations, 60000);
}

// The CPU allocator is this cache: a training step that repeats makes no system allocation
// after the first two steps (the optimizer creates its momentum buffers on the first).
TEST(CachingAllocator, CpuTrainingStepMakesNoSystemAllocation) {
    manual_seed(0);
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(64, 32), std::make_shared<nn::ReLU>(),
                                                  std::make_shared<nn::Linear>(32, 10));
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    const Tensor x = randn({16, 64});
    const Tensor y = randint(0, 10, {16});
    auto step = [&] {
        opt.zero_grad();
        Tensor loss = nn::functional::cross_entropy(model->forward(x), y);
        loss.backward();
        opt.step();
    };
    step();
    step();
    const int64_t system = memory::stats().system_allocations;
    const int64_t allocations = memory::stats().allocations;
    for (int i = 0; i < 5; ++i) step();
    EXPECT_EQ(memory::stats().system_allocations, system);
    EXPECT_GT(memory::stats().allocations, allocations);
}
