// adam.cpp — Adam's and AdamW's update (formulas in adam.h): one function for both, as a fused
// CPU loop, its CUDA twin (src/cuda/optim.cu) and tinydl ops (see src/optim/fused.h).
//
// Note [Adam bias correction]: m and v start at zero, so early on they underestimate the
// gradient's moments by the factors 1 - beta1^t and 1 - beta2^t. PyTorch divides them out in
// double precision on the host (t is a per-parameter counter) and folds the result into two
// scalars: step_size = lr / (1 - beta1^t) and sqrt(1 - beta2^t). tinydl does the same.
#include "tinydl/optim/adam.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "src/core/dispatch.h"
#ifdef TINYDL_WITH_CUDA
#include "src/cuda/optim.h"
#endif
#include "src/optim/fused.h"
#include "tinydl/autograd.h"
#include "tinydl/factory.h"

namespace tinydl::optim {

namespace {
// The hyper-parameters of one update, whichever of Adam / AdamW they came from.
struct AdamParams {
    double lr, beta1, beta2, eps, weight_decay;
    bool amsgrad, maximize;
    bool decoupled;  // AdamW: weight decay shrinks p directly instead of adding to g
};

template <typename Options> AdamParams adam_params(const Options& o, bool decoupled) {
    return {o.lr(), o.betas().first, o.betas().second, o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), decoupled};
}

template <typename Options> void check_adam_options(const OptimizerOptions& base) {
    const auto& o = static_cast<const Options&>(base);
    const char* op = std::is_same_v<Options, AdamOptions> ? "Adam" : "AdamW";
    TINYDL_CHECK(o.lr() >= 0, op, "Invalid learning rate: ", o.lr());
    TINYDL_CHECK(o.eps() >= 0, op, "Invalid epsilon value: ", o.eps());
    TINYDL_CHECK(o.betas().first >= 0 && o.betas().first < 1, op, "Invalid beta parameter at index 0: ", o.betas().first);
    TINYDL_CHECK(o.betas().second >= 0 && o.betas().second < 1, op, "Invalid beta parameter at index 1: ",
                 o.betas().second);
    TINYDL_CHECK(o.weight_decay() >= 0, op, "Invalid weight_decay value: ", o.weight_decay());
}

// The hyper-parameters of one update, rounded to the parameter's dtype as PyTorch's kernels
// round a Python float. Passed by value: see Note [Fused loops] in src/optim/fused.h.
template <typename T> struct AdamScalars {
    T weight_decay, decay_factor;  // decay_factor = 1 - lr * weight_decay (AdamW)
    T w1, beta2, w2;               // w1 = 1 - beta1 (lerp weight), w2 = 1 - beta2
    T eps, neg_step_size, bias_correction2_sqrt;
    bool maximize, l2, decoupled;
};

// Elements [begin, end) of one update: every element of p, g, m, v (and v_max) read and
// written once. Maths names: m = exp_avg, v = exp_avg_sq, v_max = max_exp_avg_sq. amsgrad is a
// template argument because it decides whether v_max is stored to (a conditional store keeps
// the compiler from vectorizing).
template <typename T, bool kAmsgrad>
void adam_chunk(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v, T* __restrict v_max,
                int64_t begin, int64_t end, const AdamScalars<T> s) {
    for (int64_t i = begin; i < end; ++i) {
        T g = s.maximize ? -grad[i] : grad[i];
        T param = p[i];
        if (s.l2) g = g + s.weight_decay * param;
        if (s.decoupled) param = param * s.decay_factor;
        const T m_i = detail::lerp(m[i], g, s.w1);
        const T v_i = v[i] * s.beta2 + s.w2 * g * g;
        m[i] = m_i;
        v[i] = v_i;
        T second = v_i;
        if constexpr (kAmsgrad) second = v_max[i] = std::max(v_max[i], v_i);
        const T denom = std::sqrt(second) / s.bias_correction2_sqrt + s.eps;
        p[i] = param + s.neg_step_size * m_i / denom;
    }
}

#if defined(__SSE2__)
// Note [Adam float32 SIMD]: the scalar loop above runs one element at a time, about 20x slower
// per element than SGD's, because std::sqrt keeps its errno check (a call on negative input)
// unless the build has -fno-math-errno, and the compiler then gives up vectorizing the loop.
// This is the same loop four floats at a time with SSE2, which every x86-64 CPU has. Each step
// is the scalar loop's operation in the scalar loop's order, and SSE2's add, mul, div and sqrt
// round exactly as their scalar forms, so the two agree to the bit (builds that let the
// compiler contract a * b + c into an FMA in the scalar loop may differ in the last bit).
// v is a sum of squares, so sqrt never sees a negative: no errno to set anyway. The options
// are the same for every element, so their branches are predictable. Returns where the
// scalar loop takes over (the tail of fewer than four).
template <bool kAmsgrad>
int64_t adam_chunk_sse(float* __restrict p, const float* __restrict grad, float* __restrict m, float* __restrict v,
                       float* __restrict v_max, int64_t begin, int64_t end, const AdamScalars<float> s) {
    const __m128 weight_decay = _mm_set1_ps(s.weight_decay), decay_factor = _mm_set1_ps(s.decay_factor);
    const __m128 w1 = _mm_set1_ps(s.w1), one_minus_w1 = _mm_set1_ps(1.0f - s.w1);
    const __m128 beta2 = _mm_set1_ps(s.beta2), w2 = _mm_set1_ps(s.w2), eps = _mm_set1_ps(s.eps);
    const __m128 neg_step_size = _mm_set1_ps(s.neg_step_size), bc2_sqrt = _mm_set1_ps(s.bias_correction2_sqrt);
    const bool small_w1 = std::abs(s.w1) < 0.5f;  // detail::lerp's choice of formula
    int64_t i = begin;
    for (; i + 4 <= end; i += 4) {
        __m128 g = _mm_loadu_ps(grad + i);
        __m128 param = _mm_loadu_ps(p + i);
        if (s.maximize) g = _mm_xor_ps(g, _mm_set1_ps(-0.0f));  // flips the sign bit, as -g (0 - g would give +0 for +0)
        if (s.l2) g = _mm_add_ps(g, _mm_mul_ps(weight_decay, param));
        if (s.decoupled) param = _mm_mul_ps(param, decay_factor);
        const __m128 m_old = _mm_loadu_ps(m + i);
        const __m128 diff = _mm_sub_ps(g, m_old);
        const __m128 m_i = small_w1 ? _mm_add_ps(m_old, _mm_mul_ps(w1, diff))
                                    : _mm_sub_ps(g, _mm_mul_ps(diff, one_minus_w1));
        const __m128 v_i =
            _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), beta2), _mm_mul_ps(_mm_mul_ps(w2, g), g));
        _mm_storeu_ps(m + i, m_i);
        _mm_storeu_ps(v + i, v_i);
        __m128 second = v_i;
        if constexpr (kAmsgrad) {
            // std::max(a, b) is (a < b) ? b : a; _mm_max_ps(x, y) is (x > y) ? x : y, so
            // max_ps(v_i, v_max) returns v_max on ties and NaN, as std::max(v_max, v_i) does.
            second = _mm_max_ps(v_i, _mm_loadu_ps(v_max + i));
            _mm_storeu_ps(v_max + i, second);
        }
        const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(second), bc2_sqrt), eps);
        _mm_storeu_ps(p + i, _mm_add_ps(param, _mm_div_ps(_mm_mul_ps(neg_step_size, m_i), denom)));
    }
    return i;
}
#endif

