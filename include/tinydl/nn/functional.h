// functional.h — nn::functional (alias F): the stateless forms of the layers, as
// torch.nn.functional. A module holds parameters and options; the function takes them as
// arguments: nn::Linear(4, 3)(x) computes F::linear(x, weight, bias).
//
//   namespace F = tinydl::nn::functional;
//   Tensor h = F::relu(F::linear(x, w1, b1));
//   h = F::dropout(h, 0.2, model->is_training());
//
// Most are the tinydl ops (ops.h) under their torch.nn.functional names; linear is defined in
// src/nn/functional.cpp. The losses (cross_entropy, mse_loss, ...) are in nn/functional_loss.h,
// included at the end of this file.
#pragma once

#include <string>

#include "tinydl/ops.h"

namespace tinydl::nn::functional {

// y = x W^T + b. x: [*, in], weight: [out, in], bias: [out] or undefined; y: [*, out].
// grad_x = g W, grad_W = g^T x (summed over the leading dims), grad_b = g summed likewise.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

// Rows of weight [N, D] picked by integer indices of any shape: out is input.shape + [D].
// PyTorch's argument order (indices first), unlike tinydl::embedding(weight, indices).
inline Tensor embedding(const Tensor& input, const Tensor& weight) { return tinydl::embedding(weight, input); }

// Activations (see ops.h for the formulas and gradients).
inline Tensor relu(const Tensor& x) { return tinydl::relu(x); }
inline Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01) { return tinydl::leaky_relu(x, negative_slope); }
inline Tensor gelu(const Tensor& x, const std::string& approximate = "none") { return tinydl::gelu(x, approximate); }
inline Tensor silu(const Tensor& x) { return tinydl::silu(x); }
inline Tensor tanh(const Tensor& x) { return tinydl::tanh(x); }
inline Tensor sigmoid(const Tensor& x) { return tinydl::sigmoid(x); }
inline Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0) {
    return tinydl::softplus(x, beta, threshold);
}
inline Tensor softmax(const Tensor& x, int64_t dim) { return tinydl::softmax(x, dim); }
inline Tensor log_softmax(const Tensor& x, int64_t dim) { return tinydl::log_softmax(x, dim); }

// Zeroes elements with probability p and scales the rest by 1 / (1 - p) when training; x itself
// otherwise. Pass the module's is_training() — unlike nn::Dropout, the function does not know it.
inline Tensor dropout(const Tensor& x, double p = 0.5, bool training = true) { return tinydl::dropout(x, p, training); }

}  // namespace tinydl::nn::functional

namespace tinydl::nn {
namespace F = functional;
}  // namespace tinydl::nn

// The losses, written by their own family (nn::functional::cross_entropy, mse_loss, ...).
#include "tinydl/nn/functional_loss.h"
