// loss.h — the CUDA kernels of the class-index losses (src/cuda/loss.cu): fused cross entropy
// and nll_loss, forward and backward, declared for src/ops/loss.cpp. Plain C++ (no CUDA types).
// Same signatures, geometry ([A, C, B] input, flat [A * B] targets) and maths as the CPU
// kernels in src/cpu/loss.h, which also defines ClassLossParams and the kernel types. The
// targets arrive on the device, already checked on the host (Note [Checked class indices]).
#pragma once

#include "src/cpu/loss.h"

namespace tinydl::cuda {

void cross_entropy_forward(const TensorView& loss, const TensorView& lse, const TensorView& logits,
                           const TensorView& target, const TensorView& weight, const ClassLossParams& p);
void cross_entropy_backward(const TensorView& grad_logits, const TensorView& grad_loss,
                            const TensorView& logits, const TensorView& lse, const TensorView& target,
                            const TensorView& weight, const ClassLossParams& p);
void nll_loss_forward(const TensorView& loss, const TensorView& input, const TensorView& target,
                      const TensorView& weight, const ClassLossParams& p);
void nll_loss_backward(const TensorView& grad_input, const TensorView& grad_loss, const TensorView& target,
                       const TensorView& weight, const ClassLossParams& p);

}  // namespace tinydl::cuda
