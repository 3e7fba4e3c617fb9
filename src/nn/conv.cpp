// conv.cpp — Conv1d, Conv2d, ConvTranspose2d (nn/conv.h): option checks, PyTorch's default
// initialisation and printing; forward is one call to the functional op (src/ops/conv.cpp).
//
// Dimension legend: C_in/C_out channels, k kernel, g groups, D spatial dims (1 or 2).
#include "tinydl/nn/conv.h"

#include <algorithm>
#include <cmath>

#include "tinydl/factory.h"
#include "tinydl/nn/init.h"

namespace tinydl::nn {

namespace {

// One value for every dim, or D of them -> D of them.
std::vector<int64_t> expand(const std::string& who, const char* what, const std::vector<int64_t>& v, size_t D) {
    TINYDL_CHECK(v.size() == 1 || v.size() == D, who, what, " must be one int or ", D, " ints, got ",
                 IntArrayRef(v));
    return v.size() == D ? v : std::vector<int64_t>(D, v[0]);
}

// The checks torch.nn's _ConvNd.__init__ makes, in its words where it has them.
void check_layer(const std::string& who, int64_t in, int64_t out, const std::vector<int64_t>& kernel,
                 const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation, int64_t groups,
                 const std::string& padding_mode, bool transposed) {
    TINYDL_CHECK(in >= 0 && out >= 0, who, "in_channels and out_channels must be non-negative, got ", in, " and ",
                 out);
    TINYDL_CHECK(groups > 0, who, "groups must be a positive integer, got ", groups);
    TINYDL_CHECK(in % groups == 0, who, "in_channels must be divisible by groups (in_channels=", in,
                 ", groups=", groups, ")");
    TINYDL_CHECK(out % groups == 0, who, "out_channels must be divisible by groups (out_channels=", out,
                 ", groups=", groups, ")");
    for (int64_t k : kernel)
        TINYDL_CHECK(k > 0, who, "kernel_size must be positive, got ", IntArrayRef(kernel));
    for (int64_t s : stride) TINYDL_CHECK(s > 0, who, "non-positive stride is not supported, got ", IntArrayRef(stride));
    for (int64_t d : dilation)
        TINYDL_CHECK(d > 0, who, "dilation should be greater than zero, got ", IntArrayRef(dilation));
    static const char* const kModes[] = {"zeros", "reflect", "replicate", "circular"};
    TINYDL_CHECK(std::find(std::begin(kModes), std::end(kModes), padding_mode) != std::end(kModes), who,
                 "padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='",
                 padding_mode, "'");
    if (transposed)
        TINYDL_CHECK(padding_mode == "zeros", who, "Only \"zeros\" padding mode is supported for ", who);
    else
        TINYDL_CHECK(padding_mode == "zeros", who, "padding_mode='", padding_mode,
                     "' is not supported yet, only 'zeros' is; pad the input with pad(x, ..., \"", padding_mode,
                     "\") and use padding=0 instead");
}

// The explicit padding expanded to D values; "same" checked against the stride.
Padding resolve_padding(const std::string& who, const Padding& p, const std::vector<int64_t>& stride, size_t D) {
    if (p.mode() == Padding::Mode::Explicit) {
        const std::vector<int64_t> v = expand(who, "padding", p.values(), D);
        for (int64_t x : v) TINYDL_CHECK(x >= 0, who, "negative padding is not supported, got ", IntArrayRef(v));
        return Padding(v);
    }
    if (p.mode() == Padding::Mode::Same)
        for (int64_t s : stride)
            TINYDL_CHECK(s == 1, who, "padding='same' is not supported for strided convolutions (stride=",
                         IntArrayRef(stride), ")");
    return p;
}

// PyTorch's reset_parameters for every _ConvNd: kaiming_uniform_(a = sqrt(5)) gives the weight
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias gets the same bound.
void reset_conv(Tensor& weight, Tensor& bias) {
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
        const int64_t fan_in = init::_calculate_fan_in_and_fan_out(weight).first;
        const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
        init::uniform_(bias, -bound, bound);
    }
}

bool all_equal(const std::vector<int64_t>& v, int64_t x) {
    return std::all_of(v.begin(), v.end(), [x](int64_t e) { return e == x; });
}

// torch.nn's _ConvNd.extra_repr: the non-default options only, tuples as Python prints them.
std::string conv_repr(int64_t in, int64_t out, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                      const Padding& padding, const std::vector<int64_t>& dilation,
                      const std::vector<int64_t>& output_padding, int64_t groups, bool bias,
                      const std::string& padding_mode) {
    std::string s = detail::str(in, ", ", out, ", kernel_size=", detail::py_tuple(kernel),
                                ", stride=", detail::py_tuple(stride));
    if (padding.mode() != Padding::Mode::Explicit)
        s += ", padding=" + padding.str();
    else if (!all_equal(padding.values(), 0))
        s += ", padding=" + detail::py_tuple(padding.values());
    if (!all_equal(dilation, 1)) s += ", dilation=" + detail::py_tuple(dilation);
    if (!all_equal(output_padding, 0)) s += ", output_padding=" + detail::py_tuple(output_padding);
    if (groups != 1) s += detail::str(", groups=", groups);
    if (!bias) s += ", bias=False";
    if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
    return s;
}

// Options with every spatial value expanded to D of them, after the checks.
template <size_t D> ConvOptions<D> normalized(const std::string& who, const ConvOptions<D>& o) {
    const std::vector<int64_t> kernel = expand(who, "kernel_size", o.kernel_size(), D);
    const std::vector<int64_t> stride = expand(who, "stride", o.stride(), D);
    const std::vector<int64_t> dilation = expand(who, "dilation", o.dilation(), D);
    check_layer(who, o.in_channels(), o.out_channels(), kernel, stride, dilation, o.groups(), o.padding_mode(),
                false);
    return ConvOptions<D>(o.in_channels(), o.out_channels(), kernel)
        .stride(stride)
        .padding(resolve_padding(who, o.padding(), stride, D))
        .dilation(dilation)
        .groups(o.groups())
        .bias(o.bias())
        .padding_mode(o.padding_mode());
}

// The weight [C_out, C_in/g, *kernel] (or [C_in, C_out/g, *kernel] transposed).
std::vector<int64_t> weight_shape(int64_t first, int64_t second, const std::vector<int64_t>& kernel) {
    std::vector<int64_t> shape{first, second};
    shape.insert(shape.end(), kernel.begin(), kernel.end());
    return shape;
}

}  // namespace

