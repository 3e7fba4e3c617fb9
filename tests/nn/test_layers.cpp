// test_layers.cpp — the layers of nn/layers.h and nn/activation.h, and the dropout op
// (src/ops/dropout.cpp): forward vs float64 references, gradcheck through a small model, default
// initialisation, printing, and error messages.
//
// Not here: the Module machinery (test_module.cpp) and nn::init's statistics (test_init.cpp).
#include <cmath>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::leaf;
using ::tinydl::testing::noncontiguous_like;
namespace F = nn::functional;

// y[r, o] = sum_i x[r, i] w[o, i] + b[o] over the rows r of x viewed as [rows, in], in float64.
Tensor linear_reference(const Tensor& x, const Tensor& w, const Tensor& b) {
    const int64_t in = w.size(1), out = w.size(0), rows = x.numel() / in;
    const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
    const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(out, 0.0);
    std::vector<double> y(rows * out);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t o = 0; o < out; ++o) {
            double acc = bv[o];
            for (int64_t i = 0; i < in; ++i) acc += xv[r * in + i] * wv[o * in + i];
            y[r * out + o] = acc;
        }
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = out;
    return tensor(y, kFloat64).reshape(shape);
}

// ---- Linear ---------------------------------------------------------------------------------------------
TEST(Linear, ForwardMatchesReference) {
    manual_seed(0);
    auto lin = std::make_shared<nn::Linear>(7, 5);
    lin->to(kFloat64);
    for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{7}, {1, 7}, {13, 7}, {2, 3, 7}, {0, 7}}) {
        Tensor x = randn(shape, kFloat64);
        Tensor y = (*lin)(x);
        EXPECT_TRUE(allclose(y, linear_reference(x, lin->weight, lin->bias), 1e-12, 1e-12)) << shape_str(shape);
    }
    Tensor x = randn({4, 7}, kFloat64);
    EXPECT_TRUE(allclose((*lin)(noncontiguous_like(x)), linear_reference(x, lin->weight, lin->bias), 1e-12, 1e-12));
    EXPECT_TRUE(allclose((*lin)(x), F::linear(x, lin->weight, lin->bias), 0, 0));

    // float32 within float32 rounding of the float64 result.
    auto lin32 = std::make_shared<nn::Linear>(7, 5, /*bias=*/false);
    Tensor x32 = randn({9, 7});
    EXPECT_TRUE(allclose((*lin32)(x32), linear_reference(x32, lin32->weight, Tensor()), 1e-5, 1e-6));
    EXPECT_EQ((*lin32)(x32).dtype(), kFloat32);
}

TEST(Linear, NoBias) {
    nn::Linear lin(3, 2, false);
    EXPECT_FALSE(lin.bias.defined());
    EXPECT_EQ(lin.parameters().size(), 1u);
    EXPECT_EQ(lin.repr(), "Linear(in_features=3, out_features=2, bias=False)");
    EXPECT_EQ(lin.state_dict().size(), 1u);
}

TEST(Linear, GradcheckThroughASmallModel) {
    manual_seed(5);
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Tanh>(),
                                                  std::make_shared<nn::Linear>(4, 2));
    model->to(kFloat64);
    Tensor x = leaf({5, 3});
    std::vector<Tensor> inputs = model->parameters();  // gradcheck perturbs them in place
    inputs.insert(inputs.begin(), x);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return (*model)(in[0]); }, inputs));
    EXPECT_TRUE(gradgradcheck_ok([&](const std::vector<Tensor>& in) { return (*model)(in[0]); }, inputs));
    // Leading dims and a 1-D input.
    Tensor x3 = leaf({2, 2, 3});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return (*model)(in[0]); }, {x3, model->parameters()[0]}));
    Tensor x1 = leaf({3});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return (*model)(in[0]); }, {x1, model->parameters()[1]}));
}

