// init.h — nn::init: filling parameters with their starting values, with PyTorch's names,
// defaults and formulas (torch.nn.init).
//
// Every function writes into `t` in place, under NoGradGuard (initialising is not part of the
// graph), draws from the global generator (manual_seed makes it reproducible), and returns t:
//
//   nn::init::kaiming_normal_(conv->weight, 0, "fan_out", "relu");
//   nn::init::zeros_(linear->bias);
//
// Fans: a weight is [fan_out, fan_in, *kernel] (Linear [out, in]; Conv2d [out, in, kH, kW]), so
//   fan_in  = size(1) * receptive field,   fan_out = size(0) * receptive field,
// with receptive field = the product of the kernel dims (1 for Linear).
// Scales: xavier keeps the variance of activations and gradients about equal through a layer
// with std = gain * sqrt(2 / (fan_in + fan_out)); kaiming keeps that of the forward (mode
// "fan_in") or the backward (mode "fan_out") pass with std = gain / sqrt(fan). A uniform
// U(-b, b) has std b / sqrt(3), hence the bound b = sqrt(3) * std of the *_uniform_ versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "tinydl/tensor.h"

namespace tinydl::nn::init {

// The recommended gain for a nonlinearity: 1 for "linear", "conv1d/2d/3d",
// "conv_transpose1d/2d/3d" and "sigmoid"; 5/3 for "tanh"; sqrt(2) for "relu";
// sqrt(2 / (1 + slope^2)) for "leaky_relu" (param = slope, 0.01 if absent); 3/4 for "selu".
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight of at least 2 dims, by the rule above.
std::pair<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& t);

// U(a, b)
Tensor uniform_(Tensor t, double a = 0.0, double b = 1.0);
// N(mean, std^2)
Tensor normal_(Tensor t, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor t, Scalar value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010)
Tensor xavier_uniform_(Tensor t, double gain = 1.0);
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))
Tensor xavier_normal_(Tensor t, double gain = 1.0);
// U(-b, b) with b = sqrt(3) * calculate_gain(nonlinearity, a) / sqrt(fan)  (He et al., 2015);
// a is the negative slope of a following leaky_relu; mode is "fan_in" or "fan_out".
Tensor kaiming_uniform_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
// N(0, std^2) with std = calculate_gain(nonlinearity, a) / sqrt(fan)
Tensor kaiming_normal_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");

}  // namespace tinydl::nn::init
