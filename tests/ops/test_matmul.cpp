// test_matmul.cpp — mm, bmm and matmul against a float64 triple loop, on contiguous,
// transposed and NaN-strided inputs, plus gradcheck, K = 0 and the error messages.
//
// One table row per matmul rule (1-D·1-D, 1-D·2-D, 2-D·1-D, 2-D·2-D, batched with broadcast
// batch dims, N-D·2-D folded into one mm, 2-D·N-D); every row runs every check.
#include <algorithm>
#include <vector>

#include "src/cpu/gemm.h"  // internal: the GEMM builds, tested one by one below
#include "tests/ops/matmul_cases.h"  // the table, shared with tests/cuda/test_tables_matmul.cpp
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::allclose;
using testing::gradcheck_ok;
using testing::gradgradcheck_ok;
using testing::noncontiguous_like;

// ---- the oracle ---------------------------------------------------------------------------------
// torch.matmul on plain arrays, written without any tinydl op: a 1-D left operand is a row
// [1, K], a 1-D right operand a column [K, 1], batch dims (all but the last two) broadcast, and
// the added dims are dropped from the result again.
Tensor reference_matmul(const Tensor& a, const Tensor& b) {
    const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
    std::vector<int64_t> as(a.sizes().begin(), a.sizes().end()), bs(b.sizes().begin(), b.sizes().end());
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
    const std::vector<int64_t> ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
    const size_t nb = std::max(ba.size(), bb.size());
    auto size_at = [nb](const std::vector<int64_t>& s, size_t i) {  // right-aligned, 1 when missing
        return i < nb - s.size() ? int64_t{1} : s[i - (nb - s.size())];
    };
    std::vector<int64_t> batch(nb);
    for (size_t i = 0; i < nb; ++i) batch[i] = std::max(size_at(ba, i), size_at(bb, i));
    int64_t n_batch = 1;
    for (int64_t s : batch) n_batch *= s;

    std::vector<double> out(n_batch * M * N, 0.0);
    for (int64_t flat = 0; flat < n_batch; ++flat) {
        // Batch coordinates of `flat`, then each operand's matrix number (size-1 dims repeat).
        int64_t rest = flat, ia = 0, ib = 0, stride_a = 1, stride_b = 1;
        for (size_t i = nb; i-- > 0;) {
            const int64_t c = rest % batch[i];
            rest /= batch[i];
            const int64_t sa = size_at(ba, i), sb = size_at(bb, i);
            ia += (sa == 1 ? 0 : c) * stride_a;
            ib += (sb == 1 ? 0 : c) * stride_b;
            stride_a *= sa;
            stride_b *= sb;
        }
        for (int64_t m = 0; m < M; ++m)
            for (int64_t n = 0; n < N; ++n) {
                double acc = 0.0;
                for (int64_t k = 0; k < K; ++k) acc += av[(ia * M + m) * K + k] * bv[(ib * K + k) * N + n];
                out[(flat * M + m) * N + n] = acc;
            }
    }
    std::vector<int64_t> out_shape = batch;
    if (!a_vec) out_shape.push_back(M);
    if (!b_vec) out_shape.push_back(N);
    return tensor(out, kFloat64).reshape(out_shape);
}

// ---- the table (kMatmulCases) is in tests/ops/matmul_cases.h ---------------------------------------
Tensor random_of(const std::vector<int64_t>& shape, DType dtype) { return randn(shape, dtype); }

Tensor leaf_of(const std::vector<int64_t>& shape) { return randn(shape, kFloat64).requires_grad_(true); }

// The same values as t, stored with the last two dims swapped (a transposed view): the layout a
// GEMM reads as column-major with no copy.
Tensor transposed_like(const Tensor& t) {
    if (t.dim() < 2) return t;
    Tensor base = t.transpose(-1, -2).contiguous();
    return base.transpose(-1, -2);
}

class MatmulTable : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulTable, ForwardMatchesReferenceFloat64AndFloat32) {
    const MatmulCase& c = GetParam();
    manual_seed(1);
    const Tensor a = random_of(c.a, kFloat64), b = random_of(c.b, kFloat64);
    const Tensor expected = reference_matmul(a, b);
    const Tensor out = matmul(a, b);
    EXPECT_EQ(out.dtype(), kFloat64);
    EXPECT_TRUE(allclose(out, expected, 1e-12, 1e-12));
    const Tensor out32 = matmul(a.to(kFloat32), b.to(kFloat32));
    EXPECT_EQ(out32.dtype(), kFloat32);
    EXPECT_TRUE(allclose(out32, expected, 1e-5, 1e-5));
    EXPECT_TRUE(allclose(a.matmul(b), expected, 1e-12, 1e-12));  // the method
}

