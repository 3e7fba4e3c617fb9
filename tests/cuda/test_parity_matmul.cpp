// test_parity_matmul.cpp — mm, bmm and matmul on the GPU (src/cuda/matmul.cu) against the CPU:
// float32 and float64 with gradients, every operand layout the kernel takes without a copy
// (row-major, transposed, a batch stride of 0) and one it must not be given (a step-2 slice, which
// the op copies first), torch.matmul's 1-D and broadcast cases, Linear's x w^T + b, the integer
// GEMM (exact), empty products, and the errors.
//
// Tolerances: float32 products are summed in a different order on each device (cuBLAS's tiles vs
// the CPU's), so they differ by float32 rounding: |diff| <= 1e-4 + 1e-4 |cpu| for K <= 256 and
// inputs ~ N(0, 1). TF32 (10-bit mantissa) would fail that by orders of magnitude, which is the
// point: the handle must not use it. float64 agrees to ~1e-12.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kTol32{1e-4, 1e-4};
constexpr ParityTolerance kTol64{1e-10, 1e-10};

Tensor rand_grad(IntArrayRef shape, DType dtype = kFloat32) {
    return randn(shape, TensorOptions(dtype)).requires_grad_();
}

// ---- mm --------------------------------------------------------------------------------------------
TEST(CudaParityMatmul, MmFloat32WithGradients) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(0);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); },
                                 {rand_grad({37, 256}), rand_grad({256, 45})}, kTol32));
}

TEST(CudaParityMatmul, MmFloat64WithGradients) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(1);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); },
                                 {rand_grad({19, 64}, kFloat64), rand_grad({64, 23}, kFloat64)}, kTol64));
}

// Every combination of row-major and transposed (column-major) operands: CUBLAS_OP_N/T.
TEST(CudaParityMatmul, MmTransposedOperands) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(2);
    for (DType dtype : {kFloat32, kFloat64}) {
        const ParityTolerance tol = dtype == kFloat32 ? kTol32 : kTol64;
        // a^T b: a stored [K, M]
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0].t(), x[1]); },
                                     {rand_grad({33, 17}, dtype), rand_grad({33, 29}, dtype)}, tol));
        // a b^T: b stored [N, K] (Linear's x w^T)
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0], x[1].t()); },
                                     {rand_grad({17, 33}, dtype), rand_grad({29, 33}, dtype)}, tol));
        // a^T b^T
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0].t(), x[1].t()); },
                                     {rand_grad({33, 17}, dtype), rand_grad({29, 33}, dtype)}, tol));
    }
}

// Views with a leading dimension larger than a row: a column slice of a wider matrix.
TEST(CudaParityMatmul, MmPaddedRowsAndSteppedSlices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) { return mm(x[0].slice(1, 3, 40), x[1].slice(1, 1, 20)); },
        {rand_grad({21, 50}), rand_grad({37, 30})}, kTol32));
    // Step 2 in both dims: neither stride is 1, so the op copies the operand first.
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) { return mm(x[0].slice(0, 0, 30, 2).slice(1, 0, 40, 2), x[1]); },
        {rand_grad({30, 40}), rand_grad({20, 11})}, kTol32));
}

// Degenerate dims: a row, a column, K = 1 (an outer product), and size-1 dims with odd strides.
TEST(CudaParityMatmul, MmThinShapes) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(4);
    const auto product = [](const std::vector<Tensor>& x) { return mm(x[0], x[1]); };
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({1, 40}), rand_grad({40, 7})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({9, 40}), rand_grad({40, 1})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({9, 1}), rand_grad({1, 12})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0].t(), x[1].t()); },
                                 {rand_grad({1, 9}), rand_grad({12, 1})}, kTol32));
}

// K = 0 is an empty sum (zeros); M = 0 an empty result.
TEST(CudaParityMatmul, EmptyProducts) {
    TINYDL_REQUIRE_CUDA();
    const auto product = [](const std::vector<Tensor>& x) { return mm(x[0], x[1]); };
    EXPECT_TRUE(cuda_matches_cpu(product, {randn({3, 0}), randn({0, 4})}));
    EXPECT_TRUE(cuda_matches_cpu(product, {randn({0, 5}), randn({5, 4})}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
                                 {randn({2, 3, 0}), randn({2, 0, 4})}));
}

// ---- bmm --------------------------------------------------------------------------------------------
TEST(CudaParityMatmul, BmmWithGradients) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
                                 {rand_grad({6, 13, 128}), rand_grad({6, 128, 10})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
                                 {rand_grad({4, 8, 16}, kFloat64), rand_grad({4, 16, 5}, kFloat64)}, kTol64));
}

TEST(CudaParityMatmul, BmmTransposedMatrices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(6);
    // Attention-style q k^T: the second operand transposed per batch entry.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return bmm(x[0], x[1].transpose(1, 2)); },
                                 {rand_grad({5, 12, 32}), rand_grad({5, 14, 32})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) { return bmm(x[0].transpose(1, 2), x[1].transpose(1, 2)); },
        {rand_grad({3, 32, 12}, kFloat64), rand_grad({3, 14, 32}, kFloat64)}, kTol64));
    // The batch dim last in memory: neither matrix stride is 1, so the op copies first.
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) {
            return bmm(x[0].permute({2, 0, 1}), x[1]);
        },
        {rand_grad({12, 32, 5}), rand_grad({5, 32, 7})}, kTol32));
}

