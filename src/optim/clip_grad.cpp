// clip_grad.cpp — clip_grad_norm_ and clip_grad_value_ (see clip_grad.h), written with tinydl
// ops so they run wherever the gradients live.
#include "tinydl/optim/clip_grad.h"

#include <cmath>

#include "tinydl/autograd.h"
#include "tinydl/ops.h"

namespace tinydl::optim {

namespace {
std::vector<Tensor> defined_grads(const std::vector<Tensor>& params) {
    std::vector<Tensor> grads;
    for (const Tensor& p : params)
        if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
    return grads;
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
    const char* op = "clip_grad_norm_";
    TINYDL_CHECK(norm_type > 0, op, "norm_type must be positive or inf, got ", norm_type);
    NoGradGuard no_grad;
    const std::vector<Tensor> grads = defined_grads(params);
    if (grads.empty()) return 0.0;
    // PyTorch's two-level norm: the norm of each gradient, then the norm of those norms, which
    // equals the norm of all elements together. An empty gradient contributes 0.
    std::vector<Tensor> norms;
    for (const Tensor& g : grads) {
        TINYDL_CHECK(g.is_floating_point(), op, "gradients must be floating point, got ", g.dtype());
        if (g.numel() == 0) continue;
        norms.push_back(norm(g, norm_type).to(Device::cpu(), kFloat64));
    }
    double total = 0.0;
    if (!norms.empty()) total = norm(stack(norms), norm_type).item<double>();
    TINYDL_CHECK(!error_if_nonfinite || std::isfinite(total), op, "The total norm of order ", norm_type,
                 " for gradients from `parameters` is non-finite (", total,
                 "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                 "norm anyway, set `error_if_nonfinite=false`");
    const double clip_coef = max_norm / (total + 1e-6);
    // PyTorch multiplies by min(coef, 1); skipping the multiply by exactly 1 saves a pass over
    // every gradient. A NaN coefficient (NaN norm) still multiplies, as in PyTorch.
    if (!(clip_coef >= 1.0))
        for (Tensor g : grads) g.mul_(clip_coef);
    return total;
}

double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type, bool error_if_nonfinite) {
    return clip_grad_norm_(std::vector<Tensor>{param}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
    TINYDL_CHECK(clip_value >= 0, "clip_grad_value_", "clip_value must be >= 0, got ", clip_value);
    NoGradGuard no_grad;
    for (Tensor g : defined_grads(params)) g.clamp_(-clip_value, clip_value);
}

void clip_grad_value_(const Tensor& param, double clip_value) {
    clip_grad_value_(std::vector<Tensor>{param}, clip_value);
}

}  // namespace tinydl::optim
