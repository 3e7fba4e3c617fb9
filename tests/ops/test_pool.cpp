// test_pool.cpp — the 2-D pooling ops (src/ops/pool.cpp, kernels in src/cpu/pool.cpp), driven
// by option tables.
//
// The oracle is a set of naive float64 loops below: every output visits every kernel tap, tests
// each tap against the (padded) input bounds, and computes the output size from the formula in
// floating point. It shares nothing with the kernels' clipped tap ranges. Each row of the max
// and avg tables is checked for:
//   1. forward values (and max indices) vs the oracle in float64 and float32, batched
//      [2, 3, H, W] and unbatched [3, H, W];
//   2. a non-contiguous (NaN-interleaved) input giving the same result;
//   3. gradcheck in float64 with a random upstream gradient, on inputs whose values are a
//      scaled random permutation, so every window has a unique max (no kinks);
// plus gradgradcheck on a few rows (the backward of each pool is linear in grad_out and records
// its own node), node names, empty batches, NaN and -inf inputs, and every error message.
//
// Not here: the modules (tests/nn/test_pooling_modules.cpp); CPU vs CUDA parity (tests/parity).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

using Dims = std::vector<int64_t>;

// ---- inputs -----------------------------------------------------------------------------------
// A float64 tensor whose values are a random permutation of 0..n-1 scaled into [-1, 1): distinct
// values, at least 2/n apart, so every max is unique and far from a tie at gradcheck's eps.
Tensor distinct_values(const Dims& shape, uint32_t seed) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), 0.0);
    std::mt19937 gen(seed);
    std::shuffle(v.begin(), v.end(), gen);
    for (double& x : v) x = 2.0 * x / static_cast<double>(std::max<int64_t>(n, 1)) - 1.0;
    return tensor(v, kFloat64).reshape(shape);
}

// ---- the float64 oracle -----------------------------------------------------------------------
// PyTorch's documented output size, in floating point.
int64_t ref_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
    const double q = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
    int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(q) : std::floor(q)) + 1;
    if (ceil_mode && (out - 1) * s >= in + p) --out;  // the last window starts inside input or left pad
    return out;
}

struct PoolRef {
    Tensor values;   // float64
    Tensor indices;  // int64 (max pools only)
};

// x: [.., H, W] in any float dtype; planes are pooled independently.
struct Planes {
    std::vector<double> v;
    int64_t P, H, W;
    Dims lead;  // the dims before H, W
};
Planes planes_of(const Tensor& x) {
    Planes pl{x.to_vector<double>(), 1, x.size(-2), x.size(-1), {}};
    for (int64_t d = 0; d < x.dim() - 2; ++d) {
        pl.P *= x.size(d);
        pl.lead.push_back(x.size(d));
    }
    return pl;
}
Dims with_hw(Dims lead, int64_t h, int64_t w) {
    lead.push_back(h);
    lead.push_back(w);
    return lead;
}

PoolRef ref_max_pool(const Tensor& x, Dims k, Dims s, Dims p, Dims d, bool ceil_mode) {
    const Planes pl = planes_of(x);
    const int64_t OH = ref_out_size(pl.H, k[0], s[0], p[0], d[0], ceil_mode);
    const int64_t OW = ref_out_size(pl.W, k[1], s[1], p[1], d[1], ceil_mode);
    std::vector<double> out;
    std::vector<int64_t> idx;
    for (int64_t q = 0; q < pl.P; ++q)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                double best = -std::numeric_limits<double>::infinity();
                int64_t best_i = -1;
                for (int64_t kh = 0; kh < k[0]; ++kh)
                    for (int64_t kw = 0; kw < k[1]; ++kw) {
                        const int64_t ih = oh * s[0] - p[0] + kh * d[0], iw = ow * s[1] - p[1] + kw * d[1];
                        if (ih < 0 || ih >= pl.H || iw < 0 || iw >= pl.W) continue;  // padding never wins
                        const double v = pl.v[(q * pl.H + ih) * pl.W + iw];
                        if (best_i < 0 || v > best) {
                            best = v;
                            best_i = ih * pl.W + iw;
                        }
                    }
                out.push_back(best);
                idx.push_back(best_i);
            }
    const Dims shape = with_hw(pl.lead, OH, OW);
    return {tensor(out, kFloat64).reshape(shape), tensor(idx, kInt64).reshape(shape)};
}

