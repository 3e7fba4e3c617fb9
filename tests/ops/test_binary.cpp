// test_binary.cpp — the elementwise binary ops (src/ops/binary.cpp), driven by one op table.
//
// Each row of kBinaryCases names an op, its float64 reference, and the ranges its two inputs
// are sampled from (the table lives in tests/ops/binary_cases.h, shared with the CUDA test
// tests/cuda/test_tables_binary.cpp). Rows whose answer depends on ties (comparisons, logic)
// draw small integers, so that equal pairs and zeros actually occur. Every row is checked for:
//   1. forward vs the reference in float64 on equal shapes ({}, {1}, {7, 13}) and on the
//      broadcasting pairs [2,3]+[3], [2,1]+[1,3], []+[2,3], [4,1,3]+[2,1];
//   2. non-contiguous and transposed operands;
//   3. gradcheck in float64 (differentiable rows), on equal and broadcast shapes, with the
//      gradient summed back to each input's shape; gradgradcheck on one broadcast pair.
// Below the table: scalar overloads, the type-promotion table, where, ties of maximum/minimum,
// the in-place forms and the error messages.
//
// Shapes: a and b broadcast to out. Not here: device mismatches (need a CUDA build).
#include <cmath>
#include <functional>
#include <vector>

#include "tests/ops/binary_cases.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::leaf;
using ::tinydl::testing::noncontiguous_like;

// The reference on a and b broadcast together, computed by explicit index arithmetic.
Tensor reference(const BinaryCase& c, const Tensor& a, const Tensor& b) {
    const DimVector shape = broadcast_shapes(a.sizes(), b.sizes());
    const int64_t n = numel_of(shape);
    const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
    std::vector<double> out(n);
    // Row-major index into a (or b), given the flat index into out: broadcast dims contribute 0.
    auto source_index = [&](const Tensor& t, int64_t flat) {
        int64_t idx = 0, scale = 1;
        for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
            const int64_t i = flat % shape[d];
            flat /= shape[d];
            const int64_t td = d - (static_cast<int64_t>(shape.size()) - t.dim());
            if (td < 0) continue;
            const int64_t ts = t.sizes()[td];
            idx += (ts == 1 ? 0 : i) * scale;
            scale *= ts;
        }
        return idx;
    };
    for (int64_t k = 0; k < n; ++k) out[k] = c.ref(av[source_index(a, k)], bv[source_index(b, k)]);
    return tensor(out, kFloat64).reshape(shape);
}

class BinaryOp : public ::testing::TestWithParam<BinaryCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(BinaryOp, ForwardMatchesFloat64Reference) {
    const BinaryCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {0, 3}};
    for (const auto& shape : shapes) {
        Tensor a = sample(c.a, c.integers, shape), b = sample(c.b, c.integers, shape);
        Tensor out = c.op(a, b);
        EXPECT_EQ(out.dtype(), c.boolean ? kBool : kFloat64) << c.name;
        EXPECT_TRUE(allclose(out, reference(c, a, b), 1e-12, 1e-12)) << c.name << " on " << shape_str(shape);
    }
}

TEST_P(BinaryOp, Broadcasting) {
    const BinaryCase& c = GetParam();
    for (const auto& [sa, sb] : kBroadcastPairs) {
        Tensor a = sample(c.a, c.integers, sa), b = sample(c.b, c.integers, sb);
        Tensor out = c.op(a, b);
        EXPECT_TRUE(allclose(out, reference(c, a, b), 1e-12, 1e-12))
            << c.name << " on " << shape_str(sa) << " and " << shape_str(sb);
    }
}

