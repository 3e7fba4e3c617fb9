// resample_cases.h — the tables of pad (constant, reflect and replicate modes; positive and
// negative padding; 2-D to 5-D inputs) and interpolate (nearest, linear, bilinear, trilinear; by
// size or by scale factor; with and without align_corners), one row per case. They are shared by
// the CPU test (tests/ops/test_resample.cpp, which checks each row against naive float64 loops)
// and by tests/cuda/test_tables_resample.cpp (which runs each row on the GPU and compares it with
// the CPU), so a row added here is tested on both devices. Test-only code, included by one test
// file per executable: hence the anonymous namespace.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

// ---- pad -------------------------------------------------------------------------------------------
struct PadCase {
    const char* name;
    std::vector<int64_t> shape;
    std::vector<int64_t> pad;
    const char* mode;
    double value;
    bool gradgrad;
};

// So that a failing row prints its name, not its bytes.
inline void PrintTo(const PadCase& c, std::ostream* os) { *os << c.name; }

const PadCase kPadCases[] = {
    {"constant_3d_positive", {2, 3, 4}, {1, 2}, "constant", 0.5, true},
    {"constant_4d_positive", {1, 2, 3, 4}, {1, 0, 2, 1}, "constant", 0.0, false},
    {"constant_4d_negative", {2, 2, 4, 5}, {-1, 2, 0, -2}, "constant", -1.5, true},
    {"constant_all_dims", {2, 3, 2}, {1, 1, -1, 0, 2, 0}, "constant", 3.0, false},
    {"constant_crop_all", {2, 3}, {-2, -1}, "constant", 0.0, false},
    {"reflect_3d", {2, 3, 5}, {2, 3}, "reflect", 0.0, true},
    {"reflect_2d_unbatched", {3, 4}, {3, 1}, "reflect", 0.0, false},
    {"reflect_4d", {2, 2, 4, 5}, {1, 2, 3, 0}, "reflect", 0.0, true},
    {"reflect_4d_negative", {1, 2, 4, 5}, {-1, 2, 1, -2}, "reflect", 0.0, false},
    {"reflect_5d", {1, 2, 3, 3, 4}, {1, 1, 2, 1, 0, 2}, "reflect", 0.0, false},
    {"replicate_4d", {2, 2, 3, 4}, {2, 1, 1, 3}, "replicate", 0.0, true},
    {"replicate_3d_unbatched", {2, 3, 4}, {0, 0, 4, 1}, "replicate", 0.0, false},
};

// ---- interpolate -----------------------------------------------------------------------------------
struct InterpCase {
    const char* name;
    std::vector<int64_t> shape;
    InterpolateOptions options;
    bool gradgrad;
};

inline void PrintTo(const InterpCase& c, std::ostream* os) { *os << c.name; }

const InterpCase kInterpCases[] = {
    {"nearest_size_up_down", {2, 3, 4, 5}, {.size = {7, 3}}, true},
    {"nearest_scale_2", {1, 2, 3, 4}, {.scale_factor = {2.0}}, false},
    {"nearest_scale_noninteger", {1, 2, 5, 4}, {.scale_factor = {1.5, 0.6}}, true},
    {"nearest_size_noninteger", {1, 1, 3, 7}, {.size = {8, 5}}, false},
    {"nearest_1d", {2, 3, 5}, {.size = {8}}, false},
    {"nearest_3d", {1, 2, 2, 3, 2}, {.scale_factor = {2.0, 1.0, 1.5}}, false},
    {"bilinear_up", {2, 2, 3, 4}, {.size = {7, 9}, .mode = "bilinear"}, true},
    {"bilinear_down", {1, 2, 5, 7}, {.size = {3, 2}, .mode = "bilinear"}, false},
    {"bilinear_scale_noninteger", {1, 2, 4, 3}, {.scale_factor = {1.7, 2.5}, .mode = "bilinear"}, false},
    {"bilinear_align_up", {2, 1, 3, 4}, {.size = {7, 9}, .mode = "bilinear", .align_corners = true}, true},
    {"bilinear_align_down", {1, 2, 6, 5}, {.size = {4, 3}, .mode = "bilinear", .align_corners = true}, false},
    {"bilinear_align_to_one", {1, 1, 3, 4}, {.size = {1, 1}, .mode = "bilinear", .align_corners = true}, false},
    {"bilinear_align_scale", {1, 1, 3, 3}, {.scale_factor = {2.0}, .mode = "bilinear", .align_corners = true}, false},
    {"linear_1d", {2, 2, 5}, {.size = {8}, .mode = "linear"}, false},
    {"linear_1d_align", {2, 2, 5}, {.size = {3}, .mode = "linear", .align_corners = true}, false},
    {"trilinear", {1, 1, 2, 3, 2}, {.size = {3, 4, 5}, .mode = "trilinear"}, false},
};

}  // namespace
}  // namespace tinydl
