// test_tables_unary.cpp — every row of the CPU unary-op table (kUnaryCases in
// tests/ops/unary_cases.h) run on CUDA and compared with the CPU on the same random inputs.
//
// cuda_matches_cpu (tests/support/cuda_parity.h) runs the row's op on a CPU tensor and on its
// copy on the GPU, and compares the outputs and, for differentiable rows (whose input here
// requires grad), the input gradients: |cuda - cpu| <= atol + rtol |cpu|; logical_not's bool
// result exactly. Inputs come from the row's own sampler, so they keep off its kinks and jumps
// (floor, round, clamp, ...), where the two devices could legitimately round to different sides.
// Each row runs in float64 and float32 on:
//   1. the CPU test's shapes {}, {1}, {7, 13}, {0, 3}, and [67, 129], more elements than one
//      block of threads covers;
//   2. non-contiguous inputs: transposed, sliced with a step, permuted, and a broadcast (stride
//      0) view, whose gradient is summed back over the broadcast dim. The views are made inside
//      the function, so both devices run the op (and its backward) on the same kind of view.
// A unary op has one input, so there is no broadcasting of operands against each other here.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA); CTest label "cuda".
#include <cstdint>
#include <string>
#include <vector>

#include "tests/ops/unary_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::kParityFloatTypes;
using ::tinydl::testing::table_tolerance;

// Why table_tolerance (tests/support/cuda_parity.h) fits this family:
// float64: libm and libdevice differ in the last bit or two of exp, erf, tanh, ..., ~1e-15; an op
// computed in float32 by mistake would be off by ~1e-7 and fail. float32: the tolerance
// (a few ulps between glibc and libdevice, compounded in the gradients).

// The row's sample at `shape` in dtype t; it requires grad when the row has a gradient.
Tensor input(const UnaryCase& c, IntArrayRef shape, DType t) {
    Tensor x = sample(c, shape).to(t);
    if (c.grad) x.requires_grad_();
    return x;
}

class CudaTableUnary : public ::testing::TestWithParam<UnaryCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(CudaTableUnary, Shapes) {
    TINYDL_REQUIRE_CUDA();
    const UnaryCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {0, 3}, {67, 129}};
    for (DType t : kParityFloatTypes)
        for (const std::vector<int64_t>& shape : shapes) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " on " << shape_str(shape));
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& x) { return c.op(x[0]); },
                                         {input(c, shape, t)}, table_tolerance(t)));
        }
}

TEST_P(CudaTableUnary, NonContiguousInputs) {
    TINYDL_REQUIRE_CUDA();
    const UnaryCase& c = GetParam();
    for (DType t : kParityFloatTypes) {
        SCOPED_TRACE(::testing::Message() << c.name << " " << t);
        // [13, 7] transposed to [7, 13]: strides (1, 7).
        EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& x) { return c.op(x[0].t()); },
                                     {input(c, {13, 7}, t)}, table_tolerance(t)))
            << "transposed";
        // Every other column of [7, 26]: strides (26, 2).
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) { return c.op(x[0].slice(1, 0, std::nullopt, 2)); },
            {input(c, {7, 26}, t)}, table_tolerance(t)))
            << "sliced with a step";
        // [4, 5, 3] permuted to [5, 3, 4].
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) {
                return c.op(x[0].permute({1, 2, 0}));
            },
            {input(c, {4, 5, 3}, t)}, table_tolerance(t)))
            << "permuted";
        // [1, 13] expanded to [7, 13]: stride 0 along dim 0.
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) {
                return c.op(x[0].expand({7, 13}));
            },
            {input(c, {1, 13}, t)}, table_tolerance(t)))
            << "broadcast view";
    }
}

INSTANTIATE_TEST_SUITE_P(Table, CudaTableUnary, ::testing::ValuesIn(kUnaryCases),
                         [](const ::testing::TestParamInfo<UnaryCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
