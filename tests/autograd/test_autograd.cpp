// test_autograd.cpp — the tape and the engine (src/autograd/): gradient accumulation, the
// rules of backward() (scalar roots, explicit gradients, retain_graph), grad mode and its
// guards, detach, the version counter that catches in-place edits of saved tensors, in-place
// ops on leaves and views, retain_grad, hooks, tinydl::grad() with create_graph for higher
// orders, very deep graphs, freeing the graph after backward, and gradcheck failing when it
// should.
//
// Not here: per-op gradients (tests/ops/*), user-defined Functions (test_function.cpp).
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::leaf;

Tensor f64(std::initializer_list<double> v) { return tensor(std::vector<double>(v), kFloat64); }
Tensor param(std::initializer_list<double> v) { return f64(v).requires_grad_(true); }
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// ---- accumulation ------------------------------------------------------------------------------------
TEST(Backward, AccumulatesIntoGradAcrossCalls) {
    Tensor x = param({1.0, 2.0});
    (x * x).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4}));
    (x * 3).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 7}));  // += across calls
    // zero_grad, the optimizer way.
    x.mutable_grad().zero_();
    (x * x).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4}));
    x.set_grad(Tensor{});
    EXPECT_FALSE(x.grad().defined());
}

TEST(Backward, ATensorUsedTwiceGetsTheSummedGradient) {
    Tensor x = param({3.0});
    Tensor y = x * x + x;  // dy/dx = 2x + 1
    y.backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{7}));
    // Through a diamond: a = 2x, b = a * a, c = a + b.
    Tensor w = param({1.5});
    Tensor a = w * 2;
    Tensor c = a + a * a;  // dc/dw = 2 + 8w
    c.backward();
    EXPECT_EQ(values(w.grad()), (std::vector<double>{14}));
}

TEST(Backward, LeafGradIsNotAliasedToTheRootGradient) {
    Tensor x = param({1.0, 2.0});
    Tensor g = f64({1.0, 1.0});
    (x + 0).backward(g);
    x.mutable_grad().add_(f64({5.0, 5.0}));  // must not write into g
    EXPECT_EQ(values(g), (std::vector<double>{1, 1}));
    // An expanded gradient is not kept as a (stride-0, overlapping) .grad.
    Tensor y = param({1.0, 2.0, 3.0});
    y.sum().backward();
    y.sum().backward();
    EXPECT_EQ(values(y.grad()), (std::vector<double>{2, 2, 2}));
}

// ---- the rules of backward() ------------------------------------------------------------------------
TEST(Backward, NonScalarNeedsAGradient) {
    Tensor x = param({1.0, 2.0});
    Tensor y = x * 2;
    EXPECT_ERROR(y.backward(), "backward", "grad can be implicitly created only for scalar outputs", "[2]");
    y.backward(f64({1.0, -1.0}));
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, -2}));
    EXPECT_ERROR((x * 2).backward(f64({1.0, 2.0, 3.0})), "backward", "[3]", "[2]");
    // A one-element, non-0-dim output is fine.
    Tensor z = param({4.0});
    (z * z).backward();
    EXPECT_EQ(values(z.grad()), (std::vector<double>{8}));
    // The explicit gradient is cast to the output's dtype.
    Tensor w = param({1.0});
    (w * 5).backward(tensor({2.0f}));
    EXPECT_EQ(values(w.grad()), (std::vector<double>{10}));
}

TEST(Backward, SecondTimeNeedsRetainGraph) {
    Tensor x = param({2.0});
    Tensor y = x * x;
    y.backward();
    EXPECT_ERROR(y.backward(), "MulBackward0", "second time", "retain_graph");
    Tensor z = x.exp();
    z.backward({}, /*retain_graph=*/true);
    z.backward();  // the graph was kept once
    EXPECT_NEAR(x.grad().item<double>(), 4.0 + 2 * std::exp(2.0), 1e-12);
    EXPECT_ERROR(z.backward(), "second time");
}

TEST(Backward, OnATensorThatDoesNotRequireGrad) {
    Tensor x = f64({1.0});
    EXPECT_ERROR(x.backward(), "backward", "does not require grad");
    EXPECT_ERROR((x * 2).backward(), "does not require grad");
    EXPECT_ERROR(tinydl::backward({Tensor{}}), "backward", "undefined");
    Tensor p = param({1.0});
    EXPECT_ERROR(tinydl::backward({p * 2, p * 3}, {f64({1.0})}), "backward", "2 tensors but 1 gradients");
}

