// unary.cpp — elementwise functions of one tensor: neg, abs, exp, log, sqrt, tanh, sigmoid,
// relu, gelu, ..., and clamp. Forward runs one device kernel (the maths is in
// elementwise_functors.h); backward is written beside it with tinydl ops.
//
// Note [Saving outputs]: where the derivative is cheapest in terms of the output (exp, sqrt,
// tanh, sigmoid, relu), the node saves the output, not the input; see SavedVariable.
//
// Shapes: out has x's shape; g is the gradient of out.
#include <cmath>
#include <limits>

#include "src/core/layout.h"
#include "src/cpu/elementwise.h"
#include "src/cuda/elementwise.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<UnaryKernel> neg_kernels{"neg", cpu::neg, TINYDL_IF_CUDA(cuda::neg)};
const KernelTable<UnaryKernel> abs_kernels{"abs", cpu::abs, TINYDL_IF_CUDA(cuda::abs)};
const KernelTable<UnaryKernel> exp_kernels{"exp", cpu::exp, TINYDL_IF_CUDA(cuda::exp)};
const KernelTable<UnaryKernel> log_kernels{"log", cpu::log, TINYDL_IF_CUDA(cuda::log)};
const KernelTable<UnaryKernel> log1p_kernels{"log1p", cpu::log1p, TINYDL_IF_CUDA(cuda::log1p)};
const KernelTable<UnaryKernel> sqrt_kernels{"sqrt", cpu::sqrt, TINYDL_IF_CUDA(cuda::sqrt)};
const KernelTable<UnaryKernel> rsqrt_kernels{"rsqrt", cpu::rsqrt, TINYDL_IF_CUDA(cuda::rsqrt)};
const KernelTable<UnaryKernel> sin_kernels{"sin", cpu::sin, TINYDL_IF_CUDA(cuda::sin)};
const KernelTable<UnaryKernel> cos_kernels{"cos", cpu::cos, TINYDL_IF_CUDA(cuda::cos)};
const KernelTable<UnaryKernel> tanh_kernels{"tanh", cpu::tanh, TINYDL_IF_CUDA(cuda::tanh)};
const KernelTable<UnaryKernel> erf_kernels{"erf", cpu::erf, TINYDL_IF_CUDA(cuda::erf)};
const KernelTable<UnaryKernel> sigmoid_kernels{"sigmoid", cpu::sigmoid, TINYDL_IF_CUDA(cuda::sigmoid)};
const KernelTable<UnaryKernel> relu_kernels{"relu", cpu::relu, TINYDL_IF_CUDA(cuda::relu)};
const KernelTable<UnaryKernel> gelu_kernels{"gelu", cpu::gelu, TINYDL_IF_CUDA(cuda::gelu)};
const KernelTable<UnaryKernel> gelu_tanh_kernels{"gelu", cpu::gelu_tanh, TINYDL_IF_CUDA(cuda::gelu_tanh)};
const KernelTable<UnaryKernel> silu_kernels{"silu", cpu::silu, TINYDL_IF_CUDA(cuda::silu)};
const KernelTable<UnaryKernel> sign_kernels{"sign", cpu::sign, TINYDL_IF_CUDA(cuda::sign)};
const KernelTable<UnaryKernel> floor_kernels{"floor", cpu::floor, TINYDL_IF_CUDA(cuda::floor)};
const KernelTable<UnaryKernel> ceil_kernels{"ceil", cpu::ceil, TINYDL_IF_CUDA(cuda::ceil)};
const KernelTable<UnaryKernel> round_kernels{"round", cpu::round, TINYDL_IF_CUDA(cuda::round)};
const KernelTable<UnaryKernel> logical_not_kernels{"logical_not", cpu::logical_not, TINYDL_IF_CUDA(cuda::logical_not)};
const KernelTable<UnaryParamKernel> leaky_relu_kernels{"leaky_relu", cpu::leaky_relu, TINYDL_IF_CUDA(cuda::leaky_relu)};
const KernelTable<UnaryParamKernel> softplus_kernels{"softplus", cpu::softplus, TINYDL_IF_CUDA(cuda::softplus)};
const KernelTable<UnaryParamKernel> clamp_kernels{"clamp", cpu::clamp, TINYDL_IF_CUDA(cuda::clamp)};

// out = kernel(x) in dtype `t` (x converted first when it differs: integers -> float32).
template <typename K, typename... P>
Tensor unary_forward(const KernelTable<K>& kernels, const Tensor& x, DType t, P... params) {
    detail::check_defined(kernels.name, x);
    const Tensor xc = detail::to_raw(x, t);
    // The result keeps x's memory order (empty_like's preserve_format): relu(x.t()) is transposed.
    Tensor out = detail::empty_like_operands(x.sizes(), std::array<IntArrayRef, 1>{xc.strides()}, t, x.device());
    if (out.numel() > 0) kernels.get(x.device())(view_of(out), view_of(xc), params...);
    return out;
}

