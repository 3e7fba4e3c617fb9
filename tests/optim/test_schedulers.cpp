// test_schedulers.cpp — the LR schedulers (src/optim/lr_scheduler.cpp).
//
// Each scheduler's lr sequence is checked against the closed form written here from the
// PyTorch docs (and against the example sequences the docs list, where they are right), step
// by step from epoch 0 (applied by the constructor) on. The implementation uses PyTorch's
// recursive "chainable" form, so agreement is to rounding, not bit for bit. Then: two
// schedulers composing on one optimizer, OneCycleLR's phases and momentum cycling,
// SequentialLR's hand-overs, ReduceLROnPlateau's patience / cooldown / min_lr / eps, state_dict
// round trips (bit-exact continuation) and error messages.
#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using optim::LRScheduler;
using Vec = std::vector<double>;
constexpr double kPi = std::numbers::pi;

// An SGD optimizer over `groups` one-parameter groups, all with learning rate `lr`.
struct SgdRig {
    std::vector<Tensor> params;
    std::unique_ptr<optim::SGD> opt;
};
SgdRig make_sgd(double lr, size_t groups = 1, double momentum = 0) {
    SgdRig s;
    std::vector<optim::ParamGroup> param_groups;
    for (size_t g = 0; g < groups; ++g) {
        s.params.push_back(zeros({2}).requires_grad_(true));
        param_groups.emplace_back(std::vector<Tensor>{s.params.back()});
    }
    s.opt = std::make_unique<optim::SGD>(param_groups, optim::SGDOptions(lr).momentum(momentum));
    return s;
}

// Steps `sched` through epochs 0..epochs-1, checking the lr of group 0 at each (the lr in force
// during that epoch, i.e. before the step() that ends it) against expected(epoch).
void expect_sequence(LRScheduler& sched, optim::Optimizer& opt, int epochs, const std::function<double(int)>& expected,
                     double rtol = 1e-12, double atol = 1e-15) {
    for (int e = 0; e < epochs; ++e) {
        const double want = expected(e);
        ASSERT_NEAR(sched.get_last_lr()[0], want, atol + rtol * std::abs(want)) << sched.name() << " epoch " << e;
        ASSERT_EQ(opt.get_lr(0), sched.get_last_lr()[0]) << sched.name() << " epoch " << e;
        sched.step();
    }
}

// ---- the simple schedules ------------------------------------------------------------------------------
TEST(StepLR, FollowsTheDocumentedSequence) {
    // PyTorch docs: lr = 0.05 for epoch < 30, 0.005 for 30 <= epoch < 60, 0.0005 for 60 <= epoch < 90.
    SgdRig s = make_sgd(0.05);
    optim::StepLR sched(*s.opt, 30, 0.1);
    EXPECT_EQ(sched.last_epoch(), 0);
    expect_sequence(sched, *s.opt, 100, [](int e) { return e < 30 ? 0.05 : e < 60 ? 0.005 : e < 90 ? 0.0005 : 0.00005; });
    EXPECT_ERROR(optim::StepLR(*s.opt, 0), "StepLR", "step_size must be positive, got 0");
}

TEST(MultiStepLR, FollowsTheDocumentedSequence) {
    // PyTorch docs: 0.05 for epoch < 30, 0.005 for 30 <= epoch < 80, 0.0005 for epoch >= 80.
    SgdRig s = make_sgd(0.05);
    optim::MultiStepLR sched(*s.opt, {80, 30}, 0.1);  // order does not matter
    expect_sequence(sched, *s.opt, 100, [](int e) { return e < 30 ? 0.05 : e < 80 ? 0.005 : 0.0005; });
}

TEST(MultiStepLR, ARepeatedMilestoneDecaysTwice) {
    SgdRig s = make_sgd(1.0);
    optim::MultiStepLR sched(*s.opt, {2, 2, 5}, 0.5);
    expect_sequence(sched, *s.opt, 8, [](int e) { return e < 2 ? 1.0 : e < 5 ? 0.25 : 0.125; });
}

