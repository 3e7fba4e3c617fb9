// conv.cpp — CPU convolution kernels: im2col/col2im and the three GEMMs of a convolution.
//
// What this is: convolution lowered to matrix products, as Caffe and PyTorch's CPU "slow"
// path do. im2col copies, for one image, every kH x kW patch the kernel visits into one column
// of a matrix cols [K, L] (K = Cg*kH*kW, L = oH*oW); then
//   forward       y[n]   [Og, L] = w      [Og, K] x cols   [K, L]     (per group)
//   input grad    cols   [K, L]  = w^T    [K, Og] x grad_y [Og, L],  grad_x[n] = col2im(cols)
//   weight grad   grad_w [Og, K] += grad_y [Og, L] x cols^T [L, K]    (summed over n)
// Each image is one task for parallel_for, with a column buffer per thread (never a whole
// [N, K, L] tensor). A 1x1 kernel with stride 1 and no padding needs no im2col: the image is
// its own column matrix. With the own AVX-512 GEMM (float32, groups = 1) the weight gradient
// is split by output slabs instead, and the forward's bias is added inside the GEMM (Note
// [Convolution GEMMs]).
// What it is not: Winograd, FFT or a direct (register-blocked) convolution; no NHWC layout.
// The naive 7-loop convolution every result is checked against is conv2d_reference in
// tests/ops/test_conv.cpp; docs/convolution.md draws the picture.
//
// Dimension legend: see conv.h.
#include "src/cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "src/cpu/conv_winograd.h"
#include "src/cpu/gemm.h"
#include "tinydl/determinism.h"
#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

template <typename T> GemmFn<T> gemm_for() {
    if constexpr (std::is_same_v<T, float>)
        return gemm_variant().f32;
    else
        return gemm_variant().f64;
}

// The output columns j whose input column j*s + off lies inside [0, W): [lo, hi).
struct Span {
    int64_t lo, hi;
};
inline Span valid_span(int64_t off, int64_t s, int64_t W, int64_t oW) {
    int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t hi = W - off <= 0 ? 0 : (W - off - 1) / s + 1;
    lo = std::min(lo, oW);
    hi = std::clamp(hi, lo, oW);
    return {lo, hi};
}

// A 1x1 kernel, stride 1, no padding: cols is the image itself ([C, H*W]).
bool is_pointwise(const ConvGeometry& g) {
    return g.kH == 1 && g.kW == 1 && g.sH == 1 && g.sW == 1 && g.pH == 0 && g.pW == 0 && g.oH == g.H &&
           g.oW == g.W;
}

// Rows [r0, r1) of an image's column matrix, row r = (c, kh, kw) written at cols + (r - r0) * ld
// (ld >= L: several images' columns can sit side by side in one wider matrix). One output row
// i at a time: the input row it reads is fixed, and along j the reads are a strided run of
// that row with zeros at either end (the padding).
template <typename T>
void im2col_rows(T* cols, int64_t ld, const T* x, const ConvGeometry& g, int64_t r0, int64_t r1) {
    // Stride 1 with the output as wide as the input (a "same" 3x3 conv): row r is the image
    // plane shifted by (dh, dw) with zeros shifted in. Row-major, that is one contiguous copy
    // src[t + dh*W + dw] -> dst[t] over the output rows that land inside the image, then
    // zeroing the |dw| columns that wrapped around from the neighbouring row: one memcpy per
    // row of cols instead of one per output row (14 floats each at 14x14).
    const bool shifted_plane = g.sH == 1 && g.sW == 1 && g.dW == 1 && g.oW == g.W;
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t c = r / (g.kH * g.kW), kh = r / g.kW % g.kH, kw = r % g.kW;
        T* row = cols + (r - r0) * ld;
        if (shifted_plane) {
            const int64_t W = g.W, dh = kh * g.dH - g.pH, dw = kw - g.pW;
            const int64_t i_lo = std::clamp<int64_t>(-dh, 0, g.oH), i_hi = std::clamp<int64_t>(g.H - dh, i_lo, g.oH);
            const T* plane = x + c * g.H * W;
            std::fill(row, row + i_lo * W, T(0));
            std::fill(row + i_hi * W, row + g.oH * W, T(0));
            if (i_hi > i_lo) {
                // [t0, t1) excludes the first / last entries that would read before / after the
                // plane: they are wrapped-around columns, zeroed below anyway.
                const int64_t t0 = i_lo * W + std::max<int64_t>(0, -dw), t1 = i_hi * W - std::max<int64_t>(0, dw);
                if (t1 > t0) std::copy(plane + t0 + dh * W + dw, plane + t1 + dh * W + dw, row + t0);
                for (int64_t i = i_lo; i < i_hi; ++i) {
                    for (int64_t j = 0; j < -dw && j < W; ++j) row[i * W + j] = T(0);      // columns left of the image
                    for (int64_t j = std::max<int64_t>(W - dw, 0); j < W; ++j) row[i * W + j] = T(0);  // right of it
                }
            }
            continue;
        }
        const int64_t col_off = kw * g.dW - g.pW;
        const Span span = valid_span(col_off, g.sW, g.W, g.oW);
        for (int64_t i = 0; i < g.oH; ++i) {
            T* dst = row + i * g.oW;
            const int64_t ih = i * g.sH - g.pH + kh * g.dH;
            if (ih < 0 || ih >= g.H) {
                std::fill(dst, dst + g.oW, T(0));
                continue;
            }
            const T* src = x + (c * g.H + ih) * g.W + col_off;  // src[j * sW] = x[c, ih, iw]
            std::fill(dst, dst + span.lo, T(0));
            if (g.sW == 1)
                std::copy(src + span.lo, src + span.hi, dst + span.lo);
            else
                for (int64_t j = span.lo; j < span.hi; ++j) dst[j] = src[j * g.sW];
            std::fill(dst + span.hi, dst + g.oW, T(0));
        }
    }
}

