// reduce.cpp — reductions: sum, mean, prod, max, min, argmax, argmin, var, std, logsumexp, norm.
//
// Every kernel-backed reduction is planned the same way (plan_reduce): the dims to reduce are
// brought together so that the input reads as a contiguous [A, R, B] block, and the kernel
// reduces the middle (src/cpu/reduce.cpp, src/cuda/reduce.cu). When the reduced dims already
// form one run of a contiguous input (the common case: the last dims, or the batch dim) nothing
// is copied; otherwise the input is permuted so they come last, and copied once.
//
// Kernels: sum, prod, max/min (values; with indices for the dim forms and argmax/argmin).
// Compositions of those with elementwise ops, which get their gradient for free: var, std,
// logsumexp. norm computes its forward the same way but has its own backward (NormBackward), to
// make the gradient at a zero norm 0 rather than NaN.
//
// Backward: a reduced gradient g is first given back the reduced dims as size 1 (unless
// keepdim kept them), then broadcast over them. Every backward is written with tinydl ops, so
// it runs on any device and can be differentiated again.
//
// Shapes: x is the input; dims the reduced dims (empty: all); out has x's shape without them
// (or with 1s: keepdim); keep_shape is x's shape with the reduced dims set to 1.
#include <algorithm>
#include <cmath>
#include <limits>

#include "src/cpu/reduce.h"
#include "src/cuda/reduce.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<ReduceKernel> sum_kernels{"sum", cpu::sum, TINYDL_IF_CUDA(cuda::sum)};
const KernelTable<ReduceKernel> prod_kernels{"prod", cpu::prod, TINYDL_IF_CUDA(cuda::prod)};
const KernelTable<ReduceKernel> amax_kernels{"max", cpu::amax, TINYDL_IF_CUDA(cuda::amax)};
const KernelTable<ReduceKernel> amin_kernels{"min", cpu::amin, TINYDL_IF_CUDA(cuda::amin)};
const KernelTable<ArgReduceKernel> max_index_kernels{"max", cpu::max_with_index,
                                                     TINYDL_IF_CUDA(cuda::max_with_index)};
const KernelTable<ArgReduceKernel> min_index_kernels{"min", cpu::min_with_index,
                                                     TINYDL_IF_CUDA(cuda::min_with_index)};

// Which dims of x are reduced (all of them when `dims` is empty), after checking that each dim
// is in range and appears once. A rank-0 tensor has one slot: dim 0 (or -1) names it.
std::vector<bool> reduced_dims(const Tensor& x, IntArrayRef dims, const char* op) {
    detail::check_defined(op, x);
    const int64_t nd = x.dim();
    std::vector<bool> reduced(std::max<int64_t>(nd, 1), dims.empty());
    for (int64_t d : dims) {
        const int64_t w = wrap_dim(d, nd, op);
        TINYDL_CHECK_INDEX(!reduced[w], op, "dim ", w, " appears multiple times in the list of dims ", dims);
        reduced[w] = true;
    }
    return reduced;
}

struct ReducePlan {
    std::vector<bool> reduced;  // per dim of x
    DimVector out_shape;        // the result's shape (keepdim applied)
    DimVector keep_shape;       // x's shape with reduced dims set to 1
    int64_t A = 1, R = 1, B = 1;  // R: how many elements each output combines
    Tensor input;               // plan_reduce only: contiguous, read as [A, R, B]
};

// The shapes of a reduction, without arranging the input (enough for the composite reductions).
ReducePlan plan_shapes(const Tensor& x, IntArrayRef dims, bool keepdim, const char* op) {
    ReducePlan plan;
    plan.reduced = reduced_dims(x, dims, op);
    for (int64_t d = 0; d < x.dim(); ++d) {
        const bool r = plan.reduced[d];
        plan.keep_shape.push_back(r ? 1 : x.size(d));
        if (!r) plan.out_shape.push_back(x.size(d));
        else if (keepdim) plan.out_shape.push_back(1);
        if (r) plan.R *= x.size(d);
    }
    return plan;
}