TEST(ExponentialLR, MatchesTheClosedForm) {
    SgdRig s = make_sgd(0.1);
    optim::ExponentialLR sched(*s.opt, 0.9);
    expect_sequence(sched, *s.opt, 50, [](int e) { return 0.1 * std::pow(0.9, e); });
}

TEST(CosineAnnealingLR, MatchesTheClosedFormBeyondTMax) {
    // eta_t = eta_min + (base - eta_min)(1 + cos(pi t / T_max)) / 2; without restarts the
    // recursion keeps following the cosine back up after T_max.
    SgdRig s = make_sgd(0.1);
    optim::CosineAnnealingLR sched(*s.opt, 10, 0.001);
    expect_sequence(
        sched, *s.opt, 35, [](int e) { return 0.001 + (0.1 - 0.001) * (1 + std::cos(kPi * e / 10)) / 2; }, 1e-10, 1e-15);
    EXPECT_ERROR(optim::CosineAnnealingLR(*s.opt, 0), "CosineAnnealingLR", "T_max must be positive");
}

TEST(LinearLR, WarmsUpLinearly) {
    // factor(e) = start + (end - start) min(e, total) / total. The PyTorch docs' example
    // (lr 0.05, start_factor 0.05, total_iters 40) lists 0.003687, 0.004875, 0.006062, 0.00725:
    // those are the lrs after steps 1..4; epoch 0 runs at 0.05 * 0.05 = 0.0025.
    SgdRig s = make_sgd(0.05);
    optim::LinearLR sched(*s.opt, 0.05, 1.0, 40);
    EXPECT_DOUBLE_EQ(sched.get_last_lr()[0], 0.0025);
    const Vec doc = {0.0036875, 0.004875, 0.0060625, 0.00725};
    for (double lr : doc) {
        sched.step();
        EXPECT_NEAR(sched.get_last_lr()[0], lr, 1e-15);
    }
    SgdRig t = make_sgd(0.05);
    optim::LinearLR again(*t.opt, 0.05, 1.0, 40);
    expect_sequence(again, *t.opt, 60, [](int e) { return 0.05 * (0.05 + 0.95 * std::min(e, 40) / 40.0); });
}

TEST(LinearLR, DefaultsAndDecay) {
    SgdRig s = make_sgd(0.3);
    optim::LinearLR sched(*s.opt);  // start 1/3, end 1, 5 iterations
    expect_sequence(sched, *s.opt, 8, [](int e) { return 0.3 * (1.0 / 3 + (2.0 / 3) * std::min(e, 5) / 5.0); });
    SgdRig t = make_sgd(1.0);
    optim::LinearLR decay(*t.opt, 1.0, 0.5, 4);
    expect_sequence(decay, *t.opt, 7, [](int e) { return 1.0 - 0.5 * std::min(e, 4) / 4.0; });
    EXPECT_ERROR(optim::LinearLR(*t.opt, 0.0), "LinearLR", "Starting multiplicative factor expected to be greater than 0");
    EXPECT_ERROR(optim::LinearLR(*t.opt, 0.5, 1.5), "Ending multiplicative factor expected to be between 0 and 1");
}

TEST(LRScheduler, EachGroupFollowsItsOwnBaseLr) {
    SgdRig s = make_sgd(0.1, 2);
    s.opt->set_lr(1, 0.4);
    optim::ExponentialLR sched(*s.opt, 0.5);
    for (int e = 0; e < 4; ++e) sched.step();
    EXPECT_EQ(sched.base_lrs(), (Vec{0.1, 0.4}));
    EXPECT_NEAR(s.opt->get_lr(0), 0.1 / 16, 1e-17);
    EXPECT_NEAR(s.opt->get_lr(1), 0.4 / 16, 1e-17);
    EXPECT_EQ(sched.get_last_lr().size(), 2u);
}

