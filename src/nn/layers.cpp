// layers.cpp — Linear (and F::linear), Embedding, Dropout, Flatten, Unflatten (nn/layers.h).
//
// Dimension legend: x [*, in] -> y [*, out]; weight [out, in]; N embeddings of dim D.
#include "tinydl/nn/layers.h"

#include <cmath>

#include "tinydl/factory.h"
#include "tinydl/nn/functional.h"
#include "tinydl/nn/init.h"

namespace tinydl::nn {

namespace {
// F::linear's checks, with `who` naming the call in errors: "linear" or
// "Linear(in_features=10, out_features=5)".
Tensor linear_impl(const std::string& who, const Tensor& x, const Tensor& w, const Tensor& b) {
    TINYDL_CHECK(x.defined(), who, "the input tensor is undefined (a default-constructed Tensor)");
    TINYDL_CHECK(w.defined(), who, "the weight tensor is undefined");
    TINYDL_CHECK_SHAPE(w.dim() == 2, who, "weight must be 2-D [out_features, in_features], got shape ", w.sizes());
    TINYDL_CHECK_SHAPE(!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)), who, "bias of shape ", b.sizes(),
                       " does not match weight ", w.sizes(), ": expected [", w.size(0), "]");
    TINYDL_CHECK_SHAPE(x.dim() >= 1, who, "input is a 0-dim tensor; expected shape [*, ", w.size(1), "]");
    TINYDL_CHECK_SHAPE(x.size(-1) == w.size(1), who, "input has ", x.size(-1), " features, expected ", w.size(1),
                       " (input ", x.sizes(), ", weight ", w.sizes(), ")");
    TINYDL_CHECK_TYPE(x.dtype() == w.dtype(), who, "input is ", x.dtype(), " but the weight is ", w.dtype(),
                      "; convert one of them (x.to(dtype) or module->to(dtype))");
    // y = x W^T + b: the transpose is a view, and matmul treats leading dims of x as a batch.
    Tensor y = matmul(x, w.t());
    return b.defined() ? y + b : y;
}
}  // namespace

Tensor functional::linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    return linear_impl("linear", input, weight, bias);
}

// ---- Linear ----------------------------------------------------------------------------------------
Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_features(in_features), out_features(out_features) {
    TINYDL_CHECK(in_features >= 0 && out_features >= 0, "Linear",
                 "in_features and out_features must be non-negative, got ", in_features, " and ", out_features);
    weight = register_parameter("weight", empty({out_features, in_features}));
    if (bias) this->bias = register_parameter("bias", empty({out_features}));
    reset_parameters();
}

void Linear::reset_parameters() {
    // PyTorch's default: kaiming_uniform_ with a = sqrt(5), i.e. gain sqrt(2 / 6) and bound
    // sqrt(3) * gain / sqrt(in) = 1 / sqrt(in); the bias gets the same bound.
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
        const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
        init::uniform_(bias, -bound, bound);
    }
}

Tensor Linear::forward(const Tensor& input) {
    return linear_impl(detail::str("Linear(in_features=", in_features, ", out_features=", out_features, ")"), input,
                       weight, bias);
}

std::string Linear::extra_repr() const {
    return detail::str("in_features=", in_features, ", out_features=", out_features,
                       ", bias=", detail::py_bool(bias.defined()));
}

// ---- Embedding -------------------------------------------------------------------------------------
Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim) {
    TINYDL_CHECK(num_embeddings >= 0 && embedding_dim >= 0, "Embedding",
                 "num_embeddings and embedding_dim must be non-negative, got ", num_embeddings, " and ", embedding_dim);
    weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
    reset_parameters();
}

void Embedding::reset_parameters() { init::normal_(weight); }

Tensor Embedding::forward(const Tensor& indices) { return tinydl::embedding(weight, indices); }

std::string Embedding::extra_repr() const { return detail::str(num_embeddings, ", ", embedding_dim); }

// ---- Dropout -----------------------------------------------------------------------------------------
Dropout::Dropout(double p) : p(p) {
    TINYDL_CHECK(p >= 0.0 && p <= 1.0, "Dropout", "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& input) { return tinydl::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const { return "p=" + detail::py_float(p) + ", inplace=False"; }

// ---- Flatten, Unflatten ---------------------------------------------------------------------------------
Flatten::Flatten(int64_t start_dim, int64_t end_dim) : start_dim(start_dim), end_dim(end_dim) {}

Tensor Flatten::forward(const Tensor& input) { return input.flatten(start_dim, end_dim); }

std::string Flatten::extra_repr() const { return detail::str("start_dim=", start_dim, ", end_dim=", end_dim); }

Unflatten::Unflatten(int64_t dim, std::vector<int64_t> unflattened_size)
    : dim(dim), unflattened_size(std::move(unflattened_size)) {
    TINYDL_CHECK(!this->unflattened_size.empty(), "Unflatten", "unflattened_size must not be empty");
}

Tensor Unflatten::forward(const Tensor& input) { return input.unflatten(dim, unflattened_size); }

std::string Unflatten::extra_repr() const {
    return detail::str("dim=", dim, ", unflattened_size=", detail::py_tuple(unflattened_size));
}

}  // namespace tinydl::nn
