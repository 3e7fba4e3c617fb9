// test_resample.cpp — pad, interpolate / upsample_*, dropout2d (src/ops/resample.cpp,
// src/cpu/resample.cpp).
//
// The oracles are naive float64 loops written from PyTorch's definitions, one output element at
// a time over N-D coordinates: they share nothing with the op's separable, pass-by-pass plan.
// (Nearest's source index uses float arithmetic, as PyTorch's nearest_idx does, so that
// floor() sees the very same number.) Two tables, one per op, each row checked for:
//   1. forward vs the reference in float64, and in float32 within float32 rounding;
//   2. a non-contiguous (NaN-interleaved) input gives the same result;
//   3. gradcheck in float64 (random upstream gradient), contiguous and non-contiguous;
//      gradgradcheck on a few rows (the backward of a resampling is a resampling too).
// Below the tables: dropout2d's channel property, scaling and seeding; node names; errors.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tests/ops/resample_cases.h"  // the tables, shared with tests/cuda/test_tables_resample.cpp
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

using Coord = std::vector<int64_t>;

// A float64 tensor of `shape` whose element at coordinate c is f(c), by row-major odometer.
Tensor build(const std::vector<int64_t>& shape, const std::function<double(const Coord&)>& f) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    std::vector<double> out;
    out.reserve(n);
    Coord c(shape.size(), 0);
    for (int64_t k = 0; k < n; ++k) {
        out.push_back(f(c));
        for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
            if (++c[d] < shape[d]) break;
            c[d] = 0;
        }
    }
    return tensor(out, kFloat64).reshape(shape);
}

// Row-major reads of a tensor's values (float64) by coordinate.
struct Reader {
    std::vector<double> v;
    std::vector<int64_t> shape;
    explicit Reader(const Tensor& t) : v(t.to_vector<double>()), shape(t.sizes().vec()) {}
    double operator()(const Coord& c) const {
        int64_t off = 0;
        for (size_t d = 0; d < shape.size(); ++d) off = off * shape[d] + c[d];
        return v[off];
    }
};

// ---- pad references ---------------------------------------------------------------------------
Tensor ref_pad(const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode, double value) {
    const Reader in(x);
    const int64_t nd = x.dim(), k = static_cast<int64_t>(pad.size()) / 2;
    std::vector<int64_t> out_shape = in.shape;
    for (int64_t i = 0; i < k; ++i) out_shape[nd - 1 - i] += pad[2 * i] + pad[2 * i + 1];
    return build(out_shape, [&](const Coord& c) {
        Coord src = c;
        for (int64_t i = 0; i < k; ++i) {
            const int64_t d = nd - 1 - i, n = in.shape[d];
            int64_t j = c[d] - pad[2 * i];
            if (j < 0 || j >= n) {
                if (mode == "constant") return value;
                if (mode == "replicate") j = j < 0 ? 0 : n - 1;
                else j = j < 0 ? -j : 2 * (n - 1) - j;  // reflect
            }
            src[d] = j;
        }
        return in(src);
    });
}

// The table (kPadCases) is in tests/ops/resample_cases.h.
class PadTest : public ::testing::TestWithParam<PadCase> {};

TEST_P(PadTest, ForwardMatchesReference) {
    const PadCase& c = GetParam();
    manual_seed(1);
    const Tensor x = randn(c.shape, kFloat64);
    const Tensor expected = ref_pad(x, c.pad, c.mode, c.value);
    EXPECT_TRUE(allclose(pad(x, c.pad, c.mode, c.value), expected, 0, 0));
    EXPECT_TRUE(allclose(pad(noncontiguous_like(x), c.pad, c.mode, c.value), expected, 0, 0));
    const Tensor x32 = x.to(kFloat32);
    const Tensor y32 = pad(x32, c.pad, c.mode, c.value);
    EXPECT_EQ(y32.dtype(), kFloat32);
    EXPECT_TRUE(allclose(y32, expected, 1e-6, 1e-6));
}

