// pool.cpp — CPU kernels of the 2-D pooling ops: max_pool2d, avg_pool2d, adaptive_avg_pool2d,
// adaptive_max_pool2d and their backward passes (interface and layout in src/cpu/pool.h).
//
// Not here: checks and output sizes (src/ops/pool.cpp), channels-last layouts, integer dtypes.
//
// Legend: P planes (N * C), H x W input plane, OH x OW output plane; p indexes planes,
// (oh, ow) output positions, (ih, iw) input positions, (kh, kw) kernel taps.
//
// Parallelism: threads split the planes. Every window lies inside one plane, so the backward
// scatters (grad_in[window] += ...) of different threads never touch the same memory, and
// each thread zeroes the gradient planes it then writes (no separate fill pass).
//
// The naive float64 references (four nested loops per output, no clipping tricks) are in
// tests/ops/test_pool.cpp.
#include "src/cpu/pool.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "tinydl/parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tinydl::cpu {

namespace {

// Planes per parallel chunk: each costs about H * W operations.
int64_t plane_grain(int64_t plane_size) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(plane_size, 1)); }

// The kernel taps k in [k0, k1) whose input position start + k * dilation lies in [0, size):
// computing the range once per window replaces a bounds test per tap.
struct TapRange {
    int64_t k0, k1;
};
inline TapRange tap_range(int64_t start, int64_t size, int64_t kernel, int64_t dilation) {
    if (dilation == 1) return {std::max<int64_t>(0, -start), std::min(kernel, size - start)};  // no division
    const int64_t k0 = start < 0 ? (-start + dilation - 1) / dilation : 0;
    const int64_t k1 = std::min(kernel, size > start ? (size - start + dilation - 1) / dilation : int64_t{0});
    return {k0, k1};
}

// Adaptive windows (PyTorch's start_index / end_index): output o of `out` covers input
// [floor(o * in / out), ceil((o + 1) * in / out)), so windows tile the input and may overlap
// by one when out does not divide in.
inline int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// "Larger, or NaN": NaN wins a max, as in PyTorch (a NaN input gives a NaN output).
template <typename T> inline bool takes_max(T v, T best) { return (v > best) | (v != v); }

// ---- max_pool2d ---------------------------------------------------------------------------
// Note [max_pool2d 2x2 fast path]: kernel 2, stride 2, no padding, dilation 1 (the CNN case)
// needs no tap ranges and no index arithmetic per tap, and reads each input row pair once;
// with SIMD it ran W2's pool ([128, 32, 28, 28], micro_ops BM_max_pool2d/fwd) 4.7x faster
// than the general loop. Its window rule is the general one, applied tap by tap in
// row-major order: a tap wins when it is larger (ties keep the first) or NaN (so the last NaN
// wins). Starting from tap 0 instead of -inf gives the same result: -inf keeps tap 0's index.
// Covers the full windows [0, H / 2) x [0, W / 2); a ceil_mode edge window is the general
// loop's (max_window below).
inline bool is_2x2_stride2(const Pool2dParams& p) {
    return p.kernel_h == 2 && p.kernel_w == 2 && p.stride_h == 2 && p.stride_w == 2 && p.pad_h == 0 && p.pad_w == 0 &&
           p.dilation_h == 1 && p.dilation_w == 1;
}

#if defined(__SSE2__)
// SIMD versions of the loop below (SSE2, which every x86-64 CPU has). Compilers turn its float
// selects into branches, and on random data these mispredict about every other window: the
// plain loop ran twice as slow as the general one. Here every tap is compared in all lanes at
// once and the selects are bit masks: m = (v > best) | isnan(v), best = m ? v : best, and the
// winner's offset k from tap 0 likewise. Each returns how many outputs it wrote (all of them
// once the row has a vector's worth); the scalar loop does the rest.
inline __m128 blend(__m128 m, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
inline __m128d blend(__m128d m, __m128d a, __m128d b) { return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)); }
inline __m128i blend(__m128i m, __m128i a, __m128i b) {
    return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}

