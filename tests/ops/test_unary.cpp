// test_unary.cpp — the elementwise unary ops (src/ops/unary.cpp), driven by one op table.
//
// Each row of kUnaryCases names an op, a float64 reference written with <cmath>, the input
// range it is sampled from, and the points where it has a kink or jump (samples are pushed
// away from those, so finite differences never straddle one). Every row is checked for:
//   1. forward vs the reference in float64 on shapes {}, {1}, {7, 13}, {0, 3}, a
//      non-contiguous (NaN-interleaved) input and a transposed input;
//   2. float32 forward within float32 rounding of the float64 reference;
//   3. gradcheck in float64 (contiguous and non-contiguous inputs), gradgradcheck for some.
// Below the table: integer promotion, the in-place forms, and error messages.
//
// Not here: CPU vs CUDA parity (tests/parity), reductions (test_reduce.cpp).
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::map_reference;
using ::tinydl::testing::noncontiguous_like;

// ---- float64 references ----------------------------------------------------------------------
double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double ref_gelu_tanh(double x) {
    const double k = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}
double ref_softplus(double x, double beta, double threshold) {
    return beta * x > threshold ? x : std::log1p(std::exp(beta * x)) / beta;
}

struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    double (*ref)(double);
    double lo, hi;                 // samples are uniform on [lo, hi)
    std::vector<double> kinks;     // samples keep at least kKinkMargin away from these
    bool grad;                     // run gradcheck
    bool gradgrad;                 // run gradgradcheck too
};

// GoogleTest prints a failing row by its name, not its bytes.
void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

constexpr double kKinkMargin = 0.02;

const std::vector<double> kIntegers = {-3, -2, -1, 0, 1, 2, 3};
const std::vector<double> kHalves = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5};

const UnaryCase kUnaryCases[] = {
//   name             op                                                        reference                                              range       kinks            grad   gradgrad
    {"neg",           [](const Tensor& x) { return neg(x); },                   [](double x) { return -x; },                           {-3}, {3},  {},              true,  true},
    {"abs",           [](const Tensor& x) { return abs(x); },                   [](double x) { return std::abs(x); },                  {-3}, {3},  {0.0},           true,  true},
    {"exp",           [](const Tensor& x) { return exp(x); },                   [](double x) { return std::exp(x); },                  {-3}, {3},  {},              true,  true},
    {"log",           [](const Tensor& x) { return log(x); },                   [](double x) { return std::log(x); },                  {0.1}, {5}, {},              true,  true},
    {"log1p",         [](const Tensor& x) { return log1p(x); },                 [](double x) { return std::log1p(x); },                {-0.9}, {3}, {},             true,  true},
    {"sqrt",          [](const Tensor& x) { return sqrt(x); },                  [](double x) { return std::sqrt(x); },                 {0.1}, {5}, {},              true,  true},
    {"rsqrt",         [](const Tensor& x) { return rsqrt(x); },                 [](double x) { return 1.0 / std::sqrt(x); },           {0.1}, {5}, {},              true,  true},
    {"sin",           [](const Tensor& x) { return sin(x); },                   [](double x) { return std::sin(x); },                  {-4}, {4},  {},              true,  true},
    {"cos",           [](const Tensor& x) { return cos(x); },                   [](double x) { return std::cos(x); },                  {-4}, {4},  {},              true,  true},
    {"tanh",          [](const Tensor& x) { return tanh(x); },                  [](double x) { return std::tanh(x); },                 {-3}, {3},  {},              true,  true},
    {"erf",           [](const Tensor& x) { return erf(x); },                   [](double x) { return std::erf(x); },                  {-3}, {3},  {},              true,  true},
    {"sigmoid",       [](const Tensor& x) { return sigmoid(x); },               ref_sigmoid,                                           {-6}, {6},  {},              true,  true},
    {"relu",          [](const Tensor& x) { return relu(x); },                  [](double x) { return x > 0 ? x : 0.0; },              {-3}, {3},  {0.0},           true,  true},
    {"leaky_relu",    [](const Tensor& x) { return leaky_relu(x, 0.1); },       [](double x) { return x > 0 ? x : 0.1 * x; },          {-3}, {3},  {0.0},           true,  true},
    {"gelu",          [](const Tensor& x) { return gelu(x); },                  ref_gelu,                                              {-4}, {4},  {},              true,  true},
    {"gelu_tanh",     [](const Tensor& x) { return gelu(x, "tanh"); },          ref_gelu_tanh,                                         {-4}, {4},  {},              true,  true},
    {"silu",          [](const Tensor& x) { return silu(x); },                  [](double x) { return x * ref_sigmoid(x); },           {-5}, {5},  {},              true,  true},
    {"softplus",      [](const Tensor& x) { return softplus(x); },              [](double x) { return ref_softplus(x, 1, 20); },       {-5}, {5},  {},              true,  true},
    // beta = 2, threshold = 3: linear above x = 1.5, where the value jumps slightly.
    {"softplus_beta2", [](const Tensor& x) { return softplus(x, 2.0, 3.0); },   [](double x) { return ref_softplus(x, 2, 3); },        {-3}, {3},  {1.5},           true,  true},
    {"sign",          [](const Tensor& x) { return sign(x); },                  [](double x) { return double((x > 0) - (x < 0)); },    {-3}, {3},  {0.0},           true,  true},
    {"floor",         [](const Tensor& x) { return floor(x); },                 [](double x) { return std::floor(x); },                {-3}, {3},  kIntegers,       true,  true},
    {"ceil",          [](const Tensor& x) { return ceil(x); },                  [](double x) { return std::ceil(x); },                 {-3}, {3},  kIntegers,       true,  true},
    {"round",         [](const Tensor& x) { return round(x); },                 [](double x) { return std::nearbyint(x); },            {-3}, {3},  kHalves,         true,  true},
    {"clamp",         [](const Tensor& x) { return clamp(x, -0.5, 0.5); },      [](double x) { return std::clamp(x, -0.5, 0.5); },     {-2}, {2},  {-0.5, 0.5},     true,  true},
    {"clamp_min",     [](const Tensor& x) { return clamp(x, -0.5); },           [](double x) { return std::max(x, -0.5); },            {-2}, {2},  {-0.5},          true,  true},
    {"logical_not",   [](const Tensor& x) { return logical_not(x); },           [](double x) { return x == 0 ? 1.0 : 0.0; },           {-2}, {2},  {},              false, false},
};

// Values uniform on the row's range, nudged off its kinks, as a float64 tensor of `shape`.
Tensor sample(const UnaryCase& c, IntArrayRef shape) {
    std::vector<double> v = rand(shape, kFloat64).to_vector<double>();
    for (double& x : v) {
        x = c.lo + (c.hi - c.lo) * x;
        for (double k : c.kinks)
            if (std::abs(x - k) < kKinkMargin) x = k + (x < k ? -kKinkMargin : kKinkMargin);
    }
    return tensor(v, kFloat64).reshape(shape);
}

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
