// layers.h — the basic layers: Linear, Embedding, Dropout, and the shape helpers Identity,
// Flatten and Unflatten. Names, arguments, defaults, initialisation and printing follow
// torch.nn, so a state_dict moves between the two unchanged.
//
// Dimension legend: B batch (any number of leading dims, written *), in/out features,
// N embeddings (vocabulary size), D embedding dim.
//
// Read next: nn/activation.h (ReLU, ...), nn/init.h (how the weights are initialised).
#pragma once

#include <cstdint>
#include <vector>

#include "tinydl/nn/module.h"

namespace tinydl::nn {

// forward(x) = x. A placeholder where a layer is optional (e.g. a skipped projection).
class Identity : public Module {
  public:
    Tensor forward(const Tensor& input) override { return input; }
};

// y = x W^T + b: x [*, in] -> y [*, out]; weight [out, in], bias [out] (PyTorch's layout).
// Init as PyTorch: weight and bias uniform on [-1/sqrt(in), 1/sqrt(in)] (kaiming_uniform_ with
// a = sqrt(5) for the weight).
class Linear : public Module {
  public:
    Linear(int64_t in_features, int64_t out_features, bool bias = true);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // in_features=784, out_features=512, bias=True
    // Re-draws weight and bias as the constructor did.
    void reset_parameters();

    int64_t in_features, out_features;
    Tensor weight;  // [out, in]
    Tensor bias;    // [out]; undefined when built with bias = false
};

// Looks up rows of a table: indices of any shape (int64 or int32) -> indices.shape + [D].
// weight [N, D] starts as N(0, 1), as PyTorch's. The gradient is dense [N, D].
class Embedding : public Module {
  public:
    Embedding(int64_t num_embeddings, int64_t embedding_dim);
    Tensor forward(const Tensor& indices) override;
    std::string extra_repr() const override;  // "10, 3"
    void reset_parameters();

    int64_t num_embeddings, embedding_dim;
    Tensor weight;  // [N, D]
};

// In training mode, zeroes each element with probability p and scales the others by
// 1 / (1 - p); in eval mode, the identity. The mask comes from the global generator.
class Dropout : public Module {
  public:
    explicit Dropout(double p = 0.5);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // p=0.5, inplace=False

    double p;
};

// Merges dims start_dim..end_dim into one: [B, C, H, W] -> [B, C*H*W] with the defaults.
class Flatten : public Module {
  public:
    explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // start_dim=1, end_dim=-1

    int64_t start_dim, end_dim;
};

// Splits dim into `sizes` (one may be -1): Unflatten(1, {2, 5}) takes [B, 10] to [B, 2, 5].
class Unflatten : public Module {
  public:
    Unflatten(int64_t dim, std::vector<int64_t> unflattened_size);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // dim=1, unflattened_size=(2, 5)

    int64_t dim;
    std::vector<int64_t> unflattened_size;
};

}  // namespace tinydl::nn
