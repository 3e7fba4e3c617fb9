// float32 convolution gradients against float64 ones. test_conv.cpp checks the maths in
// float64; float32 on a CPU with AVX-512 takes other roads (src/cpu/conv.cpp, Note [Convolution
// GEMMs]: the bias added inside the GEMM, the weight gradient cut into slabs of its columns or
// rows, or summed transposed; and 3x3 stride-1 forwards and input gradients by Winograd's
// F(2x2, 3x3), src/cpu/conv_winograd.cpp), so these shapes make every branch run: a weight
// gradient with K = C*kH*kW below and above a register tile's width (its three forms: direct,
// transposed, dot products), strides, dilation and asymmetric padding, Winograd with odd sizes,
// paddings 0 to 2, 1x1 images and tile rows split between chunks, conv_transpose2d, and 1 to 3
// threads, whose results must agree bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "src/cpu/conv_winograd.h"  // internal: whether Winograd runs
#include "src/cpu/gemm.h"  // internal: which GEMM runs (for what the thread test may expect)
#include "tests/support/test_utils.h"
#include "tinydl/tinydl.h"

using namespace tinydl;
using tinydl::testing::allclose;

namespace {

struct Case {
    std::string name;
    int64_t N, C, H, W, O, k, stride, padding, dilation;
};

struct Grads {
    Tensor y, gx, gw, gb;
};

Grads run(const Case& c, const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& g, DType dtype) {
    const Tensor x = x0.detach().to(dtype).requires_grad_(true);  // a fresh leaf each run
    const Tensor w = w0.detach().to(dtype).requires_grad_(true);
    const Tensor b = b0.detach().to(dtype).requires_grad_(true);
    Tensor y = conv2d(x, w, b, c.stride, c.padding, c.dilation);
    y.backward(g.to(dtype));
    return {y.detach(), x.grad(), w.grad(), b.grad()};
}

bool same_bits(const Tensor& a, const Tensor& b) {
    const Tensor x = a.contiguous(), y = b.contiguous();
    return x.sizes() == y.sizes() &&
           std::memcmp(x.data_ptr<float>(), y.data_ptr<float>(), static_cast<size_t>(x.numel()) * sizeof(float)) == 0;
}

}  // namespace

TEST(Conv2dFloat32, GradientsMatchFloat64AndTheThreadCount) {
    const std::vector<Case> cases = {
        // name                   N   C   H   W   O  k  s  p  d
        {"w5 conv1 shape", 13, 1, 28, 28, 32, 3, 1, 1, 1},  // K = 9: the transposed weight-gradient sum
        {"w5 conv2 shape", 9, 32, 14, 14, 64, 3, 1, 1, 1},  // K = 288: column slabs
        {"strided", 5, 7, 11, 9, 10, 3, 2, 0, 1},
        {"dilated", 4, 12, 10, 12, 50, 3, 1, 2, 2},         // O = 50: one column past a tile
        {"1x1", 6, 16, 5, 7, 8, 1, 1, 0, 1},
        {"1x1, many outputs", 3, 64, 5, 5, 100, 1, 1, 0, 1},  // the weight gradient summed transposed
        {"one image", 1, 3, 6, 6, 4, 5, 1, 2, 1},
        {"winograd: odd sizes", 3, 9, 7, 5, 17, 3, 1, 1, 1},
        {"winograd: no padding", 2, 8, 6, 9, 12, 3, 1, 0, 1},
        {"winograd: padding 2", 2, 8, 5, 6, 8, 3, 1, 2, 1},
        {"winograd: tile rows across chunks", 1, 10, 33, 31, 9, 3, 1, 1, 1},  // 17 x 16 tiles
        {"winograd: 1x1 images", 4, 16, 1, 1, 8, 3, 1, 1, 1},
    };
    const int saved = get_num_threads();
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        manual_seed(17);
        const Tensor x = randn({c.N, c.C, c.H, c.W}, kFloat64);
        const Tensor w = randn({c.O, c.C, c.k, c.k}, kFloat64) * 0.3;
        const Tensor b = randn({c.O}, kFloat64);
        const int64_t oH = (c.H + 2 * c.padding - c.dilation * (c.k - 1) - 1) / c.stride + 1;
        const int64_t oW = (c.W + 2 * c.padding - c.dilation * (c.k - 1) - 1) / c.stride + 1;
        const Tensor g = randn({c.N, c.O, oH, oW}, kFloat64);
        set_num_threads(1);
        const Grads ref = run(c, x, w, b, g, kFloat64);
        const Grads one = run(c, x, w, b, g, kFloat32);
        EXPECT_TRUE(allclose(one.y.to(kFloat64), ref.y, 1e-4, 1e-4));
        EXPECT_TRUE(allclose(one.gx.to(kFloat64), ref.gx, 1e-4, 1e-4));
        EXPECT_TRUE(allclose(one.gw.to(kFloat64), ref.gw, 1e-3, 1e-3));  // sums over N * oH * oW products
        EXPECT_TRUE(allclose(one.gb.to(kFloat64), ref.gb, 1e-3, 1e-3));
        // The own GEMM's results never depend on the thread count; with Eigen's, only in
        // deterministic mode (docs/reliability.md, "Determinism").
        const bool mode = !cpu::gemm_variant().f32_split_invariant;
        set_deterministic(mode);
        const Grads base = mode ? run(c, x, w, b, g, kFloat32) : one;
        for (int threads : {2, 3}) {
            set_num_threads(threads);
            const Grads more = run(c, x, w, b, g, kFloat32);
            EXPECT_TRUE(same_bits(more.y, base.y)) << threads << " threads";
            EXPECT_TRUE(same_bits(more.gx, base.gx)) << threads << " threads";
            EXPECT_TRUE(same_bits(more.gw, base.gw)) << threads << " threads";
            EXPECT_TRUE(same_bits(more.gb, base.gb)) << threads << " threads";
        }
        set_deterministic(false);
    }
    set_num_threads(saved);
}