TEST(Linear, DefaultInitIsUniformWithinOneOverSqrtIn) {
    manual_seed(11);
    nn::Linear lin(100, 400);  // 40,000 weights
    const double bound = 1.0 / std::sqrt(100.0);
    const std::vector<double> w = lin.weight.to_vector<double>();
    int counts[4] = {0, 0, 0, 0};  // quarters of [-bound, bound]
    double sum = 0, sum_sq = 0;
    const double slack = bound * (1 + 1e-6);  // the float32 rounding of the bound itself
    for (double v : w) {
        ASSERT_LE(std::abs(v), slack);
        counts[std::min(3, static_cast<int>((v + bound) / (2 * bound) * 4))]++;
        sum += v;
        sum_sq += v * v;
    }
    const double n = static_cast<double>(w.size());
    EXPECT_NEAR(sum / n, 0.0, 0.003);
    EXPECT_NEAR(std::sqrt(sum_sq / n), bound / std::sqrt(3.0), 0.02 * bound);
    for (int c : counts) EXPECT_NEAR(c / n, 0.25, 0.015);
    for (double v : lin.bias.to_vector<double>()) EXPECT_LE(std::abs(v), slack);
    EXPECT_GT(lin.bias.abs().max().item<double>(), 0.5 * bound);  // not all zeros
    // Same seed, same weights.
    manual_seed(11);
    nn::Linear again(100, 400);
    EXPECT_TRUE(allclose(again.weight, lin.weight, 0, 0));
}

TEST(Linear, Errors) {
    nn::Linear lin(10, 5);
    EXPECT_ERROR(lin(zeros({32, 20})),
                 "Linear(in_features=10, out_features=5): input has 20 features, expected 10 (input [32, 20], weight [5, 10])");
    EXPECT_ERROR(lin(zeros({})), "Linear(in_features=10, out_features=5)", "0-dim");
    EXPECT_ERROR(lin(Tensor()), "Linear", "undefined");
    EXPECT_ERROR(lin(zeros({2, 10}, kFloat64)), "Linear(in_features=10, out_features=5): input is float64 but the weight is float32");
    EXPECT_ERROR(F::linear(zeros({2, 3}), zeros({4, 5})), "linear: input has 3 features, expected 5");
    EXPECT_ERROR(F::linear(zeros({2, 3}), zeros({3})), "linear", "weight must be 2-D", "[3]");
    EXPECT_ERROR(F::linear(zeros({2, 3}), zeros({4, 3}), zeros({3})), "linear", "bias of shape [3]", "expected [4]");
    EXPECT_ERROR(nn::Linear(-1, 2), "Linear", "non-negative");
}

// ---- Embedding --------------------------------------------------------------------------------------------
TEST(Embedding, ForwardBackward) {
    manual_seed(2);
    nn::Embedding emb(10, 3);
    EXPECT_EQ(emb.weight.sizes(), IntArrayRef({10, 3}));
    EXPECT_EQ(emb.repr(), "Embedding(10, 3)");
    Tensor idx = tensor({{1, 4, 1}, {9, 0, 4}});
    Tensor out = emb(idx);
    ASSERT_EQ(out.sizes(), IntArrayRef({2, 3, 3}));
    for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 3; ++c)
            EXPECT_TRUE(allclose(out[r][c], emb.weight[idx.at<int64_t>({r, c})], 0, 0));
    EXPECT_TRUE(allclose(out, F::embedding(idx, emb.weight), 0, 0));

    // d(sum of out * g)/d weight[k] = the sum of g over the places where k was picked.
    Tensor g = randn({2, 3, 3});
    (out * g).sum().backward();
    Tensor gw = emb.weight.grad();
    EXPECT_TRUE(allclose(gw[1], g[0][0] + g[0][2]));
    EXPECT_TRUE(allclose(gw[4], g[0][1] + g[1][2]));
    EXPECT_TRUE(allclose(gw[9], g[1][0]));
    EXPECT_EQ(gw[2].abs().sum().item<double>(), 0.0);

    emb.to(kFloat64);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>&) { return emb(idx); }, {emb.weight}));
    EXPECT_ERROR(emb(tensor({10})), "embedding", "10");
    EXPECT_ERROR(emb(tensor({1.0f})), "embedding", "int64");
}

