// test_tables_matmul.cpp — every row of the CPU test's matmul table (tests/ops/matmul_cases.h:
// 1-D·1-D, 1-D·2-D, 2-D·1-D, 2-D·2-D, batched with broadcast batch dims, N-D·2-D, 2-D·N-D) run on
// the GPU and compared with the CPU on the same random inputs, outputs and both gradients:
//   1. contiguous operands, float64 and float32;
//   2. transposed operands (the last two dims swapped in memory: what cuBLAS reads column-major);
//   3. step-2 slices (every other element of the last dim: a layout the op must copy first);
//   4. broadcast operands (the first dim expanded from 1, stride 0: a batch dim for batched rows,
//      the rows of a matrix or a whole vector otherwise), whose gradient is a sum.
// The views are made inside the compared function, so both devices see the same kind of view.
//
// Tolerances: float32 products are summed in another order on each device (cuBLAS's tiles vs
// the CPU's GEMM), so they differ by float32 rounding: |diff| <= 1e-4 + 1e-4 |cpu| for these
// K <= 13 and N(0, 1) inputs (TF32 would miss it by orders of magnitude). float64: 1e-10.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/ops/matmul_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kTol32{1e-4, 1e-4};
constexpr ParityTolerance kTol64{1e-10, 1e-10};

ParityTolerance tol_for(DType dtype) { return dtype == kFloat32 ? kTol32 : kTol64; }

// A random N(0, 1) leaf that requires grad.
Tensor grad_leaf(const std::vector<int64_t>& shape, DType dtype) {
    return randn(shape, TensorOptions(dtype)).requires_grad_();
}

// The shape stored for a transposed operand: the last two dims swapped (1-D: unchanged).
// unswap() inside the function gives the case's shape back as a transposed view.
std::vector<int64_t> swapped(std::vector<int64_t> s) {
    if (s.size() >= 2) std::swap(s[s.size() - 1], s[s.size() - 2]);
    return s;
}
Tensor unswap(const Tensor& t) { return t.dim() >= 2 ? t.transpose(-1, -2) : t; }

// The shape stored for a step-2 operand: the last dim doubled. every_other() inside the
// function gives the case's shape back, with last stride 2.
std::vector<int64_t> widened(std::vector<int64_t> s) {
    s.back() *= 2;
    return s;
}
Tensor every_other(const Tensor& t) { return t.slice(-1, 0, std::nullopt, 2); }

// The shape stored for a broadcast operand: the first dim 1. expand() to the case's shape
// inside the function gives that dim stride 0.
std::vector<int64_t> first_dim_one(std::vector<int64_t> s) {
    s.front() = 1;
    return s;
}

class CudaMatmulTable : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(CudaMatmulTable, ContiguousFloat64AndFloat32) {
    TINYDL_REQUIRE_CUDA();
    const MatmulCase& c = GetParam();
    manual_seed(1);
    for (DType dtype : {kFloat64, kFloat32}) {
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); },
                                     {grad_leaf(c.a, dtype), grad_leaf(c.b, dtype)}, tol_for(dtype)))
            << dtype;
    }
}

TEST_P(CudaMatmulTable, TransposedOperands) {
    TINYDL_REQUIRE_CUDA();
    const MatmulCase& c = GetParam();
    manual_seed(2);
    for (DType dtype : {kFloat64, kFloat32}) {
        for (const auto& [ta, tb] : {std::pair{true, true}, std::pair{true, false}, std::pair{false, true}}) {
            const auto fn = [ta = ta, tb = tb](const std::vector<Tensor>& x) {
                return matmul(ta ? unswap(x[0]) : x[0], tb ? unswap(x[1]) : x[1]);
            };
            EXPECT_TRUE(cuda_matches_cpu(
                fn, {grad_leaf(ta ? swapped(c.a) : c.a, dtype), grad_leaf(tb ? swapped(c.b) : c.b, dtype)},
                tol_for(dtype)))
                << dtype << ", transposed a " << ta << ", transposed b " << tb;
        }
    }
}

TEST_P(CudaMatmulTable, StepTwoSliceOperands) {
    TINYDL_REQUIRE_CUDA();
    const MatmulCase& c = GetParam();
    manual_seed(3);
    for (DType dtype : {kFloat64, kFloat32}) {
        for (const auto& [sa, sb] : {std::pair{true, true}, std::pair{true, false}, std::pair{false, true}}) {
            const auto fn = [sa = sa, sb = sb](const std::vector<Tensor>& x) {
                return matmul(sa ? every_other(x[0]) : x[0], sb ? every_other(x[1]) : x[1]);
            };
            EXPECT_TRUE(cuda_matches_cpu(
                fn, {grad_leaf(sa ? widened(c.a) : c.a, dtype), grad_leaf(sb ? widened(c.b) : c.b, dtype)},
                tol_for(dtype)))
                << dtype << ", sliced a " << sa << ", sliced b " << sb;
        }
    }
}

TEST_P(CudaMatmulTable, BroadcastOperands) {
    TINYDL_REQUIRE_CUDA();
    const MatmulCase& c = GetParam();
    manual_seed(4);
    for (DType dtype : {kFloat64, kFloat32}) {
        for (const auto& [ea, eb] : {std::pair{true, true}, std::pair{true, false}, std::pair{false, true}}) {
            const auto fn = [ea = ea, eb = eb, a = c.a, b = c.b](const std::vector<Tensor>& x) {
                return matmul(ea ? x[0].expand(a) : x[0], eb ? x[1].expand(b) : x[1]);
            };
            EXPECT_TRUE(cuda_matches_cpu(fn,
                                         {grad_leaf(ea ? first_dim_one(c.a) : c.a, dtype),
                                          grad_leaf(eb ? first_dim_one(c.b) : c.b, dtype)},
                                         tol_for(dtype)))
                << dtype << ", expanded a " << ea << ", expanded b " << eb;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Rules, CudaMatmulTable, ::testing::ValuesIn(kMatmulCases),
                         [](const ::testing::TestParamInfo<MatmulCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
