// Tests of tinydl's own float32 GEMM (src/cpu/gemm_avx512.cpp) on raw pointers: every edge of
// its blocking (register tile 8 x 48, k blocks of up to 512, row blocks of 96), both storage
// orders of each operand with leading dimensions larger than the rows, accumulation into c,
// and the promise the thread split relies on: the bits of an entry do not depend on how M and N
// are cut. The reference is a float64 triple loop. Skipped on CPUs without AVX-512F.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "src/cpu/gemm.h"          // internal: the GEMM variants
#include "src/cpu/gemm_avx512.h"   // internal: the kernel itself
#include "tests/support/test_utils.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

bool cpu_runs_avx512() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    return cpu::sgemm_avx512_compiled() && __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

#define SKIP_WITHOUT_AVX512() \
    if (!cpu_runs_avx512()) GTEST_SKIP() << "this CPU (or build) has no AVX-512F: the kernel is never called"

// One operand [rows, cols] stored row-major (ld >= cols) or column-major (ld >= rows), with
// padding filled with NaN, so a kernel that reads past the matrix poisons its result.
struct Matrix {
    int64_t rows, cols, ld;
    bool row_major;
    std::vector<float> data;
    float& at(int64_t i, int64_t j) { return row_major ? data[i * ld + j] : data[i + j * ld]; }
    float at(int64_t i, int64_t j) const { return row_major ? data[i * ld + j] : data[i + j * ld]; }
};

Matrix random_matrix(int64_t rows, int64_t cols, bool row_major, int64_t pad, std::mt19937& rng) {
    Matrix m{rows, cols, (row_major ? cols : rows) + pad, row_major, {}};
    m.data.assign(static_cast<size_t>(m.ld * (row_major ? rows : cols)), std::nanf(""));
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) m.at(i, j) = u(rng);
    return m;
}

// c [M, N] (row-major, rows ldc apart, padding NaN) as the kernel left it, checked against
// c0 + a b in float64. The error bound is the classic one for a sum of K products,
// |error| <= (K + 1) u sum_k |a_ik b_kj| (+ |c0| when accumulating), u = 2^-24.
// With row_bias, row_bias[i] is part of every expected c[i, j].
void expect_matches_reference(const std::vector<float>& c, const std::vector<float>& c0, int64_t ldc,
                              const Matrix& a, const Matrix& b, bool accumulate, const char* what,
                              const float* row_bias = nullptr) {
    const int64_t M = a.rows, K = a.cols, N = b.cols;
    int64_t failures = 0;
    for (int64_t i = 0; i < M && failures < 5; ++i) {
        for (int64_t j = 0; j < ldc && failures < 5; ++j) {
            const float got = c[i * ldc + j];
            if (j >= N) {  // padding past column N: untouched
                if (!std::isnan(got)) {
                    ++failures;
                    ADD_FAILURE() << what << ": wrote c[" << i << ", " << j << "] past column N = " << N;
                }
                continue;
            }
            double ref = accumulate ? c0[i * ldc + j] : 0.0, scale = accumulate ? std::fabs(ref) : 0.0;
            if (row_bias != nullptr) {
                ref += row_bias[i];
                scale += std::fabs(row_bias[i]);
            }
            for (int64_t k = 0; k < K; ++k) {
                const double p = static_cast<double>(a.at(i, k)) * static_cast<double>(b.at(k, j));
                ref += p;
                scale += std::fabs(p);
            }
            const double bound = static_cast<double>(K + 1) * std::ldexp(1.0, -24) * scale + 1e-30;
            if (!(std::fabs(got - ref) <= bound)) {
                ++failures;
                ADD_FAILURE() << what << ": c[" << i << ", " << j << "] = " << got << ", expected " << ref
                              << " (bound " << bound << ")";
            }
        }
    }
}

