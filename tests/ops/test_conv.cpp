// test_conv.cpp — conv2d, conv1d and conv_transpose2d against naive float64 loops written here,
// on a table of option combinations (stride, padding incl. "same"/"valid", dilation, groups,
// bias, non-square kernels, batch sizes, unbatched input), plus gradcheck for input, weight
// and bias, NaN-strided inputs, the thread split of the weight gradient, and error messages.
//
// The references read like the definitions: conv2d_reference is the 7-loop gather
// y[n,o,i,j] = b[o] + sum_{c,kh,kw} w[o,c,kh,kw] x[n, g*Cg+c, i*s-p+kh*d, j*s-p+kw*d], and
// conv_transpose2d_reference the scatter form (each input pixel adds a weighted kernel patch to
// the output). Neither uses any tinydl op.
#include <string>
#include <vector>

#include "tests/ops/conv_cases.h"  // the tables, shared with tests/cuda/test_tables_conv.cpp
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::allclose;
using testing::gradcheck_ok;
using testing::noncontiguous_like;

// ---- the oracles --------------------------------------------------------------------------------
// Padding per side (top, bottom, left, right) so that "same"'s asymmetric case is expressible.
struct RefGeometry {
    int64_t sH = 1, sW = 1, pt = 0, pb = 0, pl = 0, pr = 0, dH = 1, dW = 1, groups = 1;
};

// x [N, C, H, W], w [O, C/groups, kH, kW], b [O] or undefined -> y [N, O, oH, oW] (float64).
Tensor conv2d_reference(const Tensor& x, const Tensor& w, const Tensor& b, const RefGeometry& r) {
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t O = w.size(0), Cg = w.size(1), kH = w.size(2), kW = w.size(3), Og = O / r.groups;
    const int64_t oH = (H + r.pt + r.pb - r.dH * (kH - 1) - 1) / r.sH + 1;
    const int64_t oW = (W + r.pl + r.pr - r.dW * (kW - 1) - 1) / r.sW + 1;
    const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
    const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(O, 0.0);
    std::vector<double> y(N * O * oH * oW);
    for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t i = 0; i < oH; ++i)
                for (int64_t j = 0; j < oW; ++j) {
                    double acc = bv[o];
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t kh = 0; kh < kH; ++kh)
                            for (int64_t kw = 0; kw < kW; ++kw) {
                                const int64_t ih = i * r.sH - r.pt + kh * r.dH, iw = j * r.sW - r.pl + kw * r.dW;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                const int64_t ci = (o / Og) * Cg + c;
                                acc += wv[((o * Cg + c) * kH + kh) * kW + kw] * xv[((n * C + ci) * H + ih) * W + iw];
                            }
                    y[((n * O + o) * oH + i) * oW + j] = acc;
                }
    return tensor(y, kFloat64).reshape({N, O, oH, oW});
}

// x [N, C_in, H, W], w [C_in, C_out/groups, kH, kW] -> y [N, C_out, oH, oW]: each x[n, ci, i, j]
// adds w[ci, co, kh, kw] x[n, ci, i, j] at (i*s - p + kh*d, j*s - p + kw*d) of channel
// (ci's group) * C_out/groups + co.
Tensor conv_transpose2d_reference(const Tensor& x, const Tensor& w, const Tensor& b, int64_t sH, int64_t sW,
                                  int64_t pH, int64_t pW, int64_t opH, int64_t opW, int64_t groups, int64_t dH,
                                  int64_t dW) {
    const int64_t N = x.size(0), Ci = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t Cog = w.size(1), kH = w.size(2), kW = w.size(3), Co = Cog * groups, Cig = Ci / groups;
    const int64_t oH = (H - 1) * sH - 2 * pH + dH * (kH - 1) + opH + 1;
    const int64_t oW = (W - 1) * sW - 2 * pW + dW * (kW - 1) + opW + 1;
    const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
    std::vector<double> y(N * Co * oH * oW, 0.0);
    if (b.defined()) {
        const std::vector<double> bv = b.to_vector<double>();
        for (int64_t n = 0; n < N; ++n)
            for (int64_t co = 0; co < Co; ++co)
                for (int64_t k = 0; k < oH * oW; ++k) y[(n * Co + co) * oH * oW + k] = bv[co];
    }
    for (int64_t n = 0; n < N; ++n)
        for (int64_t ci = 0; ci < Ci; ++ci)
            for (int64_t i = 0; i < H; ++i)
                for (int64_t j = 0; j < W; ++j)
                    for (int64_t co = 0; co < Cog; ++co)
                        for (int64_t kh = 0; kh < kH; ++kh)
                            for (int64_t kw = 0; kw < kW; ++kw) {
                                const int64_t oi = i * sH - pH + kh * dH, oj = j * sW - pW + kw * dW;
                                if (oi < 0 || oi >= oH || oj < 0 || oj >= oW) continue;
                                const int64_t c_out = (ci / Cig) * Cog + co;
                                y[((n * Co + c_out) * oH + oi) * oW + oj] +=
                                    wv[((ci * Cog + co) * kH + kh) * kW + kw] * xv[((n * Ci + ci) * H + i) * W + j];
                            }
    return tensor(y, kFloat64).reshape({N, Co, oH, oW});
}

