// rmsprop.h — RMSprop, as torch.optim.RMSprop.
//
// For each parameter p with gradient g:
//
//   g = maximize ? -g : g
//   g = g + weight_decay * p                         if weight_decay != 0
//   v = alpha v + (1 - alpha) g^2                    ("square_avg")
//   centered:  a = lerp(a, g, 1 - alpha)             ("grad_avg", the mean gradient)
//              avg = sqrt(v - a^2) + eps             (an estimate of the variance, not the 2nd moment)
//   otherwise: avg = sqrt(v) + eps
//   momentum > 0: buf = momentum buf + g / avg;  p = p - lr buf    ("momentum_buffer")
//   otherwise:    p = p - lr g / avg
//
// State per parameter: "step" (0-dim float64), "square_avg", and "momentum_buffer" /
// "grad_avg" when momentum > 0 / centered.
#pragma once

#include "tinydl/optim/optimizer.h"

namespace tinydl::optim {

class RMSpropOptions : public OptimizerOptions {
  public:
    explicit RMSpropOptions(double lr = 1e-2) : OptimizerOptions(lr) {}

    RMSpropOptions& lr(double v) { lr_ = v; return *this; }
    RMSpropOptions& alpha(double v) { alpha_ = v; return *this; }
    RMSpropOptions& eps(double v) { eps_ = v; return *this; }
    RMSpropOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
    RMSpropOptions& momentum(double v) { momentum_ = v; return *this; }
    RMSpropOptions& centered(bool v) { centered_ = v; return *this; }
    RMSpropOptions& maximize(bool v) { maximize_ = v; return *this; }

    using OptimizerOptions::lr;
    double alpha() const { return alpha_; }
    double eps() const { return eps_; }
    double weight_decay() const { return weight_decay_; }
    double momentum() const { return momentum_; }
    bool centered() const { return centered_; }
    bool maximize() const { return maximize_; }

    std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
    std::vector<OptionRef> fields() override;

  private:
    double alpha_ = 0.99;
    double eps_ = 1e-8;
    double weight_decay_ = 0;
    double momentum_ = 0;
    bool centered_ = false;
    bool maximize_ = false;
};

class RMSprop : public Optimizer {
  public:
    RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = RMSpropOptions());
    RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = RMSpropOptions());

    void step() override;

  protected:
    std::vector<std::string> state_names(const OptimizerOptions& options) const override;
    std::vector<std::string> required_state_names(const OptimizerOptions& options) const override;
};

}  // namespace tinydl::optim
