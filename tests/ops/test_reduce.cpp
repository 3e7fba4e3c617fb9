// test_reduce.cpp — the reductions (src/ops/reduce.cpp), driven by one op table.
//
// Each row of kReduceCases names a reduction, a float64 reference that reduces one slice (the
// values of x sharing an output index, in row-major order), the range its samples come from,
// and what dims it takes (the table, its sampler and kDimsCases live in
// tests/ops/reduce_cases.h, shared with the CUDA test tests/cuda/test_tables_reduce.cpp).
// reduce_reference() below groups x into slices with plain loops, so the oracle knows nothing
// about [A, R, B] plans, permutations or keepdim reshapes. Every row is checked for:
//   1. forward vs the reference in float64 over kDimsCases (single, multiple, negative,
//      non-adjacent and all dims, with and without keepdim) on shapes {}, {1}, {7, 13},
//      {3, 4, 5} and {2, 3, 4, 5};
//   2. non-contiguous (NaN-interleaved), transposed and permuted inputs;
//   3. float32 forward within float32 rounding of the float64 reference;
//   4. gradcheck in float64 (contiguous and non-contiguous), gradgradcheck for some rows.
// Below the table: layouts that exercise the parallel kernels, empty reductions, each op's
// special cases (prod with zeros, ties, NaN, -inf, stability at 1000, zero norms), dtypes,
// node names, and error messages.
//
// Not here: softmax (test_softmax.cpp), CPU vs CUDA parity (tests/cuda).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "tests/ops/reduce_cases.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

// ---- the float64 oracle: plain loops over every element -------------------------------------------
// out[i] = f(values of x whose kept indices give output i), shaped as the reduction's result.
Tensor reduce_reference(const Tensor& x, const Dims& dims, bool keepdim, const SliceFn& f) {
    const int64_t nd = x.dim();
    std::vector<bool> reduced(std::max<int64_t>(nd, 1), dims.empty());
    for (int64_t d : dims) reduced[d < 0 ? d + std::max<int64_t>(nd, 1) : d] = true;
    std::vector<int64_t> out_shape, out_stride(nd, 0);
    int64_t n_out = 1;
    for (int64_t d = nd - 1; d >= 0; --d)
        if (!reduced[d]) {
            out_stride[d] = n_out;
            n_out *= x.size(d);
        }
    for (int64_t d = 0; d < nd; ++d) {
        if (!reduced[d]) out_shape.push_back(x.size(d));
        else if (keepdim) out_shape.push_back(1);
    }
    const std::vector<double> v = x.to_vector<double>();  // row-major
    std::vector<std::vector<double>> slices(n_out);
    for (int64_t k = 0; k < static_cast<int64_t>(v.size()); ++k) {
        int64_t rest = k, out = 0;
        for (int64_t d = nd - 1; d >= 0; --d) {
            out += (rest % x.size(d)) * out_stride[d];
            rest /= x.size(d);
        }
        slices[out].push_back(v[k]);
    }
    std::vector<double> result;
    for (const auto& s : slices) result.push_back(f(s));
    return tensor(result, kFloat64).reshape(out_shape);
}

class ReduceOp : public ::testing::TestWithParam<ReduceCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(ReduceOp, ForwardMatchesFloat64Reference) {
    const ReduceCase& c = GetParam();
    for (const DimsCase& dc : kDimsCases)
        for (bool keepdim : {false, true}) {
            if (!applies(c, dc.dims, keepdim)) continue;
            Tensor x = sample(c, dc.shape);
            Tensor out = c.op(x, dc.dims, keepdim);
            EXPECT_EQ(out.dtype(), kFloat64) << describe(c, dc.shape, dc.dims, keepdim);
            EXPECT_TRUE(allclose(out, reduce_reference(x, dc.dims, keepdim, c.ref), 1e-10, 1e-12))
                << describe(c, dc.shape, dc.dims, keepdim);
        }
}