TEST(Backward, SeveralRootsAtOnce) {
    Tensor x = param({1.0, 2.0});
    tinydl::backward({(x * 2).sum(), (x * x).sum()});
    EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 6}));
}

TEST(Backward, OnlyTheReachableLeavesChange) {
    Tensor a = param({1.0}), b = param({2.0});
    Tensor ya = a * 3;
    Tensor yb = b * 4;
    ya.backward();
    EXPECT_TRUE(a.grad().defined());
    EXPECT_FALSE(b.grad().defined());
    // Non-leaves do not keep .grad unless asked.
    EXPECT_FALSE(ya.grad().defined());
    (void)yb;
}

// ---- grad mode -----------------------------------------------------------------------------------------
TEST(GradMode, NoGradGuardRecordsNothing) {
    Tensor x = param({1.0});
    {
        NoGradGuard no_grad;
        EXPECT_FALSE(GradMode::is_enabled());
        Tensor y = x * 2 + 1;
        EXPECT_FALSE(y.requires_grad());
        EXPECT_EQ(y.grad_fn(), nullptr);
        {
            EnableGradGuard enable;
            EXPECT_TRUE(GradMode::is_enabled());
            Tensor z = x * 2;
            EXPECT_TRUE(z.requires_grad());
            EXPECT_STREQ(z.grad_fn()->name(), "MulBackward0");
        }
        EXPECT_FALSE(GradMode::is_enabled());
        {
            NoGradGuard nested;
        }
        EXPECT_FALSE(GradMode::is_enabled());  // a nested guard restores what it found
    }
    EXPECT_TRUE(GradMode::is_enabled());
    EXPECT_TRUE((x * 2).requires_grad());
}

TEST(GradMode, IsThreadLocal) {
    Tensor x = param({1.0});
    NoGradGuard no_grad;
    std::atomic<bool> recorded{false};
    std::thread other([&] {
        Tensor y = x * 2;  // grad mode is on in a fresh thread
        recorded = y.requires_grad() && y.grad_fn() != nullptr;
    });
    other.join();
    EXPECT_TRUE(recorded);
    EXPECT_FALSE((x * 2).requires_grad());
}

TEST(GradMode, GuardRestoresOnException) {
    try {
        NoGradGuard no_grad;
        throw Error("boom");
    } catch (const Error&) {
    }
    EXPECT_TRUE(GradMode::is_enabled());
}

// ---- detach and requires_grad -------------------------------------------------------------------------
TEST(Detach, SharesStorageAndCutsHistory) {
    Tensor x = param({1.0, 2.0});
    Tensor y = x * 3;
    Tensor d = y.detach();
    EXPECT_FALSE(d.requires_grad());
    EXPECT_TRUE(d.is_leaf());
    EXPECT_EQ(d.storage(), y.storage());
    EXPECT_EQ(d.data_ptr(), y.data_ptr());
    EXPECT_EQ(d._version(), y._version());
    Tensor z = d * x;  // only x's direct use carries gradient
    z.sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 6}));
    // detach_ in place.
    Tensor w = x * 2;
    w.detach_();
    EXPECT_FALSE(w.requires_grad());
    EXPECT_TRUE(w.is_leaf());
    EXPECT_ERROR(x.select(0, 0).detach_(), "detach_", "view");
}

TEST(RequiresGrad, Rules) {
    Tensor i = tensor({1, 2});
    EXPECT_ERROR(i.requires_grad_(true), "requires_grad_", "only floating-point tensors can require gradients", "int64");
    EXPECT_ERROR(tensor({true}).requires_grad_(), "requires_grad_", "bool");
    i.requires_grad_(false);  // always allowed
    Tensor x = param({1.0});
    Tensor y = x * 2;
    EXPECT_ERROR(y.requires_grad_(false), "requires_grad_", "leaf");
    EXPECT_TRUE(x.is_leaf());
    EXPECT_FALSE(y.is_leaf());
    EXPECT_TRUE(y.requires_grad());
    // Integer results of float inputs never require grad.
    EXPECT_FALSE((x > 0).requires_grad());
}

