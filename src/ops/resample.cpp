// resample.cpp — pad, interpolate (upsample_*) and dropout2d.
//
// Three ideas carry the file:
//  1. Constant pad is a copy into a tensor filled with `value`: no kernel of its own (the copy
//     kernel does it), and its gradient is pad(g, -pad): cropping what was added and padding
//     back with zeros what was cropped (PyTorch's constant_pad_nd backward).
//  2. Reflect/replicate pad and every interpolate mode are *separable resamplings*: each
//     output position along a dim reads one or two input positions with fixed weights, dim by
//     dim. The op turns its arguments into a Plan (per dim: taps and weights, the PyTorch index
//     rules live here) and one kernel pair runs any plan (src/cpu/resample.cpp). A 2-D bilinear
//     pass along W then H computes h0*(w0*x00 + w1*x01) + h1*(w0*x10 + w1*x11): PyTorch's order.
//  3. A plan is linear in its input, so its backward is the transposed plan (scatter-add to the
//     taps) and the backward of that is the plan again: one node type serves forward, backward
//     and double backward (ResampleNode, with `transposed` flipping between the two).
// dropout2d is a composition (input * channel mask), so autograd differentiates it for free.
//
// Dimension legend: N batch, C channels, L / H, W / D, H, W spatial; A and B the blocks before
// and after the dim a pass resamples (see src/cpu/resample.h).
#include "tinydl/ops/resample.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "src/cpu/resample.h"
#include "src/cuda/resample.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<ResampleKernel> resample_kernels{"resample", cpu::resample_dim, TINYDL_IF_CUDA(cuda::resample_dim)};
const KernelTable<ResampleBackwardKernel> resample_backward_kernels{
    "resample backward", cpu::resample_dim_backward, TINYDL_IF_CUDA(cuda::resample_dim_backward)};

// One pass: dim `dim` goes from in_size to out_size; out position o reads i0[o] (and i1[o]).
struct Pass {
    int64_t dim = 0;
    int64_t in_size = 0, out_size = 0;
    std::vector<int64_t> i0, i1;
    std::vector<double> w0, w1;  // empty: one tap of weight 1

    ResampleTaps taps() const {
        ResampleTaps t;
        t.i0 = i0.data();
        t.i1 = w1.empty() ? nullptr : i1.data();
        t.w0 = w0.empty() ? nullptr : w0.data();
        t.w1 = w1.empty() ? nullptr : w1.data();
        t.in_size = in_size;
        t.out_size = out_size;
        return t;
    }
};

// The passes of one op call, and the names its nodes get in graphs.
struct Plan {
    std::vector<Pass> passes;
    std::string name;           // e.g. "UpsampleBilinear2DBackward0"
    std::string backward_name;  // e.g. "UpsampleBilinear2DBackwardBackward0"
};

// Note [Resample tables on the GPU]: a pass's taps are host vectors, and a CUDA kernel cannot
// read host memory. For a tensor on a GPU, the pass's tables are copied into two small tensors
// on that device (the indices i0, i1 as one int64 tensor, the weights w0, w1 as one float64
// tensor: two copies per pass) and the kernel gets ResampleTaps pointing into them. They only
// need to outlive the launch: the kernel runs later, but on the one stream, so the caching
// allocator hands their memory only to work queued after it (Note [One stream] in
// src/cuda/runtime.cu). Uploading per call keeps Plan immutable and shareable by the graph;
// the tables are a few kilobytes against the megabytes of an image the pass reads.
struct DeviceTables {
    Tensor index, weight;  // keep the device copies alive until the launch is queued
};
ResampleTaps device_taps(const Pass& pass, Device device, DeviceTables& keep) {
    const bool two_taps = !pass.w1.empty();
    const int64_t n = pass.out_size;
    std::vector<int64_t> index(pass.i0);  // [i0 | i1]
    if (two_taps) index.insert(index.end(), pass.i1.begin(), pass.i1.end());
    keep.index = tensor(index, TensorOptions(kInt64).device(device));
    ResampleTaps t = pass.taps();  // sizes, and which tables exist
    t.i0 = keep.index.data_ptr<int64_t>();
    t.i1 = two_taps ? t.i0 + n : nullptr;
    t.w0 = t.w1 = nullptr;
    if (!pass.w0.empty()) {
        std::vector<double> weight(pass.w0);  // [w0 | w1]
        weight.insert(weight.end(), pass.w1.begin(), pass.w1.end());
        keep.weight = tensor(weight, TensorOptions(kFloat64).device(device));
        t.w0 = keep.weight.data_ptr<double>();
        t.w1 = two_taps ? t.w0 + n : nullptr;
    }
    return t;
}

