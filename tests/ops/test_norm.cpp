// test_norm.cpp — batch_norm, layer_norm, group_norm (src/ops/norm.cpp, src/cpu/norm.cpp).
//
// The oracles (in tests/ops/norm_cases.h, with the table) are naive float64 loops over row-major
// indices, written from the textbook formulas: they share nothing with the fused [N, C, S]
// kernels or with the compositions.
// Table rows (one per normalisation) are checked for:
//   1. forward vs the reference on several ranks, float64 and float32;
//   2. a non-contiguous (NaN-interleaved) input, forward and backward;
//   3. gradcheck for input, weight and bias in float64 (with and without the affine terms);
//   4. gradgradcheck (batch_norm's composite double-backward path).
// Below the table: batch_norm's training / eval modes, running-stat updates, the fused vs the
// composite backward, node names and errors.
#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tests/ops/norm_cases.h"  // table + references, shared with tests/cuda/test_tables_norm.cpp
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

std::vector<int64_t> shape_of(const Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }
Tensor as_tensor(const std::vector<double>& v, IntArrayRef shape) { return tensor(v, kFloat64).reshape(shape); }
// A float64 leaf of standard-normal values that requires grad.
Tensor leaf_like(IntArrayRef shape) { return randn(shape, kFloat64).detach().requires_grad_(true); }

// ---- the table (kNormCases) and the references are in tests/ops/norm_cases.h ------------------------
class NormTable : public ::testing::TestWithParam<NormCase> {};

TEST_P(NormTable, ForwardMatchesReference) {
    const NormCase& c = GetParam();
    for (const auto& shape : c.shapes) {
        for (DType dtype : {kFloat64, kFloat32}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape) << " " << dtype);
            Tensor x = (randn(shape, kFloat64) * 2.0 + 0.5).to(dtype);
            const auto ashape = c.affine_shape(shape);
            Tensor w = (rand(ashape, kFloat64) + 0.5).to(dtype), b = randn(ashape, kFloat64).to(dtype);
            const double tol = dtype == kFloat64 ? 1e-10 : 1e-5;
            // With and without the affine terms.
            EXPECT_TRUE(allclose(c.op(x, w, b), as_tensor(c.ref(x, w.to_vector<double>(), b.to_vector<double>()), shape),
                                 tol, tol));
            EXPECT_TRUE(allclose(c.op(x, {}, {}), as_tensor(c.ref(x, {}, {}), shape), tol, tol));
            EXPECT_EQ(c.op(x, w, b).dtype(), dtype);
        }
    }
}

TEST_P(NormTable, NoncontiguousInput) {
    const NormCase& c = GetParam();
    for (const auto& shape : c.shapes) {
        SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape));
        Tensor x = leaf_like(shape);
        Tensor xn = noncontiguous_like(x.detach()).requires_grad_(true);
        ASSERT_FALSE(xn.is_contiguous());
        const auto ashape = c.affine_shape(shape);
        Tensor w = rand(ashape, kFloat64) + 0.5, b = randn(ashape, kFloat64);
        Tensor y = c.op(x, w, b), yn = c.op(xn, w, b);
        EXPECT_TRUE(allclose(yn, y, 1e-12, 1e-12));
        Tensor g = randn(shape, kFloat64);
        const Tensor gx = grad({y}, {x}, {g})[0];
        const Tensor gxn = grad({yn}, {xn}, {noncontiguous_like(g)})[0];
        EXPECT_TRUE(allclose(gxn, gx, 1e-10, 1e-10));
    }
}

TEST_P(NormTable, Gradcheck) {
    const NormCase& c = GetParam();
    for (const auto& shape : c.shapes) {
        SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape));
        const auto ashape = c.affine_shape(shape);
        Tensor x = leaf_like(shape);
        Tensor w = (rand(ashape, kFloat64) + 0.5).requires_grad_(true);
        Tensor b = randn(ashape, kFloat64).requires_grad_(true);
        const auto fn = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], in[2]); };
        EXPECT_TRUE(gradcheck_ok(fn, {x, w, b}));
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], {}, {}); }, {x}));
        // Only some inputs needing a gradient: the others get none and the rest stays right.
        EXPECT_TRUE(gradcheck_ok(fn, {x.detach(), w, b.detach()}));
    }
}

