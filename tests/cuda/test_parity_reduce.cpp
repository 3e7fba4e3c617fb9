// test_parity_reduce.cpp — the CUDA reductions and softmax (src/cuda/reduce.cu, softmax.cu)
// against the CPU kernels, through the ops built on them: sum, mean, prod, max, min (whole
// tensor and per dim, with indices), argmax, argmin, and the compositions var, std, logsumexp,
// norm; softmax and log_softmax.
//
// Each parity check runs the op on the CPU and on cuda:0 from the same random inputs and compares
// values and input gradients (tests/support/cuda_parity.h). The shapes cover both kernel layouts
// (reducing the last dim, B == 1, and an inner dim, B > 1), reductions over several dims (a
// permuting copy first), non-contiguous views, and sizes large enough that R is split across
// blocks (the two-pass path). Indices must match exactly: ties go to the first occurrence and a
// NaN wins, whatever the tree's shape.
//
// Every test needs a GPU and skips itself without one (CTest label "cuda").
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr double kInf = std::numeric_limits<double>::infinity();
const DType kFloatTypes[] = {kFloat32, kFloat64};

// A random leaf that requires grad (CPU: cuda_matches_cpu copies it to the GPU).
Tensor leaf(IntArrayRef shape, DType dtype) {
    return randn(shape, TensorOptions(dtype)).requires_grad_(true);
}

// Small integers as floats: many ties.
Tensor ties(IntArrayRef shape, DType dtype) { return randint(0, 4, shape).to(dtype); }

using Dims = std::vector<int64_t>;

// ---- sum, mean ---------------------------------------------------------------------------------------
TEST(CudaParityReduce, SumAndMeanOverEachKindOfDims) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<Dims> dim_sets = {{}, {0}, {1}, {2}, {-1}, {0, 1}, {1, 2}, {0, 2}, {0, 1, 2}};
    for (DType dt : kFloatTypes) {
        manual_seed(0);
        const Tensor x = leaf({4, 5, 6}, dt);
        for (const Dims& dims : dim_sets)
            for (bool keepdim : {false, true}) {
                EXPECT_TRUE(cuda_matches_cpu(
                    [&](const std::vector<Tensor>& in) { return sum(in[0], dims, keepdim); }, {x}))
                    << "sum " << dt << " dims " << IntArrayRef(dims) << " keepdim " << keepdim;
                EXPECT_TRUE(cuda_matches_cpu(
                    [&](const std::vector<Tensor>& in) { return mean(in[0], dims, keepdim); }, {x}))
                    << "mean " << dt << " dims " << IntArrayRef(dims) << " keepdim " << keepdim;
            }
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return in[0].mean(); }, {x}));
        // A 0-dim input, and a 1-element one.
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); }, {leaf({}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return mean(in[0], {0}); },
                                     {leaf({1}, dt)}));
    }
}

TEST(CudaParityReduce, NonContiguousInputs) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(1);
        const Tensor x = leaf({6, 7, 5}, dt);
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return sum(in[0].transpose(0, 2), {0}); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) {
                return mean(in[0].permute({2, 0, 1}), {1, 2});
            },
            {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return sum(in[0].slice(1, 1, 7, 2), {1}, true); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return std::get<0>(max(in[0].transpose(1, 2), 1)); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return std::get<1>(min(in[0].transpose(0, 1), -1)); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return argmax(in[0].slice(2, 0, 5, 2)); }, {x}));
        // A broadcast (stride 0) input.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) {
                return sum(in[0].expand({4, 6, 7, 5}), {0, 2});
            },
            {x}));
    }
}

// Big enough that R is split across blocks and the partials are combined in a second pass,
// for both layouts (B == 1 and B > 1).
TEST(CudaParityReduce, LargeReductionsSplitAcrossBlocks) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(2);
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); },
                                     {leaf({1 << 20}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return mean(in[0], {0}); },
                                     {leaf({40000, 3}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0], {1}); },
                                     {leaf({3, 100000}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) {
                return sum(in[0], {0, 2});
            },
            {leaf({300, 7, 300}, dt)}));
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0]); }, {leaf({300000}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return std::get<0>(min(in[0], 0)); },
                                     {leaf({50000, 5}, dt)}));
        // Ties across splits: the first occurrence still wins.
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmax(in[0]); },
                                     {ties({300000}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmin(in[0], 0); },
                                     {ties({50000, 5}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return std::get<1>(max(in[0], 1)); },
                                     {ties({2, 70000}, dt)}));
    }
    // Float32 sums accumulate in double, as on the CPU.
    EXPECT_EQ(sum(ones({1 << 24}, Device::cuda())).item<float>(), static_cast<float>(1 << 24));
    EXPECT_NEAR(mean(full({1000000}, 0.1f, Device::cuda())).item<float>(), 0.1f, 1e-7);
}

