// gemm.h — one dense product on raw pointers, c = a b, built several times from the same Eigen
// code for different instruction sets, and the choice among them (internal to src/cpu).
//
// Why several builds: a default (portable) x86-64 build may only use SSE2, where Eigen's GEMM
// runs at about a third of its AVX2+FMA speed. So matmul_eigen.h is compiled twice, as
// matmul_eigen_baseline.cpp (the build's own flags) and matmul_eigen_avx2.cpp (plus -mavx2
// -mfma, set in CMakeLists.txt), and src/cpu/matmul.cpp asks the CPU once which one it can run
// (gemm_variant). The same idea as PyTorch's per-CPU_CAPABILITY kernels, for one function.
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

struct GemmVariant {
    const char* name;  // "baseline", "avx2+fma"
    GemmFn<float> f32;
    GemmFn<double> f64;
    GemmFn<int64_t> i64;
    GemmFn<int32_t> i32;
};

const GemmVariant& gemm_baseline();  // always there (matmul_eigen_baseline.cpp)
const GemmVariant* gemm_avx2();      // nullptr when this build has no AVX2 variant (not x86-64)
// The fastest variant this CPU can run, chosen on first use.
const GemmVariant& gemm_variant();

}  // namespace tinydl::cpu