TEST_P(BinaryOp, NonContiguousOperands) {
    const BinaryCase& c = GetParam();
    Tensor a = sample(c.a, c.integers, {7, 13}), b = sample(c.b, c.integers, {13, 7}).t();
    ASSERT_FALSE(b.is_contiguous());
    Tensor an = noncontiguous_like(a);
    EXPECT_TRUE(allclose(c.op(an, b), reference(c, a, b), 1e-12, 1e-12)) << c.name;
    // A broadcast operand that is itself a strided view.
    Tensor row = noncontiguous_like(sample(c.b, c.integers, {13}));
    EXPECT_TRUE(allclose(c.op(an, row), reference(c, a, row), 1e-12, 1e-12)) << c.name;
}

TEST_P(BinaryOp, Float32) {
    const BinaryCase& c = GetParam();
    Tensor a = sample(c.a, c.integers, {5, 6}).to(kFloat32), b = sample(c.b, c.integers, {6}).to(kFloat32);
    Tensor out = c.op(a, b);
    EXPECT_EQ(out.dtype(), c.boolean ? kBool : kFloat32) << c.name;
    EXPECT_TRUE(allclose(out, reference(c, a.to(kFloat64), b.to(kFloat64)), 2e-6, 1e-6)) << c.name;
}

TEST_P(BinaryOp, Gradcheck) {
    const BinaryCase& c = GetParam();
    if (!c.grad) {
        // No gradient: the output never requires grad, even from inputs that do.
        Tensor a = sample(c.a, c.integers, {3}).requires_grad_(true);
        EXPECT_FALSE(c.op(a, a).requires_grad()) << c.name;
        return;
    }
    auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); };
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> pairs = kBroadcastPairs;
    pairs.push_back({{3, 4}, {3, 4}});
    for (const auto& [sa, sb] : pairs) {
        Tensor a = sample(c.a, false, sa).requires_grad_(true);
        Tensor b = sample(c.b, false, sb).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok(f, {a, b})) << c.name << " on " << shape_str(sa) << " and " << shape_str(sb);
        // Each gradient comes back at its input's shape (summed over the broadcast dims).
        Tensor out = c.op(a, b);
        std::vector<Tensor> g = grad({out.sum()}, {a, b});
        EXPECT_TRUE(g[0].sizes() == a.sizes()) << c.name;
        EXPECT_TRUE(g[1].sizes() == b.sizes()) << c.name;
    }
    // Only one input requiring grad, the other non-contiguous.
    Tensor a = sample(c.a, false, {2, 3}).requires_grad_(true);
    Tensor b = noncontiguous_like(sample(c.b, false, {2, 3}));
    EXPECT_TRUE(gradcheck_ok(f, {a, b})) << c.name << " (b constant, strided)";
    Tensor a_const = noncontiguous_like(sample(c.a, false, {2, 3}));
    Tensor b_leaf = sample(c.b, false, {2, 3}).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(f, {a_const, b_leaf})) << c.name << " (a constant, strided)";
}

TEST_P(BinaryOp, Gradgradcheck) {
    const BinaryCase& c = GetParam();
    if (!c.grad) GTEST_SKIP() << c.name << " has no gradient";
    auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); };
    Tensor a = sample(c.a, false, {2, 3}).requires_grad_(true);
    Tensor b = sample(c.b, false, {3}).requires_grad_(true);
    EXPECT_TRUE(gradgradcheck_ok(f, {a, b})) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, BinaryOp, ::testing::ValuesIn(kBinaryCases),
                         [](const ::testing::TestParamInfo<BinaryCase>& info) { return std::string(info.param.name); });

