// test_index.cpp — index_select, index_add, gather, scatter_add, embedding and one_hot:
// forward against hand-computed results (on contiguous, transposed and NaN-strided inputs, int64
// and int32 indices), gradcheck with repeated indices, and the bounds, shape and dtype errors.
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::allclose;
using testing::gradcheck_ok;
using testing::gradgradcheck_ok;
using testing::leaf;
using testing::noncontiguous_like;

// x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
Tensor x34() { return arange(0, 12, 1, kFloat32).reshape({3, 4}); }
Tensor idx(std::vector<int64_t> values, DType dtype = kInt64) { return tensor(values).to(dtype); }

// A transposed view with the same values as t (2-D): strides [1, rows].
Tensor transposed_like(const Tensor& t) { return t.t().contiguous().t(); }

// ---- index_select -------------------------------------------------------------------------------
TEST(IndexSelect, PicksRowsAndColumns) {
    const Tensor rows = index_select(x34(), 0, idx({2, 0, 2}));
    EXPECT_TRUE(
        allclose(rows, tensor({{8.f, 9.f, 10.f, 11.f}, {0.f, 1.f, 2.f, 3.f}, {8.f, 9.f, 10.f, 11.f}}), 0, 0));
    const Tensor cols = x34().index_select(1, idx({3, 1}, kInt32));
    EXPECT_TRUE(allclose(cols, tensor({{3.f, 1.f}, {7.f, 5.f}, {11.f, 9.f}}), 0, 0));
    EXPECT_TRUE(allclose(index_select(x34(), -1, idx({3, 1})), cols, 0, 0));  // negative dim
    EXPECT_EQ(index_select(x34(), 0, idx({})).sizes(), IntArrayRef({0, 4}));  // no indices
}

TEST(IndexSelect, MiddleDimOf3DAndOtherDtypes) {
    const Tensor x = arange(0, 24, 1, kInt64).reshape({2, 3, 4});
    const Tensor out = index_select(x, 1, idx({1, 1}));
    EXPECT_EQ(out.dtype(), kInt64);
    EXPECT_EQ(out.to_vector<int64_t>(),
              (std::vector<int64_t>{4, 5, 6, 7, 4, 5, 6, 7, 16, 17, 18, 19, 16, 17, 18, 19}));
    const Tensor flags = tensor(std::vector<bool>{true, false, true});
    EXPECT_EQ(index_select(flags, 0, idx({1, 2})).to_vector<bool>(), (std::vector<bool>{false, true}));
}

TEST(IndexSelect, NoncontiguousInputsAndScalar) {
    const Tensor expected = index_select(x34(), 1, idx({3, 0, 3}));
    EXPECT_TRUE(allclose(index_select(noncontiguous_like(x34()), 1, idx({3, 0, 3})), expected, 0, 0));
    EXPECT_TRUE(allclose(index_select(transposed_like(x34()), 1, idx({3, 0, 3})), expected, 0, 0));
    const Tensor strided_index = idx({3, 9, 0, 9, 3, 9}).slice(0, 0, std::nullopt, 2);  // {3, 0, 3}
    EXPECT_TRUE(allclose(index_select(x34(), 1, strided_index), expected, 0, 0));
    // A 0-dim input takes one index and stays 0-dim, as in PyTorch.
    const Tensor s = index_select(tensor(5.0f), 0, idx({0}));
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.item<float>(), 5.0f);
}

TEST(IndexSelect, Gradcheck) {
    manual_seed(1);
    const Tensor x = leaf({4, 3});
    const Tensor i = idx({2, 0, 2, 3, 2});  // repeated rows accumulate
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, i); }, {x}));
    EXPECT_TRUE(gradcheck_ok(
        [&](const std::vector<Tensor>& in) {
            return index_select(in[0], 1, idx({1, 1}, kInt32));
        },
        {x}));
    EXPECT_TRUE(
        gradgradcheck_ok([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, i); }, {x}));
    EXPECT_STREQ(index_select(x, 0, i).grad_fn()->name(), "IndexSelectBackward0");
}

