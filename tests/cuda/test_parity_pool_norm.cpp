// test_parity_pool_norm.cpp — the CUDA kernels of pooling (src/cuda/pool.cu), batch norm
// (src/cuda/norm.cu) and resampling (src/cuda/resample.cu: interpolate, reflect/replicate pad)
// against the CPU: same random inputs on both devices, outputs and input gradients compared by
// cuda_matches_cpu (tests/support/cuda_parity.h), indices compared exactly.
//
// Every test skips itself without a GPU. Most kernels here reproduce the CPU's arithmetic in the
// CPU's order (pool forward and backward, resample forward and backward, batch-norm affine map),
// so the default tolerances (1e-5) are loose for them; batch-norm statistics sum in a different
// order (a block tree vs a loop), hence their slightly wider float32 tolerance.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

using Dims = std::vector<int64_t>;

// ---- max_pool2d ---------------------------------------------------------------------------------
struct MaxCase {
    Dims kernel, stride, padding, dilation;
    bool ceil_mode;
};
// 2x2/2 (the CPU's fast path), overlapping 3x3/1, strided with padding, rectangular, dilated,
// and ceil_mode edge windows, on odd 9 x 11 planes.
const MaxCase kMaxCases[] = {
    {{2}, {2}, {0}, {1}, false}, {{2}, {2}, {0}, {1}, true},           {{3}, {1}, {1}, {1}, false},
    {{3}, {2}, {1}, {1}, true},  {{3, 2}, {2, 1}, {1, 0}, {1}, false}, {{2}, {1}, {0}, {2}, false},
    {{3}, {2}, {1}, {2}, true},  {{2, 3}, {}, {1}, {1, 2}, true},
};

std::string describe(const MaxCase& c) {
    return detail::str("kernel ", IntArrayRef(c.kernel), " stride ", IntArrayRef(c.stride), " padding ",
                       IntArrayRef(c.padding), " dilation ", IntArrayRef(c.dilation), " ceil_mode ",
                       c.ceil_mode);
}

Tensor max_values(const Tensor& x, const MaxCase& c) {
    return max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
}
Tensor max_indices(const Tensor& x, const MaxCase& c) {
    return std::get<1>(max_pool2d_with_indices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode));
}

TEST(CudaParityPool, MaxPool2dValuesIndicesAndGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const MaxCase& c : kMaxCases) {
            SCOPED_TRACE(describe(c) + " " + detail::str(dtype));
            manual_seed(1);
            const Tensor x = randn({2, 3, 9, 11}, dtype).requires_grad_();
            EXPECT_TRUE(
                cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_values(in[0], c); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_indices(in[0], c); },
                                         {x.detach()}));
            // Unbatched [C, H, W] and a transposed (non-contiguous) view.
            const Tensor u = randn({3, 10, 8}, dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return max_values(in[0].transpose(1, 2), c); }, {u}));
        }
    }
}

TEST(CudaParityPool, MaxPool2dTiesNansAndInfinities) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        SCOPED_TRACE(detail::str(dtype));
        // Few distinct values: ties everywhere, the first in row-major order must win.
        manual_seed(2);
        const Tensor ties = randint(-2, 3, {2, 2, 8, 9}).to(dtype).requires_grad_();
        for (const MaxCase& c : kMaxCases) {
            SCOPED_TRACE(describe(c));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_values(in[0], c); },
                                         {ties}));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_indices(in[0], c); },
                                         {ties.detach()}));
        }
        // NaN wins (the last NaN of a window), -inf windows pick their first tap.
        const double nan = std::numeric_limits<double>::quiet_NaN(),
                     inf = std::numeric_limits<double>::infinity();
        std::vector<double> v(2 * 6 * 6);
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 7) % 11) - 5.0;
        for (size_t i : {0u, 3u, 8u, 9u, 14u, 40u, 41u, 46u}) v[i] = nan;
        for (size_t i = 18; i < 36; ++i) v[i] = -inf;
        v[20] = nan;
        const Tensor special = tensor(v).to(dtype).reshape({1, 2, 6, 6});
        for (const MaxCase& c : kMaxCases) {
            SCOPED_TRACE(describe(c));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_values(in[0], c); },
                                         {special}));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return max_indices(in[0], c); },
                                         {special}));
        }
    }
}