TEST_P(ReduceOp, NonContiguousTransposedAndPermutedInputs) {
    const ReduceCase& c = GetParam();
    for (const Dims& dims : {Dims{}, Dims{0}, Dims{1}, Dims{0, 1}}) {
        if (!applies(c, dims, false)) continue;
        Tensor x = sample(c, {7, 13});
        Tensor nc = noncontiguous_like(x);
        ASSERT_FALSE(nc.is_contiguous());
        EXPECT_TRUE(allclose(c.op(nc, dims, false), reduce_reference(x, dims, false, c.ref), 1e-10, 1e-12))
            << describe(c, {7, 13}, dims, false) << " (NaN-interleaved input)";
        Tensor xt = sample(c, {13, 7}).t();  // strides (1, 7)
        if (!applies(c, dims, true)) continue;
        EXPECT_TRUE(allclose(c.op(xt, dims, true), reduce_reference(xt, dims, true, c.ref), 1e-10, 1e-12))
            << describe(c, {7, 13}, dims, true) << " (transposed input)";
    }
    // A permuted 3-D input: the reduced dims are neither one run nor contiguous in memory.
    Tensor xp = sample(c, {5, 3, 4}).permute({1, 2, 0});  // [3, 4, 5]
    ASSERT_FALSE(xp.is_contiguous());
    for (const Dims& dims : {Dims{1}, Dims{0, 2}, Dims{2}}) {
        if (!applies(c, dims, false)) continue;
        EXPECT_TRUE(allclose(c.op(xp, dims, false), reduce_reference(xp, dims, false, c.ref), 1e-10, 1e-12))
            << describe(c, xp.sizes(), dims, false) << " (permuted input)";
    }
}

TEST_P(ReduceOp, Float32WithinRounding) {
    const ReduceCase& c = GetParam();
    for (const Dims& dims : {Dims{}, Dims{0}, Dims{1}}) {
        Tensor x32 = sample(c, {7, 13}).to(kFloat32);
        Tensor out = c.op(x32, dims, false);
        EXPECT_EQ(out.dtype(), kFloat32) << c.name;
        // The reference sees exactly the float32 inputs, so only the op's own rounding is left.
        EXPECT_TRUE(allclose(out, reduce_reference(x32.to(kFloat64), dims, false, c.ref), 1e-5, 1e-6))
            << describe(c, {7, 13}, dims, false) << " in float32";
    }
}

TEST_P(ReduceOp, Gradcheck) {
    const ReduceCase& c = GetParam();
    for (const Dims& dims : {Dims{}, Dims{0}, Dims{1}, Dims{-1}})
        for (bool keepdim : {false, true}) {
            if (!applies(c, dims, keepdim)) continue;
            auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], dims, keepdim); };
            Tensor x = sample(c, {3, 4}).requires_grad_(true);
            EXPECT_TRUE(gradcheck_ok(f, {x})) << describe(c, {3, 4}, dims, keepdim);
        }
    if (c.kind == DimsKind::List) {
        auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], {0, 2}, false); };
        Tensor x = sample(c, {2, 3, 4}).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok(f, {x})) << describe(c, {2, 3, 4}, {0, 2}, false);
    }
    auto f1 = [&](const std::vector<Tensor>& in) { return c.op(in[0], {1}, false); };
    Tensor nc = noncontiguous_like(sample(c, {3, 4})).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f1, {nc})) << c.name << " (non-contiguous input)";
    auto f0 = [&](const std::vector<Tensor>& in) { return c.op(in[0], {}, false); };
    Tensor scalar = sample(c, {}).requires_grad_(true);
    // (Unbiased var/std of one element is NaN: nothing to check there.)
    if (!std::isnan(f0({scalar}).item<double>())) EXPECT_TRUE(gradcheck_ok(f0, {scalar})) << c.name << " (0-dim input)";
}

TEST_P(ReduceOp, Gradgradcheck) {
    const ReduceCase& c = GetParam();
    if (!c.gradgrad) GTEST_SKIP() << c.name << ": gradgradcheck not in this row";
    for (const Dims& dims : {Dims{}, Dims{1}}) {
        auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], dims, false); };
        Tensor x = sample(c, {2, 3}).requires_grad_(true);
        EXPECT_TRUE(gradgradcheck_ok(f, {x})) << describe(c, {2, 3}, dims, false);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, ReduceOp, ::testing::ValuesIn(kReduceCases),
                         [](const ::testing::TestParamInfo<ReduceCase>& info) { return std::string(info.param.name); });

