// norm_cases.h — the table of normalisations (batch_norm in training and in eval mode,
// layer_norm, group_norm: one row each, with how to call the op on (x, weight, bias), the shape of
// weight and bias, and the input shapes to run), with the naive float64 references the rows name.
// It is shared by the CPU test (tests/ops/test_norm.cpp, which checks each row against the
// references) and by tests/cuda/test_tables_norm.cpp (which runs each row on the GPU and compares
// it with the CPU), so a row added here is tested on both devices; a row's op must therefore make
// any tensor it creates on x's device. Test-only code, included by one test file per executable:
// hence the anonymous namespace.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

constexpr double kEps = 1e-5;

// ---- references ----------------------------------------------------------------------------------
// batch norm of x [N, C, *]: y, and the running stats after one update (when training).
struct BatchNormRef {
    std::vector<double> y, running_mean, running_var;
};
inline BatchNormRef ref_batch_norm(const Tensor& x, std::vector<double> rm, std::vector<double> rv,
                            const std::vector<double>& w, const std::vector<double>& b, bool training,
                            double momentum, double eps) {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
    const auto at = [&](int64_t n, int64_t c, int64_t s) { return (n * C + c) * S + s; };
    BatchNormRef out;
    out.y.resize(v.size());
    for (int64_t c = 0; c < C; ++c) {
        double mean = 0, var = 0;
        const double M = static_cast<double>(N * S);
        if (training) {
            for (int64_t n = 0; n < N; ++n)
                for (int64_t s = 0; s < S; ++s) mean += v[at(n, c, s)];
            mean /= M;
            for (int64_t n = 0; n < N; ++n)
                for (int64_t s = 0; s < S; ++s) var += (v[at(n, c, s)] - mean) * (v[at(n, c, s)] - mean);
            var /= M;  // biased, for normalising
            if (!rm.empty()) {
                rm[c] = (1 - momentum) * rm[c] + momentum * mean;
                rv[c] = (1 - momentum) * rv[c] + momentum * var * M / (M - 1);  // unbiased
            }
        } else {
            mean = rm[c];
            var = rv[c];
        }
        const double wc = w.empty() ? 1.0 : w[c], bc = b.empty() ? 0.0 : b[c];
        for (int64_t n = 0; n < N; ++n)
            for (int64_t s = 0; s < S; ++s)
                out.y[at(n, c, s)] = (v[at(n, c, s)] - mean) / std::sqrt(var + eps) * wc + bc;
    }
    out.running_mean = rm;
    out.running_var = rv;
    return out;
}

// layer norm of x [*, D] with D = the last `k` dims flattened; w, b of length D (or empty).
inline std::vector<double> ref_layer_norm(const Tensor& x, int64_t k, const std::vector<double>& w,
                                   const std::vector<double>& b, double eps) {
    const std::vector<double> v = x.to_vector<double>();
    int64_t D = 1;
    for (int64_t d = x.dim() - k; d < x.dim(); ++d) D *= x.size(d);
    std::vector<double> y(v.size());
    for (size_t row = 0; row < v.size() / D; ++row) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < D; ++i) mean += v[row * D + i];
        mean /= D;
        for (int64_t i = 0; i < D; ++i) var += (v[row * D + i] - mean) * (v[row * D + i] - mean);
        var /= D;
        for (int64_t i = 0; i < D; ++i)
            y[row * D + i] = (v[row * D + i] - mean) / std::sqrt(var + eps) * (w.empty() ? 1.0 : w[i]) +
                             (b.empty() ? 0.0 : b[i]);
    }
    return y;
}