// ---- mixed dtypes in autograd --------------------------------------------------------------------
TEST(BinaryGrad, MixedDtypeInputs) {
    manual_seed(1);
    // A float64 leaf with a float32 (or int) constant: the result is float64 and checkable.
    Tensor a = leaf({2, 3});
    Tensor b32 = rand({3}) + 0.5;
    Tensor bi = tensor({1, 2, 3});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return in[0] * in[1]; }, {a, b32}));
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return in[0] / in[1]; }, {a, b32}));
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return in[0] - in[1]; }, {a, bi}));
    // A float32 leaf combined with a float64 one: each gradient comes back in its input's dtype.
    Tensor f32 = tensor({1.0f, 2.0f, 3.0f}).requires_grad_(true);
    Tensor f64 = tensor({0.5, 0.25, 2.0}).requires_grad_(true);
    Tensor y = f32 * f64;
    EXPECT_EQ(y.dtype(), kFloat64);
    y.sum().backward();
    EXPECT_EQ(f32.grad().dtype(), kFloat32);
    EXPECT_EQ(f64.grad().dtype(), kFloat64);
    EXPECT_EQ(f32.grad().to_vector<double>(), (std::vector<double>{0.5, 0.25, 2.0}));
    EXPECT_EQ(f64.grad().to_vector<double>(), (std::vector<double>{1.0, 2.0, 3.0}));
}

TEST(BinaryGrad, MaximumMinimumTiesSplitTheGradient) {
    Tensor a = tensor({1.0, 2.0, 3.0}).requires_grad_(true);
    Tensor b = tensor({1.0, 5.0, 0.0}).requires_grad_(true);
    maximum(a, b).sum().backward();
    EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.5, 0.0, 1.0}));
    EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{0.5, 1.0, 0.0}));
    a.set_grad({});
    b.set_grad({});
    minimum(a, b).sum().backward();
    EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.5, 1.0, 0.0}));
    EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{0.5, 0.0, 1.0}));
}

TEST(BinaryGrad, MaximumPropagatesNaN) {
    std::vector<double> v = maximum(tensor({std::nan(""), 1.0}), tensor({0.0, std::nan("")})).to_vector<double>();
    EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]));
}

TEST(BinaryGrad, PowAtZeroBase) {
    // d(0^b)/db is taken as 0 for b >= 0 (PyTorch), not 0 * log(0) = NaN.
    Tensor a = tensor({0.0, 0.0}).requires_grad_(true);
    Tensor b = tensor({2.0, 0.0}).requires_grad_(true);
    pow(a, b).sum().backward();
    EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{0.0, 0.0}));
    EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.0, 0.0}));
}

TEST(BinaryGrad, NodeNames) {
    Tensor a = leaf({2}), b = leaf({2});
    EXPECT_STREQ((a + b).grad_fn()->name(), "AddBackward0");
    EXPECT_STREQ((a - b).grad_fn()->name(), "SubBackward0");
    EXPECT_STREQ((a * b).grad_fn()->name(), "MulBackward0");
    EXPECT_STREQ((a / b).grad_fn()->name(), "DivBackward0");
    EXPECT_STREQ(maximum(a, b).grad_fn()->name(), "MaximumBackward0");
    EXPECT_STREQ(where(a > b, a, b).grad_fn()->name(), "WhereBackward0");
}

// ---- scalar overloads ---------------------------------------------------------------------------------
TEST(BinaryScalar, Overloads) {
    Tensor x = tensor({1.0, 2.0, 4.0});
    EXPECT_EQ((x + 2).to_vector<double>(), (std::vector<double>{3, 4, 6}));
    EXPECT_EQ((2 + x).to_vector<double>(), (std::vector<double>{3, 4, 6}));
    EXPECT_EQ((x - 1.5).to_vector<double>(), (std::vector<double>{-0.5, 0.5, 2.5}));
    EXPECT_EQ((2 - x).to_vector<double>(), (std::vector<double>{1, 0, -2}));
    EXPECT_EQ((x * 3).to_vector<double>(), (std::vector<double>{3, 6, 12}));
    EXPECT_EQ((3 * x).to_vector<double>(), (std::vector<double>{3, 6, 12}));
    EXPECT_EQ((x / 2).to_vector<double>(), (std::vector<double>{0.5, 1, 2}));
    EXPECT_EQ((2 / x).to_vector<double>(), (std::vector<double>{2, 1, 0.5}));
    EXPECT_EQ(pow(x, 2.0).to_vector<double>(), (std::vector<double>{1, 4, 16}));
    EXPECT_EQ(pow(2.0, x).to_vector<double>(), (std::vector<double>{2, 4, 16}));
    EXPECT_EQ(x.pow(0.5).to_vector<double>(), (std::vector<double>{1, std::sqrt(2.0), 2}));
    EXPECT_EQ((x > 1.5).to_vector<bool>(), (std::vector<bool>{false, true, true}));
    EXPECT_EQ((x == 2).to_vector<bool>(), (std::vector<bool>{false, true, false}));
    EXPECT_EQ(x.add(1, 2).to_vector<double>(), (std::vector<double>{3, 4, 6}));
    EXPECT_EQ(x.sub(1, 2).to_vector<double>(), (std::vector<double>{-1, 0, 2}));
    // The dtype stays the tensor's where the number's category is not higher.
    EXPECT_EQ((x + 2).dtype(), kFloat64);
    EXPECT_EQ((tensor({1, 2}, kInt32) * 2).dtype(), kInt32);
    EXPECT_EQ((tensor({1, 2}, kInt32) * 2.5).dtype(), kFloat32);
    EXPECT_EQ((tensor({true}) + 1).dtype(), kInt64);
    EXPECT_EQ((2 / tensor({4, 8})).to_vector<float>(), (std::vector<float>{0.5f, 0.25f}));
}

