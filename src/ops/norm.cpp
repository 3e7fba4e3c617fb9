// norm.cpp — batch_norm, layer_norm, group_norm (declared in include/tinydl/ops/norm.h).
//
// Dimension legend: N batch, C channels, S = product of the spatial dims (1 for [N, C]),
// M = N * S values per channel, G groups, D... the normalized_shape of layer_norm.
//
// batch_norm is the workhorse of CNN training, so it has fused kernels (src/cpu/norm.cpp,
// src/cuda/norm.cu): one pass set for the per-channel statistics, one for
// y = x * scale[c] + shift[c], and a fused backward that needs two sweeps instead of the six or
// so of the composition. Everything around them (running-stat updates, scale and shift) is
// tensor ops on the input's device: no value is read on the host.
// Note [batch_norm double backward]: the fused backward kernel produces numbers, not a graph.
// When backward runs with create_graph (grad mode on inside the engine), or on a device without
// the kernel, NativeBatchNormBackward0 computes the same formulas with tinydl ops instead,
// recomputing mean and var from the saved input so that they stay functions of x; the result
// is differentiable again (gradgradcheck in tests/ops/test_norm.cpp).
//
// layer_norm and group_norm are compositions (mean, sub, mul, rsqrt): correct first, any order
// of gradient for free, on any device; a fused kernel can replace them when measured slow.
#include "tinydl/ops/norm.h"

#include <algorithm>
#include <string>
#include <vector>

#include "src/cpu/norm.h"
#include "src/cuda/norm.h"
#include "src/ops/op_utils.h"