// Runs one pass (or its transpose) on a contiguous tensor; no autograd.
Tensor run_pass(const Tensor& x, const Pass& pass, bool transposed) {
    DimVector sizes(x.sizes());
    int64_t A = 1, B = 1;
    for (int64_t d = 0; d < pass.dim; ++d) A *= sizes[d];
    for (int64_t d = pass.dim + 1; d < x.dim(); ++d) B *= sizes[d];
    sizes[pass.dim] = transposed ? pass.in_size : pass.out_size;
    Tensor out = detail::empty_raw(sizes, x.dtype(), x.device());
    if (out.numel() == 0) return out;
    DeviceTables keep;
    const ResampleTaps taps = x.is_cpu() ? pass.taps() : device_taps(pass, x.device(), keep);
    if (transposed) resample_backward_kernels.get(x.device())(view_of(out), view_of(x), A, B, taps);
    else resample_kernels.get(x.device())(view_of(out), view_of(x), A, B, taps);
    return out;
}

Tensor apply_plan(const Tensor& x, const std::shared_ptr<const Plan>& plan, bool transposed);

// out = P x (transposed: out = P^T x). Linear, so grad_x = P^T g (resp. P g): see idea 3 above.
struct ResampleNode : Node {
    std::shared_ptr<const Plan> plan;
    bool transposed = false;
    const char* name() const override { return transposed ? plan->backward_name.c_str() : plan->name.c_str(); }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override { return {apply_plan(grads[0], plan, !transposed)}; }
};

Tensor apply_plan(const Tensor& x, const std::shared_ptr<const Plan>& plan, bool transposed) {
    Tensor out = detail::contiguous_raw(x);
    if (transposed) {
        for (auto p = plan->passes.rbegin(); p != plan->passes.rend(); ++p) out = run_pass(out, *p, true);
    } else {
        for (const Pass& p : plan->passes) out = run_pass(out, p, false);
    }
    TINYDL_ASSERT(!out.is_same(x), "resample: a plan without passes would alias its input");
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<ResampleNode>(x);
        node->plan = plan;
        node->transposed = transposed;
        autograd::set_history(out, node);
    }
    return out;
}

std::shared_ptr<Plan> new_plan(const std::string& name) {
    auto plan = std::make_shared<Plan>();
    plan->name = name + "Backward0";
    plan->backward_name = name + "BackwardBackward0";
    return plan;
}

// ---- pad ------------------------------------------------------------------------------------------

// out = pad(x, p, "constant", v):  grad_x = pad(g, -p, "constant", 0)
struct ConstantPadBackward : Node {
    DimVector pad;
    const char* name() const override { return "ConstantPadNdBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        DimVector negated(pad);
        for (int64_t& v : negated) v = -v;
        return {tinydl::pad(grads[0], negated, "constant", 0.0)};
    }
};

Tensor constant_pad(const Tensor& x, IntArrayRef pad, double value) {
    const int64_t ndim = x.dim();
    const int64_t k = static_cast<int64_t>(pad.size()) / 2;
    DimVector out_sizes(x.sizes());
    for (int64_t i = 0; i < k; ++i) {
        const int64_t d = ndim - 1 - i, l = pad[2 * i], r = pad[2 * i + 1];
        out_sizes[d] = x.size(d) + l + r;
        TINYDL_CHECK_SHAPE(out_sizes[d] >= 0, "pad", "The input size ", x.size(d), ", plus negative padding ", l,
                           " and ", r, " resulted in a negative output size, which is invalid. Check dimension ",
                           d, " of your input (shape ", x.sizes(), ").");
    }
    Tensor out;
    {
        NoGradGuard no_grad;
        out = full(out_sizes, value, x.options());
        // The part of x that survives, and where it lands: per dim, a crop drops -l (-r) from x's
        // start (end), a pad shifts it by l in out.
        Tensor src = x.detach(), dst = out;
        bool empty = false;
        for (int64_t i = 0; i < k; ++i) {
            const int64_t d = ndim - 1 - i, l = pad[2 * i], r = pad[2 * i + 1];
            const int64_t len = x.size(d) - std::max<int64_t>(0, -l) - std::max<int64_t>(0, -r);
            if (len <= 0) {
                empty = true;
                break;
            }
            src = src.narrow(d, std::max<int64_t>(0, -l), len);
            dst = dst.narrow(d, std::max<int64_t>(0, l), len);
        }
        if (!empty) detail::copy_raw(dst, src);
    }
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<ConstantPadBackward>(x);
        node->pad = DimVector(pad);
        autograd::set_history(out, node);
    }
    return out;
}