// ---- the version counter ---------------------------------------------------------------------------------
TEST(VersionCounter, InPlaceEditOfASavedTensorIsCaught) {
    Tensor x = param({1.0, 2.0});
    Tensor a = x * 2;
    Tensor b = a * a;  // MulBackward0 saves a
    a.add_(1.0);
    EXPECT_ERROR(b.sum().backward(), "MulBackward0", "modified by an in-place operation", "version");
    // The same through a view of the saved tensor, which shares the counter.
    Tensor c = x * 1;
    Tensor e = c.exp();  // saves its output
    e.detach().select(0, 0).mul_(2);
    EXPECT_ERROR(e.sum().backward(), "ExpBackward0", "modified by an in-place operation");
    // Writes to unrelated tensors do not trip it.
    Tensor p = x * 3;
    Tensor q = p * p;
    Tensor unrelated = p.clone();
    unrelated.add_(1.0);
    EXPECT_NO_THROW(q.sum().backward());
}

TEST(VersionCounter, CountsEveryInPlaceWrite) {
    Tensor t = zeros({3});
    uint32_t v = t._version();
    t.add_(1);
    t.fill_(2);
    t.zero_();
    t.copy_(ones({3}));
    t.relu_();
    t.select(0, 1).mul_(3);
    EXPECT_EQ(t._version(), v + 6);
    EXPECT_EQ(t.detach()._version(), t._version());
    EXPECT_EQ(t.clone()._version(), 0u);
}

// ---- in-place ops and autograd ----------------------------------------------------------------------------
TEST(Inplace, OnALeafThatRequiresGrad) {
    Tensor w = param({1.0, 2.0});
    EXPECT_ERROR(w.add_(1.0), "add_", "a leaf tensor that requires grad", "in-place");
    EXPECT_ERROR(w.copy_(f64({0.0, 0.0})), "copy_", "leaf");
    EXPECT_ERROR(w.fill_(0.0), "fill_", "leaf");
    {
        NoGradGuard no_grad;
        w.mul_(2);
        w.fill_(3.0);
    }
    EXPECT_EQ(values(w), (std::vector<double>{3, 3}));
}

TEST(Inplace, OnAViewOfATensorThatRequiresGrad) {
    Tensor w = param({1.0, 2.0, 3.0});
    Tensor y = w * 1;
    EXPECT_ERROR(y.select(0, 1).mul_(2), "mul_", "in-place operation on a view", "requires grad");
    EXPECT_ERROR(y.view({3, 1}).add_(1.0), "add_", "view");
    EXPECT_ERROR(w.slice(0, 1).relu_(), "relu_", "view");
    EXPECT_ERROR(y[0].copy_(f64({5.0}).squeeze()), "copy_", "view");
    // Views of tensors that need no gradient may be written.
    Tensor plain = f64({1.0, 2.0});
    plain.select(0, 0).mul_(10);
    EXPECT_EQ(values(plain), (std::vector<double>{10, 2}));
    // ...but not with a value that requires grad: the base's history would be lost, and the
    // gradient of w silently wrong, so it is refused.
    EXPECT_ERROR(plain.slice(0, 1).add_(w.slice(0, 0, 1)), "add_", "view", "requires grad");
}

TEST(Inplace, CopyIntoANonLeafRoutesTheGradientToTheSource) {
    Tensor src = param({1.0, 2.0});
    Tensor dst = param({5.0, 6.0}) * 1;
    dst.copy_(src * 3);
    (dst * f64({1.0, 10.0})).sum().backward();
    EXPECT_EQ(values(src.grad()), (std::vector<double>{3, 30}));
    // Filling a non-leaf turns it into a constant.
    Tensor h = param({1.0}) * 2;
    h.fill_(4.0);
    EXPECT_FALSE(h.requires_grad());
}