TEST(BinaryScalar, Gradients) {
    manual_seed(2);
    Tensor x = leaf({2, 3}, 0.5, 2.0);
    auto check = [&](std::function<Tensor(const Tensor&)> f) {
        return gradcheck_ok([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    };
    EXPECT_TRUE(check([](const Tensor& t) { return t + 2; }));
    EXPECT_TRUE(check([](const Tensor& t) { return 2 - t; }));
    EXPECT_TRUE(check([](const Tensor& t) { return t / 2; }));
    EXPECT_TRUE(check([](const Tensor& t) { return 2 / t; }));
    EXPECT_TRUE(check([](const Tensor& t) { return pow(t, 2.0); }));
    EXPECT_TRUE(check([](const Tensor& t) { return pow(t, -1.5); }));
    EXPECT_TRUE(check([](const Tensor& t) { return pow(2.0, t); }));
    EXPECT_TRUE(check([](const Tensor& t) { return t * 3; }));
}

TEST(BinaryScalar, IntegerPowers) {
    Tensor i = tensor({-2, 0, 3});
    EXPECT_EQ(pow(i, 2).dtype(), kInt64);
    EXPECT_EQ(pow(i, 2).to_vector<int64_t>(), (std::vector<int64_t>{4, 0, 9}));
    EXPECT_EQ(pow(i, 3).to_vector<int64_t>(), (std::vector<int64_t>{-8, 0, 27}));
    EXPECT_ERROR(pow(i, -1), "pow", "negative integer powers");
    EXPECT_ERROR(i.pow_(-1), "pow_", "negative integer powers");
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 3}));
    i.pow_(2);
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{4, 0, 9}));
    EXPECT_EQ(pow(i, 0.5).dtype(), kFloat32);
}

