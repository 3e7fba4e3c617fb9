// test_loss.cpp — the losses of nn::functional (src/ops/loss.cpp, src/cpu/loss.cpp) and the
// loss modules (src/nn/loss.cpp).
//
// Every oracle here is a float64 plain loop written the textbook way, sharing nothing with the
// kernels' [A, C, B] layout:
//   1. cross_entropy / nll_loss with class indices: a grid of options (shape [C], [N, C] and
//      K-dim [N, C, d1, d2]; weight; ignore_index out of and in the class range; label smoothing;
//      every reduction), forward vs the loop reference and gradcheck; gradgradcheck through the
//      composite path; the fused gradient vs the composite one.
//   2. cross_entropy with class probabilities (weight, smoothing, reductions), gradcheck for the
//      input and the target.
//   3. One table for the elementwise losses (mse, l1, smooth_l1, huber, bce, bce with logits,
//      kl_div; in tests/nn/loss_cases.h, shared with the CUDA test tests/cuda/test_tables_loss.cpp):
//      forward on shapes {}, {1}, {7, 13}, non-contiguous and broadcast inputs, for each
//      reduction; gradcheck; gradgradcheck.
//   4. Stability at logits ~ 1000, all-ignored targets (NaN mean, as PyTorch), empty batches,
//      float32 vs float64, node names, error messages; then the modules.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/nn/loss_cases.h"
#include "tests/support/test_utils.h"
#include "tinydl/nn/loss.h"

namespace tinydl {
namespace {

namespace F = nn::functional;
using nn::Reduction;
using ::tinydl::testing::allclose;
using ::tinydl::testing::gradcheck_ok;
using ::tinydl::testing::gradgradcheck_ok;
using ::tinydl::testing::noncontiguous_like;

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

// ---- float64 references for the class-index losses ----------------------------------------------
// x: [C], [N, C] or [N, C, d...]; target: input's shape without dim 1 (or []); w: empty or C values.
// from_logits: cross entropy (log_softmax first) rather than nll_loss.
Tensor ref_class_loss(const Tensor& x, const Tensor& target, const std::vector<double>& w, int64_t ignore_index,
                      double e, Reduction reduction, bool from_logits) {
    const std::vector<double> v = x.to_vector<double>();
    const std::vector<int64_t> t = target.to_vector<int64_t>();
    const int64_t C = x.dim() == 1 ? x.size(0) : x.size(1);
    const int64_t N = x.dim() == 1 ? 1 : x.size(0);
    int64_t D = 1;  // product of the extra dims
    for (int64_t d = 2; d < x.dim(); ++d) D *= x.size(d);
    auto weight = [&](int64_t c) { return w.empty() ? 1.0 : w[c]; };
    std::vector<double> losses;
    double total_weight = 0, total = 0;
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t k = 0; k < D; ++k) {
            const int64_t target_c = t[n * D + k];
            std::vector<double> logp(C);
            double mx = -INFINITY;
            for (int64_t c = 0; c < C; ++c) mx = std::max(mx, v[(n * C + c) * D + k]);
            double s = 0;
            for (int64_t c = 0; c < C; ++c) s += std::exp(v[(n * C + c) * D + k] - mx);
            for (int64_t c = 0; c < C; ++c)
                logp[c] = from_logits ? v[(n * C + c) * D + k] - mx - std::log(s) : v[(n * C + c) * D + k];
            double loss = 0;
            if (target_c != ignore_index) {
                loss = -(1 - e) * weight(target_c) * logp[target_c];
                for (int64_t c = 0; c < C; ++c) loss -= e / C * weight(c) * logp[c];
                total_weight += weight(target_c);
            }
            losses.push_back(loss);
            total += loss;
        }
    }
    if (reduction == Reduction::None) return tensor(losses, kFloat64).reshape(target.sizes());
    if (reduction == Reduction::Sum) return tensor(total, kFloat64);
    return tensor(total / total_weight, kFloat64);
}

// Class probabilities: loss_row = -sum_c w_c t'_c logp_c with t' = (1 - e) t + e / C.
Tensor ref_cross_entropy_probs(const Tensor& x, const Tensor& p, const std::vector<double>& w, double e,
                               Reduction reduction) {
    const std::vector<double> v = x.to_vector<double>(), pv = p.to_vector<double>();
    const int64_t C = x.dim() == 1 ? x.size(0) : x.size(1);
    const int64_t N = x.dim() == 1 ? 1 : x.size(0);
    const int64_t D = x.numel() / std::max<int64_t>(N * C, 1);
    std::vector<double> losses;
    std::vector<int64_t> row_shape;
    if (x.dim() > 1) row_shape.push_back(N);
    for (int64_t d = 2; d < x.dim(); ++d) row_shape.push_back(x.size(d));
    double total = 0;
    for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < D; ++k) {
            double mx = -INFINITY, s = 0, loss = 0;
            for (int64_t c = 0; c < C; ++c) mx = std::max(mx, v[(n * C + c) * D + k]);
            for (int64_t c = 0; c < C; ++c) s += std::exp(v[(n * C + c) * D + k] - mx);
            for (int64_t c = 0; c < C; ++c) {
                const double logp = v[(n * C + c) * D + k] - mx - std::log(s);
                const double target = (1 - e) * pv[(n * C + c) * D + k] + e / C;
                loss -= (w.empty() ? 1.0 : w[c]) * target * logp;
            }
            losses.push_back(loss);
            total += loss;
        }
    if (reduction == Reduction::None) return tensor(losses, kFloat64).reshape(row_shape);
    if (reduction == Reduction::Sum) return tensor(total, kFloat64);
    return tensor(total / static_cast<double>(N * D), kFloat64);
}

// ---- the class-index option grid ------------------------------------------------------------------
struct ClassCase {
    std::vector<int64_t> input_shape;
    bool weighted;
    int64_t ignore_index;
    double smoothing;
};

std::string describe(const ClassCase& c, Reduction r) {
    return shape_str(c.input_shape) + (c.weighted ? " weighted" : "") + " ignore_index=" + std::to_string(c.ignore_index) +
           " label_smoothing=" + std::to_string(c.smoothing) + " reduction=" + nn::reduction_name(r);
}

