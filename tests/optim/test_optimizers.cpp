// test_optimizers.cpp — SGD, Adam, AdamW, RMSprop and Adagrad (src/optim/), driven by one table.
//
// Each row of kCases builds an optimizer with some options and a float64 reference: a plain
// loop over the documented PyTorch formula (written here from the docs, independently of
// src/optim). The problem is a separable quadratic, f(p) = sum(a p^2 / 2 + b p), whose gradient
// a p + b the test sets by hand each step. Every row is checked for:
//   1. five steps vs the reference on a contiguous float64 parameter (the fused CPU loop),
//      a NaN-interleaved non-contiguous one (the tinydl-ops path) and a float32 one;
//   2. a state_dict round trip: three steps, save, load into a fresh optimizer over a copy of
//      the parameter, three more steps on both: bit-identical parameters.
// Below the table: param groups, zero_grad, parameters without gradients, state_dict keys and
// load errors, constructor errors, gradient clipping, and an end-to-end check that every
// optimizer minimises a least-squares loss through real backward() calls.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::noncontiguous_like;
using Vec = std::vector<double>;
using OptimizerPtr = std::unique_ptr<optim::Optimizer>;

// ---- the problem: f(p) = sum(a p^2 / 2 + b p), gradient a p + b -------------------------------------
const Vec kA = {1.0, 2.0, 0.5, 3.0, 0.1};
const Vec kB = {-1.0, 0.5, 2.0, -0.3, 0.0};
// Every gradient stays well away from 0: Adam and RMSprop divide by its running size, so an
// almost-zero gradient (0.1 * 3 - 0.3 rounds differently in float32 and float64) would turn
// rounding noise into a full lr step.
const Vec kP0 = {0.5, -1.5, 2.0, 0.3, -0.7};

Vec ref_grad(const Vec& p) {
    Vec g(p.size());
    for (size_t i = 0; i < p.size(); ++i) g[i] = kA[i] * p[i] + kB[i];
    return g;
}

// Sets p.grad() = a p + b, computed with tinydl ops in p's dtype.
void set_quadratic_grad(const Tensor& p) {
    NoGradGuard no_grad;
    const Tensor a = tensor(kA, kFloat64).to(p.dtype()), b = tensor(kB, kFloat64).to(p.dtype());
    p.set_grad(a * p.detach() + b);
}

// ---- float64 references: the formulas of the PyTorch docs, element by element ----------------------
using RefStep = std::function<void(Vec& p, const Vec& grad)>;

RefStep ref_sgd(double lr, double momentum = 0, double dampening = 0, double wd = 0, bool nesterov = false,
                bool maximize = false) {
    auto buf = std::make_shared<Vec>();
    return [=](Vec& p, const Vec& grad) {
        const bool first = buf->empty();
        if (first) buf->resize(p.size());
        for (size_t i = 0; i < p.size(); ++i) {
            double g = maximize ? -grad[i] : grad[i];
            if (wd != 0) g += wd * p[i];
            if (momentum != 0) {
                (*buf)[i] = first ? g : momentum * (*buf)[i] + (1 - dampening) * g;
                g = nesterov ? g + momentum * (*buf)[i] : (*buf)[i];
            }
            p[i] -= lr * g;
        }
    };
}

RefStep ref_adam(double lr, double beta1, double beta2, double eps, double wd, bool amsgrad, bool maximize,
                 bool decoupled) {
    struct State {
        Vec m, v, v_max;
        int t = 0;
    };
    auto s = std::make_shared<State>();
    return [=](Vec& p, const Vec& grad) {
        if (s->t == 0) s->m = s->v = s->v_max = Vec(p.size(), 0.0);
        const int t = ++s->t;
        const double bc1 = 1 - std::pow(beta1, t), bc2 = 1 - std::pow(beta2, t);
        for (size_t i = 0; i < p.size(); ++i) {
            double g = maximize ? -grad[i] : grad[i];
            if (wd != 0 && !decoupled) g += wd * p[i];
            if (wd != 0 && decoupled) p[i] *= 1 - lr * wd;
            s->m[i] = beta1 * s->m[i] + (1 - beta1) * g;
            s->v[i] = beta2 * s->v[i] + (1 - beta2) * g * g;
            double v_hat = s->v[i];
            if (amsgrad) v_hat = s->v_max[i] = std::max(s->v_max[i], s->v[i]);
            p[i] -= lr / bc1 * s->m[i] / (std::sqrt(v_hat) / std::sqrt(bc2) + eps);
        }
    };
}

RefStep ref_rmsprop(double lr, double alpha = 0.99, double eps = 1e-8, double wd = 0, double momentum = 0,
                    bool centered = false, bool maximize = false) {
    struct State {
        Vec v, a, buf;
    };
    auto s = std::make_shared<State>();
    return [=](Vec& p, const Vec& grad) {
        if (s->v.empty()) s->v = s->a = s->buf = Vec(p.size(), 0.0);
        for (size_t i = 0; i < p.size(); ++i) {
            double g = maximize ? -grad[i] : grad[i];
            if (wd != 0) g += wd * p[i];
            s->v[i] = alpha * s->v[i] + (1 - alpha) * g * g;
            double avg;
            if (centered) {
                s->a[i] = alpha * s->a[i] + (1 - alpha) * g;
                avg = std::sqrt(s->v[i] - s->a[i] * s->a[i]) + eps;
            } else {
                avg = std::sqrt(s->v[i]) + eps;
            }
            if (momentum > 0) {
                s->buf[i] = momentum * s->buf[i] + g / avg;
                p[i] -= lr * s->buf[i];
            } else {
                p[i] -= lr * g / avg;
            }
        }
    };
}

RefStep ref_adagrad(double lr, double lr_decay = 0, double wd = 0, double init_acc = 0, double eps = 1e-10,
                    bool maximize = false) {
    struct State {
        Vec sum;
        int t = 0;
    };
    auto s = std::make_shared<State>();
    return [=](Vec& p, const Vec& grad) {
        if (s->t == 0) s->sum = Vec(p.size(), init_acc);
        const int t = ++s->t;
        const double clr = lr / (1 + (t - 1) * lr_decay);
        for (size_t i = 0; i < p.size(); ++i) {
            double g = maximize ? -grad[i] : grad[i];
            if (wd != 0) g += wd * p[i];
            s->sum[i] += g * g;
            p[i] -= clr * g / (std::sqrt(s->sum[i]) + eps);
        }
    };
}