TEST(CudaParityReduce, RepeatedReductionsAreBitwiseIdentical) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    const Tensor x = randn({1 << 20}, Device::cuda());
    const Tensor y = randn({20000, 17}, Device::cuda());
    const Tensor a = sum(x), b = sum(x);
    EXPECT_TRUE(allclose(a.cpu(), b.cpu(), 0.0, 0.0));
    EXPECT_TRUE(allclose(sum(y, {0}).cpu(), sum(y, {0}).cpu(), 0.0, 0.0));
    EXPECT_TRUE(allclose(softmax(y, 0).cpu(), softmax(y, 0).cpu(), 0.0, 0.0));
}

// ---- integer and bool inputs ----------------------------------------------------------------------------
TEST(CudaParityReduce, IntegerAndBoolInputs) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(4);
    const Tensor i32 = randint(-50, 50, {6, 9}, TensorOptions(kInt32));
    const Tensor i64 = randint(-3, 4, {5, 4}, TensorOptions(kInt64));
    const Tensor u8 = randint(0, 255, {7, 3}, TensorOptions(kUInt8));
    const Tensor b = lt(rand({8, 5}), 0.5);
    for (const Tensor& x : {i32, i64, u8, b}) {
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x}))
            << x.dtype();
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0], {0}); }, {x}))
            << x.dtype();
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0], {1}, true); }, {x}))
            << x.dtype();
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return prod(in[0], 0); }, {x}))
            << x.dtype();
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0]); }, {x}))
            << x.dtype();
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return min(in[0]); }, {x}))
            << x.dtype();
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return std::get<0>(max(in[0], 1)); }, {x}));
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return std::get<1>(min(in[0], 0)); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmax(in[0]); }, {x}))
            << x.dtype();
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmin(in[0], 1); }, {x}))
            << x.dtype();
    }
    EXPECT_EQ(sum(i32.cuda()).dtype(), kInt64);
    EXPECT_EQ(sum(b.cuda()).dtype(), kInt64);
    const Tensor big = full({3}, int64_t{1} << 20, TensorOptions(kInt64).device(Device::cuda()));
    EXPECT_EQ(prod(big).item<int64_t>(), int64_t{1} << 60);  // int64 accumulation, exact
}

// ---- prod -----------------------------------------------------------------------------------------------
TEST(CudaParityReduce, ProdWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(5);
        const Tensor x = (rand({4, 6}, TensorOptions(dt)) + 0.5).detach().requires_grad_(true);
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return prod(in[0]); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return prod(in[0], 0); }, {x}));
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return prod(in[0], 1, true); }, {x}));
        // Zeros: one in row 0, two in row 1 (the backward's special cases).
        const Tensor z =
            tensor({{0.5, 0.0, 1.5, 2.0}, {0.0, 3.0, 0.0, 1.0}}, TensorOptions(dt)).requires_grad_(true);
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return prod(in[0], 1); }, {z}));
    }
}

// ---- max, min, argmax, argmin
// ------------------------------------------------------------------------------
TEST(CudaParityReduce, MaxMinWholeTensorSharesTheGradientAmongTies) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(6);
        for (const Tensor& x : {leaf({5, 7}, dt), ties({5, 7}, dt).requires_grad_(true)}) {
            EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0]); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return in[0].min(); }, {x}));
        }
    }
}

TEST(CudaParityReduce, MaxMinAlongADim) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(7);
        for (const Tensor& x : {leaf({4, 5, 6}, dt), ties({4, 5, 6}, dt).requires_grad_(true)})
            for (int64_t d : {0, 1, 2, -1})
                for (bool keepdim : {false, true}) {
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return std::get<0>(max(in[0], d, keepdim)); },
                        {x}))
                        << "max values " << dt << " dim " << d;
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return std::get<1>(max(in[0], d, keepdim)); },
                        {x}))
                        << "max indices " << dt << " dim " << d;
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return std::get<0>(min(in[0], d, keepdim)); },
                        {x}))
                        << "min values " << dt << " dim " << d;
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return std::get<1>(min(in[0], d, keepdim)); },
                        {x}))
                        << "min indices " << dt << " dim " << d;
                }
        // The 0-dim case.
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return std::get<0>(max(in[0], 0)); },
                                     {leaf({}, dt)}));
    }
}