// ---- avg_pool2d ---------------------------------------------------------------------------------
struct AvgCase {
    Dims kernel, stride, padding;
    bool ceil_mode, count_include_pad;
    std::optional<int64_t> divisor;
};
const AvgCase kAvgCases[] = {
    {{2}, {2}, {0}, false, true, std::nullopt},
    {{3}, {1}, {1}, false, true, std::nullopt},
    {{3}, {1}, {1}, false, false, std::nullopt},
    {{3}, {2}, {1}, true, true, std::nullopt},
    {{3}, {2}, {1}, true, false, std::nullopt},
    {{3, 2}, {2, 3}, {1, 1}, true, false, std::nullopt},
    {{2}, {2}, {1}, false, true, 3},
    {{4}, {3}, {2}, true, true, std::nullopt},
};

TEST(CudaParityPool, AvgPool2dPaddingCeilModeAndDivisors) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const AvgCase& c : kAvgCases) {
            SCOPED_TRACE(detail::str("kernel ", IntArrayRef(c.kernel), " stride ", IntArrayRef(c.stride),
                                     " padding ", IntArrayRef(c.padding), " ceil ", c.ceil_mode,
                                     " count_include_pad ", c.count_include_pad, " divisor ",
                                     c.divisor.value_or(0), " ", dtype));
            manual_seed(3);
            const auto f = [&](const std::vector<Tensor>& in) {
                return avg_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad,
                                  c.divisor);
            };
            EXPECT_TRUE(cuda_matches_cpu(f, {randn({2, 3, 9, 11}, dtype).requires_grad_()}));
            EXPECT_TRUE(
                cuda_matches_cpu([&](const std::vector<Tensor>& in) { return f({in[0].transpose(1, 2)}); },
                                 {randn({3, 10, 7}, dtype).requires_grad_()}));
        }
    }
}

// ---- adaptive pools -----------------------------------------------------------------------------
TEST(CudaParityPool, AdaptivePoolsToOddSizes) {
    TINYDL_REQUIRE_CUDA();
    // 10 x 7 input: outputs that divide it, that do not (overlapping windows), 1 x 1, and larger
    // than the input (windows of one element, repeated).
    const std::vector<Dims> sizes{{5, 7}, {3, 5}, {4, 4}, {1, 1}, {7, 3}, {13, 9}};
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const Dims& o : sizes) {
            SCOPED_TRACE(detail::str("output ", IntArrayRef(o), " ", dtype));
            manual_seed(4);
            const Tensor x = randn({2, 3, 10, 7}, dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], o); }, {x}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return std::get<0>(adaptive_max_pool2d(in[0], o)); },
                {x}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return std::get<1>(adaptive_max_pool2d(in[0], o)); },
                {x.detach()}));
            // Ties, unbatched, transposed.
            const Tensor t = randint(-1, 2, {3, 7, 10}).to(dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return std::get<0>(adaptive_max_pool2d(in[0].transpose(1, 2), o));
                },
                {t}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0].transpose(1, 2), o); },
                {t}));
        }
    }
}

// The backward of each pool recorded under create_graph: a gather (max) or the pool again (avg).
// grad_out is an input too, so the second backward's gradient reaches it.
TEST(CudaParityPool, DoubleBackward) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    const Tensor x = randn({2, 2, 7, 8}, kFloat64).requires_grad_();
    const auto first_grad = [](const Tensor& y, const Tensor& x, const Tensor& g) {
        return grad({y}, {x}, {g}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    };
    const Tensor g_max = randn({2, 2, 4, 4}, kFloat64).requires_grad_();
    EXPECT_TRUE(cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
            return first_grad(max_pool2d(in[0], {3}, {2}, {1}), in[0], in[1]);
        },
        {x, g_max}));
    const Tensor g_avg = randn({2, 2, 4, 5}, kFloat64).requires_grad_();
    EXPECT_TRUE(cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
            return first_grad(avg_pool2d(in[0], {3}, {2}, {1}, true, false), in[0], in[1]);
        },
        {x, g_avg}));
    const Tensor g_adaptive = randn({2, 2, 3, 5}, kFloat64).requires_grad_();
    EXPECT_TRUE(cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
            return first_grad(std::get<0>(adaptive_max_pool2d(in[0], {3, 5})), in[0], in[1]);
        },
        {x, g_adaptive}));
    EXPECT_TRUE(cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
            return first_grad(adaptive_avg_pool2d(in[0], {3, 5}), in[0], in[1]);
        },
        {x, g_adaptive}));
}