// ---- the table ----------------------------------------------------------------------------------------
struct Case {
    const char* name;
    std::function<OptimizerPtr(std::vector<Tensor>)> make;
    std::function<RefStep()> reference;
};

template <typename O, typename Options> std::function<OptimizerPtr(std::vector<Tensor>)> make(Options options) {
    return [options](std::vector<Tensor> params) { return std::make_unique<O>(std::move(params), options); };
}

using optim::AdagradOptions;
using optim::AdamOptions;
using optim::AdamWOptions;
using optim::RMSpropOptions;
using optim::SGDOptions;

const Case kCases[] = {
    // name                       optimizer                                                       reference
    {"sgd", make<optim::SGD>(SGDOptions(0.1)), [] { return ref_sgd(0.1); }},
    {"sgd_momentum", make<optim::SGD>(SGDOptions(0.1).momentum(0.9)), [] { return ref_sgd(0.1, 0.9); }},
    {"sgd_dampening", make<optim::SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.3)),
     [] { return ref_sgd(0.1, 0.9, 0.3); }},
    {"sgd_nesterov", make<optim::SGD>(SGDOptions(0.1).momentum(0.8).nesterov(true)),
     [] { return ref_sgd(0.1, 0.8, 0, 0, true); }},
    {"sgd_weight_decay", make<optim::SGD>(SGDOptions(0.1).weight_decay(0.05)), [] { return ref_sgd(0.1, 0, 0, 0.05); }},
    {"sgd_maximize", make<optim::SGD>(SGDOptions(0.05).maximize(true)),
     [] { return ref_sgd(0.05, 0, 0, 0, false, true); }},
    {"sgd_everything", make<optim::SGD>(SGDOptions(0.05).momentum(0.7).dampening(0.1).weight_decay(0.02).maximize(true)),
     [] { return ref_sgd(0.05, 0.7, 0.1, 0.02, false, true); }},
    {"adam", make<optim::Adam>(AdamOptions(0.1)), [] { return ref_adam(0.1, 0.9, 0.999, 1e-8, 0, false, false, false); }},
    {"adam_weight_decay", make<optim::Adam>(AdamOptions(0.1).weight_decay(0.1)),
     [] { return ref_adam(0.1, 0.9, 0.999, 1e-8, 0.1, false, false, false); }},
    {"adam_amsgrad", make<optim::Adam>(AdamOptions(0.1).amsgrad(true)),
     [] { return ref_adam(0.1, 0.9, 0.999, 1e-8, 0, true, false, false); }},
    {"adam_maximize", make<optim::Adam>(AdamOptions(0.02).maximize(true)),
     [] { return ref_adam(0.02, 0.9, 0.999, 1e-8, 0, false, true, false); }},
    // beta1 < 0.5 takes lerp's other branch (weight 1 - beta1 >= 0.5); a large eps shows in denom.
    {"adam_small_beta1_eps", make<optim::Adam>(AdamOptions(0.1).betas({0.3, 0.9}).eps(0.1)),
     [] { return ref_adam(0.1, 0.3, 0.9, 0.1, 0, false, false, false); }},
    {"adamw", make<optim::AdamW>(AdamWOptions(0.1)), [] { return ref_adam(0.1, 0.9, 0.999, 1e-8, 1e-2, false, false, true); }},
    {"adamw_amsgrad_decay", make<optim::AdamW>(AdamWOptions(0.1).weight_decay(0.3).amsgrad(true)),
     [] { return ref_adam(0.1, 0.9, 0.999, 1e-8, 0.3, true, false, true); }},
    {"rmsprop", make<optim::RMSprop>(RMSpropOptions(0.01)), [] { return ref_rmsprop(0.01); }},
    {"rmsprop_centered", make<optim::RMSprop>(RMSpropOptions(0.01).centered(true)),
     [] { return ref_rmsprop(0.01, 0.99, 1e-8, 0, 0, true); }},
    {"rmsprop_momentum", make<optim::RMSprop>(RMSpropOptions(0.01).momentum(0.9)),
     [] { return ref_rmsprop(0.01, 0.99, 1e-8, 0, 0.9); }},
    {"rmsprop_everything",
     make<optim::RMSprop>(RMSpropOptions(0.02).alpha(0.9).eps(1e-3).weight_decay(0.1).momentum(0.5).centered(true)),
     [] { return ref_rmsprop(0.02, 0.9, 1e-3, 0.1, 0.5, true); }},
    {"rmsprop_maximize", make<optim::RMSprop>(RMSpropOptions(0.01).maximize(true)),
     [] { return ref_rmsprop(0.01, 0.99, 1e-8, 0, 0, false, true); }},
    {"adagrad", make<optim::Adagrad>(AdagradOptions(0.1)), [] { return ref_adagrad(0.1); }},
    {"adagrad_lr_decay", make<optim::Adagrad>(AdagradOptions(0.1).lr_decay(0.5)), [] { return ref_adagrad(0.1, 0.5); }},
    {"adagrad_everything",
     make<optim::Adagrad>(AdagradOptions(0.1).weight_decay(0.2).initial_accumulator_value(0.3).eps(1e-3).maximize(true)),
     [] { return ref_adagrad(0.1, 0, 0.2, 0.3, 1e-3, true); }},
};

enum class Layout { Contiguous, NonContiguous };

Tensor make_param(DType dtype, Layout layout) {
    Tensor p0 = tensor(kP0, kFloat64).to(dtype);
    Tensor p = layout == Layout::Contiguous ? p0.clone() : noncontiguous_like(p0);
    return p.requires_grad_(true);
}