// The same walk as im2col with the arrow reversed: x[c, ih, iw] += cols[r, i, j], row r at
// cols + r * ld. Entries that im2col filled with padding zeros have no pixel to go to and are
// dropped.
template <typename T> void col2im_ld(T* x, const T* cols, int64_t ld, const ConvGeometry& g) {
    for (int64_t c = 0; c < g.C; ++c)
        for (int64_t kh = 0; kh < g.kH; ++kh)
            for (int64_t kw = 0; kw < g.kW; ++kw) {
                const T* row = cols + ((c * g.kH + kh) * g.kW + kw) * ld;
                const int64_t col_off = kw * g.dW - g.pW;
                const Span span = valid_span(col_off, g.sW, g.W, g.oW);
                for (int64_t i = 0; i < g.oH; ++i) {
                    const int64_t ih = i * g.sH - g.pH + kh * g.dH;
                    if (ih < 0 || ih >= g.H) continue;
                    const T* src = row + i * g.oW;
                    T* dst = x + (c * g.H + ih) * g.W + col_off;
                    if (g.sW == 1)  // a plain run: the compiler vectorises this one
                        for (int64_t j = span.lo; j < span.hi; ++j) dst[j] += src[j];
                    else
                        for (int64_t j = span.lo; j < span.hi; ++j) dst[j * g.sW] += src[j];
                }
            }
}

}  // namespace

template <typename T> void im2col(T* cols, const T* x, const ConvGeometry& g) {
    im2col_rows(cols, g.L(), x, g, 0, g.C * g.kH * g.kW);
}

template <typename T> void col2im(T* x, const T* cols, const ConvGeometry& g) { col2im_ld(x, cols, g.L(), g); }

template void im2col<float>(float*, const float*, const ConvGeometry&);
template void im2col<double>(double*, const double*, const ConvGeometry&);
template void col2im<float>(float*, const float*, const ConvGeometry&);
template void col2im<double>(double*, const double*, const ConvGeometry&);