// A node for f(x) whose backward needs x, the output, or both.
struct UnaryNode : Node {
    SavedVariable x{this}, out{this};
};

#define TINYDL_UNARY_NODE(Name, NodeName, formula)                                             \
    struct Name : UnaryNode {                                                                  \
        const char* name() const override { return NodeName; }                                 \
        std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {                      \
            const Tensor& g = grads[0];                                                        \
            return {formula};                                                                  \
        }                                                                                      \
    };

// Each line: node, PyTorch's name for it, and the gradient of the input.
TINYDL_UNARY_NODE(NegBackward, "NegBackward0", -g)
TINYDL_UNARY_NODE(AbsBackward, "AbsBackward0", g * sign(x.unpack()))
TINYDL_UNARY_NODE(ExpBackward, "ExpBackward0", g * out.unpack())
TINYDL_UNARY_NODE(LogBackward, "LogBackward0", g / x.unpack())
TINYDL_UNARY_NODE(Log1pBackward, "Log1PBackward0", g / (x.unpack() + 1))
TINYDL_UNARY_NODE(SqrtBackward, "SqrtBackward0", g / (out.unpack() * 2))
TINYDL_UNARY_NODE(RsqrtBackward, "RsqrtBackward0", g * pow(out.unpack(), 3) * -0.5)
TINYDL_UNARY_NODE(SinBackward, "SinBackward0", g * cos(x.unpack()))
TINYDL_UNARY_NODE(CosBackward, "CosBackward0", -g * sin(x.unpack()))
TINYDL_UNARY_NODE(TanhBackward, "TanhBackward0", g * (1 - out.unpack() * out.unpack()))
// d erf(x)/dx = 2/sqrt(pi) exp(-x^2)
TINYDL_UNARY_NODE(ErfBackward, "ErfBackward0", g * exp(-x.unpack() * x.unpack()) * M_2_SQRTPI)
TINYDL_UNARY_NODE(SigmoidBackward, "SigmoidBackward0", g * out.unpack() * (1 - out.unpack()))
// sign, floor, ceil, round are flat wherever they are differentiable.
TINYDL_UNARY_NODE(ZeroBackward, "ZeroGradBackward", zeros_like(g))
#undef TINYDL_UNARY_NODE

// relu: g where the output is positive, else 0. Plain backward runs one fused kernel (three
// passes and three allocations otherwise, on the biggest tensors of an MLP); with create_graph
// the composition is recorded, so it can be differentiated again.
const KernelTable<BinaryKernel> relu_backward_kernels{"relu_backward", cpu::relu_backward, TINYDL_IF_CUDA(cuda::relu_backward)};
struct ReluBackward : UnaryNode {
    const char* name() const override { return "ReluBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor y = out.unpack();
        if (GradMode::is_enabled() || g.dtype() != y.dtype() || g.device() != y.device())
            return {where(gt(y, 0), g, Scalar(0))};
        const TensorView vg = broadcast_view(g, y.sizes()), vy = view_of(y);
        Tensor grad_x = detail::empty_like_operands(y.sizes(), std::array<IntArrayRef, 2>{vg.strides, vy.strides},
                                                    y.dtype(), y.device());
        if (grad_x.numel() > 0) relu_backward_kernels.get(y.device())(view_of(grad_x), vg, vy);
        return {grad_x};
    }
};

struct LeakyReluBackward : UnaryNode {
    double slope = 0.01;
    const char* name() const override { return "LeakyReluBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        return {where(gt(x.unpack(), 0), grads[0], grads[0] * slope)};
    }
};

// gelu(x) = x Φ(x):  d/dx = Φ(x) + x φ(x), with φ the standard normal density.
// tanh form: y = x (1 + tanh u) / 2, u = k (x + c x^3):
//            d/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) k (1 + 3 c x^2) / 2
struct GeluBackward : UnaryNode {
    bool tanh_approx = false;
    const char* name() const override { return "GeluBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor xv = x.unpack();
        if (!tanh_approx) {
            const Tensor cdf = (erf(xv * M_SQRT1_2) + 1) * 0.5;
            const Tensor pdf = exp(xv * xv * -0.5) * (0.5 * M_2_SQRTPI * M_SQRT1_2);  // 1/sqrt(2 pi)
            return {g * (cdf + xv * pdf)};
        }
        const double k = 0.7978845608028654, c = 0.044715;
        const Tensor t = tanh((xv + xv * xv * xv * c) * k);
        return {g * ((t + 1) * 0.5 + xv * (1 - t * t) * ((xv * xv * (3 * c) + 1) * (0.5 * k)))};
    }
};