// A batch stride of 0: one matrix shared by every batch entry, read in place (no copy).
TEST(CudaParityMatmul, BmmBroadcastBatch) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(7);
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) {
            return bmm(x[0].expand({6, 9, 20}), x[1]);
        },
        {rand_grad({1, 9, 20}), rand_grad({6, 20, 4})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) {
            return bmm(x[0], x[1].expand({6, 20, 4}));
        },
        {rand_grad({6, 9, 20}, kFloat64), rand_grad({1, 20, 4}, kFloat64)}, kTol64));
}

// ---- matmul's rules ---------------------------------------------------------------------------------
TEST(CudaParityMatmul, MatmulVectorCases) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(8);
    const auto product = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({50}), rand_grad({50})}, kTol32));     // dot
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({7, 50}), rand_grad({50})}, kTol32));  // matrix-vector
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({50}), rand_grad({50, 7})}, kTol32));  // vector-matrix
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({3, 4, 50}), rand_grad({50})}, kTol32));  // folded batch
    // vector x batch
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({50}), rand_grad({3, 50, 6})}, kTol32));
    EXPECT_TRUE(
        cuda_matches_cpu(product, {rand_grad({40}, kFloat64), rand_grad({2, 40, 3}, kFloat64)}, kTol64));
}

TEST(CudaParityMatmul, MatmulBroadcastBatchDims) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(9);
    const auto product = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
    // [5, 6] x [7, 6, 3]: the matrix is expanded over the batch with stride 0.
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({5, 6}), rand_grad({7, 6, 3})}, kTol32));
    // [4, 1, 5, 6] x [3, 6, 7] -> [4, 3, 5, 7]: both broadcast, flattened to one batch dim.
    EXPECT_TRUE(cuda_matches_cpu(product, {rand_grad({4, 1, 5, 6}), rand_grad({3, 6, 7})}, kTol32));
    // [7, 5, 6] x [1, 6, 3]
    EXPECT_TRUE(
        cuda_matches_cpu(product, {rand_grad({7, 5, 6}, kFloat64), rand_grad({1, 6, 3}, kFloat64)}, kTol64));
    // A non-foldable batched input (transposed batch dims) times a matrix.
    EXPECT_TRUE(
        cuda_matches_cpu([](const std::vector<Tensor>& x) { return matmul(x[0].transpose(0, 1), x[1]); },
                         {rand_grad({5, 4, 6}), rand_grad({6, 3})}, kTol32));
}

// Linear's shape: y = x w^T + b with w [out, in] (a column-major operand), batched input too.
TEST(CudaParityMatmul, LinearShapes) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(10);
    const auto linear = [](const std::vector<Tensor>& x) { return nn::functional::linear(x[0], x[1], x[2]); };
    EXPECT_TRUE(
        cuda_matches_cpu(linear, {rand_grad({32, 200}), rand_grad({64, 200}), rand_grad({64})}, kTol32));
    EXPECT_TRUE(
        cuda_matches_cpu(linear, {rand_grad({4, 8, 100}), rand_grad({10, 100}), rand_grad({10})}, kTol32));
    EXPECT_TRUE(cuda_matches_cpu(
        linear, {rand_grad({16, 30}, kFloat64), rand_grad({20, 30}, kFloat64), rand_grad({20}, kFloat64)},
        kTol64));
}

// ---- integers (the tiled kernel) ----------------------------------------------------------------------
TEST(CudaParityMatmul, IntegerProductsAreExact) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(11);
    for (DType dtype : {kInt64, kInt32}) {
        const TensorOptions opts(dtype);
        // Sizes that are not multiples of the 16 x 16 tile, transposed and broadcast operands.
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); },
                                     {randint(-50, 50, {37, 45}, opts), randint(-50, 50, {45, 19}, opts)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0].t(), x[1].t()); },
                                     {randint(-50, 50, {45, 37}, opts), randint(-50, 50, {19, 45}, opts)}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                return bmm(x[0].expand({5, 17, 33}), x[1]);
            },
            {randint(-9, 9, {1, 17, 33}, opts), randint(-9, 9, {5, 33, 18}, opts)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); },
                                     {randint(-9, 9, {40}, opts), randint(-9, 9, {40}, opts)}));
    }
}

// int32 overflow wraps around on both devices (two's complement), as the CPU's GEMM does.
TEST(CudaParityMatmul, Int32OverflowWrapsLikeTheCpu) {
    TINYDL_REQUIRE_CUDA();
    const TensorOptions opts(kInt32);
    const Tensor a = full({2, 3}, 2000000000, opts), b = full({3, 2}, 3, opts);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); }, {a, b}));
}

// ---- errors
// ------------------------------------------------------------------------------------------------
TEST(CudaParityMatmul, OperandsOnTwoDevicesThrow) {
    TINYDL_REQUIRE_CUDA();
    const Tensor a = randn({3, 4}).cuda(), b = randn({4, 5});
    EXPECT_ERROR(mm(a, b), "mm", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(bmm(randn({2, 3, 4}), randn({2, 4, 5}).cuda()), "bmm", "same device", "cpu", "cuda:0");
    EXPECT_ERROR(matmul(a, b), "matmul", "same device", "cuda:0", "cpu");
}

TEST(CudaParityMatmul, UnsupportedDtypesThrowOnTheGpuToo) {
    TINYDL_REQUIRE_CUDA();
    const Tensor a = ones({3, 4}, TensorOptions(kUInt8)).cuda(),
                 b = ones({4, 2}, TensorOptions(kUInt8)).cuda();
    EXPECT_ERROR(mm(a, b), "mm", "uint8");
    EXPECT_ERROR(mm(randn({3, 4}).cuda(), randn({4, 2}, TensorOptions(kFloat64)).cuda()), "mm", "same dtype");
}

}  // namespace
}  // namespace tinydl
