// softmax.cpp — softmax and log_softmax along one dim.
//
// These two get dedicated kernels (src/cpu/softmax.cpp, src/cuda/softmax.cu) rather than a
// composition of exp, sum and div, for numerical stability: the kernel subtracts the max of each
// slice before exp, so x = 1000 gives the right answer instead of inf / inf. The input is read
// as a contiguous [A, R, B] block with R the softmax dim (A: dims before it, B: dims after it),
// so no transpose is needed for any dim; a non-contiguous input is copied once.
//
// Backward is written with tinydl ops on the saved output y (see Note [Saving outputs]):
//   softmax:      grad_x = y * (g - sum(g * y, dim))
//   log_softmax:  grad_x = g - exp(y) * sum(g, dim)
// and can itself be differentiated.
//
// Shapes: x, y, g and grad_x all have the same shape.
#include "src/cpu/softmax.h"
#include "src/cuda/reduce.h"  // the CUDA softmax kernels (src/cuda/softmax.cu)
#include "src/ops/op_utils.h"

namespace tinydl {

namespace {
const KernelTable<SoftmaxKernel> softmax_kernels{"softmax", cpu::softmax, TINYDL_IF_CUDA(cuda::softmax)};
const KernelTable<SoftmaxKernel> log_softmax_kernels{"log_softmax", cpu::log_softmax,
                                                     TINYDL_IF_CUDA(cuda::log_softmax)};

// y = kernel(x) along `dim` (already wrapped); integer and bool inputs compute in float32.
Tensor softmax_forward(const KernelTable<SoftmaxKernel>& kernels, const Tensor& x, int64_t dim) {
    const DType dtype = detail::floating_result(x.dtype());
    const Tensor xc = detail::contiguous_raw(detail::to_raw(x, dtype));
    int64_t A = 1, R = 1, B = 1;
    for (int64_t d = 0; d < x.dim(); ++d) {
        if (d < dim) A *= x.size(d);
        else if (d == dim) R = x.size(d);
        else B *= x.size(d);
    }
    Tensor y = detail::empty_raw(x.sizes(), dtype, x.device());
    if (y.numel() > 0) kernels.get(x.device())(view_of(y), view_of(xc), A, R, B);
    return y;
}

struct SoftmaxBackward : Node {
    SavedVariable y{this};
    int64_t dim = 0;
    const char* name() const override { return "SoftmaxBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor yv = y.unpack();
        return {yv * (g - sum(g * yv, dim, /*keepdim=*/true))};
    }
};

struct LogSoftmaxBackward : Node {
    SavedVariable y{this};
    int64_t dim = 0;
    const char* name() const override { return "LogSoftmaxBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {g - exp(y.unpack()) * sum(g, dim, /*keepdim=*/true)};
    }
};

template <typename N> Tensor softmax_op(const KernelTable<SoftmaxKernel>& kernels, const Tensor& x, int64_t dim) {
    detail::check_defined(kernels.name, x);
    const int64_t d = wrap_dim(dim, x.dim(), kernels.name);
    Tensor y = softmax_forward(kernels, x, d);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<N>(x);
        node->dim = d;
        autograd::set_history(y, node);
        // Saved after set_history, so that the saved output knows it requires grad and can be
        // re-linked to this node for double backward (see Note [Saving outputs]).
        node->y.save(y, /*is_output=*/true);
    }
    return y;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op<SoftmaxBackward>(softmax_kernels, x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op<LogSoftmaxBackward>(log_softmax_kernels, x, dim); }

Tensor Tensor::softmax(int64_t dim) const { return tinydl::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return tinydl::log_softmax(*this, dim); }

}  // namespace tinydl
