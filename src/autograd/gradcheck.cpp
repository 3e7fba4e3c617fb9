// gradcheck.cpp — compare backward() with finite differences (torch.autograd.gradcheck).
//
// For a random upstream gradient v (same shape as the output), the analytical side is one
// backward pass: g_k = d<v, f(x)>/dx_k for every element k of every input. The numerical side
// perturbs each element in turn: (<v, f(x + eps e_k)> - <v, f(x - eps e_k)>) / (2 eps).
// A random v, not all ones, catches transposed and mis-broadcast gradients that a plain .sum()
// would hide.
#include <cmath>
#include <sstream>

#include "tinydl/autograd.h"
#include "tinydl/factory.h"
#include "tinydl/ops.h"

namespace tinydl {

namespace {

// <v, f(inputs)> in float64, with no graph.
double dot_with(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                const Tensor& v) {
    NoGradGuard no_grad;
    Tensor out = fn(inputs);
    return (out.to(kFloat64) * v).sum().item<double>();
}

// Reads/writes element `k` (row-major logical index) of a CPU float tensor in place, ignoring
// the version counter: gradcheck restores every value it perturbs.
double* element_ptr(const Tensor& t, int64_t k) {
    int64_t offset = 0;
    for (int64_t d = t.dim() - 1; d >= 0; --d) {
        offset += (k % t.size(d)) * t.stride(d);
        k /= t.size(d);
    }
    return t.data_ptr<double>() + offset;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, GradcheckOptions options) {
    GradcheckResult result;
    std::vector<Tensor> diff_inputs;
    for (const Tensor& t : inputs) {
        if (!t.defined() || !t.requires_grad()) continue;
        TINYDL_CHECK(t.dtype() == kFloat64 && t.is_cpu(), "gradcheck",
                     "inputs that require grad must be float64 CPU tensors (finite differences need double "
                     "precision), got ", t.dtype(), " on ", t.device());
        diff_inputs.push_back(t);
    }
    TINYDL_CHECK(!diff_inputs.empty(), "gradcheck", "no input requires grad; nothing to check");

    // Analytical: one backward with a random upstream gradient.
    Tensor out = fn(inputs);
    const auto rng_state = get_rng_state();
    manual_seed(options.seed);
    Tensor v = randn(out.sizes(), kFloat64);
    set_rng_state(rng_state);
    std::vector<Tensor> analytical;
    if (out.requires_grad()) {
        analytical = grad({out}, diff_inputs, {v.to(out.dtype())}, false, false, /*allow_unused=*/true);
    } else {
        analytical.resize(diff_inputs.size());
    }

    for (size_t i = 0; i < diff_inputs.size(); ++i) {
        const Tensor& x = diff_inputs[i];
        Tensor a = analytical[i].defined() ? analytical[i].to(kFloat64).contiguous() : zeros(x.sizes(), kFloat64);
        for (int64_t k = 0; k < x.numel(); ++k) {
            double* p = element_ptr(x, k);
            const double orig = *p;
            *p = orig + options.eps;
            const double plus = dot_with(fn, inputs, v);
            *p = orig - options.eps;
            const double minus = dot_with(fn, inputs, v);
            *p = orig;
            const double numerical = (plus - minus) / (2 * options.eps);
            const double analytic = a.data_ptr<double>()[k];
            const double err = std::abs(analytic - numerical);
            const bool bad = !(err <= options.atol + options.rtol * std::abs(numerical));  // NaN fails
            if (err > result.max_abs_error || std::isnan(err)) result.max_abs_error = err;
            if (bad && result.ok) {
                result.ok = false;
                std::ostringstream msg;
                msg << "gradcheck: input " << i << " (shape " << x.sizes() << "), element " << k
                    << ": analytical " << analytic << " vs numerical " << numerical << " (|diff| " << err
                    << ", allowed " << options.atol + options.rtol * std::abs(numerical) << ")";
                result.message = msg.str();
            }
        }
    }
    if (result.ok) result.message = "gradcheck: ok (max |diff| " + std::to_string(result.max_abs_error) + ")";
    return result;
}

GradcheckResult gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                              const std::vector<Tensor>& inputs, GradcheckOptions options) {
    // The first-order gradient as a function of the inputs, with a fixed upstream gradient.
    Tensor out;
    {
        NoGradGuard no_grad;
        out = fn(inputs);
    }
    const auto rng_state = get_rng_state();
    manual_seed(options.seed + 1);
    Tensor v = randn(out.sizes(), kFloat64);
    set_rng_state(rng_state);
    auto first_order = [&](const std::vector<Tensor>& xs) {
        // gradcheck evaluates this under NoGradGuard for its finite differences, but the inner
        // grad() needs a graph to differentiate.
        EnableGradGuard enable_grad;
        std::vector<Tensor> diff;
        for (const Tensor& t : xs)
            if (t.requires_grad()) diff.push_back(t);
        Tensor y = fn(xs);
        std::vector<Tensor> g = grad({y}, diff, {v.to(y.dtype())}, true, /*create_graph=*/true, true);
        // Concatenate the flattened gradients into one output to check.
        std::vector<Tensor> parts;
        for (size_t i = 0; i < g.size(); ++i)
            parts.push_back(g[i].defined() ? g[i].reshape({-1}) : zeros({diff[i].numel()}, kFloat64));
        return cat(parts, 0);
    };
    return gradcheck(first_order, inputs, options);
}

}  // namespace tinydl