std::vector<ClassCase> class_cases() {
    std::vector<ClassCase> cases;
    for (std::vector<int64_t> shape : {std::vector<int64_t>{5}, {7, 5}, {3, 4, 2, 3}})
        for (bool weighted : {false, true})
            for (int64_t ignore : {-100, 1})
                for (double e : {0.0, 0.2}) cases.push_back({shape, weighted, ignore, e});
    return cases;
}

// Random targets in [0, C), with a few set to ignore_index when the shape has several rows.
Tensor make_target(const ClassCase& c) {
    const int64_t C = c.input_shape.size() == 1 ? c.input_shape[0] : c.input_shape[1];
    std::vector<int64_t> shape;
    if (c.input_shape.size() > 1) shape.push_back(c.input_shape[0]);
    for (size_t d = 2; d < c.input_shape.size(); ++d) shape.push_back(c.input_shape[d]);
    std::vector<int64_t> t = randint(0, C, shape).to_vector<int64_t>();
    if (t.size() > 1) t[1] = c.ignore_index;
    if (t.size() > 4) t[4] = c.ignore_index;
    t[0] = (c.ignore_index == 1) ? 2 : 1;  // keep one target valid (an all-ignored Mean is NaN)
    return tensor(t).reshape(shape);
}

std::vector<double> make_weight(const ClassCase& c) {
    if (!c.weighted) return {};
    const int64_t C = c.input_shape.size() == 1 ? c.input_shape[0] : c.input_shape[1];
    return (rand({C}, kFloat64) * 2 + 0.25).to_vector<double>();
}

Tensor weight_tensor(const std::vector<double>& w) { return w.empty() ? Tensor{} : tensor(w, kFloat64); }

class LossTest : public ::testing::Test {
  protected:
    void SetUp() override { manual_seed(0); }
};

using CrossEntropy = LossTest;
using NllLoss = LossTest;

TEST_F(CrossEntropy, ClassIndicesMatchTheReference) {
    for (const ClassCase& c : class_cases())
        for (Reduction r : kReductions) {
            Tensor x = randn(c.input_shape, kFloat64) * 2;
            Tensor t = make_target(c);
            std::vector<double> w = make_weight(c);
            Tensor y = F::cross_entropy(x, t, weight_tensor(w), c.ignore_index, r, c.smoothing);
            EXPECT_EQ(y.dtype(), kFloat64);
            EXPECT_TRUE(allclose(y, ref_class_loss(x, t, w, c.ignore_index, c.smoothing, r, true), 1e-12, 1e-13))
                << describe(c, r);
        }
}

TEST_F(CrossEntropy, ClassIndicesGradcheck) {
    for (const ClassCase& c : class_cases())
        for (Reduction r : kReductions) {
            Tensor x = (randn(c.input_shape, kFloat64) * 2).requires_grad_(true);
            Tensor t = make_target(c);
            Tensor w = weight_tensor(make_weight(c));
            auto f = [&](const std::vector<Tensor>& in) {
                return F::cross_entropy(in[0], t, w, c.ignore_index, r, c.smoothing);
            };
            EXPECT_TRUE(gradcheck_ok(f, {x})) << describe(c, r);
        }
}

TEST_F(CrossEntropy, GradgradcheckThroughTheCompositePath) {
    // Note [Double backward of the fused losses]: with create_graph the backward is composite.
    for (const ClassCase& c : {ClassCase{{4, 3}, false, -100, 0.0}, ClassCase{{3, 4, 2}, true, 1, 0.3},
                               ClassCase{{4}, true, -100, 0.1}})
        for (Reduction r : kReductions) {
            Tensor x = randn(c.input_shape, kFloat64).requires_grad_(true);
            Tensor t = make_target(c);
            Tensor w = weight_tensor(make_weight(c));
            auto f = [&](const std::vector<Tensor>& in) {
                return F::cross_entropy(in[0], t, w, c.ignore_index, r, c.smoothing);
            };
            EXPECT_TRUE(gradgradcheck_ok(f, {x})) << describe(c, r);
        }
}

TEST_F(CrossEntropy, FusedGradientEqualsTheCompositeGradient) {
    for (const ClassCase& c : class_cases())
        for (Reduction r : kReductions) {
            Tensor x = randn(c.input_shape, kFloat64).requires_grad_(true);
            Tensor t = make_target(c);
            Tensor w = weight_tensor(make_weight(c));
            Tensor y = F::cross_entropy(x, t, w, c.ignore_index, r, c.smoothing);
            Tensor g = randn(y.sizes(), kFloat64);
            Tensor fused = grad({y}, {x}, {g}, /*retain_graph=*/true, /*create_graph=*/false)[0];
            Tensor composite = grad({y}, {x}, {g}, true, /*create_graph=*/true)[0];
            EXPECT_TRUE(composite.requires_grad()) << describe(c, r);
            EXPECT_TRUE(allclose(fused, composite.detach(), 1e-12, 1e-14)) << describe(c, r);
        }
}

TEST_F(CrossEntropy, GradientIsSoftmaxMinusOnehot) {
    // Plain [N, C], no options: grad = (softmax(x) - onehot(t)) / N for Mean.
    Tensor x = randn({3, 4}, kFloat64).requires_grad_(true);
    Tensor t = tensor({3, 0, 2});
    F::cross_entropy(x, t).backward();
    Tensor expected = (softmax(x.detach(), 1) - one_hot(t, 4).to(kFloat64)) / 3.0;
    EXPECT_TRUE(allclose(x.grad(), expected, 1e-12, 1e-15));
}

TEST_F(CrossEntropy, ProbabilitiesMatchTheReference) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{5}, {7, 5}, {3, 4, 2, 3}})
        for (bool weighted : {false, true})
            for (double e : {0.0, 0.25})
                for (Reduction r : kReductions) {
                    const int64_t C = shape.size() == 1 ? shape[0] : shape[1];
                    Tensor x = randn(shape, kFloat64) * 2;
                    Tensor p = softmax(randn(shape, kFloat64), shape.size() == 1 ? 0 : 1);
                    std::vector<double> w;
                    if (weighted) w = (rand({C}, kFloat64) + 0.5).to_vector<double>();
                    Tensor y = F::cross_entropy(x, p, weight_tensor(w), -100, r, e);
                    EXPECT_TRUE(allclose(y, ref_cross_entropy_probs(x, p, w, e, r), 1e-12, 1e-13))
                        << shape_str(shape) << " weighted=" << weighted << " e=" << e << " " << r;
                    Tensor xl = x.detach().requires_grad_(true), pl = p.detach().requires_grad_(true);
                    Tensor wt = weight_tensor(w);
                    EXPECT_TRUE(gradcheck_ok(
                        [&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], in[1], wt, -100, r, e); },
                        {xl, pl}))
                        << shape_str(shape) << " weighted=" << weighted << " e=" << e << " " << r;
                }
}

