// sgd.cpp — SGD's update (formula in sgd.h): a fused CPU loop, its CUDA twin
// (src/cuda/optim.cu), and the same maths in tinydl ops for other layouts (see
// src/optim/fused.h).
#include "tinydl/optim/sgd.h"

#include "src/core/dispatch.h"
#ifdef TINYDL_WITH_CUDA
#include "src/cuda/optim.h"
#endif
#include "src/optim/fused.h"
#include "tinydl/autograd.h"
#include "tinydl/factory.h"

namespace tinydl::optim {

std::vector<OptionRef> SGDOptions::fields() {
    return {{"lr", &lr_},
            {"momentum", &momentum_},
            {"dampening", &dampening_},
            {"weight_decay", &weight_decay_},
            {"nesterov", &nesterov_},
            {"maximize", &maximize_}};
}

namespace {
void check_sgd_options(const OptimizerOptions& base) {
    const auto& o = static_cast<const SGDOptions&>(base);
    TINYDL_CHECK(o.lr() >= 0, "SGD", "Invalid learning rate: ", o.lr());
    TINYDL_CHECK(o.momentum() >= 0, "SGD", "Invalid momentum value: ", o.momentum());
    TINYDL_CHECK(o.weight_decay() >= 0, "SGD", "Invalid weight_decay value: ", o.weight_decay());
    TINYDL_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0), "SGD",
                 "Nesterov momentum requires a momentum and zero dampening (momentum=", o.momentum(),
                 ", dampening=", o.dampening(), ")");
}

// The hyper-parameters of one update, rounded to the parameter's dtype as PyTorch's kernels
// round a Python float. Passed by value: see Note [Fused loops] in src/optim/fused.h.
template <typename T> struct SGDScalars {
    T lr, weight_decay, momentum, keep;  // keep = 1 - dampening
    bool maximize, nesterov, decay, first;  // first: the momentum buffer is new and becomes g
};

// Elements [begin, end) of one update. Momentum is a template argument because it decides
// whether buf is stored to: a conditional store would keep the compiler from vectorizing.
template <typename T, bool kMomentum>
void sgd_chunk(T* __restrict p, const T* __restrict grad, T* __restrict buf, int64_t begin, int64_t end,
               const SGDScalars<T> s) {
    for (int64_t i = begin; i < end; ++i) {
        T g = s.maximize ? -grad[i] : grad[i];
        if (s.decay) g = g + s.weight_decay * p[i];
        if constexpr (kMomentum) {
            const T b = s.first ? g : buf[i] * s.momentum + s.keep * g;
            buf[i] = b;
            g = s.nesterov ? g + s.momentum * b : b;
        }
        p[i] = p[i] + (-s.lr) * g;
    }
}

// buf is null without momentum.
template <typename T>
void sgd_cpu(T* p, const T* grad, T* buf, int64_t n, const SGDOptions& o, bool first) {
    const SGDScalars<T> s{static_cast<T>(o.lr()),       static_cast<T>(o.weight_decay()),
                          static_cast<T>(o.momentum()), static_cast<T>(1.0 - o.dampening()),
                          o.maximize(),                 o.nesterov(),
                          o.weight_decay() != 0,        first};
    detail::fused_for(n, [&](int64_t begin, int64_t end) {
        if (buf != nullptr) sgd_chunk<T, true>(p, grad, buf, begin, end, s);
        else sgd_chunk<T, false>(p, grad, nullptr, begin, end, s);
    });
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer("SGD", std::move(groups), options, check_sgd_options) {}

void SGD::step() {
    NoGradGuard no_grad;
    for_each_param_with_grad<SGDOptions>([](Tensor& p, const Tensor& grad, ParamState& state, const SGDOptions& o) {
        const bool use_momentum = o.momentum() != 0;
        Tensor buf;
        bool first = false;
        if (use_momentum) {
            auto it = state.find("momentum_buffer");
            first = it == state.end();
            buf = first ? empty(p.sizes(), p.options()) : it->second;
            if (first) state["momentum_buffer"] = buf;
        }
        const bool fusable = detail::can_fuse(p, {&grad, &buf});
        if (fusable && p.is_cpu()) {
            dispatch_floating(p.dtype(), "SGD.step", [&]<typename T>() {
                sgd_cpu<T>(p.data_ptr<T>(), grad.data_ptr<T>(), use_momentum ? buf.data_ptr<T>() : nullptr, p.numel(),
                           o, first);
            });
            detail::bump_versions({&p, &buf});
            return;
        }
#ifdef TINYDL_WITH_CUDA
        if (fusable && p.is_cuda()) {
            const cuda::SGDStepArgs args{o.lr(),       o.momentum(), o.dampening(), o.weight_decay(),
                                         o.nesterov(), o.maximize(), first};
            cuda::sgd_step(view_of(p), view_of(grad), use_momentum ? view_of(buf) : TensorView{}, args);
            detail::bump_versions({&p, &buf});
            return;
        }
#endif
        Tensor g = detail::effective_grad(grad, p, o.maximize(), o.weight_decay());
        if (use_momentum) {
            if (first) buf.copy_(g);
            else buf.mul_(o.momentum()).add_(g, 1.0 - o.dampening());
            g = o.nesterov() ? add(g, buf, o.momentum()) : buf;
        }
        p.add_(g, -o.lr());
    });
}

std::vector<std::string> SGD::state_names(const OptimizerOptions&) const { return {"momentum_buffer"}; }
std::vector<std::string> SGD::required_state_names(const OptimizerOptions&) const { return {}; }

}  // namespace tinydl::optim