// ---- Conv1d ----------------------------------------------------------------------------------------------
Conv1d::Conv1d(const Conv1dOptions& o) : options(normalized("Conv1d", o)) {
    weight = register_parameter(
        "weight", tinydl::empty(weight_shape(options.out_channels(), options.in_channels() / options.groups(),
                                     options.kernel_size())));
    if (options.bias()) bias = register_parameter("bias", empty({options.out_channels()}));
    reset_parameters();
}

void Conv1d::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv1d::forward(const Tensor& input) {
    return conv1d(input, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
}

std::string Conv1d::extra_repr() const {
    return conv_repr(options.in_channels(), options.out_channels(), options.kernel_size(), options.stride(),
                     options.padding(), options.dilation(), {0}, options.groups(), options.bias(),
                     options.padding_mode());
}

// ---- Conv2d ----------------------------------------------------------------------------------------------
Conv2d::Conv2d(const Conv2dOptions& o) : options(normalized("Conv2d", o)) {
    weight = register_parameter(
        "weight", tinydl::empty(weight_shape(options.out_channels(), options.in_channels() / options.groups(),
                                     options.kernel_size())));
    if (options.bias()) bias = register_parameter("bias", empty({options.out_channels()}));
    reset_parameters();
}

void Conv2d::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv2d::forward(const Tensor& input) {
    return conv2d(input, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
}

std::string Conv2d::extra_repr() const {
    return conv_repr(options.in_channels(), options.out_channels(), options.kernel_size(), options.stride(),
                     options.padding(), options.dilation(), {0}, options.groups(), options.bias(),
                     options.padding_mode());
}

// ---- ConvTranspose2d -------------------------------------------------------------------------------------
namespace {
ConvTranspose2dOptions normalized_transpose(const ConvTranspose2dOptions& o) {
    const std::string who = "ConvTranspose2d";
    const std::vector<int64_t> kernel = expand(who, "kernel_size", o.kernel_size(), 2);
    const std::vector<int64_t> stride = expand(who, "stride", o.stride(), 2);
    const std::vector<int64_t> padding = expand(who, "padding", o.padding(), 2);
    const std::vector<int64_t> output_padding = expand(who, "output_padding", o.output_padding(), 2);
    const std::vector<int64_t> dilation = expand(who, "dilation", o.dilation(), 2);
    check_layer(who, o.in_channels(), o.out_channels(), kernel, stride, dilation, o.groups(), o.padding_mode(), true);
    for (int64_t p : padding) TINYDL_CHECK(p >= 0, who, "negative padding is not supported, got ", IntArrayRef(padding));
    return ConvTranspose2dOptions(o.in_channels(), o.out_channels(), kernel)
        .stride(stride)
        .padding(padding)
        .output_padding(output_padding)
        .dilation(dilation)
        .groups(o.groups())
        .bias(o.bias())
        .padding_mode(o.padding_mode());
}
}  // namespace

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o) : options(normalized_transpose(o)) {
    weight = register_parameter(
        "weight", tinydl::empty(weight_shape(options.in_channels(), options.out_channels() / options.groups(),
                                     options.kernel_size())));
    if (options.bias()) bias = register_parameter("bias", empty({options.out_channels()}));
    reset_parameters();
}

void ConvTranspose2d::reset_parameters() { reset_conv(weight, bias); }

Tensor ConvTranspose2d::forward(const Tensor& input) {
    return conv_transpose2d(input, weight, bias, options.stride(), options.padding(), options.output_padding(),
                            options.groups(), options.dilation());
}

std::string ConvTranspose2d::extra_repr() const {
    return conv_repr(options.in_channels(), options.out_channels(), options.kernel_size(), options.stride(),
                     Padding(options.padding()), options.dilation(), options.output_padding(), options.groups(),
                     options.bias(), options.padding_mode());
}

}  // namespace tinydl::nn