TEST_F(CrossEntropy, OneHotProbabilitiesEqualClassIndices) {
    Tensor x = randn({6, 4}, kFloat64);
    Tensor t = tensor({0, 3, 1, 1, 2, 0});
    Tensor w = tensor({0.5, 1.0, 2.0, 1.5}, kFloat64);
    for (Reduction r : {Reduction::None, Reduction::Sum})
        EXPECT_TRUE(allclose(F::cross_entropy(x, one_hot(t, 4).to(kFloat64), w, -100, r, 0.1),
                             F::cross_entropy(x, t, w, -100, r, 0.1), 1e-12, 1e-14));
    // Without weight, Mean agrees too (both divide by N).
    EXPECT_TRUE(allclose(F::cross_entropy(x, one_hot(t, 4).to(kFloat64)), F::cross_entropy(x, t), 1e-12, 1e-14));
}

TEST_F(CrossEntropy, StableForLargeLogits) {
    for (DType dt : {kFloat32, kFloat64}) {
        Tensor base = tensor({{0.0, 1.0, 2.0}, {5.0, 5.0, 5.0}, {-3.0, 0.0, 1.0}}, kFloat64);
        Tensor t = tensor({2, 0, 1});
        Tensor ref = ref_class_loss(base, t, {}, -100, 0.0, Reduction::None, true);
        for (double shift : {1000.0, -1000.0}) {
            Tensor x = (base + shift).to(dt).requires_grad_(true);
            Tensor loss = F::cross_entropy(x, t, {}, -100, Reduction::None);
            EXPECT_TRUE(allclose(loss, ref, 1e-4, 1e-4)) << dt << " shift " << shift;
            loss.sum().backward();
            for (double v : x.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(v)) << dt << " shift " << shift;
            EXPECT_TRUE(allclose(x.grad(), softmax(base, 1) - one_hot(t, 3).to(kFloat64), 1e-4, 1e-4));
        }
        // One huge logit among small ones: finite, the others get probability 0.
        Tensor spike = tensor({{1000.0, 0.0, -1000.0}}, dt).requires_grad_(true);
        Tensor l = F::cross_entropy(spike, tensor({1}));
        EXPECT_NEAR(l.item<double>(), 1000.0, 1e-3);
        l.backward();
        EXPECT_TRUE(allclose(spike.grad(), tensor({{1.0, -1.0, 0.0}}, kFloat64), 0, 1e-6));
    }
    Tensor x = (randn({3, 4}, kFloat64) + 1000).detach().requires_grad_(true);
    Tensor t = tensor({0, 3, 1});
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t); }, {x}));
}

TEST_F(CrossEntropy, NaNLogitPoisonsItsRowOnly) {
    Tensor x = tensor({{1.0, std::nan(""), 0.0}, {1.0, 2.0, 3.0}}, kFloat64);
    std::vector<double> l = F::cross_entropy(x, tensor({0, 2}), {}, -100, Reduction::None).to_vector<double>();
    EXPECT_TRUE(std::isnan(l[0]));
    EXPECT_NEAR(l[1], ref_class_loss(x.slice(0, 1, 2), tensor({2}), {}, -100, 0.0, Reduction::Sum, true).item<double>(),
                1e-14);
}

TEST_F(CrossEntropy, AllTargetsIgnored) {
    // PyTorch: Mean of no targets is 0 / 0 = NaN; Sum is 0; None is all zeros. The gradient is 0.
    Tensor x = randn({3, 4}, kFloat64).requires_grad_(true);
    Tensor t = tensor({-100, -100, -100});
    Tensor mean_loss = F::cross_entropy(x, t);
    EXPECT_TRUE(std::isnan(mean_loss.item<double>()));
    mean_loss.backward();
    EXPECT_TRUE(allclose(x.grad(), zeros({3, 4}, kFloat64), 0, 0));
    EXPECT_EQ(F::cross_entropy(x, t, {}, -100, Reduction::Sum).item<double>(), 0.0);
    EXPECT_TRUE(allclose(F::cross_entropy(x, t, {}, -100, Reduction::None), zeros({3}, kFloat64), 0, 0));
    EXPECT_TRUE(std::isnan(F::nll_loss(x, t).item<double>()));
    // The composite (create_graph) gradient is 0 as well, not NaN.
    Tensor y = F::cross_entropy(x, t);
    Tensor g = grad({y}, {x}, {}, true, /*create_graph=*/true)[0];
    EXPECT_TRUE(allclose(g.detach(), zeros({3, 4}, kFloat64), 0, 0));
}

TEST_F(CrossEntropy, EmptyBatch) {
    Tensor x = zeros({0, 4}, kFloat64).requires_grad_(true);
    Tensor t = zeros({0}, kInt64);
    EXPECT_TRUE(std::isnan(F::cross_entropy(x, t).item<double>()));  // PyTorch: nan
    EXPECT_EQ(F::cross_entropy(x, t, {}, -100, Reduction::Sum).item<double>(), 0.0);
    EXPECT_EQ(F::cross_entropy(x, t, {}, -100, Reduction::None).sizes(), (IntArrayRef{0}));
    F::cross_entropy(x, t, {}, -100, Reduction::Sum).backward();
    EXPECT_EQ(x.grad().sizes(), (IntArrayRef{0, 4}));
}

