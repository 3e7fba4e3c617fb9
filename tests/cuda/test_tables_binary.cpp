// test_tables_binary.cpp — every row of the CPU binary-op table (kBinaryCases in
// tests/ops/binary_cases.h) run on CUDA and compared with the CPU on the same random inputs.
//
// cuda_matches_cpu (tests/support/cuda_parity.h) runs the row's op on CPU tensors and on their
// copies on the GPU, and compares the outputs and, for differentiable rows (whose inputs here
// require grad), the gradients of both inputs: |cuda - cpu| <= atol + rtol |cpu|, bool results
// exactly. Each row runs in float64 and float32 on:
//   1. equal shapes: the CPU test's {}, {1}, {7, 13}, {0, 3}, and [67, 129], more elements than
//      one block of threads covers;
//   2. the CPU test's broadcasting pairs (kBroadcastPairs), plus [67, 1] with [1, 129]; the
//      gradient of a broadcast input is summed back to its shape on the GPU too;
//   3. non-contiguous operands: transposed, sliced with a step, permuted, and a broadcast
//      operand that is itself a strided view. The views are made inside the function, so both
//      devices run the op on the same kind of view (and its backward through the view).
// The comparison and logic rows draw small integers, so ties and zeros occur on both devices.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA); CTest label "cuda".
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/ops/binary_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::kParityFloatTypes;
using ::tinydl::testing::table_tolerance;

// Why table_tolerance (tests/support/cuda_parity.h) fits this family:
// float64: the devices differ by the last bits of libm vs libdevice (pow, its log in the
// gradient), ~1e-15; an op computed in float32 by mistake would be off by ~1e-7 and fail.
// float32: the tolerance; pow differs by a few ulps between glibc and libdevice.

// The row's sample on range r at `shape` in dtype t; it requires grad when the row has a gradient.
Tensor input(const BinaryCase& c, Range r, IntArrayRef shape, DType t) {
    Tensor x = sample(r, c.integers, shape).to(t);
    if (c.grad) x.requires_grad_();
    return x;
}

class CudaTableBinary : public ::testing::TestWithParam<BinaryCase> {
  protected:
    void SetUp() override { manual_seed(0); }
};

TEST_P(CudaTableBinary, EqualShapes) {
    TINYDL_REQUIRE_CUDA();
    const BinaryCase& c = GetParam();
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7, 13}, {0, 3}, {67, 129}};
    for (DType t : kParityFloatTypes)
        for (const std::vector<int64_t>& shape : shapes) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " on " << shape_str(shape));
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& x) { return c.op(x[0], x[1]); },
                                         {input(c, c.a, shape, t), input(c, c.b, shape, t)}, table_tolerance(t)));
        }
}

TEST_P(CudaTableBinary, Broadcasting) {
    TINYDL_REQUIRE_CUDA();
    const BinaryCase& c = GetParam();
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> pairs = kBroadcastPairs;
    pairs.push_back({{67, 1}, {1, 129}});
    for (DType t : kParityFloatTypes)
        for (const auto& pair : pairs) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << t << " on " << shape_str(pair.first)
                                              << " and " << shape_str(pair.second));
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& x) { return c.op(x[0], x[1]); },
                                         {input(c, c.a, pair.first, t), input(c, c.b, pair.second, t)},
                                         table_tolerance(t)));
        }
}

TEST_P(CudaTableBinary, NonContiguousOperands) {
    TINYDL_REQUIRE_CUDA();
    const BinaryCase& c = GetParam();
    for (DType t : kParityFloatTypes) {
        SCOPED_TRACE(::testing::Message() << c.name << " " << t);
        // a: [13, 7] transposed to [7, 13] (strides (1, 7)); b: every other column of [7, 26].
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) { return c.op(x[0].t(), x[1].slice(1, 0, std::nullopt, 2)); },
            {input(c, c.a, {13, 7}, t), input(c, c.b, {7, 26}, t)}, table_tolerance(t)))
            << "transposed a, stepped b";
        // The same the other way round, so each operand takes each kind of view.
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) { return c.op(x[0].slice(1, 0, std::nullopt, 2), x[1].t()); },
            {input(c, c.a, {7, 26}, t), input(c, c.b, {13, 7}, t)}, table_tolerance(t)))
            << "stepped a, transposed b";
        // a: [4, 5, 3] permuted to [5, 3, 4]; b: [4, 3] transposed to [3, 4], broadcast over dim 0.
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) {
                return c.op(x[0].permute({1, 2, 0}), x[1].t());
            },
            {input(c, c.a, {4, 5, 3}, t), input(c, c.b, {4, 3}, t)}, table_tolerance(t)))
            << "permuted a, transposed broadcast b";
        // A broadcast operand that is itself strided: every other element of [26], against every
        // other row of [14, 13].
        EXPECT_TRUE(cuda_matches_cpu(
            [&c](const std::vector<Tensor>& x) {
                return c.op(x[0].slice(0, 1, std::nullopt, 2), x[1].slice(0, 0, std::nullopt, 2));
            },
            {input(c, c.a, {14, 13}, t), input(c, c.b, {26}, t)}, table_tolerance(t)))
            << "stepped a, stepped broadcast b";
    }
}

INSTANTIATE_TEST_SUITE_P(Table, CudaTableBinary, ::testing::ValuesIn(kBinaryCases),
                         [](const ::testing::TestParamInfo<BinaryCase>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace tinydl