template <typename T>
void adam_cpu(T* p, const T* grad, T* m, T* v, T* v_max, int64_t n, const AdamParams& a, double step_size,
              double bias_correction2_sqrt) {
    const AdamScalars<T> s{static_cast<T>(a.weight_decay),
                           static_cast<T>(1.0 - a.lr * a.weight_decay),
                           static_cast<T>(1.0 - a.beta1),
                           static_cast<T>(a.beta2),
                           static_cast<T>(1.0 - a.beta2),
                           static_cast<T>(a.eps),
                           static_cast<T>(-step_size),
                           static_cast<T>(bias_correction2_sqrt),
                           a.maximize,
                           a.weight_decay != 0 && !a.decoupled,
                           a.weight_decay != 0 && a.decoupled};
    detail::fused_for(n, [&](int64_t begin, int64_t end) {
#if defined(__SSE2__)
        if constexpr (std::is_same_v<T, float>) {  // see Note [Adam float32 SIMD]
            begin = v_max != nullptr ? adam_chunk_sse<true>(p, grad, m, v, v_max, begin, end, s)
                                     : adam_chunk_sse<false>(p, grad, m, v, nullptr, begin, end, s);
        }
#endif
        if (v_max != nullptr) adam_chunk<T, true>(p, grad, m, v, v_max, begin, end, s);
        else adam_chunk<T, false>(p, grad, m, v, nullptr, begin, end, s);
    });
}