Tensor batched(const Tensor& t, int64_t spatial_dims) { return t.dim() == spatial_dims + 2 ? t : t.unsqueeze(0); }

// ---- conv2d -----------------------------------------------------------------------------------------
RefGeometry ref_geometry(const Conv2dCase& c) {
    RefGeometry r{c.sH, c.sW, c.pH, c.pH, c.pW, c.pW, c.dH, c.dW, c.groups};
    if (c.pad_mode != nullptr && std::string(c.pad_mode) == "same") {  // PyTorch: the extra one after
        const int64_t th = c.dH * (c.kH - 1), tw = c.dW * (c.kW - 1);
        r.pt = th / 2, r.pb = th - th / 2, r.pl = tw / 2, r.pr = tw - tw / 2;
    }
    if (c.pad_mode != nullptr && std::string(c.pad_mode) == "valid") r.pt = r.pb = r.pl = r.pr = 0;
    return r;
}

Tensor reference_conv2d(const Conv2dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    Tensor y = conv2d_reference(batched(x, 2), w, b, ref_geometry(c));
    return x.dim() == 4 ? y : y.squeeze(0);
}

class Conv2dTable : public ::testing::TestWithParam<Conv2dCase> {};

TEST_P(Conv2dTable, ForwardMatchesReference) {
    const Conv2dCase& c = GetParam();
    manual_seed(1);
    Tensor x = randn(input_shape(c.N, c.C, {c.H, c.W}), kFloat64);
    Tensor w = randn({c.O, c.C / c.groups, c.kH, c.kW}, kFloat64);
    Tensor b = c.bias ? randn({c.O}, kFloat64) : Tensor();
    const Tensor expected = reference_conv2d(c, x, w, b);
    const Tensor y = run_conv2d(c, x, w, b);
    EXPECT_TRUE(allclose(y, expected, 1e-12, 1e-12));
    // "same" keeps the size.
    if (c.pad_mode != nullptr && std::string(c.pad_mode) == "same") {
        EXPECT_EQ(y.size(-2), c.H);
        EXPECT_EQ(y.size(-1), c.W);
    }
    // Strided inputs: a NaN between every two values of x and of w (the kernels must not read them).
    EXPECT_TRUE(allclose(run_conv2d(c, noncontiguous_like(x), noncontiguous_like(w), b), expected, 1e-12, 1e-12));
    // A permuted (channels-last in memory) input.
    if (x.dim() == 4) {
        Tensor x_cl = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
        EXPECT_FALSE(x_cl.is_contiguous());
        EXPECT_TRUE(allclose(run_conv2d(c, x_cl, w, b), expected, 1e-12, 1e-12));
    }
    // float32 within float32 rounding.
    const Tensor y32 = run_conv2d(c, x.to(kFloat32), w.to(kFloat32), b.defined() ? b.to(kFloat32) : Tensor());
    EXPECT_EQ(y32.dtype(), kFloat32);
    EXPECT_TRUE(allclose(y32, expected, 1e-4, 1e-4));
}

TEST_P(Conv2dTable, Gradcheck) {
    const Conv2dCase& c = GetParam();
    manual_seed(2);
    std::vector<Tensor> inputs = {randn(input_shape(c.N, c.C, {c.H, c.W}), kFloat64).requires_grad_(true),
                                  randn({c.O, c.C / c.groups, c.kH, c.kW}, kFloat64).requires_grad_(true)};
    if (c.bias) inputs.push_back(randn({c.O}, kFloat64).requires_grad_(true));
    const auto fn = [&](const std::vector<Tensor>& in) {
        return run_conv2d(c, in[0], in[1], in.size() > 2 ? in[2] : Tensor());
    };
    EXPECT_TRUE(gradcheck_ok(fn, inputs));
    // Only some inputs requiring grad: the node skips the others.
    Tensor w_only = inputs[1].detach().requires_grad_(true);
    Tensor y = run_conv2d(c, inputs[0].detach(), w_only, Tensor());
    ASSERT_TRUE(y.grad_fn() != nullptr);
    if (c.N > 0) EXPECT_STREQ(y.grad_fn()->name(), "ConvolutionBackward0");
    y.sum().backward();
    EXPECT_TRUE(w_only.grad().defined());
}