// ---- layouts: the [A, R, B] plans and the parallel kernels ---------------------------------------------
TEST(ReduceLayout, SumAndMeanOverEachKindOfDims) {
    // x[i, j, k] = 100 i + 10 j + k: every sum below is easy to write by hand.
    Tensor x = (arange(2).reshape({2, 1, 1}) * 100 + arange(3).reshape({1, 3, 1}) * 10 + arange(4).reshape({1, 1, 4}))
                   .to(kFloat64);
    // [N, D] over dim 0 (A = 1, B = D).
    Tensor x2 = x.reshape({6, 4});
    EXPECT_EQ(sum(x2, {0}).to_vector<double>(), (std::vector<double>{360, 366, 372, 378}));
    // The middle dim (A = 2, R = 3, B = 4).
    EXPECT_EQ(sum(x, {1}).to_vector<double>(),
              (std::vector<double>{30, 33, 36, 39, 330, 333, 336, 339}));
    // Non-adjacent dims {0, 2}: a permuted copy, then [A, R] = [3, 8].
    EXPECT_EQ(sum(x, {0, 2}).to_vector<double>(), (std::vector<double>{412, 492, 572}));
    EXPECT_EQ(sum(x, {2, 0}, true).sizes(), (IntArrayRef{1, 3, 1}));
    EXPECT_EQ(mean(x, {0, 2}).to_vector<double>(), (std::vector<double>{51.5, 61.5, 71.5}));
    EXPECT_EQ(mean(x).item<double>(), 61.5);
}

TEST(ReduceLayout, LargeInputsSplitAcrossThreads) {
    manual_seed(3);
    // A = 1, B = 300: the outputs of one a-row are split between threads.
    Tensor x = randn({2000, 300}, kFloat64);
    EXPECT_TRUE(allclose(sum(x, {0}), reduce_reference(x, {0}, false, ref_sum), 1e-10, 1e-10));
    EXPECT_TRUE(allclose(sum(x, {1}), reduce_reference(x, {1}, false, ref_sum), 1e-10, 1e-10));
    EXPECT_TRUE(allclose(std::get<0>(max(x, 0)), reduce_reference(x, {0}, false, ref_max), 0, 0));
    EXPECT_TRUE(allclose(std::get<0>(min(x, 1)), reduce_reference(x, {1}, false, ref_min), 0, 0));
    // The indices point at the values (randn has no ties).
    auto [v0, i0] = max(x, 0);
    for (int64_t b : {0, 137, 299}) EXPECT_EQ(x.at<double>({i0.at<int64_t>({b}), b}), v0.at<double>({b}));
    EXPECT_TRUE(allclose(logsumexp(x, {0}), reduce_reference(x, {0}, false, ref_logsumexp), 1e-10, 1e-10));
    Tensor y = randn({3, 5000, 7}, kFloat64);
    EXPECT_TRUE(allclose(mean(y, {1}), reduce_reference(y, {1}, false, ref_mean), 1e-10, 1e-12));
    EXPECT_TRUE(allclose(var(y, {0, 2}), reduce_reference(y, {0, 2}, false, [](const std::vector<double>& s) {
                             return ref_var(s, 1);
                         }), 1e-10, 1e-12));
}

TEST(ReduceLayout, Float32SumsAccumulateInDouble) {
    EXPECT_EQ(sum(ones({1 << 22})).item<float>(), static_cast<float>(1 << 22));
    EXPECT_NEAR(mean(full({1000000}, 0.1f)).item<float>(), 0.1f, 1e-7);
}