TEST_F(CrossEntropy, NonContiguousInputs) {
    Tensor base = randn({5, 6}, kFloat64);
    Tensor t = tensor({0, 5, 2, 3, 1});
    for (Tensor x : {noncontiguous_like(base), base.t().contiguous().t()}) {
        ASSERT_FALSE(x.is_contiguous());
        x.requires_grad_(true);
        Tensor y = F::cross_entropy(x, t, {}, -100, Reduction::Mean, 0.1);
        EXPECT_TRUE(allclose(y, ref_class_loss(base, t, {}, -100, 0.1, Reduction::Mean, true), 1e-12, 1e-14));
        EXPECT_TRUE(gradcheck_ok(
            [&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, {}, -100, Reduction::Mean, 0.1); },
            {x}));
    }
    // A non-contiguous target and weight.
    Tensor tt = tensor({{0, 9}, {5, 9}, {2, 9}, {3, 9}, {1, 9}}).select(1, 0);
    Tensor w = noncontiguous_like(rand({6}, kFloat64) + 0.5);
    EXPECT_TRUE(allclose(F::cross_entropy(base, tt, w),
                         ref_class_loss(base, t, w.to_vector<double>(), -100, 0, Reduction::Mean, true), 1e-12, 1e-14));
}

TEST_F(CrossEntropy, Float32AgreesWithFloat64) {
    for (const ClassCase& c : class_cases())
        for (Reduction r : kReductions) {
            Tensor x = randn(c.input_shape, kFloat64) * 3;
            Tensor t = make_target(c);
            std::vector<double> w = make_weight(c);
            Tensor w64 = weight_tensor(w), w32 = w.empty() ? Tensor{} : w64.to(kFloat32);
            Tensor x64 = x.detach().requires_grad_(true), x32 = x.to(kFloat32).requires_grad_(true);
            Tensor y64 = F::cross_entropy(x64, t, w64, c.ignore_index, r, c.smoothing);
            Tensor y32 = F::cross_entropy(x32, t, w32, c.ignore_index, r, c.smoothing);
            EXPECT_EQ(y32.dtype(), kFloat32);
            EXPECT_TRUE(allclose(y32, y64, 1e-5, 1e-6)) << describe(c, r);
            y64.sum().backward();
            y32.sum().backward();
            EXPECT_EQ(x32.grad().dtype(), kFloat32);
            EXPECT_TRUE(allclose(x32.grad(), x64.grad(), 1e-5, 1e-6)) << describe(c, r);
        }
}

TEST_F(CrossEntropy, LargeBatchTakesTheParallelPath) {
    Tensor x = randn({3000, 17}, kFloat64);
    Tensor t = randint(0, 17, {3000});
    EXPECT_TRUE(allclose(F::cross_entropy(x, t, {}, -100, Reduction::None),
                         ref_class_loss(x, t, {}, -100, 0.0, Reduction::None, true), 1e-12, 1e-13));
    Tensor xl = x.detach().requires_grad_(true);
    F::cross_entropy(xl, t, {}, -100, Reduction::Sum).backward();
    EXPECT_TRUE(allclose(xl.grad(), softmax(x, 1) - one_hot(t, 17).to(kFloat64), 1e-12, 1e-14));
}

TEST_F(CrossEntropy, Int32TargetsAndMethodsOfTheOutput) {
    Tensor x = randn({4, 3}, kFloat64);
    Tensor t = tensor({2, 0, 1, 1});
    EXPECT_TRUE(allclose(F::cross_entropy(x, t.to(kInt32)), F::cross_entropy(x, t), 0, 0));
    EXPECT_TRUE(allclose(F::nll_loss(x, t.to(kInt32), {}, -100, Reduction::None),
                         F::nll_loss(x, t, {}, -100, Reduction::None), 0, 0));
    EXPECT_ERROR(F::cross_entropy(x, t.to(kBool)), "cross_entropy", "int64", "bool");
}

TEST_F(CrossEntropy, NodeNames) {
    Tensor x = testing::leaf({2, 3});
    EXPECT_STREQ(F::cross_entropy(x, tensor({0, 2})).grad_fn()->name(), "CrossEntropyLossBackward0");
    EXPECT_STREQ(F::nll_loss(x, tensor({0, 2})).grad_fn()->name(), "NllLossBackward0");
    EXPECT_EQ(F::cross_entropy(x.detach(), tensor({0, 2})).grad_fn(), nullptr);
}

TEST_F(CrossEntropy, ErrorMessages) {
    Tensor x = zeros({4, 10});
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 10, 2, 3})), "cross_entropy", "Target 10 is out of bounds.",
                 "10 classes");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, -5, 2, 3})), "cross_entropy", "Target -5 is out of bounds.");
    EXPECT_ERROR(F::nll_loss(x, tensor({1, 2, 2, 12})), "nll_loss", "Target 12 is out of bounds.", "10 classes");
    EXPECT_THROW(F::cross_entropy(x, tensor({1, 10, 2, 3})), IndexError);
    // ignore_index itself is never out of bounds.
    EXPECT_NO_THROW(F::cross_entropy(x, tensor({1, -7, 2, 3}), {}, -7));
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 2, 3, 4, 5})), "cross_entropy", "expected target of shape [4]",
                 "for input [4, 10]", "got [5]");
    EXPECT_ERROR(F::cross_entropy(zeros({2, 3, 5}), zeros({2, 3}, kInt64)), "cross_entropy", "[2, 5]", "[2, 3]");
    EXPECT_ERROR(F::cross_entropy(x, zeros({4})), "cross_entropy", "int64", "float32", "[4, 10]");
    EXPECT_ERROR(F::cross_entropy(x, zeros({4, 10}, kInt64)), "cross_entropy", "class probabilities", "int64");
    EXPECT_ERROR(F::cross_entropy(zeros({4, 10}, kInt64), tensor({1, 2, 3, 4})), "cross_entropy", "floating-point",
                 "int64");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 2, 3, 4}), ones({5})), "cross_entropy",
                 "weight tensor should be defined either for all 10 classes", "[5]");
    EXPECT_ERROR(F::cross_entropy(x, zeros({4, 10}), ones({5})), "cross_entropy", "all 10 classes", "[5]");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 2, 3, 4}), {}, -100, Reduction::Mean, 1.5), "cross_entropy",
                 "label_smoothing must be between 0.0 and 1.0", "1.5");
    EXPECT_ERROR(F::cross_entropy(zeros({}), zeros({}, kInt64)), "cross_entropy", "[N, C]");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 2, 3, 4}), {}, -100, Reduction::BatchMean), "cross_entropy",
                 "batchmean", "kl_div");
    EXPECT_ERROR(F::cross_entropy(Tensor{}, tensor({1})), "cross_entropy", "undefined");
    EXPECT_ERROR(F::nll_loss(x, zeros({4})), "nll_loss", "int64", "float32");
}