INSTANTIATE_TEST_SUITE_P(Conv, Conv2dTable, ::testing::ValuesIn(kConv2dCases),
                         [](const ::testing::TestParamInfo<Conv2dCase>& info) { return std::string(info.param.name); });

// The weight gradient sums over the batch in per-thread ranges; more ranges than threads and a
// batch that does not divide evenly must still give the reference numbers.
TEST(Conv2d, WeightGradientWithManyThreads) {
    const int saved = get_num_threads();
    for (int threads : {1, 3}) {
        set_num_threads(threads);
        manual_seed(3);
        Tensor x = randn({7, 2, 5, 5}, kFloat64).requires_grad_(true);
        Tensor w = randn({3, 2, 3, 3}, kFloat64).requires_grad_(true);
        Tensor b = randn({3}, kFloat64).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 2, 1); },
                                 {x, w, b}))
            << threads << " threads";
    }
    set_num_threads(saved);
}

// A gradient arriving as a broadcast view (from sum(): stride 0 everywhere) is made dense first.
TEST(Conv2d, BackwardFromExpandedGradient) {
    manual_seed(4);
    Tensor x = randn({2, 2, 4, 4}, kFloat64).requires_grad_(true);
    Tensor w = randn({3, 2, 3, 3}, kFloat64).requires_grad_(true);
    conv2d(x, w, {}, 1, 1).sum().backward();
    // d(sum y)/dw[o, c, kh, kw] = sum_{n, i, j} x[n, c, i - 1 + kh, j - 1 + kw]: itself a convolution
    // of x with batch and channels swapped, by an all-ones [O, N, 4, 4] kernel.
    Tensor expected_gw = conv2d_reference(x.detach().transpose(0, 1), ones({3, 2, 4, 4}, kFloat64),
                                          Tensor(), RefGeometry{1, 1, 1, 1, 1, 1, 1, 1, 1})
                             .transpose(0, 1);
    EXPECT_TRUE(allclose(w.grad(), expected_gw, 1e-12, 1e-12));
}

TEST(Conv2d, BatchOfZero) {
    Tensor y = conv2d(zeros({0, 2, 5, 5}), zeros({3, 2, 3, 3}), zeros({3}));
    EXPECT_EQ(y.sizes(), IntArrayRef({0, 3, 3, 3}));
}

TEST(Conv2d, DoubleBackwardIsRefused) {
    Tensor x = randn({1, 1, 4, 4}, kFloat64).requires_grad_(true);
    Tensor w = randn({1, 1, 3, 3}, kFloat64).requires_grad_(true);
    Tensor y = conv2d(x, w).sum();
    EXPECT_ERROR(grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true), "conv2d", "double backward",
                 "not supported");
}