namespace {

// A per-thread scratch buffer that keeps its memory between calls: a fresh multi-MiB
// std::vector per call would page-fault its way through new memory every training step.
template <typename T> T* scratch(int which, size_t n) {
    static thread_local std::vector<T> buffers[2];
    std::vector<T>& b = buffers[which];
    if (b.size() < n) b.resize(n);
    return b.data();
}

// Note [Convolution GEMMs]: the forward and the input gradient run one GEMM per image (and
// group), images spread over the threads. conv 32->64 at 14x14 multiplies [64, 288] x
// [288, 196]: 196 columns are four 48-wide register tiles of the own GEMM and 4 columns over,
// which its 16-wide edge kernel covers (94% of the lanes used). An earlier version put the
// columns of 3 images side by side in one [288, 588] product to fill the tiles, and paid a
// copy of every output back into the images' blocks; the edge kernels made that unnecessary.
// The forward's bias rides along in the GEMM's store (GemmVariant::f32_row_bias) where the
// variant has it, so the output is written once.
//
// The weight gradient sums over images, so it is split differently: with the own GEMM
// (f32_split_invariant, groups = 1) its output [O, K] is cut into column (or row) slabs, one
// per thread, each summing all images in order, so its bits do not depend on the thread count
// and need no partial buffers (weight_grad_slabs); otherwise into per-thread image ranges
// whose partial sums are added in order (weight_grad_impl).
bool use_slab_weight_grad(const ConvGeometry& g) { return g.groups == 1 && gemm_variant().f32_split_invariant; }

// grad_w [O, K] = sum_n grad_y[n] [O, L] x cols(x[n])^T [L, K], image by image in order. Three
// ways to run each image's product, whichever fills the GEMM's register tiles (kMR x kNR) best:
//   direct      grad_w [O, K] (+)= grad_y [O, L] x cols^T [L, K]
//   transposed  grad_w^T [K, O] (+)= cols [K, L] x grad_y^T [L, O], transposed into grad_w at the end
//   dot         one dot product of length L per entry (f32_dot), for results too small for any
//               tile: conv 1->32 has K = 9, O = 32, which fill a 8 x 48 tile at best 37%
// Threads take slabs of the sum's columns (or rows, when there are too few columns), each over
// every image in order: the thread count never changes the bits, and no partial sums are kept.
// gb != nullptr asks for the bias gradient too; returns whether it was written (the dot-product
// form only: one more column of ones in cols makes each image's bias term one more dot product,
// so grad_y is read once for both gradients).
bool weight_grad_slabs(float* gw, float* gb, const float* gy, const float* x, const ConvGeometry& g) {
    const GemmVariant& v = gemm_variant();
    const int64_t L = g.L(), K = g.K(), O = g.O, CHW = g.C * g.H * g.W;
    const auto fill = [](int64_t n, int64_t tile) {  // the share of tiles' lanes that hold data
        return static_cast<double>(n) / static_cast<double>((n + tile - 1) / tile * tile);
    };
    const double fill_direct = fill(O, v.f32_tile_m) * fill(K, v.f32_tile_n);
    const double fill_transposed = fill(K, v.f32_tile_m) * fill(O, v.f32_tile_n);
    enum class Form { Direct, Transposed, Dot };
    const Form form = std::max(fill_direct, fill_transposed) < 0.6 && v.f32_dot != nullptr ? Form::Dot
                      : fill_transposed > fill_direct                                      ? Form::Transposed
                                                                                           : Form::Direct;
    const bool transposed = form == Form::Transposed;
    const bool with_bias = gb != nullptr && form == Form::Dot;  // column K of the sum: the bias gradient
    const int64_t M = transposed ? K : O, N = transposed ? O : K + (with_bias ? 1 : 0);  // the sum is [M, N]
    float* sum = gw;
    std::vector<float> sum_t;
    if (transposed || with_bias) {
        sum_t.resize(static_cast<size_t>(M * N));
        sum = sum_t.data();
    }
    // Slabs of whole register tiles: columns if there are enough for every thread, else rows.
    const int64_t threads = get_num_threads();
    const bool split_columns =
        form != Form::Dot && (N / v.f32_tile_n >= threads || N / v.f32_tile_n >= M / v.f32_tile_m);
    const int64_t length = split_columns ? N : M, align = split_columns ? v.f32_tile_n : v.f32_tile_m;
    const int64_t slabs = std::clamp<int64_t>(length / align, 1, threads);
    const auto edge = [&](int64_t s) { return s == slabs ? length : s * length / slabs / align * align; };
    parallel_for(0, slabs, 1, [&](int64_t sb, int64_t se) {
        for (int64_t s = sb; s < se; ++s) {
            const int64_t lo = edge(s), hi = edge(s + 1);
            if (hi <= lo) continue;
            // The slab's part of the sum: rows [m0, m1) x columns [c0, c1) of [M, N].
            const int64_t m0 = split_columns ? 0 : lo, m1 = split_columns ? M : hi;
            const int64_t c0 = split_columns ? lo : 0, c1 = split_columns ? hi : N;
            // The rows of cols this slab reads: its K range (columns of grad_w, or rows of grad_w^T).
            const int64_t r0 = transposed ? m0 : c0, r1 = transposed ? m1 : c1;
            float* cols = scratch<float>(0, static_cast<size_t>((r1 - r0) * L));  // rows [r0, r1) of cols, [*, L]
            float* c = sum + m0 * N + c0;
            const int64_t r_image = std::min(r1, K);  // rows past K: the ones row of the bias
            if (r1 > K) std::fill(cols + (K - r0) * L, cols + (r1 - r0) * L, 1.0f);
            for (int64_t n = 0; n < g.N; ++n) {
                im2col_rows(cols, L, x + n * CHW, g, r0, r_image);
                const float* gyn = gy + n * O * L;
                const bool first = n == 0;  // the first image writes, the others add
                switch (form) {
                    case Form::Direct:  // grad_w[m0:m1, c0:c1] (+)= grad_y[m0:m1] [., L] x cols^T [L, c1-c0]
                        (first ? v.f32 : v.f32_add)(c, gyn + m0 * L, cols, m1 - m0, c1 - c0, L, N, L, true, L, false);
                        break;
                    case Form::Transposed:  // grad_w^T[m0:m1, c0:c1] (+)= cols [m1-m0, L] x grad_y[c0:c1]^T
                        (first ? v.f32 : v.f32_add)(c, cols, gyn + c0 * L, m1 - m0, c1 - c0, L, N, L, true, L, false);
                        break;
                    case Form::Dot:  // the direct product, one dot product per entry
                        (first ? v.f32_dot : v.f32_dot_add)(c, gyn + m0 * L, cols, m1 - m0, c1 - c0, L, N, L, true, L,
                                                            false);
                        break;
                }
            }
        }
    });
    if (transposed)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t k = 0; k < K; ++k) gw[o * K + k] = sum[k * O + o];
    if (with_bias)
        for (int64_t o = 0; o < O; ++o) {
            std::copy_n(sum + o * N, K, gw + o * K);
            gb[o] = sum[o * N + K];
        }
    return with_bias;
}

