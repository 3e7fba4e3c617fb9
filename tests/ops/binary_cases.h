// binary_cases.h — the table of elementwise binary ops (kBinaryCases: one row per op, with its
// float64 reference, the ranges its two inputs are sampled from, and whether it is
// differentiable or gives bool), the sampler the rows are drawn with, and the broadcasting shape
// pairs every row runs on. It is shared by the CPU test (tests/ops/test_binary.cpp, which checks
// each row against its reference) and by tests/cuda/test_tables_binary.cpp (which runs each row
// on the GPU and compares it with the CPU), so a row added here is tested on both devices.
// Test-only code, included by one test file per executable: hence the anonymous namespace.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>
#include <utility>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct Range {
    double lo, hi;
};

struct BinaryCase {
    const char* name;
    BinaryFn op;
    double (*ref)(double, double);
    Range a, b;
    bool integers;  // sample whole numbers (ties and zeros matter for this row)
    bool grad;      // differentiable: run gradcheck
    bool boolean;   // the result is a bool tensor
};
inline void PrintTo(const BinaryCase& c, std::ostream* os) { *os << c.name; }

inline double b2d(bool v) { return v ? 1.0 : 0.0; }

const BinaryCase kBinaryCases[] = {
//   name           op                                                                 reference                                                     a range     b range     ints   grad   bool
    {"add",         [](const Tensor& a, const Tensor& b) { return add(a, b); },        [](double a, double b) { return a + b; },                    {-2, 2},   {-2, 2},   false, true,  false},
    {"add_alpha",   [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); },   [](double a, double b) { return a + 2.5 * b; },              {-2, 2},   {-2, 2},   false, true,  false},
    {"sub",         [](const Tensor& a, const Tensor& b) { return sub(a, b); },        [](double a, double b) { return a - b; },                    {-2, 2},   {-2, 2},   false, true,  false},
    {"sub_alpha",   [](const Tensor& a, const Tensor& b) { return sub(a, b, -3); },    [](double a, double b) { return a + 3 * b; },                {-2, 2},   {-2, 2},   false, true,  false},
    {"mul",         [](const Tensor& a, const Tensor& b) { return mul(a, b); },        [](double a, double b) { return a * b; },                    {-2, 2},   {-2, 2},   false, true,  false},
    {"div",         [](const Tensor& a, const Tensor& b) { return div(a, b); },        [](double a, double b) { return a / b; },                    {-2, 2},   {0.5, 2},  false, true,  false},
    {"pow",         [](const Tensor& a, const Tensor& b) { return pow(a, b); },        [](double a, double b) { return std::pow(a, b); },           {0.5, 2},  {-2, 2},   false, true,  false},
    {"maximum",     [](const Tensor& a, const Tensor& b) { return maximum(a, b); },    [](double a, double b) { return std::max(a, b); },           {-2, 2},   {-2, 2},   false, true,  false},
    {"minimum",     [](const Tensor& a, const Tensor& b) { return minimum(a, b); },    [](double a, double b) { return std::min(a, b); },           {-2, 2},   {-2, 2},   false, true,  false},
    {"eq",          [](const Tensor& a, const Tensor& b) { return eq(a, b); },         [](double a, double b) { return b2d(a == b); },              {-2, 2},   {-2, 2},   true,  false, true},
    {"ne",          [](const Tensor& a, const Tensor& b) { return ne(a, b); },         [](double a, double b) { return b2d(a != b); },              {-2, 2},   {-2, 2},   true,  false, true},
    {"lt",          [](const Tensor& a, const Tensor& b) { return lt(a, b); },         [](double a, double b) { return b2d(a < b); },               {-2, 2},   {-2, 2},   true,  false, true},
    {"le",          [](const Tensor& a, const Tensor& b) { return le(a, b); },         [](double a, double b) { return b2d(a <= b); },              {-2, 2},   {-2, 2},   true,  false, true},
    {"gt",          [](const Tensor& a, const Tensor& b) { return gt(a, b); },         [](double a, double b) { return b2d(a > b); },               {-2, 2},   {-2, 2},   true,  false, true},
    {"ge",          [](const Tensor& a, const Tensor& b) { return ge(a, b); },         [](double a, double b) { return b2d(a >= b); },              {-2, 2},   {-2, 2},   true,  false, true},
    {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); },[](double a, double b) { return b2d(a != 0 && b != 0); },    {-1, 1},   {-1, 1},   true,  false, true},
    {"logical_or",  [](const Tensor& a, const Tensor& b) { return logical_or(a, b); }, [](double a, double b) { return b2d(a != 0 || b != 0); },    {-1, 1},   {-1, 1},   true,  false, true},
    {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); },[](double a, double b) { return b2d((a != 0) != (b != 0)); },{-1, 1},   {-1, 1},   true,  false, true},
};

// Uniform values on r (whole numbers when `integers`), float64.
inline Tensor sample(Range r, bool integers, IntArrayRef shape) {
    Tensor u = rand(shape, kFloat64) * (r.hi - r.lo) + r.lo;
    return integers ? round(u) : u;
}

// The broadcasting pairs (shape of a, shape of b) every row runs on.
const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> kBroadcastPairs = {
    {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{4, 1, 3}, {2, 1}}, {{2, 3}, {}}, {{3}, {2, 3}},
};

}  // namespace
}  // namespace tinydl
