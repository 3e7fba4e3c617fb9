// sgd.h — stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay
// and maximize, exactly as torch.optim.SGD.
//
// For each parameter p with gradient g, step() does (PyTorch's order of operations):
//
//   g = maximize ? -g : g
//   g = g + weight_decay * p                           if weight_decay != 0
//   if momentum != 0:
//       buf = g                                        on the first step (no dampening)
//       buf = momentum * buf + (1 - dampening) * g     afterwards
//       g   = nesterov ? g + momentum * buf : buf
//   p = p - lr * g
//
// State per parameter: "momentum_buffer" (only when momentum != 0, after the first step).
//
//   optim::SGD opt(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
//   loss.backward(); opt.step(); opt.zero_grad();
#pragma once

#include "tinydl/optim/optimizer.h"

namespace tinydl::optim {

class SGDOptions : public OptimizerOptions {
  public:
    explicit SGDOptions(double lr = 1e-3) : OptimizerOptions(lr) {}  // PyTorch 2's default lr

    SGDOptions& lr(double v) { lr_ = v; return *this; }
    SGDOptions& momentum(double v) { momentum_ = v; return *this; }
    SGDOptions& dampening(double v) { dampening_ = v; return *this; }
    SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
    SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
    SGDOptions& maximize(bool v) { maximize_ = v; return *this; }

    using OptimizerOptions::lr;
    double momentum() const { return momentum_; }
    double dampening() const { return dampening_; }
    double weight_decay() const { return weight_decay_; }
    bool nesterov() const { return nesterov_; }
    bool maximize() const { return maximize_; }

    std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
    std::vector<OptionRef> fields() override;

  private:
    double momentum_ = 0;
    double dampening_ = 0;
    double weight_decay_ = 0;
    bool nesterov_ = false;
    bool maximize_ = false;
};

class SGD : public Optimizer {
  public:
    // Checks the options as PyTorch does: "Invalid learning rate: -1", "Nesterov momentum
    // requires a momentum and zero dampening", ...
    SGD(std::vector<Tensor> params, const SGDOptions& options = SGDOptions());
    SGD(std::vector<ParamGroup> groups, const SGDOptions& options = SGDOptions());

    void step() override;

  protected:
    std::vector<std::string> state_names(const OptimizerOptions& options) const override;
    std::vector<std::string> required_state_names(const OptimizerOptions& options) const override;
};

}  // namespace tinydl::optim