// ---- index_add ----------------------------------------------------------------------------------
TEST(IndexAdd, RepeatedIndicesAccumulate) {
    const Tensor x = ones({4, 2});
    const Tensor source = tensor({{1.f, 2.f}, {3.f, 4.f}, {5.f, 6.f}});
    const Tensor out = index_add(x, 0, idx({0, 2, 0}), source);
    EXPECT_TRUE(allclose(out, tensor({{7.f, 9.f}, {1.f, 1.f}, {4.f, 5.f}, {1.f, 1.f}}), 0, 0));
    EXPECT_TRUE(allclose(x, ones({4, 2}), 0, 0));  // out-of-place: x is untouched
    // Along dim 1, with a transposed source and an int32 index.
    const Tensor out1 =
        index_add(zeros({2, 3}), 1, idx({2, 2}, kInt32), transposed_like(tensor({{1.f, 2.f}, {3.f, 4.f}})));
    EXPECT_TRUE(allclose(out1, tensor({{0.f, 0.f, 3.f}, {0.f, 0.f, 7.f}}), 0, 0));
}

TEST(IndexAdd, Gradcheck) {
    manual_seed(2);
    const Tensor x = leaf({4, 3}), source = leaf({5, 3});
    const Tensor i = idx({1, 3, 1, 0, 1});
    auto fn = [&](const std::vector<Tensor>& in) { return index_add(in[0], 0, i, in[1]); };
    EXPECT_TRUE(gradcheck_ok(fn, {x, source}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {x, source}));
    const Tensor source1 = leaf({4, 2});
    EXPECT_TRUE(gradcheck_ok(
        [&](const std::vector<Tensor>& in) {
            return index_add(in[0], 1, idx({2, 0}), in[1]);
        },
        {x, source1}));
}

// ---- gather -------------------------------------------------------------------------------------
TEST(Gather, PyTorchDocExampleAndDim0) {
    const Tensor x = tensor({{1.f, 2.f}, {3.f, 4.f}});
    const Tensor i = tensor({{0, 0}, {1, 0}});
    EXPECT_TRUE(allclose(gather(x, 1, i), tensor({{1.f, 1.f}, {4.f, 3.f}}), 0, 0));
    EXPECT_TRUE(allclose(gather(x, 0, i), tensor({{1.f, 2.f}, {3.f, 2.f}}), 0, 0));
    EXPECT_TRUE(allclose(x.gather(0, i.to(kInt32)), tensor({{1.f, 2.f}, {3.f, 2.f}}), 0, 0));
}

TEST(Gather, IndexSmallerThanInputAndStridedOperands) {
    // index [2, 2] into x [3, 4] along dim 1: out[r][c] = x[r][index[r][c]] for r < 2.
    const Tensor i = tensor({{3, 0}, {1, 1}});
    const Tensor expected = tensor({{3.f, 0.f}, {5.f, 5.f}});
    EXPECT_TRUE(allclose(gather(x34(), 1, i), expected, 0, 0));
    EXPECT_TRUE(allclose(gather(noncontiguous_like(x34()), 1, i), expected, 0, 0));
    EXPECT_TRUE(allclose(gather(transposed_like(x34()), 1, i), expected, 0, 0));
    EXPECT_TRUE(allclose(gather(x34(), 1, noncontiguous_like(i)), expected, 0, 0));
    EXPECT_TRUE(allclose(gather(x34(), 1, transposed_like(i)), expected, 0, 0));
    // 0-dim input and index.
    EXPECT_EQ(gather(tensor(7.0f), 0, tensor(int64_t{0})).item<float>(), 7.0f);
    EXPECT_EQ(gather(x34(), 0, zeros({0, 4}, kInt64)).sizes(), IntArrayRef({0, 4}));
}