TEST(Conv2d, Errors) {
    const Tensor w = zeros({8, 3, 3, 3});
    EXPECT_ERROR(conv2d(zeros({28, 28}), w),
                 "conv2d: expected 3-D (unbatched) or 4-D (batched) input, but got input of size: [28, 28]");
    EXPECT_ERROR(conv2d(zeros({1, 1, 28, 28}), w),
                 "Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 1, 28, 28] to have 3 channels, but "
                 "got 1 channels instead");
    EXPECT_ERROR(conv2d(zeros({1, 28, 28}), w), "expected input[1, 1, 28, 28] to have 3 channels");  // unbatched
    EXPECT_ERROR(conv2d(zeros({1, 3, 5, 5}), zeros({8, 3, 3})), "conv2d", "weight should be 4-D", "[8, 3, 3]");
    EXPECT_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({3, 1, 3, 3}), {}, 1, 0, 1, 2),
                 "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 1, 3, "
                 "3] instead");
    EXPECT_ERROR(conv2d(zeros({1, 3, 5, 5}), zeros({4, 1, 3, 3}), {}, 1, 0, 1, 2),
                 "Given groups=2, weight of size [4, 1, 3, 3], expected input[1, 3, 5, 5] to have 2 channels, but got 3 "
                 "channels instead",
                 "3 input channels do not split into 2 groups");
    EXPECT_ERROR(conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})),
                 "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater "
                 "than actual input size");
    EXPECT_ERROR(conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), {}, 1, 0, 2),  // dilated kernel 5 x 5
                 "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5)");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, {1, 0}), "conv2d",
                 "non-positive stride is not supported", "[1, 0]");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 1, 0, 0), "dilation should be greater than zero");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 1, -1), "negative padding is not supported");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 1, 0, 1, 0), "non-positive groups is not supported");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 2, "same"),
                 "padding='same' is not supported for strided convolutions");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, {1, 1, 1}),
                 "expected stride to be a single integer value or a list of 2 values to match the convolution "
                 "dimensions, but got stride=[1, 1, 1]");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 1, {1, 2, 3}), "expected padding to be a single");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), {}, 1, "full"), "Invalid padding string 'full'");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}, kFloat64), zeros({1, 1, 3, 3})),
                 "Input type (float64) and weight type (float32) should be the same");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({1, 1, 3, 3}), zeros({1}, kFloat64)),
                 "Input type (float32) and bias type (float64) should be the same");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}), zeros({2, 1, 3, 3}), zeros({3})),
                 "expected bias to be 1-dimensional with 2 elements, but got bias of size [3] instead");
    EXPECT_ERROR(conv2d(zeros({1, 1, 5, 5}, kInt64), zeros({1, 1, 3, 3}, kInt64)), "conv2d");
    EXPECT_ERROR(conv2d(Tensor(), w), "conv2d");
}

// ---- conv1d ------------------------------------------------------------------------------------------
Tensor reference_conv1d(const Conv1dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    RefGeometry r{1, c.s, 0, 0, c.p, c.p, 1, c.d, c.groups};
    if (c.pad_mode != nullptr && std::string(c.pad_mode) == "same") {
        const int64_t t = c.d * (c.k - 1);
        r.pl = t / 2, r.pr = t - t / 2;
    }
    if (c.pad_mode != nullptr && std::string(c.pad_mode) == "valid") r.pl = r.pr = 0;
    Tensor y = conv2d_reference(batched(x, 1).unsqueeze(2), w.unsqueeze(2), b, r).squeeze(2);
    return x.dim() == 3 ? y : y.squeeze(0);
}

class Conv1dTable : public ::testing::TestWithParam<Conv1dCase> {};

