// test_transforms.cpp — Normalize, Compose, Lambda and TransformDataset (values, shapes, errors).
#include "tests/support/test_utils.h"

using namespace tinydl;
using namespace tinydl::data;
using tinydl::testing::allclose;

namespace {
// A float64 reference: (x - mean[c]) / std[c] with c the index of dim -3.
Tensor normalize_reference(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& std) {
    std::vector<double> v = x.to_vector<double>();
    const int64_t hw = x.size(-1) * x.size(-2);
    const int64_t c_count = x.size(-3);
    for (size_t i = 0; i < v.size(); ++i) {
        const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / hw) % c_count);
        v[i] = (v[i] - mean[c]) / std[c];
    }
    return tensor(v, kFloat64).view(x.sizes());
}
}  // namespace

TEST(Normalize, PerChannelOnImageAndBatch) {
    const std::vector<double> mean = {0.5, -1.0, 2.0}, std = {0.25, 2.0, 4.0};
    transforms::Normalize norm(mean, std);
    manual_seed(0);
    Tensor image = rand({3, 4, 5});      // [C, H, W]
    Tensor batch = rand({2, 3, 4, 5});   // [N, C, H, W]
    Tensor y = norm(image);
    EXPECT_EQ(y.dtype(), kFloat32);
    EXPECT_TRUE(allclose(y, normalize_reference(image, mean, std)));
    EXPECT_TRUE(allclose(norm(batch), normalize_reference(batch, mean, std)));
    EXPECT_TRUE(allclose(norm(image.to(kFloat64)), normalize_reference(image, mean, std), 1e-12, 1e-12));
    // Channel 1 of element [0, 1, 2, 3] by hand.
    const double x = batch.at<float>({0, 1, 2, 3});
    EXPECT_NEAR(norm(batch).at<float>({0, 1, 2, 3}), (x + 1.0) / 2.0, 1e-6);
}

TEST(Normalize, ScalarAnyShape) {
    transforms::Normalize norm(0.2860, 0.3530);  // Fashion-MNIST's statistics
    Tensor x = tensor({0.0f, 0.286f, 1.0f});
    EXPECT_TRUE(allclose(norm(x), tensor({-0.2860 / 0.3530, 0.0, (1 - 0.2860) / 0.3530}, kFloat32)));
    EXPECT_EQ(norm(zeros({2, 1, 28, 28})).sizes().vec(), (std::vector<int64_t>{2, 1, 28, 28}));
    transforms::Normalize one_channel({0.5}, {0.5});
    EXPECT_TRUE(allclose(one_channel(full({7}, 2.0)), full({7}, 3.0)));  // (2 - 0.5) / 0.5
}

TEST(Normalize, Errors) {
    EXPECT_ERROR(transforms::Normalize({0.1, 0.2}, {0.3}), "Normalize", "same number", "2 and 1");
    EXPECT_ERROR(transforms::Normalize({0.1, 0.2}, {0.3, 0.0}), "Normalize", "std[1] is zero");
    transforms::Normalize norm({0.1, 0.2, 0.3}, {1, 1, 1});
    EXPECT_ERROR(norm(zeros({2, 4, 4})), "Normalize", "3 channels", "[2, 4, 4]");
    EXPECT_ERROR(norm(zeros({4, 4})), "Normalize", "3 channels", "[4, 4]");
    EXPECT_THROW(norm(zeros({3, 4, 4}, kUInt8)), TypeError);
    EXPECT_ERROR(norm(zeros({3, 4, 4}, kUInt8)), "Normalize", "floating point", "uint8");
}

TEST(Compose, AppliesInOrder) {
    transforms::Compose both({transforms::Lambda([](const Tensor& x) { return x + 1.0; }),
                              transforms::Lambda([](const Tensor& x) { return x * 3.0; })});
    EXPECT_TRUE(allclose(both(tensor({1.0f, 2.0f})), tensor({6.0f, 9.0f})));  // (x + 1) * 3, not x * 3 + 1
    transforms::Compose with_normalize({transforms::Normalize(1.0, 2.0), transforms::Lambda([](const Tensor& x) {
                                            return x.flatten(-3);
                                        })});
    Tensor y = with_normalize(full({2, 1, 2, 2}, 5.0));
    EXPECT_EQ(y.sizes().vec(), (std::vector<int64_t>{2, 4}));
    EXPECT_TRUE(allclose(y, full({2, 4}, 2.0)));
    transforms::Compose none({});
    EXPECT_TRUE(allclose(none(ones({2})), ones({2})));
    EXPECT_ERROR(transforms::Compose({transforms::Transform{}}), "Compose", "transform 0 is empty");
    EXPECT_ERROR(transforms::Lambda(transforms::Transform{}), "Lambda", "empty");
}

TEST(TransformDataset, BatchedAndPerExampleAgree) {
    manual_seed(1);
    auto base = std::make_shared<TensorDataset>(rand({6, 2, 3, 3}), arange(6, kInt64));
    transforms::Normalize norm({0.5, 0.25}, {0.5, 2.0});
    auto batched = std::make_shared<TransformDataset>(base, norm, [](const Tensor& t) { return t + 100; });
    auto per_example = std::make_shared<TransformDataset>(base, norm, [](const Tensor& t) { return t + 100; },
                                                          TransformMode::PerExample);
    EXPECT_EQ(batched->size(), 6u);
    const std::vector<size_t> idx = {5, 0, 3};
    Batch a = batched->get_batch(idx), b = per_example->get_batch(idx);
    EXPECT_TRUE(allclose(a.data, b.data));
    EXPECT_EQ(a.target.to_vector<int64_t>(), (std::vector<int64_t>{105, 100, 103}));
    EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{105, 100, 103}));
    EXPECT_TRUE(allclose(a.data[1], norm(base->get(0).data)));
    Example e = batched->get(4);
    EXPECT_TRUE(allclose(e.data, norm(base->get(4).data)));
    EXPECT_EQ(e.target.item<int64_t>(), 104);

    // Through a DataLoader, with the prefetch thread applying the transform.
    DataLoader loader(batched, {.batch_size = 4, .shuffle = true, .seed = 9});
    int64_t seen = 0;
    for (const Batch& batch : loader) {
        const auto targets = batch.target.to_vector<int64_t>();
        for (size_t k = 0; k < targets.size(); ++k)
            EXPECT_TRUE(allclose(batch.data[static_cast<int64_t>(k)], norm(base->get(targets[k] - 100).data)));
        seen += batch.data.size(0);
    }
    EXPECT_EQ(seen, 6);
    EXPECT_ERROR(TransformDataset(nullptr, norm), "TransformDataset", "null");
}