// ---- nll_loss ----------------------------------------------------------------------------------------
TEST_F(NllLoss, MatchesTheReferenceAndGradcheck) {
    for (const ClassCase& c : class_cases()) {
        if (c.smoothing != 0.0) continue;  // nll_loss has no label smoothing
        for (Reduction r : kReductions) {
            Tensor x = log_softmax(randn(c.input_shape, kFloat64), c.input_shape.size() == 1 ? 0 : 1);
            Tensor t = make_target(c);
            std::vector<double> w = make_weight(c);
            Tensor wt = weight_tensor(w);
            EXPECT_TRUE(allclose(F::nll_loss(x, t, wt, c.ignore_index, r),
                                 ref_class_loss(x, t, w, c.ignore_index, 0.0, r, false), 1e-12, 1e-14))
                << describe(c, r);
            Tensor xl = x.detach().requires_grad_(true);
            auto f = [&](const std::vector<Tensor>& in) { return F::nll_loss(in[0], t, wt, c.ignore_index, r); };
            EXPECT_TRUE(gradcheck_ok(f, {xl})) << describe(c, r);
            EXPECT_TRUE(gradgradcheck_ok([&](const std::vector<Tensor>& in) { return f({log_softmax(in[0], -1)}); },
                                         {xl}))
                << describe(c, r);
        }
    }
}

TEST_F(NllLoss, CrossEntropyIsLogSoftmaxThenNll) {
    Tensor x = randn({5, 4, 3}, kFloat64);
    Tensor t = randint(0, 4, {5, 3});
    Tensor w = rand({4}, kFloat64) + 0.5;
    for (Reduction r : kReductions)
        EXPECT_TRUE(allclose(F::cross_entropy(x, t, w, -100, r), F::nll_loss(log_softmax(x, 1), t, w, -100, r), 1e-12,
                             1e-14));
}

// ---- elementwise losses: one table (kElementwiseCases, in tests/nn/loss_cases.h) ----------------------
class ElementwiseLoss : public ::testing::TestWithParam<ElementwiseLossCase> {
  protected:
    void SetUp() override { manual_seed(0); }
    Tensor sample_x(IntArrayRef shape) const { return sample_input(GetParam(), shape); }
    Tensor sample_t(IntArrayRef shape) const { return sample_target(GetParam(), shape); }
};

// The reference of (x, t) already broadcast to one shape, reduced as asked.
Tensor ref_elementwise(const ElementwiseLossCase& c, const Tensor& x, const Tensor& t, Reduction r) {
    const DimVector shape = broadcast_shapes(x.sizes(), t.sizes());
    const std::vector<double> xv = x.expand(shape).contiguous().to_vector<double>();
    const std::vector<double> tv = t.expand(shape).contiguous().to_vector<double>();
    std::vector<double> out(xv.size());
    double total = 0;
    for (size_t i = 0; i < xv.size(); ++i) total += out[i] = c.ref(xv[i], tv[i]);
    if (r == Reduction::None) return tensor(out, kFloat64).reshape(shape);
    if (r == Reduction::Sum) return tensor(total, kFloat64);
    return tensor(total / static_cast<double>(xv.size()), kFloat64);
}

TEST_P(ElementwiseLoss, ForwardMatchesTheReference) {
    const ElementwiseLossCase& c = GetParam();
    for (std::vector<int64_t> shape : {std::vector<int64_t>{}, {1}, {7, 13}})
        for (Reduction r : kReductions) {
            Tensor x = sample_x(shape), t = sample_t(shape);
            EXPECT_TRUE(allclose(c.op(x, t, r), ref_elementwise(c, x, t, r), 1e-12, 1e-14))
                << c.name << " " << shape_str(shape) << " " << r;
        }
}

TEST_P(ElementwiseLoss, NonContiguousAndBroadcastInputs) {
    const ElementwiseLossCase& c = GetParam();
    Tensor x = sample_x({7, 13}), t = sample_t({7, 13});
    for (Reduction r : kReductions)
        EXPECT_TRUE(allclose(c.op(noncontiguous_like(x), noncontiguous_like(t), r), ref_elementwise(c, x, t, r), 1e-12,
                             1e-14))
            << c.name << " " << r;
    if (!c.broadcasts) return;
    Tensor t_row = sample_t({13});
    for (Reduction r : kReductions)
        EXPECT_TRUE(allclose(c.op(x, t_row, r), ref_elementwise(c, x, t_row, r), 1e-12, 1e-14)) << c.name << " " << r;
}

TEST_P(ElementwiseLoss, Float32AgreesWithFloat64) {
    const ElementwiseLossCase& c = GetParam();
    Tensor x = sample_x({7, 13}), t = sample_t({7, 13});
    for (Reduction r : kReductions) {
        Tensor y = c.op(x.to(kFloat32), t.to(kFloat32), r);
        EXPECT_EQ(y.dtype(), kFloat32);
        EXPECT_TRUE(allclose(y, c.op(x, t, r), 1e-5, 1e-6)) << c.name << " " << r;
    }
}

TEST_P(ElementwiseLoss, Gradcheck) {
    const ElementwiseLossCase& c = GetParam();
    for (Reduction r : kReductions) {
        Tensor x = sample_x({3, 4}).requires_grad_(true), t = sample_t({3, 4}).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], r); }, {x, t}))
            << c.name << " " << r;
        Tensor s = sample_x({}).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], r); },
                                 {s, sample_t({})}))
            << c.name << " 0-dim " << r;
    }
    if (c.broadcasts) {
        Tensor x = sample_x({3, 4}).requires_grad_(true), t = sample_t({4}).requires_grad_(true);
        EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], Reduction::Mean); },
                                 {x, t}))
            << c.name << " broadcast";
    }
}

TEST_P(ElementwiseLoss, Gradgradcheck) {
    const ElementwiseLossCase& c = GetParam();
    Tensor x = sample_x({2, 3}).requires_grad_(true), t = sample_t({2, 3}).requires_grad_(true);
    EXPECT_TRUE(gradgradcheck_ok([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1], Reduction::Sum); },
                                 {x, t}))
        << c.name;
}

