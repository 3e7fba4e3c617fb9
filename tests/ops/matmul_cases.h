// matmul_cases.h — the table of matmul rules (one row per rule: 1-D·1-D, 1-D·2-D, 2-D·1-D,
// 2-D·2-D, batched with broadcast batch dims, N-D·2-D folded into one mm, 2-D·N-D). It is shared
// by the CPU test (tests/ops/test_matmul.cpp, which checks each row against a float64 triple
// loop) and by tests/cuda/test_tables_matmul.cpp (which runs each row on the GPU and compares
// it with the CPU), so a rule added here is tested on both devices. Test-only code, included by
// one test file per executable: hence the anonymous namespace.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

struct MatmulCase {
    const char* name;
    std::vector<int64_t> a, b;
};

// So that a failing row prints its name, not its bytes.
inline void PrintTo(const MatmulCase& c, std::ostream* os) { *os << c.name; }

const MatmulCase kMatmulCases[] = {
    {"dot", {5}, {5}},                             // 1-D x 1-D -> 0-dim
    {"vector_matrix", {3}, {3, 4}},                // 1-D x 2-D
    {"matrix_vector", {4, 3}, {3}},                // 2-D x 1-D
    {"matrix_matrix", {7, 13}, {13, 5}},           // 2-D x 2-D
    {"bmm_shaped", {2, 3, 4}, {2, 4, 5}},          // equal batch dims
    {"broadcast_batch", {2, 1, 3, 4}, {5, 4, 2}},  // [2, 1] and [5] broadcast to [2, 5]
    {"matrix_batched", {3, 4}, {2, 4, 5}},         // 2-D x 3-D: a shared by every batch entry
    {"batched_matrix", {2, 3, 4}, {4, 5}},         // 3-D x 2-D: folded into one mm
    {"batched4_matrix", {2, 2, 3, 4}, {4, 2}},     // 4-D x 2-D: folded too
    {"batched_vector", {2, 3, 4}, {4}},            // N-D x 1-D
    {"vector_batched", {4}, {2, 4, 5}},            // 1-D x N-D
    {"one_row_one_col", {1, 6}, {6, 1}},           // size-1 dims take any stride
};

}  // namespace
}  // namespace tinydl
