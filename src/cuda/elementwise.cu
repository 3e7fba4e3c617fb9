// elementwise.cu — CUDA kernels of the pointwise ops: one templated __global__ function per
// arity (unary, binary, ternary) around a functor of src/ops/elementwise_functors.h, the very
// functors the CPU kernels (src/cpu/elementwise.cpp) run, so the two devices share the formula.
// Copies and fills live in copy.cu.
//
// How one launch works (see src/cuda/launch.cuh):
//   - one thread per output element, in a grid-stride loop (int64 indices: a tensor may have
//     more than 2^31 elements);
//   - the host builds a StridedIndexer over the output and the inputs (size-1 dims dropped,
//     mergeable dims coalesced). When that leaves at most one dim in which every operand steps
//     by 1, all operands are contiguous and the kernel indexes them directly (kContiguous);
//     otherwise each thread turns its flat index into one offset per operand (a broadcast
//     operand has stride 0, so it reads the same element many times);
//   - the functor is passed by value (a few bytes: leaky_relu's slope, clamp's bounds).
//
// Dtype coverage is copied from the CPU file line by line: the dispatch_* that picks T is the same
// for every op, so an unsupported dtype gives the same TypeError on both devices.
#include <array>
#include <cstdint>

#include "src/cuda/elementwise.h"
#include "src/cuda/launch.cuh"
#include "src/ops/elementwise_functors.h"

namespace tinydl::cuda {

namespace {

// True when every operand of the coalesced view steps through memory by 1 (or there is a single
// element): then flat element i sits at offset i in every operand.
template <int N> bool all_contiguous(const StridedIndexer<N>& ix) {
    if (ix.ndim == 0) return true;  // every dim has size 1: one element, offset 0 everywhere
    if (ix.ndim != 1) return false;
    for (int k = 0; k < N; ++k)
        if (ix.strides[k][0] != 1) return false;
    return true;
}

// ---- the kernels, one per arity -------------------------------------------------------------------
// out[i] = f(in[i])
template <bool kContiguous, typename TOut, typename TIn, typename F>
__global__ void unary_kernel(TOut* out, const TIn* in, int64_t n, StridedIndexer<2> ix, F f) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        if constexpr (kContiguous) {
            out[i] = static_cast<TOut>(f(in[i]));
        } else {
            int64_t off[2];
            ix.offsets(i, off);
            out[off[0]] = static_cast<TOut>(f(in[off[1]]));
        }
    }
}

// out[i] = f(a[i], b[i])
template <bool kContiguous, typename TOut, typename TIn, typename F>
__global__ void binary_kernel(TOut* out, const TIn* a, const TIn* b, int64_t n, StridedIndexer<3> ix, F f) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        if constexpr (kContiguous) {
            out[i] = static_cast<TOut>(f(a[i], b[i]));
        } else {
            int64_t off[3];
            ix.offsets(i, off);
            out[off[0]] = static_cast<TOut>(f(a[off[1]], b[off[2]]));
        }
    }
}

// out[i] = f(c[i], a[i], b[i]), c of type TC (where's bool condition)
template <bool kContiguous, typename T, typename TC, typename F>
__global__ void ternary_kernel(T* out, const TC* c, const T* a, const T* b, int64_t n, StridedIndexer<4> ix, F f) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        if constexpr (kContiguous) {
            out[i] = f(c[i], a[i], b[i]);
        } else {
            int64_t off[4];
            ix.offsets(i, off);
            out[off[0]] = f(c[off[1]], a[off[2]], b[off[3]]);
        }
    }
}

// ---- launchers: the host side of each arity ----------------------------------------------------------
// All views have out's sizes (the ops broadcast them before calling the kernel).
template <typename TOut, typename TIn, typename F>
void launch_unary(const char* op, const TensorView& out, const TensorView& in, F f) {
    const int64_t n = out.numel();
    if (n == 0) return;
    const StridedIndexer<2> ix = make_indexer<2>(op, {&out, &in});
    TOut* po = out.ptr<TOut>();
    const TIn* pi = in.ptr<const TIn>();
    if (all_contiguous(ix))
        unary_kernel<true, TOut, TIn, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pi, n, ix, f);
    else
        unary_kernel<false, TOut, TIn, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pi, n, ix, f);
    TINYDL_CUDA_LAUNCH_CHECK(op);
}