void check_case_against_reference(const Case& c, DType dtype, Layout layout) {
    const double rtol = dtype == kFloat64 ? 1e-12 : 1e-5, atol = dtype == kFloat64 ? 1e-14 : 1e-6;
    Tensor p = make_param(dtype, layout);
    ASSERT_EQ(p.is_contiguous(), layout == Layout::Contiguous);
    OptimizerPtr opt = c.make({p});
    RefStep ref = c.reference();
    Vec expected = kP0;
    for (int step = 1; step <= 5; ++step) {
        set_quadratic_grad(p);
        opt->step();
        ref(expected, ref_grad(expected));
        ASSERT_TRUE(allclose(p, tensor(expected, kFloat64), rtol, atol))
            << c.name << ", " << p.dtype() << (layout == Layout::Contiguous ? " contiguous" : " non-contiguous")
            << ", after step " << step;
    }
    EXPECT_EQ(p.dtype(), dtype);
    EXPECT_EQ(p.is_contiguous(), layout == Layout::Contiguous);  // updated in place, not replaced
}

TEST(OptimizerTable, Float64ContiguousMatchesReference) {
    for (const Case& c : kCases) check_case_against_reference(c, kFloat64, Layout::Contiguous);
}

TEST(OptimizerTable, Float64NonContiguousMatchesReference) {
    for (const Case& c : kCases) check_case_against_reference(c, kFloat64, Layout::NonContiguous);
}

TEST(OptimizerTable, Float32MatchesReference) {
    for (const Case& c : kCases) {
        check_case_against_reference(c, kFloat32, Layout::Contiguous);
        check_case_against_reference(c, kFloat32, Layout::NonContiguous);
    }
}

// The two code paths agree: the same optimizer on a contiguous and a non-contiguous copy of
// one float32 parameter, within a few float32 ulps after 5 steps.
TEST(OptimizerTable, FusedAndUnfusedPathsAgree) {
    for (const Case& c : kCases) {
        Tensor a = make_param(kFloat32, Layout::Contiguous), b = make_param(kFloat32, Layout::NonContiguous);
        OptimizerPtr oa = c.make({a}), ob = c.make({b});
        for (int step = 0; step < 5; ++step) {
            set_quadratic_grad(a);
            set_quadratic_grad(b);
            oa->step();
            ob->step();
        }
        EXPECT_TRUE(allclose(a, b, 1e-6, 1e-7)) << c.name;
    }
}

// The same on a parameter large enough for the fused loop to be split across threads.
TEST(OptimizerTable, ThreadedFusedLoopsMatchTheOpsPath) {
    const int threads = get_num_threads();
    set_num_threads(2);
    manual_seed(1);
    const int64_t n = 20000;  // above the fused loop's grain (8192): two chunks
    const Tensor a = rand({n}) + 0.5, b = randn({n}), p0 = randn({n});
    for (const Case& c : kCases) {
        Tensor x = p0.clone().requires_grad_(true), y = noncontiguous_like(p0).requires_grad_(true);
        OptimizerPtr ox = c.make({x}), oy = c.make({y});
        for (int step = 0; step < 3; ++step) {
            NoGradGuard no_grad;
            x.set_grad(a * x.detach() + b);
            y.set_grad(a * y.detach() + b);
            ox->step();
            oy->step();
        }
        EXPECT_TRUE(allclose(x, y, 1e-5, 1e-6)) << c.name;
    }
    set_num_threads(threads);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) { return a.to_vector<double>() == b.to_vector<double>(); }

TEST(OptimizerTable, StateDictRoundTripIsBitExact) {
    for (const Case& c : kCases) {
        for (DType dtype : {kFloat64, kFloat32}) {
            Tensor p = make_param(dtype, Layout::Contiguous);
            OptimizerPtr opt = c.make({p});
            for (int step = 0; step < 3; ++step) {
                set_quadratic_grad(p);
                opt->step();
            }
            const StateDict saved = opt->state_dict();
            Tensor q = p.detach().clone().requires_grad_(true);
            OptimizerPtr fresh = c.make({q});
            fresh->load_state_dict(saved);
            for (int step = 0; step < 3; ++step) {
                set_quadratic_grad(p);
                set_quadratic_grad(q);
                opt->step();
                fresh->step();
            }
            EXPECT_TRUE(bitwise_equal(p, q)) << c.name << " " << dtype;
            // The saved dict was a snapshot: the later steps did not change it.
            EXPECT_TRUE(bitwise_equal(saved.at("param_groups.0.lr"), tensor(opt->get_lr(), kFloat64))) << c.name;
        }
    }
}

// ---- update details --------------------------------------------------------------------------------
TEST(Optimizer, StepBumpsTheVersionCounter) {
    // A tensor saved for backward before the update must be seen as modified afterwards.
    for (const Case& c : kCases) {
        Tensor p = make_param(kFloat32, Layout::Contiguous);
        OptimizerPtr opt = c.make({p});
        set_quadratic_grad(p);
        const uint32_t before = p._version();
        opt->step();
        EXPECT_GT(p._version(), before) << c.name;
    }
}

TEST(Optimizer, ParametersWithoutGradientAreSkipped) {
    for (const Case& c : kCases) {
        Tensor p = make_param(kFloat64, Layout::Contiguous), idle = make_param(kFloat64, Layout::Contiguous);
        OptimizerPtr opt = c.make({p, idle});
        set_quadratic_grad(p);
        opt->step();
        opt->step();
        EXPECT_TRUE(bitwise_equal(idle, tensor(kP0, kFloat64))) << c.name;
        EXPECT_FALSE(bitwise_equal(p, tensor(kP0, kFloat64))) << c.name;
    }
    // Lazily-initialised state stays empty for such a parameter (Adagrad fills it eagerly).
    Tensor p = make_param(kFloat64, Layout::Contiguous), idle = make_param(kFloat64, Layout::Contiguous);
    optim::Adam adam({p, idle});
    set_quadratic_grad(p);
    adam.step();
    EXPECT_EQ(adam.state(0).size(), 3u);
    EXPECT_TRUE(adam.state(1).empty());
}

TEST(Optimizer, AdamStepCountIsPerParameter) {
    // A parameter that joins late starts its own bias correction at t = 1.
    Tensor p = make_param(kFloat64, Layout::Contiguous), late = make_param(kFloat64, Layout::Contiguous);
    optim::Adam adam({p, late}, AdamOptions(0.1));
    RefStep ref_late = ref_adam(0.1, 0.9, 0.999, 1e-8, 0, false, false, false);
    Vec expected = kP0;
    set_quadratic_grad(p);
    adam.step();
    adam.step();
    for (int step = 0; step < 2; ++step) {
        set_quadratic_grad(late);
        adam.step();
        ref_late(expected, ref_grad(expected));
    }
    EXPECT_TRUE(allclose(late, tensor(expected, kFloat64), 1e-12, 1e-14));
    EXPECT_EQ(adam.state(0).at("step").item<double>(), 4.0);
    EXPECT_EQ(adam.state(1).at("step").item<double>(), 2.0);
}

