// resample.cpp — nn::Upsample and nn::Dropout2d (nn/resample.h): options, forward, printing.
#include "tinydl/nn/resample.h"

namespace tinydl::nn {

// ---- Upsample --------------------------------------------------------------------------------------
Upsample::Upsample(UpsampleOptions options) : options(std::move(options)) {
    const auto& o = this->options;
    // Checked here as well as in interpolate, so a mistake shows where the model is built.
    TINYDL_CHECK(!o.size().empty() || !o.scale_factor().empty(), "Upsample",
                 "either size or scale_factor should be defined");
    TINYDL_CHECK(o.size().empty() || o.scale_factor().empty(), "Upsample",
                 "only one of size or scale_factor should be defined");
}

Tensor Upsample::forward(const Tensor& input) {
    return interpolate(input, {.size = options.size(),
                               .scale_factor = options.scale_factor(),
                               .mode = options.mode(),
                               .align_corners = options.align_corners()});
}

// PyTorch: Upsample stores scale_factor as float(s) and prints it with repr(), so 2 shows as
// 2.0 and a pair as (2.0, 3.0); size prints as an int or a tuple. align_corners is not shown.
std::string Upsample::extra_repr() const {
    std::string info;
    if (!options.scale_factor().empty()) {
        const auto& sf = options.scale_factor();
        if (sf.size() == 1) {
            info = "scale_factor=" + detail::py_float(sf[0]);
        } else {
            info = "scale_factor=(";
            for (size_t i = 0; i < sf.size(); ++i) info += (i ? ", " : "") + detail::py_float(sf[i]);
            info += ")";
        }
    } else {
        const auto& size = options.size();
        info = "size=" + (size.size() == 1 ? std::to_string(size[0]) : detail::py_tuple(size));
    }
    return info + ", mode='" + options.mode() + "'";
}

// ---- Dropout2d -------------------------------------------------------------------------------------
Dropout2d::Dropout2d(double p) : p(p) {
    TINYDL_CHECK(p >= 0.0 && p <= 1.0, "Dropout2d", "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout2d::forward(const Tensor& input) { return dropout2d(input, p, is_training()); }

std::string Dropout2d::extra_repr() const { return "p=" + detail::py_float(p) + ", inplace=False"; }

}  // namespace tinydl::nn
