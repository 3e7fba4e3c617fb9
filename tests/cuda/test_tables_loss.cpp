// test_tables_loss.cpp — every row of the CPU elementwise-loss table (kElementwiseCases in
// tests/nn/loss_cases.h: mse, l1, smooth_l1, huber, binary cross entropy with and without
// logits, kl_div) run on CUDA and compared with the CPU on the same random inputs.
//
// cuda_matches_cpu (tests/support/cuda_parity.h) runs the row's loss on CPU tensors and on their
// copies on the GPU, and compares the loss and the gradients of both input and target (every
// row is differentiable in both, as the CPU gradchecks): |cuda - cpu| <= atol + rtol |cpu|.
// Inputs come from the row's own samplers, which keep off the kinks (and keep bce's input
// inside (0, 1)). Each row runs in float64 and float32, for each reduction (none, mean, sum), on:
//   1. the CPU test's shapes {}, {1}, {7, 13}, an empty [0, 3] (mean is NaN on both devices,
//      and the comparison takes NaN as equal to NaN), and [67, 129], more elements than one
//      block of threads covers;
//   2. non-contiguous operands: transposed and sliced with a step, made inside the function so
//      both devices see the same kind of view;
//   3. broadcast operands, for the rows that broadcast input against target ([7, 13] with [13]
//      as in the CPU test, and both ways round); the gradient of the broadcast one is summed
//      back to its shape.
// The class-index losses (cross_entropy, nll_loss) have their own CUDA test:
// tests/cuda/test_parity_loss.cpp.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA); CTest label "cuda".
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/nn/loss_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::kParityFloatTypes;
using ::tinydl::testing::table_tolerance;

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

// Why table_tolerance (tests/support/cuda_parity.h) fits this family:
// float64: the devices differ by libm vs libdevice ulps (log, exp, log1p) and by the order of
// the mean and sum reductions, ~1e-15; a loss computed in float32 by mistake would be off by
// ~1e-7 and fail. float32: the tolerance (the reductions accumulate in double on both
// devices).

// The row's input and target at the given shapes in dtype t, both requiring grad.
std::vector<Tensor> inputs(const ElementwiseLossCase& c, IntArrayRef x_shape, IntArrayRef t_shape, DType t) {
    return {sample_input(c, x_shape).to(t).requires_grad_(),
            sample_target(c, t_shape).to(t).requires_grad_()};
}

class CudaTableLoss : public ::testing::TestWithParam<ElementwiseLossCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(CudaTableLoss, Shapes) {
    TINYDL_REQUIRE_CUDA();
    const ElementwiseLossCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {0, 3}, {67, 129}};
    for (DType t : kParityFloatTypes)
        for (const std::vector<int64_t>& shape : shapes)
            for (Reduction r : kReductions) {
                SCOPED_TRACE(::testing::Message()
                             << c.name << " " << t << " on " << shape_str(shape) << " reduction " << r);
                EXPECT_TRUE(
                    cuda_matches_cpu([&c, r](const std::vector<Tensor>& x) { return c.op(x[0], x[1], r); },
                                     inputs(c, shape, shape, t), table_tolerance(t)));
            }
}

TEST_P(CudaTableLoss, NonContiguousOperands) {
    TINYDL_REQUIRE_CUDA();
    const ElementwiseLossCase& c = GetParam();
    for (DType t : kParityFloatTypes)
        for (Reduction r : kReductions) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " reduction " << r);
            // input: [13, 7] transposed to [7, 13]; target: every other column of [7, 26].
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, r](const std::vector<Tensor>& x) {
                    return c.op(x[0].t(), x[1].slice(1, 0, std::nullopt, 2), r);
                },
                inputs(c, {13, 7}, {7, 26}, t), table_tolerance(t)))
                << "transposed input, stepped target";
            // The other way round, so each operand takes each kind of view.
            EXPECT_TRUE(cuda_matches_cpu(
                [&c, r](const std::vector<Tensor>& x) {
                    return c.op(x[0].slice(1, 0, std::nullopt, 2), x[1].t(), r);
                },
                inputs(c, {7, 26}, {13, 7}, t), table_tolerance(t)))
                << "stepped input, transposed target";
        }
}

TEST_P(CudaTableLoss, BroadcastOperands) {
    TINYDL_REQUIRE_CUDA();
    const ElementwiseLossCase& c = GetParam();
    if (!c.broadcasts) GTEST_SKIP() << c.name << " does not broadcast input against target";
    const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> pairs = {
        {{7, 13}, {13}}, {{3, 4}, {4}}, {{13}, {7, 13}}, {{7, 1}, {1, 13}}};
    for (DType t : kParityFloatTypes)
        for (const auto& pair : pairs)
            for (Reduction r : kReductions) {
                SCOPED_TRACE(::testing::Message() << c.name << " " << t << " on " << shape_str(pair.first)
                                                  << " and " << shape_str(pair.second) << " reduction " << r);
                EXPECT_TRUE(
                    cuda_matches_cpu([&c, r](const std::vector<Tensor>& x) { return c.op(x[0], x[1], r); },
                                     inputs(c, pair.first, pair.second, t), table_tolerance(t)));
            }
}

INSTANTIATE_TEST_SUITE_P(Table, CudaTableLoss, ::testing::ValuesIn(kElementwiseCases),
                         [](const ::testing::TestParamInfo<ElementwiseLossCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
