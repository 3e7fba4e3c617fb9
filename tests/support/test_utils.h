// test_utils.h — what every tinydl test uses: error-message checks, closeness checks with
// element-level reports, non-contiguous copies, and gradcheck wrapped for GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "tinydl/tinydl.h"

namespace tinydl::testing {

// Runs fn, which must throw tinydl::Error whose message contains every one of `parts`.
inline ::testing::AssertionResult throws_with(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
    try {
        fn();
    } catch (const tinydl::Error& e) {
        const std::string what = e.what();
        for (const std::string& p : parts)
            if (what.find(p) == std::string::npos)
                return ::testing::AssertionFailure() << "message \"" << what << "\" lacks \"" << p << "\"";
        return ::testing::AssertionSuccess();
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "threw a non-tinydl exception: " << e.what();
    }
    return ::testing::AssertionFailure() << "did not throw";
}
#define EXPECT_ERROR(stmt, ...) EXPECT_TRUE(::tinydl::testing::throws_with([&] { stmt; }, {__VA_ARGS__}))

// |actual - expected| <= atol + rtol |expected| elementwise (shapes must match); NaN == NaN.
inline ::testing::AssertionResult allclose(const Tensor& actual, const Tensor& expected, double rtol = 1.3e-6,
                                           double atol = 1e-5) {
    if (!(actual.sizes() == expected.sizes()))
        return ::testing::AssertionFailure() << "shape " << shape_str(actual.sizes()) << " vs expected "
                                             << shape_str(expected.sizes());
    const std::vector<double> a = actual.to_vector<double>();
    const std::vector<double> e = expected.to_vector<double>();
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(a[i]) && std::isnan(e[i])) continue;
        if (std::isinf(e[i]) && a[i] == e[i]) continue;
        if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
            return ::testing::AssertionFailure() << "element " << i << " (of shape " << shape_str(actual.sizes())
                                                 << "): got " << a[i] << ", expected " << e[i];
    }
    return ::testing::AssertionSuccess();
}

// A copy of t whose memory interleaves t's values with NaN fillers (the last dim's stride is
// doubled), so a kernel that ignores strides reads NaN and fails loudly. The copy has no
// history: make leaves with it (noncontiguous_like(x).requires_grad_(true)), never call it
// inside a function under gradcheck, where it would cut the graph.
inline Tensor noncontiguous_like(const Tensor& t) {
    if (t.dim() == 0) return t.clone();
    std::vector<int64_t> big(t.sizes().begin(), t.sizes().end());
    big.back() *= 2;
    Tensor base = full(big, NAN, TensorOptions(t.dtype()));
    if (!t.is_floating_point()) base = zeros(big, TensorOptions(t.dtype()));
    Tensor view = base.slice(-1, 0, std::nullopt, 2);
    {
        NoGradGuard no_grad;
        view.copy_(t);
    }
    return view;
}

// gradcheck as a GoogleTest assertion, with the worst element in the failure message.
inline ::testing::AssertionResult gradcheck_ok(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                                               const std::vector<Tensor>& inputs, GradcheckOptions options = {}) {
    GradcheckResult r = gradcheck(fn, inputs, options);
    if (r.ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.message;
}
inline ::testing::AssertionResult gradgradcheck_ok(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                                                   const std::vector<Tensor>& inputs, GradcheckOptions options = {}) {
    GradcheckResult r = gradgradcheck(fn, inputs, options);
    if (r.ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.message;
}

// A float64 leaf with values uniform in [lo, hi) that requires grad, for gradchecks.
inline Tensor leaf(std::initializer_list<int64_t> shape, double lo = -1.0, double hi = 1.0) {
    Tensor t = rand(shape, kFloat64) * (hi - lo) + lo;
    return t.detach().requires_grad_(true);
}

// Applies a double -> double reference to every element (float64 result, t's shape).
inline Tensor map_reference(const Tensor& t, const std::function<double(double)>& f) {
    std::vector<double> v = t.to_vector<double>();
    for (double& x : v) x = f(x);
    return tensor(v, kFloat64).reshape(t.sizes());
}

}  // namespace tinydl::testing