// divisor: override; else the taps inside the padded input (count_include_pad); else the real ones.
Tensor ref_avg_pool(const Tensor& x, Dims k, Dims s, Dims p, bool ceil_mode, bool count_include_pad,
                    std::optional<int64_t> divisor_override) {
    const Planes pl = planes_of(x);
    const int64_t OH = ref_out_size(pl.H, k[0], s[0], p[0], 1, ceil_mode);
    const int64_t OW = ref_out_size(pl.W, k[1], s[1], p[1], 1, ceil_mode);
    std::vector<double> out;
    for (int64_t q = 0; q < pl.P; ++q)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                double sum = 0;
                int64_t real = 0, padded = 0;
                for (int64_t kh = 0; kh < k[0]; ++kh)
                    for (int64_t kw = 0; kw < k[1]; ++kw) {
                        const int64_t ih = oh * s[0] - p[0] + kh, iw = ow * s[1] - p[1] + kw;
                        if (ih >= -p[0] && ih < pl.H + p[0] && iw >= -p[1] && iw < pl.W + p[1]) ++padded;
                        if (ih < 0 || ih >= pl.H || iw < 0 || iw >= pl.W) continue;
                        sum += pl.v[(q * pl.H + ih) * pl.W + iw];
                        ++real;
                    }
                const double divisor = divisor_override ? static_cast<double>(*divisor_override)
                                       : count_include_pad ? static_cast<double>(padded)
                                                           : static_cast<double>(real);
                out.push_back(sum / divisor);
            }
    return tensor(out, kFloat64).reshape(with_hw(pl.lead, OH, OW));
}

// Adaptive windows: [floor(i * in / out), ceil((i + 1) * in / out)), computed in floating point.
PoolRef ref_adaptive(const Tensor& x, int64_t OH, int64_t OW, bool is_max) {
    const Planes pl = planes_of(x);
    auto start = [](int64_t i, int64_t in, int64_t out) { return static_cast<int64_t>(std::floor(double(i * in) / double(out))); };
    auto end = [](int64_t i, int64_t in, int64_t out) { return static_cast<int64_t>(std::ceil(double((i + 1) * in) / double(out))); };
    std::vector<double> out;
    std::vector<int64_t> idx;
    for (int64_t q = 0; q < pl.P; ++q)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                double sum = 0, best = 0;
                int64_t n = 0, best_i = -1;
                for (int64_t ih = start(oh, pl.H, OH); ih < end(oh, pl.H, OH); ++ih)
                    for (int64_t iw = start(ow, pl.W, OW); iw < end(ow, pl.W, OW); ++iw) {
                        const double v = pl.v[(q * pl.H + ih) * pl.W + iw];
                        sum += v;
                        ++n;
                        if (best_i < 0 || v > best) {
                            best = v;
                            best_i = ih * pl.W + iw;
                        }
                    }
                out.push_back(is_max ? best : sum / static_cast<double>(n));
                idx.push_back(best_i);
            }
    const Dims shape = with_hw(pl.lead, OH, OW);
    return {tensor(out, kFloat64).reshape(shape), tensor(idx, kInt64).reshape(shape)};
}

bool same_indices(const Tensor& a, const Tensor& b) {
    return a.dtype() == kInt64 && a.sizes() == b.sizes() && a.to_vector<int64_t>() == b.to_vector<int64_t>();
}

// ---- max_pool2d option table ----------------------------------------------------------------------
struct MaxCase {
    Dims kernel, stride, padding, dilation;
    bool ceil_mode;
    int64_t H, W;
};

