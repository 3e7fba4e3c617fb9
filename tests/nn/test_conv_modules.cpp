// test_conv_modules.cpp — nn::Conv1d, nn::Conv2d, nn::ConvTranspose2d: output shapes, agreement
// with the functional ops, state_dict names, PyTorch's default initialisation bounds, printing,
// option errors, and gradcheck through a small model.
//
// Not here: the numerics of the ops themselves (tests/ops/test_conv.cpp).
#include <cmath>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::leaf;

std::vector<int64_t> shape_of(const Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

TEST(Conv2dModule, ShapesAndFunctionalAgreement) {
    manual_seed(0);
    nn::Conv2d conv(nn::Conv2dOptions(1, 32, 3).padding(1));
    Tensor x = randn({4, 1, 28, 28});
    Tensor y = conv(x);
    EXPECT_EQ(shape_of(y), (std::vector<int64_t>{4, 32, 28, 28}));
    EXPECT_TRUE(allclose(y, conv2d(x, conv.weight, conv.bias, 1, 1), 0, 0));
    EXPECT_EQ(shape_of(conv(randn({1, 28, 28}))), (std::vector<int64_t>{32, 28, 28}));  // unbatched

    nn::Conv2d strided(nn::Conv2dOptions(3, 6, {3, 2}).stride({2, 1}).dilation(2).groups(3).bias(false));
    EXPECT_EQ(shape_of(strided.weight), (std::vector<int64_t>{6, 1, 3, 2}));
    EXPECT_EQ(shape_of(strided(randn({2, 3, 11, 9}))), (std::vector<int64_t>{2, 6, 4, 7}));

    nn::Conv2d same(nn::Conv2dOptions(2, 3, 4).padding("same"));
    EXPECT_EQ(shape_of(same(randn({1, 2, 7, 6}))), (std::vector<int64_t>{1, 3, 7, 6}));
}

TEST(Conv1dModule, Shapes) {
    nn::Conv1d conv(2, 4, 3);
    EXPECT_EQ(shape_of(conv.weight), (std::vector<int64_t>{4, 2, 3}));
    EXPECT_EQ(shape_of(conv(randn({5, 2, 10}))), (std::vector<int64_t>{5, 4, 8}));
    nn::Conv1d strided(nn::Conv1dOptions(2, 4, 3).stride(2).padding(1));
    EXPECT_EQ(shape_of(strided(randn({2, 9}))), (std::vector<int64_t>{4, 5}));
}

TEST(ConvTranspose2dModule, Shapes) {
    nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(16, 8, 2).stride(2));
    EXPECT_EQ(shape_of(up.weight), (std::vector<int64_t>{16, 8, 2, 2}));
    EXPECT_EQ(shape_of(up(randn({3, 16, 7, 7}))), (std::vector<int64_t>{3, 8, 14, 14}));
    nn::ConvTranspose2d op(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1).groups(2));
    EXPECT_EQ(shape_of(op.weight), (std::vector<int64_t>{4, 3, 3, 3}));
    EXPECT_EQ(shape_of(op(randn({1, 4, 5, 5}))), (std::vector<int64_t>{1, 6, 10, 10}));
}

TEST(ConvModules, StateDictNames) {
    nn::Conv2d conv(3, 8, 3);
    const StateDict sd = conv.state_dict();
    ASSERT_EQ(sd.size(), 2u);
    EXPECT_EQ(shape_of(sd.at("weight")), (std::vector<int64_t>{8, 3, 3, 3}));
    EXPECT_EQ(shape_of(sd.at("bias")), (std::vector<int64_t>{8}));
    nn::Conv2d no_bias(nn::Conv2dOptions(3, 8, 3).bias(false));
    EXPECT_EQ(no_bias.state_dict().size(), 1u);
    EXPECT_FALSE(no_bias.bias.defined());
    auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(1, 8, 3), std::make_shared<nn::ReLU>(),
                                                std::make_shared<nn::ConvTranspose2d>(8, 2, 2));
    std::vector<std::string> names;
    for (const auto& [name, t] : net->named_parameters()) names.push_back(name);
    EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
    // A state_dict moves between two models of the same shape.
    auto other = std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(1, 8, 3), std::make_shared<nn::ReLU>(),
                                                  std::make_shared<nn::ConvTranspose2d>(8, 2, 2));
    other->load_state_dict(net->state_dict());
    Tensor x = randn({2, 1, 6, 6});
    EXPECT_TRUE(allclose((*other)(x), (*net)(x), 0, 0));
}

