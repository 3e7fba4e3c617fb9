// adam.h — Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (single-tensor form).
//
// For each parameter p with gradient g, at step t = 1, 2, ... of that parameter:
//
//   g = maximize ? -g : g
//   Adam:  g = g + weight_decay * p                  (L2 penalty folded into the gradient)
//   AdamW: p = p * (1 - lr * weight_decay)           (decoupled weight decay)
//   m = lerp(m, g, 1 - beta1)                        = beta1 m + (1 - beta1) g
//   v = beta2 v + (1 - beta2) g^2
//   v_max = max(v_max, v); use v_max for v           if amsgrad
//   bias_correction1 = 1 - beta1^t,  bias_correction2 = 1 - beta2^t   (in double)
//   denom = sqrt(v) / sqrt(bias_correction2) + eps
//   p = p - (lr / bias_correction1) * m / denom
//
// State per parameter: "step" (0-dim float64), "exp_avg" (m), "exp_avg_sq" (v) and, with
// amsgrad, "max_exp_avg_sq".
//
//   optim::Adam opt(model->parameters(), optim::AdamOptions(1e-3).betas({0.9, 0.999}));
#pragma once

#include <utility>

#include "tinydl/optim/optimizer.h"

namespace tinydl::optim {

// Adam's and AdamW's options differ only in the default weight_decay (0 vs 1e-2) and in what
// weight_decay means; they share this base so the update is written once.
template <typename Self> class AdamOptionsBase : public OptimizerOptions {
  public:
    Self& lr(double v) { lr_ = v; return self(); }
    Self& betas(std::pair<double, double> v) { betas_ = v; return self(); }
    Self& eps(double v) { eps_ = v; return self(); }
    Self& weight_decay(double v) { weight_decay_ = v; return self(); }
    Self& amsgrad(bool v) { amsgrad_ = v; return self(); }
    Self& maximize(bool v) { maximize_ = v; return self(); }

    using OptimizerOptions::lr;
    std::pair<double, double> betas() const { return betas_; }
    double eps() const { return eps_; }
    double weight_decay() const { return weight_decay_; }
    bool amsgrad() const { return amsgrad_; }
    bool maximize() const { return maximize_; }

    std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<Self>(self()); }
    std::vector<OptionRef> fields() override {
        return {{"lr", &lr_}, {"betas", &betas_}, {"eps", &eps_}, {"weight_decay", &weight_decay_},
                {"amsgrad", &amsgrad_}, {"maximize", &maximize_}};
    }

  protected:
    AdamOptionsBase(double lr, double weight_decay) : OptimizerOptions(lr), weight_decay_(weight_decay) {}

  private:
    Self& self() { return static_cast<Self&>(*this); }
    const Self& self() const { return static_cast<const Self&>(*this); }

    std::pair<double, double> betas_{0.9, 0.999};
    double eps_ = 1e-8;
    double weight_decay_;
    bool amsgrad_ = false;
    bool maximize_ = false;
};

class AdamOptions : public AdamOptionsBase<AdamOptions> {
  public:
    explicit AdamOptions(double lr = 1e-3) : AdamOptionsBase(lr, 0.0) {}
};

class AdamWOptions : public AdamOptionsBase<AdamWOptions> {
  public:
    explicit AdamWOptions(double lr = 1e-3) : AdamOptionsBase(lr, 1e-2) {}
};

class Adam : public Optimizer {
  public:
    // Checks as PyTorch: "Invalid learning rate", "Invalid epsilon value", "Invalid beta
    // parameter at index 0", "Invalid weight_decay value".
    Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
    Adam(std::vector<ParamGroup> groups, const AdamOptions& options = AdamOptions());

    void step() override;

  protected:
    std::vector<std::string> state_names(const OptimizerOptions& options) const override;
    std::vector<std::string> required_state_names(const OptimizerOptions& options) const override;
};

class AdamW : public Optimizer {
  public:
    AdamW(std::vector<Tensor> params, const AdamWOptions& options = AdamWOptions());
    AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = AdamWOptions());

    void step() override;

  protected:
    std::vector<std::string> state_names(const OptimizerOptions& options) const override;
    std::vector<std::string> required_state_names(const OptimizerOptions& options) const override;
};

}  // namespace tinydl::optim
