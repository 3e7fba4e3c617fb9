// optim.cu — fused optimizer updates on the GPU: SGD and Adam/AdamW (declared in optim.h).
//
// One kernel per parameter and step. Each thread updates elements i of p, its gradient and its
// state in a grid-stride loop; every element is independent, so there is no reduction, no
// shared memory and no atomic. An update reads p, g and the state once and writes them once:
// SGD with momentum moves 5 numbers per element where the tinydl-ops path (about ten kernels,
// some allocating) moves several times that.
//
// Note [Bit-equal updates]: the kernels are the fused CPU loops of src/optim/sgd.cpp and
// adam.cpp transcribed operation by operation, and every operation is written with CUDA's
// round-to-nearest intrinsics (__fadd_rn, __fmul_rn, __fdiv_rn, __fsqrt_rn and their double
// twins) instead of + * / sqrt. Plain `a * b + c` would let nvcc contract it into one fused
// multiply-add (nvcc's default --fmad=true), which rounds once instead of twice and differs in
// the last bit from the CPU build (baseline x86-64 has no FMA to contract into). The intrinsics
// are never contracted and stay IEEE-exact even under --use_fast_math, so for the same inputs and
// hyper-parameters a CUDA step gives the CPU step's numbers to the bit. The hyper-parameters are
// rounded to T on the host with the CPU loop's expressions, for the same reason.
//
// Read first: src/optim/fused.h (why there is a fused path and a tinydl-ops path), then the CPU
// loops sgd_chunk and adam_chunk, which these mirror line by line.
#include <cmath>
#include <cstdint>

#include "src/cuda/launch.cuh"
#include "src/cuda/optim.h"

namespace tinydl::cuda {

namespace {

// ---- IEEE operations that nvcc may not contract (Note [Bit-equal updates]) ------------------------
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double sqrt_rn(double a) { return __dsqrt_rn(a); }

// detail::lerp of src/optim/fused.h: self + w (end - self), or the other way round for large w
// so that w = 1 gives end exactly. `small` is |w| < 0.5, decided once on the host.
template <typename T> __device__ __forceinline__ T lerp_rn(T self, T end, T w, bool small) {
    return small ? add_rn(self, mul_rn(w, sub_rn(end, self)))
                 : sub_rn(end, mul_rn(sub_rn(end, self), sub_rn(T(1), w)));
}

// The launchers trust src/optim's routing (detail::can_fuse); a broken promise would read out of
// bounds on the GPU, so it is checked again here, on the host, where it is cheap.
bool is_dense(const TensorView& v) {
    int64_t expected = 1;
    for (int64_t d = v.ndim() - 1; d >= 0; --d) {
        if (v.sizes[d] != 1 && v.strides[d] != expected) return false;
        expected *= v.sizes[d];
    }
    return true;
}
void check_operand(const char* op, const TensorView& p, const TensorView& t, const char* what) {
    if (t.data == nullptr) return;  // optional state absent
    TINYDL_ASSERT(t.dtype == p.dtype && t.numel() == p.numel() && is_dense(t), op, ": ", what,
                  " does not match the parameter (dtype, numel or layout); the caller should have taken the "
                  "tinydl-ops path");
}

// ---- SGD --------------------------------------------------------------------------------------------
// The CPU loop's SGDScalars: hyper-parameters rounded to T, passed by value.
template <typename T> struct SGDScalars {
    T lr, weight_decay, momentum, keep;     // keep = 1 - dampening
    bool maximize, nesterov, decay, first;  // first: the momentum buffer is new and becomes g
};

// sgd_chunk of src/optim/sgd.cpp on the GPU. kMomentum decides whether buf exists at all.
template <typename T, bool kMomentum>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ buf, int64_t n,
                           const SGDScalars<T> s) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        T g = s.maximize ? -grad[i] : grad[i];
        if (s.decay) g = add_rn(g, mul_rn(s.weight_decay, p[i]));
        if constexpr (kMomentum) {
            // On the first step buf holds uninitialised memory: it is written, never read.
            const T b = s.first ? g : add_rn(mul_rn(buf[i], s.momentum), mul_rn(s.keep, g));
            buf[i] = b;
            g = s.nesterov ? add_rn(g, mul_rn(s.momentum, b)) : b;
        }
        p[i] = add_rn(p[i], mul_rn(-s.lr, g));
    }
}

// ---- Adam / AdamW -------------------------------------------------------------------------------------
// The CPU loop's AdamScalars, plus small_w1 (the lerp's choice of formula, as its SSE loop).
template <typename T> struct AdamScalars {
    T weight_decay, decay_factor;  // decay_factor = 1 - lr * weight_decay (AdamW)
    T w1, beta2, w2;               // w1 = 1 - beta1 (lerp weight), w2 = 1 - beta2
    T eps, neg_step_size, bias_correction2_sqrt;
    bool maximize, l2, decoupled, small_w1;
};