// y[n] = w cols(x[n]) + bias, one image per loop step, images spread over the threads.
template <typename T>
void forward_impl(const TensorView& y_v, const TensorView& x_v, const TensorView& w_v, const TensorView& bias_v,
                  const ConvGeometry& g) {
    if constexpr (std::is_same_v<T, float>)
        if (winograd_applies(g)) {
            const WinogradConv s{g.N, g.C, g.H, g.W, g.O, g.oH, g.oW, g.pH, g.pW, /*rotated=*/false};
            return winograd_conv3x3(y_v.ptr<float>(), x_v.ptr<const float>(), w_v.ptr<const float>(),
                                    bias_v.ptr<const float>(), s);
        }
    const GemmFn<T> gemm = gemm_for<T>();
    GemmRowBiasFn gemm_bias = nullptr;  // the GEMM that adds the bias as it stores, if there is one
    if constexpr (std::is_same_v<T, float>) gemm_bias = gemm_variant().f32_row_bias;
    const int64_t L = g.L(), K = g.K(), Og = g.Og();
    const bool pointwise = is_pointwise(g);
    const T* x = x_v.ptr<const T>();
    const T* w = w_v.ptr<const T>();
    const T* bias = bias_v.ptr<const T>();
    T* y = y_v.ptr<T>();
    const bool fused_bias = bias != nullptr && gemm_bias != nullptr && K > 0;
    parallel_for(0, g.N, 1, [&](int64_t begin, int64_t end) {
        T* cols = pointwise ? nullptr : scratch<T>(0, static_cast<size_t>(K * g.groups * L));
        for (int64_t n = begin; n < end; ++n) {
            const T* xn = x + n * g.C * g.H * g.W;
            T* yn = y + n * g.O * L;
            const T* cn = xn;
            if (!pointwise) {
                im2col(cols, xn, g);
                cn = cols;
            }
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                T* yg = yn + grp * Og * L;
                const T* wg = w + grp * Og * K;
                if (K == 0)  // no input channels: an empty sum
                    std::fill(yg, yg + Og * L, T(0));
                else if (Og == 0)
                    continue;
                else if constexpr (std::is_same_v<T, float>) {
                    if (fused_bias)  // yg [Og, L] = wg [Og, K] x cols_g [K, L] + bias_g
                        gemm_bias(yg, wg, cn + grp * K * L, Og, L, K, L, K, true, L, true, bias + grp * Og);
                    else
                        gemm(yg, wg, cn + grp * K * L, Og, L, K, L, K, true, L, true);
                } else {
                    gemm(yg, wg, cn + grp * K * L, Og, L, K, L, K, true, L, true);
                }
            }
            if (bias != nullptr && !fused_bias)
                for (int64_t o = 0; o < g.O; ++o)
                    for (T *p = yn + o * L, *e = p + L; p < e; ++p) *p += bias[o];
        }
    });
}

