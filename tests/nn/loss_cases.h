// loss_cases.h — the table of elementwise losses (kElementwiseCases: mse, l1, smooth_l1, huber,
// binary cross entropy with and without logits, kl_div; one row each, with the per-element
// float64 reference, the ranges input and target are sampled from, and whether the loss
// broadcasts input against target), the references the rows name, and the samplers of input and
// target. It is shared by the CPU test (tests/nn/test_loss.cpp, which checks each row against its
// reference) and by tests/cuda/test_tables_loss.cpp (which runs each row on the GPU and compares
// it with the CPU), so a row added here is tested on both devices. Test-only code, included by
// one test file per executable: hence the anonymous namespace.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <ostream>

#include "tests/support/test_utils.h"
#include "tinydl/nn/loss.h"

namespace tinydl {
namespace {

namespace F = nn::functional;
using nn::Reduction;

using ElementwiseFn = std::function<Tensor(const Tensor&, const Tensor&, Reduction)>;

struct ElementwiseLossCase {
    const char* name;
    ElementwiseFn op;
    std::function<double(double, double)> ref;  // per-element loss of (input, target)
    double x_lo, x_hi, t_lo, t_hi;              // sampling ranges (off the kinks)
    bool broadcasts;                            // PyTorch broadcasts input and target
};
inline void PrintTo(const ElementwiseLossCase& c, std::ostream* os) { *os << c.name; }

inline double ref_smooth_l1(double x, double t, double beta) {
    const double z = std::abs(x - t);
    return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
}
inline double ref_huber(double x, double t, double delta) {
    const double z = std::abs(x - t);
    return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
}
inline double ref_bce(double x, double t) {
    return -(t * std::max(std::log(x), -100.0) + (1 - t) * std::max(std::log(1 - x), -100.0));
}
inline double ref_bce_logits(double x, double t) {
    return (1 - t) * x + std::max(-x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}

const ElementwiseLossCase kElementwiseCases[] = {
    {"mse_loss", [](auto& x, auto& t, Reduction r) { return F::mse_loss(x, t, r); },
     [](double x, double t) { return (x - t) * (x - t); }, -2, 2, -2, 2, true},
    {"l1_loss", [](auto& x, auto& t, Reduction r) { return F::l1_loss(x, t, r); },
     [](double x, double t) { return std::abs(x - t); }, -2, 2, -2, 2, true},
    {"smooth_l1_loss", [](auto& x, auto& t, Reduction r) { return F::smooth_l1_loss(x, t, r); },
     [](double x, double t) { return ref_smooth_l1(x, t, 1.0); }, -2, 2, -2, 2, true},
    {"smooth_l1_loss_beta_0_5", [](auto& x, auto& t, Reduction r) { return F::smooth_l1_loss(x, t, r, 0.5); },
     [](double x, double t) { return ref_smooth_l1(x, t, 0.5); }, -2, 2, -2, 2, true},
    {"smooth_l1_loss_beta_0", [](auto& x, auto& t, Reduction r) { return F::smooth_l1_loss(x, t, r, 0.0); },
     [](double x, double t) { return std::abs(x - t); }, -2, 2, -2, 2, true},
    {"huber_loss", [](auto& x, auto& t, Reduction r) { return F::huber_loss(x, t, r); },
     [](double x, double t) { return ref_huber(x, t, 1.0); }, -2, 2, -2, 2, true},
    {"huber_loss_delta_2", [](auto& x, auto& t, Reduction r) { return F::huber_loss(x, t, r, 2.0); },
     [](double x, double t) { return ref_huber(x, t, 2.0); }, -3, 3, -3, 3, true},
    {"binary_cross_entropy", [](auto& x, auto& t, Reduction r) { return F::binary_cross_entropy(x, t, {}, r); },
     ref_bce, 0.05, 0.95, 0, 1, false},
    {"binary_cross_entropy_with_logits",
     [](auto& x, auto& t, Reduction r) { return F::binary_cross_entropy_with_logits(x, t, {}, r); }, ref_bce_logits,
     -4, 4, 0, 1, false},
    {"kl_div", [](auto& x, auto& t, Reduction r) { return F::kl_div(x, t, r); },
     [](double x, double t) { return t * (std::log(t) - x); }, -3, 0, 0.05, 1, true},
    {"kl_div_log_target", [](auto& x, auto& t, Reduction r) { return F::kl_div(x, t, r, /*log_target=*/true); },
     [](double x, double t) { return std::exp(t) * (t - x); }, -3, 0, -3, 0, true},
};

// A row's input and target: uniform on its ranges, float64.
inline Tensor sample_input(const ElementwiseLossCase& c, IntArrayRef shape) {
    return rand(shape, kFloat64) * (c.x_hi - c.x_lo) + c.x_lo;
}
inline Tensor sample_target(const ElementwiseLossCase& c, IntArrayRef shape) {
    return rand(shape, kFloat64) * (c.t_hi - c.t_lo) + c.t_lo;
}

}  // namespace
}  // namespace tinydl
