// lr_scheduler.cpp — the LR schedulers of lr_scheduler.h, following torch/optim/lr_scheduler.py:
// the same chainable (recursive) get_lr() per scheduler, the same closed forms, the same
// bookkeeping of last_epoch and _step_count, so lr sequences match PyTorch's step for step.
//
// Note [Chainable form]: step() computes the new lr from the group's *current* lr (StepLR
// multiplies it by gamma at each boundary) rather than from base_lr and the epoch. That lets
// two schedulers act on one optimizer one after the other, each applying its own factor. The
// closed form (base_lr * gamma^(epoch / step_size)) is used only when an epoch is set
// explicitly: SequentialLR restarting a scheduler at a milestone.
#include "tinydl/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <set>

#include "tinydl/factory.h"

namespace tinydl::optim {

namespace {
constexpr double kPi = std::numbers::pi;

Tensor f64(double v) { return scalar_tensor(v, TensorOptions(kFloat64)); }
Tensor f64(const std::vector<double>& v) { return tensor(v, TensorOptions(kFloat64)); }
Tensor f64(const std::vector<int64_t>& v) {
    return tensor(std::vector<double>(v.begin(), v.end()), TensorOptions(kFloat64));
}

// Missing and unexpected keys of `state` against `expected`, in one message as PyTorch's.
void check_keys(const std::string& op, const StateDict& state, const std::vector<std::string>& expected) {
    std::vector<std::string> missing, unexpected;
    for (const std::string& k : expected)
        if (!state.count(k)) missing.push_back(k);
    for (const auto& [k, v] : state)
        if (std::find(expected.begin(), expected.end(), k) == expected.end()) unexpected.push_back(k);
    if (missing.empty() && unexpected.empty()) return;
    std::string msg = op + ": Error(s) in loading state_dict:";
    auto list = [&](const char* what, const std::vector<std::string>& keys) {
        if (keys.empty()) return;
        msg += std::string(" ") + what + " key(s) in state_dict: ";
        for (size_t i = 0; i < keys.size(); ++i) msg += (i ? ", \"" : "\"") + keys[i] + "\"";
        msg += ".";
    };
    list("Missing", missing);
    list("Unexpected", unexpected);
    throw Error(msg);
}

double read_scalar(const std::string& op, const StateDict& state, const std::string& key) {
    const Tensor& t = state.at(key);
    TINYDL_CHECK(t.defined() && t.numel() == 1, op, "\"", key, "\" must hold one number, got ",
                 t.defined() ? shape_str(t.sizes()) : std::string("an undefined tensor"));
    return t.to_vector<double>()[0];
}

int64_t read_int(const std::string& op, const StateDict& state, const std::string& key) {
    const double v = read_scalar(op, state, key);
    TINYDL_CHECK(v == std::floor(v), op, "\"", key, "\" must be a whole number, got ", v);
    return static_cast<int64_t>(v);
}

std::vector<double> read_vector(const std::string& op, const StateDict& state, const std::string& key,
                                std::optional<size_t> size = std::nullopt) {
    const Tensor& t = state.at(key);
    TINYDL_CHECK(t.defined() && t.dim() <= 1, op, "\"", key, "\" must be a 1-D tensor");
    TINYDL_CHECK(!size || static_cast<size_t>(t.numel()) == *size, op, "\"", key, "\" has ", t.numel(),
                 " values, expected ", *size, " (one per param group)");
    return t.to_vector<double>();
}
}  // namespace

// ---- LRScheduler ---------------------------------------------------------------------------------------
LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer) {
    for (ParamGroup& group : optimizer.param_groups()) {
        if (!group.initial_lr) group.initial_lr = group.options->lr();
        base_lrs_.push_back(*group.initial_lr);
    }
}

std::vector<double> LRScheduler::group_lrs() const {
    std::vector<double> lrs;
    for (size_t g = 0; g < optimizer_->num_param_groups(); ++g) lrs.push_back(optimizer_->get_lr(g));
    return lrs;
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
    // zip() in PyTorch: groups added after the scheduler keep their lr.
    for (size_t g = 0; g < std::min(lrs.size(), optimizer_->num_param_groups()); ++g) optimizer_->set_lr(g, lrs[g]);
    last_lr_ = group_lrs();
}