// The shapes, plus the input arranged as a contiguous [A, R, B] block for a kernel.
ReducePlan plan_reduce(const Tensor& x, IntArrayRef dims, bool keepdim, const char* op) {
    ReducePlan plan = plan_shapes(x, dims, keepdim, op);
    const std::vector<bool>& reduced = plan.reduced;
    const int64_t nd = x.dim();
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
        for (int64_t d = last + 1; d < nd; ++d) plan.B *= x.size(d);
        return plan;
    }
    // Otherwise: kept dims first, reduced dims last (B = 1), in one copy.
    DimVector sizes, strides;
    for (bool take_reduced : {false, true})
        for (int64_t d = 0; d < nd; ++d) {
            if (reduced[d] != take_reduced) continue;
            sizes.push_back(x.size(d));
            strides.push_back(x.stride(d));
            if (!take_reduced) plan.A *= x.size(d);
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

// max and min have no identity, so they refuse an empty reduction, as PyTorch does.
void check_nonempty_dim(const Tensor& x, int64_t dim, const char* op) {
    TINYDL_CHECK_INDEX(x.dim() == 0 || x.size(dim) > 0, op, "Expected reduction dim ", dim,
                       " to have non-zero size (input shape ", x.sizes(), ")");
}
void check_nonempty(const Tensor& x, const char* op) {
    TINYDL_CHECK_INDEX(x.numel() > 0, op, "Expected reduction dim to be specified for input.numel() == 0 (input shape ",
                       x.sizes(), "). Specify the reduction dim with the 'dim' argument.");
}

// The largest value over `dims`, with no graph (logsumexp's shift, the inf-norm).
Tensor amax_raw(const Tensor& x, IntArrayRef dims, bool keepdim, const char* op) {
    return run_reduce(amax_kernels, plan_reduce(x, dims, keepdim, op), x.dtype());
}

// g given back the reduced dims (as 1s), then broadcast to x's shape.
Tensor expand_grad(const Tensor& g, IntArrayRef keep_shape, IntArrayRef in_shape) {
    return g.reshape(keep_shape).expand(in_shape);
}

// sum:  grad_x = g broadcast over the reduced dims
struct SumBackward : Node {
    DimVector keep_shape, in_shape;
    bool all_dims = false;  // PyTorch names sum() SumBackward0 and sum(dims) SumBackward1
    const char* name() const override { return all_dims ? "SumBackward0" : "SumBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {expand_grad(g[0], keep_shape, in_shape)}; }
};
// mean:  grad_x = g / R broadcast over the reduced dims
struct MeanBackward : Node {
    DimVector keep_shape, in_shape;
    double count = 1;
    bool all_dims = false;
    const char* name() const override { return all_dims ? "MeanBackward0" : "MeanBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {expand_grad(g[0] / count, keep_shape, in_shape)};
    }
};

Tensor prod_dims(const Tensor& x, IntArrayRef dims, bool keepdim);

// prod: grad_x_i = g * (product of the other elements of x_i's slice). Dividing out / x_i is
// wrong where x_i = 0, so each slice is treated by its number of zeros, with x_nz = x where
// x != 0 and 1 where x == 0, and p = prod(x_nz):
//   no zero:     grad_x_i = g p / x_i
//   one zero:    grad_x_i = g p at the zero, and g z p / x_i elsewhere, where z = the zero
//                element itself (0 in value; it keeps d grad_x_i / d x_zero = g p / x_i right
//                for double backward)
//   two or more: 0 (every "product of the others" contains a zero)
struct ProdBackward : Node {
    SavedVariable x{this};
    DimVector dims;  // empty: all
    DimVector keep_shape;
    const char* name() const override { return dims.empty() ? "ProdBackward0" : "ProdBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor xv = x.unpack();
        const Tensor g = grads[0].reshape(keep_shape);
        const Tensor is_zero = eq(xv, 0);
        const Tensor n_zero = sum(is_zero, dims, /*keepdim=*/true);
        const Tensor x_nz = where(is_zero, Scalar(1), xv);
        const Tensor p = prod_dims(x_nz, dims, /*keepdim=*/true);
        const Tensor z = sum(where(is_zero, xv, Scalar(0)), dims, /*keepdim=*/true);
        const Tensor one_zero = where(is_zero, p, z * p / x_nz);
        const Tensor others = where(eq(n_zero, 0), p / x_nz, where(eq(n_zero, 1), one_zero, Scalar(0)));
        return {g * others};
    }
};

// The product over `dims` (empty: all); integer and bool inputs give int64.
Tensor prod_dims(const Tensor& x, IntArrayRef dims, bool keepdim) {
    const ReducePlan plan = plan_reduce(x, dims, keepdim, "prod");
    const DType dtype = is_integral(x.dtype(), /*include_bool=*/true) ? kInt64 : x.dtype();
    Tensor out = run_reduce(prod_kernels, plan, dtype);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<ProdBackward>(x);
        node->x.save(x);
        node->dims = DimVector(dims);
        node->keep_shape = plan.keep_shape;
        autograd::set_history(out, node);
    }
    return out;
}

// max(x) / min(x) over everything: the gradient is shared evenly among the elements equal to
// the result (ties), as PyTorch's evenly_distribute_backward; a NaN result selects the NaNs.
struct MaxMinAllBackward : Node {
    SavedVariable x{this}, out{this};
    bool is_max = true;
    const char* name() const override { return is_max ? "MaxBackward1" : "MinBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor xv = x.unpack(), ov = out.unpack();
        const Tensor chosen = logical_or(eq(xv, ov), logical_and(ne(xv, xv), ne(ov, ov)));
        return {where(chosen, grads[0] / sum(chosen), Scalar(0))};
    }
};

Tensor max_min_all(const Tensor& x, bool is_max) {
    const char* op = is_max ? "max" : "min";
    detail::check_defined(op, x);
    check_nonempty(x, op);
    Tensor out = run_reduce(is_max ? amax_kernels : amin_kernels, plan_reduce(x, {}, false, op), x.dtype());
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<MaxMinAllBackward>(x);
        node->is_max = is_max;
        node->x.save(x);
        autograd::set_history(out, node);
        node->out.save(out, /*is_output=*/true);  // after set_history: see Note [Saving outputs]
    }
    return out;
}