// Runs c (op)= a b for a's and b's storage orders and checks it; pads every leading dimension.
void check_product(int64_t M, int64_t N, int64_t K, bool a_row, bool b_row, bool accumulate, uint32_t seed,
                   bool with_bias = false) {
    std::mt19937 rng(seed);
    const Matrix a = random_matrix(M, K, a_row, 3, rng);
    const Matrix b = random_matrix(K, N, b_row, 5, rng);
    const int64_t ldc = N + 2;
    std::vector<float> c(static_cast<size_t>(M * ldc), std::nanf(""));
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) c[i * ldc + j] = accumulate ? u(rng) : std::nanf("");  // set: c's old values must not matter
    const std::vector<float> c0 = c;
    std::vector<float> bias(static_cast<size_t>(M));
    for (float& v : bias) v = 4.0f * u(rng);
    const float* row_bias = with_bias ? bias.data() : nullptr;
    cpu::sgemm_avx512(c.data(), a.data.data(), b.data.data(), M, N, K, ldc, a.ld, a_row, b.ld, b_row, accumulate,
                      row_bias);
    const std::string what = "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                             (a_row ? " a row-major" : " a col-major") + (b_row ? " b row-major" : " b col-major") +
                             (accumulate ? " c +=" : " c =") + (with_bias ? " + row bias" : "");
    expect_matches_reference(c, c0, ldc, a, b, accumulate, what.c_str(), row_bias);
}