// ---- type promotion ------------------------------------------------------------------------------------
TEST(BinaryPromotion, Table) {
    struct Row {
        Tensor a, b;
        DType expected;
        const char* what;
    };
    const Row rows[] = {
        {tensor({1, 2}), tensor({1.f, 2.f}), kFloat32, "int64 + float32"},
        {tensor({1, 2}, kInt32), scalar_tensor(5), kInt32, "int32 tensor + int64 0-dim"},
        {tensor({1, 2}, kInt32), scalar_tensor(2.5, kFloat64), kFloat64, "int32 tensor + float64 0-dim"},
        {tensor({1.f, 2.f}), scalar_tensor(2.5, kFloat64), kFloat32, "float32 tensor + float64 0-dim"},
        {tensor({true}), tensor({false}), kBool, "bool + bool"},
        {tensor({1, 2}, kUInt8), tensor({1, 2}, kInt32), kInt32, "uint8 + int32"},
        {tensor({1.f}), tensor({1.0}), kFloat64, "float32 + float64"},
        {scalar_tensor(1), scalar_tensor(1.0, kFloat64), kFloat64, "0-dim int64 + 0-dim float64"},
        {tensor({1}, kUInt8), tensor({true}), kUInt8, "uint8 + bool"},
    };
    for (const Row& r : rows) {
        EXPECT_EQ(result_type(r.a, r.b), r.expected) << r.what;
        EXPECT_EQ(add(r.a, r.b).dtype(), r.expected) << r.what;
        EXPECT_EQ(add(r.b, r.a).dtype(), r.expected) << r.what << " (swapped)";
    }
    EXPECT_EQ(result_type(tensor({1, 2}, kInt32), 2.5), kFloat32);
    EXPECT_EQ((tensor({1, 2}, kInt32) + 2.5).dtype(), kFloat32);
    EXPECT_EQ((tensor({1, 2}, kInt32) + 2).dtype(), kInt32);
    EXPECT_EQ((tensor({1.0}) + 2.5).dtype(), kFloat64);
    // True division of integers gives float32.
    Tensor q = tensor({1, 3}) / tensor({2, 2});
    EXPECT_EQ(q.dtype(), kFloat32);
    EXPECT_EQ(q.to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
    // bool + bool is logical or.
    EXPECT_EQ(add(tensor({true, true, false}), tensor({true, false, false})).to_vector<bool>(),
              (std::vector<bool>{true, true, false}));
    // Comparisons compute in the promoted type: 1 < 1.5 is true, not 1 < 1.
    EXPECT_EQ(lt(tensor({1, 2}), tensor({1.5f, 1.5f})).to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(BinaryPromotion, FractionalAlphaWithIntegersIsRefused) {
    Tensor i = tensor({1, 2});
    EXPECT_ERROR(add(i, i, 2.5), "add", "For integral input tensors, argument alpha must not be a floating point number");
    EXPECT_ERROR(sub(i, i, 0.5), "sub", "alpha must not be a floating point number");
    EXPECT_ERROR(i.add(1, 1.5), "add", "alpha");
    EXPECT_EQ(add(i, i, 3).to_vector<int64_t>(), (std::vector<int64_t>{4, 8}));
    EXPECT_EQ(add(i.to(kFloat32), i, 0.5).to_vector<float>(), (std::vector<float>{1.5f, 3.0f}));
}

TEST(BinaryPromotion, BoolSubtractionIsRefused) {
    EXPECT_ERROR(sub(tensor({true}), tensor({false})), "sub", "bool");
    EXPECT_ERROR(pow(tensor({true}), tensor({false})), "pow", "bool");
}

// ---- where ------------------------------------------------------------------------------------------------
TEST(Where, ForwardBroadcastAndGradients) {
    manual_seed(3);
    Tensor cond = tensor({true, false, true});
    Tensor a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    Tensor b = tensor({-1.0});
    EXPECT_EQ(where(cond, a, b).to_vector<double>(), (std::vector<double>{1, -1, 3, 4, -1, 6}));
    EXPECT_EQ(where(cond, a, 0.5).to_vector<double>(), (std::vector<double>{1, 0.5, 3, 4, 0.5, 6}));
    EXPECT_EQ(where(cond, 7, tensor({1, 2, 3})).to_vector<int64_t>(), (std::vector<int64_t>{7, 2, 7}));
    // Promotion: float32 and int64 branches give float32.
    EXPECT_EQ(where(cond, tensor({1.f, 2.f, 3.f}), tensor({1, 2, 3})).dtype(), kFloat32);
    // A non-contiguous condition.
    Tensor nc_cond = noncontiguous_like(tensor({false, true, true}));
    EXPECT_EQ(where(nc_cond, tensor({1.0, 2.0, 3.0}), 0.0).to_vector<double>(), (std::vector<double>{0, 2, 3}));

    Tensor c2 = tensor({{true, false, false}, {false, true, true}});
    Tensor x = leaf({3}), y = leaf({2, 1});
    auto f = [&](const std::vector<Tensor>& in) { return where(c2, in[0], in[1]); };
    EXPECT_TRUE(gradcheck_ok(f, {x, y}));
    EXPECT_TRUE(gradgradcheck_ok(f, {x, y}));
    EXPECT_ERROR(where(tensor({1.0}), a, b), "where", "bool");
    EXPECT_ERROR(where(tensor({true, false}), a, b), "where", "[2]", "[2, 3]");
}

// ---- in-place forms ---------------------------------------------------------------------------------------
TEST(BinaryInplace, Values) {
    Tensor x = tensor({1.0, 2.0, 3.0});
    Tensor y = tensor({0.5, 1.0, 2.0});
    x.add_(y);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1.5, 3.0, 5.0}));
    x.add_(y, 2);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{2.5, 5.0, 9.0}));
    x.sub_(y, 3);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1.0, 2.0, 3.0}));
    x.sub_(y);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.5, 1.0, 1.0}));
    x.mul_(y);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.25, 1.0, 2.0}));
    x.div_(y);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.5, 1.0, 1.0}));
    x.pow_(2);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.25, 1.0, 1.0}));
    x += 1;
    x *= 2;
    x -= 0.5;
    x /= 2;
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1.0, 1.75, 1.75}));
    x.add_(1.0, 4);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{5.0, 5.75, 5.75}));
    // Integer tensors accept integer operands, and a float32 operand into float64 self.
    Tensor i = tensor({1, 2, 3});
    i.mul_(tensor({2, 2, 2}, kInt32));
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{2, 4, 6}));
    Tensor d = tensor({1.0, 2.0});
    d.add_(tensor({0.5f, 0.25f}));
    EXPECT_EQ(d.dtype(), kFloat64);
    EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1.5, 2.25}));
    // A float32 self computed with a float64 0-dim operand stays float32.
    Tensor f = tensor({1.f, 2.f});
    f.mul_(scalar_tensor(0.5, kFloat64));
    EXPECT_EQ(f.dtype(), kFloat32);
    EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{0.5f, 1.f}));
}