namespace tinydl {

namespace {

// ---- kernel tables ---------------------------------------------------------------------------
// Local kernel types: only batch_norm uses them (see src/cpu/norm.h for the [N, C, S] layout).
using BatchNormStatsKernel = void (*)(const TensorView& mean, const TensorView& var, const TensorView& x, int64_t N,
                                      int64_t C, int64_t S);
using BatchNormApplyKernel = void (*)(const TensorView& y, const TensorView& x, const TensorView& scale,
                                      const TensorView& shift, int64_t N, int64_t C, int64_t S);
using BatchNormBackwardKernel = void (*)(const TensorView& grad_input, const TensorView& grad_weight,
                                         const TensorView& grad_bias, const TensorView& grad_out, const TensorView& x,
                                         const TensorView& mean, const TensorView& invstd, const TensorView& weight,
                                         bool training, int64_t N, int64_t C, int64_t S);

const KernelTable<BatchNormStatsKernel> bn_stats_kernels{"batch_norm", cpu::batch_norm_stats,
                                                         TINYDL_IF_CUDA(cuda::batch_norm_stats)};
const KernelTable<BatchNormApplyKernel> bn_apply_kernels{"batch_norm", cpu::batch_norm_apply,
                                                         TINYDL_IF_CUDA(cuda::batch_norm_apply)};
const KernelTable<BatchNormBackwardKernel> bn_backward_kernels{"batch_norm_backward", cpu::batch_norm_backward,
                                                               TINYDL_IF_CUDA(cuda::batch_norm_backward)};

// Every dim but the channel dim 1: what batch_norm reduces over.
std::vector<int64_t> non_channel_dims(int64_t ndim) {
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < ndim; ++d) dims.push_back(d);
    return dims;
}

// [1, C, 1, ...]: a per-channel vector shaped to broadcast against [N, C, *].
std::vector<int64_t> channel_shape(int64_t ndim, int64_t C) {
    std::vector<int64_t> shape(static_cast<size_t>(ndim), 1);
    shape[1] = C;
    return shape;
}

// The batch_norm backward formulas written with tinydl ops (any device, differentiable).
// See Note [batch_norm double backward]. In training, mean and invstd are recomputed from x.
std::vector<Tensor> batch_norm_backward_composite(const Tensor& g, const Tensor& x, const Tensor& w,
                                                  const Tensor& saved_mean, const Tensor& saved_invstd,
                                                  bool training, double eps) {
    const int64_t C = x.size(1);
    const std::vector<int64_t> dims = non_channel_dims(x.dim());
    const std::vector<int64_t> cshape = channel_shape(x.dim(), C);
    Tensor mean, invstd;
    if (training) {
        mean = x.mean(dims, /*keepdim=*/true);
        const Tensor xc = x - mean;
        invstd = ((xc * xc).mean(dims, /*keepdim=*/true) + eps).rsqrt();
    } else {
        mean = saved_mean.view(cshape);
        invstd = saved_invstd.view(cshape);
    }
    const Tensor xhat = (x - mean) * invstd;
    const Tensor k = w.defined() ? w.reshape(cshape) * invstd : invstd;  // weight / sqrt(var + eps)
    Tensor grad_input;
    if (training) {
        // term 1: g; term 2: through the batch mean; term 3: through the batch variance.
        grad_input = k * (g - g.mean(dims, true) - xhat * (g * xhat).mean(dims, true));
    } else {
        grad_input = g * k;
    }
    return {grad_input, (g * xhat).sum(dims), g.sum(dims)};
}

// PyTorch's node name for the backward of native_batch_norm.
struct NativeBatchNormBackward : Node {
    SavedVariable input{this};
    SavedVariable weight{this};
    Tensor save_mean;    // [C]: batch mean (training) or a copy of running_mean (eval); no history
    Tensor save_invstd;  // [C]: 1 / sqrt(var + eps) of the same statistics
    bool training = true;
    double eps = 1e-5;
    const char* name() const override { return "NativeBatchNormBackward0"; }

    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        if (!g.defined()) return {Tensor{}, Tensor{}, Tensor{}};
        const Tensor x = input.unpack();
        const Tensor w = weight.defined() ? weight.unpack() : Tensor{};
        const bool need_input = next_edges[0].valid();
        const bool need_weight = next_edges[1].valid();
        const bool need_bias = next_edges[2].valid();
        std::vector<Tensor> out;
        if (GradMode::is_enabled() || (!x.is_cpu() && bn_backward_kernels.cuda == nullptr)) {
            out = batch_norm_backward_composite(g, x, w, save_mean, save_invstd, training, eps);
        } else {
            // The fused kernel: see cpu::batch_norm_backward.
            const DType dtype = x.dtype();
            const Tensor xc = detail::contiguous_raw(x);
            const Tensor gc = detail::contiguous_raw(detail::to_raw(g, dtype));
            const Tensor wc = w.defined() ? detail::contiguous_raw(detail::to_raw(w, dtype)) : Tensor{};
            const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(N * C, 1);
            Tensor gi = need_input ? detail::empty_raw(x.sizes(), dtype, x.device()) : Tensor{};
            Tensor gw = detail::empty_raw({C}, dtype, x.device());
            Tensor gb = detail::empty_raw({C}, dtype, x.device());
            if (x.numel() > 0) {
                bn_backward_kernels.get(x.device())(gi.defined() ? view_of(gi) : TensorView{}, view_of(gw), view_of(gb),
                                                    view_of(gc), view_of(xc), view_of(save_mean), view_of(save_invstd),
                                                    wc.defined() ? view_of(wc) : TensorView{}, training, N, C, S);
            } else {
                gw.zero_();
                gb.zero_();
            }
            out = {gi, gw, gb};
        }
        if (!need_input) out[0] = Tensor{};
        if (!need_weight) out[1] = Tensor{};
        if (!need_bias) out[2] = Tensor{};
        return out;
    }
};

void check_channel_vector(const Tensor& t, const char* what, int64_t C, const Tensor& input) {
    if (!t.defined()) return;
    TINYDL_CHECK_SHAPE(t.numel() == C, "batch_norm", what, " should contain ", C, " elements not ", t.numel(),
                       " (input ", input.sizes(), ", ", what, " ", t.sizes(), ")");
    TINYDL_CHECK_TYPE(is_floating(t.dtype()), "batch_norm", what, " must be floating-point, got ", t.dtype());
}

}  // namespace

