// optimizer.h — the Optimizer base class: parameter groups, per-parameter state, zero_grad,
// step, and state_dict / load_state_dict in PyTorch's layout.
//
// An optimizer holds *handles* to the parameters (tensors that require grad) and updates them in
// place in step(), under NoGradGuard, from the gradients that backward() left in p.grad().
// Parameters come in groups; each group has its own hyper-parameters (lr, momentum, ...), so
// one model can train its head faster than its body:
//
//   optim::SGD opt({optim::ParamGroup(body->parameters()),
//                   optim::ParamGroup(head->parameters(), optim::SGDOptions(0.1))},
//                  optim::SGDOptions(0.01).momentum(0.9));
//
// What this file is not: it knows nothing of nn::Module (it takes std::vector<Tensor>), and it
// has no update rule; SGD, Adam, AdamW, RMSprop and Adagrad (sgd.h, adam.h, ...) supply one.
// Read next: sgd.h (the simplest rule), lr_scheduler.h (changing lr while training).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tinydl/state_dict.h"
#include "tinydl/tensor.h"

namespace tinydl::optim {

// One hyper-parameter seen generically, by its PyTorch name and where it lives, so that the
// base class can save, load and look up the options of any optimizer (state_dict, schedulers).
struct OptionRef {
    const char* name;
    std::variant<double*, bool*, std::pair<double, double>*> value;
};

// The hyper-parameters of one parameter group. Each optimizer has its own subclass with
// PyTorch's defaults and chained setters: SGDOptions(0.1).momentum(0.9).nesterov(true).
class OptimizerOptions {
  public:
    virtual ~OptimizerOptions() = default;
    virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
    // Every hyper-parameter, lr first, as PyTorch names them in param_groups.
    virtual std::vector<OptionRef> fields() = 0;

    double lr() const { return lr_; }
    void set_lr(double lr) { lr_ = lr; }

    // Generic access by name; a bool reads as 0 or 1 and betas as two numbers.
    bool has(std::string_view name) const;
    std::vector<double> get(std::string_view name) const;          // throws for an unknown name
    void set(std::string_view name, const std::vector<double>& value);  // throws for a wrong arity

  protected:
    explicit OptimizerOptions(double lr) : lr_(lr) {}
    OptimizerOptions(const OptimizerOptions&) = default;
    OptimizerOptions& operator=(const OptimizerOptions&) = default;
    double lr_;
};

// A list of parameters trained with the same hyper-parameters. Without options the group uses
// the optimizer's defaults (the options given to its constructor).
struct ParamGroup {
    ParamGroup(std::vector<Tensor> params) : params(std::move(params)) {}  // NOLINT: implicit
    ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options)
        : params(std::move(params)), options(options.clone()) {}
    ParamGroup(const ParamGroup& other);
    ParamGroup& operator=(const ParamGroup& other);
    ParamGroup(ParamGroup&&) = default;
    ParamGroup& operator=(ParamGroup&&) = default;

    std::vector<Tensor> params;
    std::unique_ptr<OptimizerOptions> options;
    // The lr when the first LR scheduler was attached (PyTorch's group["initial_lr"]); schedulers
    // read it as their base lr, so several schedulers on one optimizer agree on where they start.
    std::optional<double> initial_lr;
};

// The state of one parameter by name ("momentum_buffer", "exp_avg", "step", ...), as PyTorch's
// optimizer.state[p]. Empty until the first step() that sees a gradient for it.
using ParamState = std::map<std::string, Tensor>;

class Optimizer {
  public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;  // the state would be shared between the copies
    Optimizer& operator=(const Optimizer&) = delete;

    // One update of every parameter that has a gradient, in place, under NoGradGuard.
    // Parameters whose grad() is undefined are skipped (they took no part in the loss).
    virtual void step() = 0;
    // set_to_none (PyTorch 2's default) drops the gradients, which saves memory and a kernel;
    // false zeroes them in place instead.
    void zero_grad(bool set_to_none = true);