TEST(Optimizer, SGDMomentumBufferStartsAtTheFirstGradient) {
    // No dampening on the first step: buf = g, even with dampening = 0.5.
    Tensor p = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
    optim::SGD sgd({p}, SGDOptions(1.0).momentum(0.9).dampening(0.5));
    p.set_grad(tensor({0.5, -1.0}, kFloat64));
    sgd.step();
    EXPECT_TRUE(allclose(sgd.state(0).at("momentum_buffer"), tensor({0.5, -1.0}, kFloat64), 0, 0));
    EXPECT_TRUE(allclose(p, tensor({0.5, 3.0}, kFloat64), 0, 0));
    sgd.step();  // buf = 0.9 buf + 0.5 g
    EXPECT_TRUE(allclose(sgd.state(0).at("momentum_buffer"), tensor({0.7, -1.4}, kFloat64), 1e-15, 1e-15));
    EXPECT_TRUE(allclose(p, tensor({-0.2, 4.4}, kFloat64), 1e-15, 1e-15));
    // Without momentum there is no state at all.
    Tensor q = tensor({1.0}, kFloat64).requires_grad_(true);
    optim::SGD plain({q}, SGDOptions(0.1));
    q.set_grad(tensor({1.0}, kFloat64));
    plain.step();
    EXPECT_TRUE(plain.state(0).empty());
}

TEST(Optimizer, AdamFirstStepMovesEachElementByLr) {
    // With bias correction, m_hat / sqrt(v_hat) = g / |g| at t = 1: every element moves by lr
    // (minus eps's tiny share) against the sign of its gradient, whatever the gradient's scale.
    Tensor p = tensor({0.0, 0.0, 0.0}, kFloat64).requires_grad_(true);
    optim::Adam adam({p}, AdamOptions(0.01));
    p.set_grad(tensor({1e-3, -50.0, 7.0}, kFloat64));
    adam.step();
    EXPECT_TRUE(allclose(p, tensor({-0.01, 0.01, -0.01}, kFloat64), 1e-4, 0));
}

// ---- param groups ------------------------------------------------------------------------------------
TEST(Optimizer, ParamGroupsHaveTheirOwnOptions) {
    Tensor body = make_param(kFloat64, Layout::Contiguous), head = make_param(kFloat64, Layout::Contiguous);
    optim::SGD sgd({optim::ParamGroup({body}), optim::ParamGroup({head}, SGDOptions(0.01))},
                   SGDOptions(0.1).momentum(0.9));
    ASSERT_EQ(sgd.num_param_groups(), 2u);
    EXPECT_EQ(sgd.get_lr(0), 0.1);
    EXPECT_EQ(sgd.get_lr(1), 0.01);
    RefStep ref_body = ref_sgd(0.1, 0.9), ref_head = ref_sgd(0.01);  // group options replace all defaults
    Vec e_body = kP0, e_head = kP0;
    for (int step = 0; step < 4; ++step) {
        set_quadratic_grad(body);
        set_quadratic_grad(head);
        sgd.step();
        ref_body(e_body, ref_grad(e_body));
        ref_head(e_head, ref_grad(e_head));
    }
    EXPECT_TRUE(allclose(body, tensor(e_body, kFloat64), 1e-12, 1e-14));
    EXPECT_TRUE(allclose(head, tensor(e_head, kFloat64), 1e-12, 1e-14));

    sgd.set_lr(1, 0.5);
    EXPECT_EQ(sgd.get_lr(0), 0.1);
    EXPECT_EQ(sgd.get_lr(1), 0.5);
    sgd.set_lr(0.2);
    EXPECT_EQ(sgd.get_lr(0), 0.2);
    EXPECT_EQ(sgd.get_lr(1), 0.2);
    EXPECT_ERROR(sgd.get_lr(2), "param group 2 does not exist", "has 2");
    EXPECT_ERROR(sgd.set_lr(5, 0.1), "param group 5");

    // add_param_group: the new parameter takes the next flat index.
    Tensor extra = make_param(kFloat64, Layout::Contiguous);
    sgd.add_param_group(optim::ParamGroup({extra}, SGDOptions(0.3).momentum(0.5)));
    EXPECT_EQ(sgd.num_param_groups(), 3u);
    EXPECT_EQ(sgd.parameters().size(), 3u);
    EXPECT_TRUE(sgd.parameters()[2].is_same(extra));
    set_quadratic_grad(extra);
    sgd.step();
    EXPECT_TRUE(sgd.state(2).count("momentum_buffer"));
    const StateDict sd = sgd.state_dict();
    EXPECT_EQ(sd.at("param_groups.2.params").to_vector<int64_t>(), std::vector<int64_t>{2});
    EXPECT_EQ(sd.at("param_groups.2.momentum").item<double>(), 0.5);
    EXPECT_EQ(sd.at("param_groups.1.momentum").item<double>(), 0.0);
}

TEST(Optimizer, ParamGroupErrors) {
    Tensor a = make_param(kFloat64, Layout::Contiguous), b = make_param(kFloat64, Layout::Contiguous);
    EXPECT_ERROR(optim::SGD({optim::ParamGroup({a}), optim::ParamGroup({a})}),
                 "some parameters appear in more than one parameter group");
    EXPECT_ERROR(optim::SGD({a, b, a}), "more than one parameter group");
    EXPECT_ERROR(optim::SGD({optim::ParamGroup({a}), optim::ParamGroup({b}, AdamOptions())}), "SGD", "param group 1",
                 "options of another optimizer; give it SGDOptions");
    optim::SGD sgd({a});
    EXPECT_ERROR(sgd.add_param_group(optim::ParamGroup({a})), "more than one parameter group");
    EXPECT_ERROR(sgd.add_param_group(optim::ParamGroup({b}, SGDOptions(-1.0))), "Invalid learning rate: -1");
    EXPECT_EQ(sgd.num_param_groups(), 1u);  // a failed add changes nothing
    // Growing a group behind the optimizer's back would shift the state's flat indices.
    sgd.param_groups()[0].params.push_back(b);
    EXPECT_ERROR(sgd.step(), "SGD.step", "the param groups now hold 2 parameters", "add_param_group");
    EXPECT_ERROR(sgd.state_dict(), "SGD.state_dict");
}

