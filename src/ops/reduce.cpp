// reduce.cpp — reductions: sum, mean, prod, max, min, argmax, argmin, var, std, logsumexp, norm.
//
// Every reduction is planned the same way (plan_reduce): the dims to reduce are brought
// together so that the input reads as a contiguous [A, R, B] block, and the kernel reduces the
// middle (src/cpu/reduce.cpp). When the reduced dims already form one run of a contiguous input
// (the common case: the last dims, or the batch dim) nothing is copied; otherwise the input is
// permuted so they come last, and copied once.
//
// Backward: a reduced gradient g is first given back the reduced dims as size 1 (unless
// keepdim kept them), then broadcast (expand) over them.
//
// Shapes: x is the input; dims the reduced dims; out has x's shape without them (or with 1s).
#include <algorithm>
#include <cmath>
#include <limits>

#include "src/cpu/reduce.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<ReduceKernel> sum_kernels{"sum", cpu::sum, nullptr};

struct ReducePlan {
    Tensor input;  // contiguous, read as [A, R, B]
    int64_t A = 1, R = 1, B = 1;
    DimVector out_shape;   // the result's shape (keepdim applied)
    DimVector keep_shape;  // x's shape with reduced dims set to 1
};

ReducePlan plan_reduce(const Tensor& x, IntArrayRef dims, bool keepdim, const char* op) {
    detail::check_defined(op, x);
    const int64_t nd = x.dim();
    std::vector<bool> reduced(std::max<int64_t>(nd, 1), dims.empty());
    for (int64_t d : dims) {
        const int64_t w = wrap_dim(d, nd, op);
        TINYDL_CHECK_INDEX(!reduced[w] || dims.empty(), op, "dim ", w, " appears multiple times in the list of dims ", dims);
        reduced[w] = true;
    }
    ReducePlan plan;
    for (int64_t d = 0; d < nd; ++d) {
        plan.keep_shape.push_back(reduced[d] ? 1 : x.size(d));
        if (!reduced[d]) plan.out_shape.push_back(x.size(d));
        else if (keepdim) plan.out_shape.push_back(1);
    }
    if (nd == 0) {
        plan.input = x;
        return plan;
    }
    // Are the reduced dims one run [first, last] of a contiguous tensor?
    int64_t first = -1, last = -1;
    bool one_run = true;
    for (int64_t d = 0; d < nd; ++d) {
        if (!reduced[d]) continue;
        if (first < 0) first = d;
        else if (last != d - 1) one_run = false;
        last = d;
    }
    if (one_run && x.is_contiguous()) {
        plan.input = x;
        for (int64_t d = 0; d < first; ++d) plan.A *= x.size(d);
        for (int64_t d = first; d <= last; ++d) plan.R *= x.size(d);
        for (int64_t d = last + 1; d < nd; ++d) plan.B *= x.size(d);
        return plan;
    }
    DimVector order;
    for (int64_t d = 0; d < nd; ++d)
        if (!reduced[d]) {
            order.push_back(d);
            plan.A *= x.size(d);
        }
    for (int64_t d = 0; d < nd; ++d)
        if (reduced[d]) {
            order.push_back(d);
            plan.R *= x.size(d);
        }
    DimVector sizes, strides;
    for (int64_t d : order) {
        sizes.push_back(x.size(d));
        strides.push_back(x.stride(d));
    }
    plan.input = detail::contiguous_raw(detail::make_view(x, sizes, strides, x.storage_offset()));
    return plan;
}

// Runs a ReduceKernel on the plan into a new tensor of `dtype`.
Tensor run_reduce(const KernelTable<ReduceKernel>& kernels, const ReducePlan& plan, DType dtype) {
    Tensor out = detail::empty_raw(plan.out_shape, dtype, plan.input.device());
    if (out.numel() > 0) kernels.get(out.device())(view_of(out), view_of(plan.input), plan.A, plan.R, plan.B);
    return out;
}

// g given back the reduced dims (as 1s), then broadcast to x's shape.
Tensor expand_grad(const Tensor& g, IntArrayRef keep_shape, IntArrayRef in_shape) {
    return g.reshape(keep_shape).expand(in_shape);
}

// sum:  grad_x = g broadcast over the reduced dims
struct SumBackward : Node {
    DimVector keep_shape, in_shape;
    const char* name() const override { return "SumBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {expand_grad(g[0], keep_shape, in_shape)}; }
};
// mean:  grad_x = g / R broadcast over the reduced dims
struct MeanBackward : Node {
    DimVector keep_shape, in_shape;
    double count = 1;
    const char* name() const override { return "MeanBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {expand_grad(g[0] / count, keep_shape, in_shape)};
    }
};

}  // namespace

Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
    const ReducePlan plan = plan_reduce(x, dims, keepdim, "sum");
    const DType dtype = is_integral(x.dtype(), /*include_bool=*/true) ? kInt64 : x.dtype();
    Tensor out = run_reduce(sum_kernels, plan, dtype);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<SumBackward>(x);
        node->keep_shape = plan.keep_shape;
        node->in_shape = DimVector(x.sizes());
        autograd::set_history(out, node);
    }
    return out;
}
Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim) {
    detail::check_defined("mean", x);
    TINYDL_CHECK_TYPE(x.is_floating_point(), "mean",
                      "could not infer output dtype: input dtype must be floating point, got ", x.dtype(),
                      "; convert with .to(kFloat32)");
    const ReducePlan plan = plan_reduce(x, dims, keepdim, "mean");
    Tensor out = run_reduce(sum_kernels, plan, x.dtype());
    {
        NoGradGuard no_grad;
        out.div_(static_cast<double>(plan.R));  // NaN for an empty reduction, as in PyTorch
    }
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<MeanBackward>(x);
        node->keep_shape = plan.keep_shape;
        node->in_shape = DimVector(x.sizes());
        node->count = static_cast<double>(plan.R);
        autograd::set_history(out, node);
    }
    return out;
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

// ---- methods ---------------------------------------------------------------------------------------
Tensor Tensor::sum() const { return tinydl::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return tinydl::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tinydl::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return tinydl::mean(*this, dims, keepdim); }

}  // namespace tinydl
