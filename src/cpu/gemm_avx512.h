// gemm_avx512.h — tinydl's own float32 GEMM for AVX-512 CPUs (gemm_avx512.cpp), internal to
// src/cpu. Only call it where __builtin_cpu_supports("avx512f") said yes: gemm_variant in
// matmul.cpp does that once.
//
// Dimension legend: c [M, N] (row-major) = a [M, K] x b [K, N].
#pragma once

#include <cstdint>

namespace tinydl::cpu {

// The register tile of the micro-kernel: a thread split that cuts M at multiples of TileM and N
// at multiples of TileN leaves no partly used tiles inside the product.
inline constexpr int kSgemmAvx512TileM = 8;
inline constexpr int kSgemmAvx512TileN = 48;
// The edge kernels cover a panel's last 16 or 32 columns at full speed per column, so a cut of N
// at any multiple of 16 wastes nothing either.
inline constexpr int kSgemmAvx512VectorN = 16;

// c = a b (accumulate false) or c += a b (accumulate true). c is row-major with rows ldc apart;
// a and b are each row-major (ld = distance between rows) or column-major (ld = distance
// between columns), Note [GEMM layouts] in matmul.h. c overlaps neither a nor b. Runs on the
// calling thread. The result's bits depend on K (and the data), never on M, N or where c sits
// in a larger product, so any split of M and N over threads gives the same bits. With row_bias,
// row_bias[i] is added to every entry of row i after the product (and after c's old value):
// the convolution's bias, with no second pass over c.
void sgemm_avx512(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                  int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major, bool accumulate,
                  const float* row_bias = nullptr);

// The same product for results too small for the register tile but with a long k (e.g. the
// [32, 9] weight gradient of conv 1->32, summed over 784 pixels): c [M, N] = (or +=) a [M, K] x
// b [K, N] with a row-major (lda) and b column-major (ldb), i.e. both contiguous along k; one
// dot product per entry. Its rounding differs from sgemm_avx512's, depends on K only, and
// never on M, N or a block's position.
void sgemm_avx512_dot(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                      int64_t lda, int64_t ldb, bool accumulate);

// false when this build could not compile the kernel (not x86-64, or no -mavx512f).
bool sgemm_avx512_compiled();

}  // namespace tinydl::cpu
