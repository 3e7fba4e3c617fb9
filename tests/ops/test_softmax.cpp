// test_softmax.cpp — softmax and log_softmax (src/ops/softmax.cpp, src/cpu/softmax.cpp).
//
// One table row per op: the op, and a float64 reference that maps one slice (the values along
// the softmax dim, in order) to its outputs, written the textbook way with a max shift (the
// table, its references and sampler live in tests/ops/softmax_cases.h, shared with the CUDA test
// tests/cuda/test_tables_softmax.cpp). The oracle gathers slices with plain index loops, so it
// shares nothing with the kernel's [A, R, B] layout. Every row is checked for:
//   1. forward vs the reference in float64 along every dim (negative ones too) of shapes {},
//      {1}, {7, 13}, {3, 4, 5}, {2, 3, 4, 5} and empty shapes;
//   2. non-contiguous (NaN-interleaved), transposed and permuted inputs;
//   3. float32 forward within float32 rounding;
//   4. gradcheck (contiguous, non-contiguous, every dim) and gradgradcheck in float64.
// Below the table: stability at x ~ 1000, -inf and NaN entries, integer inputs, large inputs
// that take the parallel paths, node names and errors.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tests/ops/softmax_cases.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

constexpr double kInf = std::numeric_limits<double>::infinity();

// out = f applied to every slice of x along `dim`, by plain index loops (float64, x's shape).
Tensor slice_reference(const Tensor& x, int64_t dim, const SliceMap& f) {
    const int64_t nd = x.dim();
    if (nd == 0) return tensor(f({x.item<double>()})[0], kFloat64);
    if (dim < 0) dim += nd;
    const std::vector<double> v = x.to_vector<double>();
    std::vector<double> out(v.size());
    const int64_t n = x.size(dim);
    int64_t inner = 1;  // distance between neighbours along dim, in row-major order
    for (int64_t d = dim + 1; d < nd; ++d) inner *= x.size(d);
    for (int64_t k = 0; k < static_cast<int64_t>(v.size()); ++k) {
        if ((k / inner) % n != 0) continue;  // k starts a slice
        std::vector<double> s;
        for (int64_t r = 0; r < n; ++r) s.push_back(v[k + r * inner]);
        const std::vector<double> y = f(s);
        for (int64_t r = 0; r < n; ++r) out[k + r * inner] = y[r];
    }
    return tensor(out, kFloat64).reshape(x.sizes());
}

class SoftmaxOp : public ::testing::TestWithParam<SoftmaxCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(SoftmaxOp, ForwardMatchesFloat64ReferenceAlongEveryDim) {
    const SoftmaxCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {3, 4, 5}, {2, 3, 4, 5}};
    for (const auto& shape : shapes) {
        const int64_t nd = static_cast<int64_t>(shape.size());
        for (int64_t dim = -std::max<int64_t>(nd, 1); dim < std::max<int64_t>(nd, 1); ++dim) {
            Tensor x = sample(shape);
            Tensor y = c.op(x, dim);
            EXPECT_EQ(y.dtype(), kFloat64);
            EXPECT_TRUE(allclose(y, slice_reference(x, dim, c.ref), 1e-12, 1e-14))
                << c.name << " of " << shape_str(shape) << " along dim " << dim;
        }
    }
}

TEST_P(SoftmaxOp, EmptyInputs) {
    const SoftmaxCase& c = GetParam();
    EXPECT_EQ(c.op(zeros({0, 3}), 0).sizes(), (IntArrayRef{0, 3}));
    EXPECT_EQ(c.op(zeros({0, 3}), 1).sizes(), (IntArrayRef{0, 3}));
    EXPECT_EQ(c.op(zeros({2, 0}), 1).sizes(), (IntArrayRef{2, 0}));
}

TEST_P(SoftmaxOp, NonContiguousTransposedAndPermutedInputs) {
    const SoftmaxCase& c = GetParam();
    for (int64_t dim : {0, 1}) {
        Tensor x = sample({7, 13});
        Tensor nc = noncontiguous_like(x);
        ASSERT_FALSE(nc.is_contiguous());
        Tensor y = c.op(nc, dim);
        EXPECT_TRUE(y.is_contiguous());
        EXPECT_TRUE(allclose(y, slice_reference(x, dim, c.ref), 1e-12, 1e-14)) << c.name << " along " << dim << " (strided)";
        Tensor xt = sample({13, 7}).t();
        EXPECT_TRUE(allclose(c.op(xt, dim), slice_reference(xt, dim, c.ref), 1e-12, 1e-14))
            << c.name << " along " << dim << " (transposed)";
    }
    Tensor xp = sample({5, 3, 4}).permute({1, 2, 0});  // [3, 4, 5]
    for (int64_t dim : {0, 1, 2})
        EXPECT_TRUE(allclose(c.op(xp, dim), slice_reference(xp, dim, c.ref), 1e-12, 1e-14))
            << c.name << " along " << dim << " (permuted)";
}

