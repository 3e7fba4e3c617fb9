// reduce_cases.h — the table of reductions (kReduceCases: one row per reduction, with a float64
// reference that reduces one slice, the range its samples come from, and which dims it takes),
// the dims every row is run on (kDimsCases), the references the rows name, and the sampler that
// draws a row's input (kept off zero, or with no ties, where the row needs it). It is shared by
// the CPU test (tests/ops/test_reduce.cpp, which checks each row against a plain-loop oracle)
// and by tests/cuda/test_tables_reduce.cpp (which runs each row on the GPU and compares it with
// the CPU), so a row added here is tested on both devices. Test-only code, included by one test
// file per executable: hence the anonymous namespace.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using Dims = std::vector<int64_t>;
using SliceFn = std::function<double(const std::vector<double>&)>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- float64 references of one slice ---------------------------------------------------------------
inline double ref_sum(const std::vector<double>& s) { return std::accumulate(s.begin(), s.end(), 0.0); }
inline double ref_mean(const std::vector<double>& s) { return ref_sum(s) / static_cast<double>(s.size()); }
inline double ref_prod(const std::vector<double>& s) {
    double p = 1;
    for (double v : s) p *= v;
    return p;
}
inline double ref_max(const std::vector<double>& s) { return *std::max_element(s.begin(), s.end()); }
inline double ref_min(const std::vector<double>& s) { return *std::min_element(s.begin(), s.end()); }
inline double ref_var(const std::vector<double>& s, int correction) {
    const double m = ref_mean(s);
    double ss = 0;
    for (double v : s) ss += (v - m) * (v - m);
    return ss / std::max<double>(static_cast<double>(s.size()) - correction, 0.0);
}
inline double ref_logsumexp(const std::vector<double>& s) {
    if (s.empty()) return -kInf;
    const double m = ref_max(s);
    double t = 0;
    for (double v : s) t += std::exp(v - m);
    return m + std::log(t);
}
inline double ref_norm(const std::vector<double>& s, double p) {
    if (std::isinf(p)) {
        double m = 0;
        for (double v : s) m = std::max(m, std::abs(v));
        return m;
    }
    double t = 0;
    for (double v : s) t += std::pow(std::abs(v), p);
    return std::pow(t, 1.0 / p);
}

// ---- the table -----------------------------------------------------------------------------------------
// DimsKind::List: any list of dims (empty: all). DimsKind::One: one dim, or no dim at all (the
// whole-tensor form, which has no keepdim): prod, max, min.
enum class DimsKind { List, One };

struct ReduceCase {
    const char* name;
    std::function<Tensor(const Tensor&, const Dims&, bool)> op;
    SliceFn ref;
    double lo, hi;    // samples uniform on [lo, hi) ...
    double min_abs;   // ... pushed to at least this far from 0 (kinks, zeros of prod)
    bool distinct;    // samples spread evenly apart: no ties within finite-difference reach
    DimsKind kind;
    bool gradgrad;
};
inline void PrintTo(const ReduceCase& c, std::ostream* os) { *os << c.name; }

inline Tensor one_dim_form(const Tensor& x, const Dims& dims, bool keepdim, Tensor (*all)(const Tensor&),
                           const std::function<Tensor(const Tensor&, int64_t, bool)>& one) {
    return dims.empty() ? all(x) : one(x, dims[0], keepdim);
}