TEST_P(PadTest, Gradcheck) {
    const PadCase& c = GetParam();
    manual_seed(2);
    auto fn = [&](const std::vector<Tensor>& in) { return pad(in[0], c.pad, c.mode, c.value); };
    const Tensor x = randn(c.shape, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(fn, {x}));
    const Tensor xn = noncontiguous_like(x.detach()).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(fn, {xn}));
    if (c.gradgrad) EXPECT_TRUE(gradgradcheck_ok(fn, {x}));
}

INSTANTIATE_TEST_SUITE_P(Resample, PadTest, ::testing::ValuesIn(kPadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Pad, ReflectGradientCollectsMirroredPositions) {
    // x = [a b c], pad (2, 1) reflect: [c b a b c b]. With g = 1 everywhere, b is read 3 times,
    // c twice, a once.
    const Tensor x = tensor({1.0, 2.0, 3.0}).reshape({1, 1, 3}).requires_grad_(true);
    const Tensor y = pad(x, {2, 1}, "reflect");
    EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{3, 2, 1, 2, 3, 2}));
    y.sum().backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 3, 2}));
}

TEST(Pad, IntegerInputAndNodeNames) {
    const Tensor xi = arange(6, kInt64).reshape({1, 2, 3});
    const Tensor yi = pad(xi, {1, 1}, "constant", 7);
    EXPECT_EQ(yi.dtype(), kInt64);
    EXPECT_EQ(yi.to_vector<int64_t>(), (std::vector<int64_t>{7, 0, 1, 2, 7, 7, 3, 4, 5, 7}));
    EXPECT_EQ(pad(xi, {1, 1}, "reflect").to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 2, 1, 4, 3, 4, 5, 4}));

    const Tensor x = randn({1, 1, 3, 3}).requires_grad_(true);
    EXPECT_STREQ(pad(x, {1, 1}).grad_fn()->name(), "ConstantPadNdBackward0");
    EXPECT_STREQ(pad(x, {1, 1, 1, 1}, "reflect").grad_fn()->name(), "ReflectionPad2DBackward0");
    EXPECT_STREQ(pad(x[0], {1, 1}, "reflect").grad_fn()->name(), "ReflectionPad1DBackward0");
    EXPECT_STREQ(pad(x, {1, 1, 1, 1}, "replicate").grad_fn()->name(), "ReplicationPad2DBackward0");
    EXPECT_EQ(pad(x.detach(), {1, 1}).grad_fn(), nullptr);
}

TEST(Pad, Errors) {
    const Tensor x = randn({1, 1, 3, 3});
    EXPECT_ERROR(pad(x, {3, 3, 0, 0}, "reflect"), "pad",
                 "Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at "
                 "dimension 3 of input [1, 1, 3, 3]");
    EXPECT_ERROR(pad(x, {0, 0, 1, 4}, "reflect"), "padding (1, 4) at dimension 2");
    EXPECT_ERROR(pad(x, {1, 1}, "wrap"), "pad", "unsupported padding mode \"wrap\"");
    EXPECT_ERROR(pad(x, {1, 1}, "circular"), "\"circular\" is not implemented");
    EXPECT_ERROR(pad(x, {1, 1, 1}), "Padding length must be divisible by 2");
    EXPECT_ERROR(pad(x, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), "Padding length should be less than or equal to two times",
                 "padding length 10 and input of dimension 4");
    EXPECT_ERROR(pad(randn({3, 3}), {1, 1, 1, 1}, "reflect"), "non-constant padding", "got shape [3, 3]");
    EXPECT_ERROR(pad(randn({3}), {1, 1}, "replicate"), "non-constant padding");
    EXPECT_ERROR(pad(x, {1, 1}, "reflect", 2.0), "Padding mode \"reflect\" doesn't take in value argument");
    EXPECT_ERROR(pad(x, {-2, -2}), "The input size 3, plus negative padding -2 and -2 resulted in a negative output size",
                 "dimension 3");
    EXPECT_ERROR(pad(x[0], {-2, -2}, "replicate"), "too small", "output size of -1");
    EXPECT_ERROR(pad(Tensor{}, {1, 1}), "pad");
}

// ---- interpolate references ----------------------------------------------------------------------
// PyTorch's legacy nearest: src = min(floor(dst * s), in - 1) in float, s = 1/scale or in/out.
int64_t ref_nearest_src(int64_t dst, int64_t in, int64_t out, double scale) {
    const float s = scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
    return std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>(dst) * s)), in - 1);
}