TEST_P(SoftmaxOp, Float32WithinRounding) {
    const SoftmaxCase& c = GetParam();
    for (int64_t dim : {0, 1}) {
        Tensor x32 = sample({7, 13}).to(kFloat32);
        Tensor y = c.op(x32, dim);
        EXPECT_EQ(y.dtype(), kFloat32);
        EXPECT_TRUE(allclose(y, slice_reference(x32.to(kFloat64), dim, c.ref), 1e-5, 1e-6)) << c.name << " along " << dim;
    }
}

TEST_P(SoftmaxOp, Gradcheck) {
    const SoftmaxCase& c = GetParam();
    for (int64_t dim : {0, 1, -1}) {
        auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], dim); };
        Tensor x = sample({3, 4}).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok(f, {x})) << c.name << " along " << dim;
        Tensor nc = noncontiguous_like(sample({3, 4})).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok(f, {nc})) << c.name << " along " << dim << " (non-contiguous)";
    }
    Tensor x3 = sample({2, 3, 4}).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], 1); }, {x3})) << c.name;
    Tensor s = sample({}).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], 0); }, {s})) << c.name << " (0-dim)";
}

TEST_P(SoftmaxOp, Gradgradcheck) {
    const SoftmaxCase& c = GetParam();
    for (int64_t dim : {0, 1}) {
        auto f = [&](const std::vector<Tensor>& in) { return c.op(in[0], dim); };
        Tensor x = sample({2, 3}).requires_grad_(true);
        EXPECT_TRUE(gradgradcheck_ok(f, {x})) << c.name << " along " << dim;
    }
}

TEST_P(SoftmaxOp, StableAtLargeInputs) {
    const SoftmaxCase& c = GetParam();
    for (DType dt : {kFloat32, kFloat64}) {
        for (double shift : {1000.0, -1000.0}) {
            Tensor x = tensor({{0.0, 1.0, 2.0}, {5.0, 5.0, 5.0}}, dt) + shift;
            Tensor base = tensor({{0.0, 1.0, 2.0}, {5.0, 5.0, 5.0}}, kFloat64);
            EXPECT_TRUE(allclose(c.op(x, 1), slice_reference(base, 1, c.ref), 1e-5, 1e-6))
                << c.name << " at " << shift << " in " << dt;
            // Along dim 0 too (the B > 1 path).
            Tensor xt = x.t().contiguous();
            EXPECT_TRUE(allclose(c.op(xt, 0), slice_reference(base.t(), 0, c.ref), 1e-5, 1e-6))
                << c.name << " at " << shift << " in " << dt << " along dim 0";
        }
    }
    Tensor x = (sample({2, 3}) + 1000).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], 1); }, {x})) << c.name;
}