// kaiming_uniform_(a = sqrt(5)) and the bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void expect_init_bounds(const Tensor& weight, const Tensor& bias, int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    for (const Tensor& t : {weight, bias}) {
        const double max_abs = t.abs().max().item<double>();
        EXPECT_LE(max_abs, bound) << "fan_in " << fan_in;
        EXPECT_GT(max_abs, 0.5 * bound) << "fan_in " << fan_in;  // not drawn from a narrower range
        EXPECT_NEAR(t.mean().item<double>(), 0.0, bound / 4);
    }
}

TEST(ConvModules, DefaultInitBounds) {
    manual_seed(1);
    nn::Conv2d c(32, 64, 3);
    expect_init_bounds(c.weight, c.bias, 32 * 9);
    nn::Conv2d g(nn::Conv2dOptions(8, 16, {3, 5}).groups(4));
    expect_init_bounds(g.weight, g.bias, 2 * 15);
    nn::Conv1d c1(4, 32, 5);
    expect_init_bounds(c1.weight, c1.bias, 4 * 5);
    nn::ConvTranspose2d t(nn::ConvTranspose2dOptions(16, 8, 3).groups(2));  // fan_in from weight.size(1)
    expect_init_bounds(t.weight, t.bias, 4 * 9);
}

TEST(ConvModules, Printing) {
    EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)).repr(),
              "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
    EXPECT_EQ(nn::Conv2d(3, 8, 3).repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))");
    EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(4, 8, {3, 5}).stride(2).padding({1, 2}).dilation(2).groups(2).bias(false))
                  .repr(),
              "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=2, bias=False)");
    EXPECT_EQ(nn::Conv2d(nn::Conv2dOptions(1, 2, 3).padding("same")).repr(),
              "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=same)");
    EXPECT_EQ(nn::Conv1d(1, 4, 3).repr(), "Conv1d(1, 4, kernel_size=(3,), stride=(1,))");
    EXPECT_EQ(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(16, 8, 2).stride(2)).repr(),
              "ConvTranspose2d(16, 8, kernel_size=(2, 2), stride=(2, 2))");
    EXPECT_EQ(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1)).repr(),
              "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
    auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 32, 3).padding(1)),
                                                std::make_shared<nn::ReLU>());
    EXPECT_EQ(net->repr(),
              "Sequential(\n  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  (1): ReLU()\n)");
}

TEST(ConvModules, Errors) {
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding_mode("reflect")), "Conv2d",
                 "padding_mode='reflect' is not supported yet, only 'zeros' is");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding_mode("mirror")),
                 "padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got "
                 "padding_mode='mirror'");
    EXPECT_ERROR(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(3, 8, 3).padding_mode("circular")),
                 "Only \"zeros\" padding mode is supported for ConvTranspose2d");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).groups(2)), "in_channels must be divisible by groups");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(4, 6, 3).groups(4)), "out_channels must be divisible by groups");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(4, 6, 3).groups(0)), "groups must be a positive integer");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(1, 1, {3, 3, 3})), "Conv2d", "kernel_size must be one int or 2 ints",
                 "[3, 3, 3]");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).stride(0)), "non-positive stride is not supported");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding(-1)), "negative padding is not supported");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).stride(2).padding("same")),
                 "padding='same' is not supported for strided convolutions");
    EXPECT_ERROR(nn::Conv2d(nn::Conv2dOptions(1, 1, 0)), "kernel_size must be positive");
    nn::Conv2d conv(3, 8, 3);
    EXPECT_ERROR(conv(zeros({1, 1, 28, 28})),
                 "Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 1, 28, 28] to have 3 channels, but got "
                 "1 channels instead");
}

TEST(ConvModules, GradcheckThroughASmallModel) {
    manual_seed(2);
    auto model = std::make_shared<nn::Sequential>(
        std::make_shared<nn::Conv2d>(nn::Conv2dOptions(2, 3, 3).padding(1).stride(2)), std::make_shared<nn::Tanh>(),
        std::make_shared<nn::ConvTranspose2d>(nn::ConvTranspose2dOptions(3, 2, 3).stride(2).padding(1).output_padding(1)),
        std::make_shared<nn::Tanh>(), std::make_shared<nn::Flatten>(1, 2),
        std::make_shared<nn::Conv1d>(nn::Conv1dOptions(12, 2, 2).padding("same")));
    model->to(kFloat64);
    Tensor x = leaf({2, 2, 6, 6});
    EXPECT_EQ(shape_of((*model)(x)), (std::vector<int64_t>{2, 2, 6}));
    std::vector<Tensor> inputs = model->parameters();
    inputs.insert(inputs.begin(), x);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return (*model)(in[0]); }, inputs));
}

}  // namespace
}  // namespace tinydl
