// activation.h — the activation functions as modules, so they can sit in a Sequential:
// ReLU, LeakyReLU, GELU, SiLU, Tanh, Sigmoid, Softmax, LogSoftmax. Each forward is the op of
// the same name (ops.h, where the formulas and gradients are); the module only stores its options
// and prints like PyTorch's ("LeakyReLU(negative_slope=0.01)"). None has parameters.
//
// Not here: the inplace variants (tinydl's in-place ops refuse to rewrite history anyway).
#pragma once

#include <cstdint>
#include <string>

#include "tinydl/nn/module.h"

namespace tinydl::nn {

// max(x, 0)
class ReLU : public Module {
  public:
    Tensor forward(const Tensor& input) override;
};

// x for x > 0, negative_slope * x otherwise
class LeakyReLU : public Module {
  public:
    explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // negative_slope=0.01

    double negative_slope;
};

// x Φ(x); approximate = "tanh" uses the tanh approximation (GPT-2's)
class GELU : public Module {
  public:
    explicit GELU(std::string approximate = "none");
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // approximate='none'

    std::string approximate;
};

// x sigmoid(x), also called swish
class SiLU : public Module {
  public:
    Tensor forward(const Tensor& input) override;
};

class Tanh : public Module {
  public:
    Tensor forward(const Tensor& input) override;
};

// 1 / (1 + exp(-x))
class Sigmoid : public Module {
  public:
    Tensor forward(const Tensor& input) override;
};

// exp(x_i) / sum_j exp(x_j) along dim (computed stably)
class Softmax : public Module {
  public:
    explicit Softmax(int64_t dim) : dim(dim) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // dim=1

    int64_t dim;
};

// log(softmax(x)) along dim, computed as x - logsumexp(x) (no log of a tiny number)
class LogSoftmax : public Module {
  public:
    explicit LogSoftmax(int64_t dim) : dim(dim) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // dim=1

    int64_t dim;
};

}  // namespace tinydl::nn
