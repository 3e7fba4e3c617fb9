// test_layout.cpp — elementwise results take their inputs' memory order, as PyTorch's
// TensorIterator gives them (src/core/layout.h), and the values stay those of the contiguous
// computation. Expected strides are what PyTorch 1.13 returns for the same calls.
#include "src/core/layout.h"
#include "tests/support/test_utils.h"

using namespace tinydl;
using tinydl::testing::allclose;
using tinydl::testing::leaf;

namespace {
std::vector<int64_t> strides_of(const Tensor& t) { return t.strides().vec(); }
}  // namespace

TEST(Layout, TransposedInputsGiveATransposedResult) {
    const Tensor a = randn({3, 4}), b = randn({3, 4});
    const Tensor c = a.t() + b.t();  // [4, 3], laid out like a.t(): strides [1, 4]
    EXPECT_EQ(strides_of(c), (std::vector<int64_t>{1, 4}));
    EXPECT_FALSE(c.is_contiguous());
    EXPECT_TRUE(allclose(c.contiguous(), (a + b).t().contiguous()));
    EXPECT_TRUE(allclose(c.t(), a + b));  // transposed back: the plain sum, bit for bit in order
}

TEST(Layout, TheFirstInputDecidesMixedLayouts) {
    const Tensor a = randn({3, 4}), b = randn({4, 3});
    const Tensor row = b + a.t();  // b is row-major: so is the result
    EXPECT_EQ(strides_of(row), (std::vector<int64_t>{3, 1}));
    const Tensor col = a.t() + b;  // a.t() comes first: the result is transposed (PyTorch too)
    EXPECT_EQ(strides_of(col), (std::vector<int64_t>{1, 4}));
    EXPECT_TRUE(allclose(row, col));
    EXPECT_TRUE(allclose(row, (b.contiguous() + a.t().contiguous())));
}

TEST(Layout, BroadcastOperandsHaveNoSay) {
    const Tensor a = randn({5, 6}), bias = randn({5});
    const Tensor c = bias + a.t();  // bias broadcasts along dim 0 (stride 0): a.t() decides
    EXPECT_EQ(strides_of(c), (std::vector<int64_t>{1, 6}));
    EXPECT_TRUE(allclose(c, bias + a.t().contiguous()));
    const Tensor s = a.t() * 2.0;  // a number is a 0-dim tensor
    EXPECT_EQ(strides_of(s), (std::vector<int64_t>{1, 6}));
    EXPECT_TRUE(allclose(s, a.t().contiguous() * 2.0));
}

TEST(Layout, PermutedInputsKeepTheirPermutation) {
    const Tensor x = randn({2, 3, 4, 5}), y = randn({2, 3, 4, 5});
    const Tensor xp = x.permute({0, 2, 3, 1}), yp = y.permute({0, 2, 3, 1});  // channels last
    const Tensor z = xp * yp;
    EXPECT_EQ(strides_of(z), strides_of(xp));  // [60, 5, 1, 20]
    EXPECT_TRUE(allclose(z.contiguous(), (x * y).permute({0, 2, 3, 1}).contiguous()));
    const Tensor r = relu(xp);  // unary ops keep the layout too
    EXPECT_EQ(strides_of(r), strides_of(xp));
    EXPECT_TRUE(allclose(r.contiguous(), relu(x).permute({0, 2, 3, 1}).contiguous()));
    const Tensor w = where(xp > 0, xp, yp);
    EXPECT_EQ(strides_of(w), strides_of(xp));
    EXPECT_TRUE(allclose(w.contiguous(), where(x > 0, x, y).permute({0, 2, 3, 1}).contiguous()));
}

TEST(Layout, NonDenseInputsGiveADenseResultInTheirOrder) {
    const Tensor x = randn({6, 8});
    const Tensor sliced = x.slice(1, 0, 8, 2);  // [6, 4], strides [8, 2]: row-major order
    const Tensor e = exp(sliced);
    EXPECT_EQ(strides_of(e), (std::vector<int64_t>{4, 1}));
    EXPECT_TRUE(allclose(e, exp(sliced.contiguous())));
    const Tensor st = sliced.t();  // [4, 6], strides [2, 8]: dim 0 is the faster one
    const Tensor n = -st;
    EXPECT_EQ(strides_of(n), (std::vector<int64_t>{1, 4}));
    EXPECT_TRUE(allclose(n, -(st.contiguous())));
    const Tensor ex = randn({1, 4}).expand({3, 4});  // overlapping: row-major
    EXPECT_EQ(strides_of(sigmoid(ex)), (std::vector<int64_t>{4, 1}));
}

TEST(Layout, ContiguousInputsStayRowMajor) {
    const Tensor a = randn({2, 3, 4}), b = randn({3, 1});
    EXPECT_TRUE((a + b).is_contiguous());
    EXPECT_TRUE((b + a).is_contiguous());
    EXPECT_TRUE(tanh(a).is_contiguous());
}

TEST(Layout, FastestFirstFollowsTheFirstOperandWithAnOpinion) {
    const std::vector<int64_t> sizes = {4, 3, 2};
    const std::vector<int64_t> out = {}, bcast = {0, 2, 1}, perm = {1, 8, 4};
    const DimVector order = detail::fastest_first<3>(sizes, {IntArrayRef(out), IntArrayRef(bcast), IntArrayRef(perm)});
    // bcast orders dims 1 and 2 (2 before 1... stride 1 < 2) but says nothing about dim 0; perm
    // puts dim 0 first.
    EXPECT_EQ(order.vec(), (std::vector<int64_t>{0, 2, 1}));
    EXPECT_EQ(detail::dense_strides_like<1>(sizes, {IntArrayRef(perm)}).vec(), (std::vector<int64_t>{1, 8, 4}));
}

TEST(Layout, GradientsOfTransposedInputsAreRight) {
    const Tensor a = leaf({3, 4}), b = leaf({3, 4});
    Tensor y = (a.t() * b.t()).relu().sum();
    y.backward();
    EXPECT_TRUE(allclose(a.grad(), b.detach() * (a.detach() * b.detach() > 0).to(kFloat32)));
}

// Copies and in-place ops that read a transposed input walk tiles (Note [Tiled transpose] in
// src/cpu/loops.h); sizes that are not multiples of the tile check the edges.
TEST(Layout, TransposedReadsAreRightAtTileEdges) {
    const Tensor x = randn({70, 45});
    const Tensor y = x.t().contiguous();  // [45, 70]
    const float* px = x.data_ptr<float>();
    const float* py = y.data_ptr<float>();
    for (int64_t i = 0; i < 45; ++i)
        for (int64_t j = 0; j < 70; ++j) ASSERT_EQ(py[i * 70 + j], px[j * 45 + i]) << i << ", " << j;
    Tensor acc = ones({45, 70});
    acc.add_(x.t());
    EXPECT_TRUE(allclose(acc, y + 1));
    const Tensor z = randn({3, 40, 50});
    const Tensor w = z.transpose(1, 2).contiguous();  // [3, 50, 40]
    const float* pz = z.data_ptr<float>();
    const float* pw = w.data_ptr<float>();
    for (int64_t b = 0; b < 3; ++b)
        for (int64_t i = 0; i < 50; ++i)
            for (int64_t j = 0; j < 40; ++j) ASSERT_EQ(pw[(b * 50 + i) * 40 + j], pz[(b * 40 + j) * 50 + i]);
    EXPECT_TRUE(allclose(w.transpose(1, 2) * 2, z + z));
}