void LRScheduler::initial_step() {
    struct InitialMode {  // resets the flag even when get_lr throws
        bool& flag;
        explicit InitialMode(bool& f) : flag(f) { flag = true; }
        ~InitialMode() { flag = false; }
    } mode(is_initial_);
    step_count_ = 0;
    step();
}

void LRScheduler::step() {
    ++step_count_;
    ++last_epoch_;
    apply_lrs(get_lr());
}

void LRScheduler::update_lr_closed_form(int64_t epoch) {
    last_epoch_ = epoch;
    apply_lrs(closed_form_lr());
}

StateDict LRScheduler::state_dict() const {
    StateDict state;
    state["last_epoch"] = f64(static_cast<double>(last_epoch_));
    state["_step_count"] = f64(static_cast<double>(step_count_));
    state["base_lrs"] = f64(base_lrs_);
    state["_last_lr"] = f64(last_lr_);
    save_extra(state);
    return state;
}

void LRScheduler::load_state_dict(const StateDict& state) {
    const std::string op = name() + ".load_state_dict";
    std::vector<std::string> expected = {"last_epoch", "_step_count", "base_lrs", "_last_lr"};
    for (const std::string& k : extra_keys()) expected.push_back(k);
    check_keys(op, state, expected);
    const size_t groups = optimizer_->num_param_groups();
    std::vector<double> base_lrs = read_vector(op, state, "base_lrs", groups);
    std::vector<double> last_lr = read_vector(op, state, "_last_lr", groups);
    const int64_t last_epoch = read_int(op, state, "last_epoch");
    const int64_t step_count = read_int(op, state, "_step_count");
    load_extra(state);  // checks its own values before changing anything
    base_lrs_ = std::move(base_lrs);
    last_lr_ = std::move(last_lr);
    last_epoch_ = last_epoch;
    step_count_ = step_count;
}

// ---- StepLR ------------------------------------------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
    TINYDL_CHECK(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
    initial_step();
}

std::vector<double> StepLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

std::vector<double> StepLR::closed_form_lr() {
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_)));
    return lrs;
}

void StepLR::save_extra(StateDict& state) const {
    state["step_size"] = f64(static_cast<double>(step_size_));
    state["gamma"] = f64(gamma_);
}
void StepLR::load_extra(const StateDict& state) {
    const int64_t step_size = read_int("StepLR.load_state_dict", state, "step_size");
    const double gamma = read_scalar("StepLR.load_state_dict", state, "gamma");
    TINYDL_CHECK(step_size > 0, "StepLR.load_state_dict", "step_size must be positive, got ", step_size);
    step_size_ = step_size;
    gamma_ = gamma;
}

// ---- MultiStepLR ---------------------------------------------------------------------------------------------
MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
    std::sort(milestones_.begin(), milestones_.end());  // PyTorch keeps a Counter: order does not matter
    initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
    if (hits == 0) return lrs;
    for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
    return lrs;
}

std::vector<double> MultiStepLR::closed_form_lr() {
    const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(passed)));
    return lrs;
}

void MultiStepLR::save_extra(StateDict& state) const {
    state["milestones"] = f64(milestones_);
    state["gamma"] = f64(gamma_);
}
void MultiStepLR::load_extra(const StateDict& state) {
    const std::string op = "MultiStepLR.load_state_dict";
    std::vector<int64_t> milestones;
    for (double m : read_vector(op, state, "milestones")) {
        TINYDL_CHECK(m == std::floor(m), op, "\"milestones\" must hold whole numbers, got ", m);
        milestones.push_back(static_cast<int64_t>(m));
    }
    std::sort(milestones.begin(), milestones.end());
    gamma_ = read_scalar(op, state, "gamma");
    milestones_ = std::move(milestones);
}

// ---- ExponentialLR ---------------------------------------------------------------------------------------------
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
    initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    if (is_initial_) return lrs;  // constructing (or resuming) must not decay the lr one step early
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

std::vector<double> ExponentialLR::closed_form_lr() {
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_)));
    return lrs;
}

void ExponentialLR::save_extra(StateDict& state) const { state["gamma"] = f64(gamma_); }
void ExponentialLR::load_extra(const StateDict& state) {
    gamma_ = read_scalar("ExponentialLR.load_state_dict", state, "gamma");
}

// ---- CosineAnnealingLR ------------------------------------------------------------------------------------------
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
    TINYDL_CHECK(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
    initial_step();
}

