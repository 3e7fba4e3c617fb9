// clip_grad.h — gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
//
// Call between backward() and optimizer.step(). Parameters without a gradient are skipped.
//
//   loss.backward();
//   double norm = optim::clip_grad_norm_(model->parameters(), /*max_norm=*/1.0);
//   opt.step();
#pragma once

#include <vector>

#include "tinydl/tensor.h"

namespace tinydl::optim {

// Scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, where
// total_norm is the norm_type-norm of all gradients together (the norm of the per-tensor
// norms); norm_type may be INFINITY (the largest |g|). Returns total_norm, measured before
// clipping. error_if_nonfinite: throw when total_norm is NaN or infinite instead of scaling.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);
void clip_grad_value_(const Tensor& param, double clip_value);

}  // namespace tinydl::optim
