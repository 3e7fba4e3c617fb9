// pool.cu — CUDA kernels of the 2-D pooling ops: max_pool2d, avg_pool2d, adaptive_avg_pool2d,
// adaptive_max_pool2d, forward and backward. Interface and layout: src/cpu/pool.h (contiguous
// [P, H, W] planes in, [P, OH, OW] planes out); the CPU kernels they must match bit for bit
// where possible are in src/cpu/pool.cpp, the ops in src/ops/pool.cpp.
//
// No cuDNN: its pooling does not return the argmax indices that max_pool2d_with_indices and
// the backward need, and these kernels are short.
//
// Legend: P planes, H x W input plane, OH x OW output plane; (oh, ow) output position,
// (ih, iw) input position, (kh, kw) kernel tap.
//
// Forward: one thread per output element, which walks its window in row-major order exactly as
// the CPU does (same window rule, same accumulation type), so the results are identical.
//
// Backward: one thread per *input* element (a gather), not one per output element (a scatter).
// A thread finds the few output windows that can contain its element, visits them in row-major
// output order and adds what they send; then it writes its gradient once. Why a gather:
//   - no atomics, so the result is deterministic;
//   - the additions happen in the CPU kernel's order (it scatters output by output, in
//     row-major order, into a zeroed plane), so the float results match the CPU exactly;
//   - the zeroing pass disappears (every input element is written once).
// The cost is a visit to every window that could contain the element: (kernel / stride)^2 of
// them, 1 to 9 for the usual CNN pools, and each max-pool visit reads one index to compare.
// Pooling is PyTorch's NCHW CUDA design (aten/src/ATen/native/cuda/MaxPooling.cu,
// AveragePool2d.cu, AdaptiveAveragePooling.cu), minus its atomics for adaptive max.
#include <cuda_runtime.h>
#include <math_constants.h>  // CUDART_INF_F, CUDART_INF

#include <cstdint>

#include "src/cuda/launch.cuh"
#include "src/cuda/pool.h"