// max(x, dim) / min(x, dim): the gradient goes to the element each index chose. The scatter is
// a one-hot mask, eq(position along dim, index), which needs no gather/scatter kernel.
struct MaxMinDimBackward : Node {
    SavedVariable indices{this};
    int64_t dim = 0;
    bool is_max = true;
    DimVector keep_shape, in_shape;
    const char* name() const override { return is_max ? "MaxBackward0" : "MinBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        DimVector pos_shape(in_shape.size(), 1);
        int64_t n = 1;
        if (!in_shape.empty()) n = pos_shape[dim] = in_shape[dim];
        const Tensor positions = arange(n, TensorOptions(kInt64).device(g.device())).reshape(pos_shape);
        const Tensor chosen = eq(positions, indices.unpack().reshape(keep_shape));  // x's shape
        return {where(chosen, g.reshape(keep_shape), Scalar(0))};
    }
};

std::tuple<Tensor, Tensor> max_min_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
    const char* op = is_max ? "max" : "min";
    detail::check_defined(op, x);
    const int64_t d = wrap_dim(dim, x.dim(), op);
    check_nonempty_dim(x, d, op);
    const ReducePlan plan = plan_reduce(x, d, keepdim, op);
    Tensor values = detail::empty_raw(plan.out_shape, x.dtype(), x.device());
    Tensor indices = detail::empty_raw(plan.out_shape, kInt64, x.device());
    if (values.numel() > 0)
        (is_max ? max_index_kernels : min_index_kernels)
            .get(x.device())(view_of(values), view_of(indices), view_of(plan.input), plan.A, plan.R, plan.B);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<MaxMinDimBackward>(x);
        node->indices.save(indices);
        node->dim = d;
        node->is_max = is_max;
        node->keep_shape = plan.keep_shape;
        node->in_shape = DimVector(x.sizes());
        autograd::set_history(values, node);
    }
    return {values, indices};
}

// argmax / argmin: no dim means over the flattened tensor (plan_reduce over every dim of a
// row-major copy gives exactly that index).
Tensor arg_max_min(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_max) {
    const char* op = is_max ? "argmax" : "argmin";
    detail::check_defined(op, x);
    ReducePlan plan;
    if (dim) {
        const int64_t d = wrap_dim(*dim, x.dim(), op);
        check_nonempty_dim(x, d, op);
        plan = plan_reduce(x, d, keepdim, op);
    } else {
        check_nonempty(x, op);
        plan = plan_reduce(x, {}, keepdim, op);
    }
    Tensor indices = detail::empty_raw(plan.out_shape, kInt64, x.device());
    if (indices.numel() > 0)
        (is_max ? max_index_kernels : min_index_kernels)
            .get(x.device())(TensorView{}, view_of(indices), view_of(plan.input), plan.A, plan.R, plan.B);
    return indices;
}