const MaxCase kMaxCases[] = {
    //  kernel   stride   padding  dilation ceil   H  W
    {{2, 2}, {2, 2}, {0, 0}, {1, 1}, false, 6, 6},   // the CNN's pool
    {{2, 2}, {2, 2}, {0, 0}, {1, 1}, false, 5, 7},   // odd sizes drop the last row / column
    {{2, 2}, {2, 2}, {0, 0}, {1, 1}, true, 5, 7},    // ceil_mode keeps a partial window
    {{3, 3}, {2, 2}, {1, 1}, {1, 1}, false, 7, 7},   // ResNet's stem pool
    {{3, 3}, {2, 2}, {1, 1}, {1, 1}, true, 6, 5},
    {{2, 2}, {2, 2}, {1, 1}, {1, 1}, true, 5, 5},    // ceil_mode's last window would start in the right pad: dropped
    {{3, 3}, {1, 1}, {0, 0}, {1, 1}, false, 5, 6},
    {{3, 3}, {1, 1}, {1, 1}, {1, 1}, false, 4, 5},   // overlapping windows: one element chosen twice
    {{2, 2}, {1, 1}, {1, 1}, {1, 1}, true, 5, 5},
    {{3, 2}, {2, 1}, {1, 0}, {1, 1}, false, 7, 5},   // rectangular everything
    {{2, 2}, {1, 1}, {0, 0}, {2, 2}, false, 6, 7},   // dilation
    {{3, 3}, {2, 2}, {2, 1}, {2, 1}, true, 7, 6},    // padding up to half the dilated kernel
    {{3, 3}, {3, 3}, {1, 1}, {1, 1}, true, 7, 5},
    {{1, 1}, {2, 2}, {0, 0}, {1, 1}, false, 5, 5},   // subsampling
};

std::string describe(const MaxCase& c) {
    return "kernel " + shape_str(c.kernel) + " stride " + shape_str(c.stride) + " padding " + shape_str(c.padding) +
           " dilation " + shape_str(c.dilation) + (c.ceil_mode ? " ceil" : " floor") + " H " +
           std::to_string(c.H) + " W " + std::to_string(c.W);
}

TEST(MaxPool2d, ForwardMatchesReference) {
    uint32_t seed = 1;
    for (const MaxCase& c : kMaxCases) {
        SCOPED_TRACE(describe(c));
        for (const Dims& shape : {Dims{2, 3, c.H, c.W}, Dims{3, c.H, c.W}}) {
            const Tensor x = distinct_values(shape, seed++);
            const PoolRef ref = ref_max_pool(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
            auto [values, indices] = max_pool2d_with_indices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
            EXPECT_TRUE(allclose(values, ref.values, 0, 0));
            EXPECT_TRUE(same_indices(indices, ref.indices));
            // float32: the max is one of the inputs, so exact after rounding the input.
            const Tensor x32 = x.to(kFloat32);
            auto [v32, i32] = max_pool2d_with_indices(x32, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
            EXPECT_EQ(v32.dtype(), kFloat32);
            EXPECT_TRUE(allclose(v32, ref.values, 1e-7, 1e-7));
            EXPECT_TRUE(same_indices(i32, ref.indices));
            // non-contiguous input: same values and indices (NaN fillers would win a max).
            auto [vn, in] = max_pool2d_with_indices(noncontiguous_like(x), c.kernel, c.stride, c.padding, c.dilation,
                                                    c.ceil_mode);
            EXPECT_TRUE(allclose(vn, ref.values, 0, 0));
            EXPECT_TRUE(same_indices(in, ref.indices));
        }
    }
}

TEST(MaxPool2d, Gradcheck) {
    uint32_t seed = 100;
    for (const MaxCase& c : kMaxCases) {
        SCOPED_TRACE(describe(c));
        const Tensor x = distinct_values({2, 2, c.H, c.W}, seed++).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok(
            [&](const std::vector<Tensor>& in) {
                return max_pool2d(in[0], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
            },
            {x}));
    }
    // and through a non-contiguous leaf
    const MaxCase& c = kMaxCases[3];
    const Tensor xn = noncontiguous_like(distinct_values({1, 2, c.H, c.W}, 7)).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return max_pool2d(in[0], 3, 2, 1); }, {xn}));
}

TEST(MaxPool2d, GradientGoesToTheChosenElements) {
    // Overlapping windows (kernel 3, stride 1, padding 1) choose the global max 9 times at most:
    // its gradient is the sum of the upstream gradients of every window that chose it.
    const Tensor x = distinct_values({1, 1, 4, 5}, 3).requires_grad_(true);
    auto [values, indices] = max_pool2d_with_indices(x, 3, 1, 1);
    const Tensor g = distinct_values({1, 1, 4, 5}, 4);
    values.backward(g);
    std::vector<double> expected(20, 0.0);
    const std::vector<int64_t> idx = indices.to_vector<int64_t>();
    const std::vector<double> gv = g.to_vector<double>();
    for (size_t o = 0; o < idx.size(); ++o) expected[idx[o]] += gv[o];
    EXPECT_TRUE(allclose(x.grad(), tensor(expected, kFloat64).reshape({1, 1, 4, 5}), 0, 1e-15));
    EXPECT_STREQ(values.grad_fn()->name(), "MaxPool2DWithIndicesBackward0");
}