TEST_P(NormTable, Gradgradcheck) {
    const NormCase& c = GetParam();
    const auto& shape = c.shapes[1];
    const auto ashape = c.affine_shape(shape);
    Tensor x = leaf_like(shape);
    Tensor w = (rand(ashape, kFloat64) + 0.5).requires_grad_(true);
    Tensor b = randn(ashape, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradgradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], in[2]); }, {x, w, b}));
}

// ---- batch_norm specifics ------------------------------------------------------------------------------
TEST(BatchNorm, RunningStatsFollowReferenceOverSteps) {
    for (DType dtype : {kFloat64, kFloat32}) {
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{6, 4}, {3, 4, 5}, {2, 4, 3, 3}}) {
            SCOPED_TRACE(::testing::Message() << shape_str(shape) << " " << dtype);
            const double momentum = 0.3;
            Tensor rm = zeros({4}, dtype), rv = ones({4}, dtype);
            std::vector<double> ref_rm(4, 0.0), ref_rv(4, 1.0);
            Tensor w = rand({4}, dtype) + 0.5, b = randn({4}, dtype);
            for (int step = 0; step < 3; ++step) {
                Tensor x = randn(shape, dtype) * (1.0 + step) + step;
                BatchNormRef r = ref_batch_norm(x, ref_rm, ref_rv, w.to_vector<double>(), b.to_vector<double>(), true,
                                                momentum, kEps);
                Tensor y = batch_norm(x, rm, rv, w, b, /*training=*/true, momentum);
                const double tol = dtype == kFloat64 ? 1e-10 : 1e-5;
                EXPECT_TRUE(allclose(y, as_tensor(r.y, shape), tol, tol));
                ref_rm = r.running_mean;
                ref_rv = r.running_var;
                EXPECT_TRUE(allclose(rm, tensor(ref_rm, kFloat64), tol, tol)) << "step " << step;
                EXPECT_TRUE(allclose(rv, tensor(ref_rv, kFloat64), tol, tol)) << "step " << step;
                EXPECT_EQ(rm.dtype(), dtype);
            }
            // Eval: uses the running stats and leaves them alone.
            Tensor x = randn(shape, dtype);
            const std::vector<double> before = rm.to_vector<double>();
            Tensor y = batch_norm(x, rm, rv, w, b, /*training=*/false);
            EXPECT_TRUE(allclose(y, as_tensor(ref_batch_norm(x, ref_rm, ref_rv, w.to_vector<double>(),
                                                             b.to_vector<double>(), false, 0.0, kEps).y, shape),
                                 1e-5, 1e-5));
            EXPECT_EQ(rm.to_vector<double>(), before);
        }
    }
}

TEST(BatchNorm, TrainingWithoutRunningStatsAndOtherEps) {
    Tensor x = randn({5, 3, 4}, kFloat64);
    Tensor y = batch_norm(x, {}, {}, {}, {}, /*training=*/true, 0.1, /*eps=*/0.5);
    EXPECT_TRUE(allclose(y, as_tensor(ref_batch_norm(x, {}, {}, {}, {}, true, 0.1, 0.5).y, {5, 3, 4}), 1e-12, 1e-12));
    // Normalised per channel: mean 0.
    EXPECT_TRUE(allclose(y.mean({0, 2}), zeros({3}, kFloat64), 0, 1e-12));
}

TEST(BatchNorm, LargeInputTakesTheParallelPaths) {
    Tensor x = randn({32, 16, 9, 9}) * 3.0 + 1.0;
    Tensor rm = zeros({16}), rv = ones({16});
    Tensor w = rand({16}) + 0.5, b = randn({16});
    Tensor y = batch_norm(x, rm, rv, w, b, true);
    BatchNormRef r =
        ref_batch_norm(x, std::vector<double>(16, 0.0), std::vector<double>(16, 1.0), w.to_vector<double>(),
                       b.to_vector<double>(), true, 0.1, kEps);
    EXPECT_TRUE(allclose(y, as_tensor(r.y, {32, 16, 9, 9}), 1e-5, 1e-5));
    EXPECT_TRUE(allclose(rv, tensor(r.running_var, kFloat64), 1e-5, 1e-6));
    // Backward of the big case against the float64 computation.
    Tensor xd = x.to(kFloat64).requires_grad_(true), wd = w.to(kFloat64).requires_grad_(true);
    Tensor xf = x.detach().requires_grad_(true), wf = w.detach().requires_grad_(true);
    Tensor g = randn({32, 16, 9, 9});
    auto gd = grad({batch_norm(xd, {}, {}, wd, b.to(kFloat64), true)}, {xd, wd}, {g.to(kFloat64)});
    auto gf = grad({batch_norm(xf, {}, {}, wf, b, true)}, {xf, wf}, {g});
    EXPECT_TRUE(allclose(gf[0], gd[0], 1e-3, 1e-5));
    EXPECT_TRUE(allclose(gf[1], gd[1], 1e-4, 1e-3));
}