TEST(CudaParityReduce, ArgmaxArgminTakeTheFirstOfTies) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(8);
        const Tensor x = ties({6, 33, 5}, dt);
        for (std::optional<int64_t> d : {std::optional<int64_t>{}, std::optional<int64_t>{0},
                                         std::optional<int64_t>{1}, std::optional<int64_t>{-1}})
            for (bool keepdim : {false, true}) {
                EXPECT_TRUE(cuda_matches_cpu(
                    [&](const std::vector<Tensor>& in) { return argmax(in[0], d, keepdim); }, {x}));
                EXPECT_TRUE(cuda_matches_cpu(
                    [&](const std::vector<Tensor>& in) { return argmin(in[0], d, keepdim); }, {x}));
            }
    }
    const Tensor v = tensor({1.0f, 3.0f, 3.0f, 2.0f}).cuda();
    EXPECT_EQ(argmax(v).item<int64_t>(), 1);
    EXPECT_EQ(
        std::get<1>(max(tensor({{1.0, 7.0, 7.0}, {4.0, -1.0, 4.0}}).cuda(), 1)).cpu().to_vector<int64_t>(),
        (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(std::get<1>(min(tensor({{1.0, 7.0, 7.0}, {4.0, -1.0, 4.0}}).cuda(), 0, true))
                  .cpu()
                  .to_vector<int64_t>(),
              (std::vector<int64_t>{0, 1, 1}));
}

TEST(CudaParityReduce, NaNPropagatesAndTheFirstNaNIsChosen) {
    TINYDL_REQUIRE_CUDA();
    const double nan = std::nan("");
    for (DType dt : kFloatTypes) {
        const Tensor row = tensor({1.0, nan, 3.0, nan}, TensorOptions(dt));
        const Tensor grid = tensor({{1.0, nan, 4.0}, {nan, 2.0, 4.0}, {3.0, nan, 1.0}}, TensorOptions(dt));
        for (const Tensor& x : {row, grid}) {
            EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0]); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return min(in[0]); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmax(in[0]); }, {x}));
            EXPECT_TRUE(
                cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmin(in[0], 0); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu(
                [](const std::vector<Tensor>& in) { return std::get<0>(max(in[0], -1)); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu(
                [](const std::vector<Tensor>& in) { return std::get<1>(max(in[0], 0)); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu(
                [](const std::vector<Tensor>& in) { return std::get<1>(min(in[0], -1)); }, {x}));
        }
        EXPECT_TRUE(std::isnan(max(row.cuda()).item<double>()));
        EXPECT_EQ(argmax(row.cuda()).item<int64_t>(), 1);
        // Along dim 0 (the B > 1 layout): first NaN wins, else the first of the ties.
        EXPECT_EQ(std::get<1>(max(grid.cuda(), 0)).cpu().to_vector<int64_t>(),
                  (std::vector<int64_t>{1, 0, 0}));
        // A NaN in a large input, behind a split: still NaN, still the first one.
        Tensor big = randn({200000}, TensorOptions(dt));
        big.narrow(0, 150001, 1).fill_(nan);
        big.narrow(0, 170001, 1).fill_(nan);
        EXPECT_TRUE(std::isnan(max(big.cuda()).item<double>()));
        EXPECT_EQ(argmin(big.cuda()).item<int64_t>(), 150001);
        // A slice of -inf has max -inf, not the lowest finite value.
        EXPECT_EQ(max(full({3}, -kInf, TensorOptions(dt).device(Device::cuda()))).item<double>(), -kInf);
        EXPECT_EQ(min(full({2, 2}, kInf, TensorOptions(dt).device(Device::cuda()))).item<double>(), kInf);
    }
}

// ---- var, std, logsumexp, norm (compositions over the kernels)
// ----------------------------------------------
TEST(CudaParityReduce, VarStdLogsumexpNorm) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<Dims> dim_sets = {{}, {0}, {1}, {0, 2}};
    for (DType dt : kFloatTypes) {
        manual_seed(9);
        const Tensor x = leaf({4, 5, 3}, dt);
        for (const Dims& dims : dim_sets)
            for (bool keepdim : {false, true}) {
                for (bool unbiased : {false, true}) {
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return var(in[0], dims, unbiased, keepdim); },
                        {x}));
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) {
                            return tinydl::std(in[0], dims, unbiased, keepdim);
                        },
                        {x}));
                }
                if (!dims.empty())
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return logsumexp(in[0], dims, keepdim); }, {x}));
                for (double p : {1.0, 2.0, 3.0, kInf})
                    EXPECT_TRUE(cuda_matches_cpu(
                        [&](const std::vector<Tensor>& in) { return norm(in[0], p, dims, keepdim); }, {x}))
                        << "norm p " << p << " " << dt;
            }
        // logsumexp is stable for large values.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return logsumexp(in[0] * 1000.0, {1}); }, {x}));
    }
}