TEST(MaxPool2d, DoubleBackward) {
    for (int i : {0, 3, 6, 10}) {
        const MaxCase& c = kMaxCases[i];
        SCOPED_TRACE(describe(c));
        const Tensor x = distinct_values({1, 2, c.H, c.W}, 50 + i).requires_grad_(true);
        EXPECT_TRUE(gradgradcheck_ok(
            [&](const std::vector<Tensor>& in) {
                return max_pool2d(in[0], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
            },
            {x}));
    }
    // The backward of the backward is a gather: its node has PyTorch's name.
    const Tensor x = distinct_values({1, 1, 4, 4}, 9).requires_grad_(true);
    const Tensor g = ones({1, 1, 2, 2}, kFloat64).requires_grad_(true);
    const Tensor y = max_pool2d(x, 2);
    const std::vector<Tensor> gx = grad({y}, {x}, {g}, /*retain_graph=*/true, /*create_graph=*/true);
    ASSERT_TRUE(gx[0].grad_fn() != nullptr);
    EXPECT_STREQ(gx[0].grad_fn()->name(), "MaxPool2DWithIndicesBackwardBackward0");
}

TEST(MaxPool2d, NanAndInfinity) {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const Tensor x = tensor({1.0, nan, 3.0, 2.0, -inf, -inf, -inf, -inf, nan, 5.0, nan, 2.0}, kFloat64).reshape({1, 3, 2, 2});
    for (DType dtype : {kFloat64, kFloat32}) {
        auto [values, indices] = max_pool2d_with_indices(x.to(dtype), 2);
        const std::vector<double> v = values.to_vector<double>();
        EXPECT_TRUE(std::isnan(v[0]));  // a NaN wins, as in PyTorch
        EXPECT_EQ(v[1], -inf);          // all -inf: -inf at the first element
        EXPECT_TRUE(std::isnan(v[2]));
        EXPECT_EQ(indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));  // the last NaN, as PyTorch's loop
        auto [av, ai] = adaptive_max_pool2d(x.to(dtype), 1);
        EXPECT_EQ(ai.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));
    }
}

TEST(MaxPool2d, DefaultsAndEmptyBatch) {
    const Tensor x = distinct_values({2, 3, 8, 8}, 11);
    EXPECT_TRUE(allclose(max_pool2d(x, 2), max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false), 0, 0));
    EXPECT_EQ(max_pool2d(x, 3, 1).sizes(), IntArrayRef({2, 3, 6, 6}));
    const Tensor empty = zeros({0, 3, 8, 8});
    EXPECT_EQ(max_pool2d(empty, 2).sizes(), IntArrayRef({0, 3, 4, 4}));
    // and a float32 run large enough to use several threads
    const Tensor big = distinct_values({4, 16, 28, 28}, 12);
    const PoolRef ref = ref_max_pool(big, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false);
    auto [v, i] = max_pool2d_with_indices(big.to(kFloat32), 2);
    EXPECT_TRUE(allclose(v, ref.values, 1e-7, 1e-7));
    EXPECT_TRUE(same_indices(i, ref.indices));
}

// ---- avg_pool2d option table ----------------------------------------------------------------------
struct AvgCase {
    Dims kernel, stride, padding;
    bool ceil_mode, count_include_pad;
    std::optional<int64_t> divisor_override;
    int64_t H, W;
};

const AvgCase kAvgCases[] = {
    //  kernel   stride   padding  ceil   incl_pad divisor       H  W
    {{2, 2}, {2, 2}, {0, 0}, false, true, std::nullopt, 6, 6},
    {{2, 2}, {2, 2}, {0, 0}, false, true, std::nullopt, 5, 7},
    {{2, 2}, {2, 2}, {0, 0}, true, true, std::nullopt, 5, 7},    // partial windows past the end
    {{2, 2}, {2, 2}, {0, 0}, true, false, std::nullopt, 5, 7},
    {{3, 3}, {2, 2}, {1, 1}, false, true, std::nullopt, 7, 7},   // padding counts in the divisor
    {{3, 3}, {2, 2}, {1, 1}, false, false, std::nullopt, 7, 7},  // ... or not
    {{3, 3}, {2, 2}, {1, 1}, true, true, std::nullopt, 6, 6},    // the ceil window clipped at H + pad
    {{3, 3}, {2, 2}, {1, 1}, true, false, std::nullopt, 6, 5},
    {{3, 3}, {1, 1}, {1, 1}, false, true, std::nullopt, 4, 5},
    {{2, 2}, {1, 1}, {1, 1}, true, true, std::nullopt, 5, 5},
    {{3, 2}, {2, 1}, {1, 0}, true, true, std::nullopt, 7, 5},
    {{3, 3}, {3, 3}, {1, 1}, true, true, std::nullopt, 7, 5},
    {{3, 3}, {2, 2}, {1, 1}, false, true, 4, 7, 7},               // divisor_override
    {{2, 2}, {2, 2}, {1, 1}, true, false, -3, 5, 5},
};

