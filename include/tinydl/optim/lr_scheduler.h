// lr_scheduler.h — learning-rate schedulers, as torch.optim.lr_scheduler.
//
// A scheduler changes the lr of every param group of one optimizer as training goes on. Call
// step() once per epoch (or per batch for OneCycleLR), after optimizer.step():
//
//   optim::SGD opt(params, optim::SGDOptions(0.1));
//   optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 100; ++epoch) { train(opt); sched.step(); }
//
// As in PyTorch:
// - constructing a scheduler applies epoch 0 at once (LinearLR starts at lr * start_factor);
// - step() uses the *chainable* (recursive) form that starts from the group's current lr, so
//   schedulers compose; the closed form is used where PyTorch uses it (SequentialLR milestones);
// - the first scheduler records each group's lr as its "initial_lr" in the optimizer, and every
//   scheduler takes its base lrs from there;
// - state_dict() holds the scheduler's counters and settings ("last_epoch", "base_lrs",
//   "_last_lr", ...) as float64 tensors; the lrs themselves live in the optimizer's state.
//
// A scheduler keeps a reference to its optimizer, which must outlive it.
//
// What this file is not: no LambdaLR (a C++ function cannot be saved in a state dict), no
// CyclicLR or CosineAnnealingWarmRestarts yet, and no `epoch` argument to step().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinydl/optim/optimizer.h"
#include "tinydl/state_dict.h"

namespace tinydl::optim {

class SequentialLR;

class LRScheduler {
  public:
    virtual ~LRScheduler() = default;
    LRScheduler(const LRScheduler&) = delete;
    LRScheduler& operator=(const LRScheduler&) = delete;

    // Advances one epoch and writes the new lr into every param group.
    virtual void step();
    // The lrs the last step() set, one per param group.
    std::vector<double> get_last_lr() const { return last_lr_; }
    int64_t last_epoch() const { return last_epoch_; }
    const std::vector<double>& base_lrs() const { return base_lrs_; }
    Optimizer& optimizer() const { return *optimizer_; }
    // "StepLR", ...: used in error messages.
    virtual std::string name() const = 0;

    virtual StateDict state_dict() const;
    // Throws an Error naming missing or unexpected keys, or a count that does not match the
    // optimizer's groups.
    virtual void load_state_dict(const StateDict& state);

  protected:
    // Sets each group's initial_lr (where no scheduler did yet) and takes it as the base lr.
    // The subclass constructor ends with initial_step(): a base constructor cannot call the
    // subclass's get_lr().
    explicit LRScheduler(Optimizer& optimizer);
    // PyTorch's _initial_step: step() in "initial" mode, which moves last_epoch from -1 to 0.
    void initial_step();
    // The new lr of each group by the chainable form, from the groups' current lrs.
    virtual std::vector<double> get_lr() = 0;
    // The lr of each group as a function of last_epoch alone, where PyTorch has one
    // (_get_closed_form_lr); falls back to get_lr().
    virtual std::vector<double> closed_form_lr() { return get_lr(); }
    // step() with an explicit epoch: last_epoch = epoch, closed form (PyTorch's _update_lr(epoch)).
    void update_lr_closed_form(int64_t epoch);
    // Settings and extra counters saved beside the common ones; each a float64 tensor.
    virtual void save_extra(StateDict& /*state*/) const {}
    virtual void load_extra(const StateDict& /*state*/) {}
    virtual std::vector<std::string> extra_keys() const { return {}; }

    std::vector<double> group_lrs() const;
    void apply_lrs(const std::vector<double>& lrs);

    Optimizer* optimizer_;
    std::vector<double> base_lrs_;
    int64_t last_epoch_ = -1;
    int64_t step_count_ = 0;
    bool is_initial_ = false;
    std::vector<double> last_lr_;

    friend class SequentialLR;
};

// lr = base_lr * gamma^(epoch / step_size): decays by gamma every step_size epochs.
class StepLR : public LRScheduler {
  public:
    std::string name() const override { return "StepLR"; }
    StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

  protected:
    std::vector<double> get_lr() override;
    std::vector<double> closed_form_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override { return {"step_size", "gamma"}; }

  private:
    int64_t step_size_;
    double gamma_;
};

// lr = base_lr * gamma^(number of milestones <= epoch). A milestone listed twice decays twice.
class MultiStepLR : public LRScheduler {
  public:
    std::string name() const override { return "MultiStepLR"; }
    MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

  protected:
    std::vector<double> get_lr() override;
    std::vector<double> closed_form_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override { return {"milestones", "gamma"}; }

  private:
    std::vector<int64_t> milestones_;  // sorted
    double gamma_;
};

// lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
  public:
    std::string name() const override { return "ExponentialLR"; }
    ExponentialLR(Optimizer& optimizer, double gamma);

  protected:
    std::vector<double> get_lr() override;
    std::vector<double> closed_form_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override { return {"gamma"}; }

  private:
    double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, computed recursively as
// PyTorch does (so it composes with other schedulers); past T_max it rises again (no restarts).
class CosineAnnealingLR : public LRScheduler {
  public:
    std::string name() const override { return "CosineAnnealingLR"; }
    CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

  protected:
    std::vector<double> get_lr() override;
    std::vector<double> closed_form_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override { return {"T_max", "eta_min"}; }

  private:
    int64_t T_max_;
    double eta_min_;
};

// lr = base_lr * factor, the factor going linearly from start_factor (epoch 0) to end_factor
// (epoch total_iters and after): the usual warm-up.
class LinearLR : public LRScheduler {
  public:
    std::string name() const override { return "LinearLR"; }
    LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

