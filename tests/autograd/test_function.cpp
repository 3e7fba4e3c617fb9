// test_function.cpp — user-defined differentiable functions: Function<T> with forward and
// backward written by the user (torch::autograd::Function), as declared in autograd.h.
//
// Covered: save_for_backward and saved_data; tensor arguments mixed with plain ones (backward
// returns one gradient per forward argument); several outputs, including unused ones; a
// forward that returns its input unchanged; saving the output; the version counter on saved
// tensors; gradcheck and gradgradcheck through user functions; node names.
#include <any>
#include <cmath>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::leaf;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// y = x^3, dy/dx = 3 x^2 (backward in tinydl ops, so it is differentiable again).
struct Cube : Function<Cube> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
        EXPECT_FALSE(GradMode::is_enabled());  // forward runs without recording
        ctx->save_for_backward({x});
        return x * x * x;
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        Tensor x = ctx->get_saved_variables()[0];
        return {grad_out[0] * 3 * x * x};
    }
};

// y = alpha * (x^power * w) + b, with a double and an int in the argument list:
//   ScaledMul::apply(x, alpha, w, power, b).
struct ScaledMul : Function<ScaledMul> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x, double alpha, const Tensor& w, int power,
                          const Tensor& b) {
        ctx->save_for_backward({x, w});
        ctx->saved_data["alpha"] = alpha;
        ctx->saved_data["power"] = power;
        ctx->saved_data["b_shape"] = b.sizes().vec();  // to sum b's gradient back to its shape
        return pow(x, static_cast<double>(power)) * w * alpha + b;
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        const std::vector<Tensor> saved = ctx->get_saved_variables();
        const Tensor& x = saved[0];
        const Tensor& w = saved[1];
        const double alpha = std::any_cast<double>(ctx->saved_data.at("alpha"));
        const int power = std::any_cast<int>(ctx->saved_data.at("power"));
        const auto b_shape = std::any_cast<std::vector<int64_t>>(ctx->saved_data.at("b_shape"));
        const Tensor& g = grad_out[0];
        const Tensor xp = pow(x, static_cast<double>(power));
        const Tensor dxp = pow(x, static_cast<double>(power - 1)) * power;
        // One entry per forward argument; the plain ones get an undefined tensor.
        return {g * w * alpha * dxp, Tensor{}, sum_to(g * xp * alpha, w.sizes()), Tensor{}, sum_to(g, b_shape)};
    }
};
Tensor scaled_mul(const Tensor& x, double alpha, const Tensor& w, int power, const Tensor& b) {
    return ScaledMul::apply(x, alpha, w, power, b);
}

// Two outputs: (2x, x^2).
struct TwoOutputs : Function<TwoOutputs> {
    static std::vector<Tensor> forward(AutogradContext* ctx, const Tensor& x) {
        ctx->save_for_backward({x});
        return {x * 2, x * x};
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        Tensor x = ctx->get_saved_variables()[0];
        return {grad_out[0] * 2 + grad_out[1] * 2 * x};
    }
};

// Returns its input unchanged.
struct Identity : Function<Identity> {
    static Tensor forward(AutogradContext*, const Tensor& x) { return x; }
    static std::vector<Tensor> backward(AutogradContext*, std::vector<Tensor> grad_out) { return {grad_out[0]}; }
};

// y = exp(x), saving its output (as ExpBackward0 does).
struct ExpFn : Function<ExpFn> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
        Tensor y = exp(x);
        ctx->save_for_backward({y});
        return y;
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        return {grad_out[0] * ctx->get_saved_variables()[0]};
    }
};

// A float output and an integer one (the index of the max), as max(dim) returns.
struct ValueAndIndex : Function<ValueAndIndex> {
    static std::vector<Tensor> forward(AutogradContext* ctx, const Tensor& x) {
        ctx->saved_data["n"] = x.numel();
        return {x * 1, tensor({int64_t{0}})};
    }
    static std::vector<Tensor> backward(AutogradContext*, std::vector<Tensor> grad_out) { return {grad_out[0]}; }
};