// The recursive form: with c(e) = 1 + cos(pi e / T_max), lr(e) - eta_min = (lr(e-1) - eta_min) c(e) / c(e-1).
// At e = T_max + 1 (mod 2 T_max) c(e-1) is 0, so that step adds the closed-form increment instead.
std::vector<double> CosineAnnealingLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
    if (is_initial_) return lrs;
    if (step_count_ == 1 && last_epoch_ > 0) return closed_form_lr();
    if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
        for (size_t g = 0; g < lrs.size(); ++g)
            lrs[g] = lrs[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
        return lrs;
    }
    for (double& lr : lrs)
        lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
    return lrs;
}

std::vector<double> CosineAnnealingLR::closed_form_lr() {
    std::vector<double> lrs;
    const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
    for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * e / T)) / 2);
    return lrs;
}

void CosineAnnealingLR::save_extra(StateDict& state) const {
    state["T_max"] = f64(static_cast<double>(T_max_));
    state["eta_min"] = f64(eta_min_);
}
void CosineAnnealingLR::load_extra(const StateDict& state) {
    const std::string op = "CosineAnnealingLR.load_state_dict";
    const int64_t T_max = read_int(op, state, "T_max");
    const double eta_min = read_scalar(op, state, "eta_min");
    TINYDL_CHECK(T_max > 0, op, "T_max must be positive, got ", T_max);
    T_max_ = T_max;
    eta_min_ = eta_min;
}

// ---- LinearLR --------------------------------------------------------------------------------------------------------
namespace {
void check_linear_lr(const char* op, double start_factor, double end_factor, int64_t total_iters) {
    TINYDL_CHECK(start_factor > 0 && start_factor <= 1, op,
                 "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got ",
                 start_factor);
    TINYDL_CHECK(end_factor >= 0 && end_factor <= 1, op, "Ending multiplicative factor expected to be between 0 and 1, got ",
                 end_factor);
    TINYDL_CHECK(total_iters > 0, op, "total_iters must be positive, got ", total_iters);
}
}  // namespace

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
    check_linear_lr("LinearLR", start_factor, end_factor, total_iters);
    initial_step();
}

// The factor goes start -> end in total_iters equal steps; the ratio of consecutive factors is
// 1 + (end - start) / (total_iters start + (e - 1)(end - start)).
std::vector<double> LinearLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0) {
        for (double& lr : lrs) lr *= start_factor_;
        return lrs;
    }
    if (is_initial_ || last_epoch_ > total_iters_) return lrs;
    const double delta = end_factor_ - start_factor_;
    const double ratio =
        1.0 + delta / (static_cast<double>(total_iters_) * start_factor_ + static_cast<double>(last_epoch_ - 1) * delta);
    for (double& lr : lrs) lr *= ratio;
    return lrs;
}

std::vector<double> LinearLR::closed_form_lr() {
    std::vector<double> lrs;
    const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
    for (double base : base_lrs_)
        lrs.push_back(base * (start_factor_ + (end_factor_ - start_factor_) * done / static_cast<double>(total_iters_)));
    return lrs;
}

void LinearLR::save_extra(StateDict& state) const {
    state["start_factor"] = f64(start_factor_);
    state["end_factor"] = f64(end_factor_);
    state["total_iters"] = f64(static_cast<double>(total_iters_));
}
void LinearLR::load_extra(const StateDict& state) {
    const char* op = "LinearLR.load_state_dict";
    const double start = read_scalar(op, state, "start_factor"), end = read_scalar(op, state, "end_factor");
    const int64_t total = read_int(op, state, "total_iters");
    check_linear_lr(op, start, end, total);
    start_factor_ = start;
    end_factor_ = end;
    total_iters_ = total;
}