TEST(LRScheduler, SchedulersComposeOnOneOptimizer) {
    // The chainable form: each step multiplies the current lr by each scheduler's factor, so
    // StepLR(3, 0.1) and ExponentialLR(0.9) together give base * 0.1^(e / 3) * 0.9^e.
    SgdRig s = make_sgd(1.0);
    optim::StepLR step(*s.opt, 3, 0.1);
    optim::ExponentialLR expo(*s.opt, 0.9);
    for (int e = 0; e < 10; ++e) {
        const double want = std::pow(0.1, e / 3) * std::pow(0.9, e);
        ASSERT_NEAR(s.opt->get_lr(), want, 1e-14 * want) << "epoch " << e;
        step.step();
        expo.step();
    }
}

TEST(LRScheduler, RecordsInitialLrInTheOptimizer) {
    SgdRig s = make_sgd(0.2);
    EXPECT_FALSE(s.opt->param_groups()[0].initial_lr.has_value());
    EXPECT_FALSE(s.opt->state_dict().count("param_groups.0.initial_lr"));
    optim::LinearLR warmup(*s.opt, 0.5, 1.0, 2);
    EXPECT_EQ(s.opt->get_lr(), 0.1);
    EXPECT_EQ(*s.opt->param_groups()[0].initial_lr, 0.2);
    // A second scheduler starts from initial_lr, not from the lr the first one set.
    optim::ExponentialLR expo(*s.opt, 0.5);
    EXPECT_EQ(expo.base_lrs(), Vec{0.2});
    EXPECT_EQ(s.opt->state_dict().at("param_groups.0.initial_lr").item<double>(), 0.2);
}

// ---- OneCycleLR -------------------------------------------------------------------------------------
// The docs' annealing functions, written differently from the implementation on purpose.
double cos_anneal(double from, double to, double pct) { return from + (to - from) * (1 - std::cos(kPi * pct)) / 2; }
double lin_anneal(double from, double to, double pct) { return from + (to - from) * pct; }

TEST(OneCycleLR, TwoPhasesWithMomentum) {
    SgdRig s = make_sgd(0.5);
    optim::OneCycleLR sched(*s.opt, 0.1, 10);
    const double initial = 0.1 / 25, min = initial / 1e4;
    EXPECT_EQ(*s.opt->param_groups()[0].initial_lr, initial);
    const auto& o = static_cast<const optim::SGDOptions&>(*s.opt->param_groups()[0].options);
    // Phase 1 ends at step 0.3 * 10 - 1 = 2, phase 2 at 10 - 1 = 9 (step 10 is still allowed).
    for (int k = 0; k <= 10; ++k) {
        const bool warm = k <= 2;
        const double pct = warm ? k / 2.0 : (k - 2) / 7.0;
        const double lr = warm ? cos_anneal(initial, 0.1, pct) : cos_anneal(0.1, min, pct);
        const double momentum = warm ? cos_anneal(0.95, 0.85, pct) : cos_anneal(0.85, 0.95, pct);
        ASSERT_NEAR(sched.get_last_lr()[0], lr, 1e-15) << "step " << k;
        ASSERT_NEAR(o.momentum(), momentum, 1e-15) << "step " << k;
        if (k < 10) sched.step();
    }
    EXPECT_ERROR(sched.step(), "OneCycleLR", "Tried to step 11 times. The specified number of total steps is 10");
}

TEST(OneCycleLR, LinearAndThreePhase) {
    SgdRig s = make_sgd(0.5);
    optim::OneCycleLR sched(*s.opt, 1.0, 20,
                            {.pct_start = 0.25, .anneal_strategy = "linear", .cycle_momentum = false, .div_factor = 10,
                             .final_div_factor = 100, .three_phase = true});
    const double initial = 0.1, min = 0.001;
    // Phase ends: 0.25 * 20 - 1 = 4, 2 * 0.25 * 20 - 2 = 8, 20 - 1 = 19.
    for (int k = 0; k <= 20; ++k) {
        double lr;
        if (k <= 4) lr = lin_anneal(initial, 1.0, k / 4.0);
        else if (k <= 8) lr = lin_anneal(1.0, initial, (k - 4) / 4.0);
        else lr = lin_anneal(initial, min, (k - 8) / 11.0);
        ASSERT_NEAR(sched.get_last_lr()[0], lr, 1e-14) << "step " << k;
        if (k < 20) sched.step();
    }
    EXPECT_EQ(static_cast<const optim::SGDOptions&>(*s.opt->param_groups()[0].options).momentum(), 0.0);
}