// Returns too few gradients.
struct BadCount : Function<BadCount> {
    static Tensor forward(AutogradContext*, const Tensor& x, const Tensor& y) { return x * y; }
    static std::vector<Tensor> backward(AutogradContext*, std::vector<Tensor> grad_out) { return {grad_out[0]}; }
};

// ---- basics ------------------------------------------------------------------------------------------------
TEST(Function, ForwardBackwardAndSavedTensors) {
    Tensor x = tensor({1.0, -2.0, 0.5}).requires_grad_(true);
    Tensor y = Cube::apply(x);
    EXPECT_EQ(values(y), (std::vector<double>{1, -8, 0.125}));
    EXPECT_TRUE(y.requires_grad());
    EXPECT_FALSE(y.is_leaf());
    EXPECT_STREQ(y.grad_fn()->name(), "CubeBackward");
    y.sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 12, 0.75}));
    manual_seed(0);
    auto f = [](const std::vector<Tensor>& in) { return Cube::apply(in[0]); };
    EXPECT_TRUE(gradcheck_ok(f, {leaf({2, 3})}));
    EXPECT_TRUE(gradgradcheck_ok(f, {leaf({2, 3})}));
    // Used twice: backward runs once, with the summed gradient.
    Tensor z = Cube::apply(x);
    x.set_grad({});
    (z + z).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{6, 24, 1.5}));
}

TEST(Function, NoInputRequiresGrad) {
    Tensor x = tensor({2.0});
    Tensor y = Cube::apply(x);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_EQ(y.item<double>(), 8.0);
    {
        NoGradGuard no_grad;  // nor under NoGradGuard
        EXPECT_FALSE(Cube::apply(tensor({2.0}).requires_grad_(true)).requires_grad());
    }
}

TEST(Function, TensorArgumentsMixedWithPlainOnes) {
    manual_seed(1);
    Tensor x = leaf({2, 3}, 0.5, 1.5), w = leaf({3}), b = leaf({1});
    Tensor y = scaled_mul(x, 2.5, w, 2, b);
    Tensor expected = x.detach() * x.detach() * w.detach() * 2.5 + b.detach();
    EXPECT_TRUE(allclose(y, expected, 1e-12, 1e-12));
    EXPECT_EQ(y.grad_fn()->next_edges.size(), 3u);  // x, w and b; not alpha or power
    auto f = [](const std::vector<Tensor>& in) { return scaled_mul(in[0], 2.5, in[1], 2, in[2]); };
    EXPECT_TRUE(gradcheck_ok(f, {x, w, b}));
    auto linear = [](const std::vector<Tensor>& in) { return scaled_mul(in[0], -1.0, in[1], 1, in[2]); };
    EXPECT_TRUE(gradcheck_ok(linear, {x, w, b}));
    // Only some tensor arguments require grad.
    Tensor wc = w.detach();
    y = scaled_mul(x, 2.5, wc, 1, b);
    EXPECT_FALSE(y.grad_fn()->next_edges[1].valid());
    y.sum().backward();
    EXPECT_TRUE(x.grad().defined());
    EXPECT_TRUE(b.grad().defined());
    EXPECT_EQ(b.grad().item<double>(), 6.0);  // summed over the 6 outputs
}

TEST(Function, BackwardMustReturnOneGradientPerArgument) {
    Tensor x = tensor({1.0}).requires_grad_(true), y = tensor({2.0}).requires_grad_(true);
    Tensor z = BadCount::apply(x, y);
    EXPECT_ERROR(z.backward(), "BadCountBackward", "backward returned 1 gradients", "one per forward argument");
}