// ---- OneCycleLR --------------------------------------------------------------------------------------------------------
OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleLROptions& options)
    : OneCycleLR(optimizer, std::vector<double>(optimizer.num_param_groups(), max_lr), total_steps, options) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, int64_t total_steps,
                       const OneCycleLROptions& options)
    : LRScheduler(optimizer), total_steps_(total_steps), options_(options) {
    const char* op = "OneCycleLR";
    TINYDL_CHECK(total_steps > 0, op, "Expected positive integer total_steps, but got ", total_steps);
    TINYDL_CHECK(options.pct_start >= 0 && options.pct_start <= 1, op, "Expected float between 0 and 1 pct_start, but got ",
                 options.pct_start);
    TINYDL_CHECK(options.anneal_strategy == "cos" || options.anneal_strategy == "linear", op,
                 "anneal_strategy must be one of 'cos' or 'linear', instead got ", options.anneal_strategy);
    TINYDL_CHECK(max_lrs.size() == optimizer.num_param_groups(), op,
                 "max_lr must have the same length as optimizer.param_groups. max_lr has ", max_lrs.size(),
                 " values, param_groups has ", optimizer.num_param_groups(), ".");
    if (options.cycle_momentum) {
        const OptimizerOptions& d = optimizer.defaults();
        TINYDL_CHECK(d.has("momentum") || d.has("betas"), op,
                     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled (", optimizer.name(),
                     " has neither; pass {.cycle_momentum = false})");
        use_beta1_ = d.has("betas");
    }

    // The phases, as fractions of total_steps: (end step, lr from -> to, momentum from -> to).
    const double T = static_cast<double>(total_steps), pct = options.pct_start;
    if (options.three_phase) {
        phases_ = {{pct * T - 1, Point::Initial, Point::Max, true, false},
                   {2 * pct * T - 2, Point::Max, Point::Initial, false, true},
                   {T - 1, Point::Initial, Point::Min, true, true}};
    } else {
        phases_ = {{pct * T - 1, Point::Initial, Point::Max, true, false}, {T - 1, Point::Max, Point::Min, false, true}};
    }

    // The cycle starts at max_lr / div_factor: that becomes each group's initial_lr (base lr).
    std::vector<ParamGroup>& groups = optimizer.param_groups();
    for (size_t g = 0; g < groups.size(); ++g) {
        initial_lrs_.push_back(max_lrs[g] / options.div_factor);
        max_lrs_.push_back(max_lrs[g]);
        min_lrs_.push_back(initial_lrs_[g] / options.final_div_factor);
        groups[g].initial_lr = initial_lrs_[g];
        if (options.cycle_momentum) {
            if (use_beta1_) groups[g].options->set("betas", {options.max_momentum, groups[g].options->get("betas")[1]});
            else groups[g].options->set("momentum", {options.max_momentum});
        }
    }
    base_lrs_ = initial_lrs_;
    initial_step();
}

double OneCycleLR::lr_at(size_t group, Point point) const {
    switch (point) {
        case Point::Initial: return initial_lrs_[group];
        case Point::Max: return max_lrs_[group];
        case Point::Min: return min_lrs_[group];
    }
    return 0;
}

double OneCycleLR::anneal(double start, double end, double pct) const {
    if (options_.anneal_strategy == "cos") return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1);
    return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
    const double step_num = static_cast<double>(last_epoch_);
    TINYDL_CHECK(last_epoch_ <= total_steps_, "OneCycleLR.step", "Tried to step ", last_epoch_,
                 " times. The specified number of total steps is ", total_steps_);
    std::vector<double> lrs;
    std::vector<ParamGroup>& groups = optimizer_->param_groups();
    for (size_t g = 0; g < std::min(groups.size(), initial_lrs_.size()); ++g) {
        double start_step = 0;
        for (size_t i = 0; i < phases_.size(); ++i) {
            const Phase& phase = phases_[i];
            if (step_num <= phase.end_step || i == phases_.size() - 1) {
                TINYDL_CHECK(phase.end_step != start_step, "OneCycleLR.step", "phase ", i, " of the cycle is empty (total_steps=",
                             total_steps_, ", pct_start=", options_.pct_start, "); use more steps or another pct_start");
                const double pct = (step_num - start_step) / (phase.end_step - start_step);
                lrs.push_back(anneal(lr_at(g, phase.start_lr), lr_at(g, phase.end_lr), pct));
                if (options_.cycle_momentum) {
                    const double from = phase.momentum_starts_high ? options_.max_momentum : options_.base_momentum;
                    const double to = phase.momentum_ends_high ? options_.max_momentum : options_.base_momentum;
                    const double momentum = anneal(from, to, pct);
                    OptimizerOptions& o = *groups[g].options;
                    if (use_beta1_) o.set("betas", {momentum, o.get("betas")[1]});
                    else o.set("momentum", {momentum});
                }
                break;
            }
            start_step = phase.end_step;
        }
    }
    return lrs;
}

