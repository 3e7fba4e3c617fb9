// gemm.h — one dense product on raw pointers, c = a b, built several times from the same Eigen
// code for different instruction sets, and the choice among them (internal to src/cpu).
//
// Why several builds: a default (portable) x86-64 build may only use SSE2, where Eigen's GEMM
// runs at about a third of its AVX2+FMA speed. So matmul_eigen.h is compiled twice, as
// matmul_eigen_baseline.cpp (the build's own flags) and matmul_eigen_avx2.cpp (plus -mavx2
// -mfma, set in CMakeLists.txt), and src/cpu/matmul.cpp asks the CPU once which one it can run
// (gemm_variant). The same idea as PyTorch's per-CPU_CAPABILITY kernels, for one function.
// On a CPU with AVX-512F, float32 products run tinydl's own packed GEMM instead
// (gemm_avx512.cpp, compiled with -mavx512f for that file alone): variant "avx512", whose other
// dtypes are the AVX2 Eigen build's.
//
// Dimension legend: c [M, N] (row-major) = a [M, K] x b [K, N].
#pragma once

#include <cstdint>

namespace tinydl::cpu {

// c is row-major with rows ldc apart; a and b are each row-major (ld = distance between rows)
// or column-major (ld = distance between columns), see Note [GEMM layouts] in matmul.h. c does
// not overlap a or b. K >= 1. Runs on the calling thread only.
template <typename T> using GemmFn = void (*)(T* c, const T* a, const T* b, int64_t M, int64_t N, int64_t K,
                                              int64_t ldc, int64_t lda, bool a_row_major, int64_t ldb,
                                              bool b_row_major);

using GemmRowBiasFn = void (*)(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K,
                               int64_t ldc, int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major,
                               const float* row_bias);

struct GemmVariant {
    const char* name;  // "baseline", "avx2+fma", "avx512"
    GemmFn<float> f32;
    GemmFn<double> f64;
    GemmFn<int64_t> i64;
    GemmFn<int32_t> i32;
    // The same products accumulated into c (c += a b), for callers that sum several products
    // into one result (the convolution weight gradient) without a temporary.
    GemmFn<float> f32_add;
    GemmFn<double> f64_add;
    // float32 dot-product form of f32 / f32_add for small results with a long k: a row-major,
    // b column-major only (gemm_avx512.h, sgemm_avx512_dot). nullptr in the Eigen variants.
    GemmFn<float> f32_dot = nullptr;
    GemmFn<float> f32_dot_add = nullptr;
    // float32 c = a b + row_bias[i] on row i, in one pass over c (the convolution forward's
    // bias). nullptr in the Eigen variants: callers add the bias themselves.
    GemmRowBiasFn f32_row_bias = nullptr;
    // float32 only: true when f32's bits do not depend on how M and N are cut into slabs (the
    // own kernel's k blocking depends on K alone), so a thread split need not be fixed for
    // deterministic results. Eigen's blocking follows the operand sizes: false.
    bool f32_split_invariant = false;
    // Slab edges for a thread split, in rows / columns: whole blocks the f32 kernel computes at
    // full speed (the own kernel: 8 rows; 16 columns, thanks to its edge kernels).
    int64_t f32_tile_m = 16, f32_tile_n = 16;
};

const GemmVariant& gemm_baseline();  // always there (matmul_eigen_baseline.cpp)
const GemmVariant* gemm_avx2();      // nullptr when this build has no AVX2 variant (not x86-64)
const GemmVariant* gemm_avx512();    // nullptr when this build has no AVX-512 kernel (matmul.cpp)
// The fastest variant this CPU can run, chosen on first use. The environment variable
// TINYDL_CPU_GEMM=baseline|avx2|avx512 asks for a slower one instead (to compare them; a
// variant the CPU cannot run is not chosen).
const GemmVariant& gemm_variant();

}  // namespace tinydl::cpu