TEST(Embedding, InitIsStandardNormal) {
    manual_seed(4);
    nn::Embedding emb(1000, 20);
    EXPECT_NEAR(emb.weight.mean().item<double>(), 0.0, 0.03);
    EXPECT_NEAR(emb.weight.std().item<double>(), 1.0, 0.03);
}

// ---- activation modules -------------------------------------------------------------------------------------
struct ActivationCase {
    const char* repr;
    std::function<std::shared_ptr<nn::Module>()> make;
    std::function<Tensor(const Tensor&)> op;
};

TEST(Activations, MatchTheFunctionalOpsAndPrint) {
    const ActivationCase cases[] = {
        {"ReLU()", [] { return std::make_shared<nn::ReLU>(); }, [](const Tensor& x) { return relu(x); }},
        {"LeakyReLU(negative_slope=0.01)", [] { return std::make_shared<nn::LeakyReLU>(); },
         [](const Tensor& x) { return leaky_relu(x, 0.01); }},
        {"LeakyReLU(negative_slope=0.2)", [] { return std::make_shared<nn::LeakyReLU>(0.2); },
         [](const Tensor& x) { return F::leaky_relu(x, 0.2); }},
        {"GELU(approximate='none')", [] { return std::make_shared<nn::GELU>(); },
         [](const Tensor& x) { return gelu(x); }},
        {"GELU(approximate='tanh')", [] { return std::make_shared<nn::GELU>("tanh"); },
         [](const Tensor& x) { return F::gelu(x, "tanh"); }},
        {"SiLU()", [] { return std::make_shared<nn::SiLU>(); }, [](const Tensor& x) { return silu(x); }},
        {"Tanh()", [] { return std::make_shared<nn::Tanh>(); }, [](const Tensor& x) { return tanh(x); }},
        {"Sigmoid()", [] { return std::make_shared<nn::Sigmoid>(); }, [](const Tensor& x) { return sigmoid(x); }},
        {"Softmax(dim=1)", [] { return std::make_shared<nn::Softmax>(1); },
         [](const Tensor& x) { return softmax(x, 1); }},
        {"LogSoftmax(dim=-1)", [] { return std::make_shared<nn::LogSoftmax>(-1); },
         [](const Tensor& x) { return F::log_softmax(x, -1); }},
    };
    for (const ActivationCase& c : cases) {
        auto m = c.make();
        EXPECT_EQ(m->repr(), c.repr);
        EXPECT_TRUE(m->parameters().empty());
        Tensor x = randn({7, 13}, kFloat64);
        EXPECT_TRUE(allclose((*m)(x), c.op(x), 0, 0)) << c.repr;
        Tensor xl = leaf({3, 4});
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return (*m)(in[0]); }, {xl})) << c.repr;
    }
    EXPECT_ERROR(nn::GELU("fast"), "GELU", "\"fast\"");
}

// ---- shape layers -------------------------------------------------------------------------------------------
TEST(ShapeLayers, IdentityFlattenUnflatten) {
    Tensor x = randn({2, 3, 4, 5});
    EXPECT_TRUE(nn::Identity()(x).is_same(x));
    EXPECT_EQ(nn::Identity().repr(), "Identity()");
    nn::Flatten flat;
    EXPECT_EQ(flat(x).sizes(), IntArrayRef({2, 60}));
    EXPECT_EQ(flat.repr(), "Flatten(start_dim=1, end_dim=-1)");
    EXPECT_EQ(nn::Flatten(0, 1)(x).sizes(), IntArrayRef({6, 4, 5}));
    EXPECT_TRUE(allclose(flat(x), x.reshape({2, 60}), 0, 0));
    nn::Unflatten unflat(1, {3, 20});
    EXPECT_EQ(unflat(flat(x)).sizes(), IntArrayRef({2, 3, 20}));
    EXPECT_EQ(unflat.repr(), "Unflatten(dim=1, unflattened_size=(3, 20))");
    EXPECT_EQ(nn::Unflatten(-1, {-1, 5})(x).sizes(), IntArrayRef({2, 3, 4, 1, 5}));
    // The round trip through a Sequential, with gradient.
    nn::Sequential seq(std::make_shared<nn::Flatten>(), std::make_shared<nn::Unflatten>(1, std::vector<int64_t>{3, 4, 5}));
    Tensor xl = leaf({2, 3, 4, 5});
    EXPECT_TRUE(allclose(seq(xl), xl, 0, 0));
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return seq(in[0]); }, {xl}));
    EXPECT_ERROR(nn::Unflatten(1, {7, 3})(zeros({2, 20})), "unflatten");
}

