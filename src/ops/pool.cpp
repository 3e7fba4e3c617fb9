// pool.cpp — the 2-D pooling ops (include/tinydl/ops/pool.h): argument checks, output sizes,
// the kernel tables, and the backward nodes.
//
// Legend: input [N, C, H, W] or [C, H, W]; the kernels see P = N * C (or C) contiguous planes
// of H x W and write P planes of OH x OW (src/cpu/pool.h).
//
// Backward uses dedicated kernels, as PyTorch does: a composition (one-hot masks, unfold)
// would allocate a window-sized temporary per output element, and the CNN trainer runs
// max_pool2d's backward twice per step. Double backward is still cheap, because every pooling
// backward is linear in grad_out:
//   * max pools: grad_in = scatter of grad_out to the saved indices, so the gradient of that
//     with respect to grad_out is a gather at the same indices (tinydl's gather op, itself
//     differentiable);
//   * average pools: grad_in = A^T grad_out for the pooling matrix A, so its gradient with
//     respect to grad_out is A applied again, i.e. the same avg pool forward.
// The backward "ops" below therefore record their own nodes when they run under create_graph.
#include <algorithm>

#include "src/cpu/pool.h"
#include "src/cuda/pool.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {

// The CUDA backward of the two max pools differs (src/cuda/pool.h says why); the CPU shares one.
const KernelTable<MaxPool2dKernel> max_pool2d_kernels{"max_pool2d", cpu::max_pool2d, TINYDL_IF_CUDA(cuda::max_pool2d)};
const KernelTable<MaxPool2dBackwardKernel> max_pool2d_backward_kernels{
    "max_pool2d_backward", cpu::max_pool2d_backward, TINYDL_IF_CUDA(cuda::max_pool2d_backward)};
const KernelTable<AvgPool2dKernel> avg_pool2d_kernels{"avg_pool2d", cpu::avg_pool2d, TINYDL_IF_CUDA(cuda::avg_pool2d)};
const KernelTable<AvgPool2dBackwardKernel> avg_pool2d_backward_kernels{
    "avg_pool2d_backward", cpu::avg_pool2d_backward, TINYDL_IF_CUDA(cuda::avg_pool2d_backward)};
const KernelTable<AvgPool2dKernel> adaptive_avg_pool2d_kernels{"adaptive_avg_pool2d", cpu::adaptive_avg_pool2d,
                                                               TINYDL_IF_CUDA(cuda::adaptive_avg_pool2d)};
const KernelTable<AvgPool2dBackwardKernel> adaptive_avg_pool2d_backward_kernels{
    "adaptive_avg_pool2d_backward", cpu::adaptive_avg_pool2d_backward,
    TINYDL_IF_CUDA(cuda::adaptive_avg_pool2d_backward)};
const KernelTable<MaxPool2dKernel> adaptive_max_pool2d_kernels{"adaptive_max_pool2d", cpu::adaptive_max_pool2d,
                                                               TINYDL_IF_CUDA(cuda::adaptive_max_pool2d)};
const KernelTable<MaxPool2dBackwardKernel> adaptive_max_pool2d_backward_kernels{
    "adaptive_max_pool2d_backward", cpu::max_pool2d_backward, TINYDL_IF_CUDA(cuda::adaptive_max_pool2d_backward)};

// ---- arguments ------------------------------------------------------------------------------
struct Pair {
    int64_t h, w;
};

// One value means (v, v); two mean (h, w); anything else is PyTorch's error `what`.
Pair expand_pair(const char* op, IntArrayRef v, const char* what) {
    TINYDL_CHECK(v.size() == 1 || v.size() == 2, op, what, " (got ", v.size(), " values)");
    return v.size() == 1 ? Pair{v[0], v[0]} : Pair{v[0], v[1]};
}

// PyTorch's pooling_output_shape for one dim. div_rtn: the numerator may be negative when the
// kernel is larger than the padded input, and must then round down, not towards zero.
int64_t pooling_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                            bool ceil_mode) {
    const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
    int64_t q = num / stride;
    if (num % stride != 0 && num < 0) --q;
    int64_t out = q + 1;
    // With ceil_mode the last window must start inside the input or its left padding.
    if (ceil_mode && (out - 1) * stride >= in + pad) --out;
    return out;
}