// float: 4 outputs from 8 floats of each row; offsets in int32 lanes, widened to int64 at the end.
inline int64_t max_pool2x2_row_simd(float* y, int64_t* yi, const float* r0, const float* r1, int64_t n, int64_t W,
                                    int64_t base) {
    if (W + 1 > std::numeric_limits<int32_t>::max()) return 0;  // offsets must fit int32 lanes
    const __m128i k_b = _mm_set1_epi32(1), k_c = _mm_set1_epi32(static_cast<int32_t>(W)),
                  k_d = _mm_set1_epi32(static_cast<int32_t>(W + 1));
    const __m128i lane_off = _mm_setr_epi32(0, 2, 4, 6), zero = _mm_setzero_si128();  // tap 0 of each lane
    const auto block = [&](int64_t ow) {
        const __m128 p0 = _mm_loadu_ps(r0 + 2 * ow), p1 = _mm_loadu_ps(r0 + 2 * ow + 4);
        const __m128 q0 = _mm_loadu_ps(r1 + 2 * ow), q1 = _mm_loadu_ps(r1 + 2 * ow + 4);
        // Even columns are each window's left taps, odd columns its right taps.
        const __m128 a = _mm_shuffle_ps(p0, p1, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm_shuffle_ps(p0, p1, _MM_SHUFFLE(3, 1, 3, 1));
        const __m128 c = _mm_shuffle_ps(q0, q1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm_shuffle_ps(q0, q1, _MM_SHUFFLE(3, 1, 3, 1));
        __m128 best = a;
        __m128i k = zero;
        const auto tap = [&](__m128 v, __m128i off) {
            const __m128 m = _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v));
            best = blend(m, v, best);
            k = blend(_mm_castps_si128(m), off, k);
        };
        tap(b, k_b);
        tap(c, k_c);
        tap(d, k_d);
        _mm_storeu_ps(y + ow, best);
        const __m128i rel = _mm_add_epi32(lane_off, k);  // >= 0: zero-extends to int64
        const __m128i start = _mm_set1_epi64x(base + 2 * ow);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(yi + ow), _mm_add_epi64(start, _mm_unpacklo_epi32(rel, zero)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(yi + ow + 2), _mm_add_epi64(start, _mm_unpackhi_epi32(rel, zero)));
    };
    int64_t ow = 0;
    for (; ow + 4 <= n; ow += 4) block(ow);
    // A ragged end (W = 28: 14 outputs) redoes the last 4: each output depends only on the input,
    // so writing it twice is harmless and cheaper than the branchy scalar loop.
    if (ow < n && n >= 4) {
        block(n - 4);
        ow = n;
    }
    return ow;
}

// double: 2 outputs from 4 doubles of each row; a compare mask is already an int64 lane.
inline int64_t max_pool2x2_row_simd(double* y, int64_t* yi, const double* r0, const double* r1, int64_t n, int64_t W,
                                    int64_t base) {
    const __m128i k_b = _mm_set1_epi64x(1), k_c = _mm_set1_epi64x(W), k_d = _mm_set1_epi64x(W + 1);
    const auto block = [&](int64_t ow) {
        const __m128d p0 = _mm_loadu_pd(r0 + 2 * ow), p1 = _mm_loadu_pd(r0 + 2 * ow + 2);
        const __m128d q0 = _mm_loadu_pd(r1 + 2 * ow), q1 = _mm_loadu_pd(r1 + 2 * ow + 2);
        const __m128d a = _mm_unpacklo_pd(p0, p1), b = _mm_unpackhi_pd(p0, p1);
        const __m128d c = _mm_unpacklo_pd(q0, q1), d = _mm_unpackhi_pd(q0, q1);
        __m128d best = a;
        __m128i k = _mm_setzero_si128();
        const auto tap = [&](__m128d v, __m128i off) {
            const __m128d m = _mm_or_pd(_mm_cmpgt_pd(v, best), _mm_cmpunord_pd(v, v));
            best = blend(m, v, best);
            k = blend(_mm_castpd_si128(m), off, k);
        };
        tap(b, k_b);
        tap(c, k_c);
        tap(d, k_d);
        _mm_storeu_pd(y + ow, best);
        const __m128i start = _mm_add_epi64(_mm_set1_epi64x(base + 2 * ow), _mm_set_epi64x(2, 0));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(yi + ow), _mm_add_epi64(start, k));
    };
    int64_t ow = 0;
    for (; ow + 2 <= n; ow += 2) block(ow);
    if (ow < n && n >= 2) {  // the ragged end, as in the float version
        block(n - 2);
        ow = n;
    }
    return ow;
}
#endif