// ---- retain_grad and hooks ------------------------------------------------------------------------------------
TEST(RetainGrad, OnANonLeaf) {
    Tensor x = param({1.0, 2.0});
    Tensor y = x * 3;
    y.retain_grad();
    EXPECT_TRUE(y.retains_grad());
    Tensor z = (y * y).sum();
    z.backward({}, true);
    EXPECT_EQ(values(y.grad()), (std::vector<double>{6, 12}));  // dz/dy = 2y
    EXPECT_EQ(values(x.grad()), (std::vector<double>{18, 36}));
    z.backward();
    EXPECT_EQ(values(y.grad()), (std::vector<double>{12, 24}));  // accumulates like a leaf
    EXPECT_ERROR(f64({1.0}).retain_grad(), "retain_grad", "requires_grad=false");
    x.retain_grad();  // a no-op on a leaf
}

TEST(Hooks, OnALeafModifyTheGradient) {
    Tensor x = param({1.0, 2.0});
    std::vector<double> seen;
    const unsigned h1 = x.register_hook([&](const Tensor& g) {
        seen = values(g);
        return Tensor{};  // observe only
    });
    const unsigned h2 = x.register_hook([](const Tensor& g) { return g * 10; });
    (x * 2).sum().backward();
    EXPECT_EQ(seen, (std::vector<double>{2, 2}));
    EXPECT_EQ(values(x.grad()), (std::vector<double>{20, 20}));
    x.remove_hook(h2);
    x.set_grad({});
    (x * 2).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2}));
    x.remove_hook(h1);
    EXPECT_ERROR(x.remove_hook(99), "remove_hook", "99");
    EXPECT_ERROR(f64({1.0}).register_hook([](const Tensor& g) { return g; }), "register_hook", "doesn't require");
}

TEST(Hooks, OnANonLeafChangeWhatFlowsFurther) {
    Tensor x = param({1.0, 2.0});
    Tensor y = x * 2;
    const unsigned h = y.register_hook([](const Tensor& g) { return g * 3; });
    (y * y).sum().backward({}, true);  // dL/dy = 2y = [4, 8], tripled, times dy/dx = 2
    EXPECT_EQ(values(x.grad()), (std::vector<double>{24, 48}));
    y.remove_hook(h);
    x.set_grad({});
    (y * y).sum().backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{8, 16}));
}

// ---- tinydl::grad ----------------------------------------------------------------------------------------------
TEST(Grad, ReturnsGradientsWithoutTouchingDotGrad) {
    Tensor x = param({1.0, 2.0}), w = param({3.0, 4.0});
    Tensor y = (x * w).sum();
    std::vector<Tensor> g = grad({y}, {x, w});
    EXPECT_EQ(values(g[0]), (std::vector<double>{3, 4}));
    EXPECT_EQ(values(g[1]), (std::vector<double>{1, 2}));
    EXPECT_FALSE(x.grad().defined());
    EXPECT_FALSE(w.grad().defined());
    EXPECT_FALSE(g[0].requires_grad());
    // With respect to an intermediate tensor.
    Tensor a = x * 2;
    Tensor b = (a * a).sum();
    EXPECT_EQ(values(grad({b}, {a})[0]), (std::vector<double>{4, 8}));
    // With an explicit output gradient.
    Tensor v = x * x;
    EXPECT_EQ(values(grad({v}, {x}, {f64({1.0, 0.5})})[0]), (std::vector<double>{2, 2}));
}

TEST(Grad, AllowUnused) {
    Tensor x = param({1.0}), unused = param({2.0});
    Tensor y = x * 2;
    EXPECT_ERROR(grad({y}, {x, unused}, {}, true), "grad", "input 1", "not have been used", "allow_unused");
    std::vector<Tensor> g = grad({y}, {x, unused}, {}, std::nullopt, false, /*allow_unused=*/true);
    EXPECT_EQ(values(g[0]), (std::vector<double>{2}));
    EXPECT_FALSE(g[1].defined());
    EXPECT_ERROR(grad({y * 1}, {f64({1.0})}), "grad", "does not require grad");
}

TEST(Grad, SecondDerivativeOfACube) {
    // d/dx x^3 = 3x^2, d2/dx2 = 6x.
    Tensor x = param({-1.0, 0.5, 2.0});
    Tensor y = (x * x * x).sum();
    Tensor g = grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
    EXPECT_TRUE(g.requires_grad());
    EXPECT_EQ(values(g), (std::vector<double>{3, 0.75, 12}));
    Tensor gg = grad({g.sum()}, {x})[0];
    EXPECT_EQ(values(gg), (std::vector<double>{-6, 3, 12}));
    // Third derivative: 6.
    Tensor x2 = param({0.7});
    Tensor g1 = grad({x2 * x2 * x2}, {x2}, {}, std::nullopt, true)[0];
    Tensor g2 = grad({g1}, {x2}, {}, std::nullopt, true)[0];
    Tensor g3 = grad({g2}, {x2})[0];
    EXPECT_NEAR(g3.item<double>(), 6.0, 1e-12);
}

