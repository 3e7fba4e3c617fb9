// unary_cases.h — the table of elementwise unary ops (kUnaryCases: one row per op, with its
// float64 reference written with <cmath>, the range its input is sampled from, the points where
// it has a kink or jump, and whether it is differentiable), the references the rows name, and
// the sampler that draws a row's input away from its kinks. It is shared by the CPU test
// (tests/ops/test_unary.cpp, which checks each row against its reference) and by
// tests/cuda/test_tables_unary.cpp (which runs each row on the GPU and compares it with the
// CPU), so a row added here is tested on both devices. Test-only code, included by one test file
// per executable: hence the anonymous namespace.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

// ---- float64 references ----------------------------------------------------------------------
inline double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double ref_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
inline double ref_gelu_tanh(double x) {
    const double k = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}
inline double ref_softplus(double x, double beta, double threshold) {
    return beta * x > threshold ? x : std::log1p(std::exp(beta * x)) / beta;
}

struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    double (*ref)(double);
    double lo, hi;                 // samples are uniform on [lo, hi)
    std::vector<double> kinks;     // samples keep at least kKinkMargin away from these
    bool grad;                     // run gradcheck
    bool gradgrad;                 // run gradgradcheck too
};

// GoogleTest prints a failing row by its name, not its bytes.
inline void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

constexpr double kKinkMargin = 0.02;

const std::vector<double> kIntegers = {-3, -2, -1, 0, 1, 2, 3};
const std::vector<double> kHalves = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5};

const UnaryCase kUnaryCases[] = {
//   name             op                                                        reference                                              range       kinks            grad   gradgrad
    {"neg",           [](const Tensor& x) { return neg(x); },                   [](double x) { return -x; },                           -3, 3,      {},              true,  true},
    {"abs",           [](const Tensor& x) { return abs(x); },                   [](double x) { return std::abs(x); },                  -3, 3,      {0.0},           true,  true},
    {"exp",           [](const Tensor& x) { return exp(x); },                   [](double x) { return std::exp(x); },                  -3, 3,      {},              true,  true},
    {"log",           [](const Tensor& x) { return log(x); },                   [](double x) { return std::log(x); },                  0.1, 5,     {},              true,  true},
    {"log1p",         [](const Tensor& x) { return log1p(x); },                 [](double x) { return std::log1p(x); },                -0.9, 3,    {},              true,  true},
    {"sqrt",          [](const Tensor& x) { return sqrt(x); },                  [](double x) { return std::sqrt(x); },                 0.1, 5,     {},              true,  true},
    {"rsqrt",         [](const Tensor& x) { return rsqrt(x); },                 [](double x) { return 1.0 / std::sqrt(x); },           0.1, 5,     {},              true,  true},
    {"sin",           [](const Tensor& x) { return sin(x); },                   [](double x) { return std::sin(x); },                  -4, 4,      {},              true,  true},
    {"cos",           [](const Tensor& x) { return cos(x); },                   [](double x) { return std::cos(x); },                  -4, 4,      {},              true,  true},
    {"tanh",          [](const Tensor& x) { return tanh(x); },                  [](double x) { return std::tanh(x); },                 -3, 3,      {},              true,  true},
    {"erf",           [](const Tensor& x) { return erf(x); },                   [](double x) { return std::erf(x); },                  -3, 3,      {},              true,  true},
    {"sigmoid",       [](const Tensor& x) { return sigmoid(x); },               ref_sigmoid,                                           -6, 6,      {},              true,  true},
    {"relu",          [](const Tensor& x) { return relu(x); },                  [](double x) { return x > 0 ? x : 0.0; },              -3, 3,      {0.0},           true,  true},
    {"leaky_relu",    [](const Tensor& x) { return leaky_relu(x, 0.1); },       [](double x) { return x > 0 ? x : 0.1 * x; },          -3, 3,      {0.0},           true,  true},
    {"gelu",          [](const Tensor& x) { return gelu(x); },                  ref_gelu,                                              -4, 4,      {},              true,  true},
    {"gelu_tanh",     [](const Tensor& x) { return gelu(x, "tanh"); },          ref_gelu_tanh,                                         -4, 4,      {},              true,  true},
    {"silu",          [](const Tensor& x) { return silu(x); },                  [](double x) { return x * ref_sigmoid(x); },           -5, 5,      {},              true,  true},
    {"softplus",      [](const Tensor& x) { return softplus(x); },              [](double x) { return ref_softplus(x, 1, 20); },       -5, 5,      {},              true,  true},
    // beta = 2, threshold = 3: linear above x = 1.5, where the value jumps slightly.
    {"softplus_beta2", [](const Tensor& x) { return softplus(x, 2.0, 3.0); },   [](double x) { return ref_softplus(x, 2, 3); },        -3, 3,      {1.5},           true,  true},
    {"sign",          [](const Tensor& x) { return sign(x); },                  [](double x) { return double((x > 0) - (x < 0)); },    -3, 3,      {0.0},           true,  true},
    {"floor",         [](const Tensor& x) { return floor(x); },                 [](double x) { return std::floor(x); },                -3, 3,      kIntegers,       true,  true},
    {"ceil",          [](const Tensor& x) { return ceil(x); },                  [](double x) { return std::ceil(x); },                 -3, 3,      kIntegers,       true,  true},
    {"round",         [](const Tensor& x) { return round(x); },                 [](double x) { return std::nearbyint(x); },            -3, 3,      kHalves,         true,  true},
    {"clamp",         [](const Tensor& x) { return clamp(x, -0.5, 0.5); },      [](double x) { return std::clamp(x, -0.5, 0.5); },     -2, 2,      {-0.5, 0.5},     true,  true},
    {"clamp_min",     [](const Tensor& x) { return clamp(x, -0.5); },           [](double x) { return std::max(x, -0.5); },            -2, 2,      {-0.5},          true,  true},
    {"logical_not",   [](const Tensor& x) { return logical_not(x); },           [](double x) { return x == 0 ? 1.0 : 0.0; },           -2, 2,      {},              false, false},
};

// Values uniform on the row's range, nudged off its kinks, as a float64 tensor of `shape`.
inline Tensor sample(const UnaryCase& c, IntArrayRef shape) {
    std::vector<double> v = rand(shape, kFloat64).to_vector<double>();
    for (double& x : v) {
        x = c.lo + (c.hi - c.lo) * x;
        for (double k : c.kinks)
            if (std::abs(x - k) < kKinkMargin) x = k + (x < k ? -kKinkMargin : kKinkMargin);
    }
    return tensor(v, kFloat64).reshape(shape);
}

}  // namespace
}  // namespace tinydl