// Rank 3 or 4, with non-empty C, H, W (the batch may be empty), as PyTorch's pool2d_shape_check.
void check_pool_input(const char* op, const Tensor& x) {
    detail::check_defined(op, x);
    detail::check_floating(op, x);
    const int64_t d = x.dim();
    const bool ok = (d == 3 || d == 4) && x.size(-1) != 0 && x.size(-2) != 0 && x.size(-3) != 0;
    TINYDL_CHECK_SHAPE(ok, op, "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got: ",
                       x.sizes());
}

// The output shape: input's leading dims, then (OH, OW).
DimVector pooled_shape(const Tensor& x, int64_t out_h, int64_t out_w) {
    DimVector shape(x.sizes());
    shape[shape.size() - 2] = out_h;
    shape[shape.size() - 1] = out_w;
    return shape;
}

// Checks everything a windowed pool (max or avg) is given, and computes its geometry.
Pool2dParams windowed_params(const char* op, const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride,
                             IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
    const Pair k = expand_pair(op, kernel_size, "kernel_size must either be a single int, or a tuple of two ints");
    const Pair s = stride.empty() ? k
                                  : expand_pair(op, stride,
                                                "stride must either be omitted, a single int, or a tuple of two ints");
    const Pair pad = expand_pair(op, padding, "padding must either be a single int, or a tuple of two ints");
    const Pair d = expand_pair(op, dilation, "dilation must be either a single int, or a tuple of two ints");
    check_pool_input(op, x);
    TINYDL_CHECK(k.h > 0 && k.w > 0, op, "kernel size should be greater than zero, but got kH: ", k.h, " kW: ", k.w);
    TINYDL_CHECK(s.h > 0 && s.w > 0, op, "stride should be greater than zero, but got dH: ", s.h, " dW: ", s.w);
    TINYDL_CHECK(d.h > 0 && d.w > 0, op, "dilation should be greater than zero, but got dilationH: ", d.h,
                 " dilationW: ", d.w);
    TINYDL_CHECK(pad.h >= 0 && pad.w >= 0, op, "pad must be non-negative, but got pad: ", std::min(pad.h, pad.w));
    // A window must always hold at least one real element: padding beyond half the effective
    // kernel could give windows made only of padding.
    const auto check_pad = [&](int64_t kk, int64_t pp, int64_t dd) {
        TINYDL_CHECK(pp <= ((kk - 1) * dd + 1) / 2, op,
                     "pad should be at most half of effective kernel size, but got pad=", pp, ", kernel_size=", kk,
                     " and dilation=", dd);
    };
    check_pad(k.h, pad.h, d.h);
    check_pad(k.w, pad.w, d.w);
    Pool2dParams p;
    p.in_h = x.size(-2);
    p.in_w = x.size(-1);
    p.planes = x.numel() / (p.in_h * p.in_w);
    p.kernel_h = k.h, p.kernel_w = k.w;
    p.stride_h = s.h, p.stride_w = s.w;
    p.pad_h = pad.h, p.pad_w = pad.w;
    p.dilation_h = d.h, p.dilation_w = d.w;
    p.out_h = pooling_output_size(p.in_h, k.h, pad.h, s.h, d.h, ceil_mode);
    p.out_w = pooling_output_size(p.in_w, k.w, pad.w, s.w, d.w, ceil_mode);
    TINYDL_CHECK_SHAPE(p.out_h >= 1 && p.out_w >= 1, op, "Given input size: (", x.size(-3), "x", p.in_h, "x", p.in_w,
                       "). Calculated output size: (", x.size(-3), "x", p.out_h, "x", p.out_w,
                       "). Output size is too small");
    // With dilation the half-kernel rule is not enough: taps `dilation` apart can straddle a
    // small input (kernel 2, dilation 3, padding 1 on a 2-wide input reads -1 and 2). Such a
    // window holds no real element, so max_pool2d would record an index outside the plane and
    // its backward would write there. PyTorch does not check this; tinydl rejects it.
    const auto check_windows = [&](const char* dim, int64_t out, int64_t in, int64_t kk, int64_t ss, int64_t pp,
                                   int64_t dd) {
        for (int64_t o = 0; o < out; ++o) {
            bool any = false;
            for (int64_t j = 0; j < kk && !any; ++j) any = o * ss - pp + j * dd >= 0 && o * ss - pp + j * dd < in;
            TINYDL_CHECK(any, op, "the pooling window of output ", dim, " ", o, " covers only padding (input ", dim,
                         " size ", in, ", kernel_size=", kk, ", stride=", ss, ", padding=", pp, ", dilation=", dd, ")");
        }
    };
    check_windows("row", p.out_h, p.in_h, k.h, s.h, pad.h, d.h);
    check_windows("column", p.out_w, p.in_w, k.w, s.w, pad.w, d.w);
    return p;
}