TEST(OneCycleLR, CyclesAdamsBeta1AndPerGroupMaxLr) {
    Tensor a = zeros({2}).requires_grad_(true), b = zeros({2}).requires_grad_(true);
    optim::Adam adam({optim::ParamGroup({a}), optim::ParamGroup({b})}, optim::AdamOptions(0.01).betas({0.9, 0.99}));
    optim::OneCycleLR sched(adam, Vec{0.1, 0.2}, 10, {.base_momentum = 0.8, .max_momentum = 0.9});
    auto beta = [&](size_t g) { return static_cast<const optim::AdamOptions&>(*adam.param_groups()[g].options).betas(); };
    EXPECT_EQ(beta(0), std::make_pair(0.9, 0.99));
    for (int k = 0; k < 2; ++k) sched.step();  // the peak
    EXPECT_NEAR(sched.get_last_lr()[0], 0.1, 1e-15);
    EXPECT_NEAR(sched.get_last_lr()[1], 0.2, 1e-15);
    EXPECT_NEAR(beta(1).first, 0.8, 1e-15);
    EXPECT_EQ(beta(1).second, 0.99);
}

TEST(OneCycleLR, Errors) {
    SgdRig s = make_sgd(0.1);
    EXPECT_ERROR(optim::OneCycleLR(*s.opt, 0.1, 0), "Expected positive integer total_steps, but got 0");
    EXPECT_ERROR(optim::OneCycleLR(*s.opt, 0.1, 10, {.pct_start = 1.5}), "Expected float between 0 and 1 pct_start");
    EXPECT_ERROR(optim::OneCycleLR(*s.opt, 0.1, 10, {.anneal_strategy = "exp"}),
                 "anneal_strategy must be one of 'cos' or 'linear', instead got exp");
    EXPECT_ERROR(optim::OneCycleLR(*s.opt, Vec{0.1, 0.2}, 10), "max_lr must have the same length as optimizer.param_groups");
    Tensor p = zeros({2}).requires_grad_(true);
    optim::Adagrad adagrad({p});
    EXPECT_ERROR(optim::OneCycleLR(adagrad, 0.1, 10), "optimizer must support momentum or beta1 with `cycle_momentum`");
    optim::OneCycleLR ok(adagrad, 0.1, 10, {.cycle_momentum = false});
    EXPECT_NEAR(adagrad.get_lr(), 0.004, 1e-16);
}

// ---- SequentialLR ------------------------------------------------------------------------------------
TEST(SequentialLR, FollowsTheDocumentedSequence) {
    // PyTorch docs (ConstantLR(factor=0.1, total_iters=20) then ExponentialLR(0.9), milestone 20):
    // lr = 0.005 for epoch < 20, 0.05 at 20, 0.045 at 21, 0.0405 at 22. A LinearLR with equal
    // start and end factors is that ConstantLR.
    SgdRig s = make_sgd(0.05);
    auto constant = std::make_shared<optim::LinearLR>(*s.opt, 0.1, 0.1, 20);
    auto expo = std::make_shared<optim::ExponentialLR>(*s.opt, 0.9);
    optim::SequentialLR sched(*s.opt, {constant, expo}, {20});
    expect_sequence(sched, *s.opt, 30, [](int e) { return e < 20 ? 0.005 : 0.05 * std::pow(0.9, e - 20); }, 1e-13);
}

