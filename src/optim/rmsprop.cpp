// rmsprop.cpp — RMSprop's update (formula in rmsprop.h), as a fused CPU loop and as tinydl ops
// (see src/optim/fused.h).
#include "tinydl/optim/rmsprop.h"

#include <cmath>

#include "src/core/dispatch.h"
#include "src/optim/fused.h"
#include "tinydl/autograd.h"
#include "tinydl/factory.h"

namespace tinydl::optim {

std::vector<OptionRef> RMSpropOptions::fields() {
    return {{"lr", &lr_},           {"alpha", &alpha_},       {"eps", &eps_},         {"weight_decay", &weight_decay_},
            {"momentum", &momentum_}, {"centered", &centered_}, {"maximize", &maximize_}};
}

namespace {
void check_rmsprop_options(const OptimizerOptions& base) {
    const auto& o = static_cast<const RMSpropOptions&>(base);
    TINYDL_CHECK(o.lr() >= 0, "RMSprop", "Invalid learning rate: ", o.lr());
    TINYDL_CHECK(o.eps() >= 0, "RMSprop", "Invalid epsilon value: ", o.eps());
    TINYDL_CHECK(o.momentum() >= 0, "RMSprop", "Invalid momentum value: ", o.momentum());
    TINYDL_CHECK(o.weight_decay() >= 0, "RMSprop", "Invalid weight_decay value: ", o.weight_decay());
    TINYDL_CHECK(o.alpha() >= 0, "RMSprop", "Invalid alpha value: ", o.alpha());
}

// The hyper-parameters of one update, rounded to the parameter's dtype. Passed by value: see
// Note [Fused loops] in src/optim/fused.h.
template <typename T> struct RMSpropScalars {
    T neg_lr, weight_decay, eps, alpha, w, momentum;  // w = 1 - alpha
    bool maximize, decay;
};

// Elements [begin, end) of one update. Maths names: v = square_avg, a = grad_avg,
// buf = momentum_buffer. centered and momentum are template arguments because they decide
// which state is stored to (a conditional store keeps the compiler from vectorizing).
template <typename T, bool kCentered, bool kMomentum>
void rmsprop_chunk(T* __restrict p, const T* __restrict grad, T* __restrict v, T* __restrict a, T* __restrict buf,
                   int64_t begin, int64_t end, const RMSpropScalars<T> s) {
    for (int64_t i = begin; i < end; ++i) {
        T g = s.maximize ? -grad[i] : grad[i];
        if (s.decay) g = g + s.weight_decay * p[i];
        const T v_i = v[i] * s.alpha + s.w * g * g;
        v[i] = v_i;
        T avg;
        if constexpr (kCentered) {  // subtract the squared mean gradient: a variance, not a 2nd moment
            const T a_i = detail::lerp(a[i], g, s.w);
            a[i] = a_i;
            avg = std::sqrt(v_i + T(-1) * a_i * a_i);
        } else {
            avg = std::sqrt(v_i);
        }
        avg = avg + s.eps;
        if constexpr (kMomentum) {
            const T b = buf[i] * s.momentum + g / avg;
            buf[i] = b;
            p[i] = p[i] + s.neg_lr * b;
        } else {
            p[i] = p[i] + s.neg_lr * g / avg;
        }
    }
}

template <typename T>
void rmsprop_cpu(T* p, const T* grad, T* v, T* a, T* buf, int64_t n, const RMSpropOptions& o) {
    const RMSpropScalars<T> s{static_cast<T>(-o.lr()),          static_cast<T>(o.weight_decay()),
                              static_cast<T>(o.eps()),          static_cast<T>(o.alpha()),
                              static_cast<T>(1.0 - o.alpha()),  static_cast<T>(o.momentum()),
                              o.maximize(),                     o.weight_decay() != 0};
    detail::fused_for(n, [&](int64_t begin, int64_t end) {
        if (a && buf) rmsprop_chunk<T, true, true>(p, grad, v, a, buf, begin, end, s);
        else if (a) rmsprop_chunk<T, true, false>(p, grad, v, a, nullptr, begin, end, s);
        else if (buf) rmsprop_chunk<T, false, true>(p, grad, v, nullptr, buf, begin, end, s);
        else rmsprop_chunk<T, false, false>(p, grad, v, nullptr, nullptr, begin, end, s);
    });
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::move(groups), options, check_rmsprop_options) {}

void RMSprop::step() {
    NoGradGuard no_grad;
    for_each_param_with_grad<RMSpropOptions>([](Tensor& p, const Tensor& grad, ParamState& state,
                                                const RMSpropOptions& o) {
        if (state.empty()) {
            state["step"] = detail::make_step(0);
            state["square_avg"] = zeros(p.sizes(), p.options());
        }
        if (o.momentum() > 0 && !state.count("momentum_buffer")) state["momentum_buffer"] = zeros(p.sizes(), p.options());
        if (o.centered() && !state.count("grad_avg")) state["grad_avg"] = zeros(p.sizes(), p.options());
        detail::step_counter(state["step"]) += 1;  // counted, as PyTorch, though the update does not use it
        Tensor& v = state["square_avg"];
        Tensor a = o.centered() ? state["grad_avg"] : Tensor();
        Tensor buf = o.momentum() > 0 ? state["momentum_buffer"] : Tensor();

        // No CUDA kernel for RMSprop: on the GPU the tinydl ops below run it, one kernel per op.
        if (p.is_cpu() && detail::can_fuse(p, {&grad, &v, &a, &buf})) {
            dispatch_floating(p.dtype(), "RMSprop.step", [&]<typename T>() {
                rmsprop_cpu<T>(p.data_ptr<T>(), grad.data_ptr<T>(), v.data_ptr<T>(),
                               a.defined() ? a.data_ptr<T>() : nullptr, buf.defined() ? buf.data_ptr<T>() : nullptr,
                               p.numel(), o);
            });
            detail::bump_versions({&p, &v, &a, &buf});
            return;
        }
        const Tensor g = detail::effective_grad(grad, p, o.maximize(), o.weight_decay());
        v.mul_(o.alpha()).add_(mul(g, 1.0 - o.alpha()).mul_(g));
        Tensor avg;
        if (o.centered()) {
            detail::lerp_(a, g, 1.0 - o.alpha());
            avg = sqrt(add(v, mul(a, -1.0).mul_(a)));
        } else {
            avg = sqrt(v);
        }
        avg.add_(o.eps());
        if (o.momentum() > 0) {
            buf.mul_(o.momentum()).add_(div(g, avg));
            p.add_(buf, -o.lr());
        } else {
            p.add_(mul(g, -o.lr()).div_(avg));
        }
    });
}

std::vector<std::string> RMSprop::state_names(const OptimizerOptions&) const {
    return {"step", "square_avg", "momentum_buffer", "grad_avg"};
}
std::vector<std::string> RMSprop::required_state_names(const OptimizerOptions& base) const {
    const auto& o = static_cast<const RMSpropOptions&>(base);
    std::vector<std::string> names = {"step", "square_avg"};
    if (o.momentum() > 0) names.push_back("momentum_buffer");
    if (o.centered()) names.push_back("grad_avg");
    return names;
}

}  // namespace tinydl::optim