// One output row of the fast path: rows r0 = x[2 oh], r1 = x[2 oh + 1]; `base` = 2 oh * W.
template <typename T>
inline void max_pool2x2_row(T* __restrict y, int64_t* __restrict yi, const T* __restrict r0, const T* __restrict r1,
                            int64_t n, int64_t W, int64_t base) {
    int64_t ow = 0;
#if defined(__SSE2__)
    ow = max_pool2x2_row_simd(y, yi, r0, r1, n, W, base);
#endif
    for (; ow < n; ++ow) {
        const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
        T best = a;
        int64_t k = 0;  // offset of the winner from tap 0
        bool t = (b > best) | (b != b);
        best = t ? b : best;
        k = t ? 1 : k;
        t = (c > best) | (c != c);
        best = t ? c : best;
        k = t ? W : k;
        t = (d > best) | (d != d);
        best = t ? d : best;
        k = t ? W + 1 : k;
        y[ow] = best;
        yi[ow] = base + 2 * ow + k;
    }
}

template <typename T> void max_pool2d_impl(const TensorView& out_v, const TensorView& idx_v, const TensorView& in_v, const Pool2dParams& p) {
    const T* in = in_v.ptr<const T>();
    T* out = out_v.ptr<T>();
    int64_t* indices = idx_v.ptr<int64_t>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    // The general rule for output (oh, ow) of plane x (also the fast path's ceil_mode edges).
    const auto max_window = [&](const T* x, T* y, int64_t* yi, int64_t oh, int64_t ow) {
        const int64_t h_start = oh * p.stride_h - p.pad_h;
        const TapRange rh = tap_range(h_start, H, p.kernel_h, p.dilation_h);
        const int64_t w_start = ow * p.stride_w - p.pad_w;
        const TapRange rw = tap_range(w_start, W, p.kernel_w, p.dilation_w);
        // The first in-bounds tap is the index when nothing beats -inf (all -inf).
        int64_t best_i = (h_start + rh.k0 * p.dilation_h) * W + (w_start + rw.k0 * p.dilation_w);
        T best = -std::numeric_limits<T>::infinity();
        bool any_nan = false;
        for (int64_t kh = rh.k0; kh < rh.k1; ++kh) {
            const int64_t ih = h_start + kh * p.dilation_h;
            const T* row = x + ih * W;
            for (int64_t kw = rw.k0; kw < rw.k1; ++kw) {
                const int64_t iw = w_start + kw * p.dilation_w;
                const T v = row[iw];
                // Selects, not branches: on real data the max moves unpredictably,
                // and a plain `>` compiles to a flag the selects can use.
                const bool gt = v > best;
                best = gt ? v : best;
                best_i = gt ? ih * W + iw : best_i;
                any_nan |= v != v;
            }
        }
        if (any_nan) [[unlikely]] {  // PyTorch's rule: the last NaN wins
            for (int64_t kh = rh.k0; kh < rh.k1; ++kh)
                for (int64_t kw = rw.k0; kw < rw.k1; ++kw) {
                    const int64_t ih = h_start + kh * p.dilation_h, iw = w_start + kw * p.dilation_w;
                    if (x[ih * W + iw] != x[ih * W + iw]) {
                        best = x[ih * W + iw];
                        best_i = ih * W + iw;
                    }
                }
        }
        y[oh * OW + ow] = best;
        yi[oh * OW + ow] = best_i;
    };
    // See Note [max_pool2d 2x2 fast path]: FH x FW full windows, the rest (ceil_mode) general.
    const bool fast = is_2x2_stride2(p);
    const int64_t FH = fast ? std::min(OH, H / 2) : 0, FW = fast ? std::min(OW, W / 2) : 0;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const T* x = in + plane * H * W;
            T* y = out + plane * OH * OW;
            int64_t* yi = indices + plane * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh) {
                int64_t ow0 = 0;
                if (oh < FH) {
                    max_pool2x2_row(y + oh * OW, yi + oh * OW, x + 2 * oh * W, x + (2 * oh + 1) * W, FW, W, 2 * oh * W);
                    ow0 = FW;
                }
                for (int64_t ow = ow0; ow < OW; ++ow) max_window(x, y, yi, oh, ow);
            }
        }
    });
}

