// adagrad.cpp — Adagrad's update (formula in adagrad.h), as a fused CPU loop and as tinydl ops
// (see src/optim/fused.h).
#include "tinydl/optim/adagrad.h"

#include <cmath>

#include "src/core/dispatch.h"
#include "src/optim/fused.h"
#include "tinydl/autograd.h"
#include "tinydl/factory.h"

namespace tinydl::optim {

std::vector<OptionRef> AdagradOptions::fields() {
    return {{"lr", &lr_},
            {"lr_decay", &lr_decay_},
            {"weight_decay", &weight_decay_},
            {"initial_accumulator_value", &initial_accumulator_value_},
            {"eps", &eps_},
            {"maximize", &maximize_}};
}

namespace {
void check_adagrad_options(const OptimizerOptions& base) {
    const auto& o = static_cast<const AdagradOptions&>(base);
    TINYDL_CHECK(o.lr() >= 0, "Adagrad", "Invalid learning rate: ", o.lr());
    TINYDL_CHECK(o.lr_decay() >= 0, "Adagrad", "Invalid lr_decay value: ", o.lr_decay());
    TINYDL_CHECK(o.weight_decay() >= 0, "Adagrad", "Invalid weight_decay value: ", o.weight_decay());
    TINYDL_CHECK(o.initial_accumulator_value() >= 0, "Adagrad", "Invalid initial_accumulator_value value: ",
                 o.initial_accumulator_value());
    TINYDL_CHECK(o.eps() >= 0, "Adagrad", "Invalid epsilon value: ", o.eps());
}

// The hyper-parameters of one update, rounded to the parameter's dtype. Passed by value: see
// Note [Fused loops] in src/optim/fused.h.
template <typename T> struct AdagradScalars {
    T weight_decay, eps, neg_clr;  // clr = the decayed lr of this step
    bool maximize, decay;
};

// Elements [begin, end) of one update. Maths names: s = sum.
template <typename T>
void adagrad_chunk(T* __restrict p, const T* __restrict grad, T* __restrict sum, int64_t begin, int64_t end,
                   const AdagradScalars<T> s) {
    for (int64_t i = begin; i < end; ++i) {
        T g = s.maximize ? -grad[i] : grad[i];
        if (s.decay) g = g + s.weight_decay * p[i];
        const T sum_i = sum[i] + T(1) * g * g;
        sum[i] = sum_i;
        const T std_dev = std::sqrt(sum_i) + s.eps;
        p[i] = p[i] + s.neg_clr * g / std_dev;
    }
}

template <typename T>
void adagrad_cpu(T* p, const T* grad, T* sum, int64_t n, const AdagradOptions& o, double clr) {
    const AdagradScalars<T> s{static_cast<T>(o.weight_decay()), static_cast<T>(o.eps()), static_cast<T>(-clr),
                              o.maximize(), o.weight_decay() != 0};
    detail::fused_for(n, [&](int64_t begin, int64_t end) { adagrad_chunk<T>(p, grad, sum, begin, end, s); });
}
}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options)
    : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options)
    : Optimizer("Adagrad", std::move(groups), options, check_adagrad_options) {
    init_missing_state();
}

// PyTorch fills Adagrad's state in the constructor: "sum" starts at initial_accumulator_value.
// Groups added later get theirs at their first step().
void Adagrad::init_missing_state() {
    size_t index = 0;
    for (const ParamGroup& group : param_groups()) {
        const auto& o = static_cast<const AdagradOptions&>(*group.options);
        for (const Tensor& p : group.params) {
            ParamState& state = mutable_state(index++);
            if (!state.empty()) continue;
            state["step"] = detail::make_step(0);
            state["sum"] = full(p.sizes(), o.initial_accumulator_value(), p.options());
        }
    }
}

void Adagrad::step() {
    NoGradGuard no_grad;
    init_missing_state();
    for_each_param_with_grad<AdagradOptions>([](Tensor& p, const Tensor& grad, ParamState& state,
                                                const AdagradOptions& o) {
        double& step = detail::step_counter(state["step"]);  // on the CPU whatever p's device
        step += 1;
        const double clr = o.lr() / (1 + (step - 1) * o.lr_decay());
        Tensor& s = state["sum"];
        // No CUDA kernel for Adagrad: on the GPU the tinydl ops below run it, one kernel per op.
        if (p.is_cpu() && detail::can_fuse(p, {&grad, &s})) {
            dispatch_floating(p.dtype(), "Adagrad.step", [&]<typename T>() {
                adagrad_cpu<T>(p.data_ptr<T>(), grad.data_ptr<T>(), s.data_ptr<T>(), p.numel(), o, clr);
            });
            detail::bump_versions({&p, &s});
            return;
        }
        const Tensor g = detail::effective_grad(grad, p, o.maximize(), o.weight_decay());
        s.add_(mul(g, g));
        const Tensor std_dev = sqrt(s).add_(o.eps());
        p.add_(mul(g, -clr).div_(std_dev));
    });
}

std::vector<std::string> Adagrad::state_names(const OptimizerOptions&) const { return {"step", "sum"}; }
std::vector<std::string> Adagrad::required_state_names(const OptimizerOptions&) const { return {"step", "sum"}; }

}  // namespace tinydl::optim
