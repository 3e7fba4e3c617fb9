// test_tables_softmax.cpp — every row of the CPU softmax table (kSoftmaxCases in
// tests/ops/softmax_cases.h: softmax, log_softmax) run on CUDA and compared with the CPU on the
// same random inputs.
//
// cuda_matches_cpu (tests/support/cuda_parity.h) runs the row's op on a CPU tensor and on its
// copy on the GPU, and compares the outputs and the input gradients (both rows are
// differentiable, so the input requires grad): |cuda - cpu| <= atol + rtol |cpu|. Each row runs
// in float64 and float32:
//   1. along every dim (negative ones too) of the CPU test's shapes {}, {1}, {7, 13},
//      {3, 4, 5}, {2, 3, 4, 5}, and on empty shapes;
//   2. on non-contiguous inputs: sliced with a step, transposed, permuted, and a broadcast
//      (stride 0) view, made inside the function so both devices see the same kind of view;
//   3. on the CPU test's large inputs ([500, 300] along both dims, [4, 700, 9] along the
//      middle), plus a row longer than one block of threads ([2, 5000] along dim 1);
//   4. on inputs shifted by +-1000, where only the max shift keeps exp finite.
// Softmax has one input, so there is no broadcasting of operands here.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA); CTest label "cuda".
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/ops/softmax_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::kParityFloatTypes;
using ::tinydl::testing::table_tolerance;

// Why table_tolerance (tests/support/cuda_parity.h) fits this family:
// float64: the devices differ by libm vs libdevice ulps of exp and log and by the order of the
// sums, ~1e-15; a kernel computing in float32 by mistake would be off by ~1e-7 and fail.
// float32: the tolerance (the sums accumulate in double on both devices).

// A sample of `shape` in dtype t, shifted by `shift`, requiring grad.
Tensor input(IntArrayRef shape, DType t, double shift = 0.0) {
    return (sample(shape) + shift).to(t).requires_grad_();
}

class CudaTableSoftmax : public ::testing::TestWithParam<SoftmaxCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(CudaTableSoftmax, EveryDim) {
    TINYDL_REQUIRE_CUDA();
    const SoftmaxCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {3, 4, 5}, {2, 3, 4, 5}};
    for (DType t : kParityFloatTypes)
        for (const std::vector<int64_t>& shape : shapes) {
            const int64_t nd = std::max<int64_t>(static_cast<int64_t>(shape.size()), 1);
            for (int64_t dim = -nd; dim < nd; ++dim) {
                SCOPED_TRACE(::testing::Message()
                             << c.name << " " << t << " of " << shape_str(shape) << " along dim " << dim);
                EXPECT_TRUE(
                    cuda_matches_cpu([&c, dim](const std::vector<Tensor>& x) { return c.op(x[0], dim); },
                                     {input(shape, t)}, table_tolerance(t)));
            }
        }
}

TEST_P(CudaTableSoftmax, EmptyInputs) {
    TINYDL_REQUIRE_CUDA();
    const SoftmaxCase& c = GetParam();
    struct Case {
        std::vector<int64_t> shape;
        int64_t dim;
    };
    const Case cases[] = {{{0, 3}, 0}, {{0, 3}, 1}, {{2, 0}, 1}, {{2, 0}, 0}};
    for (DType t : kParityFloatTypes)
        for (const Case& e : cases) {
            SCOPED_TRACE(::testing::Message()
                         << c.name << " " << t << " of " << shape_str(e.shape) << " along dim " << e.dim);
            EXPECT_TRUE(cuda_matches_cpu([&c, &e](const std::vector<Tensor>& x) { return c.op(x[0], e.dim); },
                                         {input(e.shape, t)}, table_tolerance(t)));
        }
}

TEST_P(CudaTableSoftmax, NonContiguousInputs) {
    TINYDL_REQUIRE_CUDA();
    const SoftmaxCase& c = GetParam();
    for (DType t : kParityFloatTypes) {
        for (int64_t dim : {0, 1}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " along dim " << dim);
            // Every other column of [7, 26]: strides (26, 2).
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, dim](const std::vector<Tensor>& x) {
                    return c.op(x[0].slice(1, 0, std::nullopt, 2), dim);
                },
                {input({7, 26}, t)}, table_tolerance(t)))
                << "sliced with a step";
            // [13, 7] transposed to [7, 13]: strides (1, 7).
            EXPECT_TRUE(
                cuda_matches_cpu([&c, dim](const std::vector<Tensor>& x) { return c.op(x[0].t(), dim); },
                                 {input({13, 7}, t)}, table_tolerance(t)))
                << "transposed";
            // [1, 13] expanded to [7, 13]: stride 0 along dim 0 (along dim 0 every slice is constant).
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, dim](const std::vector<Tensor>& x) {
                    return c.op(x[0].expand({7, 13}), dim);
                },
                {input({1, 13}, t)}, table_tolerance(t)))
                << "broadcast view";
        }
        // [5, 3, 4] permuted to [3, 4, 5].
        for (int64_t dim : {0, 1, 2}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " along dim " << dim << " (permuted)");
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, dim](const std::vector<Tensor>& x) {
                    return c.op(x[0].permute({1, 2, 0}), dim);
                },
                {input({5, 3, 4}, t)}, table_tolerance(t)));
        }
    }
}

TEST_P(CudaTableSoftmax, LargeInputs) {
    TINYDL_REQUIRE_CUDA();
    const SoftmaxCase& c = GetParam();
    struct Case {
        std::vector<int64_t> shape;
        int64_t dim;
    };
    const Case cases[] = {{{500, 300}, 1}, {{500, 300}, 0}, {{4, 700, 9}, 1}, {{2, 5000}, 1}};
    for (DType t : kParityFloatTypes)
        for (const Case& e : cases) {
            SCOPED_TRACE(::testing::Message()
                         << c.name << " " << t << " of " << shape_str(e.shape) << " along dim " << e.dim);
            EXPECT_TRUE(cuda_matches_cpu([&c, &e](const std::vector<Tensor>& x) { return c.op(x[0], e.dim); },
                                         {input(e.shape, t)}, table_tolerance(t)));
        }
}

TEST_P(CudaTableSoftmax, ShiftedByAThousand) {
    TINYDL_REQUIRE_CUDA();
    const SoftmaxCase& c = GetParam();
    for (DType t : kParityFloatTypes)
        for (double shift : {1000.0, -1000.0})
            for (int64_t dim : {0, 1}) {
                SCOPED_TRACE(::testing::Message()
                             << c.name << " " << t << " shifted by " << shift << " along dim " << dim);
                EXPECT_TRUE(
                    cuda_matches_cpu([&c, dim](const std::vector<Tensor>& x) { return c.op(x[0], dim); },
                                     {input({7, 13}, t, shift)}, table_tolerance(t)));
            }
}

INSTANTIATE_TEST_SUITE_P(Table, CudaTableSoftmax, ::testing::ValuesIn(kSoftmaxCases),
                         [](const ::testing::TestParamInfo<SoftmaxCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