// ---- zero_grad ---------------------------------------------------------------------------------------
TEST(Optimizer, ZeroGradSetToNoneDropsTheGradient) {
    Tensor p = make_param(kFloat32, Layout::Contiguous);
    optim::Adam adam({p});
    set_quadratic_grad(p);
    adam.zero_grad();
    EXPECT_FALSE(p.grad().defined());
    adam.step();  // nothing to do: no gradient
    EXPECT_TRUE(adam.state(0).empty());
}

TEST(Optimizer, ZeroGradInPlaceKeepsTheTensor) {
    Tensor p = make_param(kFloat32, Layout::Contiguous);
    optim::SGD sgd({p});
    set_quadratic_grad(p);
    const Tensor grad = p.grad();
    sgd.zero_grad(/*set_to_none=*/false);
    ASSERT_TRUE(p.grad().defined());
    EXPECT_TRUE(p.grad().is_same(grad));
    EXPECT_TRUE(allclose(p.grad(), zeros({5}), 0, 0));
    // The next backward accumulates into the zeroed gradient.
    (p * p).sum().backward();
    EXPECT_TRUE(allclose(p.grad(), 2 * p.detach(), 1e-6, 1e-6));
}

TEST(Optimizer, ZeroGradInPlaceCutsAGradientWithHistory) {
    Tensor p = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
    optim::SGD sgd({p});
    (p * p * p).sum().backward({}, std::nullopt, /*create_graph=*/true);
    ASSERT_TRUE(p.grad().requires_grad());
    sgd.zero_grad(false);
    EXPECT_FALSE(p.grad().requires_grad());
    EXPECT_TRUE(allclose(p.grad(), zeros({2}, kFloat64), 0, 0));
}

// ---- construction errors ---------------------------------------------------------------------------------
TEST(Optimizer, ConstructionErrors) {
    EXPECT_ERROR(optim::SGD(std::vector<Tensor>{}), "SGD", "optimizer got an empty parameter list");
    EXPECT_ERROR(optim::Adam(std::vector<Tensor>{}), "Adam", "optimizer got an empty parameter list");
    EXPECT_ERROR(optim::SGD({optim::ParamGroup(std::vector<Tensor>{})}), "optimizer got an empty parameter list");

    Tensor frozen = tensor({1.0, 2.0});
    EXPECT_ERROR(optim::SGD({frozen}), "parameter 0 of param group 0", "does not require grad");
    Tensor w = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor non_leaf = w * 2;
    EXPECT_ERROR(optim::SGD({non_leaf}), "can't optimize a non-leaf Tensor", "MulBackward0");
    EXPECT_ERROR(optim::SGD({w, Tensor()}), "parameter 1 of param group 0 is an undefined tensor");

    EXPECT_ERROR(optim::SGD({w}, SGDOptions(-0.1)), "SGD", "Invalid learning rate: -0.1");
    EXPECT_ERROR(optim::SGD({w}, SGDOptions(0.1).momentum(-1)), "Invalid momentum value: -1");
    EXPECT_ERROR(optim::SGD({w}, SGDOptions(0.1).weight_decay(-1)), "Invalid weight_decay value: -1");
    EXPECT_ERROR(optim::SGD({w}, SGDOptions(0.1).nesterov(true)), "Nesterov momentum requires a momentum and zero dampening");
    EXPECT_ERROR(optim::SGD({w}, SGDOptions(0.1).nesterov(true).momentum(0.9).dampening(0.1)),
                 "Nesterov momentum requires a momentum and zero dampening");
    EXPECT_ERROR(optim::Adam({w}, AdamOptions(0.1).betas({1.0, 0.999})), "Adam", "Invalid beta parameter at index 0: 1");
    EXPECT_ERROR(optim::Adam({w}, AdamOptions(0.1).betas({0.9, -0.5})), "Invalid beta parameter at index 1: -0.5");
    EXPECT_ERROR(optim::Adam({w}, AdamOptions(0.1).eps(-1)), "Invalid epsilon value: -1");
    EXPECT_ERROR(optim::AdamW({w}, AdamWOptions(-1)), "AdamW", "Invalid learning rate");
    EXPECT_ERROR(optim::RMSprop({w}, RMSpropOptions(0.1).alpha(-1)), "RMSprop", "Invalid alpha value: -1");
    EXPECT_ERROR(optim::RMSprop({w}, RMSpropOptions(0.1).momentum(-1)), "Invalid momentum value");
    EXPECT_ERROR(optim::Adagrad({w}, AdagradOptions(0.1).lr_decay(-1)), "Adagrad", "Invalid lr_decay value: -1");
    EXPECT_ERROR(optim::Adagrad({w}, AdagradOptions(0.1).initial_accumulator_value(-1)),
                 "Invalid initial_accumulator_value value: -1");
}

TEST(Optimizer, DefaultsMatchPyTorch) {
    EXPECT_EQ(SGDOptions().lr(), 1e-3);
    EXPECT_EQ(AdamOptions().lr(), 1e-3);
    EXPECT_EQ(AdamOptions().betas(), std::make_pair(0.9, 0.999));
    EXPECT_EQ(AdamOptions().eps(), 1e-8);
    EXPECT_EQ(AdamOptions().weight_decay(), 0.0);
    EXPECT_EQ(AdamWOptions().weight_decay(), 1e-2);
    EXPECT_EQ(RMSpropOptions().lr(), 1e-2);
    EXPECT_EQ(RMSpropOptions().alpha(), 0.99);
    EXPECT_EQ(RMSpropOptions().eps(), 1e-8);
    EXPECT_EQ(AdagradOptions().lr(), 1e-2);
    EXPECT_EQ(AdagradOptions().eps(), 1e-10);
}