// ---- batch_norm ------------------------------------------------------------------------------------
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
    detail::check_defined("batch_norm", input);
    detail::check_floating("batch_norm", input);
    TINYDL_CHECK_SHAPE(input.dim() >= 2, "batch_norm", "expected input of shape [N, C] or [N, C, *] (2-D or more), got ",
                       input.dim(), "-D input of shape ", input.sizes());
    const int64_t N = input.size(0), C = input.size(1);
    const int64_t S = C > 0 && N > 0 ? input.numel() / (N * C) : 0;
    check_channel_vector(running_mean, "running_mean", C, input);
    check_channel_vector(running_var, "running_var", C, input);
    check_channel_vector(weight, "weight", C, input);
    check_channel_vector(bias, "bias", C, input);
    for (const Tensor* t : {&weight, &bias})
        TINYDL_CHECK_TYPE(!t->defined() || t->dtype() == input.dtype(), "batch_norm", t == &weight ? "weight" : "bias",
                          " is ", t->dtype(), " but the input is ", input.dtype());
    detail::check_same_device("batch_norm", input, weight, bias);
    detail::check_same_device("batch_norm", input, running_mean, running_var);
    TINYDL_CHECK(running_mean.defined() == running_var.defined(), "batch_norm",
                 "running_mean and running_var must both be defined or both undefined");
    TINYDL_CHECK(training || running_mean.defined(), "batch_norm",
                 "running_mean and running_var must be defined in evaluation mode (training=false)");
    if (training) {
        // PyTorch's check (and wording): the variance of one value is 0 and its unbiased version
        // divides by zero.
        int64_t size_prods = N;
        for (int64_t d = 2; d < input.dim(); ++d) size_prods *= input.size(d);
        TINYDL_CHECK(size_prods != 1, "batch_norm", "Expected more than 1 value per channel when training, got input size ",
                     input.sizes());
    }

    const DType dtype = input.dtype();
    const Device device = input.device();
    const Tensor x = detail::contiguous_raw(input);
    Tensor y = detail::empty_raw(input.sizes(), dtype, device);
    Tensor mean, invstd;  // [C], of the statistics y is normalised with
    {
        NoGradGuard no_grad;  // the small per-channel maths below is not part of the graph
        if (training) {
            mean = detail::empty_raw({C}, dtype, device);
            Tensor var = detail::empty_raw({C}, dtype, device);
            if (input.numel() > 0) {
                bn_stats_kernels.get(device)(view_of(mean), view_of(var), view_of(x), N, C, S);
                if (running_mean.defined()) {
                    // The running variance uses the unbiased estimate; normalising used the biased.
                    const double M = static_cast<double>(N * S);
                    Tensor rm = running_mean, rv = running_var;  // handles to the caller's buffers
                    rm.mul_(1.0 - momentum).add_(mean, momentum);
                    rv.mul_(1.0 - momentum).add_(var * (M / (M - 1.0)), momentum);
                }
            } else {
                mean.zero_();
                var.zero_();
            }
            invstd = (var + eps).rsqrt();
        } else {
            mean = detail::to_raw(running_mean, dtype).contiguous().clone().view({C});
            invstd = (detail::to_raw(running_var, dtype) + eps).rsqrt().contiguous().view({C});
        }
        // y = (x - mean) invstd w + b = x * scale + shift, per channel.
        const Tensor scale = detail::contiguous_raw(weight.defined() ? weight.reshape({C}) * invstd : invstd);
        const Tensor shift =
            detail::contiguous_raw(bias.defined() ? bias.reshape({C}) - mean * scale : (mean * scale).neg());
        if (input.numel() > 0) bn_apply_kernels.get(device)(view_of(y), view_of(x), view_of(scale), view_of(shift), N, C, S);
    }

    if (autograd::should_record(input, weight, bias)) {
        auto node = autograd::make_node<NativeBatchNormBackward>(input, weight, bias);
        node->input.save(input);
        if (weight.defined()) node->weight.save(weight);
        node->save_mean = mean;
        node->save_invstd = invstd;
        node->training = training;
        node->eps = eps;
        autograd::set_history(y, node);
    }
    return y;
}

