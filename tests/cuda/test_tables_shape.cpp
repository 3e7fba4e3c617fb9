// test_tables_shape.cpp — every row of the CPU test's table of views and copies
// (tests/ops/shape_cases.h: view, reshape, transpose, permute, t, squeeze, unsqueeze, expand,
// narrow, slice, select, flatten, unflatten, contiguous, clone, a chain of them) run on the GPU
// and compared with the CPU on the same random input, float64 and float32:
//   1. values exactly (the ops only move values), then values and the input's gradient;
//   2. the same from a step-2 slice input (every other element of the last dim), made inside the
//      compared function, so both devices see the same kind of view;
// and, below the table, cat and stack (which the table does not hold) the same way, with a
// transposed input among them.
//
// Tolerances: values must match exactly, and so must gradients, since the backward of a view is
// a view or a zero-filled copy of the upstream gradient, with one exception: where the output
// broadcasts (expand: a stride-0 dim), the gradient sums the upstream values over that dim, in
// an order that may differ between devices; those rows' gradients are compared within float
// rounding (float32 1e-5 + 1e-5 |cpu|, float64 1e-12).
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/ops/shape_cases.h"
#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

constexpr ParityTolerance kExact{0.0, 0.0};
constexpr ParityTolerance kSumTol32{1e-5, 1e-5};
constexpr ParityTolerance kSumTol64{1e-12, 1e-12};

// Step-2 slice: stored with the last dim doubled, every other element taken back.
std::vector<int64_t> widened(std::vector<int64_t> s) {
    s.back() *= 2;
    return s;
}
Tensor every_other(const Tensor& t) { return t.slice(-1, 0, std::nullopt, 2); }

// Whether fn's output broadcasts its input (a dim of stride 0 and size > 1): then the backward
// sums over that dim. Found by running fn once on the CPU.
bool output_broadcasts(const Fn& fn, const std::vector<int64_t>& shape) {
    const Tensor out = fn({zeros(shape, kFloat64)});
    for (int64_t d = 0; d < out.dim(); ++d)
        if (out.stride(d) == 0 && out.size(d) > 1) return true;
    return false;
}

// fn on both devices: values exactly (no grad), then values and gradient.
void check_values_and_gradient(const Fn& fn, const std::vector<int64_t>& shape, bool gradient_sums) {
    for (DType dtype : {kFloat64, kFloat32}) {
        EXPECT_TRUE(cuda_matches_cpu(fn, {rand(shape, TensorOptions(dtype))}, kExact)) << dtype << ", values";
        const ParityTolerance grad_tol = !gradient_sums ? kExact : dtype == kFloat32 ? kSumTol32 : kSumTol64;
        EXPECT_TRUE(cuda_matches_cpu(fn, {rand(shape, TensorOptions(dtype)).requires_grad_()}, grad_tol))
            << dtype << ", with gradient";
    }
}

class CudaShapeTable : public ::testing::TestWithParam<ShapeGradCase> {};

TEST_P(CudaShapeTable, ExactValuesAndGradient) {
    TINYDL_REQUIRE_CUDA();
    const ShapeGradCase& c = GetParam();
    manual_seed(1);
    check_values_and_gradient(c.fn, c.shape, output_broadcasts(c.fn, c.shape));
}

TEST_P(CudaShapeTable, StepTwoSliceInput) {
    TINYDL_REQUIRE_CUDA();
    const ShapeGradCase& c = GetParam();
    manual_seed(2);
    const Fn fn = [&c](const std::vector<Tensor>& in) { return c.fn({every_other(in[0])}); };
    check_values_and_gradient(fn, widened(c.shape), output_broadcasts(fn, widened(c.shape)));
}

INSTANTIATE_TEST_SUITE_P(Table, CudaShapeTable, ::testing::ValuesIn(kShapeGradCases),
                         [](const ::testing::TestParamInfo<ShapeGradCase>& info) {
                             return std::string(info.param.name);
                         });

// ---- cat and stack ---------------------------------------------------------------------------------------
// Each input's gradient is a slice (cat) or a select (stack) of the upstream gradient: exact.
TEST(CudaShapeJoin, CatAndStack) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    for (DType dtype : {kFloat64, kFloat32}) {
        const auto leaf_of = [dtype](std::vector<int64_t> shape) {
            return rand(shape, TensorOptions(dtype)).requires_grad_();
        };
        // Along dim 0 and along the last dim, the second input a transposed view.
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return cat({x[0], x[1].t()}, 0); },
                                     {leaf_of({2, 3}), leaf_of({3, 4})}, kExact))
            << dtype;
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return cat({x[0], x[1].transpose(0, 1), x[0]}, -1); },
            {leaf_of({2, 3, 2}), leaf_of({3, 2, 4})}, kExact))
            << dtype;
        // An empty input among them, a step-2 slice.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return cat({x[0], x[1], every_other(x[2])}, 1); },
            {leaf_of({3, 2}), leaf_of({3, 0}), leaf_of({3, 6})}, kExact))
            << dtype;
        // stack: a new leading, middle and last dim.
        for (int64_t dim : {0, 1, 2, -1}) {
            EXPECT_TRUE(cuda_matches_cpu(
                [dim](const std::vector<Tensor>& x) { return stack({x[0], x[1].t()}, dim); },
                {leaf_of({2, 3}), leaf_of({3, 2})}, kExact))
                << dtype << ", dim " << dim;
        }
    }
}

}  // namespace
}  // namespace tinydl