TEST(CudaParityPool, EmptyBatchAndErrors) {
    TINYDL_REQUIRE_CUDA();
    const Tensor empty_batch = randn({0, 3, 6, 6}).cuda();
    const Tensor y = max_pool2d(empty_batch, {2});
    EXPECT_TRUE(y.is_cuda());
    EXPECT_EQ(y.dim(), 4);
    EXPECT_EQ(y.size(1), 3);
    EXPECT_EQ(y.size(3), 3);
    EXPECT_EQ(avg_pool2d(empty_batch, {2}).numel(), 0);
    EXPECT_EQ(adaptive_avg_pool2d(empty_batch, {2, 2}).numel(), 0);
    EXPECT_ERROR(max_pool2d(randint(0, 5, {1, 1, 4, 4}).cuda(), {2}), "max_pool2d");
    EXPECT_ERROR(max_pool2d(randn({1, 1, 4, 4}).cuda(), {2}, {}, {2}), "max_pool2d",
                 "pad should be at most half");
}

// ---- batch_norm -----------------------------------------------------------------------------------
// [N, C] (S = 1: strided channel reads), [N, C, L], [N, C, H, W], a larger 4-D one (several
// values per thread), and many rows of few channels.
const std::vector<Dims> kNormShapes{{6, 4},          {3, 4, 5}, {2, 4, 3, 3},
                                    {8, 16, 12, 12}, {1500, 3}, {4, 3, 1, 1}};

ParityTolerance norm_tolerance(DType dtype) {
    return dtype == kFloat64 ? ParityTolerance{1e-10, 1e-10} : ParityTolerance{1e-4, 1e-4};
}

TEST(CudaParityBatchNorm, TrainingForwardAndGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const Dims& shape : kNormShapes) {
            SCOPED_TRACE(detail::str(IntArrayRef(shape), " ", dtype));
            manual_seed(10);
            const int64_t C = shape[1];
            const Tensor x = (randn(shape, dtype) * 2.0 + 0.5).requires_grad_();
            const Tensor w = (rand({C}, dtype) + 0.5).requires_grad_();
            const Tensor b = randn({C}, dtype).requires_grad_();
            // With running stats (updated as a side effect) and without; affine and not.
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    const TensorOptions o = TensorOptions(dtype).device(in[0].device());
                    return batch_norm(in[0], zeros({C}, o), ones({C}, o), in[1], in[2], /*training=*/true,
                                      0.1);
                },
                {x, w, b}, norm_tolerance(dtype)));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return batch_norm(in[0], {}, {}, {}, {}, /*training=*/true);
                },
                {x}, norm_tolerance(dtype)));
        }
    }
}

TEST(CudaParityBatchNorm, EvalModeAndNoncontiguousInput) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const Dims& shape : kNormShapes) {
            SCOPED_TRACE(detail::str(IntArrayRef(shape), " ", dtype));
            manual_seed(11);
            const int64_t C = shape[1];
            const Tensor x = randn(shape, dtype).requires_grad_();
            const Tensor rm = randn({C}, dtype), rv = rand({C}, dtype) + 0.5;
            const Tensor w = (rand({C}, dtype) + 0.5).requires_grad_();
            const Tensor b = randn({C}, dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return batch_norm(in[0], in[1], in[2], in[3], in[4], /*training=*/false);
                },
                {x, rm, rv, w, b}, norm_tolerance(dtype)));
        }
        // A transposed [N, C, W, H] view, in training and in eval.
        manual_seed(12);
        const Tensor x = randn({4, 5, 6, 3}, dtype).requires_grad_();
        const Tensor w = (rand({5}, dtype) + 0.5).requires_grad_();
        for (bool training : {true, false}) {
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    const TensorOptions o = TensorOptions(dtype).device(in[0].device());
                    return batch_norm(in[0].transpose(2, 3), zeros({5}, o), ones({5}, o), in[1], {},
                                      training);
                },
                {x, w}, norm_tolerance(dtype)));
        }
    }
}