std::vector<std::string> OneCycleLR::extra_keys() const {
    return {"total_steps",   "pct_start",     "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
            "three_phase",   "div_factor",    "final_div_factor", "initial_lrs",   "max_lrs",       "min_lrs"};
}

void OneCycleLR::save_extra(StateDict& state) const {
    state["total_steps"] = f64(static_cast<double>(total_steps_));
    state["pct_start"] = f64(options_.pct_start);
    state["anneal_strategy"] = f64(options_.anneal_strategy == "cos" ? 0.0 : 1.0);  // 0 cos, 1 linear
    state["cycle_momentum"] = f64(options_.cycle_momentum ? 1.0 : 0.0);
    state["base_momentum"] = f64(options_.base_momentum);
    state["max_momentum"] = f64(options_.max_momentum);
    state["three_phase"] = f64(options_.three_phase ? 1.0 : 0.0);
    state["div_factor"] = f64(options_.div_factor);
    state["final_div_factor"] = f64(options_.final_div_factor);
    state["initial_lrs"] = f64(initial_lrs_);
    state["max_lrs"] = f64(max_lrs_);
    state["min_lrs"] = f64(min_lrs_);
}

void OneCycleLR::load_extra(const StateDict& state) {
    const std::string op = "OneCycleLR.load_state_dict";
    const size_t groups = optimizer_->num_param_groups();
    const int64_t total_steps = read_int(op, state, "total_steps");
    TINYDL_CHECK(total_steps > 0, op, "Expected positive integer total_steps, but got ", total_steps);
    OneCycleLROptions o;
    o.pct_start = read_scalar(op, state, "pct_start");
    o.anneal_strategy = read_scalar(op, state, "anneal_strategy") == 0 ? "cos" : "linear";
    o.cycle_momentum = read_scalar(op, state, "cycle_momentum") != 0;
    o.base_momentum = read_scalar(op, state, "base_momentum");
    o.max_momentum = read_scalar(op, state, "max_momentum");
    o.three_phase = read_scalar(op, state, "three_phase") != 0;
    o.div_factor = read_scalar(op, state, "div_factor");
    o.final_div_factor = read_scalar(op, state, "final_div_factor");
    std::vector<double> initial = read_vector(op, state, "initial_lrs", groups);
    std::vector<double> max = read_vector(op, state, "max_lrs", groups);
    std::vector<double> min = read_vector(op, state, "min_lrs", groups);
    TINYDL_CHECK(!o.cycle_momentum || use_beta1_ || optimizer_->defaults().has("momentum"), op,
                 "the saved scheduler cycles momentum, but ", optimizer_->name(), " has no momentum");
    // Rebuild the phases from the loaded settings.
    const double T = static_cast<double>(total_steps), pct = o.pct_start;
    if (o.three_phase)
        phases_ = {{pct * T - 1, Point::Initial, Point::Max, true, false},
                   {2 * pct * T - 2, Point::Max, Point::Initial, false, true},
                   {T - 1, Point::Initial, Point::Min, true, true}};
    else
        phases_ = {{pct * T - 1, Point::Initial, Point::Max, true, false}, {T - 1, Point::Max, Point::Min, false, true}};
    total_steps_ = total_steps;
    options_ = o;
    initial_lrs_ = std::move(initial);
    max_lrs_ = std::move(max);
    min_lrs_ = std::move(min);
}

// ---- SequentialLR --------------------------------------------------------------------------------------------------------
SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
    const char* op = "SequentialLR";
    TINYDL_CHECK(!schedulers_.empty(), op, "SequentialLR expects at least one scheduler, but got no scheduler.");
    for (size_t i = 0; i < schedulers_.size(); ++i) {
        TINYDL_CHECK(schedulers_[i] != nullptr, op, "scheduler ", i, " is null");
        TINYDL_CHECK(&schedulers_[i]->optimizer() == &optimizer, op,
                     "SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler ",
                     schedulers_[i]->name(), " at index ", i, " attached to another ", schedulers_[i]->optimizer().name());
    }
    TINYDL_CHECK(milestones_.size() + 1 == schedulers_.size(), op,
                 "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                 "milestone points, but got number of schedulers ",
                 schedulers_.size(), " and the number of milestones to be equal to ", milestones_.size());
    TINYDL_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()), op, "milestones must be in increasing order");
    last_epoch_ = 0;

    // Every scheduler took its initial step when it was built; undo them all and restart only the first.
    for (size_t g = 0; g < optimizer.num_param_groups(); ++g) optimizer.set_lr(g, *optimizer.param_groups()[g].initial_lr);
    struct Undo {
        static void apply(LRScheduler& s) {
            if (auto* seq = dynamic_cast<SequentialLR*>(&s)) {
                for (auto& child : seq->schedulers_) apply(*child);
            } else {
                s.last_epoch_ -= 1;
            }
        }
    };
    for (auto& s : schedulers_) Undo::apply(*s);
    schedulers_[0]->initial_step();
    last_lr_ = schedulers_[0]->get_last_lr();
}