TEST(BinaryInplace, VersionCounterAndIdentity) {
    Tensor x = tensor({1.0, 2.0});
    const uint32_t v0 = x._version();
    Tensor& r = x.add_(tensor({1.0, 1.0}));
    EXPECT_TRUE(r.is_same(x));
    EXPECT_EQ(x._version(), v0 + 1);
    x.mul_(2);
    EXPECT_EQ(x._version(), v0 + 2);
}

TEST(BinaryInplace, BroadcastIntoSelf) {
    Tensor x = zeros({2, 3}, kFloat64);
    x.add_(tensor({1.0, 2.0, 3.0}));
    x.mul_(tensor({{1.0}, {10.0}}));
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{1, 2, 3, 10, 20, 30}));
    // Into a strided view: only the view's elements change.
    Tensor base = zeros({2, 4}, kFloat64);
    base.slice(1, 0, std::nullopt, 2).add_(tensor({1.0, 2.0}));
    EXPECT_EQ(base.to_vector<double>(), (std::vector<double>{1, 0, 2, 0, 1, 0, 2, 0}));
}

TEST(BinaryInplace, RefusalsWithPyTorchWording) {
    Tensor small = zeros({3});
    EXPECT_ERROR(small.add_(ones({2, 3})), "add_: output with shape [3] doesn't match the broadcast shape [2, 3]");
    EXPECT_ERROR(small.mul_(ones({2, 3})), "mul_", "output with shape [3]");
    EXPECT_ERROR(small.add_(ones({4})), "add_", "The size of tensor a (3) must match the size of tensor b (4)");
    Tensor i = tensor({1, 2, 3});
    EXPECT_ERROR(i.add_(tensor({0.5f, 0.5f, 0.5f})), "add_", "result type float32 can't be cast to the desired output type int64");
    EXPECT_ERROR(i.add_(0.5), "add_", "result type float32 can't be cast to the desired output type int64");
    EXPECT_ERROR(i.div_(2), "div_", "result type float32 can't be cast to the desired output type int64");
    EXPECT_ERROR(i.pow_(0.5), "pow_", "can't be cast");
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));  // untouched by the refusals
    Tensor undefined;
    EXPECT_ERROR(small.add_(undefined), "add_", "undefined");
}

