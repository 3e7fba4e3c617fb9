// test_cuda_seam.cpp — the CUDA seam as seen from a machine without a GPU (or a build without
// CUDA): every query answers "no GPU", nothing crashes, and asking for GPU memory throws a
// tinydl::Error that says why. Runs in every build. The checks that need a real GPU are in
// tests/cuda/test_runtime.cpp (CTest label "cuda"); they skip themselves without one.
#include <string>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

TEST(CudaSeam, IsBuiltMatchesTheBuild) {
#ifdef TINYDL_WITH_CUDA
    EXPECT_TRUE(cuda::is_built()) << "compiled with TINYDL_WITH_CUDA, but cuda::is_built() is false";
#else
    EXPECT_FALSE(cuda::is_built()) << "compiled without TINYDL_WITH_CUDA, but cuda::is_built() is true";
    EXPECT_EQ(cuda::device_count(), 0);
#endif
}

TEST(CudaSeam, QueriesAgree) {
    const int n = cuda::device_count();
    EXPECT_GE(n, 0);
    EXPECT_EQ(cuda::is_available(), n > 0);
    EXPECT_EQ(cuda::device_count(), n) << "the device count must not change while the process runs";
    EXPECT_NO_THROW(cuda::synchronize());  // a no-op without a GPU
    if (!cuda::is_built()) EXPECT_FALSE(cuda::is_available());
}

TEST(CudaSeam, DeviceParsing) {
    const Device one("cuda:1");
    EXPECT_TRUE(one.is_cuda());
    EXPECT_FALSE(one.is_cpu());
    EXPECT_EQ(one.index, 1);
    EXPECT_EQ(one.str(), "cuda:1");
    EXPECT_EQ(one, Device::cuda(1));
    EXPECT_FALSE(one == Device::cuda(0));

    EXPECT_EQ(Device("cuda"), Device::cuda(0));
    EXPECT_EQ(Device("cuda:0").str(), "cuda:0");
    EXPECT_EQ(Device("cuda:12").index, 12);
    EXPECT_EQ(Device("cpu"), Device::cpu());
    EXPECT_EQ(Device("cpu").str(), "cpu");

    for (const char* bad : {"cuda:", "cuda:x", "cuda:-1", "cuda1", "gpu", "CPU", "", "cuda:1:2"})
        EXPECT_ERROR(Device{std::string(bad)}, "cannot parse", std::string("'") + bad + "'");
}

// What a CUDA tensor costs on a machine that cannot have one: a tinydl::Error naming the
// device and the reason, never a crash.
TEST(CudaSeam, CudaTensorWithoutAGpuThrows) {
    if (cuda::is_available())
        GTEST_SKIP() << "this machine has " << cuda::device_count()
                     << " CUDA GPU(s); the no-GPU behaviour cannot be observed here";
    const std::string why = cuda::is_built() ? "no CUDA GPU is available" : "built without CUDA";

    EXPECT_ERROR(zeros({2}, Device::cuda()), "cuda:0", why);
    EXPECT_ERROR(empty({0}, Device::cuda()), "cuda:0", why);  // even zero bytes
    EXPECT_ERROR(zeros({2}, Device("cuda:1")), "cuda:1", why);
    EXPECT_ERROR(randn({3}, TensorOptions(kFloat64).device(Device::cuda())), why);

    Tensor x = tensor({1.f, 2.f, 3.f});
    EXPECT_ERROR(x.to(Device::cuda()), why);
    EXPECT_ERROR(x.cuda(), why);
    // The CPU tensor is untouched by the failed move.
    EXPECT_TRUE(x.is_cpu());
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1.f, 2.f, 3.f}));
}

}  // namespace
}  // namespace tinydl
