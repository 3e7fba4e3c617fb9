// loss.h — the loss modules: CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss,
// HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss (torch.nn's losses in libtorch's shape).
//
// A loss module holds its options and calls the function of the same name in
// nn/functional_loss.h (where the formulas, shapes and gradients are documented):
//
//   nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().label_smoothing(0.1));
//   Tensor loss = criterion(model->forward(x), y);      // y: int64 class indices [N]
//   loss.backward();
//
// Options use libtorch's chained setters: options.reduction(nn::Reduction::Sum).weight(w), and
// the same names read them back: options.reduction(). A class weight or pos_weight is
// registered as a buffer, so module.to(device) moves it and state_dict() saves it ("weight",
// "pos_weight"), as in PyTorch. Each prints like PyTorch: "CrossEntropyLoss()".
//
// Every loss derives from nn::Loss, so a trainer can pick one at run time and call it through
// std::shared_ptr<nn::Loss>. What is not here: the rarer PyTorch losses (CTC, margin losses,
// PoissonNLL, GaussianNLL, cosine embedding, triplet).
#pragma once

#include <cstdint>

#include "tinydl/nn/functional_loss.h"
#include "tinydl/nn/module.h"

namespace tinydl::nn {

// The base of the loss modules: forward takes (input, target).
class Loss : public Module {
  public:
    virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
    Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
    // A loss needs a target: the one-argument form of Module throws and says so.
    Tensor forward(const Tensor& input) override;
};

// ---- options (defaults are PyTorch's) -------------------------------------------------------------
struct CrossEntropyLossOptions {
    CrossEntropyLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT: implicit as libtorch's
    // A manual rescaling weight per class ([C]); undefined: all ones.
    CrossEntropyLossOptions& weight(const Tensor& value) { weight_ = value; return *this; }
    const Tensor& weight() const { return weight_; }
    // Targets equal to it are skipped (no loss, no gradient, not counted by Mean).
    CrossEntropyLossOptions& ignore_index(int64_t value) { ignore_index_ = value; return *this; }
    int64_t ignore_index() const { return ignore_index_; }
    CrossEntropyLossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }
    // In [0, 1]: the share of the uniform distribution mixed into the target.
    CrossEntropyLossOptions& label_smoothing(double value) { label_smoothing_ = value; return *this; }
    double label_smoothing() const { return label_smoothing_; }

    Tensor weight_;
    int64_t ignore_index_ = -100;
    Reduction reduction_ = Reduction::Mean;
    double label_smoothing_ = 0.0;
};

struct NLLLossOptions {
    NLLLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    NLLLossOptions& weight(const Tensor& value) { weight_ = value; return *this; }
    const Tensor& weight() const { return weight_; }
    NLLLossOptions& ignore_index(int64_t value) { ignore_index_ = value; return *this; }
    int64_t ignore_index() const { return ignore_index_; }
    NLLLossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }

    Tensor weight_;
    int64_t ignore_index_ = -100;
    Reduction reduction_ = Reduction::Mean;
};

// Options of the losses whose only option is the reduction.
struct ReductionOptions {
    ReductionOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    ReductionOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }

    Reduction reduction_ = Reduction::Mean;
};
using MSELossOptions = ReductionOptions;
using L1LossOptions = ReductionOptions;

struct SmoothL1LossOptions {
    SmoothL1LossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    SmoothL1LossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }
    // Where the loss turns from quadratic to linear (>= 0; 0 is L1).
    SmoothL1LossOptions& beta(double value) { beta_ = value; return *this; }
    double beta() const { return beta_; }

    Reduction reduction_ = Reduction::Mean;
    double beta_ = 1.0;
};

struct HuberLossOptions {
    HuberLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    HuberLossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }
    // Where the loss turns from quadratic to linear (> 0).
    HuberLossOptions& delta(double value) { delta_ = value; return *this; }
    double delta() const { return delta_; }

    Reduction reduction_ = Reduction::Mean;
    double delta_ = 1.0;
};

struct BCELossOptions {
    BCELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    // A rescaling weight, broadcast to the input's shape.
    BCELossOptions& weight(const Tensor& value) { weight_ = value; return *this; }
    const Tensor& weight() const { return weight_; }
    BCELossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }

    Tensor weight_;
    Reduction reduction_ = Reduction::Mean;
};

struct BCEWithLogitsLossOptions {
    BCEWithLogitsLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    BCEWithLogitsLossOptions& weight(const Tensor& value) { weight_ = value; return *this; }
    const Tensor& weight() const { return weight_; }
    BCEWithLogitsLossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }
    // The weight of positive examples, one per class (broadcast along the last dim): > 1 raises
    // recall, < 1 precision.
    BCEWithLogitsLossOptions& pos_weight(const Tensor& value) { pos_weight_ = value; return *this; }
    const Tensor& pos_weight() const { return pos_weight_; }

    Tensor weight_;
    Reduction reduction_ = Reduction::Mean;
    Tensor pos_weight_;
};

struct KLDivLossOptions {
    KLDivLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
    // BatchMean gives the true KL divergence; Mean (the default, as PyTorch's) divides by every element.
    KLDivLossOptions& reduction(Reduction value) { reduction_ = value; return *this; }
    Reduction reduction() const { return reduction_; }
    // The target is given as log-probabilities.
    KLDivLossOptions& log_target(bool value) { log_target_ = value; return *this; }
    bool log_target() const { return log_target_; }

    Reduction reduction_ = Reduction::Mean;
    bool log_target_ = false;
};

// ---- the modules ------------------------------------------------------------------------------------
// Logits [N, C] (or [C], [N, C, d1, ...]) and class indices [N] or class probabilities [N, C].
class CrossEntropyLoss : public Loss {
  public:
    explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    CrossEntropyLossOptions options;
    Tensor weight;  // the registered buffer (undefined without a weight)
};

// Log-probabilities [N, C] and class indices [N].
class NLLLoss : public Loss {
  public:
    explicit NLLLoss(NLLLossOptions options = {});
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    NLLLossOptions options;
    Tensor weight;
};

class MSELoss : public Loss {
  public:
    explicit MSELoss(MSELossOptions options = {}) : options(options) {}
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    MSELossOptions options;
};

class L1Loss : public Loss {
  public:
    explicit L1Loss(L1LossOptions options = {}) : options(options) {}
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    L1LossOptions options;
};

class SmoothL1Loss : public Loss {
  public:
    explicit SmoothL1Loss(SmoothL1LossOptions options = {}) : options(options) {}
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    SmoothL1LossOptions options;
};

class HuberLoss : public Loss {
  public:
    explicit HuberLoss(HuberLossOptions options = {}) : options(options) {}
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    HuberLossOptions options;
};

// Probabilities in [0, 1] (e.g. after a sigmoid) and targets of the same shape.
class BCELoss : public Loss {
  public:
    explicit BCELoss(BCELossOptions options = {});
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    BCELossOptions options;
    Tensor weight;
};

// Logits of any range and targets of the same shape (stabler than Sigmoid + BCELoss).
class BCEWithLogitsLoss : public Loss {
  public:
    explicit BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {});
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    BCEWithLogitsLossOptions options;
    Tensor weight, pos_weight;
};

// Log-probabilities of the model and the target distribution (or its log: log_target).
class KLDivLoss : public Loss {
  public:
    explicit KLDivLoss(KLDivLossOptions options = {}) : options(options) {}
    using Loss::forward;
    Tensor forward(const Tensor& input, const Tensor& target) override;

    KLDivLossOptions options;
};

}  // namespace tinydl::nn
