// test_tables_norm.cpp — every row of the CPU test's normalisation table
// (tests/ops/norm_cases.h: batch_norm in training and in eval mode, layer_norm, group_norm), on
// every input shape the row lists, run on the GPU and compared with the CPU on the same random
// inputs: the output and the gradients of input, weight and bias, float64 and float32, with
//   1. contiguous inputs, with and without the affine terms;
//   2. the input as a step-2 slice (every other element of the last dim);
//   3. only the weight requiring grad (the other gradients must be skipped on both devices).
// The views are made inside the compared function, so both devices see the same kind of view.
// Normalisations do not broadcast their input, so there is no broadcast variant.
//
// Tolerances: the per-channel (per-row, per-group) mean and variance are sums of up to ~60
// values, reduced in another order on each device, and the gradients sum products over the same
// sets, so float32 differs by float32 rounding: |diff| <= 1e-4 + 1e-4 |cpu| for inputs of size
// ~1..3 (x = 2 N(0, 1) + 0.5). float64: 1e-10.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/ops/norm_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kTol32{1e-4, 1e-4};
constexpr ParityTolerance kTol64{1e-10, 1e-10};

ParityTolerance tol_for(DType dtype) { return dtype == kFloat32 ? kTol32 : kTol64; }

// The inputs the CPU test uses: x ~ 2 N(0, 1) + 0.5, weight in [0.5, 1.5), bias ~ N(0, 1).
Tensor input_of(const std::vector<int64_t>& shape, DType dtype) {
    return (randn(shape, kFloat64) * 2.0 + 0.5).to(dtype).detach();
}
Tensor weight_of(const std::vector<int64_t>& shape, DType dtype) {
    return (rand(shape, kFloat64) + 0.5).to(dtype).detach();
}
Tensor bias_of(const std::vector<int64_t>& shape, DType dtype) { return randn(shape, kFloat64).to(dtype).detach(); }

// Step-2 slice: stored with the last dim doubled, every other element taken back.
std::vector<int64_t> widened(std::vector<int64_t> s) {
    s.back() *= 2;
    return s;
}
Tensor every_other(const Tensor& t) { return t.slice(-1, 0, std::nullopt, 2); }

class CudaNormTable : public ::testing::TestWithParam<NormCase> {};

TEST_P(CudaNormTable, WithAndWithoutAffine) {
    TINYDL_REQUIRE_CUDA();
    const NormCase& c = GetParam();
    manual_seed(1);
    for (const auto& shape : c.shapes) {
        const std::vector<int64_t> ashape = c.affine_shape(shape);
        for (DType dtype : {kFloat64, kFloat32}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape) << " " << dtype);
            const Tensor x = input_of(shape, dtype).requires_grad_();
            const Tensor w = weight_of(ashape, dtype).requires_grad_();
            const Tensor b = bias_of(ashape, dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& in) { return c.op(in[0], in[1], in[2]); },
                                         {x, w, b}, tol_for(dtype)))
                << "affine";
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& in) { return c.op(in[0], {}, {}); }, {x},
                                         tol_for(dtype)))
                << "no affine";
        }
    }
}

TEST_P(CudaNormTable, StepTwoSliceInput) {
    TINYDL_REQUIRE_CUDA();
    const NormCase& c = GetParam();
    manual_seed(2);
    for (const auto& shape : c.shapes) {
        const std::vector<int64_t> ashape = c.affine_shape(shape);
        for (DType dtype : {kFloat64, kFloat32}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape) << " " << dtype);
            EXPECT_TRUE(cuda_matches_cpu(
                [&c](const std::vector<Tensor>& in) { return c.op(every_other(in[0]), in[1], in[2]); },
                {input_of(widened(shape), dtype).requires_grad_(), weight_of(ashape, dtype).requires_grad_(),
                 bias_of(ashape, dtype).requires_grad_()},
                tol_for(dtype)));
        }
    }
}

TEST_P(CudaNormTable, OnlyTheWeightNeedsGrad) {
    TINYDL_REQUIRE_CUDA();
    const NormCase& c = GetParam();
    manual_seed(3);
    for (const auto& shape : c.shapes) {
        const std::vector<int64_t> ashape = c.affine_shape(shape);
        for (DType dtype : {kFloat64, kFloat32}) {
            SCOPED_TRACE(::testing::Message() << c.name << " " << shape_str(shape) << " " << dtype);
            EXPECT_TRUE(cuda_matches_cpu([&c](const std::vector<Tensor>& in) { return c.op(in[0], in[1], in[2]); },
                                         {input_of(shape, dtype), weight_of(ashape, dtype).requires_grad_(),
                                          bias_of(ashape, dtype)},
                                         tol_for(dtype)));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Norm, CudaNormTable, ::testing::ValuesIn(kNormCases),
                         [](const ::testing::TestParamInfo<NormCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tinydl
