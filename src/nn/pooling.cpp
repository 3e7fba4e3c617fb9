// pooling.cpp — the pooling modules (nn/pooling.h): each forward is one op of
// include/tinydl/ops/pool.h; the rest is options and PyTorch-style printing.
#include "tinydl/nn/pooling.h"

#include "tinydl/ops.h"

namespace tinydl::nn {

namespace {
// PyTorch prints a size as it was given: 2 or (2, 3).
std::string size_repr(const std::vector<int64_t>& v) {
    return v.size() == 1 ? std::to_string(v[0]) : detail::py_tuple(v);
}
}  // namespace

MaxPool2dOptions::MaxPool2dOptions(IntArrayRef kernel_size) : kernel_size_(kernel_size.vec()), stride_(kernel_size.vec()) {}

MaxPool2d::MaxPool2d(MaxPool2dOptions options) : options(std::move(options)) {}

Tensor MaxPool2d::forward(const Tensor& input) {
    return max_pool2d(input, options.kernel_size(), options.stride(), options.padding(), options.dilation(),
                      options.ceil_mode());
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input) {
    return max_pool2d_with_indices(input, options.kernel_size(), options.stride(), options.padding(),
                                   options.dilation(), options.ceil_mode());
}

std::string MaxPool2d::extra_repr() const {
    return "kernel_size=" + size_repr(options.kernel_size()) + ", stride=" + size_repr(options.stride()) +
           ", padding=" + size_repr(options.padding()) + ", dilation=" + size_repr(options.dilation()) +
           ", ceil_mode=" + detail::py_bool(options.ceil_mode());
}

AvgPool2dOptions::AvgPool2dOptions(IntArrayRef kernel_size) : kernel_size_(kernel_size.vec()), stride_(kernel_size.vec()) {}

AvgPool2d::AvgPool2d(AvgPool2dOptions options) : options(std::move(options)) {}

Tensor AvgPool2d::forward(const Tensor& input) {
    return avg_pool2d(input, options.kernel_size(), options.stride(), options.padding(), options.ceil_mode(),
                      options.count_include_pad(), options.divisor_override());
}

std::string AvgPool2d::extra_repr() const {
    return "kernel_size=" + size_repr(options.kernel_size()) + ", stride=" + size_repr(options.stride()) +
           ", padding=" + size_repr(options.padding());
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(IntArrayRef output_size) : output_size(output_size.vec()) {}
Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size); }
std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + size_repr(output_size); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(IntArrayRef output_size) : output_size(output_size.vec()) {}
Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return std::get<0>(adaptive_max_pool2d(input, output_size)); }
std::tuple<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& input) {
    return adaptive_max_pool2d(input, output_size);
}
std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + size_repr(output_size); }

}  // namespace tinydl::nn