std::string describe(const AvgCase& c) {
    return "kernel " + shape_str(c.kernel) + " stride " + shape_str(c.stride) + " padding " + shape_str(c.padding) +
           (c.ceil_mode ? " ceil" : " floor") + (c.count_include_pad ? " include_pad" : " exclude_pad") +
           (c.divisor_override ? " divisor " + std::to_string(*c.divisor_override) : "") + " H " +
           std::to_string(c.H) + " W " + std::to_string(c.W);
}

Tensor run_avg(const Tensor& x, const AvgCase& c) {
    return avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad, c.divisor_override);
}

TEST(AvgPool2d, ForwardMatchesReference) {
    uint32_t seed = 200;
    for (const AvgCase& c : kAvgCases) {
        SCOPED_TRACE(describe(c));
        for (const Dims& shape : {Dims{2, 3, c.H, c.W}, Dims{3, c.H, c.W}}) {
            const Tensor x = distinct_values(shape, seed++);
            const Tensor ref =
                ref_avg_pool(x, c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad, c.divisor_override);
            EXPECT_TRUE(allclose(run_avg(x, c), ref, 1e-12, 1e-12));
            EXPECT_TRUE(allclose(run_avg(x.to(kFloat32), c), ref, 1e-5, 1e-6));
            EXPECT_TRUE(allclose(run_avg(noncontiguous_like(x), c), ref, 1e-12, 1e-12));
        }
    }
}

TEST(AvgPool2d, Gradcheck) {
    uint32_t seed = 300;
    for (const AvgCase& c : kAvgCases) {
        SCOPED_TRACE(describe(c));
        const Tensor x = distinct_values({2, 2, c.H, c.W}, seed++).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return run_avg(in[0], c); }, {x}));
    }
}

TEST(AvgPool2d, DoubleBackwardAndNames) {
    for (int i : {2, 5, 6, 12}) {
        const AvgCase& c = kAvgCases[i];
        SCOPED_TRACE(describe(c));
        const Tensor x = distinct_values({1, 2, c.H, c.W}, 400 + i).requires_grad_(true);
        EXPECT_TRUE(gradgradcheck_ok([&](const std::vector<Tensor>& in) { return run_avg(in[0], c); }, {x}));
    }
    const Tensor x = distinct_values({1, 1, 4, 4}, 9).requires_grad_(true);
    const Tensor y = avg_pool2d(x, 2);
    EXPECT_STREQ(y.grad_fn()->name(), "AvgPool2DBackward0");
    const Tensor g = ones({1, 1, 2, 2}, kFloat64).requires_grad_(true);
    const std::vector<Tensor> gx = grad({y}, {x}, {g}, true, true);
    EXPECT_STREQ(gx[0].grad_fn()->name(), "AvgPool2DBackwardBackward0");
    EXPECT_TRUE(allclose(gx[0], full({1, 1, 4, 4}, 0.25, kFloat64), 0, 1e-15));
}

TEST(AvgPool2d, HandComputedDivisors) {
    // 3x3 input of ones, kernel 2, stride 2, padding 1: every window holds one to four ones and
    // one to three padded zeros. count_include_pad divides by 4, otherwise by the real count.
    const Tensor x = ones({1, 1, 3, 3}, kFloat64);
    EXPECT_TRUE(allclose(avg_pool2d(x, 2, 2, 1), tensor({0.25, 0.5, 0.5, 1.0}, kFloat64).reshape({1, 1, 2, 2})));
    EXPECT_TRUE(allclose(avg_pool2d(x, 2, 2, 1, false, false), ones({1, 1, 2, 2}, kFloat64)));
    // ceil_mode on 5 with kernel 2 stride 2: the last window holds only x[4] and no padding, so
    // it divides by 1 even with count_include_pad.
    const Tensor r = arange(0, 5, 1, kFloat64).reshape({1, 1, 1, 5});
    EXPECT_TRUE(allclose(avg_pool2d(r, {1, 2}, {1, 2}, 0, true), tensor({0.5, 2.5, 4.0}, kFloat64).reshape({1, 1, 1, 3})));
    EXPECT_TRUE(allclose(avg_pool2d(r, {1, 2}, {1, 2}, 0, false, true, 3), tensor({1.0 / 3, 5.0 / 3}, kFloat64).reshape({1, 1, 1, 2})));
}

