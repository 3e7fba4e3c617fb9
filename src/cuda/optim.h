// optim.h — the fused CUDA update kernels of SGD and Adam/AdamW (src/cuda/optim.cu), declared
// for src/optim/*.cpp (plain C++: no CUDA types here).
//
// Each is the GPU twin of the fused CPU loop in src/optim/sgd.cpp / adam.cpp: one kernel per
// parameter that reads p, its gradient and its state once and writes them once, with the very
// formula of the CPU loop in the very order (see Note [Bit-equal updates] in optim.cu). The
// caller routes here only when detail::can_fuse (src/optim/fused.h) holds on a CUDA parameter:
// every view is contiguous, on p's device, of p's dtype (float32 or float64) and p's numel;
// everything else takes the tinydl-ops path, which also runs on CUDA.
//
// Hyper-parameters come by value, in double; the launcher rounds them to the parameter's dtype
// exactly as the CPU loop does (PyTorch rounds a Python float the same way).
#pragma once

#include "src/core/dispatch.h"  // TensorView

namespace tinydl::cuda {

// SGD with momentum, dampening, nesterov, weight_decay, maximize (formula in tinydl/optim/sgd.h).
struct SGDStepArgs {
    double lr, momentum, dampening, weight_decay;
    bool nesterov, maximize;
    bool first;  // the momentum buffer is new this step: it becomes the gradient
};
// buf.data is null without momentum.
void sgd_step(const TensorView& p, const TensorView& grad, const TensorView& buf, const SGDStepArgs& args);

// Adam (decoupled = false) and AdamW (decoupled = true), amsgrad optional. step_size and
// bias_correction2_sqrt are computed on the host in double (Note [Adam bias correction] in
// src/optim/adam.cpp).
struct AdamStepArgs {
    double lr, beta1, beta2, eps, weight_decay;
    bool maximize, decoupled;
    double step_size, bias_correction2_sqrt;
};
// v_max.data is null without amsgrad.
void adam_step(const TensorView& p, const TensorView& grad, const TensorView& m, const TensorView& v,
               const TensorView& v_max, const AdamStepArgs& args);

}  // namespace tinydl::cuda
