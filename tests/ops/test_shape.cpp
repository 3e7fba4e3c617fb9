// test_shape.cpp — views and joins (src/ops/shape.cpp): view, reshape, transpose, permute, t,
// squeeze, unsqueeze, expand, narrow, slice, select, flatten, unflatten, cat, stack, and the
// copies contiguous and clone.
//
// What a view must do: compute new sizes, strides and offset over the *same* storage, never
// copy. The tests check that with data_ptr arithmetic (element [i, j] of a view sits at
// base + i * stride(0) + j * stride(1) elements) and storage identity, check the values against
// the same indexing done by hand on a contiguous copy, and run gradcheck through every op (and
// gradgradcheck through slice, select and expand, whose backward is itself an op).
//
// Not here: the elementwise ops run on views (test_unary.cpp, test_binary.cpp).
#include <numeric>
#include <vector>

#include "tests/ops/shape_cases.h"  // the table (and Fn), shared with tests/cuda/test_tables_shape.cpp
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::leaf;
using ::tinydl::testing::noncontiguous_like;

// 0, 1, 2, ... as float64, in `shape`.
Tensor iota(IntArrayRef shape) { return arange(numel_of(shape), kFloat64).reshape(shape); }

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// Address of element `index` of t, computed from its geometry.
const double* address_of(const Tensor& t, IntArrayRef index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d) offset += index[d] * t.stride(static_cast<int64_t>(d));
    return t.data_ptr<double>() + offset;
}

