// test_init.cpp — nn::init (src/nn/init.cpp): fans and gains by PyTorch's rules, the statistics
// of each initialiser on large tensors (loose bounds: a few standard errors), in-place behaviour
// (same tensor, no graph, reproducible from the seed) and error messages.
#include <cmath>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
namespace init = nn::init;

struct Stats {
    double mean, std, min, max;
};
Stats stats_of(const Tensor& t) {
    const std::vector<double> v = t.to_vector<double>();
    double sum = 0, sum_sq = 0, lo = v[0], hi = v[0];
    for (double x : v) {
        sum += x;
        sum_sq += x * x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    const double n = static_cast<double>(v.size()), mean = sum / n;
    return {mean, std::sqrt(sum_sq / n - mean * mean), lo, hi};
}

using Fans = std::pair<int64_t, int64_t>;

TEST(Init, FanInAndFanOut) {
    EXPECT_EQ(init::_calculate_fan_in_and_fan_out(zeros({5, 10})), Fans(10, 5));
    // Conv2d weight [out, in, kH, kW]: fans include the 3x5 receptive field.
    EXPECT_EQ(init::_calculate_fan_in_and_fan_out(zeros({8, 4, 3, 5})), Fans(60, 120));
    EXPECT_EQ(init::_calculate_fan_in_and_fan_out(zeros({6, 2, 7})), Fans(14, 42));
    EXPECT_ERROR(init::_calculate_fan_in_and_fan_out(zeros({5})),
                 "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", "[5]");
    EXPECT_ERROR(init::xavier_uniform_(zeros({})), "fewer than 2 dimensions");
}

TEST(Init, Gains) {
    for (const char* linear : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid"})
        EXPECT_EQ(init::calculate_gain(linear), 1.0) << linear;
    EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
    EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
    EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
    EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
    EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
    EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
    EXPECT_ERROR(init::calculate_gain("softsign"), "calculate_gain", "Unsupported nonlinearity softsign");
}

TEST(Init, UniformAndNormal) {
    manual_seed(1);
    Tensor t = empty({200, 250});
    const Stats u = stats_of(init::uniform_(t, -2.0, 3.0));
    EXPECT_GE(u.min, -2.0);
    EXPECT_LE(u.max, 3.0);
    EXPECT_NEAR(u.mean, 0.5, 0.03);
    EXPECT_NEAR(u.std, 5.0 / std::sqrt(12.0), 0.02);
    const Stats u01 = stats_of(init::uniform_(t));
    EXPECT_GE(u01.min, 0.0);
    EXPECT_NEAR(u01.mean, 0.5, 0.01);

    const Stats n = stats_of(init::normal_(t, 1.5, 0.5));
    EXPECT_NEAR(n.mean, 1.5, 0.01);
    EXPECT_NEAR(n.std, 0.5, 0.01);
    const Stats n64 = stats_of(init::normal_(empty({50000}, kFloat64)));
    EXPECT_NEAR(n64.mean, 0.0, 0.02);
    EXPECT_NEAR(n64.std, 1.0, 0.02);
}

TEST(Init, ConstantZerosOnes) {
    Tensor t = empty({3, 4}, kFloat64);
    EXPECT_TRUE(allclose(init::constant_(t, 2.5), full({3, 4}, 2.5), 0, 0));
    EXPECT_TRUE(allclose(init::zeros_(t), zeros({3, 4}), 0, 0));
    EXPECT_TRUE(allclose(init::ones_(t), ones({3, 4}), 0, 0));
    Tensor i = empty({2}, kInt64);  // constants also fill integer tensors
    EXPECT_EQ(init::constant_(i, 7).sum().item<int64_t>(), 14);
}

TEST(Init, Xavier) {
    manual_seed(2);
    Tensor w = empty({200, 300});
    const double std = 2.0 * std::sqrt(2.0 / 500.0);  // gain 2
    const Stats u = stats_of(init::xavier_uniform_(w, 2.0));
    EXPECT_LE(std::max(-u.min, u.max), std::sqrt(3.0) * std + 1e-6);
    EXPECT_GT(std::max(-u.min, u.max), 0.99 * std::sqrt(3.0) * std);
    EXPECT_NEAR(u.std, std, 0.02 * std);
    EXPECT_NEAR(u.mean, 0.0, 0.02 * std);
    const Stats n = stats_of(init::xavier_normal_(w));
    EXPECT_NEAR(n.std, std / 2.0, 0.02 * std / 2.0);
    EXPECT_NEAR(n.mean, 0.0, 0.02 * std);
}

TEST(Init, Kaiming) {
    manual_seed(3);
    Tensor w = empty({256, 128});
    // relu, fan_in: std = sqrt(2 / 128), uniform bound sqrt(3) * std.
    const double std_in = std::sqrt(2.0 / 128.0);
    const Stats u = stats_of(init::kaiming_uniform_(w, 0.0, "fan_in", "relu"));
    EXPECT_LE(std::max(-u.min, u.max), std::sqrt(3.0) * std_in + 1e-6);
    EXPECT_NEAR(u.std, std_in, 0.02 * std_in);
    const Stats out = stats_of(init::kaiming_uniform_(w, 0.0, "fan_out", "relu"));
    EXPECT_NEAR(out.std, std::sqrt(2.0 / 256.0), 0.02 * std::sqrt(2.0 / 256.0));
    // The defaults (a = 0, leaky_relu) are relu's gain.
    EXPECT_NEAR(stats_of(init::kaiming_uniform_(w)).std, std_in, 0.02 * std_in);
    // a = sqrt(5), as Linear uses: bound 1 / sqrt(fan_in).
    const Stats lin = stats_of(init::kaiming_uniform_(w, std::sqrt(5.0)));
    EXPECT_LE(std::max(-lin.min, lin.max), 1.0 / std::sqrt(128.0) + 1e-6);
    EXPECT_GT(std::max(-lin.min, lin.max), 0.99 / std::sqrt(128.0));

    // A conv weight [64, 16, 3, 3]: fan_in = 144.
    Tensor conv = empty({64, 16, 3, 3});
    const Stats n = stats_of(init::kaiming_normal_(conv, 0.0, "fan_in", "relu"));
    EXPECT_NEAR(n.std, std::sqrt(2.0 / 144.0), 0.02 * std::sqrt(2.0 / 144.0));
    EXPECT_NEAR(n.mean, 0.0, 0.01);
    const Stats tanh_out = stats_of(init::kaiming_normal_(conv, 0.0, "fan_out", "tanh"));
    EXPECT_NEAR(tanh_out.std, 5.0 / 3.0 / std::sqrt(576.0), 0.02 * 5.0 / 3.0 / std::sqrt(576.0));

    Tensor empty_weight = empty({0, 4});  // zero elements: a no-op, as PyTorch
    EXPECT_EQ(init::kaiming_uniform_(empty_weight).numel(), 0);
}

TEST(Init, InPlaceNoGraphReproducible) {
    nn::Linear lin(4, 3);
    Tensor w = lin.weight;
    Tensor r = init::xavier_uniform_(lin.weight);
    EXPECT_TRUE(r.is_same(w));
    EXPECT_TRUE(lin.weight.is_leaf());
    EXPECT_TRUE(lin.weight.requires_grad());
    EXPECT_EQ(lin.weight.grad_fn(), nullptr);
    manual_seed(42);
    const std::vector<float> first = init::normal_(lin.weight).to_vector<float>();
    manual_seed(42);
    EXPECT_EQ(init::normal_(lin.weight).to_vector<float>(), first);
    // A non-contiguous target is filled through its view.
    Tensor base = zeros({4, 6}, kFloat64);
    init::ones_(base.slice(1, 0, std::nullopt, 2));
    EXPECT_EQ(base.sum().item<double>(), 12.0);
}

TEST(Init, Errors) {
    EXPECT_ERROR(init::uniform_(zeros({3}, kInt64)), "uniform_", "floating-point", "int64");
    EXPECT_ERROR(init::uniform_(zeros({3}), 1.0, 0.0), "uniform_", "from=1 > to=0");
    EXPECT_ERROR(init::normal_(zeros({3}), 0.0, -1.0), "normal_", "std >= 0.0", "-1");
    EXPECT_ERROR(init::kaiming_uniform_(zeros({3, 3}), 0.0, "fan_avg"), "kaiming_uniform_",
                 "Mode fan_avg not supported, please use one of fan_in, fan_out");
    EXPECT_ERROR(init::kaiming_normal_(zeros({3, 3}), 0.0, "fan_in", "swish"), "Unsupported nonlinearity swish");
    EXPECT_ERROR(init::zeros_(Tensor()), "constant_", "undefined");
}

}  // namespace
}  // namespace tinydl
