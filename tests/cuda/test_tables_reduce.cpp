// test_tables_reduce.cpp — every row of the CPU reduction table (kReduceCases in
// tests/ops/reduce_cases.h) run on CUDA and compared with the CPU on the same random inputs.
//
// cuda_matches_cpu (tests/support/cuda_parity.h) runs the row's reduction on a CPU tensor and
// on its copy on the GPU, and compares the outputs and the input gradients (every row is
// differentiable, so the input requires grad): |cuda - cpu| <= atol + rtol |cpu|. Inputs come
// from the row's own sampler (max/min draw distinct values, so no tie decides where a gradient
// goes; prod and the norms keep off zero). Each row runs in float64 and float32 on:
//   1. every (shape, dims) of the CPU test's kDimsCases, with and without keepdim (a row that
//      takes one dim skips lists of several): single, multiple, negative, non-adjacent and all
//      dims, 0-dim and size-1 inputs. Unbiased var/std of one element is NaN on both devices;
//      the comparison takes NaN as equal to NaN;
//   2. non-contiguous inputs: transposed, sliced with a step, permuted (the reduced dims then
//      are neither one run nor contiguous), made inside the function so both devices see the
//      same kind of view;
//   3. larger inputs ([67, 129], and a long middle dim [2, 2049, 3]) that take the kernels'
//      multi-block and split-R paths (src/cuda/reduce.cu).
// A reduction has one input, so there is no broadcasting of operands here.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA); CTest label "cuda".
#include <string>
#include <vector>

#include "tests/ops/reduce_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::kParityFloatTypes;
using ::tinydl::testing::table_tolerance;

// Why table_tolerance (tests/support/cuda_parity.h) fits this family:
// float64: both devices accumulate sums and products in double, in different orders, and the
// composite rows (var, logsumexp, norms) add libm vs libdevice ulps: ~1e-15 relative; a
// reduction computed in float32 by mistake would be off by ~1e-7 and fail. float32: the issue's
// tolerance (accumulation is in double on both devices, so a result differs by about one
// float32 rounding).

// The row's sample at `shape` in dtype t, requiring grad (every row is differentiable).
Tensor input(const ReduceCase& c, IntArrayRef shape, DType t) {
    return sample(c, shape).to(t).requires_grad_();
}

class CudaTableReduce : public ::testing::TestWithParam<ReduceCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(CudaTableReduce, EveryDimsCase) {
    TINYDL_REQUIRE_CUDA();
    const ReduceCase& c = GetParam();
    for (DType t : kParityFloatTypes)
        for (const DimsCase& dc : kDimsCases)
            for (bool keepdim : {false, true}) {
                if (!applies(c, dc.dims, keepdim)) continue;
                SCOPED_TRACE(::testing::Message() << describe(c, dc.shape, dc.dims, keepdim) << " " << t);
                EXPECT_TRUE(cuda_matches_cpu(
                    [&c, &dc, keepdim](const std::vector<Tensor>& x) { return c.op(x[0], dc.dims, keepdim); },
                    {input(c, dc.shape, t)}, table_tolerance(t)));
            }
}

TEST_P(CudaTableReduce, NonContiguousInputs) {
    TINYDL_REQUIRE_CUDA();
    const ReduceCase& c = GetParam();
    for (DType t : kParityFloatTypes) {
        for (const Dims& dims : {Dims{}, Dims{0}, Dims{1}, Dims{0, 1}})
            for (bool keepdim : {false, true}) {
                if (!applies(c, dims, keepdim)) continue;
                SCOPED_TRACE(::testing::Message() << describe(c, {7, 13}, dims, keepdim) << " " << t);
                // [13, 7] transposed to [7, 13]: strides (1, 7).
                EXPECT_TRUE(cuda_matches_cpu(
                    [&c, &dims, keepdim](const std::vector<Tensor>& x) {
                        return c.op(x[0].t(), dims, keepdim);
                    },
                    {input(c, {13, 7}, t)}, table_tolerance(t)))
                    << "transposed input";
                // Every other column of [7, 26]: strides (26, 2).
                EXPECT_TRUE(cuda_matches_cpu(
                    [&c, &dims, keepdim](const std::vector<Tensor>& x) {
                        return c.op(x[0].slice(1, 0, std::nullopt, 2), dims, keepdim);
                    },
                    {input(c, {7, 26}, t)}, table_tolerance(t)))
                    << "input sliced with a step";
            }
        // [5, 3, 4] permuted to [3, 4, 5].
        for (const Dims& dims : {Dims{1}, Dims{0, 2}, Dims{2}}) {
            if (!applies(c, dims, false)) continue;
            SCOPED_TRACE(::testing::Message() << describe(c, {3, 4, 5}, dims, false) << " " << t);
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, &dims](const std::vector<Tensor>& x) {
                    return c.op(x[0].permute({1, 2, 0}), dims, false);
                },
                {input(c, {5, 3, 4}, t)}, table_tolerance(t)))
                << "permuted input";
        }
    }
}

TEST_P(CudaTableReduce, LargerInputs) {
    TINYDL_REQUIRE_CUDA();
    const ReduceCase& c = GetParam();
    const DimsCase cases[] = {
        {{67, 129}, {}}, {{67, 129}, {0}}, {{67, 129}, {1}}, {{2, 2049, 3}, {1}}, {{2, 2049, 3}, {0, 2}},
    };
    for (DType t : kParityFloatTypes)
        for (const DimsCase& dc : cases) {
            if (!applies(c, dc.dims, false)) continue;
            SCOPED_TRACE(::testing::Message() << describe(c, dc.shape, dc.dims, false) << " " << t);
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, &dc](const std::vector<Tensor>& x) { return c.op(x[0], dc.dims, false); },
                {input(c, dc.shape, t)}, table_tolerance(t)));
        }
}

INSTANTIATE_TEST_SUITE_P(Table, CudaTableReduce, ::testing::ValuesIn(kReduceCases),
                         [](const ::testing::TestParamInfo<ReduceCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