// ---- empty reductions -------------------------------------------------------------------------------
TEST(ReduceEmpty, IdentitiesAndNaN) {
    Tensor e = zeros({0, 3}, kFloat64);
    EXPECT_EQ(sum(e, {0}).to_vector<double>(), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(sum(e, {1}).sizes(), (IntArrayRef{0}));
    EXPECT_EQ(sum(e).item<double>(), 0.0);
    EXPECT_EQ(prod(e, 0).to_vector<double>(), (std::vector<double>{1, 1, 1}));
    EXPECT_EQ(prod(e).item<double>(), 1.0);
    EXPECT_TRUE(std::isnan(mean(e).item<double>()));
    EXPECT_TRUE(std::isnan(var(e).item<double>()));
    EXPECT_TRUE(std::isnan(var(e, {0}, false).to_vector<double>()[0]));
    EXPECT_EQ(logsumexp(e, {0}).to_vector<double>(), (std::vector<double>{-kInf, -kInf, -kInf}));
    EXPECT_EQ(norm(e).item<double>(), 0.0);
    EXPECT_EQ(norm(e, 1, {0}).to_vector<double>(), (std::vector<double>{0, 0, 0}));
    // max over a non-empty dim of an empty tensor is fine: an empty result.
    auto [v, i] = max(e, 1);
    EXPECT_EQ(v.sizes(), (IntArrayRef{0}));
    EXPECT_EQ(i.dtype(), kInt64);
    EXPECT_EQ(argmin(zeros({2, 0}), 0).sizes(), (IntArrayRef{0}));
}

TEST(ReduceEmpty, MaxMinArgmaxRefuseAnEmptyDim) {
    Tensor e = zeros({0, 3});
    EXPECT_ERROR(max(e, 0), "max", "Expected reduction dim 0 to have non-zero size", "[0, 3]");
    EXPECT_ERROR(min(e, -2), "min", "Expected reduction dim 0 to have non-zero size");
    EXPECT_ERROR(argmax(e, 0), "argmax", "Expected reduction dim 0 to have non-zero size");
    EXPECT_ERROR(argmin(e, 0, true), "argmin", "Expected reduction dim 0 to have non-zero size");
    EXPECT_ERROR(max(e), "max", "Expected reduction dim to be specified for input.numel() == 0");
    EXPECT_ERROR(min(e), "min", "Expected reduction dim to be specified for input.numel() == 0");
    EXPECT_ERROR(argmax(e), "argmax", "Expected reduction dim to be specified");
    EXPECT_ERROR(norm(e, kInf, {0}), "norm", "inf norm", "empty");
}

// ---- sum and mean -----------------------------------------------------------------------------------
TEST(Sum, IntegerAndBoolInputsGiveInt64) {
    Tensor i = tensor({1, 2, 3, 4}, kInt32).reshape({2, 2});
    EXPECT_EQ(sum(i).dtype(), kInt64);
    EXPECT_EQ(sum(i, {0}).to_vector<int64_t>(), (std::vector<int64_t>{4, 6}));
    Tensor b = tensor(std::vector<bool>{true, false, true, true});
    EXPECT_EQ(sum(b).dtype(), kInt64);
    EXPECT_EQ(sum(b).item<int64_t>(), 3);
}

TEST(Sum, MethodsMatchFunctions) {
    Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    EXPECT_EQ(x.sum().item<double>(), 21.0);
    EXPECT_EQ(x.sum(1, true).sizes(), (IntArrayRef{2, 1}));
    EXPECT_EQ(x.mean({0}).to_vector<double>(), (std::vector<double>{2.5, 3.5, 4.5}));
    EXPECT_EQ(x.prod().item<double>(), 720.0);
    EXPECT_EQ(x.prod(0).to_vector<double>(), (std::vector<double>{4, 10, 18}));
    EXPECT_EQ(x.max().item<double>(), 6.0);
    EXPECT_EQ(x.min().item<double>(), 1.0);
    EXPECT_EQ(std::get<1>(x.max(1)).to_vector<int64_t>(), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(std::get<0>(x.min(0, true)).sizes(), (IntArrayRef{1, 3}));
    EXPECT_EQ(x.argmax().item<int64_t>(), 5);
    EXPECT_EQ(x.argmin(1).to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
    EXPECT_NEAR(x.var().item<double>(), 3.5, 1e-12);
    EXPECT_NEAR(x.var(false).item<double>(), 35.0 / 12, 1e-12);
    EXPECT_NEAR(x.std().item<double>(), std::sqrt(3.5), 1e-12);
    EXPECT_EQ(x.var({1}, true, true).sizes(), (IntArrayRef{2, 1}));
    EXPECT_NEAR(x.std({0, 1}, false).item<double>(), std::sqrt(35.0 / 12), 1e-12);
    EXPECT_NEAR(x.logsumexp({0, 1}).item<double>(), ref_logsumexp({1, 2, 3, 4, 5, 6}), 1e-12);
    EXPECT_NEAR(x.norm().item<double>(), std::sqrt(91.0), 1e-12);
    EXPECT_EQ(x.norm(1, {1}).to_vector<double>(), (std::vector<double>{6, 15}));
}

TEST(Sum, BackwardBroadcastsTheGradient) {
    Tensor x = testing::leaf({2, 3});
    Tensor g = tensor({{1.0}, {2.0}}, kFloat64);  // keepdim result [2, 1]
    sum(x, {1}, true).backward(g);
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1, 1, 2, 2, 2}));
    Tensor y = testing::leaf({2, 2});
    mean(y).backward();
    EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{0.25, 0.25, 0.25, 0.25}));
}