// The running estimates are updated on the device, step by step, as on the CPU.
TEST(CudaParityBatchNorm, RunningStatsMatchTheCpu) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const Dims& shape : kNormShapes) {
            SCOPED_TRACE(detail::str(IntArrayRef(shape), " ", dtype));
            const int64_t C = shape[1];
            const ParityTolerance tol = norm_tolerance(dtype);
            Tensor rm_cpu = zeros({C}, dtype), rv_cpu = ones({C}, dtype);
            Tensor rm_gpu = rm_cpu.cuda(), rv_gpu = rv_cpu.cuda();
            manual_seed(13);
            for (int step = 0; step < 3; ++step) {
                const Tensor x = randn(shape, dtype) * (1.0 + step) + step;
                const Tensor y_cpu = batch_norm(x, rm_cpu, rv_cpu, {}, {}, /*training=*/true, 0.3);
                const Tensor y_gpu = batch_norm(x.cuda(), rm_gpu, rv_gpu, {}, {}, /*training=*/true, 0.3);
                EXPECT_TRUE(allclose(y_gpu.cpu(), y_cpu, tol.rtol, tol.atol)) << "step " << step;
                EXPECT_TRUE(allclose(rm_gpu.cpu(), rm_cpu, tol.rtol, tol.atol)) << "step " << step;
                EXPECT_TRUE(allclose(rv_gpu.cpu(), rv_cpu, tol.rtol, tol.atol)) << "step " << step;
            }
            ASSERT_TRUE(rm_gpu.is_cuda());
            // Eval uses them and leaves them alone.
            const Tensor x = randn(shape, dtype);
            const std::vector<double> before = rm_gpu.cpu().to_vector<double>();
            EXPECT_TRUE(allclose(batch_norm(x.cuda(), rm_gpu, rv_gpu).cpu(), batch_norm(x, rm_cpu, rv_cpu),
                                 tol.rtol, tol.atol));
            EXPECT_EQ(rm_gpu.cpu().to_vector<double>(), before);
        }
    }
}

// nn::BatchNorm2d moved to the GPU, with momentum = None (the cumulative average, whose factor
// comes from num_batches_tracked).
TEST(CudaParityBatchNorm, ModuleOnTheGpu) {
    TINYDL_REQUIRE_CUDA();
    for (std::optional<double> momentum : {std::optional<double>(0.1), std::optional<double>()}) {
        nn::BatchNorm2d cpu_bn(nn::BatchNormOptions(3).momentum(momentum));
        nn::BatchNorm2d gpu_bn(nn::BatchNormOptions(3).momentum(momentum));
        gpu_bn.to(Device::cuda());
        manual_seed(14);
        for (int step = 0; step < 3; ++step) {
            const Tensor x = randn({4, 3, 5, 5}) + step;
            EXPECT_TRUE(allclose(gpu_bn(x.cuda()).cpu(), cpu_bn(x), 1e-4, 1e-4));
        }
        EXPECT_TRUE(allclose(gpu_bn.running_mean.cpu(), cpu_bn.running_mean, 1e-5, 1e-5));
        EXPECT_TRUE(allclose(gpu_bn.running_var.cpu(), cpu_bn.running_var, 1e-5, 1e-5));
        EXPECT_EQ(gpu_bn.num_batches_tracked.cpu().item<int64_t>(), 3);
        gpu_bn.eval();
        cpu_bn.eval();
        const Tensor x = randn({2, 3, 5, 5});
        EXPECT_TRUE(allclose(gpu_bn(x.cuda()).cpu(), cpu_bn(x), 1e-4, 1e-4));
    }
}

// Under create_graph the node switches to the composite formulas (tinydl ops, any device).
TEST(CudaParityBatchNorm, DoubleBackward) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(15);
    const Tensor x = randn({4, 3, 2, 2}, kFloat64).requires_grad_();
    const Tensor w = (rand({3}, kFloat64) + 0.5).requires_grad_();
    const Tensor g = randn({4, 3, 2, 2}, kFloat64).requires_grad_();
    for (bool training : {true, false}) {
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                const TensorOptions o = TensorOptions(kFloat64).device(in[0].device());
                const Tensor y = batch_norm(in[0], zeros({3}, o), ones({3}, o) * 2.0, in[1], {}, training);
                return grad({y}, {in[0]}, {in[2]}, /*retain_graph=*/true, /*create_graph=*/true)[0];
            },
            {x, w, g}, {1e-9, 1e-9}));
    }
}