// ---- state_dict ----------------------------------------------------------------------------------------
TEST(OptimizerStateDict, KeysAndValuesFollowPyTorch) {
    Tensor a = make_param(kFloat32, Layout::Contiguous), b = tensor({1.0f, 2.0f}).requires_grad_(true);
    optim::Adam adam({optim::ParamGroup({a}), optim::ParamGroup({b}, AdamOptions(0.5).amsgrad(true))},
                     AdamOptions(0.1).betas({0.8, 0.99}));
    set_quadratic_grad(a);
    b.set_grad(tensor({1.0f, 1.0f}));
    adam.step();
    adam.step();
    const StateDict sd = adam.state_dict();
    std::vector<std::string> keys;
    for (const auto& [k, v] : sd) keys.push_back(k);
    const std::vector<std::string> expected = {
        "param_groups.0.amsgrad", "param_groups.0.betas",  "param_groups.0.eps",    "param_groups.0.lr",
        "param_groups.0.maximize", "param_groups.0.params", "param_groups.0.weight_decay",
        "param_groups.1.amsgrad", "param_groups.1.betas",  "param_groups.1.eps",    "param_groups.1.lr",
        "param_groups.1.maximize", "param_groups.1.params", "param_groups.1.weight_decay",
        "state.0.exp_avg",         "state.0.exp_avg_sq",    "state.0.step",
        "state.1.exp_avg",         "state.1.exp_avg_sq",    "state.1.max_exp_avg_sq", "state.1.step"};
    EXPECT_EQ(keys, expected);
    EXPECT_EQ(sd.at("state.0.step").dim(), 0);
    EXPECT_EQ(sd.at("state.0.step").dtype(), kFloat64);
    EXPECT_EQ(sd.at("state.0.step").item<double>(), 2.0);
    EXPECT_EQ(sd.at("state.0.exp_avg").dtype(), kFloat32);
    EXPECT_EQ(sd.at("state.1.exp_avg").sizes(), b.sizes());
    EXPECT_EQ(sd.at("param_groups.0.lr").dim(), 0);
    EXPECT_EQ(sd.at("param_groups.0.lr").dtype(), kFloat64);
    EXPECT_EQ(sd.at("param_groups.1.lr").item<double>(), 0.5);
    EXPECT_EQ(sd.at("param_groups.0.betas").to_vector<double>(), (Vec{0.8, 0.99}));
    EXPECT_EQ(sd.at("param_groups.1.amsgrad").item<double>(), 1.0);
    EXPECT_EQ(sd.at("param_groups.0.params").dtype(), kInt64);
    EXPECT_EQ(sd.at("param_groups.1.params").to_vector<int64_t>(), std::vector<int64_t>{1});
    // A copy, not an alias of the live state.
    EXPECT_FALSE(sd.at("state.0.exp_avg").storage() == adam.state(0).at("exp_avg").storage());
}

TEST(OptimizerStateDict, LoadReplacesHyperParameters) {
    // As PyTorch: the loaded param_groups' options win over those the optimizer was built with.
    Tensor p = make_param(kFloat64, Layout::Contiguous), q = make_param(kFloat64, Layout::Contiguous);
    optim::SGD saved({p}, SGDOptions(0.1).momentum(0.9).nesterov(true));
    optim::SGD loaded({q}, SGDOptions(0.5));
    loaded.load_state_dict(saved.state_dict());
    EXPECT_EQ(loaded.get_lr(), 0.1);
    const auto& o = static_cast<const SGDOptions&>(*loaded.param_groups()[0].options);
    EXPECT_EQ(o.momentum(), 0.9);
    EXPECT_TRUE(o.nesterov());
}

TEST(OptimizerStateDict, AdagradStateExistsFromConstruction) {
    Tensor p = make_param(kFloat32, Layout::Contiguous);
    optim::Adagrad adagrad({p}, AdagradOptions(0.1).initial_accumulator_value(0.25));
    const StateDict sd = adagrad.state_dict();
    EXPECT_EQ(sd.at("state.0.step").item<double>(), 0.0);
    EXPECT_TRUE(allclose(sd.at("state.0.sum"), full({5}, 0.25), 0, 0));
}

TEST(OptimizerStateDict, LoadConvertsStateToTheParameterDtype) {
    Tensor p = make_param(kFloat64, Layout::Contiguous);
    optim::Adam a64({p});
    set_quadratic_grad(p);
    a64.step();
    Tensor q = make_param(kFloat32, Layout::Contiguous);
    optim::Adam a32({q});
    a32.load_state_dict(a64.state_dict());
    EXPECT_EQ(a32.state(0).at("exp_avg").dtype(), kFloat32);
    EXPECT_EQ(a32.state(0).at("step").dtype(), kFloat64);
    set_quadratic_grad(q);
    a32.step();  // runs (and takes the fused float32 path)
    EXPECT_EQ(a32.state(0).at("step").item<double>(), 2.0);
}

