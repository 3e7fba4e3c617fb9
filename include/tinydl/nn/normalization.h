// normalization.h — the normalisation layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm.
// Names, options, defaults, buffers, state_dict keys and printing follow torch.nn, so a
// state_dict moves between the two unchanged. The maths is in ops/norm.h (batch_norm, ...).
//
// Dimension legend: N batch, C channels (num_features), L sequence, H W spatial, G groups.
//
//   auto bn = std::make_shared<nn::BatchNorm2d>(32);   // BatchNorm2d(32, eps=1e-05, momentum=0.1, ...)
//   auto bn2 = std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(16).momentum(std::nullopt));
//   Tensor y = (*bn)(x);   // training: batch statistics, running estimates updated
//   bn->eval();            // now the running estimates are used
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinydl/nn/module.h"

namespace tinydl::nn {

// Options of BatchNorm1d / BatchNorm2d, with PyTorch's defaults and libtorch-style setters:
// BatchNormOptions(64).eps(1e-3).momentum(std::nullopt).
//   momentum      factor of the running-average update; std::nullopt = cumulative moving average
//                 (factor 1 / num_batches_tracked), PyTorch's momentum=None
//   affine        learnable weight (ones) and bias (zeros)
//   track_running_stats  keep running_mean / running_var / num_batches_tracked buffers and use
//                 them in eval; without them batch statistics are used in both modes
class BatchNormOptions {
  public:
    BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit, as libtorch

    BatchNormOptions& num_features(int64_t v) { num_features_ = v; return *this; }
    BatchNormOptions& eps(double v) { eps_ = v; return *this; }
    BatchNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
    BatchNormOptions& affine(bool v) { affine_ = v; return *this; }
    BatchNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }

    int64_t num_features() const { return num_features_; }
    double eps() const { return eps_; }
    std::optional<double> momentum() const { return momentum_; }
    bool affine() const { return affine_; }
    bool track_running_stats() const { return track_running_stats_; }

  private:
    int64_t num_features_;
    double eps_ = 1e-5;
    std::optional<double> momentum_ = 0.1;
    bool affine_ = true;
    bool track_running_stats_ = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

// What BatchNorm1d and BatchNorm2d share (PyTorch's _BatchNorm): parameters, buffers, forward.
// Parameters weight [C] (ones), bias [C] (zeros) when affine; buffers running_mean [C] (zeros),
// running_var [C] (ones), num_batches_tracked (0-dim int64, 0) when track_running_stats.
class BatchNormBase : public Module {
  public:
    explicit BatchNormBase(const BatchNormOptions& options);
    Tensor forward(const Tensor& input) override;
    // "32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
    std::string extra_repr() const override;
    // running_mean = 0, running_var = 1, num_batches_tracked = 0.
    void reset_running_stats();
    // reset_running_stats() and weight = 1, bias = 0.
    void reset_parameters();

    BatchNormOptions options;
    Tensor weight, bias;                                         // undefined unless affine
    Tensor running_mean, running_var, num_batches_tracked;       // undefined unless track_running_stats

  protected:
    // Throws unless input has a rank this layer accepts (PyTorch's _check_input_dim).
    virtual void check_input_dim(const Tensor& input) const = 0;
};

// Batch norm over [N, C] or [N, C, L] input: statistics per channel over N (and L).
class BatchNorm1d : public BatchNormBase {
  public:
    explicit BatchNorm1d(int64_t num_features) : BatchNormBase(BatchNormOptions(num_features)) {}
    explicit BatchNorm1d(const BatchNormOptions& options) : BatchNormBase(options) {}

  protected:
    void check_input_dim(const Tensor& input) const override;  // "expected 2D or 3D input (got 4D input)"
};

// Batch norm over [N, C, H, W] input: statistics per channel over N, H and W.
class BatchNorm2d : public BatchNormBase {
  public:
    explicit BatchNorm2d(int64_t num_features) : BatchNormBase(BatchNormOptions(num_features)) {}
    explicit BatchNorm2d(const BatchNormOptions& options) : BatchNormBase(options) {}

  protected:
    void check_input_dim(const Tensor& input) const override;  // "expected 4D input (got 3D input)"
};

// Options of LayerNorm: LayerNormOptions({10}).eps(1e-6).elementwise_affine(false).
class LayerNormOptions {
  public:
    LayerNormOptions(std::vector<int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT

    LayerNormOptions& normalized_shape(std::vector<int64_t> v) { normalized_shape_ = std::move(v); return *this; }
    LayerNormOptions& eps(double v) { eps_ = v; return *this; }
    LayerNormOptions& elementwise_affine(bool v) { elementwise_affine_ = v; return *this; }

    const std::vector<int64_t>& normalized_shape() const { return normalized_shape_; }
    double eps() const { return eps_; }
    bool elementwise_affine() const { return elementwise_affine_; }

  private:
    std::vector<int64_t> normalized_shape_;
    double eps_ = 1e-5;
    bool elementwise_affine_ = true;
};

// Layer norm over the trailing normalized_shape dims of [*, D...]; weight (ones) and bias (zeros)
// of shape normalized_shape when elementwise_affine. Same in train and eval.
class LayerNorm : public Module {
  public:
    explicit LayerNorm(int64_t normalized_shape) : LayerNorm(LayerNormOptions({normalized_shape})) {}
    explicit LayerNorm(std::vector<int64_t> normalized_shape) : LayerNorm(LayerNormOptions(std::move(normalized_shape))) {}
    explicit LayerNorm(const LayerNormOptions& options);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // "(10,), eps=1e-05, elementwise_affine=True"
    void reset_parameters();

    LayerNormOptions options;
    Tensor weight, bias;  // undefined unless elementwise_affine
};

// Options of GroupNorm: GroupNormOptions(2, 4).eps(1e-6).affine(false).
class GroupNormOptions {
  public:
    GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}

    GroupNormOptions& num_groups(int64_t v) { num_groups_ = v; return *this; }
    GroupNormOptions& num_channels(int64_t v) { num_channels_ = v; return *this; }
    GroupNormOptions& eps(double v) { eps_ = v; return *this; }
    GroupNormOptions& affine(bool v) { affine_ = v; return *this; }

    int64_t num_groups() const { return num_groups_; }
    int64_t num_channels() const { return num_channels_; }
    double eps() const { return eps_; }
    bool affine() const { return affine_; }

  private:
    int64_t num_groups_, num_channels_;
    double eps_ = 1e-5;
    bool affine_ = true;
};

// Group norm of [N, C, *] in num_groups groups of C / G channels; weight [C] (ones) and bias [C]
// (zeros) when affine. num_channels must be divisible by num_groups. Same in train and eval.
class GroupNorm : public Module {
  public:
    GroupNorm(int64_t num_groups, int64_t num_channels) : GroupNorm(GroupNormOptions(num_groups, num_channels)) {}
    explicit GroupNorm(const GroupNormOptions& options);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;  // "2, 4, eps=1e-05, affine=True"
    void reset_parameters();

    GroupNormOptions options;
    Tensor weight, bias;  // undefined unless affine
};

}  // namespace tinydl::nn