// silu(x) = x s(x), s = sigmoid:  d/dx = s (1 + x (1 - s))
struct SiluBackward : UnaryNode {
    const char* name() const override { return "SiluBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor xv = x.unpack();
        const Tensor s = sigmoid(xv);
        return {grads[0] * s * (1 + xv * (1 - s))};
    }
};

// softplus: d/dx = sigmoid(beta x), and 1 where beta x > threshold (the linear region)
struct SoftplusBackward : UnaryNode {
    double beta = 1, threshold = 20;
    const char* name() const override { return "SoftplusBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor bx = x.unpack() * beta;
        return {where(gt(bx, threshold), grads[0], grads[0] * sigmoid(bx))};
    }
};

// clamp: the gradient passes where min <= x <= max, and is zero where x was clipped.
struct ClampBackward : UnaryNode {
    double lo = -INFINITY, hi = INFINITY;
    const char* name() const override { return "ClampBackward1"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor xv = x.unpack();
        return {where(logical_and(ge(xv, lo), le(xv, hi)), grads[0], Scalar(0))};
    }
};

enum class Save { Input, Output, Nothing };

// Runs a float function (integers become float32) and records `N` if needed.
template <typename N, typename K, typename... P>
Tensor unary_op(const KernelTable<K>& kernels, const Tensor& x, DType t, Save save, P... params) {
    Tensor out = unary_forward(kernels, x, t, params...);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<N>(x);
        if (save == Save::Input) node->x.save(x);
        if (save == Save::Output) node->out.save(out, /*is_output=*/true);
        autograd::set_history(out, node);
    }
    return out;
}

DType floating(const char* op, const Tensor& x) {
    detail::check_defined(op, x);
    return detail::floating_result(x.dtype());
}

DType numeric(const char* op, const Tensor& x) {
    detail::check_defined(op, x);
    TINYDL_CHECK_TYPE(x.dtype() != kBool, op, "bool tensors are not supported; convert with .to(kFloat32)");
    return x.dtype();
}

}  // namespace