TEST(SequentialLR, WarmupThenCosine) {
    SgdRig s = make_sgd(0.1);
    auto warmup = std::make_shared<optim::LinearLR>(*s.opt, 0.1, 1.0, 5);
    auto cosine = std::make_shared<optim::CosineAnnealingLR>(*s.opt, 10);
    optim::SequentialLR sched(*s.opt, {warmup, cosine}, {5});
    expect_sequence(sched, *s.opt, 20, [](int e) {
        if (e < 5) return 0.1 * (0.1 + 0.9 * e / 5.0);
        return 0.1 * (1 + std::cos(kPi * (e - 5) / 10)) / 2;
    }, 1e-12);
}

TEST(SequentialLR, ThreeSchedulersEachRestartAtTheirMilestone) {
    SgdRig s = make_sgd(1.0);
    auto a = std::make_shared<optim::LinearLR>(*s.opt, 0.5, 1.0, 2);
    auto b = std::make_shared<optim::StepLR>(*s.opt, 2, 0.5);
    auto c = std::make_shared<optim::ExponentialLR>(*s.opt, 0.9);
    optim::SequentialLR sched(*s.opt, {a, b, c}, {3, 7});
    const Vec want = {0.5, 0.75, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 0.9, 0.81};
    expect_sequence(sched, *s.opt, static_cast<int>(want.size()), [&](int e) { return want[e]; });
}

TEST(SequentialLR, Errors) {
    SgdRig s = make_sgd(0.1), other = make_sgd(0.1);
    auto a = std::make_shared<optim::ExponentialLR>(*s.opt, 0.9);
    auto b = std::make_shared<optim::ExponentialLR>(*s.opt, 0.8);
    auto foreign = std::make_shared<optim::ExponentialLR>(*other.opt, 0.8);
    EXPECT_ERROR(optim::SequentialLR(*s.opt, {a, b}, {2, 4}),
                 "expects number of schedulers provided to be one more than the number of milestone points",
                 "number of schedulers 2", "milestones to be equal to 2");
    EXPECT_ERROR(optim::SequentialLR(*s.opt, {a, foreign}, {2}), "expects all schedulers to belong to the same optimizer",
                 "index 1");
    EXPECT_ERROR(optim::SequentialLR(*s.opt, {}, {}), "expects at least one scheduler");
}

// ---- ReduceLROnPlateau -----------------------------------------------------------------------------------
std::vector<double> plateau_lrs(optim::ReduceLROnPlateau& sched, const Vec& metrics) {
    Vec lrs;
    for (double m : metrics) {
        sched.step(m);
        lrs.push_back(sched.get_last_lr()[0]);
    }
    return lrs;
}

TEST(ReduceLROnPlateau, WaitsPatienceEpochsThenReduces) {
    SgdRig s = make_sgd(1.0);
    optim::ReduceLROnPlateau sched(*s.opt, {.factor = 0.5, .patience = 2});
    // 10 and 9 improve; three 9s are 1, 2, 3 bad epochs (> patience 2: reduce); 8 improves; ...
    const Vec lrs = plateau_lrs(sched, {10, 9, 9, 9, 9, 8, 8, 8, 8});
    EXPECT_EQ(lrs, (Vec{1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25}));
    EXPECT_EQ(sched.best(), 8.0);
    EXPECT_EQ(sched.last_epoch(), 9);
}

TEST(ReduceLROnPlateau, CooldownIgnoresBadEpochs) {
    SgdRig s = make_sgd(1.0);
    optim::ReduceLROnPlateau sched(*s.opt, {.factor = 0.5, .patience = 0, .cooldown = 2});
    EXPECT_EQ(plateau_lrs(sched, {5, 5, 5, 5, 5, 5, 5, 5}), (Vec{1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125}));
}

TEST(ReduceLROnPlateau, MinLrAndEps) {
    SgdRig s = make_sgd(1.0);
    optim::ReduceLROnPlateau sched(*s.opt, {.factor = 0.1, .patience = 0, .min_lr = {0.05}});
    EXPECT_EQ(plateau_lrs(sched, {1, 1, 1, 1}), (Vec{1, 0.1, 0.05, 0.05}));
    // A reduction smaller than eps is skipped: 1e-8 -> 5e-9 is a change of 5e-9 < 1e-8.
    SgdRig t = make_sgd(1e-8);
    optim::ReduceLROnPlateau tiny(*t.opt, {.factor = 0.5, .patience = 0});
    EXPECT_EQ(plateau_lrs(tiny, {1, 1, 1}), (Vec{1e-8, 1e-8, 1e-8}));
}