// group norm of x [N, C, *] in G groups; w, b of length C (or empty).
inline std::vector<double> ref_group_norm(const Tensor& x, int64_t G, const std::vector<double>& w,
                                   const std::vector<double>& b, double eps) {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C), Cg = C / G;
    std::vector<double> y(v.size());
    for (int64_t n = 0; n < N; ++n)
        for (int64_t g = 0; g < G; ++g) {
            double mean = 0, var = 0;
            for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
                for (int64_t s = 0; s < S; ++s) mean += v[(n * C + c) * S + s];
            mean /= Cg * S;
            for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
                for (int64_t s = 0; s < S; ++s) var += std::pow(v[(n * C + c) * S + s] - mean, 2);
            var /= Cg * S;
            for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
                for (int64_t s = 0; s < S; ++s) {
                    const int64_t i = (n * C + c) * S + s;
                    y[i] = (v[i] - mean) / std::sqrt(var + eps) * (w.empty() ? 1.0 : w[c]) + (b.empty() ? 0.0 : b[c]);
                }
        }
    return y;
}

// ---- the table ---------------------------------------------------------------------------------------
// A row: how to call the op on (x, weight, bias) and the float64 reference of its output. The
// affine shape is that of weight and bias for an input of the given shape.
struct NormCase {
    const char* name;
    std::function<Tensor(const Tensor& x, const Tensor& w, const Tensor& b)> op;
    std::function<std::vector<double>(const Tensor& x, const std::vector<double>& w, const std::vector<double>& b)> ref;
    std::function<std::vector<int64_t>(IntArrayRef x_shape)> affine_shape;
    std::vector<std::vector<int64_t>> shapes;
};

inline std::vector<int64_t> channels(IntArrayRef s) { return {s[1]}; }
inline std::vector<int64_t> last_two(IntArrayRef s) { return {s[s.size() - 2], s[s.size() - 1]}; }

const NormCase kNormCases[] = {
    {"batch_norm_train",
     [](const Tensor& x, const Tensor& w, const Tensor& b) { return batch_norm(x, {}, {}, w, b, /*training=*/true); },
     [](const Tensor& x, const std::vector<double>& w, const std::vector<double>& b) {
         return ref_batch_norm(x, {}, {}, w, b, true, 0.1, kEps).y;
     },
     channels,
     {{7, 3}, {4, 3, 5}, {2, 3, 4, 5}}},
    {"batch_norm_eval",
     [](const Tensor& x, const Tensor& w, const Tensor& b) {
         const int64_t C = x.size(1);
         Tensor rm = arange(0.0, static_cast<double>(C), 1.0, kFloat64) * 0.1 - 0.05;
         Tensor rv = arange(0.0, static_cast<double>(C), 1.0, kFloat64) * 0.3 + 0.5;
         // On x's device, so that the row also runs on the GPU (tests/cuda/test_tables_norm.cpp).
         rm = rm.to(x.device(), x.dtype());
         rv = rv.to(x.device(), x.dtype());
         return batch_norm(x, rm, rv, w, b, /*training=*/false);
     },
     [](const Tensor& x, const std::vector<double>& w, const std::vector<double>& b) {
         std::vector<double> rm, rv;
         for (int64_t c = 0; c < x.size(1); ++c) {
             rm.push_back(0.1 * c - 0.05);
             rv.push_back(0.3 * c + 0.5);
         }
         return ref_batch_norm(x, rm, rv, w, b, false, 0.1, kEps).y;
     },
     channels,
     {{1, 3}, {7, 3}, {4, 3, 5}, {2, 3, 4, 5}}},
    {"layer_norm",
     [](const Tensor& x, const Tensor& w, const Tensor& b) {
         return layer_norm(x, {x.size(-2), x.size(-1)}, w, b);
     },
     [](const Tensor& x, const std::vector<double>& w, const std::vector<double>& b) {
         return ref_layer_norm(x, 2, w, b, kEps);
     },
     last_two,
     {{7, 13}, {2, 3, 4}, {2, 1, 3, 5}}},
    {"group_norm",
     [](const Tensor& x, const Tensor& w, const Tensor& b) { return group_norm(x, 2, w, b); },
     [](const Tensor& x, const std::vector<double>& w, const std::vector<double>& b) {
         return ref_group_norm(x, 2, w, b, kEps);
     },
     channels,
     {{3, 4}, {2, 6, 5}, {2, 4, 3, 3}}},
};

// So that a failing row prints its name, not its bytes.
inline void PrintTo(const NormCase& c, std::ostream* os) { *os << c.name; }

}  // namespace
}  // namespace tinydl