TEST(Grad, GradientOfAGradientNorm) {
    // L = sum(w^3) ; g = dL/dw = 3 w^2 ; P = sum(g^2) = 9 sum(w^4) ; dP/dw = 36 w^3.
    Tensor w = param({0.5, -1.0, 2.0});
    Tensor L = (w * w * w).sum();
    Tensor g = grad({L}, {w}, {}, std::nullopt, true)[0];
    Tensor penalty = (g * g).sum();
    penalty.backward();
    EXPECT_TRUE(allclose(w.grad(), f64({36 * 0.125, -36.0, 36 * 8.0}), 1e-12, 1e-12));
    // backward(create_graph) makes .grad itself differentiable.
    Tensor u = param({1.5});
    (u * u * u).backward({}, std::nullopt, /*create_graph=*/true);
    Tensor du = u.grad();
    EXPECT_TRUE(du.requires_grad());
    EXPECT_EQ(grad({du}, {u})[0].item<double>(), 9.0);  // 6u
    // u.grad's graph saves u itself: a reference cycle u -> grad -> MulBackward -> u, as in
    // PyTorch ("backward() with create_graph=True will create a reference cycle"). Break it as
    // PyTorch advises (param.grad = None), or LeakSanitizer reports the graph.
    u.set_grad(Tensor{});
}

TEST(Grad, HigherOrderThroughSavedOutputs) {
    // tanh, sigmoid, exp save their outputs; their second derivatives need those outputs
    // reconnected to the graph (Note [Saving outputs]).
    Tensor x = param({0.3, -0.8});
    Tensor g = grad({tanh(x).sum()}, {x}, {}, std::nullopt, true)[0];  // 1 - tanh^2
    Tensor gg = grad({g.sum()}, {x})[0];                              // -2 tanh (1 - tanh^2)
    std::vector<double> expected;
    for (double v : {0.3, -0.8}) expected.push_back(-2 * std::tanh(v) * (1 - std::tanh(v) * std::tanh(v)));
    EXPECT_TRUE(allclose(gg, tensor(expected, kFloat64), 1e-12, 1e-12));
    Tensor e = grad({grad({exp(x).sum()}, {x}, {}, std::nullopt, true)[0].sum()}, {x})[0];
    EXPECT_TRUE(allclose(e, exp(x.detach()), 1e-12, 1e-12));
}

// ---- deep graphs and freeing -----------------------------------------------------------------------------------
TEST(Engine, DeepChainDoesNotOverflowTheStack) {
    Tensor x = param({1.0});
    Tensor y = x;
    constexpr int kDepth = 100000;
    for (int i = 0; i < kDepth; ++i) y = (i % 2 == 0) ? y + 1.0 : y * 1.0;
    y.backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{1}));
    EXPECT_EQ(y.item<double>(), 1.0 + kDepth / 2);
    std::weak_ptr<Node> last = y.grad_fn();
    y = Tensor{};  // destroys 100k nodes; must not recurse 100k deep
    EXPECT_TRUE(last.expired());
}

TEST(Engine, DeepChainDestroyedWithoutBackward) {
    Tensor x = param({1.0});
    Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0;  // each node also saves its input
    std::weak_ptr<Node> last = y.grad_fn();
    y = Tensor{};
    EXPECT_TRUE(last.expired());
}

