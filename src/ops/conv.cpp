// conv.cpp — the convolution ops: conv1d, conv2d, conv_transpose2d, and their backward node.
//
// What this is: argument checks with PyTorch's wording, the output-size rules, and one
// differentiable primitive, `convolution`, that all three ops reduce to: conv1d is conv2d on a
// height-1 image, an unbatched input is a batch of one, and conv_transpose2d runs conv2d's
// kernels with their roles swapped (Note [Transposed convolution]). The arithmetic is in
// src/cpu/conv.cpp (im2col + GEMM) and src/cuda/conv.cu (cuDNN).
// What it is not: no conv3d, no padding modes other than zeros (nn::Conv* refuses them), no
// double backward (Note [No double backward through convolution]).
//
// Dimension legend: N batch, C_in/C_out channels, H/W spatial, k kernel, s stride,
// p padding, d dilation, g groups; the geometry fields are described in src/cpu/conv.h.
//
// Read next: src/cpu/conv.h, docs/convolution.md.
#include "tinydl/ops/conv.h"

#include "src/cpu/conv.h"
#include "src/cuda/conv.h"
#include "src/ops/op_utils.h"

namespace tinydl {

// ---- Padding --------------------------------------------------------------------------------------
Padding::Padding(std::initializer_list<int64_t> values) : values_(values) {}
Padding::Padding(const std::vector<int64_t>& values) : values_(values) {}
Padding::Padding(const char* mode) : Padding(std::string(mode == nullptr ? "" : mode)) {}
Padding::Padding(const std::string& mode) {
    if (mode == "same")
        mode_ = Mode::Same;
    else if (mode == "valid")
        mode_ = Mode::Valid;
    else
        throw Error(detail::str("conv: Invalid padding string '", mode, "', should be one of {'valid', 'same'}"));
}

std::string Padding::str() const {
    if (mode_ == Mode::Same) return "same";
    if (mode_ == Mode::Valid) return "valid";
    if (values_.size() == 1) return std::to_string(values_[0]);
    std::string s = "(";  // a Python tuple, as PyTorch prints it
    for (size_t i = 0; i < values_.size(); ++i) s += (i ? ", " : "") + std::to_string(values_[i]);
    return s + (values_.size() == 1 ? ",)" : ")");
}

namespace {

const KernelTable<ConvForwardKernel> conv_forward_kernels{"conv2d", cpu::conv2d_forward,
                                                          TINYDL_IF_CUDA(cuda::conv2d_forward)};
const KernelTable<ConvInputGradKernel> conv_input_grad_kernels{"conv2d (input gradient)", cpu::conv2d_input_grad,
                                                               TINYDL_IF_CUDA(cuda::conv2d_input_grad)};
const KernelTable<ConvWeightGradKernel> conv_weight_grad_kernels{"conv2d (weight gradient)",
                                                                 cpu::conv2d_weight_grad,
                                                                 TINYDL_IF_CUDA(cuda::conv2d_weight_grad)};
const KernelTable<ConvBiasGradKernel> conv_bias_grad_kernels{"conv2d (bias gradient)", cpu::conv2d_bias_grad,
                                                             TINYDL_IF_CUDA(cuda::conv2d_bias_grad)};

// A bias the kernels may skip: data == nullptr when there is none.
TensorView optional_view(const Tensor& t) { return t.defined() ? view_of(t) : TensorView{}; }

// ---- the three kernels on Tensors (no autograd) ------------------------------------------------
// y [N, O, oH, oW] = conv(x [N, C, H, W], w) + bias
Tensor conv_forward_raw(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g) {
    Tensor y = detail::empty_raw({g.N, g.O, g.oH, g.oW}, x.dtype(), x.device());
    if (y.numel() == 0) return y;
    const Tensor b = bias.defined() ? detail::contiguous_raw(bias) : Tensor();
    conv_forward_kernels.get(x.device())(view_of(y), view_of(detail::contiguous_raw(x)),
                                         view_of(detail::contiguous_raw(w)), optional_view(b), g);
    return y;
}

// grad_x [N, C, H, W] = col2im(w^T grad_y) + bias per channel
Tensor conv_input_grad_raw(const Tensor& grad_y, const Tensor& w, const Tensor& bias, const ConvGeometry& g) {
    Tensor grad_x = detail::empty_raw({g.N, g.C, g.H, g.W}, grad_y.dtype(), grad_y.device());
    if (grad_x.numel() == 0) return grad_x;
    const Tensor b = bias.defined() ? detail::contiguous_raw(bias) : Tensor();
    conv_input_grad_kernels.get(grad_y.device())(view_of(grad_x), view_of(detail::contiguous_raw(grad_y)),
                                                 view_of(detail::contiguous_raw(w)), optional_view(b), g);
    return grad_x;
}

// grad_w [O, Cg, kH, kW] = sum_n grad_y[n] im2col(x[n])^T. With grad_b, the bias gradient too
// when the kernel can sum it in the same pass over grad_y (*grad_b is left undefined if not).
Tensor conv_weight_grad_raw(const Tensor& grad_y, const Tensor& x, const ConvGeometry& g, Tensor* grad_b = nullptr) {
    Tensor grad_w = detail::empty_raw({g.O, g.Cg(), g.kH, g.kW}, grad_y.dtype(), grad_y.device());
    if (grad_w.numel() == 0) return grad_w;
    Tensor bias = grad_b != nullptr ? detail::empty_raw({g.O}, grad_y.dtype(), grad_y.device()) : Tensor();
    const bool wrote_bias = conv_weight_grad_kernels.get(grad_y.device())(
        view_of(grad_w), view_of(detail::contiguous_raw(grad_y)), view_of(detail::contiguous_raw(x)), g,
        optional_view(bias));
    if (grad_b != nullptr && wrote_bias) *grad_b = bias;
    return grad_w;
}

// grad_b [C] = grad [N, C, H, W] summed over N, H, W
Tensor conv_bias_grad_raw(const Tensor& grad) {
    const int64_t N = grad.size(0), C = grad.size(1), HW = grad.size(2) * grad.size(3);
    Tensor grad_b = detail::empty_raw({C}, grad.dtype(), grad.device());
    if (C > 0)
        conv_bias_grad_kernels.get(grad.device())(view_of(grad_b), view_of(detail::contiguous_raw(grad)), N, C, HW);
    return grad_b;
}

// Note [Transposed convolution]: conv_transpose2d(x, w) is, by definition, the input gradient
// of a conv2d whose output has x's shape: every kernel of conv2d serves it with roles swapped.
// With the geometry always written in conv2d's orientation (image [N, C, H, W] -> output
// [N, O, oH, oW]; for the transposed op C = C_out, O = C_in, and H x W is its output size):
//                      conv2d (transposed = false)      conv_transpose2d (transposed = true)
//   forward            conv_forward(x, w)               conv_input_grad(x, w)
//   grad_input         conv_input_grad(g, w)            conv_forward(g, w)
//   grad_weight        conv_weight_grad(g, x)           conv_weight_grad(x, g)
//   grad_bias          g summed over N, H, W            the same
// The weight layouts agree too: conv2d's [O, Cg, kH, kW] is conv_transpose2d's
// [C_in, C_out / g, kH, kW].

// Note [No double backward through convolution]: the node below computes its gradients with
// raw kernels, which leave no graph behind, so a second derivative through it would silently
// be zero. It throws instead when asked to record (backward with create_graph=true while
// something it touches requires grad). Supporting it means writing grad_weight as a
// differentiable op of its own (PyTorch's convolution_backward has its own derivative).
struct ConvolutionBackward0 : Node {
    SavedVariable input{this}, weight{this};
    ConvGeometry geometry;
    bool transposed = false;
    const char* op = "conv2d";