bool same_bits(const Tensor& x, const Tensor& y) {
    const Tensor a = x.contiguous(), b = y.contiguous();
    return a.sizes() == b.sizes() &&
           std::memcmp(a.data_ptr<float>(), b.data_ptr<float>(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

}  // namespace

TEST(GemmKernel, SizesAroundEveryBlockEdge) {
    SKIP_WITHOUT_AVX512();
    // 1, primes, and one below / at / above the register tile (8 x 48), the row block (96) and
    // the k block (512; 1025 makes three k blocks).
    const std::vector<int64_t> ms = {1, 7, 8, 9, 13, 95, 96, 97, 200};
    // N also one below / at / above the narrow edge kernels' 16 and 32 columns, alone and after
    // full tiles (48 + 16 = 64, 48 + 32 = 80).
    const std::vector<int64_t> ns = {1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 80, 81, 97, 145};
    const std::vector<int64_t> ks = {1, 2, 15, 16, 17, 31, 511, 512, 513, 1025};
    uint32_t seed = 1;
    for (int64_t M : ms)
        for (int64_t N : ns) check_product(M, N, 17, true, true, false, seed++);
    for (int64_t K : ks)
        for (int64_t M : {int64_t{9}, int64_t{97}}) check_product(M, 49, K, true, true, false, seed++);
}

// The convolution forward's bias, added in the GEMM's store: every tile width and row edge,
// with and without accumulation and across several k blocks (the bias must be added once).
TEST(GemmKernel, RowBiasIsAddedOnceToEveryRow) {
    SKIP_WITHOUT_AVX512();
    uint32_t seed = 300;
    for (int64_t M : {int64_t{1}, int64_t{8}, int64_t{13}, int64_t{97}})
        for (int64_t N : {int64_t{5}, int64_t{20}, int64_t{48}, int64_t{196}})
            for (bool accumulate : {false, true}) check_product(M, N, 17, true, true, accumulate, seed++, true);
    check_product(9, 49, 1025, true, false, false, seed++, true);  // three k blocks
    check_product(9, 49, 1025, false, true, true, seed++, true);
    // K = 0: c = bias (or c + bias)
    std::vector<float> c = {1, 2, 3, 4};
    const float bias[2] = {10, 20}, one = 1;
    cpu::sgemm_avx512(c.data(), &one, &one, 2, 2, 0, 2, 1, true, 2, true, /*accumulate=*/true, bias);
    EXPECT_EQ(c, (std::vector<float>{11, 12, 23, 24}));
    cpu::sgemm_avx512(c.data(), &one, &one, 2, 2, 0, 2, 1, true, 2, true, /*accumulate=*/false, bias);
    EXPECT_EQ(c, (std::vector<float>{10, 10, 20, 20}));
}

TEST(GemmKernel, EveryStorageOrderAndAccumulate) {
    SKIP_WITHOUT_AVX512();
    // A row-major a is packed through 16 x 16 transposes, a column-major b too: sizes that leave
    // partial transposes in both k and the panel width.
    uint32_t seed = 100;
    for (bool a_row : {true, false})
        for (bool b_row : {true, false})
            for (bool accumulate : {false, true}) {
                check_product(1, 1, 1, a_row, b_row, accumulate, seed++);
                check_product(23, 61, 37, a_row, b_row, accumulate, seed++);
                check_product(104, 100, 530, a_row, b_row, accumulate, seed++);
            }
}

TEST(GemmKernel, DotProductFormMatchesTheReference) {
    SKIP_WITHOUT_AVX512();
    // sgemm_avx512_dot: blocks of 8 x 3 entries, k in steps of 16 with a masked tail.
    uint32_t seed = 200;
    for (int64_t M : {1, 7, 8, 9, 32})
        for (int64_t N : {1, 2, 3, 4, 9, 10})
            for (int64_t K : {1, 15, 16, 17, 784})
                for (bool accumulate : {false, true}) {
                    std::mt19937 rng(seed++);
                    const Matrix a = random_matrix(M, K, true, 3, rng), b = random_matrix(K, N, false, 5, rng);
                    const int64_t ldc = N + 2;
                    std::vector<float> c(static_cast<size_t>(M * ldc), std::nanf(""));
                    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
                    for (int64_t i = 0; i < M; ++i)
                        for (int64_t j = 0; j < N; ++j) c[i * ldc + j] = accumulate ? u(rng) : std::nanf("");
                    const std::vector<float> c0 = c;
                    cpu::sgemm_avx512_dot(c.data(), a.data.data(), b.data.data(), M, N, K, ldc, a.ld, b.ld, accumulate);
                    const std::string what = "dot M=" + std::to_string(M) + " N=" + std::to_string(N) +
                                             " K=" + std::to_string(K) + (accumulate ? " c +=" : " c =");
                    expect_matches_reference(c, c0, ldc, a, b, accumulate, what.c_str());
                }
}

TEST(GemmKernel, EmptyProducts) {
    SKIP_WITHOUT_AVX512();
    std::vector<float> c = {5.0f, 6.0f, 7.0f, 8.0f};
    const float one = 1.0f;
    cpu::sgemm_avx512(c.data(), &one, &one, 2, 2, 0, 2, 1, true, 2, true, /*accumulate=*/true);  // K = 0: c += 0
    EXPECT_EQ(c, (std::vector<float>{5.0f, 6.0f, 7.0f, 8.0f}));
    cpu::sgemm_avx512(c.data(), &one, &one, 2, 1, 0, 2, 1, true, 1, true, /*accumulate=*/false);  // c = 0, N = 1
    EXPECT_EQ(c, (std::vector<float>{0.0f, 6.0f, 0.0f, 8.0f}));
    cpu::sgemm_avx512(c.data(), &one, &one, 0, 2, 3, 2, 3, true, 2, true, false);  // M = 0: nothing
    EXPECT_EQ(c, (std::vector<float>{0.0f, 6.0f, 0.0f, 8.0f}));
}

TEST(GemmKernel, BitsDoNotDependOnHowMAndNAreCut) {
    SKIP_WITHOUT_AVX512();
    // matmul.cpp hands each thread a slab of rows or columns, and deterministic mode relies on
    // this: the same entries computed as parts of slabs cut anywhere (not only at tile edges)
    // are bitwise equal to the whole product's.
    std::mt19937 rng(7);
    const int64_t M = 70, N = 130, K = 1100;  // three k blocks
    const Matrix a = random_matrix(M, K, true, 0, rng), b = random_matrix(K, N, false, 0, rng);
    std::vector<float> whole(M * N), parts(M * N);
    cpu::sgemm_avx512(whole.data(), a.data.data(), b.data.data(), M, N, K, N, a.ld, true, b.ld, false, false);
    for (int64_t j0 : {int64_t{0}, int64_t{37}, int64_t{101}}) {  // column slabs [j0, j1)
        const int64_t j1 = j0 == 0 ? 37 : j0 == 37 ? 101 : N;
        cpu::sgemm_avx512(parts.data() + j0, a.data.data(), b.data.data() + j0 * b.ld, M, j1 - j0, K, N, a.ld, true,
                          b.ld, false, false);
    }
    EXPECT_EQ(whole, parts);
    std::fill(parts.begin(), parts.end(), 0.0f);
    for (int64_t i0 : {int64_t{0}, int64_t{5}, int64_t{43}}) {  // row slabs [i0, i1)
        const int64_t i1 = i0 == 0 ? 5 : i0 == 5 ? 43 : M;
        cpu::sgemm_avx512(parts.data() + i0 * N, a.data.data() + i0 * a.ld, b.data.data(), i1 - i0, N, K, N, a.ld,
                          true, b.ld, false, false);
    }
    EXPECT_EQ(whole, parts);
}

TEST(GemmKernel, VariantRoutesFloat32ToTheKernel) {
    SKIP_WITHOUT_AVX512();
    const cpu::GemmVariant* v = cpu::gemm_avx512();
    ASSERT_NE(v, nullptr);
    EXPECT_STREQ(v->name, "avx512");
    EXPECT_TRUE(v->f32_split_invariant);
    // f32 writes c, f32_add adds to it; f64 stays on Eigen and must agree too.
    std::mt19937 rng(3);
    const Matrix a = random_matrix(9, 20, true, 1, rng), b = random_matrix(20, 50, true, 2, rng);
    std::vector<float> c(9 * 50, 1.0f), expected(9 * 50);
    v->f32(c.data(), a.data.data(), b.data.data(), 9, 50, 20, 50, a.ld, true, b.ld, true);
    expected = c;
    v->f32_add(c.data(), a.data.data(), b.data.data(), 9, 50, 20, 50, a.ld, true, b.ld, true);
    for (size_t i = 0; i < c.size(); ++i) EXPECT_EQ(c[i], expected[i] + expected[i]) << i;  // x + x is exact
    std::vector<double> a64(9 * 20), b64(20 * 50), c64(9 * 50);
    for (int64_t i = 0; i < 9; ++i)
        for (int64_t k = 0; k < 20; ++k) a64[i * 20 + k] = a.at(i, k);
    for (int64_t k = 0; k < 20; ++k)
        for (int64_t j = 0; j < 50; ++j) b64[k * 50 + j] = b.at(k, j);
    v->f64(c64.data(), a64.data(), b64.data(), 9, 50, 20, 50, 20, true, 50, true);
    for (size_t i = 0; i < c64.size(); ++i) EXPECT_NEAR(c64[i], expected[i], 1e-5) << i;
}

TEST(GemmKernel, MatmulBitsDoNotDependOnTheThreadCount) {
    SKIP_WITHOUT_AVX512();
    if (!cpu::gemm_variant().f32_split_invariant) GTEST_SKIP() << "TINYDL_CPU_GEMM chose another GEMM";
    // Without deterministic mode: the slabs follow the thread count, the bits must not.
    manual_seed(5);
    const Tensor a = randn({300, 700}), b = randn({700, 260});
    const int before = get_num_threads();
    set_num_threads(1);
    const Tensor one = mm(a, b), one_t = mm(b.t(), a.t());
    for (int threads : {2, 3, 4}) {
        set_num_threads(threads);
        EXPECT_TRUE(same_bits(mm(a, b), one)) << threads << " threads";
        EXPECT_TRUE(same_bits(mm(b.t(), a.t()), one_t)) << threads << " threads";
    }
    set_num_threads(before);
}
