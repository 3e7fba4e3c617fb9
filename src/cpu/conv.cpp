// conv.cpp — CPU convolution kernels: im2col/col2im and the three GEMMs of a convolution.
//
// What this is: convolution lowered to matrix products, as Caffe and PyTorch's CPU "slow"
// path do. im2col copies, for one image, every kH x kW patch the kernel visits into one column
// of a matrix cols [K, L] (K = Cg*kH*kW, L = oH*oW); then
//   forward       y[n]   [Og, L] = w      [Og, K] x cols   [K, L]     (per group)
//   input grad    cols   [K, L]  = w^T    [K, Og] x grad_y [Og, L],  grad_x[n] = col2im(cols)
//   weight grad   grad_w [Og, K] += grad_y [Og, L] x cols^T [L, K]    (summed over n)
// Each image is one task for parallel_for, with a column buffer per task (never a whole
// [N, K, L] tensor). A 1x1 kernel with stride 1 and no padding needs no im2col: the image is
// its own column matrix.
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

}  // namespace

// Row r = (c, kh, kw) of cols, one output row i at a time: the input row it reads is fixed, and
// along j the reads are a strided run of that row with zeros at either end (the padding).
template <typename T> void im2col(T* cols, const T* x, const ConvGeometry& g) {
    const int64_t L = g.L();
    for (int64_t c = 0; c < g.C; ++c)
        for (int64_t kh = 0; kh < g.kH; ++kh)
            for (int64_t kw = 0; kw < g.kW; ++kw) {
                T* row = cols + ((c * g.kH + kh) * g.kW + kw) * L;
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

// The same walk as im2col with the arrow reversed: x[c, ih, iw] += cols[r, i, j]. Entries that
// im2col filled with padding zeros have no pixel to go to and are dropped.
template <typename T> void col2im(T* x, const T* cols, const ConvGeometry& g) {
    const int64_t L = g.L();
    for (int64_t c = 0; c < g.C; ++c)
        for (int64_t kh = 0; kh < g.kH; ++kh)
            for (int64_t kw = 0; kw < g.kW; ++kw) {
                const T* row = cols + ((c * g.kH + kh) * g.kW + kw) * L;
                const int64_t col_off = kw * g.dW - g.pW;
                const Span span = valid_span(col_off, g.sW, g.W, g.oW);
                for (int64_t i = 0; i < g.oH; ++i) {
                    const int64_t ih = i * g.sH - g.pH + kh * g.dH;
                    if (ih < 0 || ih >= g.H) continue;
                    const T* src = row + i * g.oW;
                    T* dst = x + (c * g.H + ih) * g.W + col_off;
                    for (int64_t j = span.lo; j < span.hi; ++j) dst[j * g.sW] += src[j];
                }
            }
}

template void im2col<float>(float*, const float*, const ConvGeometry&);
template void im2col<double>(double*, const double*, const ConvGeometry&);
template void col2im<float>(float*, const float*, const ConvGeometry&);
template void col2im<double>(double*, const double*, const ConvGeometry&);

namespace {

// y[n] = w cols(x[n]) + bias, one image per loop step, images spread over the threads.
template <typename T>
void forward_impl(const TensorView& y_v, const TensorView& x_v, const TensorView& w_v, const TensorView& bias_v,
                  const ConvGeometry& g) {
    const GemmFn<T> gemm = gemm_for<T>();
    const int64_t L = g.L(), K = g.K(), Og = g.Og();
    const bool pointwise = is_pointwise(g);
    const T* x = x_v.ptr<const T>();
    const T* w = w_v.ptr<const T>();
    const T* bias = bias_v.ptr<const T>();
    T* y = y_v.ptr<T>();
    parallel_for(0, g.N, 1, [&](int64_t begin, int64_t end) {
        std::vector<T> cols(pointwise ? 0 : K * g.groups * L);  // this thread's column buffer
        for (int64_t n = begin; n < end; ++n) {
            const T* xn = x + n * g.C * g.H * g.W;
            T* yn = y + n * g.O * L;
            const T* cn = xn;
            if (!pointwise) {
                im2col(cols.data(), xn, g);
                cn = cols.data();
            }
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                T* yg = yn + grp * Og * L;
                if (K == 0)  // no input channels: an empty sum
                    std::fill(yg, yg + Og * L, T(0));
                else if (Og > 0)  // yg [Og, L] = wg [Og, K] x cols_g [K, L]
                    gemm(yg, w + grp * Og * K, cn + grp * K * L, Og, L, K, L, K, true, L, true);
            }
            if (bias != nullptr)
                for (int64_t o = 0; o < g.O; ++o)
                    for (T *p = yn + o * L, *e = p + L; p < e; ++p) *p += bias[o];
        }
    });
}

// grad_x[n] = col2im(w^T grad_y[n]) (+ bias per channel for conv_transpose2d).
template <typename T>
void input_grad_impl(const TensorView& gx_v, const TensorView& gy_v, const TensorView& w_v,
                     const TensorView& bias_v, const ConvGeometry& g) {
    const GemmFn<T> gemm = gemm_for<T>();
    const int64_t L = g.L(), K = g.K(), Og = g.Og(), HW = g.H * g.W;
    const bool pointwise = is_pointwise(g);
    const T* gy = gy_v.ptr<const T>();
    const T* w = w_v.ptr<const T>();
    const T* bias = bias_v.ptr<const T>();
    T* gx = gx_v.ptr<T>();
    parallel_for(0, g.N, 1, [&](int64_t begin, int64_t end) {
        std::vector<T> cols(pointwise ? 0 : K * g.groups * L);
        for (int64_t n = begin; n < end; ++n) {
            T* gxn = gx + n * g.C * HW;
            const T* gyn = gy + n * g.O * L;
            T* cn = pointwise ? gxn : cols.data();  // pointwise: the columns are grad_x itself
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                T* cg = cn + grp * K * L;
                if (Og == 0)
                    std::fill(cg, cg + K * L, T(0));
                else if (K > 0)  // cols_g [K, L] = wg^T [K, Og] (wg read column-major) x grad_y_g [Og, L]
                    gemm(cg, w + grp * Og * K, gyn + grp * Og * L, K, L, Og, L, K, false, L, true);
            }
            if (!pointwise) {
                std::fill(gxn, gxn + g.C * HW, T(0));
                col2im(gxn, cols.data(), g);
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
void weight_grad_impl(const TensorView& gw_v, const TensorView& gy_v, const TensorView& x_v,
                      const ConvGeometry& g) {
    const GemmFn<T> gemm = gemm_for<T>();
    const int64_t L = g.L(), K = g.K(), Og = g.Og(), size = g.O * K;
    const bool pointwise = is_pointwise(g);
    const T* gy = gy_v.ptr<const T>();
    const T* x = x_v.ptr<const T>();
    T* gw = gw_v.ptr<T>();
    if (g.N == 0 || L == 0 || size == 0) {
        std::fill(gw, gw + size, T(0));
        return;
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
}

// One channel per task: its N runs of HW values, summed in a fixed order (deterministic).
template <typename T>
void bias_grad_impl(const TensorView& gb_v, const TensorView& g_v, int64_t N, int64_t C, int64_t HW) {
    const T* grad = g_v.ptr<const T>();
    T* gb = gb_v.ptr<T>();
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, N * HW));
    parallel_for(0, C, grain, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
            T acc = 0;
            for (int64_t n = 0; n < N; ++n) {
                const T* p = grad + (n * C + c) * HW;
                T run = 0;  // per-image partial sums keep float32 rounding small
                for (int64_t l = 0; l < HW; ++l) run += p[l];
                acc += run;
            }
            gb[c] = acc;
        }
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

void conv2d_weight_grad(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                        const ConvGeometry& g) {
    dispatch_floating(grad_w.dtype, "conv2d", [&]<typename T>() { weight_grad_impl<T>(grad_w, grad_y, x, g); });
}

}  // namespace tinydl::cpu
