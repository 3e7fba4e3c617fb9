// test_resample_modules.cpp — nn::Upsample and nn::Dropout2d (src/nn/resample.cpp): forward is
// the functional op, printing matches PyTorch's repr, train/eval behaviour, no state.
#include <sstream>
#include <string>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;

std::string repr_of(const nn::Module& m) {
    std::ostringstream s;
    s << m;
    return s.str();
}

TEST(Upsample, PrintsLikePyTorch) {
    EXPECT_EQ(repr_of(nn::Upsample(nn::UpsampleOptions().scale_factor(2.0))), "Upsample(scale_factor=2.0, mode='nearest')");
    EXPECT_EQ(repr_of(nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 1.5}).mode("bilinear"))),
              "Upsample(scale_factor=(2.0, 1.5), mode='bilinear')");
    EXPECT_EQ(repr_of(nn::Upsample(nn::UpsampleOptions().size({8, 6}).mode("bilinear").align_corners(true))),
              "Upsample(size=(8, 6), mode='bilinear')");
    EXPECT_EQ(repr_of(nn::Upsample(nn::UpsampleOptions().size(5))), "Upsample(size=5, mode='nearest')");
}

TEST(Upsample, ForwardIsInterpolateAndHasNoState) {
    manual_seed(1);
    const Tensor x = randn({2, 3, 4, 5});
    auto up = std::make_shared<nn::Upsample>(nn::UpsampleOptions().scale_factor(2.0).mode("bilinear").align_corners(true));
    const Tensor y = (*up)(x);
    EXPECT_EQ(y.sizes(), IntArrayRef({2, 3, 8, 10}));
    EXPECT_TRUE(allclose(y, interpolate(x, {.scale_factor = {2.0}, .mode = "bilinear", .align_corners = true}), 0, 0));
    EXPECT_TRUE(up->parameters().empty());
    EXPECT_TRUE(up->state_dict().empty());
    up->eval();  // no train/eval difference
    EXPECT_TRUE(allclose((*up)(x), y, 0, 0));
    auto near = nn::Upsample(nn::UpsampleOptions().size({3, 3}));
    EXPECT_EQ(near(x).sizes(), IntArrayRef({2, 3, 3, 3}));
}

TEST(Upsample, Errors) {
    EXPECT_ERROR(nn::Upsample(), "Upsample", "either size or scale_factor should be defined");
    EXPECT_ERROR(nn::Upsample(nn::UpsampleOptions().size(4).scale_factor(2.0)), "only one of size or scale_factor");
    nn::Upsample up(nn::UpsampleOptions().scale_factor(2.0).mode("bilinear"));
    EXPECT_ERROR(up(randn({1, 2, 3})), "Got 3D input, but bilinear mode needs 4D input");
}

TEST(Dropout2dModule, TrainDropsChannelsEvalIsIdentity) {
    nn::Dropout2d drop(0.25);
    EXPECT_EQ(repr_of(drop), "Dropout2d(p=0.25, inplace=False)");
    EXPECT_EQ(repr_of(nn::Dropout2d()), "Dropout2d(p=0.5, inplace=False)");
    EXPECT_TRUE(drop.parameters().empty());

    manual_seed(3);
    const Tensor x = ones({4, 16, 2, 2});
    const std::vector<float> y = drop(x).to_vector<float>();
    int64_t dropped = 0;
    for (int64_t ch = 0; ch < 64; ++ch) {
        for (int64_t k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(y[ch * 4 + k], y[ch * 4]) << "channel " << ch;
        EXPECT_TRUE(y[ch * 4] == 0.0f || std::abs(y[ch * 4] - 1.0f / 0.75f) < 1e-6f);
        dropped += y[ch * 4] == 0.0f;
    }
    EXPECT_GT(dropped, 4);
    EXPECT_LT(dropped, 32);

    drop.eval();
    EXPECT_TRUE(drop(x).is_same(x));
    EXPECT_ERROR(nn::Dropout2d(-0.1), "Dropout2d", "between 0 and 1");
}

TEST(ResampleModules, InSequential) {
    nn::Sequential seq{std::make_shared<nn::Upsample>(nn::UpsampleOptions().scale_factor(2.0)),
                       std::make_shared<nn::Dropout2d>(0.1)};
    EXPECT_EQ(repr_of(seq),
              "Sequential(\n  (0): Upsample(scale_factor=2.0, mode='nearest')\n  (1): Dropout2d(p=0.1, inplace=False)\n)");
    seq.eval();
    EXPECT_EQ(seq.forward(ones({1, 1, 2, 2})).sizes(), IntArrayRef({1, 1, 4, 4}));
}

}  // namespace
}  // namespace tinydl