TEST(Gather, Gradcheck) {
    manual_seed(3);
    const Tensor x = leaf({3, 4});
    const Tensor i = tensor({{0, 2, 2}, {1, 0, 2}});  // repeats within rows
    auto fn = [&](const std::vector<Tensor>& in) { return gather(in[0], 0, i); };
    EXPECT_TRUE(gradcheck_ok(fn, {x}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {x}));
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return gather(in[0], 1, i); }, {x}));
    EXPECT_STREQ(gather(x, 0, i).grad_fn()->name(), "GatherBackward0");
}

// ---- scatter_add --------------------------------------------------------------------------------
TEST(ScatterAdd, HandComputed) {
    // out[index[i][j]][j] += src[i][j] (dim 0)
    const Tensor i = tensor({{0, 1, 2, 0, 0}, {2, 0, 0, 1, 2}});
    const Tensor out = scatter_add(zeros({3, 5}), 0, i, ones({2, 5}));
    EXPECT_TRUE(allclose(
        out, tensor({{1.f, 1.f, 1.f, 1.f, 1.f}, {0.f, 1.f, 0.f, 1.f, 0.f}, {1.f, 0.f, 1.f, 0.f, 1.f}}), 0,
        0));
    // Repeated targets accumulate; src larger than index: its extra elements are ignored.
    const Tensor src = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
    const Tensor out1 = ones({2, 2}).scatter_add(1, tensor({{1, 1}}), src);
    EXPECT_TRUE(allclose(out1, tensor({{1.f, 4.f}, {1.f, 1.f}}), 0, 0));
    EXPECT_TRUE(
        allclose(scatter_add(ones({2, 2}), 1, tensor({{1, 1}}), noncontiguous_like(src)), out1, 0, 0));
    EXPECT_TRUE(allclose(scatter_add(ones({2, 2}), 1, tensor({{1, 1}}).to(kInt32), transposed_like(src)),
                         out1, 0, 0));
    EXPECT_TRUE(
        allclose(scatter_add(noncontiguous_like(ones({2, 2})), 1, tensor({{1, 1}}), src), out1, 0, 0));
}

TEST(ScatterAdd, Gradcheck) {
    manual_seed(4);
    const Tensor x = leaf({3, 4}), src = leaf({3, 4});
    const Tensor i = tensor({{0, 2, 2}, {1, 0, 2}});  // smaller than src: the rest gets zero gradient
    auto fn = [&](const std::vector<Tensor>& in) { return scatter_add(in[0], 0, i, in[1]); };
    EXPECT_TRUE(gradcheck_ok(fn, {x, src}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {x, src}));
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return scatter_add(in[0], 1, i, in[1]); },
                             {x, src}));
    EXPECT_STREQ(scatter_add(x, 0, i, src).grad_fn()->name(), "ScatterAddBackward0");
}

// ---- embedding ----------------------------------------------------------------------------------
TEST(Embedding, ShapeValuesAndAccumulatedGradient) {
    const Tensor w = arange(0, 15, 1, kFloat64).reshape({5, 3}).requires_grad_(true);
    const Tensor ids = tensor({{0, 2}, {2, 4}});
    const Tensor out = embedding(w, ids);
    EXPECT_EQ(out.sizes(), IntArrayRef({2, 2, 3}));
    EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{0, 1, 2, 6, 7, 8, 6, 7, 8, 12, 13, 14}));
    const Tensor g = arange(0, 12, 1, kFloat64).reshape({2, 2, 3});
    out.backward(g);
    // Row 2 was used twice: its gradient is the sum of both upstream rows.
    EXPECT_TRUE(allclose(
        w.grad(), tensor({{0., 1., 2.}, {0., 0., 0.}, {9., 11., 13.}, {0., 0., 0.}, {9., 10., 11.}}), 0, 0));
    EXPECT_EQ(embedding(w, tensor(int64_t{4})).sizes(), IntArrayRef({3}));  // 0-dim indices
    EXPECT_EQ(embedding(w, ids.to(kInt32)).to_vector<double>(), out.to_vector<double>());
    EXPECT_EQ(embedding(w, noncontiguous_like(ids)).to_vector<double>(), out.to_vector<double>());
    const Tensor ids_t = tensor({{0, 1}, {3, 4}}).t();  // [[0, 3], [1, 4]], strided
    EXPECT_EQ(embedding(w, ids_t).to_vector<double>(),
              (std::vector<double>{0, 1, 2, 9, 10, 11, 3, 4, 5, 12, 13, 14}));
}

