// dropout.cpp — dropout: zero each element with probability p and scale the survivors by
// 1 / (1 - p), so that the expected value of every element is unchanged (inverted dropout,
// which is why evaluation mode needs no rescaling).
//
// The op is a composition (a random mask, then a multiply), so it needs no kernel of its own.
// It keeps its own backward node, NativeDropoutBackward0 (PyTorch's name for a dedicated
// dropout node), holding the scaled mask: backward is g * mask, with the very mask forward used.
// The mask comes from the global generator (random.h), so manual_seed() makes it reproducible.
//
// On CUDA too, on purpose: rand() draws the uniforms on the CPU from that one generator and
// copies them to the device (src/ops/factory.cpp), and the compare, cast and multiplies below
// are device ops. That costs a host-to-device copy of x's size per call, which a GPU generator
// (Philox counters, as PyTorch's) would save; the price buys one stream of random numbers for
// both devices, so a seed gives the very same mask on the CPU and on the GPU and a model
// trains the same wherever it runs (tests/cuda/test_parity_optim.cpp checks it). Nothing here
// reads tensor data on the host.
//
// Shapes: mask and out have x's shape; g is the gradient of out.
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
struct DropoutBackward : Node {
    SavedVariable mask{this};  // 0 or 1 / (1 - p), in x's dtype
    const char* name() const override { return "NativeDropoutBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override { return {grads[0] * mask.unpack()}; }
};
}  // namespace

Tensor dropout(const Tensor& x, double p, bool train) {
    detail::check_defined("dropout", x);
    TINYDL_CHECK(p >= 0.0 && p <= 1.0, "dropout", "dropout probability has to be between 0 and 1, but got ", p);
    if (!train || p == 0.0) return x;
    detail::check_floating("dropout", x);

    Tensor mask, out;
    {
        NoGradGuard no_grad;
        if (p == 1.0) {
            mask = zeros(x.sizes(), x.options());  // 1 / (1 - p) would be infinite; nothing survives
        } else {
            // Keep element i when u_i < 1 - p, u_i uniform on [0, 1): probability 1 - p.
            const Tensor keep = lt(rand(x.sizes(), x.options()), 1.0 - p);
            mask = keep.to(x.dtype()) * (1.0 / (1.0 - p));
        }
        out = x * mask;
    }
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<DropoutBackward>(x);
        node->mask.save(mask);
        autograd::set_history(out, node);
    }
    return out;
}

}  // namespace tinydl