// Source coordinate and the two taps for linear modes (area pixel rule), in double.
struct LinearTap {
    int64_t i0, i1;
    double l0, l1;
};
LinearTap ref_linear_tap(int64_t dst, int64_t in, int64_t out, double scale, bool align_corners) {
    double real;
    if (align_corners) {
        real = out > 1 ? dst * static_cast<double>(in - 1) / (out - 1) : 0.0;
    } else {
        const double s = scale > 0 ? 1.0 / scale : static_cast<double>(in) / out;
        real = std::max(0.0, (dst + 0.5) * s - 0.5);
    }
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(std::floor(real)), in - 1);
    const double lambda = std::min(1.0, std::max(0.0, real - i0));
    return {i0, std::min(i0 + 1, in - 1), 1.0 - lambda, lambda};
}

// The expected output by direct N-D evaluation: nearest picks one source per spatial dim;
// linear modes sum over all 2^K corner combinations with the product of their weights.
Tensor ref_interpolate(const Tensor& x, const InterpolateOptions& o) {
    const Reader in(x);
    const int64_t K = x.dim() - 2;
    std::vector<int64_t> out_shape = in.shape;
    std::vector<double> scales(K, 0.0);
    for (int64_t i = 0; i < K; ++i) {
        if (!o.size.empty()) {
            out_shape[2 + i] = o.size[o.size.size() == 1 ? 0 : i];
        } else {
            scales[i] = o.scale_factor[o.scale_factor.size() == 1 ? 0 : i];
            out_shape[2 + i] = static_cast<int64_t>(std::floor(in.shape[2 + i] * scales[i]));
        }
    }
    const bool nearest = o.mode == "nearest";
    return build(out_shape, [&](const Coord& c) {
        if (nearest) {
            Coord src = c;
            for (int64_t i = 0; i < K; ++i)
                src[2 + i] = ref_nearest_src(c[2 + i], in.shape[2 + i], out_shape[2 + i], scales[i]);
            return in(src);
        }
        std::vector<LinearTap> taps;
        for (int64_t i = 0; i < K; ++i)
            taps.push_back(ref_linear_tap(c[2 + i], in.shape[2 + i], out_shape[2 + i], scales[i],
                                          o.align_corners.value_or(false)));
        double total = 0;
        for (int64_t corner = 0; corner < (1 << K); ++corner) {
            Coord src = c;
            double w = 1;
            for (int64_t i = 0; i < K; ++i) {
                const bool hi = (corner >> i) & 1;
                src[2 + i] = hi ? taps[i].i1 : taps[i].i0;
                w *= hi ? taps[i].l1 : taps[i].l0;
            }
            total += w * in(src);
        }
        return total;
    });
}

// The table (kInterpCases) is in tests/ops/resample_cases.h.
class InterpolateTest : public ::testing::TestWithParam<InterpCase> {};

TEST_P(InterpolateTest, ForwardMatchesReference) {
    const InterpCase& c = GetParam();
    manual_seed(3);
    const Tensor x = randn(c.shape, kFloat64);
    const Tensor expected = ref_interpolate(x, c.options);
    EXPECT_TRUE(allclose(interpolate(x, c.options), expected, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(interpolate(noncontiguous_like(x), c.options), expected, 1e-12, 1e-12));
    const Tensor y32 = interpolate(x.to(kFloat32), c.options);
    EXPECT_EQ(y32.dtype(), kFloat32);
    EXPECT_TRUE(allclose(y32, expected, 1e-5, 1e-5));
}

TEST_P(InterpolateTest, Gradcheck) {
    const InterpCase& c = GetParam();
    manual_seed(4);
    auto fn = [&](const std::vector<Tensor>& in) { return interpolate(in[0], c.options); };
    const Tensor x = randn(c.shape, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(fn, {x}));
    const Tensor xn = noncontiguous_like(x.detach()).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(fn, {xn}));
    if (c.gradgrad) EXPECT_TRUE(gradgradcheck_ok(fn, {x}));
}

