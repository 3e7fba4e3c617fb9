// test_normalization_modules.cpp — BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm
// (nn/normalization.h): parameters and buffers with PyTorch's names, dtypes and initial values,
// training vs eval behaviour, running statistics over several steps (momentum and momentum =
// None), track_running_stats = false, printing, state_dict round trips, and errors.
//
// The maths of the ops themselves is tested in tests/ops/test_norm.cpp; here the float64
// references are the textbook per-channel formulas written with plain loops.
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;

constexpr double kEps = 1e-5;

// Per-channel mean and (biased or unbiased) variance of x [N, C, *], by plain loops.
void channel_stats(const Tensor& x, std::vector<double>& mean, std::vector<double>& var, bool unbiased) {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
    mean.assign(C, 0.0);
    var.assign(C, 0.0);
    for (int64_t c = 0; c < C; ++c) {
        for (int64_t n = 0; n < N; ++n)
            for (int64_t s = 0; s < S; ++s) mean[c] += v[(n * C + c) * S + s];
        mean[c] /= N * S;
        for (int64_t n = 0; n < N; ++n)
            for (int64_t s = 0; s < S; ++s) var[c] += std::pow(v[(n * C + c) * S + s] - mean[c], 2);
        var[c] /= unbiased ? N * S - 1 : N * S;
    }
}

// (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c], float64, x's shape.
Tensor normalise_reference(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& var,
                           const std::vector<double>& w, const std::vector<double>& b) {
    std::vector<double> v = x.to_vector<double>();
    const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t s = 0; s < S; ++s) {
                double& e = v[(n * C + c) * S + s];
                e = (e - mean[c]) / std::sqrt(var[c] + kEps) * w[c] + b[c];
            }
    return tensor(v, kFloat64).reshape(x.sizes());
}

std::vector<std::string> keys_of(const StateDict& sd) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : sd) keys.push_back(k);
    return keys;
}

// ---- BatchNorm: structure ------------------------------------------------------------------------------
TEST(BatchNorm2d, ParametersBuffersAndStateDict) {
    nn::BatchNorm2d bn(5);
    auto params = bn.named_parameters();
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].first, "weight");
    EXPECT_EQ(params[1].first, "bias");
    EXPECT_TRUE(bn.weight.requires_grad());
    auto buffers = bn.named_buffers();
    ASSERT_EQ(buffers.size(), 3u);
    EXPECT_EQ(buffers[0].first, "running_mean");
    EXPECT_EQ(buffers[1].first, "running_var");
    EXPECT_EQ(buffers[2].first, "num_batches_tracked");
    EXPECT_FALSE(bn.running_mean.requires_grad());

    const StateDict sd = bn.state_dict();
    EXPECT_EQ(keys_of(sd), (std::vector<std::string>{"bias", "num_batches_tracked", "running_mean", "running_var",
                                                     "weight"}));
    EXPECT_EQ(sd.at("num_batches_tracked").dtype(), kInt64);
    EXPECT_EQ(sd.at("num_batches_tracked").dim(), 0);
    EXPECT_EQ(sd.at("num_batches_tracked").item<int64_t>(), 0);
    for (const char* k : {"weight", "bias", "running_mean", "running_var"}) {
        EXPECT_EQ(sd.at(k).dtype(), kFloat32) << k;
        EXPECT_EQ(sd.at(k).sizes(), IntArrayRef({5})) << k;
    }
    // PyTorch's initial values.
    EXPECT_TRUE(allclose(bn.weight, ones({5}), 0, 0));
    EXPECT_TRUE(allclose(bn.bias, zeros({5}), 0, 0));
    EXPECT_TRUE(allclose(bn.running_mean, zeros({5}), 0, 0));
    EXPECT_TRUE(allclose(bn.running_var, ones({5}), 0, 0));

    // to(float64) converts the floats and keeps the counter int64, as PyTorch.
    bn.to(kFloat64);
    EXPECT_EQ(bn.running_var.dtype(), kFloat64);
    EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
}

TEST(BatchNorm, OptionsWithoutAffineOrTracking) {
    nn::BatchNorm1d plain(nn::BatchNormOptions(4).affine(false));
    EXPECT_TRUE(plain.parameters().empty());
    EXPECT_EQ(keys_of(plain.state_dict()),
              (std::vector<std::string>{"num_batches_tracked", "running_mean", "running_var"}));
    nn::BatchNorm1d untracked(nn::BatchNormOptions(4).track_running_stats(false));
    EXPECT_EQ(keys_of(untracked.state_dict()), (std::vector<std::string>{"bias", "weight"}));
    EXPECT_FALSE(untracked.running_mean.defined());
}