namespace tinydl::cuda {

namespace {

// ---- helpers shared by the kernels ----------------------------------------------------------
__device__ __forceinline__ int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ __forceinline__ int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

template <typename T> __device__ __forceinline__ T neg_infinity();
template <> __device__ __forceinline__ float neg_infinity<float>() { return -CUDART_INF_F; }
template <> __device__ __forceinline__ double neg_infinity<double>() { return -CUDART_INF; }

// Output element `i` of [P, OH, OW] as (plane, oh, ow); input element of [P, H, W] alike.
struct PlanePos {
    int64_t plane, y, x;
};
__device__ __forceinline__ PlanePos plane_pos(int64_t i, int64_t rows, int64_t cols) {
    const int64_t x = i % cols, t = i / cols;
    return {t / rows, t % rows, x};
}

// The kernel taps k in [k0, k1) whose input position start + k * dilation lies in [0, size):
// src/cpu/pool.cpp's tap_range, the same arithmetic.
struct TapRange {
    int64_t k0, k1;
};
__device__ __forceinline__ TapRange tap_range(int64_t start, int64_t size, int64_t kernel, int64_t dilation) {
    if (dilation == 1) return {imax(0, -start), imin(kernel, size - start)};
    const int64_t k0 = start < 0 ? (-start + dilation - 1) / dilation : 0;
    const int64_t k1 = imin(kernel, size > start ? (size - start + dilation - 1) / dilation : int64_t{0});
    return {k0, k1};
}

// Adaptive windows: output o covers input [floor(o * in / out), ceil((o + 1) * in / out)).
__device__ __forceinline__ int64_t adaptive_start(int64_t o, int64_t in, int64_t out) {
    return (o * in) / out;
}
__device__ __forceinline__ int64_t adaptive_end(int64_t o, int64_t in, int64_t out) {
    return ((o + 1) * in + out - 1) / out;
}

// The outputs [o0, o1) whose strided window contains input position i: a window starts at
// o * stride - pad and spans `span` = (kernel - 1) * dilation + 1 positions, so it contains i
// when i + pad - span < o * stride <= i + pad.
struct OutRange {
    int64_t o0, o1;
};
__device__ __forceinline__ OutRange windows_containing(int64_t i, int64_t pad, int64_t span, int64_t stride,
                                                       int64_t out_size) {
    const int64_t last = i + pad;           // o * stride <= last
    const int64_t first = last - span + 1;  // o * stride >= first
    const int64_t o0 = first <= 0 ? 0 : (first + stride - 1) / stride;
    const int64_t o1 = imin(last / stride + 1, out_size);
    return {o0, o1};
}

// The adaptive outputs [o0, o1) whose window contains input position i. Inverting the window
// rule above gives the same rule with in and out swapped:
//   floor(o * in / out) <= i       <=>  o < ceil((i + 1) * out / in)
//   ceil((o + 1) * in / out) > i   <=>  o >= floor(i * out / in)
__device__ __forceinline__ OutRange adaptive_windows_containing(int64_t i, int64_t in_size,
                                                                int64_t out_size) {
    return {adaptive_start(i, out_size, in_size), imin(adaptive_end(i, out_size, in_size), out_size)};
}

// ---- max_pool2d ---------------------------------------------------------------------------
// out[p, oh, ow] = max of the window, indices = its flat position ih * W + iw. The window rule
// of src/cpu/pool.cpp: taps in row-major order, a tap wins when it is larger (ties keep the
// first) or NaN (so the last NaN wins, PyTorch's rule); starting from -inf and the first
// in-bounds tap, an all -inf window picks its first tap. The CPU's 2x2 fast path and its
// general loop follow this same rule, so one loop here matches both.
template <typename T> __global__ void max_pool2d_kernel(T* __restrict__ out, int64_t* __restrict__ indices,
                                                        const T* __restrict__ in, Pool2dParams p, int64_t n) {
    const int64_t H = p.in_h, W = p.in_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos o = plane_pos(i, p.out_h, p.out_w);
        const T* x = in + o.plane * H * W;
        const int64_t h_start = o.y * p.stride_h - p.pad_h, w_start = o.x * p.stride_w - p.pad_w;
        const TapRange rh = tap_range(h_start, H, p.kernel_h, p.dilation_h);
        const TapRange rw = tap_range(w_start, W, p.kernel_w, p.dilation_w);
        int64_t best_i = (h_start + rh.k0 * p.dilation_h) * W + (w_start + rw.k0 * p.dilation_w);
        T best = neg_infinity<T>();
        for (int64_t kh = rh.k0; kh < rh.k1; ++kh) {
            const int64_t ih = h_start + kh * p.dilation_h;
            for (int64_t kw = rw.k0; kw < rw.k1; ++kw) {
                const int64_t iw = w_start + kw * p.dilation_w;
                const T v = x[ih * W + iw];
                if (v > best || v != v) {
                    best = v;
                    best_i = ih * W + iw;
                }
            }
        }
        out[i] = best;
        indices[i] = best_i;
    }
}

// adaptive_max_pool2d: the same rule over the adaptive window (src/cpu/pool.cpp's takes_max).
template <typename T>
__global__ void adaptive_max_pool2d_kernel(T* __restrict__ out, int64_t* __restrict__ indices,
                                           const T* __restrict__ in, Pool2dParams p, int64_t n) {
    const int64_t H = p.in_h, W = p.in_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos o = plane_pos(i, p.out_h, p.out_w);
        const T* x = in + o.plane * H * W;
        const int64_t h0 = adaptive_start(o.y, H, p.out_h), h1 = adaptive_end(o.y, H, p.out_h);
        const int64_t w0 = adaptive_start(o.x, W, p.out_w), w1 = adaptive_end(o.x, W, p.out_w);
        int64_t best_i = h0 * W + w0;
        T best = neg_infinity<T>();
        for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
                const T v = x[ih * W + iw];
                if (v > best || v != v) {
                    best = v;
                    best_i = ih * W + iw;
                }
            }
        out[i] = best;
        indices[i] = best_i;
    }
}

// The backward of both max pools: grad_in[p, ih, iw] = sum of grad_out[p, o] over the outputs o
// (row-major order) whose index is ih * W + iw. Only outputs whose window contains (ih, iw)
// can have picked it; Windows says which those are (strided or adaptive).
struct StridedWindows {
    Pool2dParams p;
    __device__ OutRange rows(int64_t ih) const {
        return windows_containing(ih, p.pad_h, (p.kernel_h - 1) * p.dilation_h + 1, p.stride_h, p.out_h);
    }
    __device__ OutRange cols(int64_t iw) const {
        return windows_containing(iw, p.pad_w, (p.kernel_w - 1) * p.dilation_w + 1, p.stride_w, p.out_w);
    }
};
struct AdaptiveWindows {
    Pool2dParams p;
    __device__ OutRange rows(int64_t ih) const { return adaptive_windows_containing(ih, p.in_h, p.out_h); }
    __device__ OutRange cols(int64_t iw) const { return adaptive_windows_containing(iw, p.in_w, p.out_w); }
};

