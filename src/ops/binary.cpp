// binary.cpp — elementwise ops of two tensors: add, sub, mul, div, pow, maximum, minimum,
// comparisons, logic, where, and their in-place forms.
//
// Every op here runs the same four steps (binary_forward): check devices, find the result
// dtype (Note [Type promotion]), broadcast the shapes (docs/broadcasting.md), and call the
// device kernel on views whose broadcast dims have stride 0. Backward formulas are written with
// tinydl ops and end in reduce_grad, which sums a gradient back down to its input's shape.
//
// Shapes: a and b broadcast to out; g is the incoming gradient, of out's shape.
#include "src/core/layout.h"
#include "src/cpu/elementwise.h"
#include "src/cuda/elementwise.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

// ---- kernel tables -------------------------------------------------------------------------------
namespace {
const KernelTable<BinaryKernel> add_kernels{"add", cpu::add, TINYDL_IF_CUDA(cuda::add)};
const KernelTable<BinaryKernel> sub_kernels{"sub", cpu::sub, TINYDL_IF_CUDA(cuda::sub)};
const KernelTable<BinaryKernel> mul_kernels{"mul", cpu::mul, TINYDL_IF_CUDA(cuda::mul)};
const KernelTable<BinaryKernel> div_kernels{"div", cpu::div, TINYDL_IF_CUDA(cuda::div)};
const KernelTable<BinaryKernel> pow_kernels{"pow", cpu::pow, TINYDL_IF_CUDA(cuda::pow)};
const KernelTable<BinaryKernel> maximum_kernels{"maximum", cpu::maximum, TINYDL_IF_CUDA(cuda::maximum)};
const KernelTable<BinaryKernel> minimum_kernels{"minimum", cpu::minimum, TINYDL_IF_CUDA(cuda::minimum)};
const KernelTable<BinaryKernel> eq_kernels{"eq", cpu::eq, TINYDL_IF_CUDA(cuda::eq)};
const KernelTable<BinaryKernel> ne_kernels{"ne", cpu::ne, TINYDL_IF_CUDA(cuda::ne)};
const KernelTable<BinaryKernel> lt_kernels{"lt", cpu::lt, TINYDL_IF_CUDA(cuda::lt)};
const KernelTable<BinaryKernel> le_kernels{"le", cpu::le, TINYDL_IF_CUDA(cuda::le)};
const KernelTable<BinaryKernel> gt_kernels{"gt", cpu::gt, TINYDL_IF_CUDA(cuda::gt)};
const KernelTable<BinaryKernel> ge_kernels{"ge", cpu::ge, TINYDL_IF_CUDA(cuda::ge)};
const KernelTable<BinaryKernel> logical_and_kernels{"logical_and", cpu::logical_and, TINYDL_IF_CUDA(cuda::logical_and)};
const KernelTable<BinaryKernel> logical_or_kernels{"logical_or", cpu::logical_or, TINYDL_IF_CUDA(cuda::logical_or)};
const KernelTable<BinaryKernel> logical_xor_kernels{"logical_xor", cpu::logical_xor, TINYDL_IF_CUDA(cuda::logical_xor)};
const KernelTable<WhereKernel> where_kernels{"where", cpu::where, TINYDL_IF_CUDA(cuda::where)};
}  // namespace