    const char* name() const override { return "ConvolutionBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
        const Tensor x = input.defined() ? input.unpack() : Tensor();
        const Tensor w = weight.defined() ? weight.unpack() : Tensor();
        TINYDL_CHECK(!autograd::should_record(g, x, w), op,
                     "double backward (backward with create_graph=true through ConvolutionBackward0) is not "
                     "supported; compute higher-order gradients of convolutions by finite differences or "
                     "leave create_graph off");
        const Tensor gc = detail::contiguous_raw(g);
        Tensor grad_x, grad_w, grad_b;
        if (next_edges[0].valid())
            grad_x = transposed ? conv_forward_raw(gc, w, Tensor(), geometry)
                                : conv_input_grad_raw(gc, w, Tensor(), geometry);
        // conv2d's bias gradient may come with the weight gradient, from the same pass over g.
        Tensor* bias_too = !transposed && next_edges[2].valid() ? &grad_b : nullptr;
        if (next_edges[1].valid())
            grad_w = transposed ? conv_weight_grad_raw(x, gc, geometry) : conv_weight_grad_raw(gc, x, geometry, bias_too);
        if (next_edges[2].valid() && !grad_b.defined()) grad_b = conv_bias_grad_raw(gc);
        return {grad_x, grad_w, grad_b};
    }
};

// The differentiable primitive: x and w already 4-D, geometry checked.
Tensor convolution(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g,
                   bool transposed) {
    Tensor out = transposed ? conv_input_grad_raw(x, w, bias, g) : conv_forward_raw(x, w, bias, g);
    if (autograd::should_record(x, w, bias)) {
        auto node = autograd::make_node<ConvolutionBackward0>(x, w, bias);
        node->geometry = g;
        node->transposed = transposed;
        node->op = op;
        if (node->next_edges[1].valid()) node->input.save(x);  // grad_w needs x, grad_x needs w
        if (node->next_edges[0].valid()) node->weight.save(w);
        autograd::set_history(out, node);
    }
    return out;
}

// ---- argument checks ------------------------------------------------------------------------------
// The arguments of one call, each spatial one expanded to `dims` values.
struct ConvArgs {
    ConvArgs(const char* op, int64_t dims, bool transposed, int64_t groups)
        : op(op), dims(dims), transposed(transposed), groups(groups) {}
    const char* op;
    int64_t dims;  // spatial dims: 1 or 2
    bool transposed;
    int64_t groups;
    DimVector stride, dilation, pad_before, pad_after, output_padding;  // filled by conv_entry
};

// One int for every dim, or one per dim, with PyTorch's message otherwise.
DimVector expand_arg(const ConvArgs& a, const char* what, IntArrayRef values) {
    TINYDL_CHECK(values.size() == 1 || static_cast<int64_t>(values.size()) == a.dims, a.op, "expected ", what,
                 " to be a single integer value or a list of ", a.dims,
                 " values to match the convolution dimensions, but got ", what, "=", values);
    DimVector out(static_cast<size_t>(a.dims));
    for (int64_t i = 0; i < a.dims; ++i) out[i] = values.size() == 1 ? values[0] : values[i];
    return out;
}

// "(2 x 2)" for 2-D, "(2)" for 1-D: PyTorch's per-channel sizes.
std::string per_channel(IntArrayRef v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? " x " : "") + std::to_string(v[i]);
    return s + ")";
}

// Checks everything, resolves the padding, works out the output size, and runs `convolution`
// on the 4-D (batched, 2-D) form of the arguments.
Tensor conv_entry(ConvArgs& a, const Tensor& input, const Tensor& weight, const Tensor& bias, const Padding& padding,
                  IntArrayRef stride, IntArrayRef dilation, IntArrayRef output_padding) {
    const char* op = a.op;
    const int64_t dims = a.dims;
    detail::check_defined(op, input);
    detail::check_defined(op, weight, "weight");
    TINYDL_CHECK_SHAPE(input.dim() == dims + 1 || input.dim() == dims + 2, op, "expected ", dims + 1,
                       "-D (unbatched) or ", dims + 2, "-D (batched) input, but got input of size: ", input.sizes());
    TINYDL_CHECK_SHAPE(weight.dim() == dims + 2, op, "weight should be ", dims + 2, "-D [",
                       a.transposed ? "in_channels, out_channels/groups" : "out_channels, in_channels/groups",
                       dims == 2 ? ", kH, kW" : ", kernel_size", "], but got weight of size ", weight.sizes());
    detail::check_same_device(op, input, weight, bias);
    detail::check_floating(op, input);
    TINYDL_CHECK_TYPE(input.dtype() == weight.dtype(), op, "Input type (", input.dtype(), ") and weight type (",
                      weight.dtype(), ") should be the same; convert one with .to()");
    TINYDL_CHECK_TYPE(!bias.defined() || bias.dtype() == input.dtype(), op, "Input type (", input.dtype(),
                      ") and bias type (", bias.dtype(), ") should be the same; convert one with .to()");

    a.stride = expand_arg(a, "stride", stride);
    a.dilation = expand_arg(a, "dilation", dilation);
    a.output_padding = expand_arg(a, "output_padding", output_padding);
    for (int64_t i = 0; i < dims; ++i) {
        TINYDL_CHECK(a.stride[i] > 0, op, "non-positive stride is not supported (stride=", IntArrayRef(a.stride),
                     ")");
        TINYDL_CHECK(a.dilation[i] > 0, op, "dilation should be greater than zero (dilation=",
                     IntArrayRef(a.dilation), ")");
    }
    TINYDL_CHECK(a.groups > 0, op, "non-positive groups is not supported (groups=", a.groups, ")");

    // Channels. conv2d: weight [C_out, C_in/g, ...]; conv_transpose2d: weight [C_in, C_out/g, ...].
    const Tensor x = input.dim() == dims + 2 ? input : input.unsqueeze(0);  // batched from here on
    const int64_t C_in = x.size(1);
    TINYDL_CHECK_SHAPE(weight.size(0) % a.groups == 0, op, "Given groups=", a.groups,
                       ", expected weight to be divisible by ", a.groups, " at dimension 0, but got weight of size ",
                       weight.sizes(), " instead");
    const int64_t expected_in = a.transposed ? weight.size(0) : weight.size(1) * a.groups;
    if (C_in != expected_in) {
        const std::string hint = C_in % a.groups != 0 ? detail::str(" (", C_in, " input channels do not split into ",
                                                                    a.groups, " groups)")
                                                      : std::string();
        if (a.transposed)
            throw ShapeError(detail::str(op, ": Given transposed=1, weight of size ", weight.sizes(),
                                         ", expected input", x.sizes(), " to have ", expected_in,
                                         " channels, but got ", C_in, " channels instead", hint));
        throw ShapeError(detail::str(op, ": Given groups=", a.groups, ", weight of size ", weight.sizes(),
                                     ", expected input", x.sizes(), " to have ", expected_in, " channels, but got ",
                                     C_in, " channels instead", hint));
    }
    const int64_t C_out = a.transposed ? weight.size(1) * a.groups : weight.size(0);
    TINYDL_CHECK_SHAPE(!bias.defined() || (bias.dim() == 1 && bias.size(0) == C_out), op, "Given weight of size ",
                       weight.sizes(), ", expected bias to be 1-dimensional with ", C_out,
                       " elements, but got bias of size ", bias.sizes(), " instead");

    // Padding, then the output size.
    a.pad_before = DimVector(static_cast<size_t>(dims), 0);
    a.pad_after = DimVector(static_cast<size_t>(dims), 0);
    DimVector in_size(static_cast<size_t>(dims)), kernel(static_cast<size_t>(dims)), out_size(static_cast<size_t>(dims));
    for (int64_t i = 0; i < dims; ++i) {
        in_size[i] = x.size(2 + i);
        kernel[i] = weight.size(2 + i);
    }
    if (padding.mode() == Padding::Mode::Same) {
        TINYDL_CHECK(!a.transposed, op, "padding='same' is not supported for transposed convolutions");
        for (int64_t i = 0; i < dims; ++i)
            TINYDL_CHECK(a.stride[i] == 1, op, "padding='same' is not supported for strided convolutions (stride=",
                         IntArrayRef(a.stride), ")");
        for (int64_t i = 0; i < dims; ++i) {  // the odd one out goes after, as PyTorch pads it
            const int64_t total = a.dilation[i] * (kernel[i] - 1);
            a.pad_before[i] = total / 2;
            a.pad_after[i] = total - total / 2;
        }
    } else if (padding.mode() == Padding::Mode::Explicit) {
        const DimVector p = expand_arg(a, "padding", padding.values());
        for (int64_t i = 0; i < dims; ++i) {
            TINYDL_CHECK(p[i] >= 0, op, "negative padding is not supported (padding=", IntArrayRef(p), ")");
            a.pad_before[i] = a.pad_after[i] = p[i];
        }
    }
    if (a.transposed) {
        for (int64_t i = 0; i < dims; ++i) {
            const int64_t op_i = a.output_padding[i];
            TINYDL_CHECK(op_i >= 0 && (op_i < a.stride[i] || op_i < a.dilation[i]), op,
                         "output padding must be smaller than either stride or dilation, but got output_padding=",
                         IntArrayRef(a.output_padding), " stride=", IntArrayRef(a.stride),
                         " dilation=", IntArrayRef(a.dilation));
            out_size[i] = (in_size[i] - 1) * a.stride[i] - a.pad_before[i] - a.pad_after[i] +
                          a.dilation[i] * (kernel[i] - 1) + op_i + 1;
        }
    } else {
        DimVector padded(static_cast<size_t>(dims)), dilated(static_cast<size_t>(dims));
        bool fits = true;
        for (int64_t i = 0; i < dims; ++i) {
            padded[i] = in_size[i] + a.pad_before[i] + a.pad_after[i];
            dilated[i] = a.dilation[i] * (kernel[i] - 1) + 1;
            fits = fits && padded[i] >= dilated[i];
        }
        TINYDL_CHECK_SHAPE(fits, op, "Calculated padded input size per channel: ", per_channel(padded),
                           ". Kernel size: ", per_channel(dilated),
                           ". Kernel size can't be greater than actual input size (input ", x.sizes(), ", weight ",
                           weight.sizes(), ")");
        for (int64_t i = 0; i < dims; ++i) out_size[i] = (padded[i] - dilated[i]) / a.stride[i] + 1;
    }
    bool positive = true;
    for (int64_t i = 0; i < dims; ++i) positive = positive && out_size[i] > 0;
    TINYDL_CHECK_SHAPE(positive, op, "Given input size per channel: ", per_channel(in_size),
                       ". Calculated output size per channel: ", per_channel(out_size), ". Output size is too small");

    // The geometry in conv2d's orientation (Note [Transposed convolution]); 1-D is H = 1.
    ConvGeometry g;
    const int64_t h = dims == 2 ? 0 : -1;  // index of the height values, -1: none
    const auto at = [&](const DimVector& v, int64_t i, int64_t none) { return i < 0 ? none : v[i]; };
    const int64_t wi = dims - 1;           // index of the width values
    g.N = x.size(0);
    g.groups = a.groups;
    g.kH = at(kernel, h, 1), g.kW = kernel[wi];
    g.sH = at(a.stride, h, 1), g.sW = a.stride[wi];
    g.dH = at(a.dilation, h, 1), g.dW = a.dilation[wi];
    g.pH = at(a.pad_before, h, 0), g.pW = a.pad_before[wi];
    if (a.transposed) {
        g.C = C_out, g.H = at(out_size, h, 1), g.W = out_size[wi];
        g.O = C_in, g.oH = at(in_size, h, 1), g.oW = in_size[wi];
    } else {
        g.C = C_in, g.H = at(in_size, h, 1), g.W = in_size[wi];
        g.O = C_out, g.oH = at(out_size, h, 1), g.oW = out_size[wi];
    }

    const Tensor x4 = dims == 2 ? x : x.unsqueeze(2);
    const Tensor w4 = dims == 2 ? weight : weight.unsqueeze(2);
    Tensor out = convolution(op, x4, w4, bias, g, a.transposed);
    if (dims == 1) out = out.squeeze(2);
    return input.dim() == dims + 2 ? out : out.squeeze(0);
}

}  // namespace

// ---- the public ops ----------------------------------------------------------------------------------
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, Padding padding,
              IntArrayRef dilation, int64_t groups) {
    ConvArgs a("conv2d", 2, /*transposed=*/false, groups);
    return conv_entry(a, input, weight, bias, padding, stride, dilation, int64_t{0});
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, Padding padding,
              IntArrayRef dilation, int64_t groups) {
    ConvArgs a("conv1d", 1, /*transposed=*/false, groups);
    return conv_entry(a, input, weight, bias, padding, stride, dilation, int64_t{0});
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
    ConvArgs a("conv_transpose2d", 2, /*transposed=*/true, groups);
    return conv_entry(a, input, weight, bias, Padding(padding.vec()), stride, dilation, output_padding);
}

}  // namespace tinydl