// std/var: floating inputs only, as PyTorch.
void check_var_dtype(const Tensor& x, const char* op) {
    detail::check_defined(op, x);
    TINYDL_CHECK_TYPE(x.is_floating_point(), op, "std and var only support floating point dtypes, got ", x.dtype(),
                      "; convert with .to(kFloat32)");
}

// norm: grad_x = g * d norm / dx, with
//   finite p:  d norm / dx = sign(x) |x|^(p-1) / norm^(p-1)     (p = 2: x / norm)
//   p = inf:   sign(x) at the elements where |x| = norm, shared evenly among ties
// Where the norm is 0 the gradient is 0 (not 0/0 = NaN): the divisor is replaced by 1 there,
// and the numerator is already 0. |x|^(p-1) is evaluated at 1 where x = 0 (sign(x) = 0 kills it),
// so that p < 1 and double backward see no inf either.
struct NormBackward : Node {
    SavedVariable x{this}, out{this};
    double p = 2;
    DimVector dims;  // empty: all
    DimVector keep_shape;
    const char* name() const override { return "NormBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor xv = x.unpack();
        const Tensor n = out.unpack().reshape(keep_shape);
        const Tensor g = grads[0].reshape(keep_shape);
        if (std::isinf(p)) {
            const Tensor ax = abs(xv);
            const Tensor chosen = logical_or(eq(ax, n), ne(ax, ax));
            return {sign(xv) * where(chosen, g / sum(chosen, dims, /*keepdim=*/true), Scalar(0))};
        }
        if (p == 1) return {g * sign(xv)};
        const Tensor n_safe = where(eq(n, 0), Scalar(1), n);
        if (p == 2) return {g * xv / n_safe};
        const Tensor ax_safe = where(eq(xv, 0), Scalar(1), abs(xv));
        return {g * sign(xv) * pow(ax_safe, p - 1) / pow(n_safe, p - 1)};
    }
};

}  // namespace

// ---- sum, mean ------------------------------------------------------------------------------------
Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
    const ReducePlan plan = plan_reduce(x, dims, keepdim, "sum");
    const DType dtype = is_integral(x.dtype(), /*include_bool=*/true) ? kInt64 : x.dtype();
    Tensor out = run_reduce(sum_kernels, plan, dtype);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<SumBackward>(x);
        node->keep_shape = plan.keep_shape;
        node->in_shape = DimVector(x.sizes());
        node->all_dims = dims.empty();
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
        node->all_dims = dims.empty();
        autograd::set_history(out, node);
    }
    return out;
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

// ---- prod, max, min, argmax, argmin ------------------------------------------------------------------
Tensor prod(const Tensor& x) { return prod_dims(x, {}, false); }
Tensor prod(const Tensor& x, int64_t dim, bool keepdim) { return prod_dims(x, dim, keepdim); }

Tensor max(const Tensor& x) { return max_min_all(x, true); }
Tensor min(const Tensor& x) { return max_min_all(x, false); }
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) { return max_min_dim(x, dim, keepdim, true); }
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) { return max_min_dim(x, dim, keepdim, false); }
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_max_min(x, dim, keepdim, true); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_max_min(x, dim, keepdim, false); }

// ---- var, std, logsumexp (compositions) -----------------------------------------------------------------
// var = sum((x - mean)^2) / (N - correction), correction = 1 when unbiased. Two passes (mean
// first) rather than E[x^2] - E[x]^2, which cancels catastrophically. N - correction <= 0 gives
// 0/0 = NaN (or inf), as PyTorch does.
Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
    check_var_dtype(x, "var");
    const ReducePlan shapes = plan_shapes(x, dims, keepdim, "var");
    const Tensor d = x - mean(x, dims, /*keepdim=*/true);
    const int64_t dof = std::max<int64_t>(shapes.R - (unbiased ? 1 : 0), 0);
    return sum(d * d, dims, keepdim) / static_cast<double>(dof);
}

