// functional_loss.h — the loss functions of tinydl::nn::functional (torch.nn.functional's
// losses), and nn::Reduction.
//
// Each function takes (input, target, ...options) in PyTorch's order and with PyTorch's
// defaults, and returns a 0-dim loss (reduction Mean or Sum) or one loss per element
// (reduction None). The loss modules of nn/loss.h (CrossEntropyLoss, MSELoss, ...) call these.
//
// cross_entropy and nll_loss have dedicated kernels (src/cpu/loss.cpp): a fused, stable
// log-softmax + NLL whose backward writes softmax(x) - onehot(target) in one pass. The other
// losses are compositions of tinydl ops (src/ops/loss.cpp), so their gradients come for free.
// What is not here: multi-margin, CTC, cosine-embedding and the other rarer PyTorch losses.
//
// Dimension legend: N batch, C classes, d1, d2, ... extra dims (a K-dim loss: per pixel, per
// token); "elementwise" losses accept any shape.
#pragma once

#include <cstdint>
#include <ostream>

#include "tinydl/tensor.h"

namespace tinydl::nn {

// How a loss combines its per-element values (PyTorch's reduction='none'|'mean'|'sum').
//   None:      one loss per element (per sample for the class losses), no reduction
//   Mean:      the average (class losses with `weight`: sum / total weight of the targets)
//   Sum:       the sum
//   BatchMean: kl_div only: the sum divided by the batch size input.size(0), which is the
//              mathematically correct KL divergence ('mean' divides by every element)
enum class Reduction { None, Mean, Sum, BatchMean };

// "none", "mean", "sum", "batchmean": PyTorch's spelling, for messages and printing.
const char* reduction_name(Reduction reduction);
std::ostream& operator<<(std::ostream& out, Reduction reduction);

namespace functional {

// ---- classification -------------------------------------------------------------------------
// Cross entropy between logits and a target, i.e. nll_loss(log_softmax(input, class_dim), ...),
// computed in one fused, stable pass (the max of each row is subtracted before exp, so logits of
// 1000 are fine).
//
// Shapes: input [C], [N, C] or [N, C, d1, d2, ...] (logits, class dim 1, or 0 for [C]).
//   Class indices:       target int64 (or int32) [], [N] or [N, d1, ...] with values in [0, C) or
//                        ignore_index. loss_i = -w[t_i] * log_softmax(x_i)[t_i]; w = weight or 1.
//   Class probabilities: target float with input's shape (each row a distribution).
//                        loss_i = -sum_c w[c] * target_ic * log_softmax(x_i)_c
// label_smoothing e in [0, 1] mixes the target with the uniform distribution:
//   target' = (1 - e) target + e / C, so (class indices)
//   loss_i = (1 - e) w[t_i] (-logp_i[t_i]) + (e / C) sum_c w[c] (-logp_i[c]).
// Reduction Mean with class indices divides by the total weight sum_i w[t_i] of the targets that
// are not ignored (so with every target ignored, the loss is 0 / 0 = NaN, as in PyTorch); with
// probabilities it divides by the number of rows N * d1 * d2 * ....
// Gradient (class indices): grad_x_i = g_i * (softmax(x_i) * ((1-e) w[t_i] + (e/C) sum w)
//   - (1-e) w[t_i] onehot(t_i) - (e/C) w), zero for ignored targets. There is no gradient for
//   weight or class-index targets; probability targets get one.
//
//   Tensor logits = model(x);                                   // [64, 10]
//   Tensor loss = F::cross_entropy(logits, labels);              // labels: int64 [64]
//   loss.backward();
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);

// Negative log-likelihood of class-index targets given log-probabilities (the output of
// log_softmax): loss_i = -w[t_i] * input_i[t_i], 0 where t_i == ignore_index.
// Shapes and reductions as cross_entropy with class indices. grad_input_i = -g_i w[t_i] onehot(t_i).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);

// Binary cross entropy of probabilities input in [0, 1] (checked) and targets of the same shape:
//   loss = -w (t log(x) + (1 - t) log(1 - x)), each log clamped to >= -100 as PyTorch does, so
//   x = 0 or 1 gives a finite loss. weight broadcasts to input's shape.
// grad_x = g w (x - t) / max(x (1 - x), 1e-12), grad_t = g w (log(1 - x) - log(x)).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::Mean);

// sigmoid + binary cross entropy in one stable formula, for logits x of any magnitude:
//   loss = w ((1 - t) x + l * softplus(-x)),   l = 1 + (pos_weight - 1) t,
// with softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)). pos_weight (one value per
// class: broadcast along the last dim) weights the positive examples; weight broadcasts to x.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                        Reduction reduction = Reduction::Mean, const Tensor& pos_weight = {});

// Kullback-Leibler divergence KL(target || model) with input = log-probabilities of the model:
//   log_target false:  loss = t (log t - x)   (0 where t == 0)
//   log_target true:   loss = exp(t) (t - x)  (target given as log-probabilities)
// Reduction BatchMean (sum / input.size(0)) is the true KL divergence; Mean divides by every
// element, as PyTorch's 'mean' does. Shapes broadcast.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);

// ---- regression (elementwise; input and target broadcast, as PyTorch's do with a warning) -----
// loss = (x - t)^2                      grad_x = 2 g (x - t)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// loss = |x - t|                        grad_x = g sign(x - t)
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// z = |x - t|:  loss = 0.5 z^2 / beta where z < beta, else z - 0.5 beta (beta >= 0; 0 gives l1)
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
// z = |x - t|:  loss = 0.5 z^2 where z < delta, else delta (z - 0.5 delta)   (delta > 0)
// huber_loss = delta * smooth_l1_loss with beta = delta.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);

}  // namespace functional
}  // namespace tinydl::nn