void adam_update(Tensor& p, const Tensor& grad, ParamState& state, const AdamParams& a) {
    if (state.empty()) {  // lazy state, as PyTorch: made at the parameter's first gradient
        state["step"] = detail::make_step(0);
        state["exp_avg"] = zeros(p.sizes(), p.options());
        state["exp_avg_sq"] = zeros(p.sizes(), p.options());
    }
    if (a.amsgrad && !state.count("max_exp_avg_sq")) state["max_exp_avg_sq"] = zeros(p.sizes(), p.options());
    Tensor& m = state["exp_avg"];
    Tensor& v = state["exp_avg_sq"];
    Tensor v_max = a.amsgrad ? state["max_exp_avg_sq"] : Tensor();

    double& step = detail::step_counter(state["step"]);  // on the CPU whatever p's device
    step += 1;
    // See Note [Adam bias correction].
    const double bias_correction1 = 1 - std::pow(a.beta1, step);
    const double bias_correction2 = 1 - std::pow(a.beta2, step);
    const double step_size = a.lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);

    const bool fusable = detail::can_fuse(p, {&grad, &m, &v, &v_max});
    if (fusable && p.is_cpu()) {
        dispatch_floating(p.dtype(), "Adam.step", [&]<typename T>() {
            adam_cpu<T>(p.data_ptr<T>(), grad.data_ptr<T>(), m.data_ptr<T>(), v.data_ptr<T>(),
                        a.amsgrad ? v_max.data_ptr<T>() : nullptr, p.numel(), a, step_size, bias_correction2_sqrt);
        });
        detail::bump_versions({&p, &m, &v, &v_max});
        return;
    }
#ifdef TINYDL_WITH_CUDA
    if (fusable && p.is_cuda()) {
        const cuda::AdamStepArgs args{a.lr,       a.beta1,     a.beta2,   a.eps, a.weight_decay,
                                      a.maximize, a.decoupled, step_size, bias_correction2_sqrt};
        cuda::adam_step(view_of(p), view_of(grad), view_of(m), view_of(v),
                        a.amsgrad ? view_of(v_max) : TensorView{}, args);
        detail::bump_versions({&p, &m, &v, &v_max});
        return;
    }
#endif
    // The same maths with tinydl ops, step by step as PyTorch's _single_tensor_adam.
    const Tensor g = detail::effective_grad(grad, p, a.maximize, a.decoupled ? 0.0 : a.weight_decay);
    if (a.decoupled && a.weight_decay != 0) p.mul_(1.0 - a.lr * a.weight_decay);
    detail::lerp_(m, g, 1.0 - a.beta1);
    v.mul_(a.beta2).add_(mul(g, 1.0 - a.beta2).mul_(g));
    Tensor denom;
    if (a.amsgrad) {
        v_max.copy_(maximum(v_max, v));
        denom = sqrt(v_max);
    } else {
        denom = sqrt(v);
    }
    denom.div_(bias_correction2_sqrt).add_(a.eps);
    p.add_(mul(m, -step_size).div_(denom));
}

std::vector<std::string> adam_state_names(bool amsgrad) {
    if (amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    return {"step", "exp_avg", "exp_avg_sq"};
}
}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Optimizer("Adam", std::move(groups), options, check_adam_options<AdamOptions>) {}

void Adam::step() {
    NoGradGuard no_grad;
    for_each_param_with_grad<AdamOptions>([](Tensor& p, const Tensor& grad, ParamState& state, const AdamOptions& o) {
        adam_update(p, grad, state, adam_params(o, /*decoupled=*/false));
    });
}

std::vector<std::string> Adam::state_names(const OptimizerOptions&) const { return adam_state_names(true); }
std::vector<std::string> Adam::required_state_names(const OptimizerOptions& o) const {
    return adam_state_names(static_cast<const AdamOptions&>(o).amsgrad());
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Optimizer("AdamW", std::move(groups), options, check_adam_options<AdamWOptions>) {}

void AdamW::step() {
    NoGradGuard no_grad;
    for_each_param_with_grad<AdamWOptions>([](Tensor& p, const Tensor& grad, ParamState& state, const AdamWOptions& o) {
        adam_update(p, grad, state, adam_params(o, /*decoupled=*/true));
    });
}

std::vector<std::string> AdamW::state_names(const OptimizerOptions&) const { return adam_state_names(true); }
std::vector<std::string> AdamW::required_state_names(const OptimizerOptions& o) const {
    return adam_state_names(static_cast<const AdamWOptions&>(o).amsgrad());
}

}  // namespace tinydl::optim
