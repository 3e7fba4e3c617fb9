// conv_cases.h — the option tables of conv2d, conv1d and conv_transpose2d (stride, padding incl.
// "same"/"valid", dilation, groups, bias, non-square kernels, batch sizes, unbatched input), with
// the calls that run one row (run_conv2d, run_conv1d, run_convt) and input_shape, which builds an
// input's shape from a row (N = 0 means unbatched). They are shared by the CPU test
// (tests/ops/test_conv.cpp, which checks each row against naive float64 loops) and by
// tests/cuda/test_tables_conv.cpp (which runs each row on the GPU and compares it with the CPU),
// so a row added here is tested on both devices. Test-only code, included by one test file per
// executable: hence the anonymous namespace.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

inline std::vector<int64_t> input_shape(int64_t N, int64_t C, std::vector<int64_t> spatial) {
    std::vector<int64_t> s;
    if (N > 0) s.push_back(N);  // N = 0 in a table means "unbatched"
    s.push_back(C);
    s.insert(s.end(), spatial.begin(), spatial.end());
    return s;
}

// ---- conv2d -----------------------------------------------------------------------------------------
struct Conv2dCase {
    const char* name;
    int64_t N, C, H, W, O, kH, kW;
    int64_t sH, sW;
    const char* pad_mode;  // nullptr: explicit pH, pW; else "same" or "valid"
    int64_t pH, pW;
    int64_t dH, dW;
    int64_t groups;
    bool bias;
};

inline void PrintTo(const Conv2dCase& c, std::ostream* os) { *os << c.name; }

// clang-format off
const Conv2dCase kConv2dCases[] = {
//   name                  N  C  H  W  O  kH kW  sH sW  pad      pH pW  dH dW  g  bias
    {"basic",              2, 3, 7, 6, 4, 3, 3,  1, 1, nullptr,  0, 0,  1, 1, 1, true},
    {"pad1_nobias",        1, 2, 5, 5, 3, 3, 3,  1, 1, nullptr,  1, 1,  1, 1, 1, false},
    {"stride2_pad1",       3, 2, 7, 8, 4, 3, 3,  2, 2, nullptr,  1, 1,  1, 1, 1, true},
    {"stride3_uneven",     2, 2, 8, 7, 2, 2, 2,  3, 3, nullptr,  0, 0,  1, 1, 1, true},
    {"nonsquare_kernel",   2, 2, 6, 7, 3, 2, 3,  2, 1, nullptr,  1, 0,  1, 1, 1, true},
    {"dilation2",          2, 2, 9, 8, 3, 3, 3,  1, 1, nullptr,  2, 1,  2, 2, 1, true},
    {"dilation_mixed",     1, 2, 8, 9, 2, 2, 3,  1, 2, nullptr,  0, 1,  3, 1, 1, false},
    {"groups2",            2, 4, 5, 6, 6, 3, 3,  1, 1, nullptr,  1, 1,  1, 1, 2, true},
    {"depthwise",          2, 3, 6, 5, 6, 3, 3,  1, 1, nullptr,  1, 1,  1, 1, 3, true},
    {"same_odd_kernel",    2, 2, 5, 6, 3, 3, 3,  1, 1, "same",   0, 0,  1, 1, 1, true},
    {"same_even_kernel",   2, 2, 5, 6, 3, 2, 4,  1, 1, "same",   0, 0,  1, 1, 1, true},
    {"same_dilated",       1, 2, 6, 6, 2, 2, 3,  1, 1, "same",   0, 0,  3, 2, 1, false},
    {"valid",              2, 2, 6, 5, 3, 3, 2,  1, 1, "valid",  0, 0,  1, 1, 1, true},
    {"unbatched",          0, 2, 5, 6, 3, 3, 3,  1, 1, nullptr,  1, 1,  1, 1, 1, true},
    {"unbatched_groups",   0, 4, 5, 5, 2, 3, 3,  2, 2, nullptr,  1, 1,  1, 1, 2, false},
    {"pointwise",          3, 4, 4, 5, 3, 1, 1,  1, 1, nullptr,  0, 0,  1, 1, 1, true},
    {"pointwise_groups",   2, 4, 3, 3, 4, 1, 1,  1, 1, nullptr,  0, 0,  1, 1, 2, true},
    {"pointwise_stride2",  2, 3, 5, 5, 2, 1, 1,  2, 2, nullptr,  0, 0,  1, 1, 1, true},
    {"kernel_is_image",    2, 2, 3, 4, 3, 3, 4,  1, 1, nullptr,  0, 0,  1, 1, 1, true},
    {"everything",         3, 4, 9, 8, 4, 3, 2,  2, 3, nullptr,  2, 1,  2, 2, 2, true},
};
// clang-format on