// ---- layer_norm -------------------------------------------------------------------------------------
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
    detail::check_defined("layer_norm", input);
    detail::check_floating("layer_norm", input);
    const int64_t k = static_cast<int64_t>(normalized_shape.size());
    TINYDL_CHECK_SHAPE(k >= 1, "layer_norm", "normalized_shape must name at least one dim, got ", normalized_shape);
    const int64_t lead = input.dim() - k;
    bool match = lead >= 0;
    for (int64_t i = 0; match && i < k; ++i) match = input.size(lead + i) == normalized_shape[i];
    if (!match) {
        std::string trailing;  // ", 10" for normalized_shape [10]
        for (int64_t v : normalized_shape) trailing += ", " + std::to_string(v);
        // PyTorch's wording, down to the missing space in "size[2, 5]".
        throw ShapeError(detail::str("layer_norm: Given normalized_shape=", normalized_shape,
                                     ", expected input with shape [*", trailing, "], but got input of size", input.sizes()));
    }
    for (const Tensor* t : {&weight, &bias}) {
        if (!t->defined()) continue;
        const char* what = t == &weight ? "weight" : "bias";
        TINYDL_CHECK_SHAPE(t->sizes() == normalized_shape, "layer_norm", "Expected ", what,
                           " to be of same shape as normalized_shape, but got ", what, " of shape ", t->sizes(),
                           " and normalized_shape = ", normalized_shape);
        TINYDL_CHECK_TYPE(t->dtype() == input.dtype(), "layer_norm", what, " is ", t->dtype(), " but the input is ",
                          input.dtype());
    }
    detail::check_same_device("layer_norm", input, weight, bias);
    std::vector<int64_t> dims;
    for (int64_t d = lead; d < input.dim(); ++d) dims.push_back(d);
    // mean and biased variance per sample, then the affine map (weight broadcasts over *).
    const Tensor xc = input - input.mean(dims, /*keepdim=*/true);
    Tensor y = xc * ((xc * xc).mean(dims, /*keepdim=*/true) + eps).rsqrt();
    if (weight.defined()) y = y * weight;
    if (bias.defined()) y = y + bias;
    return y;
}

// ---- group_norm -------------------------------------------------------------------------------------
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
    detail::check_defined("group_norm", input);
    detail::check_floating("group_norm", input);
    TINYDL_CHECK_SHAPE(input.dim() >= 2, "group_norm", "expected input of shape [N, C, *] (2-D or more), got ",
                       input.dim(), "-D input of shape ", input.sizes());
    TINYDL_CHECK(num_groups > 0, "group_norm", "num_groups must be positive, got ", num_groups);
    const int64_t N = input.size(0), C = input.size(1);
    TINYDL_CHECK_SHAPE(C % num_groups == 0, "group_norm",
                       "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
                       input.sizes(), " and num_groups=", num_groups);
    for (const Tensor* t : {&weight, &bias}) {
        if (!t->defined()) continue;
        const char* what = t == &weight ? "weight" : "bias";
        TINYDL_CHECK_SHAPE(t->dim() == 1 && t->numel() == C, "group_norm", "Expected ", what,
                           " to be a vector of size equal to the number of channels in input, but got ", what,
                           " of shape ", t->sizes(), " and input of shape ", input.sizes());
        TINYDL_CHECK_TYPE(t->dtype() == input.dtype(), "group_norm", what, " is ", t->dtype(), " but the input is ",
                          input.dtype());
    }
    detail::check_same_device("group_norm", input, weight, bias);
    // [N, C, *] -> [N, G, (C / G) * S]: each row of the last dim is one group of one sample.
    int64_t S = 1;
    for (int64_t d = 2; d < input.dim(); ++d) S *= input.size(d);
    const Tensor xg = input.reshape({N, num_groups, (C / num_groups) * S});
    const Tensor xc = xg - xg.mean({2}, /*keepdim=*/true);
    Tensor y = (xc * ((xc * xc).mean({2}, /*keepdim=*/true) + eps).rsqrt()).reshape(input.sizes());
    const std::vector<int64_t> cshape = channel_shape(input.dim(), C);
    if (weight.defined()) y = y * weight.reshape(cshape);
    if (bias.defined()) y = y + bias.reshape(cshape);
    return y;
}

}  // namespace tinydl