// ---- adaptive pools ---------------------------------------------------------------------------
struct AdaptiveCase {
    int64_t H, W, OH, OW;
};
const AdaptiveCase kAdaptiveCases[] = {
    {7, 7, 3, 3},  // windows overlap where 3 does not divide 7
    {5, 5, 2, 2},
    {7, 5, 3, 2},
    {6, 6, 1, 1},  // global pooling
    {4, 4, 4, 4},  // identity
    {3, 2, 5, 4},  // more outputs than inputs: windows repeat elements
    {8, 6, 4, 3},  // divides: plain non-overlapping windows
};

TEST(AdaptivePool2d, ForwardMatchesReference) {
    uint32_t seed = 500;
    for (const AdaptiveCase& c : kAdaptiveCases) {
        SCOPED_TRACE(std::to_string(c.H) + "x" + std::to_string(c.W) + " -> " + std::to_string(c.OH) + "x" +
                     std::to_string(c.OW));
        for (const Dims& shape : {Dims{2, 3, c.H, c.W}, Dims{3, c.H, c.W}}) {
            const Tensor x = distinct_values(shape, seed++);
            const PoolRef avg = ref_adaptive(x, c.OH, c.OW, false);
            const PoolRef mx = ref_adaptive(x, c.OH, c.OW, true);
            EXPECT_TRUE(allclose(adaptive_avg_pool2d(x, {c.OH, c.OW}), avg.values, 1e-12, 1e-12));
            EXPECT_TRUE(allclose(adaptive_avg_pool2d(noncontiguous_like(x), {c.OH, c.OW}), avg.values, 1e-12, 1e-12));
            EXPECT_TRUE(allclose(adaptive_avg_pool2d(x.to(kFloat32), {c.OH, c.OW}), avg.values, 1e-5, 1e-6));
            auto [v, i] = adaptive_max_pool2d(x, {c.OH, c.OW});
            EXPECT_TRUE(allclose(v, mx.values, 0, 0));
            EXPECT_TRUE(same_indices(i, mx.indices));
            auto [vn, in] = adaptive_max_pool2d(noncontiguous_like(x), {c.OH, c.OW});
            EXPECT_TRUE(allclose(vn, mx.values, 0, 0));
            EXPECT_TRUE(same_indices(in, mx.indices));
        }
    }
    // One value means a square output.
    const Tensor x = distinct_values({2, 3, 7, 7}, 1);
    EXPECT_TRUE(allclose(adaptive_avg_pool2d(x, 3), adaptive_avg_pool2d(x, {3, 3}), 0, 0));
}

TEST(AdaptivePool2d, GradcheckAndDoubleBackward) {
    uint32_t seed = 600;
    for (const AdaptiveCase& c : kAdaptiveCases) {
        SCOPED_TRACE(std::to_string(c.H) + "x" + std::to_string(c.W) + " -> " + std::to_string(c.OH) + "x" +
                     std::to_string(c.OW));
        const Tensor x = distinct_values({2, 2, c.H, c.W}, seed++).requires_grad_(true);
        auto avg = [&](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], {c.OH, c.OW}); };
        auto mx = [&](const std::vector<Tensor>& in) { return std::get<0>(adaptive_max_pool2d(in[0], {c.OH, c.OW})); };
        EXPECT_TRUE(gradcheck_ok(avg, {x}));
        EXPECT_TRUE(gradcheck_ok(mx, {x}));
        EXPECT_TRUE(gradgradcheck_ok(avg, {x}));
        EXPECT_TRUE(gradgradcheck_ok(mx, {x}));
    }
    const Tensor x = distinct_values({1, 2, 5, 5}, 3).requires_grad_(true);
    EXPECT_STREQ(adaptive_avg_pool2d(x, 2).grad_fn()->name(), "AdaptiveAvgPool2DBackward0");
    EXPECT_STREQ(std::get<0>(adaptive_max_pool2d(x, 2)).grad_fn()->name(), "AdaptiveMaxPool2DBackward0");
}

