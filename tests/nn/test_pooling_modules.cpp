// test_pooling_modules.cpp — the pooling modules (nn/pooling.h): options, defaults, printing as
// PyTorch, forward equal to the functional op, no parameters, and use inside a Sequential.
//
// Not here: the pooling maths (tests/ops/test_pool.cpp checks the ops against float64 loops).
#include <sstream>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;

std::string printed(const nn::Module& m) {
    std::ostringstream out;
    out << m;
    return out.str();
}

TEST(PoolingModules, MaxPool2d) {
    nn::MaxPool2d pool(2);
    EXPECT_EQ(printed(pool), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    EXPECT_TRUE(pool.parameters().empty());
    EXPECT_TRUE(pool.state_dict().empty());
    const Tensor x = randn({2, 3, 7, 7});
    EXPECT_TRUE(allclose(pool(x), max_pool2d(x, 2), 0, 0));
    EXPECT_EQ(pool(x).sizes(), IntArrayRef({2, 3, 3, 3}));

    nn::MaxPool2d p3(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true));
    EXPECT_EQ(printed(p3), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)");
    EXPECT_TRUE(allclose(p3(x), max_pool2d(x, 3, 2, 1, 1, true), 0, 0));
    auto [values, indices] = p3.forward_with_indices(x);
    auto [ref_values, ref_indices] = max_pool2d_with_indices(x, 3, 2, 1, 1, true);
    EXPECT_TRUE(allclose(values, ref_values, 0, 0));
    EXPECT_EQ(indices.to_vector<int64_t>(), ref_indices.to_vector<int64_t>());

    nn::MaxPool2d rect(nn::MaxPool2dOptions({2, 3}).stride({1, 2}).dilation({2, 1}));
    EXPECT_EQ(printed(rect), "MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=0, dilation=(2, 1), ceil_mode=False)");
    EXPECT_TRUE(allclose(rect(x), max_pool2d(x, {2, 3}, {1, 2}, 0, {2, 1}), 0, 0));

    // Options read back, as libtorch's getters.
    const nn::MaxPool2dOptions o = nn::MaxPool2dOptions(4).padding(2);
    EXPECT_EQ(o.kernel_size(), std::vector<int64_t>{4});
    EXPECT_EQ(o.stride(), std::vector<int64_t>{4});
    EXPECT_EQ(o.padding(), std::vector<int64_t>{2});
    EXPECT_FALSE(o.ceil_mode());
}

TEST(PoolingModules, AvgPool2d) {
    nn::AvgPool2d pool(2);
    EXPECT_EQ(printed(pool), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
    const Tensor x = randn({2, 3, 6, 5});
    EXPECT_TRUE(allclose(pool(x), avg_pool2d(x, 2), 0, 0));
    nn::AvgPool2d p3(nn::AvgPool2dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false)
                         .divisor_override(5));
    EXPECT_EQ(printed(p3), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
    EXPECT_TRUE(allclose(p3(x), avg_pool2d(x, 3, 2, 1, true, false, 5), 0, 0));
    nn::AvgPool2d p4(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
    EXPECT_TRUE(allclose(p4(x), avg_pool2d(x, 3, 2, 1, false, false), 0, 0));
    EXPECT_FALSE(allclose(p4(x), avg_pool2d(x, 3, 2, 1), 0, 0));  // the option reaches the op
}

TEST(PoolingModules, Adaptive) {
    nn::AdaptiveAvgPool2d gap({1, 1});
    EXPECT_EQ(printed(gap), "AdaptiveAvgPool2d(output_size=(1, 1))");
    EXPECT_EQ(printed(nn::AdaptiveAvgPool2d(7)), "AdaptiveAvgPool2d(output_size=7)");
    const Tensor x = randn({2, 3, 7, 5});
    EXPECT_EQ(gap(x).sizes(), IntArrayRef({2, 3, 1, 1}));
    EXPECT_TRUE(allclose(gap(x), x.mean({2, 3}, true), 1e-5, 1e-6));

    nn::AdaptiveMaxPool2d amp({3, 2});
    EXPECT_EQ(printed(amp), "AdaptiveMaxPool2d(output_size=(3, 2))");
    auto [ref_values, ref_indices] = adaptive_max_pool2d(x, {3, 2});
    EXPECT_TRUE(allclose(amp(x), ref_values, 0, 0));
    EXPECT_EQ(std::get<1>(amp.forward_with_indices(x)).to_vector<int64_t>(), ref_indices.to_vector<int64_t>());
}

TEST(PoolingModules, InSequentialWithGradients) {
    auto net = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::AdaptiveAvgPool2d>(1), std::make_shared<nn::Flatten>()});
    EXPECT_EQ(printed(*net),
              "Sequential(\n"
              "  (0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
              "  (1): AdaptiveAvgPool2d(output_size=1)\n"
              "  (2): Flatten(start_dim=1, end_dim=-1)\n"
              ")");
    const Tensor x = randn({2, 3, 4, 4}).requires_grad_(true);
    const Tensor y = (*net)(x);
    EXPECT_EQ(y.sizes(), IntArrayRef({2, 3}));
    y.sum().backward();
    // Each of the 4 window maxima gets 1/4; the other elements get nothing.
    EXPECT_NEAR(x.grad().sum().item<double>(), 2 * 3 * 4 * 0.25, 1e-6);
    EXPECT_EQ(eq(x.grad(), Scalar(0.25)).sum().item<int64_t>(), 2 * 3 * 4);
}

TEST(PoolingModules, Errors) {
    nn::MaxPool2d pool(2);
    EXPECT_ERROR(pool(zeros({4, 4})), "max_pool2d", "[4, 4]");
    nn::AvgPool2d big(5);
    EXPECT_ERROR(big(zeros({1, 1, 3, 3})), "avg_pool2d", "Output size is too small");
    nn::AdaptiveAvgPool2d gap(1);
    EXPECT_ERROR(gap(zeros({3})), "adaptive_avg_pool2d", "Expected 3D or 4D tensor");
}

}  // namespace
}  // namespace tinydl