  protected:
    std::vector<double> get_lr() override;
    std::vector<double> closed_form_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override { return {"start_factor", "end_factor", "total_iters"}; }

  private:
    double start_factor_;
    double end_factor_;
    int64_t total_iters_;
};

struct OneCycleLROptions {
    double pct_start = 0.3;              // share of the steps spent warming up
    std::string anneal_strategy = "cos";  // "cos" or "linear"
    // Momentum (SGD, RMSprop) or beta1 (Adam, AdamW) goes from max_momentum down to
    // base_momentum while the lr rises, and back; the optimizer needs such an option.
    bool cycle_momentum = true;
    double base_momentum = 0.85;
    double max_momentum = 0.95;
    double div_factor = 25;          // initial_lr = max_lr / div_factor
    double final_div_factor = 1e4;   // min_lr = initial_lr / final_div_factor
    bool three_phase = false;        // warm up, cool down to initial_lr, then anneal to min_lr
};

// The 1cycle policy (Smith & Topor, "Super-Convergence"): step() once per batch, total_steps
// times. lr goes from max_lr / div_factor up to max_lr over pct_start of the steps, then down
// to initial_lr / final_div_factor. It overwrites each group's initial_lr with max_lr / div_factor.
//
//   optim::OneCycleLR sched(opt, /*max_lr=*/0.1, /*total_steps=*/1000, {.anneal_strategy = "linear"});
class OneCycleLR : public LRScheduler {
  public:
    std::string name() const override { return "OneCycleLR"; }
    OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleLROptions& options = {});
    // One max_lr per param group.
    OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, int64_t total_steps,
               const OneCycleLROptions& options = {});

  protected:
    std::vector<double> get_lr() override;
    void save_extra(StateDict& state) const override;
    void load_extra(const StateDict& state) override;
    std::vector<std::string> extra_keys() const override;

  private:
    enum class Point { Initial, Max, Min };  // which lr a phase starts or ends at
    struct Phase {
        double end_step;
        Point start_lr, end_lr;
        bool momentum_starts_high, momentum_ends_high;  // max_momentum (true) or base_momentum
    };
    double lr_at(size_t group, Point point) const;
    double anneal(double start, double end, double pct) const;

    int64_t total_steps_;
    OneCycleLROptions options_;
    bool use_beta1_ = false;
    std::vector<Phase> phases_;
    std::vector<double> initial_lrs_, max_lrs_, min_lrs_;
};

// Runs `schedulers` one after the other: schedulers[i + 1] takes over at epoch milestones[i]
// (restarting from its epoch 0, by its closed form). Every scheduler must drive `optimizer`.
//
//   auto warmup = std::make_shared<optim::LinearLR>(opt, 0.1, 1.0, 5);
//   auto decay = std::make_shared<optim::CosineAnnealingLR>(opt, 95);
//   optim::SequentialLR sched(opt, {warmup, decay}, {5});
class SequentialLR : public LRScheduler {
  public:
    std::string name() const override { return "SequentialLR"; }
    SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                 std::vector<int64_t> milestones);

    void step() override;
    // Its own counters plus each scheduler's under "_schedulers.<i>.".
    StateDict state_dict() const override;
    void load_state_dict(const StateDict& state) override;

  protected:
    std::vector<double> get_lr() override;  // not used: step() delegates

  private:
    std::vector<std::shared_ptr<LRScheduler>> schedulers_;
    std::vector<int64_t> milestones_;
};

struct ReduceLROnPlateauOptions {
    std::string mode = "min";  // "min": the metric should fall (a loss); "max": rise (an accuracy)
    double factor = 0.1;       // new_lr = lr * factor
    int64_t patience = 10;     // epochs without improvement tolerated before reducing
    double threshold = 1e-4;   // how much better counts as better
    std::string threshold_mode = "rel";  // "rel": best * (1 -/+ threshold); "abs": best -/+ threshold
    int64_t cooldown = 0;      // epochs to wait after a reduction before counting again
    std::vector<double> min_lr = {0.0};  // one value for every group, or one per group
    double eps = 1e-8;         // a reduction smaller than this is skipped
};

// Reduces the lr when a metric stops improving: step(val_loss) once per epoch. Not an
// LRScheduler: its step needs the metric.
class ReduceLROnPlateau {
  public:
    explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});

    void step(double metric);
    std::vector<double> get_last_lr() const { return last_lr_; }
    int64_t last_epoch() const { return last_epoch_; }
    int64_t num_bad_epochs() const { return num_bad_epochs_; }
    double best() const { return best_; }
    bool in_cooldown() const { return cooldown_counter_ > 0; }

    // "best", "num_bad_epochs", "cooldown_counter", "last_epoch", "_last_lr", and the settings
    // ("mode" 0 = min, 1 = max; "threshold_mode" 0 = rel, 1 = abs; "min_lrs" [groups]; ...).
    StateDict state_dict() const;
    void load_state_dict(const StateDict& state);

  private:
    bool is_better(double a, double best) const;
    void reduce_lr();

    Optimizer* optimizer_;
    bool mode_max_;
    bool threshold_abs_;
    double factor_;
    int64_t patience_;
    double threshold_;
    int64_t cooldown_;
    std::vector<double> min_lrs_;
    bool min_lr_per_group_;  // given one per group (else one value, spread over new groups too)
    double eps_;
    double best_;
    int64_t num_bad_epochs_ = 0;
    int64_t cooldown_counter_ = 0;
    int64_t last_epoch_ = 0;
    std::vector<double> last_lr_;
};

}  // namespace tinydl::optim