TEST_P(SoftmaxOp, LargeInputsMatchTheReference) {
    // Many rows (B == 1, rows split across threads) and a long dim 0 (B > 1, columns split).
    const SoftmaxCase& c = GetParam();
    Tensor x = sample({500, 300});
    EXPECT_TRUE(allclose(c.op(x, 1), slice_reference(x, 1, c.ref), 1e-12, 1e-14)) << c.name;
    EXPECT_TRUE(allclose(c.op(x, 0), slice_reference(x, 0, c.ref), 1e-12, 1e-14)) << c.name;
    Tensor y = sample({4, 700, 9});
    EXPECT_TRUE(allclose(c.op(y, 1), slice_reference(y, 1, c.ref), 1e-12, 1e-14)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, SoftmaxOp, ::testing::ValuesIn(kSoftmaxCases),
                         [](const ::testing::TestParamInfo<SoftmaxCase>& info) { return std::string(info.param.name); });

// ---- special values -------------------------------------------------------------------------------
TEST(Softmax, RowsSumToOne) {
    manual_seed(1);
    Tensor x = randn({6, 11}) * 10;
    EXPECT_TRUE(allclose(sum(softmax(x, 1), {1}), ones({6}), 1e-5, 1e-6));
    EXPECT_TRUE(allclose(sum(exp(log_softmax(x, 0)), {0}), ones({11}), 1e-5, 1e-6));
}

TEST(Softmax, MinusInfinityEntriesGetZeroProbability) {
    Tensor x = tensor({0.0, -kInf, 0.0}, kFloat64);
    EXPECT_EQ(softmax(x, 0).to_vector<double>(), (std::vector<double>{0.5, 0.0, 0.5}));
    std::vector<double> l = log_softmax(x, 0).to_vector<double>();
    EXPECT_NEAR(l[0], -std::log(2.0), 1e-15);
    EXPECT_EQ(l[1], -kInf);
    // A NaN poisons its own slice only.
    Tensor y = tensor({{1.0, std::nan("")}, {1.0, 2.0}}, kFloat64);
    std::vector<double> s = softmax(y, 1).to_vector<double>();
    EXPECT_TRUE(std::isnan(s[0]) && std::isnan(s[1]));
    EXPECT_NEAR(s[2] + s[3], 1.0, 1e-15);
}

TEST(Softmax, IntegerInputsGiveFloat32) {
    Tensor y = softmax(tensor({1, 2, 3}), 0);
    EXPECT_EQ(y.dtype(), kFloat32);
    EXPECT_TRUE(allclose(y, tensor(ref_softmax({1, 2, 3}), kFloat64), 1e-6, 1e-7));
    EXPECT_EQ(log_softmax(tensor(std::vector<bool>{true, false}), 0).dtype(), kFloat32);
    EXPECT_EQ(softmax(tensor({1.0f, 2.0f}), 0).dtype(), kFloat32);
}

TEST(Softmax, MethodsAndZeroDim) {
    Tensor x = tensor({{1.0, 2.0}, {3.0, 5.0}}, kFloat64);
    EXPECT_TRUE(allclose(x.softmax(-1), softmax(x, 1), 0, 0));
    EXPECT_TRUE(allclose(x.log_softmax(0), log_softmax(x, 0), 0, 0));
    EXPECT_EQ(softmax(tensor(3.0), 0).item<double>(), 1.0);
    EXPECT_EQ(log_softmax(tensor(3.0), -1).item<double>(), 0.0);
}

TEST(Softmax, BackwardFormulas) {
    // softmax: grad_x = y (g - sum(g y)); log_softmax: grad_x = g - exp(y) sum(g).
    Tensor x = tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_(true);
    Tensor g = tensor({1.0, 2.0, -3.0}, kFloat64);
    softmax(x, 0).backward(g);
    std::vector<double> y = ref_softmax({0.5, -1.0, 2.0});
    const double gy = 1.0 * y[0] + 2.0 * y[1] - 3.0 * y[2];
    EXPECT_TRUE(allclose(x.grad(), tensor({y[0] * (1 - gy), y[1] * (2 - gy), y[2] * (-3 - gy)}, kFloat64), 1e-12, 1e-14));
    Tensor x2 = tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_(true);
    log_softmax(x2, 0).backward(tensor({1.0, 2.0, 0.5}, kFloat64));  // sum(g) = 3.5
    EXPECT_TRUE(allclose(x2.grad(), tensor({1 - 3.5 * y[0], 2 - 3.5 * y[1], 0.5 - 3.5 * y[2]}, kFloat64), 1e-12, 1e-14));
}

TEST(Softmax, BackwardNodeNames) {
    Tensor x = testing::leaf({2, 3});
    EXPECT_STREQ(softmax(x, 1).grad_fn()->name(), "SoftmaxBackward0");
    EXPECT_STREQ(log_softmax(x, 0).grad_fn()->name(), "LogSoftmaxBackward0");
    EXPECT_EQ(softmax(x.detach(), 1).grad_fn(), nullptr);
}

TEST(Softmax, ErrorMessages) {
    Tensor x = zeros({2, 3});
    EXPECT_ERROR(softmax(x, 2), "softmax", "dimension out of range", "[-2, 1]", "but got 2");
    EXPECT_ERROR(log_softmax(x, -3), "log_softmax", "dimension out of range", "but got -3");
    EXPECT_ERROR(softmax(tensor(1.0), 1), "softmax", "dimension out of range");
    EXPECT_ERROR(softmax(Tensor{}, 0), "softmax");
}

}  // namespace
}  // namespace tinydl
