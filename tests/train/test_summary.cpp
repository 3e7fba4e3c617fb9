// test_summary.cpp — train::summary: the exact torchinfo-style table for small models, nested
// Sequentials, opaque modules ("--" shapes), depth limits, and a dry run that changes nothing.
#include "tests/support/test_utils.h"

using namespace tinydl;

// A model with its own forward: summary cannot see inside it (no forward hooks), so its
// children are listed with "--" output shapes.
struct SummaryNet : nn::Module {
    std::shared_ptr<nn::Linear> fc1, fc2;
    SummaryNet() {
        fc1 = register_module("fc1", std::make_shared<nn::Linear>(4, 3));
        fc2 = register_module("fc2", std::make_shared<nn::Linear>(3, 2));
    }
    Tensor forward(const Tensor& x) override { return (*fc2)(relu((*fc1)(x))); }
};

TEST(Summary, MnistMlpExactText) {
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 512), std::make_shared<nn::ReLU>(),
                                                  std::make_shared<nn::Linear>(512, 10));
    const std::string expected =
        "==========================================================================================\n"
        "Layer (type:depth-idx)                   Output Shape              Param #\n"
        "==========================================================================================\n"
        "Sequential                               [1, 10]                   --\n"
        "├─Linear: 1-1                            [1, 512]                  401,920\n"
        "├─ReLU: 1-2                              [1, 512]                  --\n"
        "├─Linear: 1-3                            [1, 10]                   5,130\n"
        "==========================================================================================\n"
        "Total params: 407,050\n"
        "Trainable params: 407,050\n"
        "Non-trainable params: 0\n"
        "==========================================================================================\n"
        "Input size (MB): 0.00\n"                  // 784 floats
        "Forward/backward pass size (MB): 0.01\n"  // 2 x (512 + 512 + 10) floats
        "Params size (MB): 1.63\n"                 // 407,050 floats
        "Estimated Total Size (MB): 1.64\n"
        "==========================================================================================\n";
    EXPECT_EQ(train::summary(*model, {1, 784}), expected);
}

TEST(Summary, NestedSequentialAndOpaqueModules) {
    auto inner = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(6, 4), std::make_shared<nn::ReLU>());
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Flatten>(), inner, std::make_shared<SummaryNet>());
    const std::string table = train::summary(*model, {2, 3, 2});
    const std::string rows =
        "Sequential                               [2, 2]                    --\n"
        "├─Flatten: 1-1                           [2, 6]                    --\n"
        "├─Sequential: 1-2                        [2, 4]                    --\n"
        "│    └─Linear: 2-1                       [2, 4]                    28\n"
        "│    └─ReLU: 2-2                         [2, 4]                    --\n"
        "├─SummaryNet: 1-3                        [2, 2]                    --\n"
        "│    └─Linear: 2-3                       --                        15\n"
        "│    └─Linear: 2-4                       --                        8\n";
    EXPECT_NE(table.find(rows), std::string::npos) << table;
    EXPECT_NE(table.find("Total params: 51\n"), std::string::npos) << table;

    // depth = 1: the nested rows are hidden and their parameters move up to the shown row.
    const std::string shallow = train::summary(*model, {2, 3, 2}, {.depth = 1});
    EXPECT_NE(shallow.find("├─Sequential: 1-2                        [2, 4]                    28\n"), std::string::npos)
        << shallow;
    EXPECT_NE(shallow.find("├─SummaryNet: 1-3                        [2, 2]                    23\n"), std::string::npos)
        << shallow;
    EXPECT_EQ(shallow.find("2-1"), std::string::npos);
}

TEST(Summary, CountsFrozenParametersAndSizesByDtype) {
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(10, 10));
    model->to(kFloat64);
    model->at<nn::Linear>(0)->bias.requires_grad_(false);
    const std::string table = train::summary(*model, {1, 10});
    EXPECT_NE(table.find("Total params: 110\nTrainable params: 100\nNon-trainable params: 10\n"), std::string::npos)
        << table;
    EXPECT_NE(table.find("Params size (MB): 0.00\n"), std::string::npos);  // 880 bytes
    // A bare layer as the model: one row, with its own parameter count.
    const std::string single = train::summary(*std::make_shared<nn::Linear>(3, 2), {5, 3});
    EXPECT_NE(single.find("Linear                                   [5, 2]                    8\n"), std::string::npos)
        << single;
}

TEST(Summary, DryRunChangesNothing) {
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 4), std::make_shared<nn::Dropout>(0.5),
                                                  std::make_shared<nn::Linear>(4, 2));
    model->at<nn::Linear>(2)->eval();  // a mixed state must come back as it was
    manual_seed(5);
    const std::string table = train::summary(*model, {3, 4});
    const float after = randn({1}).item<float>();
    manual_seed(5);
    EXPECT_EQ(after, randn({1}).item<float>()) << "summary drew from the global generator";
    EXPECT_TRUE(model->is_training());
    EXPECT_TRUE(model->at<nn::Dropout>(1)->is_training());
    EXPECT_FALSE(model->at<nn::Linear>(2)->is_training());
    for (const Tensor& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
    EXPECT_NE(table.find("├─Dropout: 1-2                           [3, 4]"), std::string::npos) << table;
}

TEST(Summary, ForwardErrorsNameTheLayer) {
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 4), std::make_shared<nn::ReLU>());
    EXPECT_ERROR(train::summary(*model, {1, 5}), "summary", "Linear", "[1, 5]");
    EXPECT_TRUE(model->is_training());
}