TEST(ReduceLROnPlateau, ModeMaxAndThresholds) {
    SgdRig s = make_sgd(1.0);
    // max + abs: better means > best + 0.5; 1.4 is not better than 1, 1.6 is.
    optim::ReduceLROnPlateau sched(*s.opt, {.mode = "max", .factor = 0.5, .patience = 1, .threshold = 0.5,
                                            .threshold_mode = "abs"});
    EXPECT_EQ(plateau_lrs(sched, {1.0, 1.4, 1.6, 1.7, 1.8}), (Vec{1, 1, 1, 1, 0.5}));
    // min + rel (the default): better means < best * (1 - 1e-4).
    SgdRig t = make_sgd(1.0);
    optim::ReduceLROnPlateau rel(*t.opt, {.patience = 0});
    EXPECT_EQ(plateau_lrs(rel, {1.0, 0.99995, 0.9998}), (Vec{1, 0.1, 0.1}));
}

TEST(ReduceLROnPlateau, PerGroupMinLrAndErrors) {
    SgdRig s = make_sgd(1.0, 2);
    optim::ReduceLROnPlateau sched(*s.opt, {.factor = 0.1, .patience = 0, .min_lr = {0.5, 0.01}});
    plateau_lrs(sched, {1, 1, 1});
    EXPECT_EQ(s.opt->get_lr(0), 0.5);
    EXPECT_NEAR(s.opt->get_lr(1), 0.01, 1e-16);
    EXPECT_ERROR(optim::ReduceLROnPlateau(*s.opt, {.factor = 1.0}), "Factor should be < 1.0.");
    EXPECT_ERROR(optim::ReduceLROnPlateau(*s.opt, {.mode = "up"}), "mode up is unknown!");
    EXPECT_ERROR(optim::ReduceLROnPlateau(*s.opt, {.threshold_mode = "pct"}), "threshold mode pct is unknown!");
    EXPECT_ERROR(optim::ReduceLROnPlateau(*s.opt, {.min_lr = {0.1, 0.2, 0.3}}), "expected 2 min_lrs, got 3");
}

// ---- state_dict round trips ---------------------------------------------------------------------------
using MakeScheduler = std::function<std::shared_ptr<LRScheduler>(optim::Optimizer&)>;

struct SchedulerCase {
    const char* name;
    MakeScheduler make;
};

const SchedulerCase kSchedulerCases[] = {
    {"StepLR", [](optim::Optimizer& o) { return std::make_shared<optim::StepLR>(o, 3, 0.5); }},
    {"MultiStepLR", [](optim::Optimizer& o) { return std::make_shared<optim::MultiStepLR>(o, std::vector<int64_t>{2, 5, 5}, 0.3); }},
    {"ExponentialLR", [](optim::Optimizer& o) { return std::make_shared<optim::ExponentialLR>(o, 0.7); }},
    {"CosineAnnealingLR", [](optim::Optimizer& o) { return std::make_shared<optim::CosineAnnealingLR>(o, 4, 0.01); }},
    {"LinearLR", [](optim::Optimizer& o) { return std::make_shared<optim::LinearLR>(o, 0.2, 0.9, 6); }},
    {"OneCycleLR", [](optim::Optimizer& o) { return std::make_shared<optim::OneCycleLR>(o, 0.5, 12); }},
    {"SequentialLR",
     [](optim::Optimizer& o) {
         auto warmup = std::make_shared<optim::LinearLR>(o, 0.25, 1.0, 3);
         auto decay = std::make_shared<optim::CosineAnnealingLR>(o, 5);
         return std::make_shared<optim::SequentialLR>(o, std::vector<std::shared_ptr<LRScheduler>>{warmup, decay},
                                                      std::vector<int64_t>{3});
     }},
};