std::vector<double> SequentialLR::get_lr() { return group_lrs(); }

void SequentialLR::step() {
    ++last_epoch_;
    const size_t idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
    LRScheduler& s = *schedulers_[idx];
    // At its milestone a scheduler restarts from its own epoch 0, by its closed form.
    if (idx > 0 && milestones_[idx - 1] == last_epoch_) s.update_lr_closed_form(0);
    else s.step();
    last_lr_ = s.get_last_lr();
}

StateDict SequentialLR::state_dict() const {
    StateDict state = LRScheduler::state_dict();
    state["_milestones"] = f64(milestones_);
    for (size_t i = 0; i < schedulers_.size(); ++i)
        for (auto& [key, value] : schedulers_[i]->state_dict())
            state["_schedulers." + std::to_string(i) + "." + key] = value;
    return state;
}

void SequentialLR::load_state_dict(const StateDict& state) {
    const std::string op = "SequentialLR.load_state_dict";
    StateDict own;
    std::vector<StateDict> children(schedulers_.size());
    for (const auto& [key, value] : state) {
        if (key.rfind("_schedulers.", 0) != 0) {
            own[key] = value;
            continue;
        }
        const std::string rest = key.substr(12);
        const size_t dot = rest.find('.');
        size_t i = 0;
        bool ok = dot != std::string::npos && dot > 0 && rest.find_first_not_of("0123456789") == dot;
        if (ok) i = std::stoul(rest.substr(0, dot));
        TINYDL_CHECK(ok && i < schedulers_.size(), op, "Unexpected key(s) in state_dict: \"", key, "\" (",
                     schedulers_.size(), " schedulers)");
        children[i][rest.substr(dot + 1)] = value;
    }
    TINYDL_CHECK(own.count("_milestones"), op, "Missing key(s) in state_dict: \"_milestones\"");
    std::vector<int64_t> milestones;
    for (double m : read_vector(op, own, "_milestones", milestones_.size())) milestones.push_back(static_cast<int64_t>(m));
    own.erase("_milestones");
    LRScheduler::load_state_dict(own);
    for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(children[i]);
    milestones_ = std::move(milestones);
}

// ---- ReduceLROnPlateau ---------------------------------------------------------------------------------------------------
ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o)
    : optimizer_(&optimizer),
      factor_(o.factor),
      patience_(o.patience),
      threshold_(o.threshold),
      cooldown_(o.cooldown),
      eps_(o.eps) {
    const char* op = "ReduceLROnPlateau";
    TINYDL_CHECK(o.factor < 1.0, op, "Factor should be < 1.0. (got ", o.factor, ")");
    TINYDL_CHECK(o.mode == "min" || o.mode == "max", op, "mode ", o.mode, " is unknown!");
    TINYDL_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", op, "threshold mode ", o.threshold_mode,
                 " is unknown!");
    const size_t groups = optimizer.num_param_groups();
    TINYDL_CHECK(o.min_lr.size() == 1 || o.min_lr.size() == groups, op, "expected ", groups, " min_lrs, got ",
                 o.min_lr.size());
    min_lr_per_group_ = o.min_lr.size() != 1;
    min_lrs_ = o.min_lr.size() == 1 ? std::vector<double>(groups, o.min_lr[0]) : o.min_lr;
    mode_max_ = o.mode == "max";
    threshold_abs_ = o.threshold_mode == "abs";
    best_ = mode_max_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    for (size_t g = 0; g < groups; ++g) last_lr_.push_back(optimizer.get_lr(g));
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
    if (!mode_max_ && !threshold_abs_) return a < best * (1.0 - threshold_);
    if (!mode_max_ && threshold_abs_) return a < best - threshold_;
    if (mode_max_ && !threshold_abs_) return a > best * (threshold_ + 1.0);
    return a > best + threshold_;
}