TEST(BatchNorm, Printing) {
    EXPECT_EQ(nn::BatchNorm2d(32).repr(), "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    EXPECT_EQ(nn::BatchNorm1d(nn::BatchNorm1dOptions(8).eps(1e-3).momentum(std::nullopt).affine(false)).repr(),
              "BatchNorm1d(8, eps=0.001, momentum=None, affine=False, track_running_stats=True)");
    EXPECT_EQ(nn::LayerNorm(10).repr(), "LayerNorm((10,), eps=1e-05, elementwise_affine=True)");
    EXPECT_EQ(nn::LayerNorm(nn::LayerNormOptions({4, 5}).elementwise_affine(false)).repr(),
              "LayerNorm((4, 5), eps=1e-05, elementwise_affine=False)");
    EXPECT_EQ(nn::GroupNorm(2, 4).repr(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
    auto seq = nn::Sequential{std::make_shared<nn::BatchNorm2d>(3)};
    std::ostringstream out;
    out << seq;
    EXPECT_NE(out.str().find("(0): BatchNorm2d(3, eps=1e-05"), std::string::npos) << out.str();
}

// ---- BatchNorm: behaviour ------------------------------------------------------------------------------
// Three training steps with momentum 0.1, then eval, against the per-channel reference.
TEST(BatchNorm2d, TrainingStepsThenEval) {
    nn::BatchNorm2d bn(3);
    {
        NoGradGuard no_grad;  // non-trivial affine terms
        bn.weight.copy_(tensor({0.5f, 2.0f, -1.0f}));
        bn.bias.copy_(tensor({0.1f, 0.0f, -0.3f}));
    }
    const std::vector<double> w = bn.weight.to_vector<double>(), b = bn.bias.to_vector<double>();
    std::vector<double> rm(3, 0.0), rv(3, 1.0), mean, var, uvar;
    for (int step = 1; step <= 3; ++step) {
        Tensor x = randn({4, 3, 5, 5}) * static_cast<double>(step) + 0.5 * step;
        Tensor y = bn(x);
        channel_stats(x, mean, var, /*unbiased=*/false);
        channel_stats(x, mean, uvar, /*unbiased=*/true);
        EXPECT_TRUE(allclose(y, normalise_reference(x, mean, var, w, b), 1e-4, 1e-5)) << "step " << step;
        for (int c = 0; c < 3; ++c) {
            rm[c] = 0.9 * rm[c] + 0.1 * mean[c];
            rv[c] = 0.9 * rv[c] + 0.1 * uvar[c];
        }
        EXPECT_TRUE(allclose(bn.running_mean, tensor(rm, kFloat64), 1e-5, 1e-6)) << "step " << step;
        EXPECT_TRUE(allclose(bn.running_var, tensor(rv, kFloat64), 1e-5, 1e-6)) << "step " << step;
        EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), step);
    }
    bn.eval();
    Tensor x = randn({2, 3, 4, 4});
    EXPECT_TRUE(allclose(bn(x), normalise_reference(x, rm, rv, w, b), 1e-4, 1e-5));
    // Eval changes nothing.
    EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 3);
    EXPECT_TRUE(allclose(bn.running_mean, tensor(rm, kFloat64), 1e-5, 1e-6));
    // And back to training: batch statistics again, counter moving.
    bn.train();
    Tensor y = bn(x);
    channel_stats(x, mean, var, false);
    EXPECT_TRUE(allclose(y, normalise_reference(x, mean, var, w, b), 1e-4, 1e-5));
    EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 4);
}

// momentum = None: the running stats are the plain average of every batch's statistics.
TEST(BatchNorm1d, MomentumNoneIsACumulativeAverage) {
    nn::BatchNorm1d bn(nn::BatchNormOptions(4).momentum(std::nullopt));
    std::vector<double> sum_mean(4, 0.0), sum_var(4, 0.0), mean, uvar;
    for (int step = 1; step <= 4; ++step) {
        Tensor x = randn({6, 4, 3}) * static_cast<double>(step) - step;
        bn(x);
        channel_stats(x, mean, uvar, /*unbiased=*/true);
        for (int c = 0; c < 4; ++c) {
            sum_mean[c] += mean[c];
            sum_var[c] += uvar[c];
        }
        std::vector<double> avg_mean(4), avg_var(4);
        for (int c = 0; c < 4; ++c) {
            avg_mean[c] = sum_mean[c] / step;
            avg_var[c] = sum_var[c] / step;
        }
        EXPECT_TRUE(allclose(bn.running_mean, tensor(avg_mean, kFloat64), 1e-5, 1e-5)) << "step " << step;
        EXPECT_TRUE(allclose(bn.running_var, tensor(avg_var, kFloat64), 1e-5, 1e-5)) << "step " << step;
    }
    EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 4);
}

TEST(BatchNorm1d, TwoAndThreeDimInputs) {
    nn::BatchNorm1d bn(3);
    std::vector<double> mean, var;
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{8, 3}, {4, 3, 7}}) {
        Tensor x = randn(shape);
        channel_stats(x, mean, var, false);
        EXPECT_TRUE(allclose(bn(x), normalise_reference(x, mean, var, {1, 1, 1}, {0, 0, 0}), 1e-4, 1e-5));
    }
}