TEST_P(ElementwiseLoss, EmptyInputMeanIsNaN) {
    const ElementwiseLossCase& c = GetParam();
    Tensor x = zeros({0, 3}, kFloat64) + (c.x_lo + c.x_hi) / 2, t = zeros({0, 3}, kFloat64) + (c.t_lo + c.t_hi) / 2;
    EXPECT_TRUE(std::isnan(c.op(x, t, Reduction::Mean).item<double>())) << c.name;
    EXPECT_EQ(c.op(x, t, Reduction::Sum).item<double>(), 0.0) << c.name;
    EXPECT_EQ(c.op(x, t, Reduction::None).sizes(), (IntArrayRef{0, 3})) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Table, ElementwiseLoss, ::testing::ValuesIn(kElementwiseCases),
                         [](const ::testing::TestParamInfo<ElementwiseLossCase>& info) {
                             return std::string(info.param.name);
                         });

// ---- options and special values of the elementwise losses --------------------------------------------
TEST_F(LossTest, MseLossGradientAndDoubleBackward) {
    Tensor x = tensor({1.0, 2.0, 4.0}, kFloat64).requires_grad_(true);
    Tensor t = tensor({0.0, 2.0, 1.0}, kFloat64);
    Tensor y = F::mse_loss(x, t);
    EXPECT_NEAR(y.item<double>(), (1.0 + 0 + 9) / 3, 1e-15);
    Tensor g = grad({y}, {x}, {}, true, /*create_graph=*/true)[0];
    EXPECT_TRUE(allclose(g.detach(), tensor({2.0 / 3, 0.0, 2.0}, kFloat64), 1e-15, 0));
    Tensor gg = grad({g.sum()}, {x})[0];  // d/dx sum(2 (x - t) / 3) = 2/3
    EXPECT_TRUE(allclose(gg, full({3}, 2.0 / 3, kFloat64), 1e-15, 0));
}

TEST_F(LossTest, BinaryCrossEntropyWeightAndClampedLogs) {
    Tensor x = tensor({{0.2, 0.7, 0.5}, {0.9, 0.1, 0.4}}, kFloat64);
    Tensor t = tensor({{0.0, 1.0, 1.0}, {1.0, 0.0, 0.3}}, kFloat64);
    Tensor w = tensor({0.5, 2.0, 1.0}, kFloat64);  // broadcast over rows
    std::vector<double> xv = x.to_vector<double>(), tv = t.to_vector<double>(), ref;
    for (size_t i = 0; i < xv.size(); ++i) ref.push_back(w.to_vector<double>()[i % 3] * ref_bce(xv[i], tv[i]));
    EXPECT_TRUE(allclose(F::binary_cross_entropy(x, t, w, Reduction::None), tensor(ref, kFloat64).reshape({2, 3}),
                         1e-12, 1e-14));
    Tensor xl = x.detach().requires_grad_(true), tl = t.detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], in[1], w); },
                             {xl, tl}));
    // x = 0 and x = 1: the logs are clamped to -100, so the loss is finite (PyTorch), and the
    // gradient w (x - t) / max(x (1 - x), 1e-12) is finite too.
    Tensor edge = tensor({0.0, 1.0, 0.0, 1.0}, kFloat64).requires_grad_(true);
    Tensor te = tensor({1.0, 0.0, 0.0, 1.0}, kFloat64);
    Tensor l = F::binary_cross_entropy(edge, te, {}, Reduction::None);
    EXPECT_TRUE(allclose(l, tensor({100.0, 100.0, 0.0, 0.0}, kFloat64), 0, 0));
    l.sum().backward();
    EXPECT_TRUE(allclose(edge.grad(), tensor({-1e12, 1e12, 0.0, 0.0}, kFloat64), 1e-12, 0));
}

TEST_F(LossTest, BinaryCrossEntropyWithLogitsWeightPosWeightAndStability) {
    Tensor x = randn({5, 3}, kFloat64) * 3, t = rand({5, 3}, kFloat64);
    Tensor w = rand({5, 1}, kFloat64) + 0.5, pw = tensor({0.5, 2.0, 3.0}, kFloat64);
    std::vector<double> xv = x.to_vector<double>(), tv = t.to_vector<double>(), wv = w.to_vector<double>(),
                        pv = pw.to_vector<double>(), ref;
    for (size_t i = 0; i < xv.size(); ++i) {
        // -w (p t log s(x) + (1 - t) log(1 - s(x))), s = sigmoid, straight from the definition.
        const double s = 1 / (1 + std::exp(-xv[i]));
        ref.push_back(-wv[i / 3] * (pv[i % 3] * tv[i] * std::log(s) + (1 - tv[i]) * std::log(1 - s)));
    }
    for (Reduction r : kReductions) {
        Tensor expected = tensor(ref, kFloat64).reshape({5, 3});
        if (r == Reduction::Mean) expected = expected.mean();
        if (r == Reduction::Sum) expected = expected.sum();
        EXPECT_TRUE(allclose(F::binary_cross_entropy_with_logits(x, t, w, r, pw), expected, 1e-12, 1e-13)) << r;
    }
    Tensor xl = x.detach().requires_grad_(true), tl = t.detach().requires_grad_(true);
    Tensor pwl = pw.detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok(
        [&](const std::vector<Tensor>& in) {
            return F::binary_cross_entropy_with_logits(in[0], in[1], w, Reduction::Mean, in[2]);
        },
        {xl, tl, pwl}));
    // Logits of +-1000 in float32 and float64: finite loss and gradient sigmoid(x) - t.
    for (DType dt : {kFloat32, kFloat64}) {
        Tensor big = tensor({1000.0, -1000.0, 1000.0, -1000.0, 0.0}, dt).requires_grad_(true);
        Tensor tb = tensor({1.0, 0.0, 0.0, 1.0, 1.0}, dt);
        Tensor l = F::binary_cross_entropy_with_logits(big, tb, {}, Reduction::None);
        EXPECT_TRUE(allclose(l, tensor({0.0, 0.0, 1000.0, 1000.0, std::log(2.0)}, kFloat64), 1e-6, 1e-6)) << dt;
        l.sum().backward();
        EXPECT_TRUE(allclose(big.grad(), tensor({0.0, 0.0, 1.0, -1.0, -0.5}, kFloat64), 0, 1e-6)) << dt;
    }
}

