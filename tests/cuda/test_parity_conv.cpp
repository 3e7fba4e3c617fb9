// test_parity_conv.cpp — conv2d, conv1d and conv_transpose2d on the GPU (src/cuda/conv.cu, cuDNN)
// against the CPU (im2col + GEMM, Winograd): forward and all three gradients, float32 and float64,
// with stride, padding, dilation, groups, with and without bias, non-contiguous inputs, the
// asymmetric padding cuDNN cannot express directly (Note [Asymmetric padding]: padding="same"
// with an even kernel, output_padding >= stride), empty sums, deterministic mode, and errors.
//
// Tolerances: cuDNN's algorithms (implicit GEMM, FFT, Winograd) sum in other orders than the
// CPU, so float32 results differ by float32 rounding of sums of ~100 products of N(0, 1) values:
// |diff| <= 2e-4 + 1e-4 |cpu|. TF32 would be ~1e-2 off. float64 agrees to ~1e-10.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kTol32{1e-4, 2e-4};
constexpr ParityTolerance kTol64{1e-10, 1e-10};

Tensor rand_grad(IntArrayRef shape, DType dtype = kFloat32) {
    return randn(shape, TensorOptions(dtype)).requires_grad_();
}

ParityTolerance tol_for(DType dtype) { return dtype == kFloat32 ? kTol32 : kTol64; }

// ---- conv2d ------------------------------------------------------------------------------------------
TEST(CudaParityConv, Conv2dWithBias) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(0);
    for (DType dtype : {kFloat32, kFloat64}) {
        // 3x3, padding 1: the CPU runs Winograd here in float32, cuDNN whatever it ranks first.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
            {rand_grad({2, 3, 9, 11}, dtype), rand_grad({4, 3, 3, 3}, dtype), rand_grad({4}, dtype)},
            tol_for(dtype)));
    }
}

TEST(CudaParityConv, Conv2dStridePaddingDilationNoBias) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(1);
    for (DType dtype : {kFloat32, kFloat64}) {
        // stride 2, padding (1, 2), dilation 2: output 5 x 7
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                return conv2d(x[0], x[1], Tensor(), 2, {1, 2}, 2);
            },
            {rand_grad({3, 4, 12, 13}, dtype), rand_grad({5, 4, 3, 3}, dtype)}, tol_for(dtype)));
        // Different stride and dilation per dim, a non-square kernel.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                return conv2d(x[0], x[1], x[2], {2, 1}, {0, 1}, {1, 3});
            },
            {rand_grad({2, 3, 10, 12}, dtype), rand_grad({6, 3, 3, 2}, dtype), rand_grad({6}, dtype)},
            tol_for(dtype)));
    }
}

TEST(CudaParityConv, Conv2dGroups) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(2);
    for (DType dtype : {kFloat32, kFloat64}) {
        // groups = 2: 4 input channels -> 6 outputs, each group 2 -> 3
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, 1, 1, 2); },
            {rand_grad({2, 4, 8, 9}, dtype), rand_grad({6, 2, 3, 3}, dtype), rand_grad({6}, dtype)},
            tol_for(dtype)));
        // Depthwise with stride: groups = channels.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], Tensor(), 2, 1, 1, 4); },
            {rand_grad({2, 4, 9, 9}, dtype), rand_grad({8, 1, 3, 3}, dtype)}, tol_for(dtype)));
    }
}

// Views: a transposed image (H and W swapped) and a channel slice; the op makes them contiguous.
TEST(CudaParityConv, Conv2dNonContiguousInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) { return conv2d(x[0].transpose(2, 3), x[1], x[2], 1, 1); },
        {rand_grad({2, 3, 11, 9}), rand_grad({4, 3, 3, 3}), rand_grad({4})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) {
            return conv2d(x[0].slice(1, 1, 4), x[1].transpose(2, 3), x[2], 2);
        },
        {rand_grad({2, 5, 10, 10}, kFloat64), rand_grad({4, 3, 3, 3}, kFloat64), rand_grad({4}, kFloat64)},
        kTol64));
}

// 1x1 kernels (a per-pixel matrix product) and a kernel as large as the image.
TEST(CudaParityConv, Conv2dKernelExtremes) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(4);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2]); },
                                 {rand_grad({2, 8, 7, 7}), rand_grad({5, 8, 1, 1}), rand_grad({5})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2]); },
                                 {rand_grad({3, 2, 5, 6}), rand_grad({4, 2, 5, 6}), rand_grad({4})}, kTol32));
}

// Note [Asymmetric padding] in src/cuda/conv.cu: one more row/column of padding after the image
// than before, which cuDNN's symmetric padding cannot say; the kernel zero-extends the image.
TEST(CudaParityConv, Conv2dSamePaddingWithEvenKernel) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    for (DType dtype : {kFloat32, kFloat64}) {
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, "same"); },
            {rand_grad({2, 3, 8, 7}, dtype), rand_grad({4, 3, 4, 2}, dtype), rand_grad({4}, dtype)},
            tol_for(dtype)));
        // dilation 3 with a 2-wide kernel: 3 padding columns, 1 before and 2 after
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                return conv2d(x[0], x[1], Tensor(), 1, "same", {1, 3});
            },
            {rand_grad({1, 2, 6, 9}, dtype), rand_grad({3, 2, 3, 2}, dtype)}, tol_for(dtype)));
    }
}

