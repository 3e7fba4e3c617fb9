// test_tables_resample.cpp — every row of the CPU test's two resampling tables
// (tests/ops/resample_cases.h: pad in constant, reflect and replicate modes; interpolate in
// nearest, linear, bilinear and trilinear modes, by size and by scale factor, with and without
// align_corners) run on the GPU and compared with the CPU on the same random inputs: the output
// and the input's gradient, float64 and float32, with
//   1. a contiguous input;
//   2. the input as a step-2 slice (every other element of the last dim), made inside the
//      compared function, so both devices see the same kind of view.
// Neither op broadcasts its input, so there is no broadcast variant.
//
// Tolerances: pad only moves values, so its output must match exactly; its gradient adds up to
// three upstream values per input element (reflect, replicate), in an order that may differ, so
// it is compared within float rounding. interpolate's outputs are weighted sums of at most 8
// values and its gradients sums of at most a few dozen (downsampling), in other orders per
// device: float32 within 1e-5 + 1e-5 |cpu|, float64 within 1e-10.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/ops/resample_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kExact{0.0, 0.0};
constexpr ParityTolerance kSumTol32{1e-5, 1e-5};
constexpr ParityTolerance kSumTol64{1e-10, 1e-10};

ParityTolerance sum_tol_for(DType dtype) { return dtype == kFloat32 ? kSumTol32 : kSumTol64; }

// Step-2 slice: stored with the last dim doubled, every other element taken back.
std::vector<int64_t> widened(std::vector<int64_t> s) {
    s.back() *= 2;
    return s;
}
Tensor every_other(const Tensor& t) { return t.slice(-1, 0, std::nullopt, 2); }

// ---- pad ---------------------------------------------------------------------------------------------
class CudaPadTable : public ::testing::TestWithParam<PadCase> {
  protected:
    // The row on both devices: values exact (no grad), then values and gradient.
    static void check(bool step_two) {
        const PadCase& c = GetParam();
        const auto fn = [&c, step_two](const std::vector<Tensor>& in) {
            return pad(step_two ? every_other(in[0]) : in[0], c.pad, c.mode, c.value);
        };
        const std::vector<int64_t> shape = step_two ? widened(c.shape) : c.shape;
        for (DType dtype : {kFloat64, kFloat32}) {
            EXPECT_TRUE(cuda_matches_cpu(fn, {randn(shape, TensorOptions(dtype))}, kExact)) << dtype << ", values";
            EXPECT_TRUE(cuda_matches_cpu(fn, {randn(shape, TensorOptions(dtype)).requires_grad_()}, sum_tol_for(dtype)))
                << dtype << ", with gradient";
        }
    }
};

TEST_P(CudaPadTable, Contiguous) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(1);
    check(/*step_two=*/false);
}

TEST_P(CudaPadTable, StepTwoSliceInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(2);
    check(/*step_two=*/true);
}

INSTANTIATE_TEST_SUITE_P(Resample, CudaPadTable, ::testing::ValuesIn(kPadCases),
                         [](const ::testing::TestParamInfo<PadCase>& info) { return std::string(info.param.name); });

// ---- interpolate -------------------------------------------------------------------------------------
class CudaInterpolateTable : public ::testing::TestWithParam<InterpCase> {
  protected:
    static void check(bool step_two) {
        const InterpCase& c = GetParam();
        const auto fn = [&c, step_two](const std::vector<Tensor>& in) {
            return interpolate(step_two ? every_other(in[0]) : in[0], c.options);
        };
        const std::vector<int64_t> shape = step_two ? widened(c.shape) : c.shape;
        for (DType dtype : {kFloat64, kFloat32}) {
            EXPECT_TRUE(cuda_matches_cpu(fn, {randn(shape, TensorOptions(dtype)).requires_grad_()}, sum_tol_for(dtype)))
                << dtype;
        }
    }
};

TEST_P(CudaInterpolateTable, Contiguous) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    check(/*step_two=*/false);
}

TEST_P(CudaInterpolateTable, StepTwoSliceInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(4);
    check(/*step_two=*/true);
}

INSTANTIATE_TEST_SUITE_P(Resample, CudaInterpolateTable, ::testing::ValuesIn(kInterpCases),
                         [](const ::testing::TestParamInfo<InterpCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tinydl