// reflect:   -1 -> 1, -2 -> 2, in -> in - 2 (mirror about the border, which is not repeated)
// replicate: everything left of 0 reads 0, right of in - 1 reads in - 1
int64_t border_index(int64_t i, int64_t in, bool reflect) {
    if (reflect) {
        if (i < 0) i = -i;
        if (i >= in) i = 2 * (in - 1) - i;
        return i;
    }
    return std::clamp<int64_t>(i, 0, in - 1);
}

}  // namespace

Tensor pad(const Tensor& input, IntArrayRef pad, const std::string& mode, double value) {
    detail::check_defined("pad", input);
    const int64_t ndim = input.dim();
    const int64_t npad = static_cast<int64_t>(pad.size());
    TINYDL_CHECK(npad % 2 == 0, "pad", "Padding length must be divisible by 2, got ", npad, " values");
    TINYDL_CHECK(npad <= 2 * ndim, "pad",
                 "Padding length should be less than or equal to two times the input dimension but got "
                 "padding length ", npad, " and input of dimension ", ndim, " (shape ", input.sizes(), ")");
    if (mode == "constant") return constant_pad(input, pad, value);

    TINYDL_CHECK(mode == "reflect" || mode == "replicate", "pad", "unsupported padding mode \"", mode,
                 "\"; expected \"constant\", \"reflect\" or \"replicate\"",
                 mode == "circular" ? " (\"circular\" is not implemented yet)" : "");
    TINYDL_CHECK(value == 0.0, "pad", "Padding mode \"", mode, "\" doesn't take in value argument (got ", value, ")");
    const int64_t k = npad / 2;  // how many trailing dims are padded
    TINYDL_CHECK_SHAPE(k >= 1 && k <= 3 && (ndim == k + 1 || ndim == k + 2), "pad",
                       "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now: ", npad,
                       " padding values for mode \"", mode, "\" need a ", k + 1, "-D or ", k + 2,
                       "-D input, got shape ", input.sizes());
    const bool reflect = mode == "reflect";

    auto plan = new_plan(detail::str(reflect ? "ReflectionPad" : "ReplicationPad", k, "D"));
    for (int64_t i = 0; i < k; ++i) {  // last dim first, as the pad list
        Pass pass;
        pass.dim = ndim - 1 - i;
        const int64_t l = pad[2 * i], r = pad[2 * i + 1];
        pass.in_size = input.size(pass.dim);
        pass.out_size = pass.in_size + l + r;
        if (reflect) {
            TINYDL_CHECK_SHAPE(l < pass.in_size && r < pass.in_size, "pad",
                               "Padding size should be less than the corresponding input dimension, but got: "
                               "padding (", l, ", ", r, ") at dimension ", pass.dim, " of input ", input.sizes());
        }
        TINYDL_CHECK_SHAPE(pass.in_size >= 1 && pass.out_size >= 1, "pad", "input ", input.sizes(),
                           " is too small: padding (", l, ", ", r, ") at dimension ", pass.dim,
                           " gives an output size of ", pass.out_size, "; it must be at least 1");
        for (int64_t o = 0; o < pass.out_size; ++o) pass.i0.push_back(border_index(o - l, pass.in_size, reflect));
        plan->passes.push_back(std::move(pass));
    }
    return apply_plan(input, plan, /*transposed=*/false);
}

// ---- interpolate -------------------------------------------------------------------------------------