Tensor neg(const Tensor& x) { return unary_op<NegBackward>(neg_kernels, x, numeric("neg", x), Save::Nothing); }
Tensor abs(const Tensor& x) { return unary_op<AbsBackward>(abs_kernels, x, numeric("abs", x), Save::Input); }
Tensor exp(const Tensor& x) { return unary_op<ExpBackward>(exp_kernels, x, floating("exp", x), Save::Output); }
Tensor log(const Tensor& x) { return unary_op<LogBackward>(log_kernels, x, floating("log", x), Save::Input); }
Tensor log1p(const Tensor& x) { return unary_op<Log1pBackward>(log1p_kernels, x, floating("log1p", x), Save::Input); }
Tensor sqrt(const Tensor& x) { return unary_op<SqrtBackward>(sqrt_kernels, x, floating("sqrt", x), Save::Output); }
Tensor rsqrt(const Tensor& x) { return unary_op<RsqrtBackward>(rsqrt_kernels, x, floating("rsqrt", x), Save::Output); }
Tensor sin(const Tensor& x) { return unary_op<SinBackward>(sin_kernels, x, floating("sin", x), Save::Input); }
Tensor cos(const Tensor& x) { return unary_op<CosBackward>(cos_kernels, x, floating("cos", x), Save::Input); }
Tensor tanh(const Tensor& x) { return unary_op<TanhBackward>(tanh_kernels, x, floating("tanh", x), Save::Output); }
Tensor erf(const Tensor& x) { return unary_op<ErfBackward>(erf_kernels, x, floating("erf", x), Save::Input); }
Tensor sigmoid(const Tensor& x) { return unary_op<SigmoidBackward>(sigmoid_kernels, x, floating("sigmoid", x), Save::Output); }
Tensor relu(const Tensor& x) { return unary_op<ReluBackward>(relu_kernels, x, numeric("relu", x), Save::Output); }
Tensor silu(const Tensor& x) { return unary_op<SiluBackward>(silu_kernels, x, floating("silu", x), Save::Input); }
// The dtype is read before unary_forward's check, so these check for an undefined input first.
Tensor sign(const Tensor& x) {
    detail::check_defined("sign", x);
    return unary_op<ZeroBackward>(sign_kernels, x, x.dtype(), Save::Nothing);
}
Tensor floor(const Tensor& x) {
    detail::check_defined("floor", x);
    if (is_integral(x.dtype(), true)) return x.clone();  // already whole numbers
    return unary_op<ZeroBackward>(floor_kernels, x, x.dtype(), Save::Nothing);
}
Tensor ceil(const Tensor& x) {
    detail::check_defined("ceil", x);
    if (is_integral(x.dtype(), true)) return x.clone();
    return unary_op<ZeroBackward>(ceil_kernels, x, x.dtype(), Save::Nothing);
}
Tensor round(const Tensor& x) {
    detail::check_defined("round", x);
    if (is_integral(x.dtype(), true)) return x.clone();
    return unary_op<ZeroBackward>(round_kernels, x, x.dtype(), Save::Nothing);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
    Tensor out = unary_forward(leaky_relu_kernels, x, floating("leaky_relu", x), negative_slope, 0.0);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<LeakyReluBackward>(x);
        node->x.save(x);
        node->slope = negative_slope;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
    TINYDL_CHECK(approximate == "none" || approximate == "tanh", "gelu",
                 "approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
    const bool tanh_approx = approximate == "tanh";
    Tensor out = unary_forward(tanh_approx ? gelu_tanh_kernels : gelu_kernels, x, floating("gelu", x));
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<GeluBackward>(x);
        node->x.save(x);
        node->tanh_approx = tanh_approx;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
    Tensor out = unary_forward(softplus_kernels, x, floating("softplus", x), beta, threshold);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<SoftplusBackward>(x);
        node->x.save(x);
        node->beta = beta;
        node->threshold = threshold;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
    detail::check_defined("clamp", x);
    TINYDL_CHECK(min || max, "clamp", "at least one of min and max must be given");
    DType t = numeric("clamp", x);
    if ((min && min->is_floating()) || (max && max->is_floating())) t = detail::floating_result(t);
    const double lo = min ? min->to_double() : -std::numeric_limits<double>::infinity();
    const double hi = max ? max->to_double() : std::numeric_limits<double>::infinity();
    Tensor out = unary_forward(clamp_kernels, x, t, lo, hi);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<ClampBackward>(x);
        node->x.save(x);
        node->lo = lo;
        node->hi = hi;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor logical_not(const Tensor& x) { return unary_forward(logical_not_kernels, x, kBool); }

// ---- in-place forms: see Note [In-place ops] in copy.cpp ----------------------------------------------
namespace {
template <typename F> Tensor& unary_inplace(Tensor& self, const char* op, const F& functional) {
    detail::check_defined(op, self);
    if (autograd::should_record(self)) {
        autograd::check_inplace(self, op);
        detail::rebase_history(self, functional(self.clone()));
        return self;
    }
    Tensor result = functional(self);  // no graph: compute, then write back
    TINYDL_CHECK_TYPE(detail::can_cast(result.dtype(), self.dtype()), op, "result type ", result.dtype(),
                      " can't be cast to the desired output type ", self.dtype());
    detail::copy_raw(self, result);
    self.storage()->bump_version();
    return self;
}
}  // namespace

Tensor& Tensor::neg_() { return unary_inplace(*this, "neg_", [](const Tensor& t) { return tinydl::neg(t); }); }
Tensor& Tensor::relu_() {
    detail::check_defined("relu_", *this);
    if (!autograd::should_record(*this) && numel() > 0) {  // the common case runs the kernel in place
        relu_kernels.get(device())(view_of(*this), view_of(*this));
        storage()->bump_version();
        return *this;
    }
    return unary_inplace(*this, "relu_", [](const Tensor& t) { return tinydl::relu(t); });
}
Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
    return unary_inplace(*this, "clamp_", [&](const Tensor& t) { return tinydl::clamp(t, min, max); });
}

// ---- methods ----------------------------------------------------------------------------------------------
Tensor Tensor::neg() const { return tinydl::neg(*this); }
Tensor Tensor::abs() const { return tinydl::abs(*this); }
Tensor Tensor::exp() const { return tinydl::exp(*this); }
Tensor Tensor::log() const { return tinydl::log(*this); }
Tensor Tensor::log1p() const { return tinydl::log1p(*this); }
Tensor Tensor::sqrt() const { return tinydl::sqrt(*this); }
Tensor Tensor::rsqrt() const { return tinydl::rsqrt(*this); }
Tensor Tensor::sin() const { return tinydl::sin(*this); }
Tensor Tensor::cos() const { return tinydl::cos(*this); }
Tensor Tensor::tanh() const { return tinydl::tanh(*this); }
Tensor Tensor::sigmoid() const { return tinydl::sigmoid(*this); }
Tensor Tensor::relu() const { return tinydl::relu(*this); }
Tensor Tensor::sign() const { return tinydl::sign(*this); }
Tensor Tensor::floor() const { return tinydl::floor(*this); }
Tensor Tensor::ceil() const { return tinydl::ceil(*this); }
Tensor Tensor::round() const { return tinydl::round(*this); }
Tensor Tensor::logical_not() const { return tinydl::logical_not(*this); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const { return tinydl::clamp(*this, min, max); }

}  // namespace tinydl