// Checks an adaptive pool's arguments and computes its geometry.
Pool2dParams adaptive_params(const char* op, const Tensor& x, IntArrayRef output_size) {
    detail::check_defined(op, x);
    detail::check_floating(op, x);
    const Pair o = expand_pair(op, output_size, "output_size must be 2");
    TINYDL_CHECK(o.h >= 0 && o.w >= 0, op, "elements of output_size must be greater than or equal to 0 but received {",
                 o.h, ", ", o.w, "}");
    TINYDL_CHECK_SHAPE(x.dim() == 3 || x.dim() == 4, op, "Expected 3D or 4D tensor, but got ", x.sizes());
    for (int64_t i = x.dim() - 3; i < x.dim(); ++i)
        TINYDL_CHECK_SHAPE(x.size(i) > 0, op, "Expected input to have non-zero size for non-batch dimensions, but input has sizes ",
                           x.sizes(), " with dimension ", i, " being empty");
    Pool2dParams p;
    p.in_h = x.size(-2);
    p.in_w = x.size(-1);
    p.planes = x.numel() / (p.in_h * p.in_w);
    p.out_h = o.h;
    p.out_w = o.w;
    return p;
}

// ---- max pools --------------------------------------------------------------------------------
// The backward of the backward: d(grad_in)/d(grad_out) is a gather at the saved indices.
struct MaxPool2dBackwardBackward : Node {
    SavedVariable indices{this};
    Pool2dParams p;
    DimVector out_shape;
    bool adaptive = false;
    const char* name() const override {
        return adaptive ? "AdaptiveMaxPool2DBackwardBackward0" : "MaxPool2DWithIndicesBackwardBackward0";
    }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor flat = grads[0].reshape({p.planes, p.in_h * p.in_w});
        const Tensor idx = indices.unpack().reshape({p.planes, p.out_h * p.out_w});
        return {gather(flat, 1, idx).reshape(out_shape)};
    }
};

// grad_in = 0, then grad_in[plane, indices] += grad_out: the dedicated kernel (a scatter on the
// CPU, a gather per input element on CUDA; same sums in the same order).
Tensor max_pool2d_backward_op(const Tensor& grad_out, const Tensor& indices, const Pool2dParams& p,
                              IntArrayRef in_shape, DType dtype, bool adaptive) {
    const Tensor g = detail::contiguous_raw(detail::to_raw(grad_out, dtype));
    Tensor grad_in = detail::empty_raw(in_shape, dtype, g.device());
    if (grad_in.numel() > 0)
        (adaptive ? adaptive_max_pool2d_backward_kernels : max_pool2d_backward_kernels)
            .get(g.device())(view_of(grad_in), view_of(g), view_of(indices), p);
    if (autograd::should_record(grad_out)) {  // create_graph: see the file header
        auto node = autograd::make_node<MaxPool2dBackwardBackward>(grad_out);
        node->indices.save(indices);
        node->p = p;
        node->out_shape = DimVector(grad_out.sizes());
        node->adaptive = adaptive;
        autograd::set_history(grad_in, node);
    }
    return grad_in;
}

struct MaxPool2dBackward : Node {
    SavedVariable indices{this};  // contiguous int64, the output's shape
    Pool2dParams p;
    DimVector in_shape;
    DType dtype = kFloat32;
    bool adaptive = false;
    const char* name() const override {
        return adaptive ? "AdaptiveMaxPool2DBackward0" : "MaxPool2DWithIndicesBackward0";
    }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        return {max_pool2d_backward_op(grads[0], indices.unpack(), p, in_shape, dtype, adaptive)};
    }
};