// ---- interpolate and reflect/replicate pad -----------------------------------------------------------
TEST(CudaParityResample, InterpolateModes) {
    TINYDL_REQUIRE_CUDA();
    struct Case {
        Dims shape;
        InterpolateOptions options;
    };
    const std::vector<Case> cases{
        {{2, 3, 7}, {.size = {12}}},
        {{2, 3, 7}, {.scale_factor = {0.7}}},
        {{2, 3, 5, 6}, {.scale_factor = {2.0}}},
        {{2, 3, 5, 6}, {.size = {3, 11}}},
        {{1, 2, 3, 4, 5}, {.scale_factor = {1.5, 2.0, 0.6}}},
        {{2, 3, 7}, {.size = {12}, .mode = "linear"}},
        {{2, 3, 7}, {.scale_factor = {0.6}, .mode = "linear", .align_corners = false}},
        {{2, 3, 5, 6}, {.scale_factor = {2.0}, .mode = "bilinear"}},
        {{2, 3, 5, 6}, {.size = {9, 4}, .mode = "bilinear", .align_corners = true}},
        {{2, 3, 5, 6}, {.size = {1, 1}, .mode = "bilinear", .align_corners = true}},
        {{1, 2, 3, 4, 5}, {.size = {5, 3, 8}, .mode = "trilinear"}},
        {{1, 2, 3, 4, 5}, {.scale_factor = {2.0}, .mode = "trilinear", .align_corners = true}},
    };
    for (DType dtype : {kFloat32, kFloat64}) {
        for (const Case& c : cases) {
            SCOPED_TRACE(detail::str(IntArrayRef(c.shape), " mode ", c.options.mode, " ", dtype));
            manual_seed(20);
            EXPECT_TRUE(
                cuda_matches_cpu([&](const std::vector<Tensor>& in) { return interpolate(in[0], c.options); },
                                 {randn(c.shape, dtype).requires_grad_()}));
        }
        // A transposed view, and the aten-named helpers.
        manual_seed(21);
        const Tensor x = randn({2, 3, 6, 5}, dtype).requires_grad_();
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                return interpolate(in[0].transpose(2, 3), {.size = {7, 9}, .mode = "bilinear"});
            },
            {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                return upsample_nearest2d(in[0], {12, 10});
            },
            {x}));
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                return upsample_bilinear2d(in[0], {4, 8}, true);
            },
            {x}));
    }
    // Nearest on integers is a gather: exact.
    const Tensor xi = randint(-50, 50, {2, 2, 3, 4});
    EXPECT_TRUE(cuda_matches_cpu(
        [&](const std::vector<Tensor>& in) {
            return interpolate(in[0], {.size = {7, 5}});
        },
        {xi}));
}

TEST(CudaParityResample, ReflectAndReplicatePad) {
    TINYDL_REQUIRE_CUDA();
    struct Case {
        Dims shape, pad;
    };
    const std::vector<Case> cases{
        {{3, 6}, {2, 3}},
        {{2, 3, 6}, {5, 1}},
        {{3, 5, 6}, {1, 2, 3, 4}},
        {{2, 3, 5, 6}, {3, 0, 4, 2}},
        {{1, 2, 3, 4, 5}, {1, 2, 2, 1, 2, 2}},
    };
    for (const char* mode : {"reflect", "replicate"}) {
        for (DType dtype : {kFloat32, kFloat64}) {
            for (const Case& c : cases) {
                SCOPED_TRACE(
                    detail::str(mode, " ", IntArrayRef(c.shape), " pad ", IntArrayRef(c.pad), " ", dtype));
                manual_seed(22);
                EXPECT_TRUE(
                    cuda_matches_cpu([&](const std::vector<Tensor>& in) { return pad(in[0], c.pad, mode); },
                                     {randn(c.shape, dtype).requires_grad_()}));
            }
        }
        // Integers: a pure gather, exact; and a transposed view.
        const Tensor xi = randint(-9, 9, {2, 4, 5});
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                return pad(in[0], {2, 1, 3, 1}, mode);
            },
            {xi}));
        manual_seed(23);
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) {
                return pad(in[0].transpose(1, 2), {3, 3, 1, 2}, mode);
            },
            {randn({2, 4, 5}, kFloat64).requires_grad_()}));
    }
}

}  // namespace
}  // namespace tinydl