void ReduceLROnPlateau::step(double metric) {
    ++last_epoch_;
    if (is_better(metric, best_)) {
        best_ = metric;
        num_bad_epochs_ = 0;
    } else {
        ++num_bad_epochs_;
    }
    if (in_cooldown()) {
        --cooldown_counter_;
        num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
    }
    if (num_bad_epochs_ > patience_) {
        reduce_lr();
        cooldown_counter_ = cooldown_;
        num_bad_epochs_ = 0;
    }
    last_lr_.clear();
    for (size_t g = 0; g < optimizer_->num_param_groups(); ++g) last_lr_.push_back(optimizer_->get_lr(g));
}

void ReduceLROnPlateau::reduce_lr() {
    const size_t groups = optimizer_->num_param_groups();
    if (min_lrs_.size() != groups) {
        TINYDL_CHECK(!min_lr_per_group_, "ReduceLROnPlateau.step", "The number of param groups in the optimizer (",
                     groups, ") differs from when ReduceLROnPlateau was initialized (", min_lrs_.size(),
                     "), usually due to a new param group being added to the optimizer");
        min_lrs_.assign(groups, min_lrs_.empty() ? 0.0 : min_lrs_[0]);
    }
    for (size_t g = 0; g < groups; ++g) {
        const double old_lr = optimizer_->get_lr(g);
        const double new_lr = std::max(old_lr * factor_, min_lrs_[g]);
        if (old_lr - new_lr > eps_) optimizer_->set_lr(g, new_lr);
    }
}

StateDict ReduceLROnPlateau::state_dict() const {
    StateDict state;
    state["mode"] = f64(mode_max_ ? 1.0 : 0.0);
    state["threshold_mode"] = f64(threshold_abs_ ? 1.0 : 0.0);
    state["factor"] = f64(factor_);
    state["patience"] = f64(static_cast<double>(patience_));
    state["threshold"] = f64(threshold_);
    state["cooldown"] = f64(static_cast<double>(cooldown_));
    state["min_lrs"] = f64(min_lrs_);
    state["eps"] = f64(eps_);
    state["best"] = f64(best_);
    state["num_bad_epochs"] = f64(static_cast<double>(num_bad_epochs_));
    state["cooldown_counter"] = f64(static_cast<double>(cooldown_counter_));
    state["last_epoch"] = f64(static_cast<double>(last_epoch_));
    state["_last_lr"] = f64(last_lr_);
    return state;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& state) {
    const std::string op = "ReduceLROnPlateau.load_state_dict";
    check_keys(op, state,
               {"mode", "threshold_mode", "factor", "patience", "threshold", "cooldown", "min_lrs", "eps", "best",
                "num_bad_epochs", "cooldown_counter", "last_epoch", "_last_lr"});
    const double factor = read_scalar(op, state, "factor");
    TINYDL_CHECK(factor < 1.0, op, "Factor should be < 1.0. (got ", factor, ")");
    std::vector<double> min_lrs = read_vector(op, state, "min_lrs", optimizer_->num_param_groups());
    std::vector<double> last_lr = read_vector(op, state, "_last_lr", optimizer_->num_param_groups());
    const bool mode_max = read_scalar(op, state, "mode") != 0;
    const bool threshold_abs = read_scalar(op, state, "threshold_mode") != 0;
    const int64_t patience = read_int(op, state, "patience"), cooldown = read_int(op, state, "cooldown");
    const double threshold = read_scalar(op, state, "threshold"), eps = read_scalar(op, state, "eps");
    const double best = read_scalar(op, state, "best");
    const int64_t num_bad_epochs = read_int(op, state, "num_bad_epochs");
    const int64_t cooldown_counter = read_int(op, state, "cooldown_counter");
    const int64_t last_epoch = read_int(op, state, "last_epoch");
    // Everything read and checked: commit.
    mode_max_ = mode_max;
    threshold_abs_ = threshold_abs;
    factor_ = factor;
    patience_ = patience;
    threshold_ = threshold;
    cooldown_ = cooldown;
    min_lrs_ = std::move(min_lrs);
    eps_ = eps;
    best_ = best;
    num_bad_epochs_ = num_bad_epochs;
    cooldown_counter_ = cooldown_counter;
    last_epoch_ = last_epoch;
    last_lr_ = std::move(last_lr);
}

}  // namespace tinydl::optim
