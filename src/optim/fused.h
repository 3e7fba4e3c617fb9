// fused.h — helpers for the optimizers' update loops (internal to tinydl).
//
// Each optimizer writes its update twice, on purpose:
// - a fused loop: one pass over raw memory that reads p, g and the state once and writes
//   them once, with no temporaries (the common case: contiguous float32/float64 tensors). On
//   the CPU it is a loop in the optimizer's file; SGD and Adam/AdamW also have a CUDA kernel
//   (src/cuda/optim.cu) that is the same loop, operation by operation;
// - a composition of tinydl ops (mul_, add_, sqrt, ...): slower (each op is a pass, some
//   allocate), but it runs on any device and any layout, and reads like the formula.
// Routing, per parameter: fusable on the CPU -> CPU loop; fusable on CUDA -> CUDA kernel (where
// one exists; RMSprop and Adagrad take the ops on CUDA); anything else -> the ops.
// All apply PyTorch's single-tensor update in the same order of operations, with hyper-
// parameters rounded to the parameter's dtype first as PyTorch's kernels do, so they agree to
// the last bit or nearly; tests/optim/test_optimizers.cpp checks both against float64 loops,
// tests/cuda/test_parity_optim.cpp the CUDA paths against the CPU.
#pragma once

#include <cmath>
#include <initializer_list>

#include "tinydl/error.h"
#include "tinydl/ops.h"
#include "tinydl/parallel.h"
#include "tinydl/tensor.h"

namespace tinydl::optim::detail {

// True when a fused loop on p's device can update p: p and every other defined tensor (the
// gradient, the state) contiguous, on p's device, of p's dtype (float32 or float64), with p's
// element count. The caller then picks the loop by p.device().
inline bool can_fuse(const Tensor& p, std::initializer_list<const Tensor*> others) {
    if (!p.is_contiguous() || (p.dtype() != kFloat32 && p.dtype() != kFloat64)) return false;
    for (const Tensor* t : others) {
        if (!t->defined()) continue;
        if (t->device() != p.device() || !t->is_contiguous() || t->dtype() != p.dtype() || t->numel() != p.numel())
            return false;
    }
    return true;
}

// A fused loop writes through raw pointers, so it bumps the version counters itself (as an
// in-place op would): autograd then refuses a backward through a saved, since-updated tensor.
inline void bump_versions(std::initializer_list<const Tensor*> written) {
    for (const Tensor* t : written)
        if (t->defined()) t->storage()->bump_version();
}

// The per-parameter step counter state["step"]: a 0-dim float64 tensor kept on the CPU whatever
// the parameter's device (make_step makes it there, load_state_dict keeps it there), because the
// host reads it every step to compute the bias corrections; on the GPU that read would be a
// synchronizing copy per parameter.
inline double& step_counter(Tensor& step) {
    TINYDL_ASSERT(step.is_cpu() && step.dtype() == kFloat64 && step.numel() == 1,
                  "optimizer state 'step' must be a one-element float64 CPU tensor, got ", step.dtype(), " ",
                  step.sizes(), " on ", step.device());
    return *step.data_ptr<double>();
}

// Note [Fused loops]: each loop body is a function of restrict pointers and of hyper-parameters
// passed *by value*. Read through a reference (a lambda's [&] capture, an options object), a
// hyper-parameter might alias the float being stored, so the compiler reloads it after every
// store and gives up vectorizing; as a by-value local it stays in a register. Likewise a store
// that depends on an option (the momentum buffer) becomes a template argument. Together these
// made SGD's loop 8x faster. (Loops with std::sqrt still run scalar: GCC keeps sqrt's errno
// check unless -fno-math-errno; on the machine measured, sqrt and division set the pace anyway.)
//
// Runs body(begin, end) over the n elements on the CPU threads. An optimizer update costs a
// few tens of flops per element, so a chunk can be smaller than for a plain add.
template <typename F> void fused_for(int64_t n, const F& body) { parallel_for(0, n, kParallelGrain / 4, body); }

// PyTorch's lerp: self + w (end - self), written the other way round for large w so that
// w = 1 gives end exactly (ATen's lerp in Lerp.h).
template <typename T> inline T lerp(T self, T end, T w) {
    return std::abs(w) < T(0.5) ? self + w * (end - self) : end - (end - self) * (T(1) - w);
}

// self = lerp(self, end, w) with tinydl ops (the unfused path).
inline void lerp_(Tensor& self, const Tensor& end, double w) {
    if (std::abs(w) < 0.5) self.add_(sub(end, self).mul_(w));
    else self.copy_(sub(end, sub(end, self).mul_(1.0 - w)));
}

// The gradient as the update sees it: negated for maximize, plus weight_decay * p (L2).
// Unfused path; returns `grad` itself when neither applies.
inline Tensor effective_grad(const Tensor& grad, const Tensor& p, bool maximize, double weight_decay) {
    Tensor g = maximize ? neg(grad) : grad;
    if (weight_decay != 0) g = add(g, p, weight_decay);
    return g;
}

}  // namespace tinydl::optim::detail
