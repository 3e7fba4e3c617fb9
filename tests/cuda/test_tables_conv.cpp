// test_tables_conv.cpp — every row of the CPU test's three convolution tables
// (tests/ops/conv_cases.h: conv2d, conv1d, conv_transpose2d with stride, padding incl.
// "same"/"valid", dilation, groups, bias, non-square kernels, unbatched input) run on the GPU and
// compared with the CPU on the same random inputs: the output and the gradients of input, weight
// and bias, float64 and float32, with
//   1. contiguous x and w;
//   2. x and w as step-2 slices (every other element of the last dim);
//   3. x channels-last (the channel dim stored innermost, a permuted view).
// The views are made inside the compared function, so both devices see the same kind of view.
// Convolutions do not broadcast, so there is no broadcast variant.
//
// Tolerances: cuDNN (FMA math, never TF32: src/cuda/conv.cu) and the CPU (im2col + GEMM,
// Winograd) sum in other orders, so float32 results differ by float32 rounding of sums of at
// most ~60 products of N(0, 1) values here: |diff| <= 1e-4 + 1e-4 |cpu|. float64: 1e-10.
//
// Each test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/ops/conv_cases.h"
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

// How x and w reach the op (made inside the compared function from what is stored).
enum class Layout { Contiguous, StepTwoSlices, ChannelsLast };

const char* name_of(Layout layout) {
    switch (layout) {
        case Layout::Contiguous: return "contiguous";
        case Layout::StepTwoSlices: return "step-2 slices";
        case Layout::ChannelsLast: return "channels-last x";
    }
    return "?";
}

// Step-2 slices: stored with the last dim doubled, every other element taken back.
std::vector<int64_t> widened(std::vector<int64_t> s) {
    s.back() *= 2;
    return s;
}
Tensor every_other(const Tensor& t) { return t.slice(-1, 0, std::nullopt, 2); }

// Channels-last: x stored with its channel dim `cd` moved to the end; channels_first() permutes
// it back into place as a view (for [N, H, W, C]: permute({0, 3, 1, 2})).
std::vector<int64_t> channels_last_shape(std::vector<int64_t> s, int64_t cd) {
    const int64_t channels = s[cd];
    s.erase(s.begin() + cd);
    s.push_back(channels);
    return s;
}
Tensor channels_first(const Tensor& t, int64_t cd) {
    std::vector<int64_t> perm;
    for (int64_t d = 0; d < cd; ++d) perm.push_back(d);
    perm.push_back(t.dim() - 1);
    for (int64_t d = cd; d < t.dim() - 1; ++d) perm.push_back(d);
    return t.permute(perm);
}

using ConvOp = std::function<Tensor(const Tensor& x, const Tensor& w, const Tensor& b)>;

// One row on both devices in float64 and float32, x, w (and b when bias_size > 0) requiring grad.
void check_conv(const ConvOp& op, const std::vector<int64_t>& x_shape, const std::vector<int64_t>& w_shape,
                int64_t bias_size, Layout layout) {
    const int64_t spatial = static_cast<int64_t>(w_shape.size()) - 2;
    const int64_t cd = static_cast<int64_t>(x_shape.size()) - spatial - 1;  // 1 batched, 0 unbatched
    for (DType dtype : {kFloat64, kFloat32}) {
        std::vector<Tensor> inputs;
        switch (layout) {
            case Layout::Contiguous: inputs = {grad_leaf(x_shape, dtype), grad_leaf(w_shape, dtype)}; break;
            case Layout::StepTwoSlices:
                inputs = {grad_leaf(widened(x_shape), dtype), grad_leaf(widened(w_shape), dtype)};
                break;
            case Layout::ChannelsLast:
                inputs = {grad_leaf(channels_last_shape(x_shape, cd), dtype), grad_leaf(w_shape, dtype)};
                break;
        }
        if (bias_size > 0) inputs.push_back(grad_leaf({bias_size}, dtype));
        const auto fn = [&op, layout, cd](const std::vector<Tensor>& in) {
            const Tensor b = in.size() > 2 ? in[2] : Tensor();
            switch (layout) {
                case Layout::Contiguous: break;
                case Layout::StepTwoSlices: return op(every_other(in[0]), every_other(in[1]), b);
                case Layout::ChannelsLast: return op(channels_first(in[0], cd), in[1], b);
            }
            return op(in[0], in[1], b);
        };
        EXPECT_TRUE(cuda_matches_cpu(fn, inputs, tol_for(dtype))) << dtype << ", " << name_of(layout);
    }
}