// ---- broadcasting and promotion ---------------------------------------------------------------------
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
    // Align from the right; each pair of sizes must be equal or contain a 1.
    const size_t n = std::max(a.size(), b.size());
    DimVector out(n);
    for (size_t i = 0; i < n; ++i) {
        const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
        const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
        TINYDL_CHECK_SHAPE(da == db || da == 1 || db == 1, op, "The size of tensor a (", da,
                           ") must match the size of tensor b (", db, ") at non-singleton dimension ", i,
                           ": shapes ", a, " and ", b, " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

// Note [Type promotion] (torch.result_type): the result takes the "largest" dtype among the
// operands (bool < uint8 < int32 < int64 < float32 < float64), except that zero-dim tensors and
// plain numbers only raise the *category* (bool < integer < floating) of tensors that have dims:
// int32_tensor + int64 0-dim stays int32, but int32_tensor + 2.5 becomes float32.
static int category(DType t) { return t == DType::Bool ? 0 : is_floating(t) ? 2 : 1; }

DType result_type(const Tensor& a, const Tensor& b) {
    detail::check_defined("result_type", a);
    detail::check_defined("result_type", b, "other");
    const bool a_dims = a.dim() > 0, b_dims = b.dim() > 0;
    if (a_dims == b_dims) return promote_types(a.dtype(), b.dtype());
    const DType dimmed = a_dims ? a.dtype() : b.dtype();
    const DType zero_dim = a_dims ? b.dtype() : a.dtype();
    return category(zero_dim) > category(dimmed) ? promote_types(dimmed, zero_dim) : dimmed;
}

DType result_type(const Tensor& a, Scalar b) {
    detail::check_defined("result_type", a);
    const int cat_b = b.is_floating() ? 2 : b.is_integral() ? 1 : 0;
    if (cat_b <= category(a.dtype())) return a.dtype();
    return cat_b == 2 ? DType::Float32 : DType::Int64;
}

namespace {

// result_type after checking the operands, so that an undefined one is reported under the name
// of the op the user called rather than "result_type".
DType promoted(const char* op, const Tensor& a, const Tensor& b) {
    detail::check_defined(op, a);
    detail::check_defined(op, b, "other");
    return result_type(a, b);
}
DType promoted(const char* op, const Tensor& a, Scalar b) {
    detail::check_defined(op, a);
    return result_type(a, b);
}

// PyTorch refuses a fractional alpha for an integer result instead of silently promoting it.
void check_alpha(const char* op, const Tensor& a, const Tensor& b, Scalar alpha) {
    TINYDL_CHECK_TYPE(!alpha.is_floating() || is_floating(promoted(op, a, b)), op,
                      "For integral input tensors, argument alpha must not be a floating point number (alpha ",
                      alpha, ")");
}

// A number as a 0-dim tensor of the dtype it should compute in, next to `like`.
Tensor wrap(Scalar s, const Tensor& like, DType dtype) {
    detail::check_defined("tensor-scalar op", like);
    Tensor t = detail::empty_raw({}, dtype, like.device());
    t.fill_(s);
    return t;
}

// Runs `kernels` on a and b broadcast together, computing in `compute` and writing `out_dtype`.
Tensor binary_forward(const KernelTable<BinaryKernel>& kernels, const Tensor& a, const Tensor& b, DType compute,
                      DType out_dtype) {
    detail::check_defined(kernels.name, a);
    detail::check_defined(kernels.name, b, "other");
    detail::check_same_device(kernels.name, a, b);
    const DimVector shape = a.sizes() == b.sizes() ? DimVector(a.sizes()) : broadcast_shapes(a.sizes(), b.sizes(), kernels.name);
    const Tensor ac = detail::to_raw(a, compute);
    const Tensor bc = detail::to_raw(b, compute);
    const TensorView va = broadcast_view(ac, shape), vb = broadcast_view(bc, shape);
    // The result takes the inputs' memory order (Note in src/core/layout.h): a.t() + b.t() is transposed.
    Tensor out = detail::empty_like_operands(shape, std::array<IntArrayRef, 2>{va.strides, vb.strides}, out_dtype,
                                             a.device());
    if (out.numel() > 0) kernels.get(a.device())(view_of(out), va, vb);
    return out;
}

// Shape and dtype of each input, which every binary backward needs for reduce_grad.
struct BinaryNode : Node {
    DimVector a_shape, b_shape;
    DType a_dtype, b_dtype;
    void remember(const Tensor& a, const Tensor& b) {
        a_shape = DimVector(a.sizes());
        b_shape = DimVector(b.sizes());
        a_dtype = a.dtype();
        b_dtype = b.dtype();
    }
    bool needs_a() const { return next_edges[0].valid(); }
    bool needs_b() const { return next_edges[1].valid(); }
    Tensor to_a(const Tensor& g) const { return detail::reduce_grad(g, a_shape, a_dtype); }
    Tensor to_b(const Tensor& g) const { return detail::reduce_grad(g, b_shape, b_dtype); }
};

// out = a + alpha b
struct AddBackward : BinaryNode {
    Scalar alpha;
    const char* name() const override { return "AddBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {needs_a() ? to_a(g) : Tensor{}, needs_b() ? to_b(alpha.to_double() == 1.0 ? g : g * alpha) : Tensor{}};
    }
};
// out = a - alpha b
struct SubBackward : BinaryNode {
    Scalar alpha;
    const char* name() const override { return "SubBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {needs_a() ? to_a(g) : Tensor{}, needs_b() ? to_b(g * (-alpha)) : Tensor{}};
    }
};
// out = a b:  grad_a = g b,  grad_b = g a
struct MulBackward : BinaryNode {
    SavedVariable a{this}, b{this};
    const char* name() const override { return "MulBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {needs_a() ? to_a(g * b.unpack()) : Tensor{}, needs_b() ? to_b(g * a.unpack()) : Tensor{}};
    }
};
// out = a / b:  grad_a = g / b,  grad_b = -g a / b^2
struct DivBackward : BinaryNode {
    SavedVariable a{this}, b{this};
    const char* name() const override { return "DivBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor bv = b.unpack();
        return {needs_a() ? to_a(g / bv) : Tensor{}, needs_b() ? to_b(-g * a.unpack() / (bv * bv)) : Tensor{}};
    }
};
// out = a^b:  grad_a = g b a^(b-1),  grad_b = g out log(a)  (0 where a = 0 and b >= 0, as PyTorch)
struct PowBackward : BinaryNode {
    SavedVariable a{this}, b{this}, out{this};
    const char* name() const override { return "PowBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor av = a.unpack(), bv = b.unpack();
        Tensor grad_a, grad_b;
        if (needs_a()) grad_a = to_a(where(eq(bv, 0), Scalar(0), g * bv * pow(av, bv - 1)));
        if (needs_b()) {
            const Tensor safe = where(logical_and(eq(av, 0), ge(bv, 0)), Scalar(0), g * out.unpack() * log(av));
            grad_b = to_b(safe);
        }
        return {grad_a, grad_b};
    }
};
// maximum/minimum: the gradient goes to the chosen input; ties split it in half.
struct MaxMinBackward : BinaryNode {
    SavedVariable a{this}, b{this};
    bool is_max = true;
    const char* name() const override { return is_max ? "MaximumBackward0" : "MinimumBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor av = a.unpack(), bv = b.unpack();
        const Tensor a_wins = is_max ? gt(av, bv) : lt(av, bv);
        const Tensor tie = eq(av, bv);
        const Tensor half = g * 0.5;
        Tensor grad_a, grad_b;
        if (needs_a()) grad_a = to_a(where(a_wins, g, where(tie, half, zeros_like(g))));
        if (needs_b()) grad_b = to_b(where(a_wins, zeros_like(g), where(tie, half, g)));
        return {grad_a, grad_b};
    }
};

template <typename N> std::shared_ptr<N> record_binary(const Tensor& a, const Tensor& b) {
    auto node = autograd::make_node<N>(a, b);
    node->remember(a, b);
    return node;
}

}  // namespace

// ---- arithmetic -------------------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
    check_alpha("add", a, b, alpha);
    if (alpha.to_double() != 1.0) return add(a, mul(b, alpha));
    const DType t = promoted("add", a, b);
    Tensor out = binary_forward(add_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<AddBackward>(a, b);
        node->alpha = alpha;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
    detail::check_defined("sub", a);
    detail::check_defined("sub", b, "other");
    TINYDL_CHECK_TYPE(!(a.dtype() == kBool && b.dtype() == kBool), "sub",
                      "subtraction of two bool tensors is not supported; use logical_xor() or ne()");
    check_alpha("sub", a, b, alpha);
    if (alpha.to_double() != 1.0) return sub(a, mul(b, alpha));
    const DType t = promoted("sub", a, b);
    Tensor out = binary_forward(sub_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<SubBackward>(a, b);
        node->alpha = alpha;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
    const DType t = promoted("mul", a, b);
    Tensor out = binary_forward(mul_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<MulBackward>(a, b);
        if (node->needs_b()) node->a.save(a);  // save only what a needed gradient uses
        if (node->needs_a()) node->b.save(b);
        autograd::set_history(out, node);
    }
    return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
    const DType t = detail::floating_result(promoted("div", a, b));  // true division
    Tensor out = binary_forward(div_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<DivBackward>(a, b);
        if (node->needs_b()) node->a.save(a);
        node->b.save(b);
        autograd::set_history(out, node);
    }
    return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
    const DType t = promoted("pow", a, b);
    TINYDL_CHECK_TYPE(t != kBool, "pow", "bool tensors are not supported");
    Tensor out = binary_forward(pow_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<PowBackward>(a, b);
        node->a.save(a);
        node->b.save(b);
        if (node->needs_b()) node->out.save(out, /*is_output=*/true);
        autograd::set_history(out, node);
    }
    return out;
}

static Tensor max_min(const Tensor& a, const Tensor& b, bool is_max) {
    const DType t = promoted(is_max ? "maximum" : "minimum", a, b);
    Tensor out = binary_forward(is_max ? maximum_kernels : minimum_kernels, a, b, t, t);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<MaxMinBackward>(a, b);
        node->is_max = is_max;
        node->a.save(a);
        node->b.save(b);
        autograd::set_history(out, node);
    }
    return out;
}
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min(a, b, false); }

// Scalar forms: the number becomes a 0-dim tensor of the result dtype (PyTorch's "wrapped
// number"), which never requires grad.
Tensor add(const Tensor& a, Scalar b, Scalar alpha) { return add(a, wrap(b, a, promoted("add", a, b)), alpha); }
Tensor sub(const Tensor& a, Scalar b, Scalar alpha) { return sub(a, wrap(b, a, promoted("sub", a, b)), alpha); }
Tensor rsub(const Tensor& a, Scalar b) { return sub(wrap(b, a, promoted("sub", a, b)), a); }
Tensor mul(const Tensor& a, Scalar b) { return mul(a, wrap(b, a, promoted("mul", a, b))); }
Tensor div(const Tensor& a, Scalar b) { return div(a, wrap(b, a, promoted("div", a, b))); }
Tensor div(Scalar a, const Tensor& b) { return div(wrap(a, b, promoted("div", b, a)), b); }
Tensor pow(const Tensor& a, Scalar b) {
    detail::check_defined("pow", a);
    TINYDL_CHECK(!(is_integral(a.dtype()) && b.is_integral() && b.to_int() < 0), "pow",
                 "integers to negative integer powers are not allowed (", a.dtype(), " input, exponent ", b,
                 "); use a floating-point input, e.g. x.to(kFloat32)");
    return pow(a, wrap(b, a, promoted("pow", a, b)));
}
Tensor pow(Scalar a, const Tensor& b) { return pow(wrap(a, b, promoted("pow", b, a)), b); }

// ---- comparisons and logic (no gradient) ---------------------------------------------------------
#define TINYDL_COMPARISON(NAME)                                                                      \
    Tensor NAME(const Tensor& a, const Tensor& b) {                                                  \
        return binary_forward(NAME##_kernels, a, b, promoted(#NAME, a, b), kBool);                       \
    }                                                                                                \
    Tensor NAME(const Tensor& a, Scalar b) { return NAME(a, wrap(b, a, promoted(#NAME, a, b))); }
TINYDL_COMPARISON(eq)
TINYDL_COMPARISON(ne)
TINYDL_COMPARISON(lt)
TINYDL_COMPARISON(le)
TINYDL_COMPARISON(gt)
TINYDL_COMPARISON(ge)
#undef TINYDL_COMPARISON

Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_forward(logical_and_kernels, a, b, promoted("logical_and", a, b), kBool); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_forward(logical_or_kernels, a, b, promoted("logical_or", a, b), kBool); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return binary_forward(logical_xor_kernels, a, b, promoted("logical_xor", a, b), kBool); }

// ---- where ---------------------------------------------------------------------------------------------
namespace {
struct WhereBackward : BinaryNode {
    SavedVariable cond{this};
    const char* name() const override { return "WhereBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor c = cond.unpack();
        Tensor zero = zeros({}, TensorOptions(g.dtype()).device(g.device()));
        return {needs_a() ? to_a(where(c, g, zero)) : Tensor{}, needs_b() ? to_b(where(c, zero, g)) : Tensor{}};
    }
};
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    detail::check_defined("where", cond, "condition");
    detail::check_defined("where", a);
    detail::check_defined("where", b, "other");
    TINYDL_CHECK_TYPE(cond.dtype() == kBool, "where", "the condition must be a bool tensor, got ", cond.dtype());
    detail::check_same_device("where", cond, a, b);
    const DimVector shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
    const DType t = promoted("where", a, b);
    const Tensor ac = detail::to_raw(a, t), bc = detail::to_raw(b, t);
    const TensorView vc = broadcast_view(cond, shape), va = broadcast_view(ac, shape), vb = broadcast_view(bc, shape);
    Tensor out = detail::empty_like_operands(shape, std::array<IntArrayRef, 3>{vc.strides, va.strides, vb.strides}, t,
                                             a.device());
    if (out.numel() > 0) where_kernels.get(a.device())(view_of(out), vc, va, vb);
    if (autograd::should_record(a, b)) {
        auto node = record_binary<WhereBackward>(a, b);
        node->cond.save(cond);
        autograd::set_history(out, node);
    }
    return out;
}
Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, wrap(b, a, promoted("where", a, b))); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, wrap(a, b, promoted("where", b, a)), b); }

// ---- in-place forms --------------------------------------------------------------------------------------
namespace {
// self = f(self, other), written into self's storage. See Note [In-place ops] in copy.cpp.
template <typename F>
Tensor& inplace(Tensor& self, const Tensor& other, const char* op, const KernelTable<BinaryKernel>& kernels,
                DType compute, const F& functional) {
    detail::check_defined(op, self);
    detail::check_defined(op, other, "other");
    TINYDL_CHECK_TYPE(detail::can_cast(compute, self.dtype()), op, "result type ", compute,
                      " can't be cast to the desired output type ", self.dtype());
    TINYDL_CHECK_SHAPE(broadcast_shapes(self.sizes(), other.sizes(), op) == DimVector(self.sizes()), op,
                       "output with shape ", self.sizes(), " doesn't match the broadcast shape ",
                       broadcast_shapes(self.sizes(), other.sizes(), op));
    if (autograd::should_record(self, other)) {
        autograd::check_inplace(self, op);
        detail::rebase_history(self, functional(self.clone(), other));
        return self;
    }
    detail::check_same_device(op, self, other);
    const Tensor sc = detail::to_raw(self, compute);
    const Tensor oc = detail::to_raw(other, compute);
    if (sc.is_same(self)) {
        kernels.get(self.device())(view_of(self), view_of(self), broadcast_view(oc, self.sizes()));
    } else {  // computing in a wider type than self's: compute, then convert back
        Tensor tmp = detail::empty_raw(self.sizes(), compute, self.device());
        kernels.get(self.device())(view_of(tmp), view_of(sc), broadcast_view(oc, self.sizes()));
        detail::copy_raw(self, tmp);
    }
    self.storage()->bump_version();
    return self;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& other, Scalar alpha) {
    if (alpha.to_double() != 1.0) return add_(tinydl::mul(other, alpha));
    return inplace(*this, other, "add_", add_kernels, promoted("add_", *this, other),
                   [](const Tensor& a, const Tensor& b) { return tinydl::add(a, b); });
}
Tensor& Tensor::sub_(const Tensor& other, Scalar alpha) {
    if (alpha.to_double() != 1.0) return sub_(tinydl::mul(other, alpha));
    return inplace(*this, other, "sub_", sub_kernels, promoted("sub_", *this, other),
                   [](const Tensor& a, const Tensor& b) { return tinydl::sub(a, b); });
}
Tensor& Tensor::mul_(const Tensor& other) {
    return inplace(*this, other, "mul_", mul_kernels, promoted("mul_", *this, other),
                   [](const Tensor& a, const Tensor& b) { return tinydl::mul(a, b); });
}
Tensor& Tensor::div_(const Tensor& other) {
    return inplace(*this, other, "div_", div_kernels, detail::floating_result(promoted("div_", *this, other)),
                   [](const Tensor& a, const Tensor& b) { return tinydl::div(a, b); });
}
Tensor& Tensor::add_(Scalar other, Scalar alpha) {
    return add_(wrap(other, *this, promoted("add_", *this, other)), alpha);
}
Tensor& Tensor::sub_(Scalar other, Scalar alpha) {
    return sub_(wrap(other, *this, promoted("sub_", *this, other)), alpha);
}
Tensor& Tensor::mul_(Scalar other) { return mul_(wrap(other, *this, promoted("mul_", *this, other))); }
Tensor& Tensor::div_(Scalar other) {
    return div_(wrap(other, *this, detail::floating_result(promoted("div_", *this, other))));
}
Tensor& Tensor::pow_(Scalar exponent) {
    detail::check_defined("pow_", *this);
    TINYDL_CHECK(!(is_integral(dtype()) && exponent.is_integral() && exponent.to_int() < 0), "pow_",
                 "integers to negative integer powers are not allowed (", dtype(), " input, exponent ", exponent,
                 "); use a floating-point tensor");
    return inplace(*this, wrap(exponent, *this, promoted("pow_", *this, exponent)), "pow_", pow_kernels,
                   promoted("pow_", *this, exponent), [](const Tensor& a, const Tensor& b) { return tinydl::pow(a, b); });
}

// ---- methods and operators ----------------------------------------------------------------------------------
Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return tinydl::add(*this, o, alpha); }
Tensor Tensor::add(Scalar o, Scalar alpha) const { return tinydl::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return tinydl::sub(*this, o, alpha); }
Tensor Tensor::sub(Scalar o, Scalar alpha) const { return tinydl::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return tinydl::mul(*this, o); }
Tensor Tensor::mul(Scalar o) const { return tinydl::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return tinydl::div(*this, o); }
Tensor Tensor::div(Scalar o) const { return tinydl::div(*this, o); }
Tensor Tensor::pow(const Tensor& e) const { return tinydl::pow(*this, e); }
Tensor Tensor::pow(Scalar e) const { return tinydl::pow(*this, e); }
Tensor Tensor::maximum(const Tensor& o) const { return tinydl::maximum(*this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return tinydl::minimum(*this, o); }
Tensor Tensor::eq(const Tensor& o) const { return tinydl::eq(*this, o); }
Tensor Tensor::eq(Scalar o) const { return tinydl::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return tinydl::ne(*this, o); }
Tensor Tensor::ne(Scalar o) const { return tinydl::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return tinydl::lt(*this, o); }
Tensor Tensor::lt(Scalar o) const { return tinydl::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return tinydl::le(*this, o); }
Tensor Tensor::le(Scalar o) const { return tinydl::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return tinydl::gt(*this, o); }
Tensor Tensor::gt(Scalar o) const { return tinydl::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return tinydl::ge(*this, o); }
Tensor Tensor::ge(Scalar o) const { return tinydl::ge(*this, o); }
Tensor Tensor::logical_and(const Tensor& o) const { return tinydl::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return tinydl::logical_or(*this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return tinydl::logical_xor(*this, o); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }

}  // namespace tinydl