TEST_P(MatmulTable, NoncontiguousInputs) {
    const MatmulCase& c = GetParam();
    manual_seed(2);
    const Tensor a = random_of(c.a, kFloat32), b = random_of(c.b, kFloat32);
    const Tensor expected = reference_matmul(a, b);
    const Tensor an = noncontiguous_like(a), bn = noncontiguous_like(b);
    EXPECT_TRUE(allclose(matmul(an, bn), expected, 1e-5, 1e-5));
    EXPECT_TRUE(allclose(matmul(an, b), expected, 1e-5, 1e-5));
    EXPECT_TRUE(allclose(matmul(a, bn), expected, 1e-5, 1e-5));
}

TEST_P(MatmulTable, TransposedInputs) {
    const MatmulCase& c = GetParam();
    manual_seed(3);
    const Tensor a = random_of(c.a, kFloat64), b = random_of(c.b, kFloat64);
    const Tensor expected = reference_matmul(a, b);
    const Tensor at = transposed_like(a), bt = transposed_like(b);
    EXPECT_TRUE(allclose(matmul(at, bt), expected, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(matmul(at, b), expected, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(matmul(a, bt), expected, 1e-12, 1e-12));
}

TEST_P(MatmulTable, Gradcheck) {
    const MatmulCase& c = GetParam();
    manual_seed(4);
    const Tensor a = leaf_of(c.a), b = leaf_of(c.b);
    auto fn = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
    EXPECT_TRUE(gradcheck_ok(fn, {a, b}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {a, b}));
    // With transposed and NaN-strided leaves too: backward must not depend on the layout.
    const Tensor at = transposed_like(a).detach().requires_grad_(true);
    const Tensor bn = noncontiguous_like(b).detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(fn, {at, bn}));
}

INSTANTIATE_TEST_SUITE_P(Rules, MatmulTable, ::testing::ValuesIn(kMatmulCases),
                         [](const ::testing::TestParamInfo<MatmulCase>& info) {
                             return std::string(info.param.name);
                         });

// ---- mm and bmm directly ------------------------------------------------------------------------
TEST(Mm, GradgradcheckAndNodeName) {
    manual_seed(5);
    const Tensor a = leaf_of({3, 4}), b = leaf_of({4, 2});
    EXPECT_STREQ(mm(a, b).grad_fn()->name(), "MmBackward0");
    auto fn = [](const std::vector<Tensor>& in) { return mm(in[0], in[1]); };
    EXPECT_TRUE(gradcheck_ok(fn, {a, b}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {a, b}));
}

TEST(Bmm, GradgradcheckAndNodeName) {
    manual_seed(6);
    const Tensor a = leaf_of({2, 3, 4}), b = leaf_of({2, 4, 2});
    EXPECT_STREQ(bmm(a, b).grad_fn()->name(), "BmmBackward0");
    EXPECT_TRUE(allclose(a.bmm(b), reference_matmul(a, b), 1e-12, 1e-12));
    auto fn = [](const std::vector<Tensor>& in) { return bmm(in[0], in[1]); };
    EXPECT_TRUE(gradcheck_ok(fn, {a, b}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {a, b}));
}

TEST(Mm, GradientOnlyForTheInputThatNeedsIt) {
    manual_seed(7);
    const Tensor a = leaf_of({3, 4});
    const Tensor b = randn({4, 2}, kFloat64);  // no grad
    const Tensor g = randn({3, 2}, kFloat64);
    mm(a, b).backward(g);
    EXPECT_TRUE(allclose(a.grad(), reference_matmul(g, b.t().contiguous()), 1e-12, 1e-12));
    EXPECT_FALSE(b.grad().defined());
}

// Note [Gradient layout] in src/ops/matmul.cpp: a column-major operand (Linear's w.t()) gets its
// gradient column-major too, so the weight's gradient arrives in the weight's own layout.
TEST(Mm, GradientOfAColumnMajorOperandKeepsItsLayout) {
    manual_seed(8);
    const Tensor x = leaf_of({5, 4}), w = leaf_of({3, 4});
    const Tensor wt = w.t(), xt = leaf_of({4, 3}).t();  // both column-major views
    const Tensor g = randn({5, 3}, kFloat64);
    const auto grads = tinydl::grad({mm(x, wt)}, {wt}, {g});
    EXPECT_EQ(grads[0].strides(), wt.strides());
    EXPECT_TRUE(allclose(grads[0], reference_matmul(x.t().contiguous(), g), 1e-12, 1e-12));
    const Tensor h = randn({3, 2}, kFloat64);
    const Tensor b = leaf_of({4, 2});
    const auto ga = tinydl::grad({mm(xt, b)}, {xt}, {h});
    EXPECT_EQ(ga[0].strides(), xt.strides());
    EXPECT_TRUE(allclose(ga[0], reference_matmul(h, b.t().contiguous()), 1e-12, 1e-12));
    // And the leaf w receives a contiguous gradient with the right values.
    mm(x, wt).backward(g);
    EXPECT_TRUE(w.grad().is_contiguous());
    EXPECT_TRUE(allclose(w.grad(), reference_matmul(g.t().contiguous(), x), 1e-12, 1e-12));
    auto fn = [](const std::vector<Tensor>& in) { return mm(in[0], in[1].t()); };
    EXPECT_TRUE(gradcheck_ok(fn, {x, w}));
    EXPECT_TRUE(gradgradcheck_ok(fn, {x, w}));
}

TEST(Matmul, BroadcastBatchGradientIsSummed) {
    // [3, 4] x [2, 4, 5]: a is used by both batch entries, so its gradient is the sum of both.
    manual_seed(8);
    const Tensor a = leaf_of({3, 4}), b = leaf_of({2, 4, 5});
    const Tensor g = randn({2, 3, 5}, kFloat64);
    matmul(a, b).backward(g);
    const Tensor expected =
        reference_matmul(g[0], b[0].t().contiguous()) + reference_matmul(g[1], b[1].t().contiguous());
    EXPECT_TRUE(allclose(a.grad(), expected, 1e-12, 1e-12));
}

TEST(Mm, IntegerDtypes) {
    const Tensor a = arange(0, 12, 1, kInt64).reshape({3, 4});
    const Tensor b = arange(-4, 4, 1, kInt64).reshape({4, 2});
    const Tensor out = mm(a, b);
    EXPECT_EQ(out.dtype(), kInt64);
    EXPECT_TRUE(allclose(out, reference_matmul(a, b), 0, 0));
    const Tensor out32 = mm(a.to(kInt32), b.to(kInt32).t().contiguous().t());
    EXPECT_EQ(out32.dtype(), kInt32);
    EXPECT_TRUE(allclose(out32, reference_matmul(a, b), 0, 0));
}

TEST(Mm, LargerThanOneBlock) {
    // Sizes past Eigen's cache blocks and over its threading threshold, none a multiple of 8.
    manual_seed(9);
    const Tensor a = randn({67, 129}), b = randn({129, 93});
    EXPECT_TRUE(allclose(mm(a, b), reference_matmul(a, b), 1e-4, 1e-4));
    EXPECT_TRUE(allclose(mm(a.t().contiguous().t(), b), reference_matmul(a, b), 1e-4, 1e-4));
}

TEST(Mm, OneProductSplitIntoSlabsAcrossThreads) {
    // Large enough for several tasks: row slabs when M >= N, column slabs otherwise, with each
    // operand row- or column-major. 3 threads make slab edges that are not halves.
    const int previous = get_num_threads();
    set_num_threads(3);
    manual_seed(14);
    for (const auto& [M, N] : {std::pair<int64_t, int64_t>{230, 130}, {130, 230}}) {
        const Tensor a = randn({M, 100}, kFloat64), b = randn({100, N}, kFloat64);
        const Tensor expected = reference_matmul(a, b);
        EXPECT_TRUE(allclose(mm(a, b), expected, 1e-12, 1e-12)) << M << "x" << N;
        EXPECT_TRUE(allclose(mm(transposed_like(a), transposed_like(b)), expected, 1e-12, 1e-12))
            << M << "x" << N;
        EXPECT_TRUE(allclose(mm(a, transposed_like(b)), expected, 1e-12, 1e-12)) << M << "x" << N;
        EXPECT_TRUE(allclose(bmm(a.unsqueeze(0), transposed_like(b).unsqueeze(0)), expected.unsqueeze(0),
                             1e-12, 1e-12));
    }
    set_num_threads(previous);
}

TEST(Bmm, ManySmallMatricesAndASharedOperand) {
    // 40 small products run across threads; b expanded over the batch has batch stride 0.
    manual_seed(10);
    const Tensor a = randn({40, 9, 7}, kFloat64);
    const Tensor b = randn({7, 5}, kFloat64);
    const Tensor shared = b.unsqueeze(0).expand({40, 7, 5});
    EXPECT_EQ(shared.stride(0), 0);
    EXPECT_TRUE(allclose(bmm(a, shared), reference_matmul(a, b), 1e-12, 1e-12));
    EXPECT_TRUE(allclose(bmm(a, shared.contiguous()), reference_matmul(a, b), 1e-12, 1e-12));
}

TEST(Bmm, BatchSplitAcrossThreads) {
    // 64 products of 32^3 multiply-adds: small enough that bmm runs whole products per thread.
    manual_seed(12);
    const Tensor a = randn({64, 32, 32}, kFloat64), b = randn({64, 32, 32}, kFloat64);
    EXPECT_TRUE(allclose(bmm(a, b), reference_matmul(a, b), 1e-12, 1e-12));
    EXPECT_TRUE(allclose(bmm(a.transpose(1, 2), b), reference_matmul(a.transpose(1, 2), b), 1e-12, 1e-12));
}

TEST(Matmul, BatchedLeftOperandThatCannotFold) {
    // [2, 3, 4] whose leading dims do not merge (a permuted view): the batched path, not the fold.
    manual_seed(11);
    const Tensor base = randn({3, 2, 4}, kFloat64);
    const Tensor a = base.transpose(0, 1);  // [2, 3, 4], strides [4, 8, 1]
    const Tensor b = randn({4, 5}, kFloat64);
    EXPECT_TRUE(allclose(matmul(a, b), reference_matmul(a, b), 1e-12, 1e-12));
    EXPECT_TRUE(allclose(matmul(a, b.select(1, 0)), reference_matmul(a, b.select(1, 0)), 1e-12, 1e-12));
    // A size-1 dim with an odd stride between dims that do not merge: [2, 1, 3, 4], strides [60, 12, 4, 1].
    const Tensor c = randn({2, 5, 3, 4}, kFloat64).slice(1, 0, 1);
    EXPECT_TRUE(allclose(matmul(c, b), reference_matmul(c, b), 1e-12, 1e-12));
    // And a foldable one with padded rows (a slice of the last dim): [2, 3, 4] with strides [18, 6, 1].
    const Tensor d = randn({2, 3, 6}, kFloat64).slice(2, 1, 5);
    EXPECT_TRUE(allclose(matmul(d, b), reference_matmul(d, b), 1e-12, 1e-12));
}

TEST(Gemm, EveryBuildThisCpuRunsMatchesTheReference) {
    // mm uses only the fastest GEMM build the CPU supports; check the others directly, in
    // every pair of storage orders, with leading dimensions larger than the rows they hold.
    std::vector<const cpu::GemmVariant*> variants = {&cpu::gemm_baseline()};
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    if (cpu::gemm_avx2() != nullptr && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        variants.push_back(cpu::gemm_avx2());
#endif
    RecordProperty("gemm_variant", cpu::gemm_variant().name);
    manual_seed(13);
    const int64_t M = 37, N = 29, K = 45, pad = 3;
    const Tensor a = randn({M, K}, kFloat64), b = randn({K, N}, kFloat64);
    const Tensor expected = reference_matmul(a, b);
    // `t` (rows x cols) stored row-major or column-major inside a padded block; returns the block.
    auto store = [&](const Tensor& t, bool row_major, DType dtype) {
        const Tensor src = row_major ? t : t.t();
        Tensor block = zeros({src.size(0), src.size(1) + pad}, dtype);
        block.slice(1, 0, src.size(1)).copy_(src);
        return block;
    };
    for (const cpu::GemmVariant* v : variants) {
        for (bool a_row : {true, false}) {
            for (bool b_row : {true, false}) {
                const int64_t lda = (a_row ? K : M) + pad, ldb = (b_row ? N : K) + pad;
                const Tensor a64 = store(a, a_row, kFloat64), b64 = store(b, b_row, kFloat64);
                const int64_t ldc = N + pad;  // c is written into a padded block too
                Tensor out64 = zeros({M, ldc}, kFloat64);
                v->f64(out64.data_ptr<double>(), a64.data_ptr<double>(), b64.data_ptr<double>(), M, N, K, ldc,
                       lda, a_row, ldb, b_row);
                EXPECT_TRUE(allclose(out64.slice(1, 0, N), expected, 1e-12, 1e-12))
                    << v->name << " a_row " << a_row << " b_row " << b_row;
                EXPECT_TRUE(
                    allclose(out64.slice(1, N), zeros({M, pad}, kFloat64), 0, 0));  // padding untouched
                const Tensor a32 = store(a, a_row, kFloat32), b32 = store(b, b_row, kFloat32);
                Tensor out32 = zeros({M, ldc}, kFloat32);
                v->f32(out32.data_ptr<float>(), a32.data_ptr<float>(), b32.data_ptr<float>(), M, N, K, ldc,
                       lda, a_row, ldb, b_row);
                EXPECT_TRUE(allclose(out32.slice(1, 0, N), expected, 1e-4, 1e-4))
                    << v->name << " a_row " << a_row << " b_row " << b_row;
            }
        }
    }
}

TEST(Matmul, EmptyInnerDimensionGivesZeros) {
    const Tensor a = randn({3, 0}), b = randn({0, 4});
    const Tensor out = mm(a, b);
    EXPECT_EQ(out.sizes(), IntArrayRef({3, 4}));
    EXPECT_TRUE(allclose(out, zeros({3, 4}), 0, 0));
    EXPECT_TRUE(allclose(bmm(randn({2, 3, 0}), randn({2, 0, 4})), zeros({2, 3, 4}), 0, 0));
    EXPECT_TRUE(allclose(matmul(randn({0}), randn({0})), zeros({}), 0, 0));
    EXPECT_TRUE(allclose(matmul(randn({2, 3, 0}), randn({0, 4})), zeros({2, 3, 4}), 0, 0));
    // Empty outer dims give empty results.
    EXPECT_EQ(mm(randn({0, 3}), randn({3, 4})).sizes(), IntArrayRef({0, 4}));
    EXPECT_EQ(matmul(randn({0, 2, 3}), randn({3, 4})).sizes(), IntArrayRef({0, 2, 4}));
    // The gradients are zeros and empties of the right shapes.
    const Tensor x = zeros({3, 0}, kFloat64).requires_grad_(true);
    const Tensor y = zeros({0, 4}, kFloat64).requires_grad_(true);
    mm(x, y).backward(ones({3, 4}, kFloat64));
    EXPECT_EQ(x.grad().sizes(), IntArrayRef({3, 0}));
    EXPECT_EQ(y.grad().sizes(), IntArrayRef({0, 4}));
}

TEST(Matmul, Errors) {
    const Tensor a23 = randn({2, 3}), b45 = randn({4, 5});
    EXPECT_ERROR(mm(a23, b45), "mm: ", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
    EXPECT_ERROR(matmul(a23, b45), "matmul: ", "[2, 3]", "[4, 5]", "inner dimensions differ (3 vs 4)",
                 "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
    EXPECT_ERROR(matmul(randn({2, 3, 5}), b45), "matmul", "[2, 3, 5]", "(6x5 and 4x5)");
    EXPECT_ERROR(matmul(randn({3}), randn({4})), "matmul", "[3]", "[4]", "(3 vs 4)");
    EXPECT_ERROR(matmul(randn({2, 3, 4}), randn({5, 4, 2})), "matmul", "[2, 3, 4]", "[5, 4, 2]",
                 "do not broadcast");
    EXPECT_ERROR(matmul(randn({}), randn({3})), "matmul", "at least 1D", "0D and 1D");
    EXPECT_ERROR(mm(randn({3}), randn({3, 2})), "mm", "mat1 must be a matrix", "[3]");
    EXPECT_ERROR(mm(randn({2, 3}), randn({3, 2, 1})), "mm", "mat2 must be a matrix", "[3, 2, 1]");
    EXPECT_ERROR(bmm(randn({3, 4}), randn({2, 4, 5})), "bmm", "batch1 must be a 3D tensor", "[3, 4]");
    EXPECT_ERROR(bmm(randn({2, 3, 4}), randn({3, 4, 5})), "bmm", "[2, 4]", "[3, 4]");
    EXPECT_ERROR(bmm(randn({2, 3, 4}), randn({2, 5, 5})), "bmm", "[2, 4]", "[2, 5]");
    EXPECT_ERROR(mm(randn({2, 3}), randn({3, 2}, kFloat64)), "mm",
                 "expected m1 and m2 to have the same dtype, but got: float32 != float64");
    EXPECT_ERROR(matmul(randn({2, 3}), randn({3}, kFloat64)), "matmul", "same dtype");
    EXPECT_ERROR(mm(ones({2, 2}, kBool), ones({2, 2}, kBool)), "mm", "dtype bool is not supported");
    // The exception classes let callers tell shape from dtype mistakes.
    EXPECT_THROW(mm(a23, b45), ShapeError);
    EXPECT_THROW(matmul(a23, b45), ShapeError);
    EXPECT_THROW(mm(randn({2, 3}), randn({3, 2}, kFloat64)), TypeError);
    EXPECT_THROW(mm(Tensor{}, b45), Error);
}

}  // namespace
}  // namespace tinydl
