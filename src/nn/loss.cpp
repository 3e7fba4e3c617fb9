// loss.cpp — the loss modules (nn/loss.h): each forward calls the function of the same name in
// nn::functional (src/ops/loss.cpp) with the module's options and buffers.
#include "tinydl/nn/loss.h"

namespace tinydl::nn {

namespace F = functional;

Tensor Loss::forward(const Tensor&) {
    throw Error(name() + ": a loss takes an input and a target; call forward(input, target) or (*loss)(input, target)");
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions options) : options(std::move(options)) {
    // A buffer, not a copy: to() moves it and state_dict() saves it, as in PyTorch.
    weight = register_buffer("weight", this->options.weight());
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
    return F::cross_entropy(input, target, weight, options.ignore_index(), options.reduction(),
                            options.label_smoothing());
}

NLLLoss::NLLLoss(NLLLossOptions options) : options(std::move(options)) {
    weight = register_buffer("weight", this->options.weight());
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
    return F::nll_loss(input, target, weight, options.ignore_index(), options.reduction());
}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
    return F::mse_loss(input, target, options.reduction());
}

Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
    return F::l1_loss(input, target, options.reduction());
}

Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
    return F::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
    return F::huber_loss(input, target, options.reduction(), options.delta());
}

BCELoss::BCELoss(BCELossOptions options) : options(std::move(options)) {
    weight = register_buffer("weight", this->options.weight());
}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
    return F::binary_cross_entropy(input, target, weight, options.reduction());
}

BCEWithLogitsLoss::BCEWithLogitsLoss(BCEWithLogitsLossOptions options) : options(std::move(options)) {
    weight = register_buffer("weight", this->options.weight());
    pos_weight = register_buffer("pos_weight", this->options.pos_weight());
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
    return F::binary_cross_entropy_with_logits(input, target, weight, options.reduction(), pos_weight);
}

Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
    return F::kl_div(input, target, options.reduction(), options.log_target());
}

}  // namespace tinydl::nn