TEST(OptimizerStateDict, LoadErrorsNameTheKeyAndChangeNothing) {
    Tensor p = make_param(kFloat64, Layout::Contiguous), b = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
    optim::Adam adam({p, b}, AdamOptions(0.1));
    set_quadratic_grad(p);
    b.set_grad(tensor({1.0, 1.0}, kFloat64));
    adam.step();
    const StateDict good = adam.state_dict();

    Tensor p2 = make_param(kFloat64, Layout::Contiguous), b2 = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
    optim::Adam target({p2, b2}, AdamOptions(0.7));
    auto expect_unchanged = [&] {
        EXPECT_EQ(target.get_lr(), 0.7);
        EXPECT_TRUE(target.state(0).empty());
    };

    StateDict bad = good;
    bad["state.0.exp_avg"] = zeros({3}, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "Adam.load_state_dict", "size mismatch for \"state.0.exp_avg\"", "[3]", "[5]");
    expect_unchanged();

    bad = good;
    bad.erase("state.1.exp_avg_sq");
    EXPECT_ERROR(target.load_state_dict(bad), "Missing key(s) in state_dict: \"state.1.exp_avg_sq\"");
    expect_unchanged();

    bad = good;
    bad["state.0.momentum_buffer"] = zeros({5}, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "Unexpected key(s) in state_dict: \"state.0.momentum_buffer\"");

    bad = good;
    bad["state.7.exp_avg"] = zeros({5}, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "\"state.7.exp_avg\" refers to parameter 7", "has 2 parameters");

    bad = good;
    bad.erase("param_groups.0.eps");
    EXPECT_ERROR(target.load_state_dict(bad), "Missing key(s) in state_dict: \"param_groups.0.eps\"");

    bad = good;
    bad["param_groups.0.momentum"] = scalar_tensor(0.9, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "Unexpected key(s) in state_dict: \"param_groups.0.momentum\"");

    bad = good;
    bad["param_groups.0.lr"] = scalar_tensor(-1.0, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "Invalid learning rate: -1");

    bad = good;
    bad["param_groups.1.lr"] = scalar_tensor(0.1, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "different number of parameter groups", "2 in the state dict vs 1");

    bad = good;
    bad["something_else"] = scalar_tensor(1.0, kFloat64);
    EXPECT_ERROR(target.load_state_dict(bad), "Unexpected key(s) in state_dict: \"something_else\"");
    expect_unchanged();

    // A model with a different number of parameters.
    optim::Adam smaller({make_param(kFloat64, Layout::Contiguous)});
    EXPECT_ERROR(smaller.load_state_dict(good), "doesn't match the size of optimizer's group", "lists 2 parameters",
                 "has 1");
    // Another optimizer's state.
    optim::SGD sgd({make_param(kFloat64, Layout::Contiguous), tensor({1.0, 2.0}, kFloat64).requires_grad_(true)});
    EXPECT_ERROR(sgd.load_state_dict(good), "SGD.load_state_dict", "Missing key(s)", "param_groups.0.momentum");

    target.load_state_dict(good);  // and the good one loads
    EXPECT_EQ(target.get_lr(), 0.1);
    EXPECT_EQ(target.state(0).at("step").item<double>(), 1.0);
}

// ---- gradient clipping ---------------------------------------------------------------------------------
TEST(ClipGrad, NormScalesAllGradientsTogether) {
    Tensor a = tensor({1.0, 1.0}, kFloat64).requires_grad_(true), b = tensor({1.0}, kFloat64).requires_grad_(true);
    a.set_grad(tensor({3.0, 4.0}, kFloat64));
    b.set_grad(tensor({12.0}, kFloat64));
    const double total = optim::clip_grad_norm_({a, b}, 6.5);
    EXPECT_DOUBLE_EQ(total, 13.0);  // sqrt(9 + 16 + 144)
    const double coef = 6.5 / (13.0 + 1e-6);
    EXPECT_TRUE(allclose(a.grad(), tensor({3.0 * coef, 4.0 * coef}, kFloat64), 1e-15, 0));
    EXPECT_TRUE(allclose(b.grad(), tensor({12.0 * coef}, kFloat64), 1e-15, 0));
}

TEST(ClipGrad, NormBelowTheLimitLeavesGradientsAlone) {
    Tensor a = tensor({1.0f, 1.0f}).requires_grad_(true);
    a.set_grad(tensor({3.0f, 4.0f}));
    EXPECT_NEAR(optim::clip_grad_norm_(a, 5.0), 5.0, 1e-6);  // coef = 5 / (5 + 1e-6) is just under 1 ...
    EXPECT_LT(a.grad().at<float>({1}), 4.0f + 1e-6f);
    a.set_grad(tensor({3.0f, 4.0f}));
    optim::clip_grad_norm_(a, 10.0);  // ... but here it is 2: no change at all
    EXPECT_TRUE(allclose(a.grad(), tensor({3.0f, 4.0f}), 0, 0));
}

TEST(ClipGrad, OtherNormTypes) {
    Tensor a = tensor({1.0, 1.0}, kFloat64).requires_grad_(true), b = tensor({1.0}, kFloat64).requires_grad_(true);
    auto reset = [&] {
        a.set_grad(tensor({3.0, -4.0}, kFloat64));
        b.set_grad(tensor({-12.0}, kFloat64));
    };
    reset();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_DOUBLE_EQ(optim::clip_grad_norm_({a, b}, 6.0, inf), 12.0);
    const double coef = 6.0 / (12.0 + 1e-6);
    EXPECT_TRUE(allclose(b.grad(), tensor({-12.0 * coef}, kFloat64), 1e-15, 0));
    EXPECT_TRUE(allclose(a.grad(), tensor({3.0 * coef, -4.0 * coef}, kFloat64), 1e-15, 0));
    reset();
    EXPECT_DOUBLE_EQ(optim::clip_grad_norm_({a, b}, 100.0, 1.0), 19.0);
    reset();
    EXPECT_NEAR(optim::clip_grad_norm_({a, b}, 100.0, 3.0), std::cbrt(27.0 + 64.0 + 1728.0), 1e-12);
    EXPECT_ERROR(optim::clip_grad_norm_({a, b}, 1.0, -2.0), "clip_grad_norm_", "norm_type");
}

TEST(ClipGrad, SkipsMissingGradientsAndChecksFiniteness) {
    Tensor a = tensor({1.0, 1.0}, kFloat64).requires_grad_(true), none = tensor({1.0}, kFloat64).requires_grad_(true);
    EXPECT_EQ(optim::clip_grad_norm_({a, none}, 1.0), 0.0);  // no gradients at all
    a.set_grad(tensor({3.0, 4.0}, kFloat64));
    EXPECT_DOUBLE_EQ(optim::clip_grad_norm_({a, none}, 100.0), 5.0);
    EXPECT_FALSE(none.grad().defined());
    a.set_grad(tensor({std::nan(""), 1.0}, kFloat64));
    EXPECT_ERROR(optim::clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true), "clip_grad_norm_",
                 "non-finite");
    EXPECT_TRUE(std::isnan(optim::clip_grad_norm_({a}, 1.0)));
}

TEST(ClipGrad, ValueClampsEachElement) {
    Tensor a = tensor({1.0f, 1.0f, 1.0f}).requires_grad_(true), b = tensor({1.0f}).requires_grad_(true);
    a.set_grad(tensor({-3.0f, 0.5f, 2.0f}));
    b.set_grad(tensor({-0.25f}));
    optim::clip_grad_value_({a, b}, 1.0);
    EXPECT_TRUE(allclose(a.grad(), tensor({-1.0f, 0.5f, 1.0f}), 0, 0));
    EXPECT_TRUE(allclose(b.grad(), tensor({-0.25f}), 0, 0));
    EXPECT_ERROR(optim::clip_grad_value_(a, -1.0), "clip_grad_value_", "clip_value must be >= 0");
}