template <typename TOut, typename TIn, typename F>
void launch_binary(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
    const int64_t n = out.numel();
    if (n == 0) return;
    const StridedIndexer<3> ix = make_indexer<3>(op, {&out, &a, &b});
    TOut* po = out.ptr<TOut>();
    const TIn* pa = a.ptr<const TIn>();
    const TIn* pb = b.ptr<const TIn>();
    if (all_contiguous(ix))
        binary_kernel<true, TOut, TIn, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pa, pb, n, ix, f);
    else
        binary_kernel<false, TOut, TIn, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pa, pb, n, ix, f);
    TINYDL_CUDA_LAUNCH_CHECK(op);
}

template <typename T, typename TC, typename F>
void launch_ternary(const char* op, const TensorView& out, const TensorView& c, const TensorView& a,
                    const TensorView& b, F f) {
    const int64_t n = out.numel();
    if (n == 0) return;
    const StridedIndexer<4> ix = make_indexer<4>(op, {&out, &c, &a, &b});
    T* po = out.ptr<T>();
    const TC* pc = c.ptr<const TC>();
    const T* pa = a.ptr<const T>();
    const T* pb = b.ptr<const T>();
    if (all_contiguous(ix))
        ternary_kernel<true, T, TC, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pc, pa, pb, n, ix, f);
    else
        ternary_kernel<false, T, TC, F><<<blocks_for(n), kThreadsPerBlock>>>(po, pc, pa, pb, n, ix, f);
    TINYDL_CUDA_LAUNCH_CHECK(op);
}

// ---- dtype families, as in src/cpu/elementwise.cpp ---------------------------------------------------
template <typename F> void same_type(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
    dispatch_all(out.dtype, op, [&]<typename T>() { launch_binary<T, T>(op, out, a, b, f); });
}
template <typename F> void to_bool(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
    dispatch_all(a.dtype, op, [&]<typename T>() { launch_binary<bool, T>(op, out, a, b, f); });
}
template <typename F> void any_type(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_all(out.dtype, op, [&]<typename T>() { launch_unary<T, T>(op, out, in, f); });
}
template <typename F> void numeric(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_numeric(out.dtype, op, [&]<typename T>() { launch_unary<T, T>(op, out, in, f); });
}
template <typename F> void floating(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_floating(out.dtype, op, [&]<typename T>() { launch_unary<T, T>(op, out, in, f); });
}

// relu's backward (PyTorch's threshold_backward): a select, not g * (y > 0), since 0 * inf would
// be NaN where PyTorch gives 0. The CPU kernel writes the same select as a lambda.
struct ReluBackwardFn {
    template <typename T> __device__ T operator()(T grad, T out) const { return out > T(0) ? grad : T(0); }
};

}  // namespace

void add(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("add", o, a, b, fn::Add{}); }
void sub(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("sub", o, a, b, fn::Sub{}); }
void mul(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("mul", o, a, b, fn::Mul{}); }
void div(const TensorView& o, const TensorView& a, const TensorView& b) {
    dispatch_floating(o.dtype, "div", [&]<typename T>() { launch_binary<T, T>("div", o, a, b, fn::Div{}); });
}
void pow(const TensorView& o, const TensorView& a, const TensorView& b) {
    dispatch_numeric(o.dtype, "pow", [&]<typename T>() { launch_binary<T, T>("pow", o, a, b, fn::Pow{}); });
}
void maximum(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("maximum", o, a, b, fn::Maximum{}); }
void minimum(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("minimum", o, a, b, fn::Minimum{}); }