// ---- errors ---------------------------------------------------------------------------------
TEST(Pool2d, Errors) {
    const Tensor x = zeros({1, 1, 4, 4});
    EXPECT_ERROR(max_pool2d(zeros({4, 4}), 2), "max_pool2d", "Expected 3D or 4D (batch mode) tensor", "[4, 4]");
    EXPECT_ERROR(max_pool2d(zeros({1, 1, 1, 4, 4}), 2), "max_pool2d", "[1, 1, 1, 4, 4]");
    EXPECT_ERROR(max_pool2d(zeros({1, 0, 4, 4}), 2), "max_pool2d", "[1, 0, 4, 4]");
    EXPECT_ERROR(avg_pool2d(zeros({4}), 2), "avg_pool2d", "Expected 3D or 4D");
    EXPECT_ERROR(max_pool2d(x, 0), "max_pool2d", "kernel size should be greater than zero, but got kH: 0 kW: 0");
    EXPECT_ERROR(max_pool2d(x, 2, 0), "max_pool2d", "stride should be greater than zero, but got dH: 0 dW: 0");
    EXPECT_ERROR(max_pool2d(x, 2, {1, -1}), "stride should be greater than zero, but got dH: 1 dW: -1");
    EXPECT_ERROR(max_pool2d(x, 2, 2, 0, 0), "dilation should be greater than zero");
    EXPECT_ERROR(max_pool2d(x, 2, 2, -1), "max_pool2d", "pad must be non-negative");
    EXPECT_ERROR(max_pool2d(x, 2, 2, 2), "max_pool2d",
                 "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1");
    EXPECT_ERROR(max_pool2d(x, 3, 1, 2), "pad should be at most half of effective kernel size");
    EXPECT_NO_THROW(max_pool2d(x, 3, 1, 2, 2));  // dilation 2 makes the effective kernel 5
    // Taps -1 and 2 of a 2-wide input: a window of padding only (its index would be outside the plane).
    EXPECT_ERROR(max_pool2d(zeros({1, 1, 2, 2}), 2, 2, 1, 3), "max_pool2d", "window of output row 0 covers only padding",
                 "dilation=3");
    EXPECT_ERROR(max_pool2d(zeros({1, 1, 5, 2}), 2, 2, {0, 1}, 3), "window of output column 0 covers only padding");
    EXPECT_ERROR(avg_pool2d(x, 3, 1, 2), "avg_pool2d", "pad should be at most half");
    EXPECT_ERROR(max_pool2d(zeros({1, 2, 2}), 3), "max_pool2d",
                 "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small");
    EXPECT_ERROR(avg_pool2d(zeros({2, 1, 2, 5}), 3), "avg_pool2d", "Output size is too small");
    EXPECT_ERROR(max_pool2d(x, {1, 2, 3}), "max_pool2d", "kernel_size must either be a single int, or a tuple of two ints");
    EXPECT_ERROR(max_pool2d(x, 2, {1, 1, 1}), "stride must either be omitted, a single int, or a tuple of two ints");
    EXPECT_ERROR(max_pool2d(x, 2, 2, {0, 0, 0}), "padding must either be a single int, or a tuple of two ints");
    EXPECT_ERROR(max_pool2d(x, 2, 2, 0, {1, 1, 1}), "dilation must be either a single int, or a tuple of two ints");
    EXPECT_ERROR(avg_pool2d(x, 2, 2, 0, false, true, 0), "avg_pool2d", "divisor must be not zero");
    EXPECT_ERROR(max_pool2d(zeros({1, 1, 4, 4}, kInt64), 2), "max_pool2d");
    EXPECT_ERROR(adaptive_avg_pool2d(zeros({4, 4}), 2), "adaptive_avg_pool2d", "Expected 3D or 4D tensor, but got [4, 4]");
    EXPECT_ERROR(adaptive_max_pool2d(zeros({1, 0, 4}), 2), "adaptive_max_pool2d",
                 "Expected input to have non-zero size for non-batch dimensions", "[1, 0, 4]");
    EXPECT_ERROR(adaptive_avg_pool2d(x, {1, 2, 3}), "adaptive_avg_pool2d", "output_size must be 2");
    EXPECT_ERROR(adaptive_avg_pool2d(x, {-1, 2}), "elements of output_size must be greater than or equal to 0");
}