TEST(Conv2dFloat32, WinogradRunsOnTheW5Shapes) {
    // The cases above compare whatever path runs; this says that Winograd is one of them where
    // the own GEMM is in use (and that the 1-channel first conv of W2 keeps im2col).
    if (!cpu::gemm_variant().f32_split_invariant) GTEST_SKIP() << "no AVX-512 GEMM: Winograd is off";
    ConvGeometry g;
    g.N = 9, g.C = 32, g.H = g.W = 14, g.O = 64, g.oH = g.oW = 14, g.kH = g.kW = 3, g.pH = g.pW = 1;
    EXPECT_TRUE(cpu::winograd_applies(g));
    g.C = 1;
    EXPECT_FALSE(cpu::winograd_applies(g));
    g.C = 32, g.sH = 2;
    EXPECT_FALSE(cpu::winograd_applies(g));
}

namespace {
// conv_transpose2d of float64 data in float32 and in float64, forward and every gradient,
// compared within float32 tolerances. g has the output's shape.
void expect_transposed_matches_float64(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& g,
                                       int64_t stride, int64_t padding, int64_t output_padding) {
    auto run_t = [&](DType dtype) {
        const Tensor xd = x.detach().to(dtype).requires_grad_(true), wd = w.detach().to(dtype).requires_grad_(true);
        const Tensor bd = b.detach().to(dtype).requires_grad_(true);
        Tensor y = conv_transpose2d(xd, wd, bd, stride, padding, output_padding);
        EXPECT_EQ(y.sizes(), g.sizes());
        y.backward(g.to(dtype));
        return Grads{y.detach(), xd.grad(), wd.grad(), bd.grad()};
    };
    const Grads ref = run_t(kFloat64), f32 = run_t(kFloat32);
    EXPECT_TRUE(allclose(f32.y.to(kFloat64), ref.y, 1e-4, 1e-4));
    EXPECT_TRUE(allclose(f32.gx.to(kFloat64), ref.gx, 1e-4, 1e-4));
    EXPECT_TRUE(allclose(f32.gw.to(kFloat64), ref.gw, 1e-3, 1e-3));
    EXPECT_TRUE(allclose(f32.gb.to(kFloat64), ref.gb, 1e-3, 1e-3));
}
}  // namespace

TEST(ConvTranspose2dFloat32, StrideOneRunsWinogradAndMatchesFloat64) {
    // conv_transpose2d's forward is conv2d's input gradient: with stride 1 and a 3x3 kernel it
    // goes through Winograd with the rotated filter (and its bias).
    manual_seed(29);
    const Tensor x = randn({3, 12, 9, 7}, kFloat64);
    const Tensor w = randn({12, 10, 3, 3}, kFloat64) * 0.3;
    const Tensor b = randn({10}, kFloat64);
    const Tensor g = randn({3, 10, 9, 7}, kFloat64);
    expect_transposed_matches_float64(x, w, b, g, /*stride=*/1, /*padding=*/1, /*output_padding=*/0);  // same size
}

TEST(ConvTranspose2dFloat32, GradientsMatchFloat64) {
    // conv_transpose2d runs conv2d's kernels with the roles swapped: forward = input gradient,
    // input gradient = forward, weight gradient with x and grad_y swapped.
    manual_seed(23);
    const Tensor x = randn({5, 12, 6, 7}, kFloat64);
    const Tensor w = randn({12, 9, 3, 3}, kFloat64) * 0.3;
    const Tensor b = randn({9}, kFloat64);
    const Tensor g = randn({5, 9, 12, 14}, kFloat64);  // (6 - 1) * 2 - 2 * 1 + (3 - 1) + 1 + 1 = 12, and 14
    expect_transposed_matches_float64(x, w, b, g, /*stride=*/2, /*padding=*/1, /*output_padding=*/1);
}