INSTANTIATE_TEST_SUITE_P(Resample, InterpolateTest, ::testing::ValuesIn(kInterpCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Interpolate, HandComputedValues) {
    // [1 2] -> nearest x2: [1 1 2 2]; bilinear (align_corners=false) x2: [1 1.25 1.75 2];
    // align_corners=true to 3: [1 1.5 2].
    const Tensor x = tensor({1.0, 2.0}).reshape({1, 1, 2});
    EXPECT_EQ(interpolate(x, {.scale_factor = {2.0}}).to_vector<double>(), (std::vector<double>{1, 1, 2, 2}));
    EXPECT_EQ(interpolate(x, {.scale_factor = {2.0}, .mode = "linear"}).to_vector<double>(),
              (std::vector<double>{1, 1.25, 1.75, 2}));
    EXPECT_EQ(interpolate(x, {.size = {3}, .mode = "linear", .align_corners = true}).to_vector<double>(),
              (std::vector<double>{1, 1.5, 2}));
    // Nearest with a scale_factor steps by 1 / scale_factor, with a size by in / out, and the two
    // differ when out = floor(in * scale) is not exact: in 5, scale 0.7 -> out 3, and
    // floor(dst / 0.7) = 0 1 2, while floor(dst * 5 / 3) = 0 1 3.
    const Tensor r = arange(5, kFloat64).reshape({1, 1, 5});
    EXPECT_EQ(interpolate(r, {.scale_factor = {1.5}}).to_vector<double>(), (std::vector<double>{0, 0, 1, 2, 2, 3, 4}));
    EXPECT_EQ(interpolate(r, {.scale_factor = {0.7}}).to_vector<double>(), (std::vector<double>{0, 1, 2}));
    EXPECT_EQ(interpolate(r, {.size = {3}}).to_vector<double>(), (std::vector<double>{0, 1, 3}));
}

TEST(Interpolate, UpsampleHelpersAndNodeNames) {
    manual_seed(5);
    const Tensor x = randn({1, 2, 3, 4}).requires_grad_(true);
    EXPECT_TRUE(allclose(upsample_nearest2d(x, {6, 8}), interpolate(x, {.size = {6, 8}}), 0, 0));
    EXPECT_TRUE(allclose(upsample_bilinear2d(x, {5, 5}, true),
                         interpolate(x, {.size = {5}, .mode = "bilinear", .align_corners = true}), 0, 0));
    EXPECT_STREQ(interpolate(x, {.size = {6, 8}}).grad_fn()->name(), "UpsampleNearest2DBackward0");
    EXPECT_STREQ(interpolate(x, {.size = {6, 8}, .mode = "bilinear"}).grad_fn()->name(), "UpsampleBilinear2DBackward0");
    EXPECT_EQ(interpolate(Tensor(x.detach()), {.size = {6, 8}}).grad_fn(), nullptr);
    // Integer input: nearest works (a gather), linear modes need floating point.
    const Tensor xi = arange(4, kInt64).reshape({1, 1, 2, 2});
    EXPECT_EQ(interpolate(xi, {.scale_factor = {2.0}}).to_vector<int64_t>(),
              (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}));
    EXPECT_ERROR(interpolate(xi, {.scale_factor = {2.0}, .mode = "bilinear"}), "interpolate", "floating");
}

TEST(Interpolate, Errors) {
    const Tensor x = randn({1, 1, 3, 3});
    EXPECT_ERROR(interpolate(x, {.size = {4}, .mode = "bicubic"}), "interpolate", "unsupported mode \"bicubic\"");
    EXPECT_ERROR(interpolate(x, {}), "either size or scale_factor should be defined");
    EXPECT_ERROR(interpolate(x, {.size = {4}, .scale_factor = {2.0}}), "only one of size or scale_factor should be defined");
    EXPECT_ERROR(interpolate(randn({3, 3}), {.size = {4}}), "Only 3D, 4D and 5D input Tensors supported (got 2D)");
    EXPECT_ERROR(interpolate(randn({1, 1, 3}), {.size = {4, 4}, .mode = "bilinear"}),
                 "Got 3D input, but bilinear mode needs 4D input");
    EXPECT_ERROR(interpolate(x, {.size = {4}, .mode = "linear"}), "Got 4D input, but linear mode needs 3D input");
    EXPECT_ERROR(interpolate(x, {.size = {4}, .align_corners = false}),
                 "align_corners option can only be set with the interpolating modes");
    EXPECT_ERROR(interpolate(x, {.size = {4, 4, 4}}), "Input and output must have the same number of spatial dimensions",
                 "[3, 3]", "[4, 4, 4]");
    EXPECT_ERROR(interpolate(x, {.scale_factor = {2.0, 2.0, 2.0}}), "Input and scale_factor must have the same number");
    EXPECT_ERROR(interpolate(x, {.size = {0, 4}}), "Input and output sizes should be greater than 0", "[0, 4]");
    EXPECT_ERROR(interpolate(x, {.scale_factor = {0.2}}), "Input and output sizes should be greater than 0");
    EXPECT_ERROR(upsample_nearest2d(randn({1, 3, 3}), {2, 2}), "upsample_nearest2d", "[1, 3, 3]");
}