// The forward of max_pool2d and adaptive_max_pool2d, given checked geometry.
std::tuple<Tensor, Tensor> run_max_pool(const Tensor& x, const Pool2dParams& p, bool adaptive) {
    const Tensor xc = detail::contiguous_raw(x);
    const DimVector out_shape = pooled_shape(x, p.out_h, p.out_w);
    Tensor values = detail::empty_raw(out_shape, x.dtype(), x.device());
    Tensor indices = detail::empty_raw(out_shape, kInt64, x.device());
    if (values.numel() > 0)
        (adaptive ? adaptive_max_pool2d_kernels : max_pool2d_kernels)
            .get(x.device())(view_of(values), view_of(indices), view_of(xc), p);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<MaxPool2dBackward>(x);
        node->indices.save(indices);
        node->p = p;
        node->in_shape = DimVector(x.sizes());
        node->dtype = x.dtype();
        node->adaptive = adaptive;
        autograd::set_history(values, node);
    }
    return {values, indices};
}

// ---- average pools ------------------------------------------------------------------------------
Tensor run_avg_pool(const Tensor& x, const Pool2dParams& p, bool adaptive);

// The backward of the backward: the avg pool forward again (see the file header).
struct AvgPool2dBackwardBackward : Node {
    Pool2dParams p;
    bool adaptive = false;
    const char* name() const override {
        return adaptive ? "AdaptiveAvgPool2DBackwardBackward0" : "AvgPool2DBackwardBackward0";
    }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override { return {run_avg_pool(grads[0], p, adaptive)}; }
};

// grad_in[window] += grad_out / divisor: the dedicated kernel.
Tensor avg_pool2d_backward_op(const Tensor& grad_out, const Pool2dParams& p, IntArrayRef in_shape, DType dtype,
                              bool adaptive) {
    const Tensor g = detail::contiguous_raw(detail::to_raw(grad_out, dtype));
    Tensor grad_in = detail::empty_raw(in_shape, dtype, g.device());
    if (grad_in.numel() > 0)
        (adaptive ? adaptive_avg_pool2d_backward_kernels : avg_pool2d_backward_kernels)
            .get(g.device())(view_of(grad_in), view_of(g), p);
    if (autograd::should_record(grad_out)) {
        auto node = autograd::make_node<AvgPool2dBackwardBackward>(grad_out);
        node->p = p;
        node->adaptive = adaptive;
        autograd::set_history(grad_in, node);
    }
    return grad_in;
}

struct AvgPool2dBackward : Node {
    Pool2dParams p;
    DimVector in_shape;
    DType dtype = kFloat32;
    bool adaptive = false;
    const char* name() const override { return adaptive ? "AdaptiveAvgPool2DBackward0" : "AvgPool2DBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        return {avg_pool2d_backward_op(grads[0], p, in_shape, dtype, adaptive)};
    }
};

// The forward of avg_pool2d and adaptive_avg_pool2d, given checked geometry. x's shape is the
// input's ([N, C, H, W] or [C, H, W]); only its planes and (H, W) matter to p.
Tensor run_avg_pool(const Tensor& x, const Pool2dParams& p, bool adaptive) {
    const Tensor xc = detail::contiguous_raw(x);
    Tensor out = detail::empty_raw(pooled_shape(x, p.out_h, p.out_w), x.dtype(), x.device());
    if (out.numel() > 0)
        (adaptive ? adaptive_avg_pool2d_kernels : avg_pool2d_kernels).get(x.device())(view_of(out), view_of(xc), p);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<AvgPool2dBackward>(x);
        node->p = p;
        node->in_shape = DimVector(x.sizes());
        node->dtype = x.dtype();
        node->adaptive = adaptive;
        autograd::set_history(out, node);
    }
    return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
    const Pool2dParams p = windowed_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
    return run_max_pool(input, p, /*adaptive=*/false);
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
    return std::get<0>(max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
    const char* op = "avg_pool2d";
    Pool2dParams p = windowed_params(op, input, kernel_size, stride, padding, /*dilation=*/1, ceil_mode);
    if (divisor_override) {
        TINYDL_CHECK(*divisor_override != 0, op, "divisor must be not zero");
        p.divisor_override = *divisor_override;
    }
    p.count_include_pad = count_include_pad;
    return run_avg_pool(input, p, /*adaptive=*/false);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
    return run_avg_pool(input, adaptive_params("adaptive_avg_pool2d", input, output_size), /*adaptive=*/true);
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
    return run_max_pool(input, adaptive_params("adaptive_max_pool2d", input, output_size), /*adaptive=*/true);
}

}  // namespace tinydl