TEST(BatchNorm, WithoutTrackingUsesBatchStatsInEval) {
    nn::BatchNorm2d bn(nn::BatchNormOptions(2).track_running_stats(false));
    bn.eval();
    Tensor x = randn({3, 2, 4, 4}) * 3.0 + 2.0;
    std::vector<double> mean, var;
    channel_stats(x, mean, var, false);
    EXPECT_TRUE(allclose(bn(x), normalise_reference(x, mean, var, {1, 1}, {0, 0}), 1e-4, 1e-5));
}

TEST(BatchNorm2d, GradientsReachParametersAndGradcheck) {
    nn::BatchNorm2d bn(3);
    bn.to(kFloat64);
    Tensor x = randn({2, 3, 3, 3}, kFloat64).requires_grad_(true);
    (bn(x) * randn({2, 3, 3, 3}, kFloat64)).sum().backward();
    EXPECT_TRUE(bn.weight.grad().defined());
    EXPECT_TRUE(bn.bias.grad().defined());
    EXPECT_TRUE(x.grad().defined());
    for (bool training : {true, false}) {
        bn.train(training);
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return bn(in[0]); }, {x.detach().requires_grad_(true)}))
            << (training ? "training" : "eval");
    }
}

TEST(BatchNorm2d, StateDictRoundTrip) {
    nn::BatchNorm2d a(3), b(3);
    for (int i = 0; i < 2; ++i) a(randn({4, 3, 2, 2}) + 1.0);
    b.load_state_dict(a.state_dict());
    EXPECT_EQ(b.num_batches_tracked.item<int64_t>(), 2);
    EXPECT_TRUE(allclose(b.running_mean, a.running_mean, 0, 0));
    EXPECT_TRUE(allclose(b.running_var, a.running_var, 0, 0));
    a.eval();
    b.eval();
    Tensor x = randn({2, 3, 2, 2});
    EXPECT_TRUE(allclose(b(x), a(x), 0, 0));
}

TEST(BatchNorm, Errors) {
    nn::BatchNorm2d bn2(3);
    EXPECT_ERROR(bn2(randn({2, 3, 4})), "BatchNorm2d", "expected 4D input (got 3D input)");
    EXPECT_ERROR(bn2(randn({2, 4, 2, 2})), "BatchNorm2d", "expected input with 3 channels", "got 4 channels",
                 "[2, 4, 2, 2]");
    EXPECT_ERROR(bn2(randn({1, 3, 1, 1})), "Expected more than 1 value per channel when training");
    nn::BatchNorm1d bn1(3);
    EXPECT_ERROR(bn1(randn({2, 3, 4, 5})), "BatchNorm1d", "expected 2D or 3D input (got 4D input)");
    EXPECT_ERROR(bn1(randn({1, 3})), "Expected more than 1 value per channel when training, got input size [1, 3]");
    bn1.eval();
    EXPECT_NO_THROW(bn1(randn({1, 3})));  // one sample is fine with running stats
}

// ---- LayerNorm, GroupNorm ---------------------------------------------------------------------------------
TEST(LayerNorm, ModuleMatchesFunctionalAndHasPytorchParameters) {
    nn::LayerNorm ln(nn::LayerNormOptions({4, 5}));
    EXPECT_EQ(keys_of(ln.state_dict()), (std::vector<std::string>{"bias", "weight"}));
    EXPECT_EQ(ln.weight.sizes(), IntArrayRef({4, 5}));
    EXPECT_TRUE(allclose(ln.weight, ones({4, 5}), 0, 0));
    {
        NoGradGuard no_grad;
        ln.weight.copy_(rand({4, 5}) + 0.5);
        ln.bias.copy_(randn({4, 5}));
    }
    Tensor x = randn({3, 4, 5});
    EXPECT_TRUE(allclose(ln(x), layer_norm(x, {4, 5}, ln.weight, ln.bias), 0, 0));
    ln.eval();  // no mode dependence
    EXPECT_TRUE(allclose(ln(x), layer_norm(x, {4, 5}, ln.weight, ln.bias), 0, 0));
    nn::LayerNorm bare(nn::LayerNormOptions({5}).elementwise_affine(false));
    EXPECT_TRUE(bare.parameters().empty());
    EXPECT_ERROR(ln(randn({3, 5, 4})), "layer_norm", "normalized_shape=[4, 5]");
}

TEST(GroupNorm, ModuleMatchesFunctionalAndChecksGroups) {
    nn::GroupNorm gn(2, 4);
    EXPECT_EQ(keys_of(gn.state_dict()), (std::vector<std::string>{"bias", "weight"}));
    EXPECT_EQ(gn.weight.sizes(), IntArrayRef({4}));
    Tensor x = randn({2, 4, 3, 3});
    EXPECT_TRUE(allclose(gn(x), group_norm(x, 2, gn.weight, gn.bias), 0, 0));
    EXPECT_TRUE(nn::GroupNorm(nn::GroupNormOptions(2, 4).affine(false)).parameters().empty());
    EXPECT_ERROR(nn::GroupNorm(3, 4), "GroupNorm", "num_channels must be divisible by num_groups",
                 "num_channels=4, num_groups=3");
    EXPECT_ERROR(gn(randn({2, 6, 3})), "group_norm", "weight of shape [4]");
}

}  // namespace
}  // namespace tinydl