// The 2x2 stride-2 fast path (Note [max_pool2d 2x2 fast path] in src/cpu/pool.cpp) against a
// naive loop with PyTorch's rule: a tap wins when larger or NaN, from -inf at the first in-bounds
// tap. Values come from {-inf, -1, 0, 1, NaN} so windows are full of ties and NaNs; odd H / W
// drop (floor) or keep as partial windows (ceil_mode) the last row / column; widths give rows
// of 1 to 14 outputs, so whole SIMD blocks, a redone ragged end and the scalar loop all run.
TEST(MaxPool2d, FastPath2x2MatchesPyTorchRuleWithTiesAndNans) {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const double pool[] = {-inf, -1.0, 0.0, 1.0, nan};
    std::mt19937 gen(2024);
    std::uniform_int_distribution<int> pick(0, 4);
    for (const auto& [H, W] : std::vector<std::pair<int64_t, int64_t>>{{6, 8}, {7, 8}, {6, 9}, {7, 9}, {3, 5}, {5, 6}, {4, 14}, {5, 3}, {28, 28}}) {
        for (bool ceil_mode : {false, true}) {
            SCOPED_TRACE("H " + std::to_string(H) + " W " + std::to_string(W) + (ceil_mode ? " ceil" : " floor"));
            const int64_t P = 3 * 5;
            std::vector<double> v(P * H * W);
            for (double& e : v) e = pool[pick(gen)];
            const int64_t OH = ref_out_size(H, 2, 2, 0, 1, ceil_mode), OW = ref_out_size(W, 2, 2, 0, 1, ceil_mode);
            std::vector<double> want_v;
            std::vector<int64_t> want_i;
            for (int64_t q = 0; q < P; ++q)
                for (int64_t oh = 0; oh < OH; ++oh)
                    for (int64_t ow = 0; ow < OW; ++ow) {
                        double best = -inf;
                        int64_t best_i = -1;
                        for (int64_t ih = 2 * oh; ih < std::min(2 * oh + 2, H); ++ih)
                            for (int64_t iw = 2 * ow; iw < std::min(2 * ow + 2, W); ++iw) {
                                const double e = v[(q * H + ih) * W + iw];
                                if (best_i < 0) best_i = ih * W + iw;
                                if (e > best || std::isnan(e)) {
                                    best = e;
                                    best_i = ih * W + iw;
                                }
                            }
                        want_v.push_back(best);
                        want_i.push_back(best_i);
                    }
            const Tensor x = tensor(v, kFloat64).reshape({3, 5, H, W});
            for (DType dtype : {kFloat64, kFloat32}) {
                auto [values, indices] = max_pool2d_with_indices(x.to(dtype), {2, 2}, {2, 2}, {0, 0}, {1, 1}, ceil_mode);
                ASSERT_EQ(values.sizes(), (Dims{3, 5, OH, OW}));
                EXPECT_EQ(indices.to_vector<int64_t>(), want_i);
                const std::vector<double> got = values.to_vector<double>();
                for (size_t o = 0; o < got.size(); ++o) {
                    EXPECT_EQ(std::isnan(got[o]), std::isnan(want_v[o])) << o;
                    if (!std::isnan(want_v[o])) EXPECT_EQ(got[o], want_v[o]) << o;
                }
                // Backward (Note [max_pool2d 2x2 backward]): each gradient lands on its window's
                // chosen element, the rest of the plane (odd edges included) is 0.
                Tensor xg = x.to(dtype).detach().clone().requires_grad_();  // a fresh leaf, not x
                const Tensor g = (rand({3, 5, OH, OW}, TensorOptions(kFloat64)) + 0.5).to(dtype);
                max_pool2d(xg, {2, 2}, {2, 2}, {0, 0}, {1, 1}, ceil_mode).backward(g);
                std::vector<double> want_g(v.size(), 0.0);
                const std::vector<double> gv = g.to_vector<double>();
                for (int64_t q = 0; q < P; ++q)
                    for (int64_t o = 0; o < OH * OW; ++o) want_g[q * H * W + want_i[q * OH * OW + o]] += gv[q * OH * OW + o];
                EXPECT_EQ(xg.grad().to_vector<double>(), want_g);
            }
        }
    }
}

}  // namespace
}  // namespace tinydl