namespace {
// PyTorch's compute_scales_value: the output -> input step, 1 / scale_factor when the user gave
// one (so out = floor(in * s) need not equal in * s), else in / out.
template <typename T> T scales_value(std::optional<double> scale, int64_t in, int64_t out) {
    return (scale && *scale > 0.0) ? static_cast<T>(1.0 / *scale) : static_cast<T>(in) / static_cast<T>(out);
}

// PyTorch's legacy 'nearest' (nearest_idx): src = min(floor(dst * s), in - 1), in float.
int64_t nearest_index(int64_t o, int64_t in, int64_t out, std::optional<double> scale) {
    if (out == in) return o;
    if (out == 2 * in) return o >> 1;
    const float s = scales_value<float>(scale, in, out);
    return std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
}

// Linear taps in precision T (float for float32, as PyTorch's opmath): PyTorch's
// area_pixel_compute_scale / area_pixel_compute_source_index / guard_index_and_lambda.
template <typename T> void linear_taps(Pass& pass, bool align_corners, std::optional<double> scale) {
    const int64_t in = pass.in_size, out = pass.out_size;
    T s;
    if (align_corners) s = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
    else s = scales_value<T>(scale, in, out);
    for (int64_t o = 0; o < out; ++o) {
        T real = align_corners ? s * static_cast<T>(o) : s * (static_cast<T>(o) + T(0.5)) - T(0.5);
        if (real < T(0)) real = T(0);  // left of the first pixel centre: clamp (not for align_corners)
        const int64_t i0 = std::min(static_cast<int64_t>(std::floor(real)), in - 1);
        const T lambda = std::min(std::max(real - static_cast<T>(i0), T(0)), T(1));
        pass.i0.push_back(i0);
        pass.i1.push_back(i0 < in - 1 ? i0 + 1 : i0);  // the last pixel has no right neighbour
        pass.w0.push_back(static_cast<double>(T(1) - lambda));
        pass.w1.push_back(static_cast<double>(lambda));
    }
}

std::vector<int64_t> spatial_sizes(const Tensor& x) { return {x.sizes().begin() + 2, x.sizes().end()}; }
}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateOptions& options) {
    detail::check_defined("interpolate", input);
    const std::string& mode = options.mode;
    int64_t needed_dim = 0;  // the one rank a linear mode accepts
    if (mode == "linear") needed_dim = 3;
    else if (mode == "bilinear") needed_dim = 4;
    else if (mode == "trilinear") needed_dim = 5;
    else TINYDL_CHECK(mode == "nearest", "interpolate", "unsupported mode \"", mode,
                      "\"; expected \"nearest\", \"linear\", \"bilinear\" or \"trilinear\"");
    const bool linear = needed_dim != 0;
    TINYDL_CHECK(linear || !options.align_corners.has_value(), "interpolate",
                 "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
                 "trilinear (got mode \"", mode, "\")");
    const int64_t ndim = input.dim();
    TINYDL_CHECK_SHAPE(ndim >= 3 && ndim <= 5, "interpolate", "Input Error: Only 3D, 4D and 5D input Tensors supported (got ",
                       ndim, "D) for the modes: nearest | linear | bilinear | trilinear (got ", mode, "); input shape ",
                       input.sizes(), ", expected [N, C, spatial...]");
    TINYDL_CHECK_SHAPE(!linear || ndim == needed_dim, "interpolate", "Got ", ndim, "D input, but ", mode, " mode needs ",
                       needed_dim, "D input (input shape ", input.sizes(), ")");
    TINYDL_CHECK(!options.size.empty() || !options.scale_factor.empty(), "interpolate",
                 "either size or scale_factor should be defined");
    TINYDL_CHECK(options.size.empty() || options.scale_factor.empty(), "interpolate",
                 "only one of size or scale_factor should be defined");
    const int64_t nsp = ndim - 2;
    const std::vector<int64_t> in_sizes = spatial_sizes(input);
    std::vector<int64_t> out_sizes(nsp);
    std::vector<std::optional<double>> scales(nsp);
    if (!options.size.empty()) {
        const int64_t n = static_cast<int64_t>(options.size.size());
        TINYDL_CHECK_SHAPE(n == 1 || n == nsp, "interpolate",
                           "Input and output must have the same number of spatial dimensions, but got input with "
                           "spatial dimensions of ", IntArrayRef(in_sizes), " and output size of ",
                           IntArrayRef(options.size), ". Please provide input tensor in (N, C, d1, d2, ...,dK) "
                           "format and output size in (o1, o2, ...,oK) format.");
        for (int64_t i = 0; i < nsp; ++i) out_sizes[i] = options.size[n == 1 ? 0 : i];
    } else {
        const auto& sf = options.scale_factor;
        const int64_t n = static_cast<int64_t>(sf.size());
        TINYDL_CHECK_SHAPE(n == 1 || n == nsp, "interpolate",
                           "Input and scale_factor must have the same number of spatial dimensions, but got input "
                           "with spatial dimensions of ", IntArrayRef(in_sizes), " and scale_factor of ", n,
                           " values. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor "
                           "in (s1, s2, ...,sK) format.");
        for (int64_t i = 0; i < nsp; ++i) {
            scales[i] = sf[n == 1 ? 0 : i];
            out_sizes[i] = static_cast<int64_t>(std::floor(static_cast<double>(in_sizes[i]) * *scales[i]));
        }
    }
    const bool positive = std::all_of(in_sizes.begin(), in_sizes.end(), [](int64_t v) { return v > 0; }) &&
                          std::all_of(out_sizes.begin(), out_sizes.end(), [](int64_t v) { return v > 0; });
    TINYDL_CHECK_SHAPE(positive, "interpolate", "Input and output sizes should be greater than 0, but got input ",
                       IntArrayRef(in_sizes), " and output ", IntArrayRef(out_sizes), " (spatial sizes)");
    if (linear) detail::check_floating("interpolate", input);
    const bool align_corners = options.align_corners.value_or(false);

    static const char* const kLinearNames[] = {"UpsampleLinear1D", "UpsampleBilinear2D", "UpsampleTrilinear3D"};
    auto plan = new_plan(linear ? std::string(kLinearNames[nsp - 1]) : detail::str("UpsampleNearest", nsp, "D"));
    for (int64_t i = nsp - 1; i >= 0; --i) {  // last dim first: PyTorch's order of arithmetic
        Pass pass;
        pass.dim = 2 + i;
        pass.in_size = in_sizes[i];
        pass.out_size = out_sizes[i];
        if (!linear) {
            for (int64_t o = 0; o < pass.out_size; ++o)
                pass.i0.push_back(nearest_index(o, pass.in_size, pass.out_size, scales[i]));
        } else if (input.dtype() == kFloat32) {
            linear_taps<float>(pass, align_corners, scales[i]);
        } else {
            linear_taps<double>(pass, align_corners, scales[i]);
        }
        plan->passes.push_back(std::move(pass));
    }
    return apply_plan(input, plan, /*transposed=*/false);
}

Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size) {
    detail::check_defined("upsample_nearest2d", input);
    TINYDL_CHECK_SHAPE(input.dim() == 4 && output_size.size() == 2, "upsample_nearest2d",
                       "expected a 4-D [N, C, H, W] input and 2 output sizes, got input ", input.sizes(),
                       " and output_size ", output_size);
    return interpolate(input, {.size = output_size.vec(), .mode = "nearest"});
}

Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners) {
    detail::check_defined("upsample_bilinear2d", input);
    TINYDL_CHECK_SHAPE(input.dim() == 4 && output_size.size() == 2, "upsample_bilinear2d",
                       "expected a 4-D [N, C, H, W] input and 2 output sizes, got input ", input.sizes(),
                       " and output_size ", output_size);
    return interpolate(input, {.size = output_size.vec(), .mode = "bilinear", .align_corners = align_corners});
}