// ---- end to end: real backward passes on a convex problem ---------------------------------------------
TEST(OptimizerEndToEnd, EveryOptimizerMinimisesLeastSquares) {
    // loss(x) = mean((A x - y)^2) with y = A x*: convex, minimum 0 at x*.
    manual_seed(0);
    const Tensor A = randn({16, 4});
    const Tensor x_star = tensor({1.0f, -2.0f, 0.5f, 3.0f});
    const Tensor y = matmul(A, x_star);
    struct Run {
        const char* name;
        std::function<OptimizerPtr(std::vector<Tensor>)> make;
    };
    const Run runs[] = {
        {"sgd", make<optim::SGD>(SGDOptions(0.05).momentum(0.9))},
        {"sgd_nesterov", make<optim::SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true))},
        {"adam", make<optim::Adam>(AdamOptions(0.1))},
        {"adamw", make<optim::AdamW>(AdamWOptions(0.1).weight_decay(1e-4))},
        {"rmsprop", make<optim::RMSprop>(RMSpropOptions(0.01).momentum(0.5))},
        {"adagrad", make<optim::Adagrad>(AdagradOptions(0.5))},
    };
    for (const Run& run : runs) {
        Tensor x = zeros({4}).requires_grad_(true);
        OptimizerPtr opt = run.make({x});
        auto loss_fn = [&] { return (matmul(A, x) - y).pow(2).mean(); };
        const float initial = loss_fn().item<float>();
        float last = initial;
        for (int step = 0; step < 300; ++step) {
            opt->zero_grad();
            Tensor loss = loss_fn();
            loss.backward();
            opt->step();
            last = loss.item<float>();
        }
        EXPECT_LT(last, 1e-3f * initial) << run.name << ": loss " << initial << " -> " << last;
    }
}

// Adam's float32 fused loop (SIMD on x86-64: Note [Adam float32 SIMD] in src/optim/adam.cpp)
// against the update written out in float32 here, one element at a time, in PyTorch's order:
// scalars rounded to float, bias corrections once per step in double. 1003 elements: whole
// vectors and a scalar tail. Bit-identical in a default build; the tolerance (two ulps) only
// leaves room for an FMA-contracting build (TINYDL_NATIVE).
TEST(Optimizer, AdamFloat32FusedLoopMatchesAScalarFloatLoop) {
    struct AdamCase {
        const char* name;
        double lr, beta1, beta2, eps, weight_decay;
        bool amsgrad, maximize, decoupled;
    };
    const AdamCase cases[] = {
        {"adam", 1e-3, 0.9, 0.999, 1e-8, 0, false, false, false},
        {"adam_l2_amsgrad", 1e-2, 0.9, 0.99, 1e-6, 0.1, true, false, false},
        {"adam_maximize_big_w1", 1e-2, 0.3, 0.9, 1e-3, 0, false, true, false},  // 1 - beta1 >= 0.5: lerp's other form
        {"adamw_amsgrad", 1e-2, 0.9, 0.999, 1e-8, 0.3, true, false, true},
    };
    manual_seed(7);
    const int64_t n = 1003;
    const Tensor p0 = randn({n}), grads = randn({3, n});
    for (const AdamCase& c : cases) {
        SCOPED_TRACE(c.name);
        Tensor p = p0.clone().requires_grad_(true);
        OptimizerPtr opt;
        if (c.decoupled)
            opt = std::make_unique<optim::AdamW>(std::vector<Tensor>{p}, AdamWOptions(c.lr)
                                                                            .betas({c.beta1, c.beta2})
                                                                            .eps(c.eps)
                                                                            .weight_decay(c.weight_decay)
                                                                            .amsgrad(c.amsgrad)
                                                                            .maximize(c.maximize));
        else
            opt = std::make_unique<optim::Adam>(std::vector<Tensor>{p}, AdamOptions(c.lr)
                                                                           .betas({c.beta1, c.beta2})
                                                                           .eps(c.eps)
                                                                           .weight_decay(c.weight_decay)
                                                                           .amsgrad(c.amsgrad)
                                                                           .maximize(c.maximize));
        std::vector<float> ep = p0.to_vector<float>(), m(n, 0.0f), v(n, 0.0f), v_max(n, 0.0f);
        const float wd = static_cast<float>(c.weight_decay), decay = static_cast<float>(1.0 - c.lr * c.weight_decay);
        const float w1 = static_cast<float>(1.0 - c.beta1), beta2 = static_cast<float>(c.beta2);
        const float w2 = static_cast<float>(1.0 - c.beta2), eps = static_cast<float>(c.eps);
        for (int step = 1; step <= 3; ++step) {
            const std::vector<float> g_all = grads.select(0, step - 1).to_vector<float>();
            p.set_grad(grads.select(0, step - 1).contiguous());
            opt->step();
            const float neg_step_size = static_cast<float>(-(c.lr / (1 - std::pow(c.beta1, step))));
            const float bc2_sqrt = static_cast<float>(std::sqrt(1 - std::pow(c.beta2, step)));
            for (int64_t i = 0; i < n; ++i) {
                float g = c.maximize ? -g_all[i] : g_all[i];
                float param = ep[i];
                if (c.weight_decay != 0 && !c.decoupled) g = g + wd * param;
                if (c.weight_decay != 0 && c.decoupled) param = param * decay;
                m[i] = w1 < 0.5f ? m[i] + w1 * (g - m[i]) : g - (g - m[i]) * (1.0f - w1);
                v[i] = v[i] * beta2 + w2 * g * g;
                float second = v[i];
                if (c.amsgrad) second = v_max[i] = std::max(v_max[i], v[i]);
                const float denom = std::sqrt(second) / bc2_sqrt + eps;
                ep[i] = param + neg_step_size * m[i] / denom;
            }
            const std::vector<float> got = p.to_vector<float>();
            for (int64_t i = 0; i < n; ++i)
                ASSERT_NEAR(got[i], ep[i], 2.5e-7f * std::abs(ep[i])) << "step " << step << " element " << i;
        }
    }
}

}  // namespace
}  // namespace tinydl
