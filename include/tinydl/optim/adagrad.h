// adagrad.h — Adagrad, as torch.optim.Adagrad (dense gradients).
//
// For each parameter p with gradient g, at step t = 1, 2, ... of that parameter:
//
//   g = maximize ? -g : g
//   g = g + weight_decay * p                         if weight_decay != 0
//   clr = lr / (1 + (t - 1) * lr_decay)
//   s = s + g^2                                      ("sum", starts at initial_accumulator_value)
//   p = p - clr * g / (sqrt(s) + eps)
//
// State per parameter: "step" (0-dim float64) and "sum". As in PyTorch the state exists from
// construction on, so a fresh Adagrad's state_dict already lists it.
#pragma once

#include "tinydl/optim/optimizer.h"

namespace tinydl::optim {

class AdagradOptions : public OptimizerOptions {
  public:
    explicit AdagradOptions(double lr = 1e-2) : OptimizerOptions(lr) {}

    AdagradOptions& lr(double v) { lr_ = v; return *this; }
    AdagradOptions& lr_decay(double v) { lr_decay_ = v; return *this; }
    AdagradOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
    AdagradOptions& initial_accumulator_value(double v) { initial_accumulator_value_ = v; return *this; }
    AdagradOptions& eps(double v) { eps_ = v; return *this; }
    AdagradOptions& maximize(bool v) { maximize_ = v; return *this; }

    using OptimizerOptions::lr;
    double lr_decay() const { return lr_decay_; }
    double weight_decay() const { return weight_decay_; }
    double initial_accumulator_value() const { return initial_accumulator_value_; }
    double eps() const { return eps_; }
    bool maximize() const { return maximize_; }

    std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
    std::vector<OptionRef> fields() override;

  private:
    double lr_decay_ = 0;
    double weight_decay_ = 0;
    double initial_accumulator_value_ = 0;
    double eps_ = 1e-10;
    bool maximize_ = false;
};

class Adagrad : public Optimizer {
  public:
    Adagrad(std::vector<Tensor> params, const AdagradOptions& options = AdagradOptions());
    Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options = AdagradOptions());

    void step() override;

  protected:
    std::vector<std::string> state_names(const OptimizerOptions& options) const override;
    std::vector<std::string> required_state_names(const OptimizerOptions& options) const override;

  private:
    void init_missing_state();
};

}  // namespace tinydl::optim
