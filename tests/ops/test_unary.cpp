// test_unary.cpp — the elementwise unary ops (src/ops/unary.cpp), driven by one op table.
//
// Each row of kUnaryCases names an op, a float64 reference written with <cmath>, the input
// range it is sampled from, and the points where it has a kink or jump (samples are pushed
// away from those, so finite differences never straddle one). The table and its sampler live
// in tests/ops/unary_cases.h, shared with the CUDA test tests/cuda/test_tables_unary.cpp.
// Every row is checked for:
//   1. forward vs the reference in float64 on shapes {}, {1}, {7, 13}, {0, 3}, a
//      non-contiguous (NaN-interleaved) input and a transposed input;
//   2. float32 forward within float32 rounding of the float64 reference;
//   3. gradcheck in float64 (contiguous and non-contiguous inputs), gradgradcheck for some.
// Below the table: integer promotion, the in-place forms, and error messages.
//
// Not here: CPU vs CUDA parity (tests/cuda), reductions (test_reduce.cpp).
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "tests/ops/unary_cases.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::map_reference;
using ::tinydl::testing::noncontiguous_like;

class UnaryOp : public ::testing::TestWithParam<UnaryCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(UnaryOp, ForwardMatchesFloat64Reference) {
    const UnaryCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {0, 3}};
    for (const auto& shape : shapes) {
        Tensor x = sample(c, shape);
        Tensor out = c.op(x);
        EXPECT_TRUE(out.sizes() == x.sizes()) << c.name << " on " << shape_str(shape);
        EXPECT_TRUE(allclose(out, map_reference(x, c.ref), 1e-12, 1e-12)) << c.name << " on " << shape_str(shape);
    }
}

TEST_P(UnaryOp, NonContiguousAndTransposedInputs) {
    const UnaryCase& c = GetParam();
    Tensor x = sample(c, {7, 13});
    Tensor nc = noncontiguous_like(x);
    ASSERT_FALSE(nc.is_contiguous());
    EXPECT_TRUE(allclose(c.op(nc), map_reference(x, c.ref), 1e-12, 1e-12)) << c.name << " on a strided input";

    Tensor xt = sample(c, {13, 7}).t();  // strides (1, 7)
    ASSERT_FALSE(xt.is_contiguous());
    Tensor out = c.op(xt);
    EXPECT_TRUE(allclose(out, map_reference(xt, c.ref), 1e-12, 1e-12)) << c.name << " on a transposed input";
}

TEST_P(UnaryOp, Float32WithinRounding) {
    const UnaryCase& c = GetParam();
    Tensor x32 = sample(c, {7, 13}).to(kFloat32);
    Tensor out = c.op(x32);
    if (std::string(c.name) == "logical_not") EXPECT_EQ(out.dtype(), kBool);
    else EXPECT_EQ(out.dtype(), kFloat32) << c.name;
    // The reference sees exactly the float32 inputs, so only the op's own rounding is left.
    EXPECT_TRUE(allclose(out, map_reference(x32.to(kFloat64), c.ref), 2e-6, 1e-6)) << c.name;
}

TEST_P(UnaryOp, Gradcheck) {
    const UnaryCase& c = GetParam();
    if (!c.grad) GTEST_SKIP() << c.name << " has no gradient";
    auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0]); };
    Tensor x = sample(c, {3, 4}).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {x})) << c.name;
    Tensor nc = noncontiguous_like(sample(c, {2, 3})).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {nc})) << c.name << " (non-contiguous input)";
    Tensor scalar = sample(c, {}).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {scalar})) << c.name << " (0-dim input)";
}

TEST_P(UnaryOp, Gradgradcheck) {
    const UnaryCase& c = GetParam();
    if (!c.gradgrad) GTEST_SKIP() << c.name << ": gradgradcheck not in this row";
    auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0]); };
    Tensor x = sample(c, {2, 3}).requires_grad_(true);
    EXPECT_TRUE(gradgradcheck_ok(f, {x})) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, UnaryOp, ::testing::ValuesIn(kUnaryCases),
                         [](const ::testing::TestParamInfo<UnaryCase>& info) { return std::string(info.param.name); });

// ---- special values ---------------------------------------------------------------------------
TEST(Unary, RoundIsHalfToEven) {
    Tensor x = tensor({0.5, 1.5, 2.5, -0.5, -1.5, 0.49, -2.51});
    EXPECT_EQ(round(x).to_vector<double>(), (std::vector<double>{0, 2, 2, -0.0, -2, 0, -3}));
}