TEST(Embedding, Gradcheck) {
    manual_seed(5);
    const Tensor w = leaf({4, 3});
    const Tensor ids = tensor({{1, 3, 1}, {0, 1, 1}});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return embedding(in[0], ids); }, {w}));
}

// ---- sizes large enough to split across threads -------------------------------------------------
TEST(IndexLarge, MatchNaiveLoops) {
    manual_seed(6);
    const int64_t N = 100, D = 700, n = 50;
    const Tensor w = randn({N, D}, kFloat64);
    const Tensor ids = randint(0, N, {n});
    const std::vector<int64_t> iv = ids.to_vector<int64_t>();
    const std::vector<double> wv = w.to_vector<double>();
    // index_select rows, then index_add them back (embedding forward and backward).
    const std::vector<double> picked = index_select(w, 0, ids).to_vector<double>();
    const Tensor source = randn({n, D}, kFloat64);
    const std::vector<double> sv = source.to_vector<double>();
    std::vector<double> added = wv;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t d = 0; d < D; ++d) {
            ASSERT_EQ(picked[i * D + d], wv[iv[i] * D + d]);
            added[iv[i] * D + d] += sv[i * D + d];
        }
    EXPECT_TRUE(
        allclose(index_add(w, 0, ids, source), tensor(added, kFloat64).reshape({N, D}), 1e-12, 1e-12));
    // gather along dim 1 with 70,000 indices, and scatter_add them back.
    const Tensor gi = randint(0, D, {N, D});
    const std::vector<int64_t> giv = gi.to_vector<int64_t>();
    const std::vector<double> gathered = gather(w, 1, gi).to_vector<double>();
    std::vector<double> scattered(N * D, 0.0);
    for (int64_t r = 0; r < N; ++r)
        for (int64_t c = 0; c < D; ++c) {
            ASSERT_EQ(gathered[r * D + c], wv[r * D + giv[r * D + c]]);
            scattered[r * D + giv[r * D + c]] += wv[r * D + c];
        }
    EXPECT_TRUE(allclose(scatter_add(zeros({N, D}, kFloat64), 1, gi, w),
                         tensor(scattered, kFloat64).reshape({N, D}), 1e-12, 1e-12));
}

// ---- one_hot ------------------------------------------------------------------------------------
TEST(OneHot, ValuesShapesAndInference) {
    const Tensor out = one_hot(tensor({0, 2, 1}));
    EXPECT_EQ(out.dtype(), kInt64);
    EXPECT_EQ(out.sizes(), IntArrayRef({3, 3}));
    EXPECT_EQ(out.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
    EXPECT_EQ(one_hot(tensor({0, 2, 1}), 5).sizes(), IntArrayRef({3, 5}));
    const Tensor two_d = one_hot(tensor({{1, 0}, {0, 1}}).to(kInt32), 2);
    EXPECT_EQ(two_d.sizes(), IntArrayRef({2, 2, 2}));
    EXPECT_EQ(two_d.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 0, 1, 0, 0, 1}));
    EXPECT_EQ(one_hot(zeros({0}, kInt64), 4).sizes(), IntArrayRef({0, 4}));
}