// adam_chunk of src/optim/adam.cpp on the GPU; m = exp_avg, v = exp_avg_sq, v_max =
// max_exp_avg_sq. kAmsgrad decides whether v_max exists at all.
template <typename T, bool kAmsgrad>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ m,
                            T* __restrict__ v, T* __restrict__ v_max, int64_t n, const AdamScalars<T> s) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        T g = s.maximize ? -grad[i] : grad[i];
        T param = p[i];
        if (s.l2) g = add_rn(g, mul_rn(s.weight_decay, param));
        if (s.decoupled) param = mul_rn(param, s.decay_factor);
        const T m_i = lerp_rn(m[i], g, s.w1, s.small_w1);
        const T v_i = add_rn(mul_rn(v[i], s.beta2), mul_rn(mul_rn(s.w2, g), g));
        m[i] = m_i;
        v[i] = v_i;
        T second = v_i;
        if constexpr (kAmsgrad) {
            const T old = v_max[i];
            second = old < v_i ? v_i : old;  // std::max(v_max[i], v_i), ties and NaN included
            v_max[i] = second;
        }
        const T denom = add_rn(div_rn(sqrt_rn(second), s.bias_correction2_sqrt), s.eps);
        p[i] = add_rn(param, div_rn(mul_rn(s.neg_step_size, m_i), denom));
    }
}

}  // namespace

void sgd_step(const TensorView& p, const TensorView& grad, const TensorView& buf, const SGDStepArgs& a) {
    const char* op = "SGD.step";
    const int64_t n = p.numel();
    if (n == 0) return;  // (an empty tensor's data pointer may be null)
    check_operand(op, p, p, "the parameter");
    check_operand(op, p, grad, "the gradient");
    check_operand(op, p, buf, "momentum_buffer");
    TINYDL_ASSERT(p.data != nullptr && grad.data != nullptr, op,
                  ": the parameter and its gradient are required");
    dispatch_floating(p.dtype, op, [&]<typename T>() {
        // The CPU loop's rounding of each hyper-parameter (sgd_cpu in src/optim/sgd.cpp).
        const SGDScalars<T> s{static_cast<T>(a.lr),
                              static_cast<T>(a.weight_decay),
                              static_cast<T>(a.momentum),
                              static_cast<T>(1.0 - a.dampening),
                              a.maximize,
                              a.nesterov,
                              a.weight_decay != 0,
                              a.first};
        if (buf.data != nullptr)
            sgd_kernel<T, true>
                <<<blocks_for(n), kThreadsPerBlock>>>(p.ptr<T>(), grad.ptr<T>(), buf.ptr<T>(), n, s);
        else
            sgd_kernel<T, false>
                <<<blocks_for(n), kThreadsPerBlock>>>(p.ptr<T>(), grad.ptr<T>(), nullptr, n, s);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

void adam_step(const TensorView& p, const TensorView& grad, const TensorView& m, const TensorView& v,
               const TensorView& v_max, const AdamStepArgs& a) {
    const char* op = a.decoupled ? "AdamW.step" : "Adam.step";
    const int64_t n = p.numel();
    if (n == 0) return;  // (an empty tensor's data pointer may be null)
    check_operand(op, p, p, "the parameter");
    check_operand(op, p, grad, "the gradient");
    check_operand(op, p, m, "exp_avg");
    check_operand(op, p, v, "exp_avg_sq");
    check_operand(op, p, v_max, "max_exp_avg_sq");
    TINYDL_ASSERT(p.data != nullptr && grad.data != nullptr && m.data != nullptr && v.data != nullptr, op,
                  ": the parameter, its gradient, exp_avg and exp_avg_sq are required");
    dispatch_floating(p.dtype, op, [&]<typename T>() {
        // The CPU loop's rounding of each hyper-parameter (adam_cpu in src/optim/adam.cpp).
        const T w1 = static_cast<T>(1.0 - a.beta1);
        const AdamScalars<T> s{static_cast<T>(a.weight_decay),
                               static_cast<T>(1.0 - a.lr * a.weight_decay),
                               w1,
                               static_cast<T>(a.beta2),
                               static_cast<T>(1.0 - a.beta2),
                               static_cast<T>(a.eps),
                               static_cast<T>(-a.step_size),
                               static_cast<T>(a.bias_correction2_sqrt),
                               a.maximize,
                               a.weight_decay != 0 && !a.decoupled,
                               a.weight_decay != 0 && a.decoupled,
                               std::abs(w1) < T(0.5)};
        if (v_max.data != nullptr)
            adam_kernel<T, true><<<blocks_for(n), kThreadsPerBlock>>>(p.ptr<T>(), grad.ptr<T>(), m.ptr<T>(),
                                                                      v.ptr<T>(), v_max.ptr<T>(), n, s);
        else
            adam_kernel<T, false><<<blocks_for(n), kThreadsPerBlock>>>(p.ptr<T>(), grad.ptr<T>(), m.ptr<T>(),
                                                                       v.ptr<T>(), nullptr, n, s);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

}  // namespace tinydl::cuda
