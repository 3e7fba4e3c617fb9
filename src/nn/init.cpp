// init.cpp — nn::init (see nn/init.h for the formulas). Each initialiser draws a fresh tensor
// of random values from the global generator and copies it into the target under NoGradGuard,
// so the target keeps its identity (its impl, requires_grad, and any optimizer holding it).
#include "tinydl/nn/init.h"

#include <cmath>

#include "src/ops/op_utils.h"  // check_defined, check_floating
#include "tinydl/autograd.h"
#include "tinydl/factory.h"

namespace tinydl::nn::init {

namespace {
void check_float_tensor(const char* op, const Tensor& t) {
    tinydl::detail::check_defined(op, t);
    tinydl::detail::check_floating(op, t);
}

int64_t correct_fan(const Tensor& t, const std::string& mode, const char* op) {
    TINYDL_CHECK(mode == "fan_in" || mode == "fan_out", op, "Mode ", mode,
                 " not supported, please use one of fan_in, fan_out");
    const auto [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
    return mode == "fan_in" ? fan_in : fan_out;
}

TensorOptions options_of(const Tensor& t) { return TensorOptions(t.dtype()).device(t.device()); }
}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
    static const char* const kLinear[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                          "conv_transpose2d", "conv_transpose3d", "sigmoid"};
    for (const char* name : kLinear)
        if (nonlinearity == name) return 1.0;
    if (nonlinearity == "tanh") return 5.0 / 3.0;
    if (nonlinearity == "relu") return std::sqrt(2.0);
    if (nonlinearity == "leaky_relu") {
        const double slope = param.value_or(0.01);
        return std::sqrt(2.0 / (1.0 + slope * slope));
    }
    if (nonlinearity == "selu") return 3.0 / 4.0;  // PyTorch's value, chosen for self-normalising nets
    throw Error("calculate_gain: Unsupported nonlinearity " + nonlinearity +
                " (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& t) {
    tinydl::detail::check_defined("_calculate_fan_in_and_fan_out", t);
    TINYDL_CHECK(t.dim() >= 2, "_calculate_fan_in_and_fan_out",
                 "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape ",
                 t.sizes(), ")");
    int64_t receptive_field = 1;  // kernel elements per (output, input) channel pair
    for (int64_t d = 2; d < t.dim(); ++d) receptive_field *= t.size(d);
    return {t.size(1) * receptive_field, t.size(0) * receptive_field};
}

Tensor uniform_(Tensor t, double a, double b) {
    check_float_tensor("uniform_", t);
    TINYDL_CHECK(a <= b, "uniform_", "expects to return a [from, to) range, but found from=", a, " > to=", b);
    NoGradGuard no_grad;
    if (t.numel() > 0) t.copy_(rand(t.sizes(), options_of(t)) * (b - a) + a);
    return t;
}

Tensor normal_(Tensor t, double mean, double std) {
    check_float_tensor("normal_", t);
    TINYDL_CHECK(std >= 0.0, "normal_", "expects std >= 0.0, but found std ", std);
    NoGradGuard no_grad;
    if (t.numel() > 0) t.copy_(randn(t.sizes(), options_of(t)) * std + mean);
    return t;
}

Tensor constant_(Tensor t, Scalar value) {
    tinydl::detail::check_defined("constant_", t);
    NoGradGuard no_grad;
    t.fill_(value);
    return t;
}
Tensor zeros_(Tensor t) { return constant_(std::move(t), 0); }
Tensor ones_(Tensor t) { return constant_(std::move(t), 1); }

Tensor xavier_uniform_(Tensor t, double gain) {
    check_float_tensor("xavier_uniform_", t);
    const auto [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
    if (t.numel() == 0) return t;
    const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
    const double bound = std::sqrt(3.0) * std;
    return uniform_(std::move(t), -bound, bound);
}

Tensor xavier_normal_(Tensor t, double gain) {
    check_float_tensor("xavier_normal_", t);
    const auto [fan_in, fan_out] = _calculate_fan_in_and_fan_out(t);
    if (t.numel() == 0) return t;
    return normal_(std::move(t), 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
    check_float_tensor("kaiming_uniform_", t);
    const int64_t fan = correct_fan(t, mode, "kaiming_uniform_");
    if (t.numel() == 0) return t;  // PyTorch warns that this is a no-op
    const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
    const double bound = std::sqrt(3.0) * std;
    return uniform_(std::move(t), -bound, bound);
}

Tensor kaiming_normal_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
    check_float_tensor("kaiming_normal_", t);
    const int64_t fan = correct_fan(t, mode, "kaiming_normal_");
    if (t.numel() == 0) return t;
    return normal_(std::move(t), 0.0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan)));
}

}  // namespace tinydl::nn::init
