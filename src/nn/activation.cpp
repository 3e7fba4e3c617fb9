// activation.cpp — the activation modules (nn/activation.h): each forward is one tinydl op.
#include "tinydl/nn/activation.h"

#include "tinydl/ops.h"

namespace tinydl::nn {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }

Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + detail::py_float(negative_slope); }

GELU::GELU(std::string approximate) : approximate(std::move(approximate)) {
    TINYDL_CHECK(this->approximate == "none" || this->approximate == "tanh", "GELU",
                 "approximate must be \"none\" or \"tanh\", got \"", this->approximate, "\"");
}
Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor SiLU::forward(const Tensor& input) { return silu(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmax::forward(const Tensor& input) { return log_softmax(input, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace tinydl::nn