TEST_P(Conv1dTable, ForwardAndGradcheck) {
    const Conv1dCase& c = GetParam();
    manual_seed(5);
    Tensor x = randn(input_shape(c.N, c.C, {c.L}), kFloat64).requires_grad_(true);
    Tensor w = randn({c.O, c.C / c.groups, c.k}, kFloat64).requires_grad_(true);
    Tensor b = c.bias ? randn({c.O}, kFloat64).requires_grad_(true) : Tensor();
    const Tensor expected = reference_conv1d(c, x.detach(), w.detach(), b.defined() ? b.detach() : b);
    const Tensor y = run_conv1d(c, x, w, b);
    EXPECT_EQ(y.dim(), x.dim());
    EXPECT_TRUE(allclose(y, expected, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(run_conv1d(c, noncontiguous_like(x.detach()), w.detach(), b.defined() ? b.detach() : b),
                         expected, 1e-12, 1e-12));
    std::vector<Tensor> inputs = {x, w};
    if (c.bias) inputs.push_back(b);
    EXPECT_TRUE(gradcheck_ok(
        [&](const std::vector<Tensor>& in) { return run_conv1d(c, in[0], in[1], in.size() > 2 ? in[2] : Tensor()); },
        inputs));
}

INSTANTIATE_TEST_SUITE_P(Conv, Conv1dTable, ::testing::ValuesIn(kConv1dCases),
                         [](const ::testing::TestParamInfo<Conv1dCase>& info) { return std::string(info.param.name); });

TEST(Conv1d, Errors) {
    EXPECT_ERROR(conv1d(zeros({5}), zeros({1, 1, 3})),
                 "conv1d: expected 2-D (unbatched) or 3-D (batched) input, but got input of size: [5]");
    EXPECT_ERROR(conv1d(zeros({1, 2, 9}), zeros({4, 3, 3})),
                 "Given groups=1, weight of size [4, 3, 3], expected input[1, 2, 9] to have 3 channels, but got 2 "
                 "channels instead");
    EXPECT_ERROR(conv1d(zeros({1, 1, 2}), zeros({1, 1, 3})),
                 "Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater");
    EXPECT_ERROR(conv1d(zeros({1, 1, 5}), zeros({1, 1, 3}), {}, {1, 1}), "expected stride to be a single integer value or a list of 1 values");
}

// ---- conv_transpose2d --------------------------------------------------------------------------------
Tensor reference_convt(const ConvT2dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    Tensor y = conv_transpose2d_reference(batched(x, 2), w, b, c.sH, c.sW, c.pH, c.pW, c.opH, c.opW, c.groups, c.dH,
                                          c.dW);
    return x.dim() == 4 ? y : y.squeeze(0);
}

class ConvTranspose2dTable : public ::testing::TestWithParam<ConvT2dCase> {};

TEST_P(ConvTranspose2dTable, ForwardAndGradcheck) {
    const ConvT2dCase& c = GetParam();
    manual_seed(6);
    Tensor x = randn(input_shape(c.N, c.Ci, {c.H, c.W}), kFloat64).requires_grad_(true);
    Tensor w = randn({c.Ci, c.Co / c.groups, c.kH, c.kW}, kFloat64).requires_grad_(true);
    Tensor b = c.bias ? randn({c.Co}, kFloat64).requires_grad_(true) : Tensor();
    const Tensor bd = b.defined() ? b.detach() : b;
    const Tensor expected = reference_convt(c, x.detach(), w.detach(), bd);
    EXPECT_TRUE(allclose(run_convt(c, x, w, b), expected, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(run_convt(c, noncontiguous_like(x.detach()), noncontiguous_like(w.detach()), bd), expected,
                         1e-12, 1e-12));
    EXPECT_TRUE(allclose(run_convt(c, x.detach().to(kFloat32), w.detach().to(kFloat32),
                                   bd.defined() ? bd.to(kFloat32) : bd),
                         expected, 1e-4, 1e-4));
    std::vector<Tensor> inputs = {x, w};
    if (c.bias) inputs.push_back(b);
    EXPECT_TRUE(gradcheck_ok(
        [&](const std::vector<Tensor>& in) { return run_convt(c, in[0], in[1], in.size() > 2 ? in[2] : Tensor()); },
        inputs));
}

INSTANTIATE_TEST_SUITE_P(Conv, ConvTranspose2dTable, ::testing::ValuesIn(kConvT2dCases),
                         [](const ::testing::TestParamInfo<ConvT2dCase>& info) { return std::string(info.param.name); });

// conv_transpose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>.
TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
    manual_seed(7);
    Tensor x = randn({2, 3, 7, 6}, kFloat64), w = randn({4, 3, 3, 2}, kFloat64);
    Tensor y = randn({2, 4, 4, 5}, kFloat64);
    Tensor cx = conv2d(x, w, {}, {2, 1}, {1, 0});
    ASSERT_EQ(cx.sizes(), IntArrayRef({2, 4, 4, 5}));
    Tensor ty = conv_transpose2d(y, w, {}, {2, 1}, {1, 0}, {0, 0});
    ASSERT_EQ(ty.sizes(), IntArrayRef({2, 3, 7, 6}));
    EXPECT_NEAR((cx * y).sum().item<double>(), (x * ty).sum().item<double>(), 1e-9);
}

TEST(ConvTranspose2d, Errors) {
    EXPECT_ERROR(conv_transpose2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})),
                 "Given transposed=1, weight of size [4, 2, 3, 3], expected input[1, 3, 5, 5] to have 4 channels, but "
                 "got 3 channels instead");
    EXPECT_ERROR(conv_transpose2d(zeros({5, 5}), zeros({1, 2, 3, 3})), "conv_transpose2d: expected 3-D (unbatched)");
    EXPECT_ERROR(conv_transpose2d(zeros({1, 1, 5, 5}), zeros({1, 2, 3, 3}), {}, 1, 0, 1),
                 "output padding must be smaller than either stride or dilation");
    EXPECT_ERROR(conv_transpose2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3}), {}, 1, 3),
                 "Given input size per channel: (2 x 2). Calculated output size per channel: (-2 x -2). Output size is "
                 "too small");
    EXPECT_ERROR(conv_transpose2d(zeros({1, 2, 5, 5}), zeros({2, 1, 3, 3}), zeros({2})),
                 "expected bias to be 1-dimensional with 1 elements, but got bias of size [2] instead");
}

}  // namespace
}  // namespace tinydl