TEST_F(LossTest, KlDivReductions) {
    Tensor x = log_softmax(randn({4, 5}, kFloat64), 1), t = softmax(randn({4, 5}, kFloat64), 1);
    const std::vector<double> xv = x.to_vector<double>(), tv = t.to_vector<double>();
    double total = 0;
    for (size_t i = 0; i < xv.size(); ++i) total += tv[i] * (std::log(tv[i]) - xv[i]);
    EXPECT_NEAR(F::kl_div(x, t, Reduction::BatchMean).item<double>(), total / 4, 1e-13);
    EXPECT_NEAR(F::kl_div(x, t, Reduction::Mean).item<double>(), total / 20, 1e-13);
    EXPECT_NEAR(F::kl_div(x, log(t), Reduction::BatchMean, true).item<double>(), total / 4, 1e-13);
    // t = 0 contributes 0 (xlogy), with a finite gradient for the input.
    Tensor xz = tensor({-1.0, -2.0}, kFloat64).requires_grad_(true);
    Tensor l = F::kl_div(xz, tensor({0.0, 1.0}, kFloat64), Reduction::Sum);
    EXPECT_NEAR(l.item<double>(), 2.0, 1e-15);
    l.backward();
    EXPECT_TRUE(allclose(xz.grad(), tensor({0.0, -1.0}, kFloat64), 0, 0));
    Tensor xl = x.detach().requires_grad_(true), tl = t.detach().requires_grad_(true);
    EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return F::kl_div(in[0], in[1], Reduction::BatchMean); },
                             {xl, tl}));
}

TEST_F(LossTest, HuberIsDeltaTimesSmoothL1) {
    Tensor x = randn({6, 5}, kFloat64) * 3, t = randn({6, 5}, kFloat64);
    for (double delta : {0.5, 1.0, 2.5})
        EXPECT_TRUE(allclose(F::huber_loss(x, t, Reduction::None, delta),
                             F::smooth_l1_loss(x, t, Reduction::None, delta) * delta, 1e-12, 1e-14));
}

TEST_F(LossTest, ElementwiseErrorMessages) {
    EXPECT_ERROR(F::mse_loss(zeros({2, 3}), zeros({4})), "mse_loss", "[2, 3]", "[4]");
    EXPECT_ERROR(F::l1_loss(zeros({2, 3}, kInt64), zeros({2, 3})), "l1_loss", "floating-point", "int64");
    EXPECT_ERROR(F::smooth_l1_loss(zeros({2}), zeros({2}), Reduction::Mean, -1.0), "smooth_l1_loss", "negative",
                 "beta");
    EXPECT_ERROR(F::huber_loss(zeros({2}), zeros({2}), Reduction::Mean, 0.0), "huber_loss", "non-positive", "delta");
    EXPECT_ERROR(F::binary_cross_entropy(tensor({0.5f, 1.5f}), tensor({0.f, 1.f})), "binary_cross_entropy",
                 "between 0 and 1");
    EXPECT_ERROR(F::binary_cross_entropy(tensor({0.5f, NAN}), tensor({0.f, 1.f})), "between 0 and 1");
    EXPECT_ERROR(F::binary_cross_entropy(zeros({2, 1}), zeros({2})), "binary_cross_entropy", "[2]", "[2, 1]");
    EXPECT_ERROR(F::binary_cross_entropy(zeros({2, 3}), zeros({2, 3}), ones({4})), "binary_cross_entropy", "[4]",
                 "[2, 3]");
    EXPECT_ERROR(F::binary_cross_entropy_with_logits(zeros({2, 1}), zeros({2})), "binary_cross_entropy_with_logits",
                 "Target size ([2]) must be the same as input size ([2, 1])");
    EXPECT_ERROR(F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), {}, Reduction::Mean, ones({2, 2, 3})),
                 "pos_weight", "[2, 2, 3]");
    EXPECT_ERROR(F::mse_loss(zeros({2}), zeros({2}), Reduction::BatchMean), "mse_loss", "batchmean", "kl_div");
    EXPECT_ERROR(F::kl_div(zeros({2, 3}), zeros({3, 3})), "kl_div", "[2, 3]", "[3, 3]");
}


// ---- the loss modules ---------------------------------------------------------------------------------
TEST_F(LossTest, ModulesPrintLikePyTorch) {
    Tensor w = ones({3});
    std::ostringstream out;
    out << nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().weight(w).label_smoothing(0.1));
    EXPECT_EQ(out.str(), "CrossEntropyLoss()");
    EXPECT_EQ(nn::NLLLoss().repr(), "NLLLoss()");
    EXPECT_EQ(nn::MSELoss().repr(), "MSELoss()");
    EXPECT_EQ(nn::L1Loss().repr(), "L1Loss()");
    EXPECT_EQ(nn::SmoothL1Loss().repr(), "SmoothL1Loss()");
    EXPECT_EQ(nn::HuberLoss().repr(), "HuberLoss()");
    EXPECT_EQ(nn::BCELoss().repr(), "BCELoss()");
    EXPECT_EQ(nn::BCEWithLogitsLoss().repr(), "BCEWithLogitsLoss()");
    EXPECT_EQ(nn::KLDivLoss().repr(), "KLDivLoss()");
}