// ---- empty reductions
// ---------------------------------------------------------------------------------------
TEST(CudaParityReduce, EmptyReductions) {
    TINYDL_REQUIRE_CUDA();
    const Tensor e = zeros({0, 3}, TensorOptions(kFloat64).device(Device::cuda()));
    EXPECT_EQ(sum(e, {0}).cpu().to_vector<double>(), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(sum(e, {1}).sizes(), (IntArrayRef{0}));
    EXPECT_EQ(sum(e).item<double>(), 0.0);
    EXPECT_EQ(prod(e, 0).cpu().to_vector<double>(), (std::vector<double>{1, 1, 1}));
    EXPECT_TRUE(std::isnan(mean(e).item<double>()));
    EXPECT_EQ(logsumexp(e, {0}).cpu().to_vector<double>(), (std::vector<double>{-kInf, -kInf, -kInf}));
    EXPECT_EQ(norm(e, 1, {0}).cpu().to_vector<double>(), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(std::get<0>(max(e, 1)).sizes(), (IntArrayRef{0}));
    EXPECT_ERROR(max(e, 0), "max", "Expected reduction dim 0 to have non-zero size");
    EXPECT_ERROR(argmax(e), "argmax", "Expected reduction dim to be specified");
    EXPECT_ERROR(min(e), "min", "Expected reduction dim to be specified");
    EXPECT_NO_THROW(cuda::synchronize());
}

// ---- softmax, log_softmax
// -----------------------------------------------------------------------------------
TEST(CudaParitySoftmax, EachDimWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(10);
        const Tensor x = leaf({3, 4, 5}, dt);
        for (int64_t d : {0, 1, 2, -1}) {
            EXPECT_TRUE(
                cuda_matches_cpu([&](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x}))
                << "softmax " << dt << " dim " << d;
            EXPECT_TRUE(
                cuda_matches_cpu([&](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x}))
                << "log_softmax " << dt << " dim " << d;
        }
        // Non-contiguous input, a 1-D input, a 0-dim input.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return softmax(in[0].transpose(0, 2), 1); }, {x}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return in[0].log_softmax(0); },
                                     {leaf({9}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return softmax(in[0], 0); },
                                     {leaf({}, dt)}));
    }
}

TEST(CudaParitySoftmax, LargeAndStableInputs) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(11);
        // Long rows (B == 1, every lane reads many values), tall columns (B > 1), many short rows.
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return softmax(in[0], 1); },
                                     {leaf({3, 50000}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return log_softmax(in[0], 0); },
                                     {leaf({5000, 3}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return log_softmax(in[0], -1); },
                                     {leaf({20000, 10}, dt)}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return softmax(in[0], 1); },
                                     {leaf({7, 300, 9}, dt)}));
        // Subtracting the max: x = 1000 is no overflow.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return softmax(in[0] * 1000.0, -1); }, {leaf({4, 6}, dt)}));
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return log_softmax(in[0] * 1000.0, 0); },
                             {leaf({4, 6}, dt)}));
    }
}

TEST(CudaParitySoftmax, NaNAndInfinities) {
    TINYDL_REQUIRE_CUDA();
    const double nan = std::nan("");
    const Tensor x = tensor({{1.0, nan, 2.0}, {1.0, 2.0, 3.0}, {-kInf, -kInf, -kInf}, {0.0, -kInf, kInf}});
    for (int64_t d : {0, 1}) {
        EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x}));
        EXPECT_TRUE(
            cuda_matches_cpu([&](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x}));
    }
    const std::vector<double> y = softmax(x.cuda(), 1).cpu().to_vector<double>();
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]) && std::isnan(y[2]));  // a NaN poisons its row only
    EXPECT_FALSE(std::isnan(y[3]));
}

TEST(CudaParitySoftmax, IntegerInputsComputeInFloat32) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(12);
    const Tensor i = randint(-5, 5, {4, 6}, TensorOptions(kInt64));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return softmax(in[0], 1); }, {i}));
    EXPECT_EQ(log_softmax(i.cuda(), 0).dtype(), kFloat32);
}

}  // namespace
}  // namespace tinydl