// Shared by max_pool2d and adaptive_max_pool2d: the gradient goes to the chosen element.
template <typename T> void max_pool2d_backward_impl(const TensorView& gi_v, const TensorView& go_v, const TensorView& idx_v, const Pool2dParams& p) {
    T* grad_in = gi_v.ptr<T>();
    const T* grad_out = go_v.ptr<const T>();
    const int64_t* indices = idx_v.ptr<const int64_t>();
    const int64_t HW = p.in_h * p.in_w, OHW = p.out_h * p.out_w;
    parallel_for(0, p.planes, plane_grain(HW + OHW), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            T* gi = grad_in + plane * HW;
            const T* go = grad_out + plane * OHW;
            const int64_t* idx = indices + plane * OHW;
            std::fill(gi, gi + HW, T(0));
            for (int64_t o = 0; o < OHW; ++o) gi[idx[o]] += go[o];  // += : overlapping windows may pick one element twice
        }
    });
}

// ---- avg_pool2d -----------------------------------------------------------------------------
// Note [avg_pool2d divisor] (PyTorch's rule, aten/src/ATen/native/cpu/AvgPoolKernel.cpp):
// the window [h0, h0 + kH) is first clipped to the padded input [-pad, H + pad) and its size
// there is pool_size; then it is clipped to the input itself. The divisor is
//   divisor_override                      when given,
//   pool_size                             when count_include_pad (padding counts, but not the
//                                         part of a ceil_mode window past the padded end),
//   the number of real input elements     otherwise.
struct AvgWindow {
    int64_t h0, h1, w0, w1;  // clipped to the input
    int64_t divisor;
};
inline AvgWindow avg_window(int64_t oh, int64_t ow, const Pool2dParams& p) {
    int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
    int64_t h1 = std::min(h0 + p.kernel_h, p.in_h + p.pad_h);
    int64_t w1 = std::min(w0 + p.kernel_w, p.in_w + p.pad_w);
    const int64_t pool_size = (h1 - h0) * (w1 - w0);
    h0 = std::max<int64_t>(h0, 0);
    w0 = std::max<int64_t>(w0, 0);
    h1 = std::min(h1, p.in_h);
    w1 = std::min(w1, p.in_w);
    int64_t divisor = p.divisor_override != 0 ? p.divisor_override
                      : p.count_include_pad   ? pool_size
                                              : (h1 - h0) * (w1 - w0);
    return {h0, h1, w0, w1, divisor};
}

template <typename T> void avg_pool2d_impl(const TensorView& out_v, const TensorView& in_v, const Pool2dParams& p) {
    const T* in = in_v.ptr<const T>();
    T* out = out_v.ptr<T>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const T* x = in + plane * H * W;
            T* y = out + plane * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const AvgWindow win = avg_window(oh, ow, p);
                    if (win.h0 >= win.h1 || win.w0 >= win.w1) {  // a window wholly in the padding
                        y[oh * OW + ow] = T(0);
                        continue;
                    }
                    double sum = 0;  // accumulated in double, as PyTorch's acc_type on CPU
                    for (int64_t ih = win.h0; ih < win.h1; ++ih)
                        for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += x[ih * W + iw];
                    y[oh * OW + ow] = static_cast<T>(sum / static_cast<double>(win.divisor));
                }
        }
    });
}

template <typename T> void avg_pool2d_backward_impl(const TensorView& gi_v, const TensorView& go_v, const Pool2dParams& p) {
    T* grad_in = gi_v.ptr<T>();
    const T* grad_out = go_v.ptr<const T>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            T* gi = grad_in + plane * H * W;
            const T* go = grad_out + plane * OH * OW;
            std::fill(gi, gi + H * W, T(0));
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const AvgWindow win = avg_window(oh, ow, p);
                    const T share = go[oh * OW + ow] / static_cast<T>(win.divisor);
                    for (int64_t ih = win.h0; ih < win.h1; ++ih)
                        for (int64_t iw = win.w0; iw < win.w1; ++iw) gi[ih * W + iw] += share;
                }
        }
    });
}