const ReduceCase kReduceCases[] = {
    {"sum", [](const Tensor& x, const Dims& d, bool k) { return sum(x, d, k); }, ref_sum,
     -2, 2, 0, false, DimsKind::List, true},
    {"mean", [](const Tensor& x, const Dims& d, bool k) { return mean(x, d, k); }, ref_mean,
     -2, 2, 0, false, DimsKind::List, true},
    {"prod",
     [](const Tensor& x, const Dims& d, bool k) {
         return one_dim_form(x, d, k, prod, [](const Tensor& t, int64_t i, bool kd) { return prod(t, i, kd); });
     },
     ref_prod, -1.5, 1.5, 0.5, false, DimsKind::One, true},
    {"max",
     [](const Tensor& x, const Dims& d, bool k) {
         return one_dim_form(x, d, k, max, [](const Tensor& t, int64_t i, bool kd) { return std::get<0>(max(t, i, kd)); });
     },
     ref_max, -2, 2, 0, true, DimsKind::One, true},
    {"min",
     [](const Tensor& x, const Dims& d, bool k) {
         return one_dim_form(x, d, k, min, [](const Tensor& t, int64_t i, bool kd) { return std::get<0>(min(t, i, kd)); });
     },
     ref_min, -2, 2, 0, true, DimsKind::One, true},
    {"var", [](const Tensor& x, const Dims& d, bool k) { return var(x, d, true, k); },
     [](const std::vector<double>& s) { return ref_var(s, 1); }, -2, 2, 0, false, DimsKind::List, true},
    {"var_biased", [](const Tensor& x, const Dims& d, bool k) { return var(x, d, false, k); },
     [](const std::vector<double>& s) { return ref_var(s, 0); }, -2, 2, 0, false, DimsKind::List, true},
    {"std", [](const Tensor& x, const Dims& d, bool k) { return std(x, d, true, k); },
     [](const std::vector<double>& s) { return std::sqrt(ref_var(s, 1)); }, -2, 2, 0, false, DimsKind::List, true},
    {"std_biased", [](const Tensor& x, const Dims& d, bool k) { return std(x, d, false, k); },
     [](const std::vector<double>& s) { return std::sqrt(ref_var(s, 0)); }, -2, 2, 0, false, DimsKind::List, true},
    {"logsumexp", [](const Tensor& x, const Dims& d, bool k) { return logsumexp(x, d, k); }, ref_logsumexp,
     -3, 3, 0, false, DimsKind::List, true},
    {"norm2", [](const Tensor& x, const Dims& d, bool k) { return norm(x, 2, d, k); },
     [](const std::vector<double>& s) { return ref_norm(s, 2); }, -2, 2, 0, false, DimsKind::List, true},
    {"norm1", [](const Tensor& x, const Dims& d, bool k) { return norm(x, 1, d, k); },
     [](const std::vector<double>& s) { return ref_norm(s, 1); }, -2, 2, 0.05, false, DimsKind::List, true},
    {"norm3", [](const Tensor& x, const Dims& d, bool k) { return norm(x, 3.0, d, k); },
     [](const std::vector<double>& s) { return ref_norm(s, 3); }, -2, 2, 0.05, false, DimsKind::List, true},
    {"norm_half", [](const Tensor& x, const Dims& d, bool k) { return norm(x, 0.5, d, k); },
     [](const std::vector<double>& s) { return ref_norm(s, 0.5); }, -2, 2, 0.2, false, DimsKind::List, true},
    {"norm_inf", [](const Tensor& x, const Dims& d, bool k) { return norm(x, kInf, d, k); },
     [](const std::vector<double>& s) { return ref_norm(s, kInf); }, 0.1, 2, 0, true, DimsKind::List, true},
};

// Shapes and dims every row is run on (a DimsKind::One row skips lists of several dims).
struct DimsCase {
    Dims shape, dims;
};
const DimsCase kDimsCases[] = {
    {{}, {}},        {{}, {0}},          {{}, {-1}},         {{1}, {}},         {{1}, {0}},
    {{7, 13}, {}},   {{7, 13}, {0}},     {{7, 13}, {1}},     {{7, 13}, {-1}},   {{7, 13}, {0, 1}},
    {{7, 13}, {1, 0}}, {{3, 4, 5}, {1}}, {{3, 4, 5}, {0, 2}}, {{3, 4, 5}, {-1, 0}}, {{3, 4, 5}, {2}},
    {{3, 4, 5}, {0}}, {{3, 4, 5}, {0, 1}}, {{3, 4, 5}, {1, 2}}, {{2, 3, 4, 5}, {1, 3}}, {{2, 3, 4, 5}, {0, 2, 3}},
};

inline bool applies(const ReduceCase& c, const Dims& dims, bool keepdim) {
    if (c.kind == DimsKind::List) return true;
    return dims.size() == 1 || (dims.empty() && !keepdim);
}

// Float64 samples of `shape` on the row's range: uniform, nudged away from 0 by min_abs, or
// (distinct rows) a shuffled even grid, so that no two values are closer than (hi - lo) / n.
inline Tensor sample(const ReduceCase& c, IntArrayRef shape) {
    const int64_t n = numel_of(shape);
    std::vector<double> v;
    if (c.distinct) {
        for (int64_t i : randperm(n).to_vector<int64_t>()) v.push_back(c.lo + (c.hi - c.lo) * (i + 0.5) / n);
    } else {
        v = rand(shape, kFloat64).to_vector<double>();
        for (double& x : v) {
            x = c.lo + (c.hi - c.lo) * x;
            if (std::abs(x) < c.min_abs) x = x < 0 ? -c.min_abs : c.min_abs;
        }
    }
    return tensor(v, kFloat64).reshape(shape);
}

inline std::string describe(const ReduceCase& c, IntArrayRef shape, const Dims& dims, bool keepdim) {
    return std::string(c.name) + " of " + shape_str(shape) + " over dims " + shape_str(dims) +
           (keepdim ? " (keepdim)" : "");
}

}  // namespace
}  // namespace tinydl