// An unbatched [C, H, W] input and conv1d (a height-1 conv2d).
TEST(CudaParityConv, UnbatchedAndConv1d) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(6);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                                 {rand_grad({3, 8, 8}), rand_grad({2, 3, 3, 3}), rand_grad({2})}, kTol32));
    EXPECT_TRUE(
        cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv1d(x[0], x[1], x[2], 2, 2, 2, 2); },
                         {rand_grad({3, 4, 30}), rand_grad({6, 2, 5}), rand_grad({6})}, kTol32));
    EXPECT_TRUE(
        cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv1d(x[0], x[1], Tensor(), 1, "same"); },
                         {rand_grad({2, 3, 17}, kFloat64), rand_grad({5, 3, 4}, kFloat64)}, kTol64));
}

// ---- conv_transpose2d: conv2d's kernels with their roles swapped ------------------------------------------
TEST(CudaParityConv, ConvTranspose2d) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(7);
    for (DType dtype : {kFloat32, kFloat64}) {
        // weight [C_in, C_out / groups, kH, kW]; stride 2, padding 1, output_padding 1
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); },
            {rand_grad({2, 4, 5, 6}, dtype), rand_grad({4, 3, 3, 3}, dtype), rand_grad({3}, dtype)},
            tol_for(dtype)));
        // groups = 2, dilation 2, no bias
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                return conv_transpose2d(x[0], x[1], Tensor(), 2, 0, 0, 2, 2);
            },
            {rand_grad({2, 4, 4, 5}, dtype), rand_grad({4, 3, 3, 3}, dtype)}, tol_for(dtype)));
    }
}

// output_padding 1 >= stride 1 (allowed since dilation is 2): the image is taller than the
// conv2d it transposes needs, so cuDNN's output is cropped (Note [Asymmetric padding]).
TEST(CudaParityConv, ConvTranspose2dOutputPaddingPastStride) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(8);
    for (DType dtype : {kFloat32, kFloat64}) {
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return conv_transpose2d(x[0], x[1], x[2], 1, 1, 1, 1, 2); },
            {rand_grad({2, 3, 6, 5}, dtype), rand_grad({3, 4, 3, 3}, dtype), rand_grad({4}, dtype)},
            tol_for(dtype)));
    }
}

// ---- empty sums and empty tensors -----------------------------------------------------------------------
TEST(CudaParityConv, EmptyBatchAndChannels) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(9);
    // No images: an empty output, and a weight gradient of zeros.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                                 {rand_grad({0, 3, 5, 5}), rand_grad({4, 3, 3, 3}), rand_grad({4})}, kTol32));
    // No input channels: every output is its bias.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                                 {randn({2, 0, 5, 5}), randn({4, 0, 3, 3}), randn({4})}, kTol32));
}

// ---- determinism ---------------------------------------------------------------------------------------
// With set_deterministic(true), the chosen cuDNN algorithms are deterministic ones: two backward
// passes give the same bits (the weight gradient sums over the batch, where atomics would differ).
TEST(CudaParityConv, DeterministicModeRepeatsBitForBit) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(10);
    const bool was = is_deterministic();
    set_deterministic(true);
    const Tensor x0 = randn({16, 8, 20, 20}).cuda(), w0 = randn({16, 8, 3, 3}).cuda(),
                 b0 = randn({16}).cuda();
    const auto grads = [&] {
        Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(),
               b = b0.detach().requires_grad_();
        conv2d(x, w, b, 1, 1).sum().backward();
        return std::vector<Tensor>{x.grad().cpu(), w.grad().cpu(), b.grad().cpu()};
    };
    const std::vector<Tensor> first = grads(), second = grads();
    set_deterministic(was);
    for (size_t i = 0; i < first.size(); ++i)
        EXPECT_TRUE(allclose(second[i], first[i], 0.0, 0.0)) << "gradient " << i;
    // And the results still match the CPU.
    set_deterministic(true);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return conv2d(x[0], x[1], x[2], 2, 1); },
                                 {rand_grad({4, 3, 9, 9}), rand_grad({5, 3, 3, 3}), rand_grad({5})}, kTol32));
    set_deterministic(was);
}

// ---- errors ----------------------------------------------------------------------------------------------
TEST(CudaParityConv, OperandsOnTwoDevicesThrow) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = randn({1, 3, 5, 5}), w = randn({2, 3, 3, 3}), b = randn({2});
    EXPECT_ERROR(conv2d(x.cuda(), w), "conv2d", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(conv2d(x.cuda(), w.cuda(), b), "conv2d", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(conv_transpose2d(x.cuda(), randn({3, 2, 3, 3})), "conv_transpose2d", "same device", "cuda:0",
                 "cpu");
}

TEST(CudaParityConv, IntegerInputsThrowOnTheGpuToo) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = ones({1, 1, 4, 4}, TensorOptions(kInt64)).cuda(),
                 w = ones({1, 1, 2, 2}, TensorOptions(kInt64)).cuda();
    EXPECT_ERROR(conv2d(x, w), "conv2d", "floating-point");
}

}  // namespace
}  // namespace tinydl