TEST(Engine, GraphAndSavedTensorsAreFreedAfterBackward) {
    Tensor x = param({1.0, 2.0});
    Tensor y = x.exp();  // ExpBackward0 saves y's storage
    EXPECT_EQ(y.storage().use_count(), 2);
    Tensor a = x * 2;
    Tensor b = a * x;  // MulBackward0 saves a and x
    EXPECT_GT(a.impl_ptr().use_count(), 1);
    (y.sum() + b.sum()).backward();
    EXPECT_EQ(y.storage().use_count(), 1);  // the saved copy is released
    EXPECT_EQ(a.impl_ptr().use_count(), 1);
    // Nothing keeps the nodes alive but the tensors that own them: no reference cycles.
    std::weak_ptr<Node> exp_node = y.grad_fn();
    std::weak_ptr<Node> mul_node = b.grad_fn();
    y = Tensor{};
    b = Tensor{};
    EXPECT_TRUE(exp_node.expired());
    EXPECT_TRUE(mul_node.expired());
    // The same without any backward: a node saving its own output (exp) is not a cycle.
    std::weak_ptr<Node> n;
    std::weak_ptr<TensorImpl> out_impl;
    {
        Tensor z = x.exp().tanh().sigmoid();
        n = z.grad_fn();
        out_impl = z.impl_ptr();
    }
    EXPECT_TRUE(n.expired());
    EXPECT_TRUE(out_impl.expired());
    // retain_graph keeps the saved tensors.
    Tensor r = x.exp();
    r.sum().backward({}, true);
    EXPECT_EQ(r.storage().use_count(), 2);
}

TEST(Engine, RetainGradAndHooksDoNotLeak) {
    std::weak_ptr<TensorImpl> weak;
    std::weak_ptr<Node> node;
    Tensor x = param({1.0});
    {
        Tensor y = x * 2;
        y.retain_grad();
        y.register_hook([](const Tensor& g) { return g; });
        weak = y.impl_ptr();
        node = y.grad_fn();
        y.backward();
    }
    EXPECT_TRUE(weak.expired());
    EXPECT_TRUE(node.expired());
}

// ---- gradcheck can fail -------------------------------------------------------------------------------------------
struct WrongSquare : Function<WrongSquare> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
        ctx->save_for_backward({x});
        return x * x;
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        Tensor x = ctx->get_saved_variables()[0];
        return {grad_out[0] * 3 * x};  // should be 2 x
    }
};

// Right first derivative, but computed from a detached x: its own derivative is lost.
struct DetachedSquare : Function<DetachedSquare> {
    static Tensor forward(AutogradContext* ctx, const Tensor& x) {
        ctx->save_for_backward({x});
        return x * x;
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
        Tensor x = ctx->get_saved_variables()[0];
        return {grad_out[0] * 2 * x.detach()};
    }
};

TEST(Gradcheck, FailsOnAWrongBackward) {
    manual_seed(0);
    Tensor a = leaf({3});
    Tensor b = tensor({{0.5, -1.0}, {1.5, 2.0}}).requires_grad_(true);
    GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return (in[0] * 2).sum() + WrongSquare::apply(in[1]); }, {a, b});
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(static_cast<bool>(r));
    EXPECT_NE(r.message.find("input 1"), std::string::npos) << r.message;  // input 0 is right
    EXPECT_NE(r.message.find("[2, 2]"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("element 0"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("analytical"), std::string::npos) << r.message;
    EXPECT_GT(r.max_abs_error, 1e-3);
    // The right function passes, and the perturbed inputs are restored.
    const std::vector<double> before = values(b);
    GradcheckResult ok = gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {b});
    EXPECT_TRUE(ok.ok) << ok.message;
    EXPECT_NE(ok.message.find("ok"), std::string::npos);
    EXPECT_EQ(values(b), before);
    // A first derivative that is right but not differentiable itself: gradcheck passes,
    // gradgradcheck does not.
    auto detached = [](const std::vector<Tensor>& in) { return DetachedSquare::apply(in[0]); };
    EXPECT_TRUE(gradcheck(detached, {a}).ok);
    GradcheckResult gg = gradgradcheck(detached, {a});
    EXPECT_FALSE(gg.ok);
    EXPECT_NE(gg.message.find("input 0"), std::string::npos) << gg.message;
}

TEST(Gradcheck, RefusesNonDoubleInputsAndNothingToCheck) {
    Tensor f = tensor({1.0f}).requires_grad_(true);
    EXPECT_ERROR(gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2; }, {f}), "gradcheck", "float64");
    EXPECT_ERROR(gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2; }, {f64({1.0})}), "gradcheck",
                 "no input requires grad");
}

}  // namespace
}  // namespace tinydl