TEST(SchedulerStateDict, RoundTripContinuesBitExactly) {
    for (const SchedulerCase& c : kSchedulerCases) {
        SgdRig s = make_sgd(0.1, 2, 0.9);
        std::shared_ptr<LRScheduler> sched = c.make(*s.opt);
        for (int e = 0; e < 4; ++e) sched->step();
        const StateDict opt_state = s.opt->state_dict(), sched_state = sched->state_dict();
        EXPECT_EQ(sched_state.at("last_epoch").item<double>(), 4.0) << c.name;
        EXPECT_EQ(sched_state.at("last_epoch").dtype(), kFloat64) << c.name;
        EXPECT_EQ(sched_state.at("last_epoch").dim(), 0) << c.name;

        SgdRig t = make_sgd(0.1, 2, 0.9);
        std::shared_ptr<LRScheduler> resumed = c.make(*t.opt);
        t.opt->load_state_dict(opt_state);
        resumed->load_state_dict(sched_state);
        EXPECT_EQ(resumed->get_last_lr(), sched->get_last_lr()) << c.name;
        for (int e = 0; e < 7; ++e) {
            sched->step();
            resumed->step();
            ASSERT_EQ(resumed->get_last_lr(), sched->get_last_lr()) << c.name << " step " << e;
            ASSERT_EQ(t.opt->get_lr(1), s.opt->get_lr(1)) << c.name;
            ASSERT_EQ(t.opt->state_dict().at("param_groups.0.momentum").item<double>(),
                      s.opt->state_dict().at("param_groups.0.momentum").item<double>())
                << c.name;  // OneCycleLR's momentum cycle lives in the optimizer's state
        }
    }
}

TEST(SchedulerStateDict, ReduceLROnPlateauRoundTrip) {
    SgdRig s = make_sgd(1.0);
    optim::ReduceLROnPlateau sched(*s.opt, {.factor = 0.5, .patience = 1, .cooldown = 1});
    plateau_lrs(sched, {3, 2, 2, 2});
    const StateDict opt_state = s.opt->state_dict(), state = sched.state_dict();
    EXPECT_EQ(state.at("best").item<double>(), 2.0);
    SgdRig t = make_sgd(1.0);
    optim::ReduceLROnPlateau resumed(*t.opt);
    t.opt->load_state_dict(opt_state);
    resumed.load_state_dict(state);
    const Vec more = {2, 2, 2, 1, 1, 1, 1};
    EXPECT_EQ(plateau_lrs(resumed, more), plateau_lrs(sched, more));
    EXPECT_EQ(resumed.num_bad_epochs(), sched.num_bad_epochs());
}

TEST(SchedulerStateDict, LoadErrors) {
    SgdRig s = make_sgd(0.1);
    optim::StepLR sched(*s.opt, 3);
    StateDict state = sched.state_dict();
    state.erase("gamma");
    state["extra"] = scalar_tensor(1.0, kFloat64);
    EXPECT_ERROR(sched.load_state_dict(state), "StepLR.load_state_dict", "Missing key(s) in state_dict: \"gamma\"",
                 "Unexpected key(s) in state_dict: \"extra\"");
    state = sched.state_dict();
    state["base_lrs"] = tensor({0.1, 0.2}, kFloat64);
    EXPECT_ERROR(sched.load_state_dict(state), "\"base_lrs\" has 2 values, expected 1");
    state = sched.state_dict();
    state["step_size"] = scalar_tensor(0.0, kFloat64);
    EXPECT_ERROR(sched.load_state_dict(state), "step_size must be positive");
    EXPECT_EQ(sched.state_dict().at("step_size").item<double>(), 3.0);  // unchanged

    optim::ReduceLROnPlateau plateau(*s.opt);
    StateDict p = plateau.state_dict();
    p.erase("best");
    EXPECT_ERROR(plateau.load_state_dict(p), "ReduceLROnPlateau.load_state_dict", "Missing key(s) in state_dict: \"best\"");
}

}  // namespace
}  // namespace tinydl