// ---- several outputs ---------------------------------------------------------------------------------------
TEST(Function, ReturnsAVectorOfOutputs) {
    Tensor x = tensor({1.0, 3.0}).requires_grad_(true);
    std::vector<Tensor> out = TwoOutputs::apply(x);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(values(out[0]), (std::vector<double>{2, 6}));
    EXPECT_EQ(values(out[1]), (std::vector<double>{1, 9}));
    EXPECT_TRUE(out[0].grad_fn() == out[1].grad_fn());
    EXPECT_EQ(out[0].output_nr(), 0u);
    EXPECT_EQ(out[1].output_nr(), 1u);
    (out[0] * 3 + out[1]).sum().backward();  // 6 + 2x
    EXPECT_EQ(values(x.grad()), (std::vector<double>{8, 12}));
    manual_seed(2);
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) {
        std::vector<Tensor> o = TwoOutputs::apply(in[0]);
        return o[0] * o[1];
    }, {leaf({4})}));
}

TEST(Function, AnUnusedOutputGetsAZeroGradient) {
    // As in PyTorch (materialize_grads), backward sees zeros for an output the loss ignores.
    Tensor x = tensor({1.0, 3.0}).requires_grad_(true);
    std::vector<Tensor> out = TwoOutputs::apply(x);
    out[1].sum().backward();  // only x^2
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 6}));
    x.set_grad({});
    TwoOutputs::apply(x)[0].sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2}));
}

TEST(Function, IntegerOutputsGetNoHistory) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    std::vector<Tensor> out = ValueAndIndex::apply(x);
    EXPECT_TRUE(out[0].requires_grad());
    EXPECT_FALSE(out[1].requires_grad());
    out[0].sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1}));
}

// ---- identity and saved outputs ------------------------------------------------------------------------------
TEST(Function, ForwardReturningItsInputUnchanged) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor y = Identity::apply(x);
    EXPECT_FALSE(y.is_same(x));  // a new handle, so that x keeps its own (leaf) history
    EXPECT_EQ(y.storage(), x.storage());
    EXPECT_TRUE(x.is_leaf());
    EXPECT_EQ(x.grad_fn(), nullptr);
    EXPECT_STREQ(y.grad_fn()->name(), "IdentityBackward");
    (y * tensor({3.0, 4.0})).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 4}));
    manual_seed(3);
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return Identity::apply(in[0]) * in[0]; }, {leaf({3})}));
    // On a non-leaf: the intermediate keeps its grad_fn.
    Tensor a = x * 2;
    Tensor b = Identity::apply(a);
    EXPECT_STREQ(a.grad_fn()->name(), "MulBackward0");
    EXPECT_STREQ(b.grad_fn()->name(), "IdentityBackward");
}

TEST(Function, SavingTheOutput) {
    manual_seed(4);
    auto f = [](const std::vector<Tensor>& in) { return ExpFn::apply(in[0]); };
    EXPECT_TRUE(gradcheck_ok(f, {leaf({3})}));
    EXPECT_TRUE(gradgradcheck_ok(f, {leaf({3})}));  // needs the saved output reconnected
    // Saving the output is not a reference cycle.
    std::weak_ptr<Node> node;
    {
        Tensor y = ExpFn::apply(leaf({2}));
        node = y.grad_fn();
    }
    EXPECT_TRUE(node.expired());
}

TEST(Function, InPlaceEditOfASavedTensorIsCaught) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor a = x * 1;
    Tensor y = Cube::apply(a);
    a.mul_(2);
    EXPECT_ERROR(y.sum().backward(), "CubeBackward", "modified by an in-place operation");
    Tensor e = ExpFn::apply(x);
    e.detach().add_(1.0);
    EXPECT_ERROR(e.sum().backward(), "ExpFnBackward", "modified by an in-place operation");
}

TEST(Function, SavedTensorsAreFreedAfterBackward) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor a = x * 1;
    Tensor y = Cube::apply(a);
    EXPECT_GT(a.impl_ptr().use_count(), 1);
    y.sum().backward();
    EXPECT_EQ(a.impl_ptr().use_count(), 1);
    EXPECT_ERROR(y.sum().backward(), "CubeBackward", "second time");
}

}  // namespace
}  // namespace tinydl