TEST(Unary, SignOfZeroAndClampOfNaN) {
    EXPECT_EQ(sign(tensor({-2.0, 0.0, 3.0})).to_vector<double>(), (std::vector<double>{-1, 0, 1}));
    EXPECT_EQ(sign(tensor({-5, 0, 7})).to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 1}));
    Tensor c = clamp(tensor({std::nan(""), -5.0, 5.0}), -1.0, 1.0);
    std::vector<double> v = c.to_vector<double>();
    EXPECT_TRUE(std::isnan(v[0]));
    EXPECT_EQ(v[1], -1.0);
    EXPECT_EQ(v[2], 1.0);
}

TEST(Unary, LogicalNotOfZerosAndBools) {
    EXPECT_EQ(logical_not(tensor({0.0, 1.0, -2.0})).to_vector<bool>(), (std::vector<bool>{true, false, false}));
    EXPECT_EQ(logical_not(tensor({true, false})).to_vector<bool>(), (std::vector<bool>{false, true}));
    EXPECT_EQ(logical_not(tensor({0, 3})).dtype(), kBool);
}

TEST(Unary, SoftplusIsLinearAboveThreshold) {
    // beta x = 40 > 20: the output is x itself, not log1p(exp(40)) (which would still be 40).
    Tensor x = tensor({40.0, -30.0}, kFloat64);
    Tensor y = softplus(x);
    EXPECT_EQ(y.at<double>({0}), 40.0);
    EXPECT_NEAR(y.at<double>({1}), std::exp(-30.0), 1e-20);
    // The large-input side of sigmoid does not overflow either form.
    EXPECT_TRUE(allclose(sigmoid(tensor({-800.0, 800.0})), tensor({0.0, 1.0})));
}

TEST(Unary, BackwardNodeNames) {
    Tensor x = testing::leaf({2}, 0.5, 1.0);
    EXPECT_STREQ(exp(x).grad_fn()->name(), "ExpBackward0");
    EXPECT_STREQ(tanh(x).grad_fn()->name(), "TanhBackward0");
    EXPECT_STREQ(relu(x).grad_fn()->name(), "ReluBackward0");
    EXPECT_STREQ(gelu(x).grad_fn()->name(), "GeluBackward0");
    EXPECT_STREQ(clamp(x, 0.0).grad_fn()->name(), "ClampBackward1");
}

// ---- dtype promotion ------------------------------------------------------------------------------
TEST(Unary, IntegerInputsOfFloatingFunctionsGiveFloat32) {
    Tensor i = tensor({0, 1, 2});  // int64
    ASSERT_EQ(i.dtype(), kInt64);
    Tensor e = exp(i);
    EXPECT_EQ(e.dtype(), kFloat32);
    EXPECT_TRUE(allclose(e, tensor({1.0, std::exp(1.0), std::exp(2.0)})));
    EXPECT_EQ(sqrt(tensor({4, 9}, kInt32)).dtype(), kFloat32);
    EXPECT_EQ(sigmoid(tensor({true, false})).dtype(), kFloat32);
    EXPECT_EQ(tanh(tensor({1.0}, kFloat64)).dtype(), kFloat64);
}

TEST(Unary, IntegerInputsOfArithmeticFunctionsKeepTheirDtype) {
    Tensor i = tensor({-3, 0, 4});
    Tensor n = neg(i);
    EXPECT_EQ(n.dtype(), kInt64);
    EXPECT_EQ(n.to_vector<int64_t>(), (std::vector<int64_t>{3, 0, -4}));
    Tensor a = abs(i);
    EXPECT_EQ(a.dtype(), kInt64);
    EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{3, 0, 4}));
    Tensor r = relu(tensor({-3, 5}, kInt32));
    EXPECT_EQ(r.dtype(), kInt32);
    EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{0, 5}));
    EXPECT_EQ(floor(i).dtype(), kInt64);
    // Integer bounds keep an integer clamp integral; a floating bound makes it float32.
    EXPECT_EQ(clamp(i, 0, 2).dtype(), kInt64);
    EXPECT_EQ(clamp(i, 0, 2).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 2}));
    EXPECT_EQ(clamp(i, 0.5).dtype(), kFloat32);
}