// ---- conv2d -----------------------------------------------------------------------------------------
class CudaConv2dTable : public ::testing::TestWithParam<Conv2dCase> {
  protected:
    void check(Layout layout) const {
        const Conv2dCase& c = GetParam();
        check_conv([c](const Tensor& x, const Tensor& w, const Tensor& b) { return run_conv2d(c, x, w, b); },
                   input_shape(c.N, c.C, {c.H, c.W}), {c.O, c.C / c.groups, c.kH, c.kW}, c.bias ? c.O : 0, layout);
    }
};

TEST_P(CudaConv2dTable, Contiguous) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(1);
    check(Layout::Contiguous);
}

TEST_P(CudaConv2dTable, StepTwoSlices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(2);
    check(Layout::StepTwoSlices);
}

TEST_P(CudaConv2dTable, ChannelsLastInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(3);
    check(Layout::ChannelsLast);
}

INSTANTIATE_TEST_SUITE_P(Conv, CudaConv2dTable, ::testing::ValuesIn(kConv2dCases),
                         [](const ::testing::TestParamInfo<Conv2dCase>& info) { return std::string(info.param.name); });

// ---- conv1d ------------------------------------------------------------------------------------------
class CudaConv1dTable : public ::testing::TestWithParam<Conv1dCase> {
  protected:
    void check(Layout layout) const {
        const Conv1dCase& c = GetParam();
        check_conv([c](const Tensor& x, const Tensor& w, const Tensor& b) { return run_conv1d(c, x, w, b); },
                   input_shape(c.N, c.C, {c.L}), {c.O, c.C / c.groups, c.k}, c.bias ? c.O : 0, layout);
    }
};

TEST_P(CudaConv1dTable, Contiguous) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(4);
    check(Layout::Contiguous);
}

TEST_P(CudaConv1dTable, StepTwoSlices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    check(Layout::StepTwoSlices);
}

TEST_P(CudaConv1dTable, ChannelsLastInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(6);
    check(Layout::ChannelsLast);
}

INSTANTIATE_TEST_SUITE_P(Conv, CudaConv1dTable, ::testing::ValuesIn(kConv1dCases),
                         [](const ::testing::TestParamInfo<Conv1dCase>& info) { return std::string(info.param.name); });

// ---- conv_transpose2d --------------------------------------------------------------------------------
class CudaConvTranspose2dTable : public ::testing::TestWithParam<ConvT2dCase> {
  protected:
    void check(Layout layout) const {
        const ConvT2dCase& c = GetParam();
        check_conv([c](const Tensor& x, const Tensor& w, const Tensor& b) { return run_convt(c, x, w, b); },
                   input_shape(c.N, c.Ci, {c.H, c.W}), {c.Ci, c.Co / c.groups, c.kH, c.kW}, c.bias ? c.Co : 0,
                   layout);
    }
};

TEST_P(CudaConvTranspose2dTable, Contiguous) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(7);
    check(Layout::Contiguous);
}

TEST_P(CudaConvTranspose2dTable, StepTwoSlices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(8);
    check(Layout::StepTwoSlices);
}

TEST_P(CudaConvTranspose2dTable, ChannelsLastInput) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(9);
    check(Layout::ChannelsLast);
}

INSTANTIATE_TEST_SUITE_P(Conv, CudaConvTranspose2dTable, ::testing::ValuesIn(kConvT2dCases),
                         [](const ::testing::TestParamInfo<ConvT2dCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tinydl