// ---- errors -------------------------------------------------------------------------------------
TEST(IndexErrors, OutOfBounds) {
    const Tensor x = randn({5, 3});
    EXPECT_ERROR(index_select(x, 0, idx({1, 7})),
                 "index_select: index 7 is out of bounds for dimension 0 with size 5");
    EXPECT_ERROR(index_select(x, 1, idx({-1})),
                 "index_select: index -1 is out of bounds for dimension 1 with size 3");
    EXPECT_ERROR(index_add(x, 0, idx({5}), randn({1, 3})),
                 "index_add: index 5 is out of bounds for dimension 0 with size 5");
    EXPECT_ERROR(gather(x, 1, tensor({{0, 3}})),
                 "gather: index 3 is out of bounds for dimension 1 with size 3");
    EXPECT_ERROR(gather(x, 0, tensor({{-1}})),
                 "gather: index -1 is out of bounds for dimension 0 with size 5");
    EXPECT_ERROR(scatter_add(x, 0, tensor({{9}}), randn({1, 1})),
                 "scatter_add: index 9 is out of bounds for dimension 0 with size 5");
    EXPECT_ERROR(embedding(x, tensor({{0, 5}})),
                 "embedding: index 5 is out of bounds for dimension 0 with size 5");
    EXPECT_ERROR(one_hot(tensor({0, 3}), 3), "one_hot", "smaller than num_classes (3)", "got 3");
    EXPECT_ERROR(one_hot(tensor({0, -2})), "one_hot", "non-negative", "-2");
    EXPECT_THROW(index_select(x, 0, idx({5})), IndexError);
    EXPECT_THROW(gather(x, 0, tensor({{-1}})), IndexError);
    EXPECT_THROW(index_select(x, 2, idx({0})), IndexError);  // dim out of range
}

TEST(IndexErrors, Dtypes) {
    const Tensor x = randn({5, 3});
    EXPECT_ERROR(index_select(x, 0, tensor({1.f})), "index_select", "int64 or int32", "float32");
    EXPECT_ERROR(gather(x, 0, ones({1, 1}, kFloat64)), "gather", "float64");
    EXPECT_ERROR(scatter_add(x, 0, ones({1, 1}, kUInt8), randn({1, 1})), "scatter_add", "uint8");
    EXPECT_ERROR(index_add(x, 0, ones({1}, kBool), randn({1, 3})), "index_add", "bool");
    EXPECT_ERROR(embedding(x, tensor({1.5})), "embedding", "float64");
    EXPECT_ERROR(one_hot(tensor({1.f})), "one_hot", "float32");
    EXPECT_ERROR(scatter_add(x, 0, tensor({{0}}), randn({1, 1}, kFloat64)), "scatter_add", "float32",
                 "float64");
    EXPECT_ERROR(index_add(x, 0, idx({0}), randn({1, 3}, kFloat64)), "index_add", "float32", "float64");
    EXPECT_THROW(index_select(x, 0, tensor({1.f})), TypeError);
    EXPECT_THROW(scatter_add(x, 0, tensor({{0}}), randn({1, 1}, kFloat64)), TypeError);
}

TEST(IndexErrors, Shapes) {
    const Tensor x = randn({5, 3});
    EXPECT_ERROR(index_select(x, 0, tensor({{0, 1}})), "index_select", "vector", "[1, 2]");
    EXPECT_ERROR(gather(x, 0, tensor({0})), "gather", "same number of dimensions", "[1]", "[5, 3]");
    EXPECT_ERROR(gather(x, 0, zeros({2, 4}, kInt64)), "gather", "dimension 1", "[2, 4]", "[5, 3]");
    EXPECT_ERROR(scatter_add(x, 0, zeros({2, 2}, kInt64), randn({1, 2})), "scatter_add", "[2, 2]", "src",
                 "[1, 2]");
    EXPECT_ERROR(index_add(x, 0, idx({0, 1}), randn({3, 3})), "index_add", "number of indices (2)", "(3)");
    EXPECT_ERROR(index_add(x, 0, idx({0}), randn({1, 4})), "index_add", "[1, 4]", "[5, 3]");
    EXPECT_ERROR(embedding(randn({5}), tensor({0})), "embedding", "2-D", "[5]");
    EXPECT_ERROR(one_hot(zeros({0}, kInt64)), "one_hot", "empty tensor");
    EXPECT_THROW(gather(x, 0, tensor({0})), ShapeError);
}

}  // namespace
}  // namespace tinydl
