// softmax_cases.h — the table of softmax ops (kSoftmaxCases: softmax and log_softmax, each with
// a float64 reference that maps one slice, the values along the softmax dim, to its outputs,
// written the textbook way with a max shift), the references, and the sampler of inputs. It is
// shared by the CPU test (tests/ops/test_softmax.cpp, which checks each row against its
// reference) and by tests/cuda/test_tables_softmax.cpp (which runs each row on the GPU and
// compares it with the CPU), so a row added here is tested on both devices. Test-only code,
// included by one test file per executable: hence the anonymous namespace.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using SliceMap = std::function<std::vector<double>(const std::vector<double>&)>;

inline std::vector<double> ref_softmax(const std::vector<double>& s) {
    const double m = *std::max_element(s.begin(), s.end());
    double total = 0;
    for (double v : s) total += std::exp(v - m);
    std::vector<double> out;
    for (double v : s) out.push_back(std::exp(v - m) / total);
    return out;
}
inline std::vector<double> ref_log_softmax(const std::vector<double>& s) {
    const double m = *std::max_element(s.begin(), s.end());
    double total = 0;
    for (double v : s) total += std::exp(v - m);
    std::vector<double> out;
    for (double v : s) out.push_back(v - m - std::log(total));
    return out;
}

struct SoftmaxCase {
    const char* name;
    Tensor (*op)(const Tensor&, int64_t);
    SliceMap ref;
};
inline void PrintTo(const SoftmaxCase& c, std::ostream* os) { *os << c.name; }

const SoftmaxCase kSoftmaxCases[] = {
    {"softmax", softmax, ref_softmax},
    {"log_softmax", log_softmax, ref_log_softmax},
};

// Values on [-4, 4): wide enough that the max shift matters.
inline Tensor sample(IntArrayRef shape) { return rand(shape, kFloat64) * 8 - 4; }

}  // namespace
}  // namespace tinydl