// ---- dropout2d -----------------------------------------------------------------------------------------

Tensor dropout2d(const Tensor& input, double p, bool training) {
    detail::check_defined("dropout2d", input);
    TINYDL_CHECK(p >= 0.0 && p <= 1.0, "dropout2d", "dropout probability has to be between 0 and 1, but got ", p);
    TINYDL_CHECK_SHAPE(input.dim() == 3 || input.dim() == 4, "dropout2d",
                       "expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got shape ", input.sizes());
    if (!training || p == 0.0) return input;
    detail::check_floating("dropout2d", input);
    // One draw per channel: the mask is [N, C, 1, 1] (or [C, 1, 1]) and broadcasts over H, W.
    DimVector mask_sizes(input.sizes());
    mask_sizes[input.dim() - 1] = 1;
    mask_sizes[input.dim() - 2] = 1;
    Tensor mask;
    {
        NoGradGuard no_grad;
        if (p == 1.0) {
            mask = zeros(mask_sizes, input.options());  // 1 / (1 - p) would be infinite; nothing survives
        } else {
            // Keep channel c when u_c < 1 - p, u_c uniform on [0, 1): probability 1 - p.
            mask = lt(rand(mask_sizes, input.options()), 1.0 - p).to(input.dtype()) * (1.0 / (1.0 - p));
        }
    }
    return input * mask;
}

}  // namespace tinydl
