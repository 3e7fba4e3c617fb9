// test_factory.cpp — making tensors (src/ops/factory.cpp, include/tinydl/factory.h): filled,
// ranged, random, from C++ data and from caller-owned memory; the global generator's seed and
// state.
//
// Random factories are checked for their range and, loosely, their moments (never against
// exact numbers, which would freeze the generator's algorithm), and for reproducibility.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

// ---- filled -----------------------------------------------------------------------------------------
TEST(Factory, ZerosOnesFull) {
    Tensor z = zeros({2, 3});
    EXPECT_EQ(z.dtype(), kFloat32);
    EXPECT_EQ(z.sizes().vec(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(z.to_vector<float>(), std::vector<float>(6, 0.0f));
    EXPECT_FALSE(z.requires_grad());
    EXPECT_EQ(ones({3}, kInt32).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1}));
    EXPECT_EQ(ones({2}, kBool).to_vector<bool>(), (std::vector<bool>{true, true}));
    EXPECT_EQ(zeros({}).dim(), 0);
    EXPECT_EQ(zeros({0, 4}).numel(), 0);
    // full takes its dtype from the value unless told, as torch.full.
    EXPECT_EQ(full({2}, 7).dtype(), kInt64);
    EXPECT_EQ(full({2}, 2.5).dtype(), kFloat32);
    EXPECT_EQ(full({2}, true).dtype(), kBool);
    EXPECT_EQ(full({2}, 7, kFloat64).to_vector<double>(), (std::vector<double>{7, 7}));
    Tensor w = zeros({2}, TensorOptions(kFloat64).requires_grad(true));
    EXPECT_TRUE(w.requires_grad());
    EXPECT_TRUE(w.is_leaf());
    EXPECT_EQ(empty({4, 5}).sizes().vec(), (std::vector<int64_t>{4, 5}));
    EXPECT_ERROR(zeros({2, -1}), "negative dimension -1");
    EXPECT_ERROR(empty({-3}), "negative dimension -3");
    EXPECT_ERROR(zeros({2}, TensorOptions(kFloat64).requires_grad(false)).view({3}), "view");
    EXPECT_ERROR(zeros({2}, TensorOptions(kInt64).requires_grad(true)), "requires_grad", "floating");
}

TEST(Factory, ScalarTensor) {
    Tensor f = scalar_tensor(2.5);
    EXPECT_EQ(f.dim(), 0);
    EXPECT_EQ(f.dtype(), kFloat32);
    EXPECT_EQ(f.item<float>(), 2.5f);
    EXPECT_EQ(scalar_tensor(3).dtype(), kInt64);
    EXPECT_EQ(scalar_tensor(true).dtype(), kBool);
    EXPECT_EQ(scalar_tensor(3, kFloat64).item<double>(), 3.0);
}

// ---- ranges ----------------------------------------------------------------------------------------------
TEST(Factory, ArangeInteger) {
    Tensor a = arange(5);
    EXPECT_EQ(a.dtype(), kInt64);
    EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(arange(1, 10, 3).to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 7}));
    EXPECT_EQ(arange(5, 0, -1).to_vector<int64_t>(), (std::vector<int64_t>{5, 4, 3, 2, 1}));
    EXPECT_EQ(arange(-3, 3, 2).to_vector<int64_t>(), (std::vector<int64_t>{-3, -1, 1}));
    EXPECT_EQ(arange(3, 3).numel(), 0);
    EXPECT_EQ(arange(4, kFloat64).dtype(), kFloat64);
    EXPECT_EQ(arange(0, 4, 1, kInt32).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(Factory, ArangeFloat) {
    Tensor a = arange(0.0, 1.0, 0.25);
    EXPECT_EQ(a.dtype(), kFloat32);
    EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
    EXPECT_EQ(arange(0, 1, 0.1).numel(), 10);
    EXPECT_EQ(arange(1.0, -1.0, -0.5).to_vector<float>(), (std::vector<float>{1, 0.5f, 0, -0.5f}));
    EXPECT_EQ(arange(0.5, 2).to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
    EXPECT_EQ(arange(2.5).to_vector<float>(), (std::vector<float>{0, 1, 2}));
}

TEST(Factory, ArangeErrors) {
    EXPECT_ERROR(arange(0, 5, 0), "arange", "step must be nonzero");
    EXPECT_ERROR(arange(0, 5, -1), "arange", "upper bound (5) and lower bound (0) inconsistent with step sign (-1)");
    EXPECT_ERROR(arange(5, 0), "arange", "inconsistent with step sign");
    EXPECT_ERROR(arange(-1), "arange", "inconsistent");
}

TEST(Factory, LinspaceEndpointsExact) {
    EXPECT_EQ(linspace(0, 1, 5).to_vector<float>(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1}));
    Tensor l = linspace(0.1, 0.7, 13, kFloat64);
    std::vector<double> v = l.to_vector<double>();
    ASSERT_EQ(v.size(), 13u);
    EXPECT_EQ(v.front(), 0.1);
    EXPECT_EQ(v.back(), 0.7);  // exactly, not 0.1 + 12 * 0.05
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], 0.1 + 0.05 * static_cast<double>(i), 1e-15);
    EXPECT_EQ(linspace(0.1, 0.7, 13).to_vector<float>().back(), 0.7f);
    EXPECT_EQ(linspace(3, -3, 4).to_vector<float>(), (std::vector<float>{3, 1, -1, -3}));
    EXPECT_EQ(linspace(0, 1, 1).to_vector<float>(), (std::vector<float>{0}));  // start, as torch.linspace
    EXPECT_EQ(linspace(2, 5, 0).numel(), 0);
    EXPECT_EQ(linspace(2, 2, 3).to_vector<float>(), (std::vector<float>{2, 2, 2}));
    EXPECT_ERROR(linspace(0, 1, -1), "linspace", "non-negative", "-1");
}