TEST(BinaryInplace, LeafThatRequiresGrad) {
    Tensor w = leaf({3});
    EXPECT_ERROR(w.add_(ones({3}, kFloat64)), "add_", "leaf");
    EXPECT_ERROR(w.mul_(2), "mul_", "leaf");
    {
        NoGradGuard no_grad;  // what an optimizer step does
        w.sub_(ones({3}, kFloat64), 0.1);
    }
    EXPECT_TRUE(w.is_leaf());
}

TEST(BinaryInplace, OnANonLeafGivesCorrectGradients) {
    // y = x * 2; y *= x  =>  y = 2 x^2, dy/dx = 4 x.
    Tensor x = tensor({1.0, -2.0, 3.0}).requires_grad_(true);
    Tensor y = x * 2;
    y.mul_(x);
    EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{2, 8, 18}));
    y.sum().backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{4, -8, 12}));

    // A constant made to require grad by an in-place op with a tensor that does.
    Tensor w = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor acc = zeros({2}, kFloat64);
    acc.add_(w, 3);
    acc.add_(w * w);
    EXPECT_TRUE(acc.requires_grad());
    acc.sum().backward();
    EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{5, 7}));

    // gradcheck through a chain of in-place ops, broadcasting the operand.
    manual_seed(4);
    Tensor a = leaf({2, 3}), b = leaf({3}, 0.5, 1.5);
    auto f = [&](const std::vector<Tensor>& in) {
        Tensor t = in[0] * 1.0;
        t.add_(in[1], 0.5);
        t.mul_(in[1]);
        t.div_(in[1] + 1);
        t.sub_(in[0]);
        t.pow_(2);
        return t;
    };
    EXPECT_TRUE(gradcheck_ok(f, {a, b}));
}

// ---- errors -----------------------------------------------------------------------------------------------
TEST(BinaryErrors, ShapesThatDoNotBroadcast) {
    Tensor a = zeros({2, 3}), b = zeros({4, 3});
    EXPECT_ERROR(add(a, b), "add", "[2, 3]", "[4, 3]",
                 "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0");
    EXPECT_ERROR(mul(a, zeros({4})), "mul", "[2, 3]", "[4]",
                 "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
    EXPECT_ERROR(eq(a, b), "eq", "[2, 3]", "[4, 3]");
    EXPECT_ERROR(maximum(a, b), "maximum", "[2, 3]");
    EXPECT_ERROR(a + b, "add");
    EXPECT_ERROR(broadcast_shapes({2, 3}, {3, 3}, "my_op"), "my_op", "[2, 3]", "[3, 3]");
    EXPECT_THROW(add(a, b), ShapeError);
}

TEST(BinaryErrors, UndefinedOperands) {
    Tensor undefined, a = zeros({2});
    EXPECT_ERROR(add(a, undefined), "add", "undefined");
    EXPECT_ERROR(mul(undefined, a), "mul", "undefined");
    EXPECT_ERROR(a * undefined, "mul", "undefined");
    EXPECT_ERROR(where(undefined, a, a), "where", "undefined");
    EXPECT_ERROR(pow(undefined, 2), "pow", "undefined");
    EXPECT_ERROR(undefined + 1, "add", "undefined");
    EXPECT_ERROR(eq(undefined, 1), "eq", "undefined");
    EXPECT_ERROR(logical_or(a, undefined), "logical_or", "undefined");
}

}  // namespace
}  // namespace tinydl