template <typename T, typename Windows>
__global__ void max_pool2d_backward_kernel(T* __restrict__ grad_in, const T* __restrict__ grad_out,
                                           const int64_t* __restrict__ indices, Pool2dParams p,
                                           Windows windows, int64_t n) {
    const int64_t OHW = p.out_h * p.out_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos e = plane_pos(i, p.in_h, p.in_w);
        const int64_t me = e.y * p.in_w + e.x;
        const T* go = grad_out + e.plane * OHW;
        const int64_t* idx = indices + e.plane * OHW;
        const OutRange rh = windows.rows(e.y), rw = windows.cols(e.x);
        T acc = T(0);
        for (int64_t oh = rh.o0; oh < rh.o1; ++oh)
            for (int64_t ow = rw.o0; ow < rw.o1; ++ow)
                if (idx[oh * p.out_w + ow] == me) acc += go[oh * p.out_w + ow];
        grad_in[i] = acc;
    }
}

// ---- avg_pool2d -----------------------------------------------------------------------------
// src/cpu/pool.cpp's Note [avg_pool2d divisor]: clip the window to the padded input (its size
// there is pool_size), then to the input; divide by divisor_override, else pool_size
// (count_include_pad), else the number of real elements.
struct AvgWindow {
    int64_t h0, h1, w0, w1;  // clipped to the input
    int64_t divisor;
};
__device__ __forceinline__ AvgWindow avg_window(int64_t oh, int64_t ow, const Pool2dParams& p) {
    int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
    int64_t h1 = imin(h0 + p.kernel_h, p.in_h + p.pad_h);
    int64_t w1 = imin(w0 + p.kernel_w, p.in_w + p.pad_w);
    const int64_t pool_size = (h1 - h0) * (w1 - w0);
    h0 = imax(h0, 0);
    w0 = imax(w0, 0);
    h1 = imin(h1, p.in_h);
    w1 = imin(w1, p.in_w);
    const int64_t divisor = p.divisor_override != 0 ? p.divisor_override
                            : p.count_include_pad   ? pool_size
                                                    : (h1 - h0) * (w1 - w0);
    return {h0, h1, w0, w1, divisor};
}

// out[p, oh, ow] = window sum / divisor, summed in double in row-major order (the CPU's order
// and accumulator, so the same bits).
template <typename T>
__global__ void avg_pool2d_kernel(T* __restrict__ out, const T* __restrict__ in, Pool2dParams p, int64_t n) {
    const int64_t H = p.in_h, W = p.in_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos o = plane_pos(i, p.out_h, p.out_w);
        const T* x = in + o.plane * H * W;
        const AvgWindow win = avg_window(o.y, o.x, p);
        if (win.h0 >= win.h1 || win.w0 >= win.w1) {  // a window wholly in the padding
            out[i] = T(0);
            continue;
        }
        double sum = 0;
        for (int64_t ih = win.h0; ih < win.h1; ++ih)
            for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += x[ih * W + iw];
        out[i] = static_cast<T>(sum / static_cast<double>(win.divisor));
    }
}

// grad_in[p, ih, iw] = sum over the windows containing (ih, iw), in row-major output order, of
// grad_out / divisor (each share computed in T, as the CPU does).
template <typename T> __global__ void avg_pool2d_backward_kernel(T* __restrict__ grad_in,
                                                                 const T* __restrict__ grad_out,
                                                                 Pool2dParams p, int64_t n) {
    const int64_t OHW = p.out_h * p.out_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos e = plane_pos(i, p.in_h, p.in_w);
        const T* go = grad_out + e.plane * OHW;
        // avg_pool2d has no dilation: the window spans kernel positions.
        const OutRange rh = windows_containing(e.y, p.pad_h, p.kernel_h, p.stride_h, p.out_h);
        const OutRange rw = windows_containing(e.x, p.pad_w, p.kernel_w, p.stride_w, p.out_w);
        T acc = T(0);
        for (int64_t oh = rh.o0; oh < rh.o1; ++oh)
            for (int64_t ow = rw.o0; ow < rw.o1; ++ow) {
                const AvgWindow win = avg_window(oh, ow, p);
                acc += go[oh * p.out_w + ow] / static_cast<T>(win.divisor);
            }
        grad_in[i] = acc;
    }
}

// ---- adaptive_avg_pool2d ----------------------------------------------------------------------
template <typename T> __global__ void adaptive_avg_pool2d_kernel(T* __restrict__ out,
                                                                 const T* __restrict__ in, Pool2dParams p,
                                                                 int64_t n) {
    const int64_t H = p.in_h, W = p.in_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos o = plane_pos(i, p.out_h, p.out_w);
        const T* x = in + o.plane * H * W;
        const int64_t h0 = adaptive_start(o.y, H, p.out_h), h1 = adaptive_end(o.y, H, p.out_h);
        const int64_t w0 = adaptive_start(o.x, W, p.out_w), w1 = adaptive_end(o.x, W, p.out_w);
        double sum = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += x[ih * W + iw];
        out[i] = static_cast<T>(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
    }
}