// std = sqrt(var). Where var = 0 (a constant slice) sqrt's derivative is infinite; PyTorch
// gives gradient 0 there, and so does this: sqrt sees 1 in place of 0, and `where` routes no
// gradient to it.
Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
    check_var_dtype(x, "std");
    plan_shapes(x, dims, keepdim, "std");  // checks dims, naming std
    const Tensor v = var(x, dims, unbiased, keepdim);
    const Tensor zero = eq(v, 0);
    return where(zero, Scalar(0), sqrt(where(zero, Scalar(1), v)));
}

// logsumexp = m + log(sum(exp(x - m))), m = max over dims (a constant: no gradient flows
// through it, and none needs to, since the result does not depend on m). Infinite m is
// replaced by 0, so that a slice of -inf gives -inf rather than NaN (-inf - -inf).
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim) {
    const char* op = "logsumexp";
    detail::check_defined(op, x);
    const Tensor xf = x.is_floating_point() ? x : x.to(kFloat32);
    const ReducePlan shapes = plan_shapes(xf, dims, keepdim, op);
    Tensor m = amax_raw(xf.detach(), dims, /*keepdim=*/true, op);
    {
        NoGradGuard no_grad;
        m = where(eq(abs(m), std::numeric_limits<double>::infinity()), Scalar(0), m);
    }
    const Tensor lse = log(sum(exp(xf - m), dims, keepdim));
    return lse + (keepdim ? m : m.reshape(shapes.out_shape));
}

// ---- norm ---------------------------------------------------------------------------------------------
Tensor norm(const Tensor& x, Scalar p, IntArrayRef dims, bool keepdim) {
    const char* op = "norm";
    detail::check_defined(op, x);
    TINYDL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating-point input, got ", x.dtype(),
                      "; convert with .to(kFloat32)");
    const double pv = p.to_double();
    TINYDL_CHECK(pv > 0, op, "only p > 0 (or inf) is supported, got p = ", p);
    const ReducePlan shapes = plan_shapes(x, dims, keepdim, op);
    const bool inf = std::isinf(pv);
    TINYDL_CHECK(!(inf && shapes.R == 0), op, "cannot compute the inf norm of an empty reduction (input shape ",
                 x.sizes(), ") because max has no identity");
    Tensor out;
    {
        NoGradGuard no_grad;
        const Tensor ax = abs(x);
        if (inf) out = amax_raw(ax, dims, keepdim, op);
        else if (pv == 1) out = sum(ax, dims, keepdim);
        else if (pv == 2) out = sqrt(sum(x * x, dims, keepdim));
        else out = pow(sum(pow(ax, pv), dims, keepdim), 1.0 / pv);
    }
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<NormBackward>(x);
        node->x.save(x);
        node->p = pv;
        node->dims = DimVector(dims);
        node->keep_shape = shapes.keep_shape;
        autograd::set_history(out, node);
        node->out.save(out, /*is_output=*/true);  // after set_history: see Note [Saving outputs]
    }
    return out;
}

// ---- methods ---------------------------------------------------------------------------------------
Tensor Tensor::sum() const { return tinydl::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return tinydl::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tinydl::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return tinydl::mean(*this, dims, keepdim); }
Tensor Tensor::prod() const { return tinydl::prod(*this); }
Tensor Tensor::prod(int64_t dim, bool keepdim) const { return tinydl::prod(*this, dim, keepdim); }
Tensor Tensor::max() const { return tinydl::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return tinydl::max(*this, dim, keepdim); }
Tensor Tensor::min() const { return tinydl::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return tinydl::min(*this, dim, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return tinydl::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return tinydl::argmin(*this, dim, keepdim); }
Tensor Tensor::var(bool unbiased) const { return tinydl::var(*this, {}, unbiased, false); }
Tensor Tensor::var(IntArrayRef dims, bool unbiased, bool keepdim) const { return tinydl::var(*this, dims, unbiased, keepdim); }
Tensor Tensor::std(bool unbiased) const { return tinydl::std(*this, {}, unbiased, false); }
Tensor Tensor::std(IntArrayRef dims, bool unbiased, bool keepdim) const { return tinydl::std(*this, dims, unbiased, keepdim); }
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const { return tinydl::logsumexp(*this, dims, keepdim); }
Tensor Tensor::norm(Scalar p) const { return tinydl::norm(*this, p, {}, false); }
Tensor Tensor::norm(Scalar p, IntArrayRef dims, bool keepdim) const { return tinydl::norm(*this, p, dims, keepdim); }

}  // namespace tinydl