// The fused CPU backward (no create_graph) and the composite one (create_graph) agree.
TEST(BatchNorm, FusedAndCompositeBackwardAgree) {
    for (bool training : {true, false}) {
        SCOPED_TRACE(training ? "training" : "eval");
        Tensor x = leaf_like({4, 3, 5});
        Tensor w = (rand({3}, kFloat64) + 0.5).requires_grad_(true);
        Tensor b = randn({3}, kFloat64).requires_grad_(true);
        Tensor rm = randn({3}, kFloat64) * 0.1, rv = rand({3}, kFloat64) + 0.5;
        Tensor g = randn({4, 3, 5}, kFloat64);
        Tensor y = batch_norm(x, rm, rv, w, b, training);
        auto fused = grad({y}, {x, w, b}, {g}, /*retain_graph=*/true, /*create_graph=*/false);
        auto composite = grad({y}, {x, w, b}, {g}, /*retain_graph=*/true, /*create_graph=*/true);
        for (int i = 0; i < 3; ++i) EXPECT_TRUE(allclose(fused[i], composite[i], 1e-12, 1e-12)) << "input " << i;
        EXPECT_FALSE(fused[0].requires_grad());
        EXPECT_TRUE(composite[0].requires_grad());
    }
}

TEST(BatchNorm, NoncontiguousWeightAndRunningStats) {
    Tensor x = leaf_like({4, 3, 2});
    Tensor w = noncontiguous_like(rand({3}, kFloat64) + 0.5).requires_grad_(true);
    Tensor b = noncontiguous_like(randn({3}, kFloat64)).requires_grad_(true);
    Tensor rm = noncontiguous_like(randn({3}, kFloat64)), rv = noncontiguous_like(rand({3}, kFloat64) + 0.5);
    for (bool training : {true, false}) {
        const auto fn = [&](const std::vector<Tensor>& in) { return batch_norm(in[0], rm, rv, in[1], in[2], training); };
        EXPECT_TRUE(gradcheck_ok(fn, {x, w, b})) << training;
        EXPECT_TRUE(gradgradcheck_ok(fn, {x, w, b})) << training;
    }
    // The running stats were updated through their strided views.
    EXPECT_FALSE(std::isnan(rm.sum().item<double>()));
}

TEST(BatchNorm, EvalGradientIsAScaledCopy) {
    // grad_input = g * w / sqrt(running_var + eps), elementwise per channel.
    Tensor x = leaf_like({3, 2});
    Tensor w = tensor({2.0, -1.0}, kFloat64), rv = tensor({3.0, 0.25}, kFloat64);
    Tensor y = batch_norm(x, zeros({2}, kFloat64), rv, w, {}, /*training=*/false);
    Tensor g = randn({3, 2}, kFloat64);
    Tensor gx = grad({y}, {x}, {g})[0];
    EXPECT_TRUE(allclose(gx, g * (w / (rv + kEps).sqrt()), 1e-12, 1e-12));
}

TEST(BatchNorm, NodeNameAndNoRecordingWithoutGrad) {
    Tensor x = leaf_like({4, 3});
    Tensor y = batch_norm(x, {}, {}, {}, {}, true);
    ASSERT_TRUE(y.grad_fn());
    EXPECT_STREQ(y.grad_fn()->name(), "NativeBatchNormBackward0");
    EXPECT_FALSE(batch_norm(x.detach(), {}, {}, {}, {}, true).requires_grad());
    NoGradGuard no_grad;
    EXPECT_FALSE(batch_norm(x, {}, {}, {}, {}, true).requires_grad());
}

TEST(BatchNorm, RunningStatsAreNotPartOfTheGraph) {
    // The in-place running-stat update happens under no-grad, even with a graph-building input.
    Tensor x = leaf_like({4, 3});
    Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
    Tensor y = batch_norm(x, rm, rv, {}, {}, true);
    EXPECT_FALSE(rm.requires_grad());
    EXPECT_FALSE(rv.requires_grad());
    y.sum().backward();  // and backward still works after the buffers changed
    EXPECT_TRUE(x.grad().defined());
}