// grad_x[n] = col2im(w^T grad_y[n]) (+ bias per channel for conv_transpose2d).
template <typename T>
void input_grad_impl(const TensorView& gx_v, const TensorView& gy_v, const TensorView& w_v,
                     const TensorView& bias_v, const ConvGeometry& g) {
    // Note [Input gradient as a convolution]: for a 3x3 stride-1 kernel, grad_x is itself a 3x3
    // correlation of grad_y, with the filter w[o, c] turned by 180 degrees (its in and out
    // channels swapped) and 2 - p rows/columns of padding instead of p: grad_x[c, i, j] =
    // sum_{o, a, b} w[o, c, 2 - a, 2 - b] grad_y[o, i + a - (2 - p), j + b - (2 - p)]. So it
    // runs through the same Winograd routine as the forward, with no col2im.
    if constexpr (std::is_same_v<T, float>)
        if (winograd_applies(g)) {
            const WinogradConv s{g.N, g.O, g.oH, g.oW, g.C, g.H, g.W, 2 - g.pH, 2 - g.pW, /*rotated=*/true};
            return winograd_conv3x3(gx_v.ptr<float>(), gy_v.ptr<const float>(), w_v.ptr<const float>(),
                                    bias_v.ptr<const float>(), s);
        }
    const GemmFn<T> gemm = gemm_for<T>();
    const int64_t L = g.L(), K = g.K(), Og = g.Og(), HW = g.H * g.W;
    const bool pointwise = is_pointwise(g);
    const T* gy = gy_v.ptr<const T>();
    const T* w = w_v.ptr<const T>();
    const T* bias = bias_v.ptr<const T>();
    T* gx = gx_v.ptr<T>();
    parallel_for(0, g.N, 1, [&](int64_t begin, int64_t end) {
        T* cols = pointwise ? nullptr : scratch<T>(1, static_cast<size_t>(K * g.groups * L));
        for (int64_t n = begin; n < end; ++n) {
            T* gxn = gx + n * g.C * HW;
            const T* gyn = gy + n * g.O * L;
            T* cn = pointwise ? gxn : cols;  // pointwise: the columns are grad_x itself
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                T* cg = cn + grp * K * L;
                if (Og == 0)
                    std::fill(cg, cg + K * L, T(0));
                else if (K > 0)  // cols_g [K, L] = wg^T [K, Og] (wg read column-major) x grad_y_g [Og, L]
                    gemm(cg, w + grp * Og * K, gyn + grp * Og * L, K, L, Og, L, K, false, L, true);
            }
            if (!pointwise) {
                std::fill(gxn, gxn + g.C * HW, T(0));
                col2im(gxn, cols, g);
            }
            if (bias != nullptr)
                for (int64_t c = 0; c < g.C; ++c)
                    for (T *p = gxn + c * HW, *e = p + HW; p < e; ++p) *p += bias[c];
        }
    });
}