// ---- in-place forms ------------------------------------------------------------------------------
TEST(UnaryInplace, ValuesAndVersionCounter) {
    Tensor x = tensor({-1.5, 0.5, 2.0});
    const uint32_t v0 = x._version();
    Tensor& r = x.relu_();
    EXPECT_TRUE(r.is_same(x));
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.0, 0.5, 2.0}));
    EXPECT_GT(x._version(), v0);

    const uint32_t v1 = x._version();
    x.neg_();
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{-0.0, -0.5, -2.0}));
    EXPECT_GT(x._version(), v1);

    const uint32_t v2 = x._version();
    x.clamp_(-1.0, -0.25);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{-0.25, -0.5, -1.0}));
    EXPECT_GT(x._version(), v2);
}

TEST(UnaryInplace, WritesThroughAView) {
    Tensor base = tensor({{-1.0, 2.0}, {-3.0, 4.0}});
    base.t().select(0, 0).relu_();  // column 0: -1, -3
    EXPECT_EQ(base.to_vector<double>(), (std::vector<double>{0.0, 2.0, 0.0, 4.0}));
    Tensor nc = noncontiguous_like(tensor({-1.0, 2.0, -3.0}));
    nc.neg_();
    EXPECT_EQ(nc.to_vector<double>(), (std::vector<double>{1.0, -2.0, 3.0}));
}

TEST(UnaryInplace, RefusedOnALeafThatRequiresGrad) {
    Tensor x = testing::leaf({3});
    EXPECT_ERROR(x.relu_(), "relu_", "leaf", "in-place");
    EXPECT_ERROR(x.neg_(), "neg_", "leaf");
    EXPECT_ERROR(x.clamp_(0.0), "clamp_", "leaf");
}

TEST(UnaryInplace, AllowedUnderNoGradGuard) {
    Tensor x = tensor({-1.0, 2.0}, TensorOptions(kFloat64).requires_grad(true));
    {
        NoGradGuard no_grad;
        x.relu_();
        x.clamp_(std::nullopt, 1.5);
        x.neg_();
    }
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{-0.0, -1.5}));
    EXPECT_TRUE(x.is_leaf());
    EXPECT_TRUE(x.requires_grad());
}

TEST(UnaryInplace, OnANonLeafGivesCorrectGradients) {
    Tensor x = tensor({-1.0, 0.5, 2.0}, TensorOptions(kFloat64).requires_grad(true));
    Tensor y = x * 3;
    y.relu_();
    y.clamp_(std::nullopt, 3.0);  // 6 is clipped
    EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0.0, 1.5, 3.0}));
    y.neg_();
    y.sum().backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0.0, -3.0, 0.0}));
}

TEST(UnaryInplace, FloatResultIntoAnIntegerTensorIsRefused) {
    Tensor i = tensor({1, 2, 3});
    EXPECT_ERROR(i.clamp_(0.5), "clamp_", "result type float32 can't be cast to the desired output type int64");
    i.clamp_(2);
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{2, 2, 3}));
}

// ---- errors -------------------------------------------------------------------------------------------
TEST(UnaryErrors, UndefinedInput) {
    Tensor undefined;
    EXPECT_ERROR(exp(undefined), "exp", "undefined");
    EXPECT_ERROR(neg(undefined), "neg", "undefined");
    EXPECT_ERROR(gelu(undefined), "gelu", "undefined");
    EXPECT_ERROR(clamp(undefined, 0.0), "clamp", "undefined");
    EXPECT_ERROR(logical_not(undefined), "logical_not", "undefined");
    EXPECT_ERROR(sign(undefined), "sign", "undefined");
    EXPECT_ERROR(floor(undefined), "floor", "undefined");
    EXPECT_ERROR(round(undefined), "round", "undefined");
    EXPECT_ERROR(undefined.relu_(), "relu_", "undefined");
    EXPECT_ERROR(undefined.neg_(), "neg_", "undefined");
}

TEST(UnaryErrors, BoolInputWhereRefused) {
    Tensor b = tensor({true, false});
    EXPECT_ERROR(neg(b), "neg", "bool");
    EXPECT_ERROR(abs(b), "abs", "bool");
    EXPECT_ERROR(relu(b), "relu", "bool");
    EXPECT_ERROR(clamp(b, 0), "clamp", "bool");
    EXPECT_ERROR(b.relu_(), "relu", "bool");
}

TEST(UnaryErrors, GeluApproximateString) {
    Tensor x = tensor({1.0f});
    EXPECT_ERROR(gelu(x, "erf"), "gelu", "approximate", "\"erf\"");
    EXPECT_ERROR(clamp(x, std::nullopt, std::nullopt), "clamp", "at least one of min and max");
}

}  // namespace
}  // namespace tinydl
