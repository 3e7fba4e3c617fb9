// clip_grad.cpp — clip_grad_norm_ and clip_grad_value_ (see clip_grad.h), written with tinydl
// ops so they run wherever the gradients live: the norms and the scaling are device ops; the
// only host read is the one total norm that clip_grad_norm_ returns (a single device-to-host
// copy per device holding gradients, not one per gradient).
#include "tinydl/optim/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

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
    // equals the norm of all elements together. An empty gradient contributes 0. The norms of
    // each device's gradients are combined on that device (in float64), and only those per-device
    // totals come to the host: a third level, needed only when gradients live on several devices.
    std::vector<std::pair<Device, std::vector<Tensor>>> norms_by_device;
    for (const Tensor& g : grads) {
        TINYDL_CHECK(g.is_floating_point(), op, "gradients must be floating point, got ", g.dtype());
        if (g.numel() == 0) continue;
        auto it = std::find_if(norms_by_device.begin(), norms_by_device.end(),
                               [&](const auto& entry) { return entry.first == g.device(); });
        if (it == norms_by_device.end()) it = norms_by_device.insert(it, {g.device(), {}});
        it->second.push_back(norm(g, norm_type).to(kFloat64));
    }
    std::vector<Tensor> device_totals;  // float64 scalars on the CPU
    for (const auto& [device, norms] : norms_by_device)
        device_totals.push_back(norm(stack(norms), norm_type).to(Device::cpu()));
    double total = 0.0;
    if (device_totals.size() == 1) total = device_totals[0].item<double>();
    else if (!device_totals.empty()) total = norm(stack(device_totals), norm_type).item<double>();
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
