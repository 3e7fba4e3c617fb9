// test_runtime.cpp — the CUDA seam on a real GPU (src/cuda/runtime.cu): allocation, copies
// between host and device in both directions, element reads at an offset, the device-ordinal
// check and out-of-memory as a recoverable tinydl::OutOfMemoryError.
//
// Every test here needs a GPU and skips itself, saying why, on a machine or build without one
// (CTest label "cuda", from the folder name). The ops themselves are compared with the CPU in
// tests/cuda/test_parity_*.cpp.
#include <cstdint>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

class CudaRuntime : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!cuda::is_built())
            GTEST_SKIP() << "tinydl was built without CUDA (TINYDL_WITH_CUDA=OFF or no toolkit)";
        if (!cuda::is_available()) GTEST_SKIP() << "no CUDA GPU on this machine (cuda::device_count() == 0)";
    }
};

TEST_F(CudaRuntime, HostToDeviceAndBack) {
    const std::vector<float> values{1.5f, -2.f, 3.25f, 0.f, 1e-30f};
    Tensor host = tensor(values);
    Tensor gpu = host.to(Device::cuda());
    EXPECT_TRUE(gpu.is_cuda());
    EXPECT_EQ(gpu.device(), Device::cuda(0));
    EXPECT_EQ(gpu.sizes(), host.sizes());
    EXPECT_NE(gpu.data_ptr(), host.data_ptr());
    Tensor back = gpu.cpu();
    EXPECT_TRUE(back.is_cpu());
    EXPECT_EQ(back.to_vector<float>(), values);
    EXPECT_NO_THROW(cuda::synchronize());
}

TEST_F(CudaRuntime, DoublesAndEmptyTensors) {
    Tensor host = tensor({1.0, 2.0, 3.0}, kFloat64);
    EXPECT_EQ(host.cuda().cpu().to_vector<double>(), (std::vector<double>{1.0, 2.0, 3.0}));
    Tensor none = empty({0, 3}, Device::cuda());  // no bytes, still a CUDA tensor
    EXPECT_TRUE(none.is_cuda());
    EXPECT_EQ(none.cpu().numel(), 0);
}

TEST_F(CudaRuntime, ReadsOneElementAtAnOffset) {
    Tensor gpu = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}).cuda();
    EXPECT_EQ(gpu.select(0, 1).select(0, 2).item<float>(), 6.f);  // a view: offset 5 on the GPU
    EXPECT_EQ(gpu.at<float>({0, 1}), 2.f);
}

TEST_F(CudaRuntime, InvalidOrdinalThrows) {
    const int n = cuda::device_count();
    EXPECT_ERROR(empty({2}, Device::cuda(n)), "invalid device ordinal", "cuda:" + std::to_string(n));
}

TEST_F(CudaRuntime, OutOfMemoryIsRecoverable) {
    // 1 PiB: more than any GPU has. The error is its own type, so a caller can catch just it.
    const int64_t too_many = int64_t(1) << 50;
    EXPECT_THROW(empty({too_many}, TensorOptions(kUInt8).device(Device::cuda())), OutOfMemoryError);
    EXPECT_ERROR(empty({too_many}, TensorOptions(kUInt8).device(Device::cuda())), "CUDA out of memory",
                 "Tried to allocate 1024.00 TiB", "GPU 0");
    // ...and the GPU still works afterwards: an OOM is not a sticky CUDA error.
    EXPECT_EQ(tensor({7.f}).cuda().cpu().item<float>(), 7.f);
}

TEST_F(CudaRuntime, CachingAllocatorReusesBlocks) {
    // The same sizes every "step": after the first, no cudaMalloc (Note [CUDA caching allocator]).
    const Device gpu = Device::cuda();
    auto step = [&] {
        Tensor a = empty({1000, 100}, gpu);
        Tensor b = empty({7}, TensorOptions(kFloat64).device(gpu));
        Tensor c = empty({3, 1 << 20}, TensorOptions(kUInt8).device(gpu));
    };
    step();
    const int64_t system_before = memory::stats(gpu).system_allocations;
    const int64_t allocated_before = memory::memory_allocated(gpu);
    for (int i = 0; i < 20; ++i) step();
    EXPECT_EQ(memory::stats(gpu).system_allocations, system_before);
    EXPECT_EQ(memory::memory_allocated(gpu), allocated_before);
}

TEST_F(CudaRuntime, MemoryStatsCountLiveAndCachedBytes) {
    const Device gpu = Device::cuda();
    memory::empty_cache(gpu);
    const int64_t base = memory::memory_allocated(gpu);
    {
        Tensor t = empty({int64_t{1} << 20}, gpu);  // 4 MiB of float32
        EXPECT_GE(memory::memory_allocated(gpu), base + (int64_t{4} << 20));
        EXPECT_GE(memory::max_memory_allocated(gpu), base + (int64_t{4} << 20));
    }
    EXPECT_EQ(memory::memory_allocated(gpu), base);
    EXPECT_GE(memory::memory_reserved(gpu), base + (int64_t{4} << 20));  // cached, not returned
    memory::empty_cache(gpu);
    EXPECT_EQ(memory::memory_reserved(gpu), memory::memory_allocated(gpu));
    memory::reset_peak_stats(gpu);
    EXPECT_EQ(memory::max_memory_allocated(gpu), memory::memory_allocated(gpu));
}

TEST_F(CudaRuntime, OutOfMemoryFreesTheCacheAndRetries) {
    // Fill the cache with freed blocks, then ask for more than is free: the cache must be given
    // back before the error, so that afterwards nothing is reserved beyond what is live.
    const Device gpu = Device::cuda();
    { Tensor big = empty({int64_t{256} << 20}, TensorOptions(kUInt8).device(gpu)); }
    EXPECT_GT(memory::memory_reserved(gpu), memory::memory_allocated(gpu));
    EXPECT_THROW(empty({int64_t(1) << 50}, TensorOptions(kUInt8).device(gpu)), OutOfMemoryError);
    EXPECT_EQ(memory::memory_reserved(gpu), memory::memory_allocated(gpu));
}

}  // namespace
}  // namespace tinydl