TEST(BatchNorm, Errors) {
    Tensor x = randn({2, 3, 4});
    EXPECT_ERROR(batch_norm(x, zeros({4}), ones({3}), {}, {}, true), "batch_norm",
                 "running_mean should contain 3 elements not 4", "[2, 3, 4]");
    EXPECT_ERROR(batch_norm(x, zeros({3}), ones({2}), {}, {}, true), "running_var should contain 3 elements not 2");
    EXPECT_ERROR(batch_norm(x, {}, {}, ones({5}), {}, true), "weight should contain 3 elements not 5");
    EXPECT_ERROR(batch_norm(x, {}, {}, {}, zeros({2}), true), "bias should contain 3 elements not 2");
    EXPECT_ERROR(batch_norm(randn({1, 3}), {}, {}, {}, {}, true),
                 "Expected more than 1 value per channel when training, got input size [1, 3]");
    EXPECT_ERROR(batch_norm(randn({1, 3, 1, 1}), {}, {}, {}, {}, true), "Expected more than 1 value per channel");
    EXPECT_ERROR(batch_norm(randn({3}), {}, {}, {}, {}, true), "batch_norm", "1-D", "[3]");
    EXPECT_ERROR(batch_norm(x, {}, {}, {}, {}, false), "running_mean and running_var must be defined in evaluation mode");
    EXPECT_ERROR(batch_norm(x, zeros({3}), {}, {}, {}, true), "both be defined or both undefined");
    EXPECT_ERROR(batch_norm(x, {}, {}, ones({3}, kFloat64), {}, true), "weight is float64 but the input is float32");
    EXPECT_ERROR(batch_norm(ones({2, 3}, kInt64), {}, {}, {}, {}, true), "batch_norm");
    EXPECT_ERROR(batch_norm(Tensor{}, {}, {}, {}, {}, true), "batch_norm");
}

// ---- layer_norm and group_norm specifics -----------------------------------------------------------
TEST(LayerNorm, OneDimNormalizedShapeAndErrors) {
    Tensor x = randn({3, 4, 10}, kFloat64);
    Tensor y = layer_norm(x, {10});
    EXPECT_TRUE(allclose(y, as_tensor(ref_layer_norm(x, 1, {}, {}, kEps), {3, 4, 10}), 1e-12, 1e-12));
    EXPECT_ERROR(layer_norm(randn({2, 5}), {10}),
                 "layer_norm: Given normalized_shape=[10], expected input with shape [*, 10], but got input of size[2, 5]");
    EXPECT_ERROR(layer_norm(randn({2, 10}), {10}, ones({5})),
                 "Expected weight to be of same shape as normalized_shape, but got weight of shape [5] and normalized_shape = [10]");
    EXPECT_ERROR(layer_norm(randn({2, 10}), {10}, {}, ones({9})), "bias of shape [9]");
    EXPECT_ERROR(layer_norm(randn({10}), {2, 10}), "expected input with shape [*, 2, 10]");
}

TEST(GroupNorm, GroupsEqualChannelsIsInstanceNormAndErrors) {
    Tensor x = randn({2, 4, 6}, kFloat64);
    // G = C: every (n, c) row standardised on its own.
    EXPECT_TRUE(allclose(group_norm(x, 4), layer_norm(x, {6}), 1e-12, 1e-12));
    // G = 1: a layer norm over (C, L).
    EXPECT_TRUE(allclose(group_norm(x, 1), layer_norm(x, {4, 6}), 1e-12, 1e-12));
    EXPECT_ERROR(group_norm(randn({2, 5, 4}), 2),
                 "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 5, 4] "
                 "and num_groups=2");
    EXPECT_ERROR(group_norm(randn({2, 4, 4}), 2, ones({3})),
                 "Expected weight to be a vector of size equal to the number of channels in input, but got weight of "
                 "shape [3] and input of shape [2, 4, 4]");
    EXPECT_ERROR(group_norm(randn({4}), 2), "group_norm", "1-D");
    EXPECT_ERROR(group_norm(randn({2, 4}), 0), "num_groups must be positive");
}

INSTANTIATE_TEST_SUITE_P(Norm, NormTable, ::testing::ValuesIn(kNormCases),
                         [](const ::testing::TestParamInfo<NormCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tinydl