// ---- adaptive pools -------------------------------------------------------------------------
template <typename T> void adaptive_avg_pool2d_impl(const TensorView& out_v, const TensorView& in_v, const Pool2dParams& p) {
    const T* in = in_v.ptr<const T>();
    T* out = out_v.ptr<T>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const T* x = in + plane * H * W;
            T* y = out + plane * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
                    double sum = 0;
                    for (int64_t ih = h0; ih < h1; ++ih)
                        for (int64_t iw = w0; iw < w1; ++iw) sum += x[ih * W + iw];
                    y[oh * OW + ow] = static_cast<T>(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
                }
            }
        }
    });
}

template <typename T> void adaptive_avg_pool2d_backward_impl(const TensorView& gi_v, const TensorView& go_v, const Pool2dParams& p) {
    T* grad_in = gi_v.ptr<T>();
    const T* grad_out = go_v.ptr<const T>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            T* gi = grad_in + plane * H * W;
            const T* go = grad_out + plane * OH * OW;
            std::fill(gi, gi + H * W, T(0));
            for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
                    const T share = go[oh * OW + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
                    for (int64_t ih = h0; ih < h1; ++ih)
                        for (int64_t iw = w0; iw < w1; ++iw) gi[ih * W + iw] += share;
                }
            }
        }
    });
}

template <typename T> void adaptive_max_pool2d_impl(const TensorView& out_v, const TensorView& idx_v, const TensorView& in_v, const Pool2dParams& p) {
    const T* in = in_v.ptr<const T>();
    T* out = out_v.ptr<T>();
    int64_t* indices = idx_v.ptr<int64_t>();
    const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
    parallel_for(0, p.planes, plane_grain(H * W), [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const T* x = in + plane * H * W;
            T* y = out + plane * OH * OW;
            int64_t* yi = indices + plane * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
                    int64_t best_i = h0 * W + w0;
                    T best = -std::numeric_limits<T>::infinity();
                    for (int64_t ih = h0; ih < h1; ++ih)
                        for (int64_t iw = w0; iw < w1; ++iw) {
                            const T v = x[ih * W + iw];
                            if (takes_max(v, best)) {
                                best = v;
                                best_i = ih * W + iw;
                            }
                        }
                    y[oh * OW + ow] = best;
                    yi[oh * OW + ow] = best_i;
                }
            }
        }
    });
}

}  // namespace

void max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in, const Pool2dParams& p) {
    dispatch_floating(in.dtype, "max_pool2d", [&]<typename T>() { max_pool2d_impl<T>(out, indices, in, p); });
}
void max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& indices,
                         const Pool2dParams& p) {
    dispatch_floating(grad_in.dtype, "max_pool2d_backward",
                      [&]<typename T>() { max_pool2d_backward_impl<T>(grad_in, grad_out, indices, p); });
}
void avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p) {
    dispatch_floating(in.dtype, "avg_pool2d", [&]<typename T>() { avg_pool2d_impl<T>(out, in, p); });
}
void avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p) {
    dispatch_floating(grad_in.dtype, "avg_pool2d_backward",
                      [&]<typename T>() { avg_pool2d_backward_impl<T>(grad_in, grad_out, p); });
}
void adaptive_avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p) {
    dispatch_floating(in.dtype, "adaptive_avg_pool2d", [&]<typename T>() { adaptive_avg_pool2d_impl<T>(out, in, p); });
}
void adaptive_avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p) {
    dispatch_floating(grad_in.dtype, "adaptive_avg_pool2d_backward",
                      [&]<typename T>() { adaptive_avg_pool2d_backward_impl<T>(grad_in, grad_out, p); });
}
void adaptive_max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                         const Pool2dParams& p) {
    dispatch_floating(in.dtype, "adaptive_max_pool2d",
                      [&]<typename T>() { adaptive_max_pool2d_impl<T>(out, indices, in, p); });
}

}  // namespace tinydl::cpu