// ---- prod --------------------------------------------------------------------------------------------
TEST(Prod, IntegerAndBoolInputsGiveInt64) {
    Tensor i = tensor({2, 3, 4}, kInt32);
    EXPECT_EQ(prod(i).dtype(), kInt64);
    EXPECT_EQ(prod(i).item<int64_t>(), 24);
    EXPECT_EQ(prod(tensor(std::vector<bool>{true, true})).dtype(), kInt64);
    EXPECT_EQ(prod(tensor(std::vector<bool>{true, false})).item<int64_t>(), 0);
    Tensor big = full({3}, int64_t{1} << 20, kInt64);  // 2^60 fits int64 exactly
    EXPECT_EQ(prod(big).item<int64_t>(), int64_t{1} << 60);
}

TEST(Prod, GradientWithZeros) {
    // Row 0: no zero; row 1: one zero; row 2: two zeros.
    Tensor x = tensor({{2.0, 3.0, 4.0}, {2.0, 0.0, 5.0}, {0.0, 3.0, 0.0}}, kFloat64).requires_grad_(true);
    prod(x, 1).backward(tensor({1.0, 1.0, 1.0}, kFloat64));
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{12, 8, 6, 0, 10, 0, 0, 0, 0}));
    Tensor y = tensor({3.0, 0.0, 2.0}, kFloat64).requires_grad_(true);
    prod(y).backward();
    EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{0, 6, 0}));
    // prod is multilinear, so finite differences are exact even at the zeros.
    auto f = [](const std::vector<Tensor>& in) { return prod(in[0], 1); };
    Tensor z = tensor({{0.5, -1.5, 1.2, 0.7}, {1.1, 0.0, -0.8, 1.3}, {0.0, 0.9, 0.0, -1.4}}, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {z}));
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return prod(in[0], 0, true); }, {z}));
    // Double backward is exact for slices with at most one zero.
    Tensor z1 = tensor({{0.5, -1.5, 1.2}, {1.1, 0.0, -0.8}}, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradgradcheck_ok(f, {z1}));
    EXPECT_TRUE(gradgradcheck_ok([](const std::vector<Tensor>& in) { return prod(in[0]); },
                                 {tensor({0.5, 0.0, 1.5}, kFloat64).requires_grad_(true)}));
}

// ---- max, min, argmax, argmin -----------------------------------------------------------------------
TEST(MaxMin, WholeTensorGradientIsSharedAmongTies) {
    Tensor x = tensor({1.0, 3.0, 3.0, -2.0}, kFloat64).requires_grad_(true);
    Tensor m = max(x);
    EXPECT_EQ(m.dim(), 0);
    EXPECT_EQ(m.item<double>(), 3.0);
    m.backward(tensor(4.0, kFloat64));
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 2, 2, 0}));
    Tensor y = tensor({{1.0, -2.0}, {-2.0, 5.0}}, kFloat64).requires_grad_(true);
    min(y).backward();
    EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 0.5, 0}));
}

TEST(MaxMin, DimFormReturnsFirstIndexAndRoutesTheGradientThere) {
    Tensor x = tensor({{1.0, 7.0, 7.0}, {4.0, -1.0, 4.0}}, kFloat64).requires_grad_(true);
    auto [v, i] = max(x, 1);
    EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{7, 4}));
    EXPECT_EQ(i.dtype(), kInt64);
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));  // first of the ties
    EXPECT_FALSE(i.requires_grad());
    v.backward(tensor({10.0, 20.0}, kFloat64));
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 10, 0, 20, 0, 0}));

    auto [mv, mi] = min(x, 0, true);
    EXPECT_EQ(mv.sizes(), (IntArrayRef{1, 3}));
    EXPECT_EQ(mv.to_vector<double>(), (std::vector<double>{1, -1, 4}));
    EXPECT_EQ(mi.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
    // The 0-dim case: dim 0 of a scalar is the scalar itself.
    auto [sv, si] = max(tensor(2.5, kFloat64), 0);
    EXPECT_EQ(sv.item<double>(), 2.5);
    EXPECT_EQ(si.item<int64_t>(), 0);
}