TEST_F(LossTest, ModulesCallTheirFunctionWithTheirOptions) {
    Tensor logits = randn({6, 4}, kFloat64), labels = tensor({0, 3, 1, 1, 2, 0});
    Tensor w = rand({4}, kFloat64) + 0.5;
    nn::CrossEntropyLoss ce(
        nn::CrossEntropyLossOptions().weight(w).ignore_index(1).reduction(Reduction::Sum).label_smoothing(0.2));
    EXPECT_EQ(ce.options.ignore_index(), 1);
    EXPECT_EQ(ce.options.reduction(), Reduction::Sum);
    EXPECT_EQ(ce.options.label_smoothing(), 0.2);
    EXPECT_TRUE(allclose(ce(logits, labels), F::cross_entropy(logits, labels, w, 1, Reduction::Sum, 0.2), 0, 0));
    EXPECT_TRUE(allclose(nn::CrossEntropyLoss()(logits, labels), F::cross_entropy(logits, labels), 0, 0));
    EXPECT_TRUE(allclose(nn::CrossEntropyLoss(Reduction::None)(logits, labels),
                         F::cross_entropy(logits, labels, {}, -100, Reduction::None), 0, 0));

    Tensor logp = log_softmax(logits, 1);
    EXPECT_TRUE(allclose(nn::NLLLoss(nn::NLLLossOptions().weight(w).ignore_index(3))(logp, labels),
                         F::nll_loss(logp, labels, w, 3), 0, 0));

    Tensor x = randn({3, 5}, kFloat64), t = randn({3, 5}, kFloat64);
    EXPECT_TRUE(allclose(nn::MSELoss(Reduction::Sum)(x, t), F::mse_loss(x, t, Reduction::Sum), 0, 0));
    EXPECT_TRUE(allclose(nn::L1Loss()(x, t), F::l1_loss(x, t), 0, 0));
    EXPECT_TRUE(allclose(nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(0.5))(x, t),
                         F::smooth_l1_loss(x, t, Reduction::Mean, 0.5), 0, 0));
    EXPECT_TRUE(allclose(nn::HuberLoss(nn::HuberLossOptions(Reduction::None).delta(2.0))(x, t),
                         F::huber_loss(x, t, Reduction::None, 2.0), 0, 0));

    Tensor p = sigmoid(x), target01 = rand({3, 5}, kFloat64), w5 = rand({5}, kFloat64);
    EXPECT_TRUE(allclose(nn::BCELoss(nn::BCELossOptions().weight(w5))(p, target01),
                         F::binary_cross_entropy(p, target01, w5), 0, 0));
    EXPECT_TRUE(allclose(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().weight(w5).pos_weight(w5 + 1))(x, target01),
                         F::binary_cross_entropy_with_logits(x, target01, w5, Reduction::Mean, w5 + 1), 0, 0));

    Tensor log_q = log_softmax(randn({6, 4}, kFloat64), 1);
    EXPECT_TRUE(allclose(nn::KLDivLoss(Reduction::BatchMean)(logp, exp(log_q)),
                         F::kl_div(logp, exp(log_q), Reduction::BatchMean), 0, 0));
    EXPECT_TRUE(allclose(nn::KLDivLoss(nn::KLDivLossOptions().log_target(true))(logp, log_q),
                         F::kl_div(logp, log_q, Reduction::Mean, true), 0, 0));
}

TEST_F(LossTest, ModulesRegisterWeightsAsBuffers) {
    Tensor w = tensor({1.0f, 2.0f, 0.5f});
    auto ce = std::make_shared<nn::CrossEntropyLoss>(nn::CrossEntropyLossOptions().weight(w));
    ASSERT_EQ(ce->named_buffers().size(), 1u);
    EXPECT_EQ(ce->named_buffers()[0].first, "weight");
    EXPECT_TRUE(ce->parameters().empty());
    EXPECT_EQ(ce->state_dict().count("weight"), 1u);
    EXPECT_TRUE(nn::CrossEntropyLoss().named_buffers().empty());  // no weight, no buffer (PyTorch: None)

    nn::BCEWithLogitsLoss bce(nn::BCEWithLogitsLossOptions().pos_weight(tensor({2.0f, 3.0f})));
    ASSERT_EQ(bce.named_buffers().size(), 1u);
    EXPECT_EQ(bce.named_buffers()[0].first, "pos_weight");
    EXPECT_EQ(nn::NLLLoss(nn::NLLLossOptions().weight(w)).named_buffers()[0].first, "weight");
    EXPECT_EQ(nn::BCELoss(nn::BCELossOptions().weight(w)).named_buffers()[0].first, "weight");

    // to(dtype) converts the buffer in place, and forward uses the converted one.
    ce->to(kFloat64);
    EXPECT_EQ(ce->weight.dtype(), kFloat64);
    Tensor x = randn({4, 3}, kFloat64), t = tensor({0, 1, 2, 1});
    Tensor y = (*ce)(x, t);
    EXPECT_EQ(y.dtype(), kFloat64);
    EXPECT_TRUE(allclose(y, ref_class_loss(x, t, {1.0, 2.0, 0.5}, -100, 0.0, Reduction::Mean, true), 1e-12, 1e-14));
}

TEST_F(LossTest, ModulesThroughTheLossBase) {
    std::vector<std::shared_ptr<nn::Loss>> losses = {std::make_shared<nn::MSELoss>(), std::make_shared<nn::L1Loss>()};
    Tensor x = tensor({1.0, 3.0}, kFloat64).requires_grad_(true), t = tensor({0.0, 1.0}, kFloat64);
    EXPECT_NEAR((*losses[0])(x, t).item<double>(), 2.5, 1e-15);
    EXPECT_NEAR(losses[1]->forward(x, t).item<double>(), 1.5, 1e-15);
    (*losses[0])(x, t).backward();
    EXPECT_TRUE(allclose(x.grad(), tensor({1.0, 2.0}, kFloat64), 1e-15, 0));
    // A loss needs a target.
    nn::Module& as_module = *losses[0];
    EXPECT_ERROR(as_module.forward(x), "MSELoss", "input and a target");
    EXPECT_ERROR(as_module(x), "MSELoss", "forward(input, target)");
}

TEST_F(LossTest, ModulesCheckTheirOptions) {
    Tensor x = randn({2, 3}), t = tensor({0, 1});
    EXPECT_ERROR(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(-0.1))(x, t), "cross_entropy",
                 "label_smoothing");
    EXPECT_ERROR(nn::MSELoss{Reduction::BatchMean}(x, x), "mse_loss", "batchmean");
    EXPECT_ERROR(nn::HuberLoss(nn::HuberLossOptions().delta(-1))(x, x), "huber_loss", "delta");
}

TEST(Reduction, Names) {
    EXPECT_STREQ(nn::reduction_name(Reduction::None), "none");
    EXPECT_STREQ(nn::reduction_name(Reduction::Mean), "mean");
    EXPECT_STREQ(nn::reduction_name(Reduction::Sum), "sum");
    EXPECT_STREQ(nn::reduction_name(Reduction::BatchMean), "batchmean");
}

}  // namespace
}  // namespace tinydl