TEST(Factory, Eye) {
    EXPECT_EQ(eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
    Tensor r = eye(2, 3, kInt64);
    EXPECT_EQ(r.sizes().vec(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
    EXPECT_EQ(eye(3, 2).to_vector<float>(), (std::vector<float>{1, 0, 0, 1, 0, 0}));
    EXPECT_EQ(eye(0).numel(), 0);
    EXPECT_ERROR(eye(-1), "eye", "non-negative");
}

// ---- random --------------------------------------------------------------------------------------------
TEST(Random, RandRange) {
    manual_seed(0);
    for (DType t : {kFloat32, kFloat64}) {
        std::vector<double> v = rand({10000}, t).to_vector<double>();
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        EXPECT_GE(*lo, 0.0);
        EXPECT_LT(*hi, 1.0);
        EXPECT_LT(*lo, 0.01);
        EXPECT_GT(*hi, 0.99);
        const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
        EXPECT_NEAR(mean, 0.5, 0.02);
    }
    EXPECT_EQ(rand({2}).dtype(), kFloat32);
    EXPECT_ERROR(rand({2}, kInt64), "rand", "floating");
}

TEST(Random, RandnMoments) {
    manual_seed(1);
    std::vector<double> v = randn({100000}, kFloat64).to_vector<double>();
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    const double stddev = std::sqrt(var / (v.size() - 1));
    EXPECT_NEAR(mean, 0.0, 0.02);  // the standard error is ~0.003
    EXPECT_NEAR(stddev, 1.0, 0.02);
    // Tails exist but stay sane.
    const double max_abs = std::abs(*std::max_element(v.begin(), v.end(), [](double a, double b) { return std::abs(a) < std::abs(b); }));
    EXPECT_GT(max_abs, 3.0);
    EXPECT_LT(max_abs, 7.0);
    EXPECT_ERROR(randn({2}, kInt32), "randn", "floating");
}

TEST(Random, RandintBounds) {
    manual_seed(2);
    Tensor r = randint(-3, 4, {5000});
    EXPECT_EQ(r.dtype(), kInt64);
    std::vector<int64_t> v = r.to_vector<int64_t>();
    EXPECT_EQ(*std::min_element(v.begin(), v.end()), -3);
    EXPECT_EQ(*std::max_element(v.begin(), v.end()), 3);  // high is excluded
    EXPECT_EQ(randint(5, {3, 4}).sizes().vec(), (std::vector<int64_t>{3, 4}));
    std::vector<int32_t> w = randint(10, {1000}, kInt32).to_vector<int32_t>();
    EXPECT_GE(*std::min_element(w.begin(), w.end()), 0);
    EXPECT_LE(*std::max_element(w.begin(), w.end()), 9);
    EXPECT_EQ(randint(10, {2}, kFloat32).dtype(), kFloat32);
    EXPECT_ERROR(randint(3, 3, {2}), "randint", "low=3", "high=3");
}

TEST(Random, RandpermIsAPermutation) {
    manual_seed(3);
    std::vector<int64_t> p = randperm(1000).to_vector<int64_t>();
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> expected(1000);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(sorted, expected);
    EXPECT_NE(p, expected);  // shuffled (1 chance in 1000! of a false failure)
    EXPECT_EQ(randperm(0).numel(), 0);
    EXPECT_EQ(randperm(1).to_vector<int64_t>(), (std::vector<int64_t>{0}));
    EXPECT_EQ(randperm(5).dtype(), kInt64);
    EXPECT_ERROR(randperm(-1), "randperm", "non-negative");
}

TEST(Random, ManualSeedReproducibility) {
    auto draw = [] {
        std::vector<double> all = rand({5}).to_vector<double>();
        for (double x : randn({7}, kFloat64).to_vector<double>()) all.push_back(x);
        for (int64_t x : randint(100, {5}).to_vector<int64_t>()) all.push_back(static_cast<double>(x));
        for (int64_t x : randperm(6).to_vector<int64_t>()) all.push_back(static_cast<double>(x));
        return all;
    };
    manual_seed(42);
    EXPECT_EQ(initial_seed(), 42u);
    const std::vector<double> first = draw();
    manual_seed(42);
    EXPECT_EQ(draw(), first);
    manual_seed(43);
    EXPECT_NE(draw(), first);
    // Independent of the thread count (values are drawn in element order).
    const int before = get_num_threads();
    set_num_threads(1);
    manual_seed(7);
    const std::vector<float> one = randn({100000}).to_vector<float>();
    set_num_threads(2);
    manual_seed(7);
    const std::vector<float> two = randn({100000}).to_vector<float>();
    set_num_threads(before);
    EXPECT_EQ(one, two);
}

TEST(Random, RngStateRoundTrip) {
    manual_seed(9);
    randn({3});  // an odd count leaves a cached Box-Muller value, which the state must keep
    const std::vector<uint8_t> state = get_rng_state();
    const std::vector<float> a = randn({5}).to_vector<float>();
    const std::vector<float> b = rand({5}).to_vector<float>();
    set_rng_state(state);
    EXPECT_EQ(randn({5}).to_vector<float>(), a);
    EXPECT_EQ(rand({5}).to_vector<float>(), b);
    EXPECT_EQ(initial_seed(), 9u);
    EXPECT_ERROR(set_rng_state({1, 2, 3}), "set_rng_state", "got 3");
}

// ---- *_like -----------------------------------------------------------------------------------------------
TEST(Factory, Like) {
    Tensor i = arange(6).reshape({2, 3}).t();  // int64, strided
    Tensor z = zeros_like(i);
    EXPECT_EQ(z.dtype(), kInt64);
    EXPECT_EQ(z.sizes().vec(), (std::vector<int64_t>{3, 2}));
    EXPECT_TRUE(z.is_contiguous());
    EXPECT_EQ(ones_like(i, kFloat64).dtype(), kFloat64);
    EXPECT_EQ(ones_like(i).to_vector<int64_t>(), std::vector<int64_t>(6, 1));
    EXPECT_EQ(full_like(i, 4).to_vector<int64_t>(), std::vector<int64_t>(6, 4));
    EXPECT_EQ(full_like(tensor({1.0, 2.0}), 0.5).to_vector<double>(), (std::vector<double>{0.5, 0.5}));
    EXPECT_EQ(empty_like(i).sizes().vec(), (std::vector<int64_t>{3, 2}));
    Tensor d = tensor({1.0, 2.0, 3.0});
    EXPECT_EQ(rand_like(d).dtype(), kFloat64);
    EXPECT_EQ(randn_like(d).sizes().vec(), (std::vector<int64_t>{3}));
    EXPECT_EQ(zeros_like(d, TensorOptions().requires_grad(true)).dtype(), kFloat64);
    EXPECT_TRUE(zeros_like(d, TensorOptions().requires_grad(true)).requires_grad());
    EXPECT_FALSE(zeros_like(tensor({1.0}).requires_grad_(true)).requires_grad());
    EXPECT_ERROR(zeros_like(Tensor{}), "undefined");
}

// ---- from C++ data ------------------------------------------------------------------------------------------
TEST(Factory, TensorFromListsDtypes) {
    EXPECT_EQ(tensor({1, 2, 3}).dtype(), kInt64);  // integer literals mean int64
    EXPECT_EQ(tensor({1, 2, 3}).to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
    EXPECT_EQ(tensor({1.f, 2.f}).dtype(), kFloat32);
    EXPECT_EQ(tensor({1.0, 2.0}).dtype(), kFloat64);
    EXPECT_EQ(tensor({true, false}).dtype(), kBool);
    EXPECT_EQ(tensor({true, false}).to_vector<bool>(), (std::vector<bool>{true, false}));
    EXPECT_EQ(tensor({int64_t{1} << 40}).item<int64_t>(), int64_t{1} << 40);
    EXPECT_EQ(tensor({uint8_t{250}}).dtype(), kUInt8);
    EXPECT_EQ(tensor({1, 2}, kFloat32).to_vector<float>(), (std::vector<float>{1, 2}));
    EXPECT_EQ(tensor({1.5, 2.5}, kInt64).to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
    EXPECT_TRUE(tensor({1.0}, TensorOptions().requires_grad(true)).requires_grad());
    // Single values are 0-dim.
    EXPECT_EQ(tensor(5).dim(), 0);
    EXPECT_EQ(tensor(5).dtype(), kInt64);
    EXPECT_EQ(tensor(2.5).dtype(), kFloat64);
    EXPECT_EQ(tensor(2.5f).item<float>(), 2.5f);
    // std::vector, including the packed std::vector<bool>.
    EXPECT_EQ(tensor(std::vector<float>{1, 2, 3}).numel(), 3);
    EXPECT_EQ(tensor(std::vector<bool>{true, false, true}).to_vector<bool>(), (std::vector<bool>{true, false, true}));
    // int32_t is int, and int means int64 here (factory.h); ask for int32 explicitly.
    EXPECT_EQ(tensor(std::vector<int32_t>{4, 5}).dtype(), kInt64);
    EXPECT_EQ(tensor(std::vector<int32_t>{4, 5}, kInt32).dtype(), kInt32);
    EXPECT_EQ(tensor(std::vector<double>{}).numel(), 0);
}

TEST(Factory, TensorFromNestedLists) {
    Tensor m = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    EXPECT_EQ(m.sizes().vec(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(m.dtype(), kFloat64);
    EXPECT_EQ(m.at<double>({1, 0}), 4.0);
    EXPECT_EQ(tensor({{1, 2}, {3, 4}}).dtype(), kInt64);
    Tensor g = tensor({{1.f}, {2.f}}, TensorOptions().requires_grad(true));
    EXPECT_TRUE(g.requires_grad());
    EXPECT_TRUE(g.is_leaf());
    EXPECT_EQ(g.sizes().vec(), (std::vector<int64_t>{2, 1}));
    EXPECT_ERROR(tensor({{1.0, 2.0}, {3.0}}), "tensor", "same length", "2 vs 1");
    EXPECT_THROW(tensor({{1, 2, 3}, {4, 5}}), ShapeError);
}

TEST(Factory, TensorFromPointerCopies) {
    float data[6] = {1, 2, 3, 4, 5, 6};
    Tensor t = tensor(data, {2, 3});
    EXPECT_EQ(t.dtype(), kFloat32);
    EXPECT_EQ(t.at<float>({1, 2}), 6.0f);
    data[5] = -1;
    EXPECT_EQ(t.at<float>({1, 2}), 6.0f);  // a copy
    EXPECT_NE(t.data_ptr(), static_cast<void*>(data));
    const int64_t ints[2] = {7, 8};
    EXPECT_EQ(tensor(ints, {2}, kFloat64).to_vector<double>(), (std::vector<double>{7, 8}));
    EXPECT_ERROR(tensor(data, {-1}), "tensor", "negative dimension");
}

TEST(Factory, FromBlobSharesMemoryAndRunsTheDeleter) {
    double data[4] = {1, 2, 3, 4};
    int deleted = 0;
    void* deleted_ptr = nullptr;
    {
        Tensor t = from_blob(data, {2, 2}, kFloat64, [&](void* p) {
            ++deleted;
            deleted_ptr = p;
        });
        EXPECT_EQ(t.data_ptr(), static_cast<void*>(data));
        EXPECT_EQ(t.at<double>({1, 0}), 3.0);
        data[0] = 10;
        EXPECT_EQ(t.at<double>({0, 0}), 10.0);  // the same memory
        t.mul_(2);
        EXPECT_EQ(data[3], 8.0);  // writes reach the caller's array
        Tensor view = t.t();
        t = Tensor{};
        EXPECT_EQ(deleted, 0);  // the view still uses the memory
        EXPECT_EQ(view.at<double>({0, 1}), 6.0);
    }
    EXPECT_EQ(deleted, 1);
    EXPECT_EQ(deleted_ptr, static_cast<void*>(data));
    // Without a deleter the memory is simply left to its owner.
    float f[2] = {1, 2};
    EXPECT_EQ(from_blob(f, {2}).sum().item<float>(), 3.0f);
    EXPECT_ERROR(from_blob(nullptr, {2}), "from_blob", "null");
    EXPECT_EQ(from_blob(nullptr, {0}).numel(), 0);
}

}  // namespace
}  // namespace tinydl