inline Padding padding_of(const Conv2dCase& c) {
    if (c.pad_mode != nullptr) return Padding(c.pad_mode);
    return Padding({c.pH, c.pW});
}

inline Tensor run_conv2d(const Conv2dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    return conv2d(x, w, b, {c.sH, c.sW}, padding_of(c), {c.dH, c.dW}, c.groups);
}

// ---- conv1d ------------------------------------------------------------------------------------------
struct Conv1dCase {
    const char* name;
    int64_t N, C, L, O, k, s;
    const char* pad_mode;
    int64_t p, d, groups;
    bool bias;
};

inline void PrintTo(const Conv1dCase& c, std::ostream* os) { *os << c.name; }

// clang-format off
const Conv1dCase kConv1dCases[] = {
//   name            N  C  L  O  k  s  pad      p  d  g  bias
    {"basic",        2, 3, 9, 4, 3, 1, nullptr, 0, 1, 1, true},
    {"stride2_pad1", 3, 2, 8, 2, 3, 2, nullptr, 1, 1, 1, false},
    {"dilation2",    2, 2, 9, 3, 3, 1, nullptr, 2, 2, 1, true},
    {"groups2",      2, 4, 7, 6, 2, 1, nullptr, 1, 1, 2, true},
    {"depthwise",    1, 3, 6, 3, 3, 1, nullptr, 1, 1, 3, true},
    {"same_even",    2, 2, 7, 3, 4, 1, "same",  0, 1, 1, true},
    {"valid",        2, 2, 7, 3, 3, 1, "valid", 0, 1, 1, true},
    {"unbatched",    0, 2, 8, 3, 3, 2, nullptr, 1, 1, 1, true},
};
// clang-format on

inline Tensor run_conv1d(const Conv1dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    const Padding p = c.pad_mode != nullptr ? Padding(c.pad_mode) : Padding(c.p);
    return conv1d(x, w, b, c.s, p, c.d, c.groups);
}

// ---- conv_transpose2d --------------------------------------------------------------------------------
struct ConvT2dCase {
    const char* name;
    int64_t N, Ci, H, W, Co, kH, kW;
    int64_t sH, sW, pH, pW, opH, opW, groups, dH, dW;
    bool bias;
};

inline void PrintTo(const ConvT2dCase& c, std::ostream* os) { *os << c.name; }

// clang-format off
const ConvT2dCase kConvT2dCases[] = {
//   name                N  Ci H  W  Co kH kW  sH sW pH pW opH opW  g  dH dW  bias
    {"basic",            2, 3, 4, 5, 2, 3, 3,  1, 1, 0, 0, 0,  0,   1, 1, 1,  true},
    {"stride2_pad1_op1", 2, 2, 4, 3, 3, 3, 3,  2, 2, 1, 1, 1,  1,   1, 1, 1,  true},
    {"stride2_k2",       3, 2, 3, 3, 2, 2, 2,  2, 2, 0, 0, 0,  0,   1, 1, 1,  false},
    {"nonsquare",        1, 2, 3, 4, 3, 3, 2,  2, 1, 1, 0, 1,  0,   1, 1, 1,  true},
    {"groups2",          2, 4, 3, 4, 6, 3, 3,  1, 1, 1, 1, 0,  0,   2, 1, 1,  true},
    {"depthwise",        2, 3, 4, 4, 3, 3, 3,  2, 2, 1, 1, 0,  0,   3, 1, 1,  true},
    {"dilation2",        2, 2, 4, 4, 2, 3, 3,  1, 1, 1, 1, 0,  0,   1, 2, 2,  true},
    {"op_below_dilation",1, 2, 3, 3, 2, 2, 2,  1, 1, 0, 0, 1,  1,   1, 2, 2,  true},
    {"unbatched",        0, 2, 3, 4, 3, 3, 3,  2, 2, 1, 1, 0,  1,   1, 1, 1,  true},
};
// clang-format on

inline Tensor run_convt(const ConvT2dCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
    return conv_transpose2d(x, w, b, {c.sH, c.sW}, {c.pH, c.pW}, {c.opH, c.opW}, c.groups, {c.dH, c.dW});
}

}  // namespace
}  // namespace tinydl