TEST(MaxMin, NaNAndInfinities) {
    const double nan = std::nan("");
    EXPECT_TRUE(std::isnan(max(tensor({1.0, nan, 3.0})).item<double>()));
    EXPECT_TRUE(std::isnan(min(tensor({1.0, nan, 3.0})).item<double>()));
    auto [v, i] = max(tensor({1.0, nan, 3.0, nan}), 0);
    EXPECT_TRUE(std::isnan(v.item<double>()));
    EXPECT_EQ(i.item<int64_t>(), 1);
    EXPECT_EQ(argmin(tensor({1.0, 0.0, nan})).item<int64_t>(), 2);
    // Along dim 0 (the column-at-a-time kernel path): first NaN wins, else first of the ties.
    auto [cv, ci] = max(tensor({{1.0, nan, 4.0}, {nan, 2.0, 4.0}, {3.0, nan, 1.0}}), 0);
    EXPECT_TRUE(std::isnan(cv.to_vector<double>()[0]) && std::isnan(cv.to_vector<double>()[1]));
    EXPECT_EQ(cv.to_vector<double>()[2], 4.0);
    EXPECT_EQ(ci.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
    EXPECT_EQ(argmin(tensor({{2.0, 5.0}, {2.0, nan}}), 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
    // A slice of -inf has max -inf, not the lowest finite value.
    EXPECT_EQ(max(full({3}, -kInf)).item<float>(), -std::numeric_limits<float>::infinity());
    EXPECT_EQ(min(full({2, 2}, kInf, kFloat64)).item<double>(), kInf);
    EXPECT_EQ(std::get<0>(max(full({2, 3}, -kInf), 0)).to_vector<double>(), (std::vector<double>(3, -kInf)));
}

TEST(MaxMin, IntegerAndBoolInputsKeepTheirDtype) {
    Tensor i = tensor({{3, -7}, {5, 2}}, kInt32);
    EXPECT_EQ(max(i).dtype(), kInt32);
    EXPECT_EQ(max(i).item<int32_t>(), 5);
    EXPECT_EQ(min(i).item<int32_t>(), -7);
    EXPECT_EQ(std::get<0>(max(i, 0)).to_vector<int32_t>(), (std::vector<int32_t>{5, 2}));
    EXPECT_EQ(max(tensor(std::vector<bool>{false, true})).item<bool>(), true);
    auto [bv, bi] = max(tensor(std::vector<bool>{false, true, true, false}).reshape({2, 2}), 0);
    EXPECT_EQ(bv.to_vector<bool>(), (std::vector<bool>{true, true}));
    EXPECT_EQ(bi.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
}

TEST(Argmax, FlattenedDimAndKeepdim) {
    Tensor x = tensor({{1.0, 5.0, 2.0}, {7.0, 2.0, 0.0}});
    EXPECT_EQ(argmax(x).item<int64_t>(), 3);  // index into the flattened tensor
    EXPECT_EQ(argmin(x).item<int64_t>(), 5);
    EXPECT_EQ(argmax(x).dim(), 0);
    EXPECT_EQ(argmax(x, std::nullopt, true).sizes(), (IntArrayRef{1, 1}));
    EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(argmax(x, -2, true).sizes(), (IntArrayRef{1, 3}));
    EXPECT_EQ(argmax(x, -2, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
    // Transposed: the flattened order is the logical (row-major) order of the view.
    Tensor xt = x.t();  // [[1, 7], [5, 2], [2, 0]]
    EXPECT_EQ(argmax(xt).item<int64_t>(), 1);
    EXPECT_EQ(argmin(xt).item<int64_t>(), 5);
    EXPECT_EQ(argmax(xt, 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(argmax(noncontiguous_like(x), 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(argmax(tensor({4, 9, 9, 1})).item<int64_t>(), 1);  // integers; first of the ties
    Tensor r = argmax(testing::leaf({3}));
    EXPECT_EQ(r.dtype(), kInt64);
    EXPECT_FALSE(r.requires_grad());
}

// ---- var and std ------------------------------------------------------------------------------------
TEST(VarStd, BesselCorrectionAndDegenerateCounts) {
    Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64);
    EXPECT_NEAR(var(x).item<double>(), 5.0 / 3, 1e-14);
    EXPECT_NEAR(var(x, {}, false).item<double>(), 1.25, 1e-14);
    EXPECT_NEAR(std(x).item<double>(), std::sqrt(5.0 / 3), 1e-14);
    // N - 1 = 0: NaN, as PyTorch.
    EXPECT_TRUE(std::isnan(var(tensor({5.0})).item<double>()));
    EXPECT_TRUE(std::isnan(std(tensor({5.0})).item<double>()));
    EXPECT_EQ(var(tensor({5.0}), {}, false).item<double>(), 0.0);
    // Large offsets do not cancel (two-pass variance).
    EXPECT_NEAR(var(tensor({1e9 + 1, 1e9 + 2, 1e9 + 3}, kFloat64)).item<double>(), 1.0, 1e-6);
}

TEST(VarStd, StdOfAConstantSliceHasZeroGradient) {
    Tensor x = full({2, 3}, 1.5, kFloat64).requires_grad_(true);
    std(x, {1}).backward(tensor({1.0, 1.0}, kFloat64));
    for (double g : x.grad().to_vector<double>()) EXPECT_EQ(g, 0.0);
}

// ---- logsumexp --------------------------------------------------------------------------------------
TEST(Logsumexp, StableForLargeInputs) {
    for (DType dt : {kFloat32, kFloat64}) {
        Tensor x = tensor({1000.0, 1000.0, 1000.0}, dt);
        EXPECT_NEAR(logsumexp(x, {0}).item<double>(), 1000 + std::log(3.0), 1e-3) << dt;
        Tensor y = tensor({-1000.0, -1000.0}, dt);
        EXPECT_NEAR(logsumexp(y, {0}).item<double>(), -1000 + std::log(2.0), 1e-3) << dt;
    }
    // The gradient at 1000 is softmax: 1/3 each, not NaN.
    Tensor x = full({3}, 1000.0, kFloat64).requires_grad_(true);
    logsumexp(x, {0}).backward();
    EXPECT_TRUE(allclose(x.grad(), full({3}, 1.0 / 3, kFloat64), 1e-12, 1e-12));
    auto f = [](const std::vector<Tensor>& in) { return logsumexp(in[0], {1}); };
    Tensor big = (testing::leaf({2, 3}) + 1000).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {big}));
}

TEST(Logsumexp, InfinitiesAndIntegers) {
    EXPECT_EQ(logsumexp(full({3}, -kInf, kFloat64), {0}).item<double>(), -kInf);
    EXPECT_EQ(logsumexp(tensor({1.0, kInf}), {0}).item<double>(), kInf);
    EXPECT_NEAR(logsumexp(tensor({0.0, -kInf}), {0}).item<double>(), 0.0, 1e-7);
    Tensor i = logsumexp(tensor({1, 2, 3}), {0});
    EXPECT_EQ(i.dtype(), kFloat32);
    EXPECT_NEAR(i.item<double>(), ref_logsumexp({1, 2, 3}), 1e-6);
}

// ---- norm -------------------------------------------------------------------------------------------
TEST(Norm, GradientAtAZeroNormIsZero) {
    for (double p : {2.0, 1.0, 3.0, 0.5, kInf}) {
        Tensor x = zeros({2, 3}, kFloat64).requires_grad_(true);
        norm(x, p, {1}).backward(tensor({1.0, 1.0}, kFloat64));
        for (double g : x.grad().to_vector<double>()) EXPECT_EQ(g, 0.0) << "p = " << p;
        Tensor y = zeros({3}, kFloat64).requires_grad_(true);
        norm(y, p).backward();
        for (double g : y.grad().to_vector<double>()) EXPECT_EQ(g, 0.0) << "p = " << p;
    }
    // One zero row next to a non-zero one: only the zero row is masked.
    Tensor x = tensor({{0.0, 0.0}, {3.0, -4.0}}, kFloat64).requires_grad_(true);
    norm(x, 2, {1}).backward(tensor({1.0, 1.0}, kFloat64));
    EXPECT_TRUE(allclose(x.grad(), tensor({{0.0, 0.0}, {0.6, -0.8}}, kFloat64), 1e-14, 1e-14));
}

TEST(Norm, InfNormSharesTheGradientAmongTies) {
    Tensor x = tensor({-3.0, 1.0, 3.0}, kFloat64).requires_grad_(true);
    Tensor n = norm(x, kInf);
    EXPECT_EQ(n.item<double>(), 3.0);
    n.backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{-0.5, 0, 0.5}));
}

TEST(Norm, Errors) {
    EXPECT_ERROR(norm(tensor({1, 2})), "norm", "floating-point", "int64");
    EXPECT_ERROR(norm(tensor({1.0, 2.0}), 0), "norm", "p > 0", "0");
    EXPECT_ERROR(norm(tensor({1.0, 2.0}), -1.0), "norm", "p > 0");
}

// ---- node names ---------------------------------------------------------------------------------------
TEST(Reduce, BackwardNodeNames) {
    Tensor x = testing::leaf({2, 3}, 0.5, 1.0);
    EXPECT_STREQ(sum(x).grad_fn()->name(), "SumBackward0");
    EXPECT_STREQ(sum(x, {0}).grad_fn()->name(), "SumBackward1");
    EXPECT_STREQ(mean(x).grad_fn()->name(), "MeanBackward0");
    EXPECT_STREQ(mean(x, {0}).grad_fn()->name(), "MeanBackward1");
    EXPECT_STREQ(prod(x).grad_fn()->name(), "ProdBackward0");
    EXPECT_STREQ(prod(x, 1).grad_fn()->name(), "ProdBackward1");
    EXPECT_STREQ(max(x).grad_fn()->name(), "MaxBackward1");
    EXPECT_STREQ(std::get<0>(max(x, 1)).grad_fn()->name(), "MaxBackward0");
    EXPECT_STREQ(min(x).grad_fn()->name(), "MinBackward1");
    EXPECT_STREQ(std::get<0>(min(x, 0)).grad_fn()->name(), "MinBackward0");
    EXPECT_STREQ(norm(x).grad_fn()->name(), "NormBackward1");
}

// ---- errors -------------------------------------------------------------------------------------------
TEST(Reduce, ErrorMessages) {
    Tensor x = zeros({2, 3});
    EXPECT_ERROR(sum(x, {0, 0}), "sum", "dim 0 appears multiple times in the list of dims", "[0, 0]");
    EXPECT_ERROR(sum(x, {1, -1}), "sum", "dim 1 appears multiple times");
    EXPECT_ERROR(mean(x, {0, -2}), "mean", "dim 0 appears multiple times");
    EXPECT_ERROR(var(x, {1, 1}), "var", "appears multiple times");
    EXPECT_ERROR(logsumexp(x, {0, 0}), "logsumexp", "appears multiple times");
    EXPECT_ERROR(norm(x, 2, {1, -1}), "norm", "appears multiple times");
    EXPECT_ERROR(sum(x, {2}), "sum", "dimension out of range", "[-2, 1]", "but got 2");
    EXPECT_ERROR(mean(x, {-3}), "mean", "dimension out of range", "but got -3");
    EXPECT_ERROR(prod(x, 5), "prod", "dimension out of range", "but got 5");
    EXPECT_ERROR(max(x, 2), "max", "dimension out of range");
    EXPECT_ERROR(argmin(x, -3), "argmin", "dimension out of range");
    EXPECT_ERROR(std(x, {3}), "std", "dimension out of range");
    EXPECT_ERROR(logsumexp(x, {2}), "logsumexp", "dimension out of range");
    EXPECT_ERROR(sum(tensor(1.0), {1}), "sum", "dimension out of range", "[-1, 0]");
    EXPECT_ERROR(mean(tensor({1, 2})), "mean", "could not infer output dtype", "int64");
    EXPECT_ERROR(var(tensor({1, 2})), "var", "floating point", "int64");
    EXPECT_ERROR(std(tensor({1, 2}, kInt32), {0}), "std", "floating point", "int32");
    EXPECT_ERROR(sum(Tensor{}), "sum");
}

}  // namespace
}  // namespace tinydl