void eq(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("eq", o, a, b, fn::Eq{}); }
void ne(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("ne", o, a, b, fn::Ne{}); }
void lt(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("lt", o, a, b, fn::Lt{}); }
void le(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("le", o, a, b, fn::Le{}); }
void gt(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("gt", o, a, b, fn::Gt{}); }
void ge(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("ge", o, a, b, fn::Ge{}); }
void logical_and(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_and", o, a, b, fn::LogicalAnd{}); }
void logical_or(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_or", o, a, b, fn::LogicalOr{}); }
void logical_xor(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_xor", o, a, b, fn::LogicalXor{}); }
void logical_not(const TensorView& o, const TensorView& in) {
    dispatch_all(in.dtype, "logical_not", [&]<typename T>() { launch_unary<bool, T>("logical_not", o, in, fn::LogicalNot{}); });
}

void neg(const TensorView& o, const TensorView& in) { numeric("neg", o, in, fn::Neg{}); }
void abs(const TensorView& o, const TensorView& in) { numeric("abs", o, in, fn::Abs{}); }
void exp(const TensorView& o, const TensorView& in) { floating("exp", o, in, fn::Exp{}); }
void log(const TensorView& o, const TensorView& in) { floating("log", o, in, fn::Log{}); }
void log1p(const TensorView& o, const TensorView& in) { floating("log1p", o, in, fn::Log1p{}); }
void sqrt(const TensorView& o, const TensorView& in) { floating("sqrt", o, in, fn::Sqrt{}); }
void rsqrt(const TensorView& o, const TensorView& in) { floating("rsqrt", o, in, fn::Rsqrt{}); }
void sin(const TensorView& o, const TensorView& in) { floating("sin", o, in, fn::Sin{}); }
void cos(const TensorView& o, const TensorView& in) { floating("cos", o, in, fn::Cos{}); }
void tanh(const TensorView& o, const TensorView& in) { floating("tanh", o, in, fn::Tanh{}); }
void erf(const TensorView& o, const TensorView& in) { floating("erf", o, in, fn::Erf{}); }
void sigmoid(const TensorView& o, const TensorView& in) { floating("sigmoid", o, in, fn::Sigmoid{}); }
void relu(const TensorView& o, const TensorView& in) { numeric("relu", o, in, fn::Relu{}); }
void relu_backward(const TensorView& o, const TensorView& g, const TensorView& y) {
    same_type("relu_backward", o, g, y, ReluBackwardFn{});
}
void gelu(const TensorView& o, const TensorView& in) { floating("gelu", o, in, fn::Gelu{}); }
void gelu_tanh(const TensorView& o, const TensorView& in) { floating("gelu", o, in, fn::GeluTanh{}); }
void silu(const TensorView& o, const TensorView& in) { floating("silu", o, in, fn::Silu{}); }
void sign(const TensorView& o, const TensorView& in) { any_type("sign", o, in, fn::Sign{}); }
void floor(const TensorView& o, const TensorView& in) { floating("floor", o, in, fn::Floor{}); }
void ceil(const TensorView& o, const TensorView& in) { floating("ceil", o, in, fn::Ceil{}); }
void round(const TensorView& o, const TensorView& in) { floating("round", o, in, fn::Round{}); }
void leaky_relu(const TensorView& o, const TensorView& in, double slope, double) {
    floating("leaky_relu", o, in, fn::LeakyRelu{slope});
}
void softplus(const TensorView& o, const TensorView& in, double beta, double threshold) {
    floating("softplus", o, in, fn::Softplus{beta, threshold});
}
void clamp(const TensorView& o, const TensorView& in, double lo, double hi) { numeric("clamp", o, in, fn::Clamp{lo, hi}); }

void where(const TensorView& o, const TensorView& cond, const TensorView& a, const TensorView& b) {
    dispatch_all(o.dtype, "where", [&]<typename T>() { launch_ternary<T, bool>("where", o, cond, a, b, fn::Where{}); });
}

}  // namespace tinydl::cuda