// ---- view and reshape -----------------------------------------------------------------------------
TEST(View, SharesStorageAndInfersMinusOne) {
    Tensor x = iota({2, 3, 4});
    Tensor v = x.view({6, -1});
    EXPECT_EQ(v.sizes().vec(), (std::vector<int64_t>{6, 4}));
    EXPECT_EQ(v.storage(), x.storage());
    EXPECT_EQ(v.data_ptr(), x.data_ptr());
    EXPECT_EQ(values(v), values(x));
    EXPECT_EQ(x.view({-1}).sizes().vec(), (std::vector<int64_t>{24}));
    EXPECT_EQ(x.view({4, -1, 3}).sizes().vec(), (std::vector<int64_t>{4, 2, 3}));
    EXPECT_EQ(scalar_tensor(3.0).view({1, 1}).sizes().vec(), (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(tensor({5.0}).view({}).dim(), 0);
    // Writing through the view writes the base.
    v.select(0, 1).fill_(-1.0);
    EXPECT_EQ(x.at<double>({0, 1, 0}), -1.0);
    EXPECT_EQ(x.at<double>({0, 1, 3}), -1.0);
}

TEST(View, Errors) {
    Tensor x = zeros({2, 3});
    EXPECT_ERROR(x.view({4}), "view", "shape '[4]' is invalid for input of size 6");
    EXPECT_ERROR(x.view({-1, -1}), "view", "only one dimension can be inferred");
    EXPECT_ERROR(x.view({4, -1}), "shape '[4, -1]' is invalid for input of size 6");
    EXPECT_ERROR(x.view({-2, 3}), "view", "invalid shape dimension -2");
    // A transposed tensor cannot be flattened without a copy.
    EXPECT_ERROR(x.t().view({6}), "view", "[3, 2]", "stride", "reshape");
    EXPECT_THROW(x.view({5}), ShapeError);
}

TEST(View, ViewOfNonContiguousWhereStridesAllow) {
    // Splitting or merging dims that are contiguous among themselves is fine on a strided base.
    Tensor base = iota({4, 6});
    Tensor s = base.slice(1, 0, std::nullopt, 2);  // [4, 3], strides (6, 2)
    Tensor v = s.view({2, 2, 3});
    EXPECT_EQ(v.storage(), base.storage());
    EXPECT_EQ(v.strides().vec(), (std::vector<int64_t>{12, 6, 2}));
    EXPECT_EQ(values(v), values(s.contiguous()));
    Tensor w = base.t().unsqueeze(1);  // [6, 1, 4]
    EXPECT_EQ(w.view({6, 4}).storage(), base.storage());
    // Every other column of 6-wide rows is one uniform stride-2 run: it flattens as a view.
    EXPECT_EQ(s.view({12}).strides().vec(), (std::vector<int64_t>{2}));
    // The first 4 of 6 columns are not: rows leave gaps.
    EXPECT_ERROR(base.narrow(1, 0, 4).view({16}), "view", "[4, 4]", "reshape");
}

TEST(Reshape, ViewWhenPossibleCopyWhenNot) {
    Tensor x = iota({3, 4});
    Tensor r = x.reshape({2, 6});
    EXPECT_EQ(r.data_ptr(), x.data_ptr());  // a view
    EXPECT_EQ(r.storage(), x.storage());
    Tensor xt = x.t();
    Tensor c = xt.reshape({12});  // must copy
    EXPECT_NE(c.storage(), x.storage());
    EXPECT_TRUE(c.is_contiguous());
    EXPECT_EQ(values(c), values(xt.contiguous()));
    EXPECT_EQ(values(c), (std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
    EXPECT_EQ(x.reshape({-1, 2}).sizes().vec(), (std::vector<int64_t>{6, 2}));
    EXPECT_ERROR(x.reshape({5, -1}), "reshape", "shape '[5, -1]' is invalid for input of size 12");
    // Zero-element tensors reshape freely, but -1 cannot be inferred from 0 known elements.
    Tensor e = zeros({0, 3});
    EXPECT_EQ(e.reshape({3, 0}).sizes().vec(), (std::vector<int64_t>{3, 0}));
    EXPECT_ERROR(e.reshape({0, -1}), "reshape", "invalid");
}

// ---- reordering views -------------------------------------------------------------------------------
TEST(Permute, TransposeAndT) {
    Tensor x = iota({2, 3, 4});
    Tensor p = x.permute({2, 0, 1});
    EXPECT_EQ(p.sizes().vec(), (std::vector<int64_t>{4, 2, 3}));
    EXPECT_EQ(p.strides().vec(), (std::vector<int64_t>{1, 12, 4}));
    EXPECT_EQ(p.storage(), x.storage());
    EXPECT_FALSE(p.is_contiguous());
    for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 2; ++j)
            for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(p.at<double>({i, j, k}), x.at<double>({j, k, i}));
    EXPECT_EQ(x.permute({-1, 0, 1}).sizes().vec(), (std::vector<int64_t>{4, 2, 3}));

    Tensor t = x.transpose(0, -1);
    EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{4, 3, 2}));
    EXPECT_EQ(t.at<double>({3, 1, 0}), x.at<double>({0, 1, 3}));
    EXPECT_EQ(address_of(t, {3, 1, 0}), address_of(x, {0, 1, 3}));

    Tensor m = iota({2, 3});
    EXPECT_EQ(m.t().sizes().vec(), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(values(m.t().contiguous()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
    Tensor vec = iota({3});
    EXPECT_TRUE(vec.t().is_same(vec));  // t() of a 1-D tensor is the tensor itself
    EXPECT_EQ(scalar_tensor(1.0).t().dim(), 0);

    EXPECT_ERROR(x.permute({0, 1}), "permute", "number of dims don't match", "[2, 3, 4]");
    EXPECT_ERROR(x.permute({0, 1, 1}), "permute", "repeated dim");
    EXPECT_ERROR(x.permute({0, 1, 3}), "permute", "out of range");
    EXPECT_ERROR(x.transpose(0, 3), "transpose", "out of range");
    EXPECT_ERROR(x.t(), "t", "<= 2 dimensions", "[2, 3, 4]");
}

// ---- squeeze, unsqueeze, expand --------------------------------------------------------------------------
TEST(Squeeze, AndUnsqueezeWithNegativeDims) {
    Tensor x = iota({1, 3, 1, 2});
    EXPECT_EQ(x.squeeze().sizes().vec(), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(x.squeeze(0).sizes().vec(), (std::vector<int64_t>{3, 1, 2}));
    EXPECT_EQ(x.squeeze(-2).sizes().vec(), (std::vector<int64_t>{1, 3, 2}));
    EXPECT_EQ(x.squeeze(1).sizes().vec(), (std::vector<int64_t>{1, 3, 1, 2}));  // size 3: unchanged
    EXPECT_EQ(x.squeeze().storage(), x.storage());
    Tensor y = iota({3, 2});
    EXPECT_EQ(y.unsqueeze(0).sizes().vec(), (std::vector<int64_t>{1, 3, 2}));
    EXPECT_EQ(y.unsqueeze(-1).sizes().vec(), (std::vector<int64_t>{3, 2, 1}));
    EXPECT_EQ(y.unsqueeze(-2).sizes().vec(), (std::vector<int64_t>{3, 1, 2}));
    EXPECT_EQ(y.unsqueeze(2).sizes().vec(), (std::vector<int64_t>{3, 2, 1}));
    EXPECT_EQ(y.t().unsqueeze(1).storage(), y.storage());  // no copy on a strided tensor either
    EXPECT_EQ(scalar_tensor(2.0).unsqueeze(0).sizes().vec(), (std::vector<int64_t>{1}));
    EXPECT_ERROR(y.unsqueeze(3), "unsqueeze", "out of range");
    EXPECT_ERROR(y.unsqueeze(-4), "unsqueeze", "out of range");
    EXPECT_ERROR(y.squeeze(2), "squeeze", "out of range");
}

TEST(Expand, StrideZeroAndErrors) {
    Tensor x = tensor({{1.0}, {2.0}});  // [2, 1]
    Tensor e = x.expand({3, 2, 4});
    EXPECT_EQ(e.sizes().vec(), (std::vector<int64_t>{3, 2, 4}));
    EXPECT_EQ(e.strides().vec(), (std::vector<int64_t>{0, 1, 0}));
    EXPECT_EQ(e.storage(), x.storage());
    EXPECT_EQ(e.at<double>({2, 1, 3}), 2.0);
    EXPECT_EQ(x.expand({-1, 5}).sizes().vec(), (std::vector<int64_t>{2, 5}));
    EXPECT_EQ(x.expand_as(zeros({2, 2})).sizes().vec(), (std::vector<int64_t>{2, 2}));
    EXPECT_TRUE(x.expand({2, 1}).is_same(x));
    EXPECT_EQ(values(x.expand({2, 3})), (std::vector<double>{1, 1, 1, 2, 2, 2}));
    EXPECT_ERROR(x.expand({3, 4}), "expand", "expanded size of the tensor (3) must match the existing size (2)",
                 "[3, 4]", "[2, 1]");
    EXPECT_ERROR(x.expand({4}), "expand", "number of sizes provided (1)", "(2)");
    EXPECT_ERROR(x.expand({-1, 2, 3}), "expand", "-1 is not allowed");
}

// ---- slicing views ------------------------------------------------------------------------------------
TEST(Slice, BoundsAndStep) {
    Tensor x = iota({10});
    EXPECT_EQ(values(x.slice(0, 2, 5)), (std::vector<double>{2, 3, 4}));
    EXPECT_EQ(values(x.slice(0, -3)), (std::vector<double>{7, 8, 9}));
    EXPECT_EQ(values(x.slice(0, std::nullopt, -8)), (std::vector<double>{0, 1}));
    EXPECT_EQ(values(x.slice(0, -100, 100)), values(x));  // clamped, as Python slices
    EXPECT_EQ(x.slice(0, 7, 3).numel(), 0);                 // empty, not an error
    EXPECT_EQ(x.slice(0, 20, 30).numel(), 0);
    EXPECT_EQ(values(x.slice(0, 1, std::nullopt, 3)), (std::vector<double>{1, 4, 7}));
    EXPECT_EQ(values(x.slice(0, 1, 8, 3)), (std::vector<double>{1, 4, 7}));
    EXPECT_EQ(values(x.slice(0, 1, 7, 3)), (std::vector<double>{1, 4}));
    Tensor s = x.slice(0, 2, std::nullopt, 2);
    EXPECT_EQ(s.storage(), x.storage());
    EXPECT_EQ(s.data_ptr<double>(), x.data_ptr<double>() + 2);
    EXPECT_EQ(s.stride(0), 2);
    Tensor m = iota({4, 5});
    Tensor ms = m.slice(-1, 1, 4);
    EXPECT_EQ(ms.sizes().vec(), (std::vector<int64_t>{4, 3}));
    EXPECT_EQ(address_of(ms, {2, 1}), address_of(m, {2, 2}));
    EXPECT_ERROR(x.slice(0, 0, 5, 0), "slice", "step must be positive");
    EXPECT_ERROR(x.slice(0, 0, 5, -1), "slice", "step must be positive");
    EXPECT_ERROR(x.slice(1), "slice", "out of range");
    EXPECT_ERROR(scalar_tensor(1.0).slice(0), "slice", "0-dim");
}

TEST(Narrow, AndSelect) {
    Tensor m = iota({4, 5});
    Tensor n = m.narrow(1, 1, 3);
    EXPECT_EQ(n.sizes().vec(), (std::vector<int64_t>{4, 3}));
    EXPECT_EQ(n.data_ptr<double>(), m.data_ptr<double>() + 1);
    EXPECT_EQ(values(m.narrow(0, -2, 2)), values(m.slice(0, 2, 4)));
    EXPECT_ERROR(m.narrow(1, 3, 3), "narrow", "exceeds dimension size (5)");
    EXPECT_ERROR(m.narrow(0, 5, 0), "narrow", "out of range");

    Tensor r = m.select(0, 2);
    EXPECT_EQ(r.sizes().vec(), (std::vector<int64_t>{5}));
    EXPECT_EQ(r.data_ptr<double>(), m.data_ptr<double>() + 2 * 5);
    EXPECT_EQ(values(r), (std::vector<double>{10, 11, 12, 13, 14}));
    Tensor c = m.select(1, -1);
    EXPECT_EQ(values(c), (std::vector<double>{4, 9, 14, 19}));
    EXPECT_EQ(c.stride(0), 5);
    EXPECT_EQ(values(m[3]), (std::vector<double>{15, 16, 17, 18, 19}));
    EXPECT_EQ(m[1][2].dim(), 0);
    EXPECT_EQ(m[1][2].item<double>(), 7);
    EXPECT_ERROR(m.select(0, 4), "select", "index 4 out of range", "[4, 5]", "dimension 0");
    EXPECT_ERROR(m.select(1, -6), "select", "index -6 out of range");
    EXPECT_THROW(m.select(0, 4), IndexError);
    EXPECT_ERROR(scalar_tensor(1.0).select(0, 0), "select", "0-dim");
}

TEST(Flatten, AndUnflatten) {
    Tensor x = iota({2, 3, 4, 5});
    EXPECT_EQ(x.flatten().sizes().vec(), (std::vector<int64_t>{120}));
    EXPECT_EQ(x.flatten(1).sizes().vec(), (std::vector<int64_t>{2, 60}));
    EXPECT_EQ(x.flatten(1, 2).sizes().vec(), (std::vector<int64_t>{2, 12, 5}));
    EXPECT_EQ(x.flatten(-2, -1).sizes().vec(), (std::vector<int64_t>{2, 3, 20}));
    EXPECT_TRUE(x.flatten(2, 2).is_same(x));
    EXPECT_EQ(x.flatten(1).storage(), x.storage());
    EXPECT_EQ(scalar_tensor(1.0).flatten().sizes().vec(), (std::vector<int64_t>{1}));
    Tensor xt = x.transpose(1, 2);  // flattening dims 1..2 of this must copy
    EXPECT_EQ(values(xt.flatten(1, 2)), values(xt.contiguous().flatten(1, 2)));
    EXPECT_ERROR(x.flatten(2, 1), "flatten", "start_dim");

    Tensor f = iota({2, 12});
    EXPECT_EQ(f.unflatten(1, {3, 4}).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(f.unflatten(-1, {-1, 6}).sizes().vec(), (std::vector<int64_t>{2, 2, 6}));
    EXPECT_EQ(f.unflatten(0, {1, 2}).storage(), f.storage());
    EXPECT_ERROR(f.unflatten(1, {5, -1}), "unflatten", "invalid for input of size 12");
}

// ---- views share storage, never copy --------------------------------------------------------------------
TEST(Views, ShareStorageAndWriteThrough) {
    Tensor x = iota({3, 4});
    const std::vector<Tensor> views = {
        x.view({4, 3}), x.reshape({12}), x.t(), x.transpose(0, 1), x.permute({1, 0}), x.unsqueeze(1),
        x.unsqueeze(0).squeeze(0), x.slice(1, 1, 3), x.narrow(0, 1, 2), x.select(1, 2), x.flatten(),
        x.unflatten(1, {2, 2}), x.select(0, 0).expand({5, 4}), x.contiguous(),
    };
    for (const Tensor& v : views) {
        EXPECT_EQ(v.storage(), x.storage()) << "shape " << shape_str(v.sizes());
        EXPECT_EQ(v.storage().get(), x.storage().get());
    }
    EXPECT_TRUE(x.contiguous().is_same(x));
    // A write through a chain of views lands in the base.
    x.t().slice(0, 2, 3).select(1, 1).fill_(100.0);  // element [1, 2]
    EXPECT_EQ(x.at<double>({1, 2}), 100.0);
    EXPECT_EQ(x.sum().item<double>(), 66.0 - 6.0 + 100.0);
    // Views bump the shared version counter.
    const uint32_t v0 = x._version();
    x.select(0, 0).mul_(2);
    EXPECT_EQ(x._version(), v0 + 1);
}

TEST(Views, ChainOnANonContiguousBase) {
    manual_seed(0);
    Tensor dense = randn({4, 6}, kFloat64);
    Tensor base = noncontiguous_like(dense);  // strides (12, 2), NaN in between
    ASSERT_FALSE(base.is_contiguous());
    // The same chain on the strided base and on a contiguous copy must give the same values.
    auto chain = [](const Tensor& t) {
        return t.t()                          // [6, 4]
            .slice(0, 1, 6, 2)                // rows 1, 3, 5: [3, 4]
            .unsqueeze(0)                     // [1, 3, 4]
            .expand({2, -1, -1})              // [2, 3, 4]
            .select(2, -1)                    // [2, 3]
            .permute({1, 0})                  // [3, 2]
            .narrow(0, 1, 2);                 // [2, 2]
    };
    Tensor v = chain(base), ref = chain(dense);
    EXPECT_EQ(v.storage(), base.storage());
    EXPECT_TRUE(allclose(v, ref, 0, 0));
    EXPECT_EQ(v.at<double>({0, 1}), dense.at<double>({3, 3}));
    EXPECT_TRUE(allclose(v.contiguous(), ref, 0, 0));
    EXPECT_TRUE(allclose(v.reshape({4}), ref.reshape({4}), 0, 0));
    EXPECT_TRUE(allclose(v * 2, ref * 2, 0, 0));
    EXPECT_FALSE(std::isnan(v.sum().item<double>()));
}

TEST(Clone, AndContiguousCopyToNewStorage) {
    Tensor x = iota({2, 3});
    Tensor c = x.clone();
    EXPECT_NE(c.storage(), x.storage());
    EXPECT_EQ(values(c), values(x));
    c.fill_(0.0);
    EXPECT_EQ(x.at<double>({1, 2}), 5.0);
    Tensor t = x.t();
    Tensor tc = t.contiguous();
    EXPECT_NE(tc.storage(), x.storage());
    EXPECT_TRUE(tc.is_contiguous());
    EXPECT_EQ(values(tc), (std::vector<double>{0, 3, 1, 4, 2, 5}));
    // A clone of a strided view is contiguous and has only the view's elements.
    Tensor nc = noncontiguous_like(x);
    Tensor ncc = nc.clone();
    EXPECT_TRUE(ncc.is_contiguous());
    EXPECT_EQ(ncc.storage()->nbytes(), 6 * sizeof(double));
    EXPECT_EQ(values(ncc), values(x));
}

// ---- cat and stack ---------------------------------------------------------------------------------------
TEST(Cat, ValuesDimsAndPromotion) {
    Tensor a = iota({2, 3}), b = iota({1, 3}) + 100;
    Tensor c0 = cat({a, b});
    EXPECT_EQ(c0.sizes().vec(), (std::vector<int64_t>{3, 3}));
    EXPECT_EQ(values(c0), (std::vector<double>{0, 1, 2, 3, 4, 5, 100, 101, 102}));
    Tensor c1 = cat({a, iota({2, 1}) + 10}, -1);
    EXPECT_EQ(values(c1), (std::vector<double>{0, 1, 2, 10, 3, 4, 5, 11}));
    // Strided inputs, an empty input, one input.
    EXPECT_EQ(values(cat({a.t(), a.t()}, 1)), (std::vector<double>{0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5}));
    EXPECT_EQ(cat({a, zeros({0, 3}, kFloat64)}).sizes().vec(), (std::vector<int64_t>{2, 3}));
    Tensor single = cat({a});
    EXPECT_NE(single.storage(), a.storage());
    EXPECT_EQ(values(single), values(a));
    // Promotion: int64 with float32 gives float32; bool with int32 gives int32.
    Tensor p = cat({tensor({1, 2}), tensor({0.5f})});
    EXPECT_EQ(p.dtype(), kFloat32);
    EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1, 2, 0.5f}));
    EXPECT_EQ(cat({tensor({true}), tensor({7}, kInt32)}).dtype(), kInt32);
}

TEST(Cat, ErrorsNameShapes) {
    Tensor a = zeros({2, 3});
    EXPECT_ERROR(cat({a, zeros({2, 4})}, 0), "cat", "sizes of tensors must match except in dimension 0",
                 "[2, 3]", "[2, 4]", "tensor number 1");
    EXPECT_ERROR(cat({a, zeros({2, 3, 1})}), "cat", "same number of dimensions", "[2, 3]", "[2, 3, 1]");
    EXPECT_ERROR(cat({}), "cat", "non-empty");
    EXPECT_ERROR(cat({scalar_tensor(1.0), scalar_tensor(2.0)}), "cat", "zero-dimensional");
    EXPECT_ERROR(cat({a, a}, 2), "cat", "out of range");
    EXPECT_ERROR(cat({a, Tensor{}}), "cat", "undefined");
}

TEST(Stack, NewDim) {
    Tensor a = iota({2, 3}), b = iota({2, 3}) + 10;
    Tensor s0 = stack({a, b});
    EXPECT_EQ(s0.sizes().vec(), (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(values(s0.select(0, 1)), values(b));
    Tensor s2 = stack({a, b}, 2);
    EXPECT_EQ(s2.sizes().vec(), (std::vector<int64_t>{2, 3, 2}));
    EXPECT_EQ(s2.at<double>({1, 2, 1}), 15.0);
    EXPECT_EQ(stack({a, b}, -1).sizes().vec(), (std::vector<int64_t>{2, 3, 2}));
    EXPECT_EQ(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).sizes().vec(), (std::vector<int64_t>{2}));
    EXPECT_ERROR(stack({a, zeros({3, 2})}), "stack", "equal size", "[2, 3]", "[3, 2]");
    EXPECT_ERROR(stack({a, b}, 3), "stack", "out of range");
}

// ---- gradients through every view and join ---------------------------------------------------------------
// The table (kShapeGradCases) is in tests/ops/shape_cases.h.
class ShapeGrad : public ::testing::TestWithParam<ShapeGradCase> {};

TEST_P(ShapeGrad, Gradcheck) {
    const ShapeGradCase& c = GetParam();
    manual_seed(0);
    Tensor x = rand(c.shape, kFloat64).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(c.fn, {x})) << c.name;
    // Also from a non-contiguous leaf.
    Tensor nc = noncontiguous_like(rand(c.shape, kFloat64)).requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(c.fn, {nc})) << c.name << " (non-contiguous input)";
    // The gradient has the input's shape.
    Tensor g = grad({c.fn({x}).sum()}, {x})[0];
    EXPECT_TRUE(g.sizes() == x.sizes()) << c.name;
}

TEST_P(ShapeGrad, Gradgradcheck) {
    const ShapeGradCase& c = GetParam();
    if (!c.gradgrad) GTEST_SKIP() << c.name << ": gradgradcheck not in this row";
    manual_seed(1);
    Tensor x = rand(c.shape, kFloat64).requires_grad_(true);
    // Square the view, so that the second derivative is not zero.
    Fn squared = [&](const std::vector<Tensor>& in) {
        Tensor v = c.fn(in);
        return v * v;
    };
    EXPECT_TRUE(gradgradcheck_ok(squared, {x})) << c.name;
    EXPECT_TRUE(gradgradcheck_ok(c.fn, {x})) << c.name << " (linear)";
}

INSTANTIATE_TEST_SUITE_P(Table, ShapeGrad, ::testing::ValuesIn(kShapeGradCases),
                         [](const ::testing::TestParamInfo<ShapeGradCase>& info) { return std::string(info.param.name); });

TEST(ShapeGrad, CatAndStack) {
    manual_seed(2);
    Tensor a = leaf({2, 3}), b = leaf({1, 3}), c = leaf({2, 2});
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& x) { return cat({x[0], x[1]}, 0); }, {a, b}));
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& x) { return cat({x[0], x[1], x[0]}, -1); }, {a, c}));
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& x) { return stack({x[0], x[1]}, 1); }, {a, a.detach().clone().requires_grad_(true)}));
    EXPECT_TRUE(gradgradcheck_ok([](const std::vector<Tensor>& x) {
        Tensor y = cat({x[0], x[1]}, 0);
        return y * y;
    }, {a, b}));
    // A constant input among them gets no gradient; mixed dtypes come back in each input's dtype.
    Tensor k = ones({1, 3});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& x) { return cat({k, x[0]}, 0); }, {a}));
    Tensor f32 = ones({1, 3}).requires_grad_(true);
    Tensor y = cat({a, f32});
    EXPECT_EQ(y.dtype(), kFloat64);
    y.sum().backward();
    EXPECT_EQ(f32.grad().dtype(), kFloat32);
    EXPECT_EQ(f32.grad().to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(ShapeGrad, ExpandSumsTheGradient) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    Tensor y = x.unsqueeze(1).expand({2, 3});
    (y * tensor({1.0, 2.0, 3.0})).sum().backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6.0, 6.0}));
}

TEST(ShapeGrad, ViewsRecordPyTorchNodeNames) {
    Tensor x = leaf({2, 3});
    EXPECT_STREQ(x.view({6}).grad_fn()->name(), "ViewBackward0");
    EXPECT_STREQ(x.t().grad_fn()->name(), "TransposeBackward0");
    EXPECT_STREQ(x.permute({1, 0}).grad_fn()->name(), "PermuteBackward0");
    EXPECT_STREQ(x.slice(0, 1).grad_fn()->name(), "SliceBackward0");
    EXPECT_STREQ(x.select(0, 1).grad_fn()->name(), "SelectBackward0");
    EXPECT_STREQ(x.unsqueeze(0).expand({2, 2, 3}).grad_fn()->name(), "ExpandBackward0");
    EXPECT_STREQ(cat({x, x}).grad_fn()->name(), "CatBackward0");
    EXPECT_STREQ(x.clone().grad_fn()->name(), "CloneBackward0");
}

}  // namespace
}  // namespace tinydl
