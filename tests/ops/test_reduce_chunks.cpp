// test_reduce_chunks.cpp — the fast sum over a contiguous run (Note [Sum of a contiguous run] in
// src/cpu/reduce.cpp): eight accumulators and fixed chunks give the exact-rounded float64 sum
// to float32 precision, every value is counted once (lengths around the lane and chunk
// boundaries), and the bits do not depend on the thread count.
#include <cmath>
#include <cstring>

#include "tests/support/test_utils.h"
#include "tinydl/parallel.h"

using namespace tinydl;

namespace {
// Sum of row a of a contiguous [rows, n] float32 tensor, in long double.
double reference_row_sum(const Tensor& x, int64_t a) {
    const float* p = x.data_ptr<float>() + a * x.size(1);
    long double s = 0;
    for (int64_t i = 0; i < x.size(1); ++i) s += p[i];
    return static_cast<double>(s);
}
uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
}  // namespace

TEST(SumChunks, EveryLengthCountsEveryValueOnce) {
    // Integers: any order of adds is exact, so a lost or doubled value shows as a wrong total.
    for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 8191, 8192, 8193, 16384, 16385, 3 * 8192 + 5}) {
        const Tensor x = arange(n, TensorOptions(kFloat32));
        EXPECT_EQ(x.sum().item<float>(), static_cast<float>(n * (n - 1) / 2)) << n;
        const Tensor i = arange(n, TensorOptions(kInt64));
        EXPECT_EQ(i.sum().item<int64_t>(), n * (n - 1) / 2) << n;
        EXPECT_EQ(ones({n}, kBool).sum().item<int64_t>(), n) << n;
    }
}

TEST(SumChunks, LastDimMatchesAFloat64Reference) {
    manual_seed(3);
    for (int64_t n : {5, 64, 1000, 8192, 20001}) {
        const Tensor x = randn({7, n});
        const Tensor s = x.sum(1), m = x.mean(-1);
        for (int64_t a = 0; a < 7; ++a) {
            const double ref = reference_row_sum(x, a);
            EXPECT_NEAR(s[a].item<float>(), ref, 1e-6 * n + 1e-5) << n;
            EXPECT_NEAR(m[a].item<float>(), ref / n, 1e-6) << n;
            EXPECT_EQ(bits(s[a].item<float>()), bits(static_cast<float>(ref)) ) << "row " << a << ", n " << n;
        }
    }
}

TEST(SumChunks, FullSumOfAMillionIsExactlyRoundedAndThreadIndependent) {
    manual_seed(4);
    const Tensor x = rand({1 << 20}) + 0.5;  // positive: no cancellation, the double sum is exact to float
    const Tensor flat = x.reshape({1, 1 << 20});
    const float expected = static_cast<float>(reference_row_sum(flat, 0));
    const int saved = get_num_threads();
    std::vector<uint32_t> seen;
    for (int threads : {1, 2, 3, 4}) {
        set_num_threads(threads);
        seen.push_back(bits(x.sum().item<float>()));
        seen.push_back(bits(x.reshape({16, 1 << 16}).sum(1)[5].item<float>()));
    }
    set_num_threads(saved);
    EXPECT_EQ(seen[0], bits(expected));
    for (size_t i = 2; i < seen.size(); ++i) EXPECT_EQ(seen[i], seen[i % 2]) << i;
}