    // Appends a group; its options default to the optimizer's. Checks as add_param_group does in
    // PyTorch: a parameter may appear in one group only, and must be a leaf requiring grad.
    void add_param_group(ParamGroup group);
    size_t num_param_groups() const { return groups_.size(); }
    const std::vector<ParamGroup>& param_groups() const { return groups_; }
    // For changing a group's options or initial_lr in place (schedulers do). Adding or removing
    // parameters here would shift the flat indices that state is kept by: step() refuses it.
    std::vector<ParamGroup>& param_groups() { return groups_; }
    const OptimizerOptions& defaults() const { return *defaults_; }
    // All parameters, in the flattened group order that state_dict keys use.
    std::vector<Tensor> parameters() const;

    double get_lr(size_t group = 0) const;
    void set_lr(double lr);  // every group
    void set_lr(size_t group, double lr);

    // The state of parameter `index` (flattened group order).
    const ParamState& state(size_t index) const;

    // Flat, PyTorch-like keys:
    //   "state.<i>.<name>"           a copy of parameter i's state tensor ("state.0.exp_avg");
    //                                "step" is a 0-dim float64 tensor
    //   "param_groups.<g>.<option>"  each hyper-parameter as a 0-dim float64 tensor (bools 0/1,
    //                                "betas" a [2] tensor), "initial_lr" once a scheduler set it
    //   "param_groups.<g>.params"    int64 [n]: the flat indices of the group's parameters
    StateDict state_dict() const;
    // Replaces the state and the groups' hyper-parameters (as PyTorch does) after checking that
    // the groups, parameter counts and state shapes match; a mismatch throws an Error naming the
    // key and leaves the optimizer unchanged. State tensors are copied to each parameter's
    // dtype and device ("step" stays float64 on the CPU).
    void load_state_dict(const StateDict& state_dict);

    // "SGD", "Adam", ...: used in error messages.
    const std::string& name() const { return name_; }

  protected:
    // Checks one group's hyper-parameters ("Invalid learning rate: -1"); a plain function, not a
    // virtual one, because the base constructor runs it before the subclass exists.
    using OptionsCheck = void (*)(const OptimizerOptions& options);

    // Checks the defaults, then adds each group with add_param_group; throws "optimizer got an
    // empty parameter list" when there is no parameter at all.
    Optimizer(std::string name, std::vector<ParamGroup> groups, const OptimizerOptions& defaults,
              OptionsCheck check_options);

    // The state names a parameter of a group with these options may carry, and those it must
    // carry once it has any state; load_state_dict checks loaded state against them.
    virtual std::vector<std::string> state_names(const OptimizerOptions& options) const = 0;
    virtual std::vector<std::string> required_state_names(const OptimizerOptions& options) const = 0;

    // Calls fn(param, grad, state, options) for every parameter that has a gradient, in
    // flattened order; the options are cast to the optimizer's own type.
    template <typename Options, typename F> void for_each_param_with_grad(F&& fn) {
        check_param_count("step");
        size_t index = 0;
        for (ParamGroup& group : groups_) {
            const Options& options = static_cast<const Options&>(*group.options);
            for (Tensor& p : group.params) {
                ParamState& st = state_[index++];
                if (!p.grad().defined()) continue;
                check_grad(p, index - 1);
                fn(p, p.grad(), st, options);
            }
        }
    }

    ParamState& mutable_state(size_t index);

  private:
    void check_grad(const Tensor& p, size_t index) const;
    void check_param_count(const char* method) const;

    std::string name_;
    OptionsCheck check_options_;
    std::vector<ParamGroup> groups_;
    std::unique_ptr<OptimizerOptions> defaults_;
    std::vector<ParamState> state_;  // by flat parameter index
};

namespace detail {
// The value of a 0-dim "step" state tensor, and a new one.
double step_value(const Tensor& step);
Tensor make_step(double value);
}  // namespace detail

}  // namespace tinydl::optim
