// normalization.cpp — BatchNorm1d/2d, LayerNorm, GroupNorm (nn/normalization.h). The layers hold
// parameters and buffers and pick the mode; the maths is in src/ops/norm.cpp.
//
// Dimension legend: N batch, C channels, L sequence, H W spatial, G groups.
#include "tinydl/nn/normalization.h"

#include "tinydl/autograd.h"
#include "tinydl/factory.h"
#include "tinydl/ops/norm.h"

namespace tinydl::nn {

// ---- BatchNorm ----------------------------------------------------------------------------------
BatchNormBase::BatchNormBase(const BatchNormOptions& options) : options(options) {
    const int64_t C = options.num_features();
    TINYDL_CHECK(C >= 0, "BatchNorm", "num_features must be non-negative, got ", C);
    if (options.affine()) {
        weight = register_parameter("weight", tinydl::empty({C}));
        bias = register_parameter("bias", tinydl::empty({C}));
    }
    if (options.track_running_stats()) {
        running_mean = register_buffer("running_mean", tinydl::empty({C}));
        running_var = register_buffer("running_var", tinydl::empty({C}));
        num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, TensorOptions(kInt64)));
    }
    reset_parameters();
}

void BatchNormBase::reset_running_stats() {
    if (!options.track_running_stats()) return;
    NoGradGuard no_grad;
    running_mean.fill_(0.0);
    running_var.fill_(1.0);
    num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
    reset_running_stats();
    if (!options.affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1.0);
    bias.fill_(0.0);
}

Tensor BatchNormBase::forward(const Tensor& input) {
    TINYDL_CHECK(input.defined(), name(), "the input tensor is undefined (a default-constructed Tensor)");
    check_input_dim(input);
    TINYDL_CHECK_SHAPE(input.size(1) == options.num_features(), name(), "expected input with ", options.num_features(),
                       " channels (num_features), got ", input.size(1), " channels (input ", input.sizes(), ")");
    // The update factor of the running averages, as PyTorch's _BatchNorm.forward: momentum, or
    // with momentum = None the cumulative average 1 / (number of batches seen so far).
    double factor = options.momentum().value_or(0.0);
    if (is_training() && options.track_running_stats()) {
        NoGradGuard no_grad;
        num_batches_tracked.add_(1);
        if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
    }
    // Batch statistics in training, and always when there are no running estimates to use.
    const bool use_batch_stats = is_training() || !options.track_running_stats();
    return batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, factor, options.eps());
}

std::string BatchNormBase::extra_repr() const {
    return detail::str(options.num_features(), ", eps=", detail::py_float(options.eps()), ", momentum=",
                       options.momentum() ? detail::py_float(*options.momentum()) : std::string("None"),
                       ", affine=", detail::py_bool(options.affine()),
                       ", track_running_stats=", detail::py_bool(options.track_running_stats()));
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
    TINYDL_CHECK_SHAPE(input.dim() == 2 || input.dim() == 3, name(), "expected 2D or 3D input (got ", input.dim(),
                       "D input): input shape ", input.sizes(), ", but BatchNorm1d takes [N, C] or [N, C, L]");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
    TINYDL_CHECK_SHAPE(input.dim() == 4, name(), "expected 4D input (got ", input.dim(), "D input): input shape ",
                       input.sizes(), ", but BatchNorm2d takes [N, C, H, W]");
}

// ---- LayerNorm ------------------------------------------------------------------------------------
LayerNorm::LayerNorm(const LayerNormOptions& options) : options(options) {
    for (int64_t d : options.normalized_shape())
        TINYDL_CHECK(d >= 0, "LayerNorm", "normalized_shape must be non-negative, got ",
                     detail::py_tuple(options.normalized_shape()));
    if (options.elementwise_affine()) {
        weight = register_parameter("weight", tinydl::empty(options.normalized_shape()));
        bias = register_parameter("bias", tinydl::empty(options.normalized_shape()));
    }
    reset_parameters();
}

void LayerNorm::reset_parameters() {
    if (!options.elementwise_affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1.0);
    bias.fill_(0.0);
}

Tensor LayerNorm::forward(const Tensor& input) {
    return layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

std::string LayerNorm::extra_repr() const {
    return detail::str(detail::py_tuple(options.normalized_shape()), ", eps=", detail::py_float(options.eps()),
                       ", elementwise_affine=", detail::py_bool(options.elementwise_affine()));
}

// ---- GroupNorm --------------------------------------------------------------------------------------
GroupNorm::GroupNorm(const GroupNormOptions& options) : options(options) {
    TINYDL_CHECK(options.num_groups() > 0, "GroupNorm", "num_groups must be positive, got ", options.num_groups());
    TINYDL_CHECK(options.num_channels() % options.num_groups() == 0, "GroupNorm",
                 "num_channels must be divisible by num_groups (num_channels=", options.num_channels(),
                 ", num_groups=", options.num_groups(), ")");
    if (options.affine()) {
        weight = register_parameter("weight", tinydl::empty({options.num_channels()}));
        bias = register_parameter("bias", tinydl::empty({options.num_channels()}));
    }
    reset_parameters();
}

void GroupNorm::reset_parameters() {
    if (!options.affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1.0);
    bias.fill_(0.0);
}

Tensor GroupNorm::forward(const Tensor& input) {
    return group_norm(input, options.num_groups(), weight, bias, options.eps());
}

std::string GroupNorm::extra_repr() const {
    return detail::str(options.num_groups(), ", ", options.num_channels(), ", eps=", detail::py_float(options.eps()),
                       ", affine=", detail::py_bool(options.affine()));
}

}  // namespace tinydl::nn
