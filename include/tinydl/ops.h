// ops.h — the differentiable functional API, grouped by op family as in src/ops/.
//
// Every op here broadcasts its tensor arguments (docs/broadcasting.md), promotes dtypes as
// PyTorch does, checks that its inputs share one device, and records a backward node when grad
// mode is on and an input requires grad. The gradient of each op is listed in
// docs/derivatives.md. Errors throw tinydl::Error naming the op and the shapes at fault.
#pragma once

#include <optional>
#include <tuple>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl {

// ---- elementwise binary (src/ops/binary.cpp) ----------------------------------------------
// out = a + alpha * b                 grad_a = g, grad_b = alpha * g (each summed to its shape)
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
// out = a - alpha * b
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor rsub(const Tensor& a, Scalar b);  // b - a
// out = a * b                         grad_a = g * b, grad_b = g * a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, Scalar b);
// out = a / b (true division: integer inputs give float32)
Tensor div(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, Scalar b);
Tensor div(Scalar a, const Tensor& b);
// out = a ^ b                         grad_a = g * b * a^(b-1), grad_b = g * a^b * log(a)
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, Scalar b);
Tensor pow(Scalar a, const Tensor& b);
// Elementwise max/min; where a == b the gradient is split evenly, as in PyTorch.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// Comparisons and logic return bool tensors and have no gradient.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, Scalar b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, Scalar b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, Scalar b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, Scalar b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, Scalar b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, Scalar b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);

// out = cond ? a : b (cond is bool; all three broadcast)
//                                     grad_a = where(cond, g, 0), grad_b = where(cond, 0, g)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, Scalar b);
Tensor where(const Tensor& cond, Scalar a, const Tensor& b);
// out = min(max(x, min), max); either bound may be absent. grad = g where min <= x <= max.
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);

// ---- elementwise unary (src/ops/unary.cpp) ------------------------------------------------
// Integer inputs of the floating functions (exp, log, sqrt, sin, tanh, ...) give float32.
Tensor neg(const Tensor& x);      // grad = -g
Tensor abs(const Tensor& x);      // grad = g * sign(x)
Tensor exp(const Tensor& x);      // grad = g * out
Tensor log(const Tensor& x);      // grad = g / x
Tensor log1p(const Tensor& x);    // grad = g / (1 + x)
Tensor sqrt(const Tensor& x);     // grad = g / (2 out)
Tensor rsqrt(const Tensor& x);    // grad = -g out^3 / 2
Tensor sin(const Tensor& x);      // grad = g cos(x)
Tensor cos(const Tensor& x);      // grad = -g sin(x)
Tensor tanh(const Tensor& x);     // grad = g (1 - out^2)
Tensor erf(const Tensor& x);      // grad = g 2/sqrt(pi) exp(-x^2)
Tensor sigmoid(const Tensor& x);  // grad = g out (1 - out)
Tensor relu(const Tensor& x);     // grad = g where out > 0
// out = x > 0 ? x : slope * x
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
// approximate = "none": x Φ(x) with the exact erf; "tanh": the tanh approximation.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);  // x sigmoid(x)
// out = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
// Piecewise-constant functions: their gradient is zero everywhere it exists (as PyTorch's).
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);  // half to even, as torch.round

// ---- reductions (src/ops/reduce.cpp) ------------------------------------------------------
// `dims` empty means every dim. keepdim keeps reduced dims as size 1.
// bool and integer sums give int64, as in PyTorch.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& x);  // floating inputs only
Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
// Over everything: the largest value, gradient shared among ties.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Over one dim: (values, indices); the gradient flows to the index chosen.
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// unbiased: divide by N - 1 (Bessel's correction) instead of N.
Tensor var(const Tensor& x, IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false);
// log(sum(exp(x))) computed stably: m + log(sum(exp(x - m))) with m = max(x).
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim = false);
// p-norm (sum |x|^p)^(1/p); p = inf gives max |x|. The gradient at a zero norm is zero.
Tensor norm(const Tensor& x, Scalar p = 2, IntArrayRef dims = {}, bool keepdim = false);

// ---- linear algebra (src/ops/matmul.cpp) --------------------------------------------------
// [M, K] x [K, N] -> [M, N]         grad_a = g b^T, grad_b = a^T g
Tensor mm(const Tensor& a, const Tensor& b);
// [B, M, K] x [B, K, N] -> [B, M, N]
Tensor bmm(const Tensor& a, const Tensor& b);
// torch.matmul: 1-D x 1-D is a dot product, 1-D operands gain and lose a dim, and batch dims
// (all but the last two) broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- softmax and indexing (src/ops/softmax.cpp, src/ops/index.cpp) --------------------------
// softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m) along dim; m = max along dim (stability)
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// out = x.select(dim, index[i]) stacked along dim; index is 1-D int64 (or int32).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise for other dims).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// out = x, then out[index[i][j]][j] += src[i][j] for dim 0 (and likewise for other dims).
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// out = x, then out.select(dim, index[i]) += source.select(dim, i).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
// Rows of weight [N, D] picked by integer indices of any shape: out is indices.shape + [D].
Tensor embedding(const Tensor& weight, const Tensor& indices);
// int64 tensor with a trailing dim of size num_classes (-1: max(indices) + 1).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

// ---- shape (src/ops/shape.cpp); each is also a Tensor method ----------------------------------
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Broadcast shape of two shapes (docs/broadcasting.md); throws ShapeError naming `op`.
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op = "broadcast_shapes");
// Sums `grad` down to `shape` over the dims that broadcasting expanded (at::sum_to).
Tensor sum_to(const Tensor& grad, IntArrayRef shape);

// ---- dropout (src/ops/dropout.cpp) -----------------------------------------------------------
// When train: out = x * mask / (1 - p), mask[i] ~ Bernoulli(1 - p) drawn from the global
// generator (zero with probability p); p == 1 gives zeros. Otherwise x itself.
//                                     grad = g * mask / (1 - p)   (the same mask)
// p must lie in [0, 1]. nn::Dropout and nn::functional::dropout call this.
Tensor dropout(const Tensor& x, double p = 0.5, bool train = true);

// The dtype PyTorch gives a binary op of a and b (torch.result_type).
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, Scalar b);

}  // namespace tinydl

// ---- convolution networks (issue 4): one header per family ----------------------------------------
#include "tinydl/ops/conv.h"      // conv1d, conv2d, conv_transpose2d
#include "tinydl/ops/norm.h"      // batch_norm, layer_norm, group_norm
#include "tinydl/ops/pool.h"      // max_pool2d, avg_pool2d, adaptive pools
#include "tinydl/ops/resample.h"  // pad, interpolate/upsample, dropout2d