template <typename T> __global__ void adaptive_avg_pool2d_backward_kernel(T* __restrict__ grad_in,
                                                                          const T* __restrict__ grad_out,
                                                                          Pool2dParams p, int64_t n) {
    const int64_t H = p.in_h, W = p.in_w, OHW = p.out_h * p.out_w;
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const PlanePos e = plane_pos(i, H, W);
        const T* go = grad_out + e.plane * OHW;
        const OutRange rh = adaptive_windows_containing(e.y, H, p.out_h);
        const OutRange rw = adaptive_windows_containing(e.x, W, p.out_w);
        T acc = T(0);
        for (int64_t oh = rh.o0; oh < rh.o1; ++oh) {
            const int64_t h0 = adaptive_start(oh, H, p.out_h), h1 = adaptive_end(oh, H, p.out_h);
            for (int64_t ow = rw.o0; ow < rw.o1; ++ow) {
                const int64_t w0 = adaptive_start(ow, W, p.out_w), w1 = adaptive_end(ow, W, p.out_w);
                acc += go[oh * p.out_w + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
            }
        }
        grad_in[i] = acc;
    }
}

// Elements of the output (forward) or of the input (backward).
int64_t out_elements(const Pool2dParams& p) { return p.planes * p.out_h * p.out_w; }
int64_t in_elements(const Pool2dParams& p) { return p.planes * p.in_h * p.in_w; }

template <typename Windows>
void max_pool2d_backward_launch(const char* op, const TensorView& grad_in, const TensorView& grad_out,
                                const TensorView& indices, const Pool2dParams& p, Windows windows) {
    const int64_t n = in_elements(p);
    if (n == 0) return;
    dispatch_floating(grad_in.dtype, op, [&]<typename T>() {
        max_pool2d_backward_kernel<T, Windows><<<blocks_for(n), kThreadsPerBlock>>>(
            grad_in.ptr<T>(), grad_out.ptr<const T>(), indices.ptr<const int64_t>(), p, windows, n);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

}  // namespace

// ---- launchers --------------------------------------------------------------------------------
void max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                const Pool2dParams& p) {
    const int64_t n = out_elements(p);
    if (n == 0) return;
    dispatch_floating(in.dtype, "max_pool2d", [&]<typename T>() {
        max_pool2d_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), indices.ptr<int64_t>(),
                                                                  in.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("max_pool2d");
    });
}

void max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& indices,
                         const Pool2dParams& p) {
    max_pool2d_backward_launch("max_pool2d_backward", grad_in, grad_out, indices, p, StridedWindows{p});
}

void adaptive_max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                         const Pool2dParams& p) {
    const int64_t n = out_elements(p);
    if (n == 0) return;
    dispatch_floating(in.dtype, "adaptive_max_pool2d", [&]<typename T>() {
        adaptive_max_pool2d_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
            out.ptr<T>(), indices.ptr<int64_t>(), in.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("adaptive_max_pool2d");
    });
}

void adaptive_max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out,
                                  const TensorView& indices, const Pool2dParams& p) {
    max_pool2d_backward_launch("adaptive_max_pool2d_backward", grad_in, grad_out, indices, p,
                               AdaptiveWindows{p});
}

void avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p) {
    const int64_t n = out_elements(p);
    if (n == 0) return;
    dispatch_floating(in.dtype, "avg_pool2d", [&]<typename T>() {
        avg_pool2d_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), in.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("avg_pool2d");
    });
}

void avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p) {
    const int64_t n = in_elements(p);
    if (n == 0) return;
    dispatch_floating(grad_in.dtype, "avg_pool2d_backward", [&]<typename T>() {
        avg_pool2d_backward_kernel<T>
            <<<blocks_for(n), kThreadsPerBlock>>>(grad_in.ptr<T>(), grad_out.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("avg_pool2d_backward");
    });
}

void adaptive_avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p) {
    const int64_t n = out_elements(p);
    if (n == 0) return;
    dispatch_floating(in.dtype, "adaptive_avg_pool2d", [&]<typename T>() {
        adaptive_avg_pool2d_kernel<T>
            <<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), in.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d");
    });
}

void adaptive_avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out,
                                  const Pool2dParams& p) {
    const int64_t n = in_elements(p);
    if (n == 0) return;
    dispatch_floating(grad_in.dtype, "adaptive_avg_pool2d_backward", [&]<typename T>() {
        adaptive_avg_pool2d_backward_kernel<T>
            <<<blocks_for(n), kThreadsPerBlock>>>(grad_in.ptr<T>(), grad_out.ptr<const T>(), p, n);
        TINYDL_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d_backward");
    });
}

}  // namespace tinydl::cuda