// grad_w = sum_n grad_y[n] cols(x[n])^T. The batch is cut into one fixed range per thread
// (kDeterministicParts ranges in deterministic mode, so the bits do not follow the thread count);
// each range sums into its own buffer, and the buffers are added in range order, so the
// result does not depend on which thread finishes first.
template <typename T>
bool weight_grad_impl(const TensorView& gw_v, const TensorView& gy_v, const TensorView& x_v, const ConvGeometry& g,
                      const TensorView& gb_v) {
    const GemmFn<T> gemm = gemm_for<T>();
    const int64_t L = g.L(), K = g.K(), Og = g.Og(), size = g.O * K;
    const bool pointwise = is_pointwise(g);
    const T* gy = gy_v.ptr<const T>();
    const T* x = x_v.ptr<const T>();
    T* gw = gw_v.ptr<T>();
    if (g.N == 0 || L == 0 || size == 0) {
        std::fill(gw, gw + size, T(0));
        return false;
    }
    if constexpr (std::is_same_v<T, float>) {
        if (winograd_applies(g)) {
            const WinogradConv s{g.N, g.C, g.H, g.W, g.O, g.oH, g.oW, g.pH, g.pW, /*rotated=*/false};
            winograd_weight_grad3x3(gw, gy, x, s);
            return false;
        }
        if (use_slab_weight_grad(g)) return weight_grad_slabs(gw, gb_v.ptr<float>(), gy, x, g);
    }
    // Deterministic mode: a fixed number of partial sums, whatever the thread count.
    const int64_t ranges = std::min<int64_t>(g.N, is_deterministic() ? kDeterministicParts : get_num_threads());
    std::vector<std::vector<T>> partial(ranges - 1, std::vector<T>(size));  // range 0 writes gw itself
    parallel_for(0, ranges, 1, [&](int64_t rb, int64_t re) {
        std::vector<T> cols(pointwise ? 0 : K * g.groups * L);
        std::vector<T> tmp(Og * K);
        for (int64_t r = rb; r < re; ++r) {
            T* acc = r == 0 ? gw : partial[r - 1].data();
            const int64_t n0 = r * g.N / ranges, n1 = (r + 1) * g.N / ranges;
            for (int64_t n = n0; n < n1; ++n) {
                const T* xn = x + n * g.C * g.H * g.W;
                const T* gyn = gy + n * g.O * L;
                const T* cn = xn;
                if (!pointwise) {
                    im2col(cols.data(), xn, g);
                    cn = cols.data();
                }
                for (int64_t grp = 0; grp < g.groups; ++grp) {
                    T* accg = acc + grp * Og * K;
                    // [Og, K] = grad_y_g [Og, L] x cols_g^T [L, K] (cols_g read column-major)
                    T* dst = n == n0 ? accg : tmp.data();  // the first image writes, the others add
                    gemm(dst, gyn + grp * Og * L, cn + grp * K * L, Og, K, L, K, L, true, L, false);
                    if (n != n0)
                        for (int64_t i = 0; i < Og * K; ++i) accg[i] += tmp[i];
                }
            }
        }
    });
    for (const std::vector<T>& p : partial)
        for (int64_t i = 0; i < size; ++i) gw[i] += p[i];
    return false;
}

// One channel per task: its N runs of HW values, summed in a fixed order (deterministic).
// A single running sum is one chain of dependent additions (4 cycles each: 2 ms for conv
// 1->32's 3.2M values); kLanes independent partial sums, lane l taking every kLanes-th value,
// let the compiler vectorise the loop and the CPU overlap the additions. The lanes are added in
// lane order at the end of each image's run, so the bits are still fixed.
constexpr int64_t kLanes = 32;

template <typename T> T sum_run(const T* p, int64_t n) {
    T lane[kLanes] = {};
    int64_t l = 0;
    for (; l + kLanes <= n; l += kLanes)
        for (int64_t i = 0; i < kLanes; ++i) lane[i] += p[l + i];
    T run = 0;
    for (int64_t i = 0; i < kLanes; ++i) run += lane[i];
    for (; l < n; ++l) run += p[l];
    return run;
}

template <typename T>
void bias_grad_impl(const TensorView& gb_v, const TensorView& g_v, int64_t N, int64_t C, int64_t HW) {
    const T* grad = g_v.ptr<const T>();
    T* gb = gb_v.ptr<T>();
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, N * HW));
    parallel_for(0, C, grain, [&](int64_t begin, int64_t end) {
        // Image by image, so that memory is read in order (channel by channel it would jump
        // between images); each channel still sums its images in order n = 0, 1, ...
        std::fill(gb + begin, gb + end, T(0));
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = begin; c < end; ++c)
                gb[c] += sum_run(grad + (n * C + c) * HW, HW);  // per-image partial sums keep float32 rounding small
    });
}

}  // namespace

void conv2d_bias_grad(const TensorView& grad_bias, const TensorView& grad, int64_t N, int64_t C, int64_t HW) {
    dispatch_floating(grad_bias.dtype, "conv2d", [&]<typename T>() { bias_grad_impl<T>(grad_bias, grad, N, C, HW); });
}

void conv2d_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias,
                    const ConvGeometry& g) {
    dispatch_floating(y.dtype, "conv2d", [&]<typename T>() { forward_impl<T>(y, x, w, bias, g); });
}

void conv2d_input_grad(const TensorView& grad_x, const TensorView& grad_y, const TensorView& w,
                       const TensorView& bias, const ConvGeometry& g) {
    dispatch_floating(grad_x.dtype, "conv2d", [&]<typename T>() { input_grad_impl<T>(grad_x, grad_y, w, bias, g); });
}

bool conv2d_weight_grad(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                        const ConvGeometry& g, const TensorView& grad_bias) {
    bool wrote_bias = false;
    dispatch_floating(grad_w.dtype, "conv2d",
                      [&]<typename T>() { wrote_bias = weight_grad_impl<T>(grad_w, grad_y, x, g, grad_bias); });
    return wrote_bias;
}

}  // namespace tinydl::cpu