// ---- dropout ---------------------------------------------------------------------------------------------
TEST(Dropout, ZeroesAboutPAndScalesTheRest) {
    Tensor x = rand({20000}, kFloat64) + 1.0;
    manual_seed(9);
    Tensor y = dropout(x, 0.3, true);
    const std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
    int64_t zeros_seen = 0;
    for (size_t i = 0; i < xv.size(); ++i) {
        if (yv[i] == 0.0) ++zeros_seen;
        else EXPECT_NEAR(yv[i], xv[i] / 0.7, 1e-12);
    }
    EXPECT_NEAR(zeros_seen / 20000.0, 0.3, 0.015);
    // The same seed gives the same mask; float32 works the same way.
    manual_seed(9);
    EXPECT_TRUE(allclose(dropout(x, 0.3, true), y, 0, 0));
    EXPECT_EQ(dropout(x.to(kFloat32), 0.3, true).dtype(), kFloat32);
    // Not training, or p = 0: the input itself. p = 1: zeros.
    EXPECT_TRUE(dropout(x, 0.3, false).is_same(x));
    EXPECT_TRUE(F::dropout(x, 0.0).is_same(x));
    EXPECT_EQ(dropout(x, 1.0, true).abs().sum().item<double>(), 0.0);
}

TEST(Dropout, BackwardUsesTheSameMask) {
    Tensor x = leaf({6, 7});
    manual_seed(21);
    Tensor y = dropout(x, 0.4, true);
    EXPECT_STREQ(y.grad_fn()->name(), "NativeDropoutBackward0");
    Tensor g = randn({6, 7}, kFloat64);
    y.backward(g);
    // Where y kept x, the gradient is g / (1 - p); where it dropped x, zero.
    const Tensor kept = ne(y, 0.0);
    EXPECT_TRUE(allclose(x.grad(), where(kept, g / 0.6, Scalar(0.0)), 1e-12, 1e-12));

    // gradcheck re-seeds before each call, so every evaluation draws the same mask.
    auto fn = [](const std::vector<Tensor>& in) {
        manual_seed(21);
        return dropout(in[0], 0.4, true);
    };
    EXPECT_TRUE(gradcheck_ok(fn, {leaf({6, 7})}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {leaf({3, 4})}));
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return dropout(in[0], 1.0, true); }, {leaf({5})}));
}

TEST(Dropout, ModuleAndErrors) {
    nn::Dropout drop;
    EXPECT_EQ(drop.repr(), "Dropout(p=0.5, inplace=False)");
    EXPECT_EQ(nn::Dropout(0.25).repr(), "Dropout(p=0.25, inplace=False)");
    Tensor x = ones({1000});
    manual_seed(1);
    Tensor y = drop(x);
    EXPECT_GT(y.eq(0.0).sum().item<int64_t>(), 400);
    drop.eval();
    EXPECT_TRUE(drop(x).is_same(x));
    EXPECT_ERROR(dropout(x, 1.5, true), "dropout", "dropout probability has to be between 0 and 1, but got 1.5");
    EXPECT_ERROR(dropout(x, -0.1, false), "dropout", "-0.1");
    EXPECT_ERROR(nn::Dropout(2.0), "Dropout", "between 0 and 1", "2");
    EXPECT_ERROR(dropout(ones({3}, kInt64), 0.5, true), "dropout", "floating-point");
    EXPECT_ERROR(dropout(Tensor(), 0.5, true), "dropout", "undefined");
}

}  // namespace
}  // namespace tinydl