// ---- dropout2d -----------------------------------------------------------------------------------------
TEST(Dropout2d, ZeroesWholeChannelsAndScalesSurvivors) {
    manual_seed(7);
    const double p = 0.3;
    const Tensor x = (rand({8, 32, 3, 2}, kFloat64) + 0.5).requires_grad_(true);  // no zeros in x
    const Tensor y = dropout2d(x, p);
    const Tensor ratio = y.detach() / x.detach();  // per element: 0 or 1 / (1 - p)
    const std::vector<double> r = ratio.to_vector<double>();
    int64_t dropped = 0;
    for (int64_t ch = 0; ch < 8 * 32; ++ch) {
        const bool zero = r[ch * 6] == 0.0;
        for (int64_t k = 0; k < 6; ++k) {
            if (zero) EXPECT_EQ(r[ch * 6 + k], 0.0) << "channel " << ch;
            else EXPECT_NEAR(r[ch * 6 + k], 1.0 / (1.0 - p), 1e-12) << "channel " << ch;
        }
        dropped += zero;
    }
    EXPECT_GT(dropped, 0.2 * 256);  // about p of 256 channels
    EXPECT_LT(dropped, 0.4 * 256);
    // The gradient is the mask itself.
    y.sum().backward();
    EXPECT_TRUE(allclose(x.grad(), ratio, 1e-12, 1e-12));

    // The same seed gives the same mask; the generator moves on otherwise.
    manual_seed(7);
    const Tensor x2 = rand({8, 32, 3, 2}, kFloat64) + 0.5;  // the same x as above
    EXPECT_TRUE(allclose(dropout2d(x2, p), y.detach(), 0, 0));
    EXPECT_FALSE(allclose(dropout2d(x2, p), y.detach(), 0, 0));
}

TEST(Dropout2d, UnbatchedEdgeCasesAndErrors) {
    manual_seed(8);
    const Tensor x = rand({64, 2, 2}) + 0.5;  // [C, H, W]: one draw per channel
    const std::vector<float> y = dropout2d(x, 0.5).to_vector<float>();
    int64_t dropped = 0;
    for (int64_t ch = 0; ch < 64; ++ch) {
        for (int64_t k = 1; k < 4; ++k) EXPECT_EQ(y[ch * 4 + k] == 0.0f, y[ch * 4] == 0.0f);
        dropped += y[ch * 4] == 0.0f;
    }
    EXPECT_GT(dropped, 10);
    EXPECT_LT(dropped, 54);
    EXPECT_TRUE(dropout2d(x, 0.5, /*training=*/false).is_same(x));
    EXPECT_TRUE(dropout2d(x, 0.0).is_same(x));
    EXPECT_TRUE(allclose(dropout2d(x, 1.0), zeros({64, 2, 2}), 0, 0));
    EXPECT_ERROR(dropout2d(randn({2, 3}), 0.5), "dropout2d", "3-D [C, H, W] or 4-D [N, C, H, W]", "[2, 3]");
    EXPECT_ERROR(dropout2d(x, 1.5), "dropout2d", "between 0 and 1, but got 1.5");
    EXPECT_ERROR(dropout2d(arange(8, kInt64).reshape({2, 2, 2}), 0.5), "dropout2d");
}

}  // namespace
}  // namespace tinydl
