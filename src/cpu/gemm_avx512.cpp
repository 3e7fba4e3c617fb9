// gemm_avx512.cpp — tinydl's own float32 GEMM for CPUs with AVX-512: packed, cache-blocked,
// with a register-blocked micro-kernel, in the shape of BLIS (Van Zee & van de Geijn, "BLIS: A
// Framework for Rapidly Instantiating BLAS Functionality", 2015). CMakeLists.txt compiles this
// file alone with -mavx512f; src/cpu/matmul.cpp calls it only when the CPU says it has
// AVX-512F (gemm_variant), so the rest of the library stays portable.
//
// c [M, N] (row-major, rows ldc apart) = (or +=) a [M, K] x b [K, N], a and b each row- or
// column-major with any leading dimension (Note [GEMM layouts] in matmul.h).
//
// The idea, from the inside out:
//   micro-kernel  one tile of c, kMR rows x kNR columns, lives in zmm registers for a whole run of
//                 kc steps of k; each step loads kNR/16 vectors of b and broadcasts kMR values of
//                 a, kMR * kNR/16 fused multiply-adds. The tile is added to c once, at the end.
//   packing       the kernel reads a and b as contiguous "micro-panels" in exactly the order it
//                 uses them: a as [kMR x kc] column by column, b as [kc x kNR] row by row, with
//                 zeros past the matrix's edge. The packing routines are the only code that
//                 looks at strides and storage orders, so the kernel has one case.
//   blocking      loops around the kernel keep each packed block in a cache level: one b
//                 micro-panel (kc x kNR) is reused while the kernel walks down a block of a
//                 (mc x kc), both in L2; the packed b block (kc x nc) in L3. Loop order, outside
//                 in: nc columns of b, kc steps of k (pack b), mc rows of a (pack a), kNR
//                 columns, kMR rows (micro-kernel).
//
// Rounding never depends on where a tile sits or how the caller splits M and N (matmul.cpp
// cuts products into slabs for threads): every c entry is the same sequence of FMAs over k,
// in blocks whose boundaries depend on K alone (kc_for). Edge tiles compute on zero-padded
// panels and store through masks, with the same arithmetic as interior ones.
//
// At the end of the file, a second kernel for results too small for the tile (dot products).
// The float64 reference both are tested against, at every block edge: tests/ops/test_gemm_kernel.cpp
// (expect_matches_reference).
#include "src/cpu/gemm_avx512.h"

#if defined(__AVX512F__)

#include <immintrin.h>

// GCC 12's unpack and shuffle intrinsics start from _mm512_undefined_ps(), which -Wall reports
// as "may be used uninitialized" once inlined (a false positive: every lane gets written).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>

namespace tinydl::cpu {

namespace {

// Register tile: kMR rows x kNR columns of c = kMR * kNV accumulators. 8 x 48 uses 24 of the 32
// zmm registers for c, 3 for the b vectors, and broadcasts a from memory inside the FMA (the
// compiler folds _mm512_set1_ps of a load into vbroadcastss). Per k step: 3 vector loads,
// 8 broadcasts, 24 FMAs.
constexpr int kMR = kSgemmAvx512TileM;
constexpr int kNV = 3;  // zmm vectors per tile row
constexpr int kNR = 16 * kNV;
static_assert(kNR == kSgemmAvx512TileN);

// Cache blocks (elements), tuned on the development machine (AMD EPYC, family 25 model 17:
// Zen 4, whose AVX-512 FMAs run on 256-bit halves; 32 KiB L1d, 1 MiB L2 per core, 32 MiB L3)
// by timing N = 1024 for kc in {128 .. 1024}, mc in {48, 96, 192}: long k runs win (the c tile is
// loaded and stored once per kc steps), kc = 512 / mc = 96 best (87% of the FMA peak, 1 thread).
// The packed a block mc x kc = 192 KiB and one b micro-panel kc x kNR = 96 KiB sit in L2; the
// packed b block kc x nc = 6 MiB in L3.
constexpr int64_t kKC = 512;
constexpr int64_t kMC = 96;    // a multiple of kMR
constexpr int64_t kNC = 3072;  // a multiple of kNR

// The k blocks: ceil(K / kKC) blocks of nearly equal size, so K = 260 is 130 + 130, not
// 256 + 4. Depends on K only (see the rounding note above).
int64_t kc_for(int64_t K) {
    const int64_t blocks = (K + kKC - 1) / kKC;
    return (K + blocks - 1) / blocks;
}

// One 64-byte aligned scratch buffer per thread, grown on demand and kept: packing a block
// costs no allocation after the first product.
struct PackBuffer {
    float* data = nullptr;
    size_t capacity = 0;
    float* get(size_t n) {
        if (n > capacity) {
            ::operator delete[](data, std::align_val_t(64));
            data = static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t(64)));
            capacity = n;
        }
        return data;
    }
    ~PackBuffer() { ::operator delete[](data, std::align_val_t(64)); }
};

// How to read a matrix element (i, j) from a strided operand.
struct Operand {
    const float* p;
    int64_t ld;
    bool row_major;
    const float* at(int64_t i, int64_t j) const { return row_major ? p + i * ld + j : p + i + j * ld; }
};

// The mask of the first n lanes of a 16-lane vector (n in [0, 16]).
inline __mmask16 first_lanes(int64_t n) {
    return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// ---- packing -------------------------------------------------------------------------------------
// 16 x 16 transpose in registers: r[i] holds row i on entry, column i on return. Three rounds,
// the usual AVX-512 way: interleave 32-bit elements of row pairs, then 64-bit pairs of those,
// which leaves 4 x 4 blocks in 128-bit lanes; two rounds of 128-bit lane shuffles
// (_mm512_shuffle_f32x4) gather the four blocks of each output row.
inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    const auto lo64 = [](__m512 x, __m512 y) {
        return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)));
    };
    const auto hi64 = [](__m512 x, __m512 y) {
        return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)));
    };
    __m512 q[16];  // q[4b + s], lane L: column 4L + s of rows 4b..4b+3
    for (int b = 0; b < 4; ++b) {
        q[4 * b + 0] = lo64(t[4 * b], t[4 * b + 2]);
        q[4 * b + 1] = hi64(t[4 * b], t[4 * b + 2]);
        q[4 * b + 2] = lo64(t[4 * b + 1], t[4 * b + 3]);
        q[4 * b + 3] = hi64(t[4 * b + 1], t[4 * b + 3]);
    }
    for (int s = 0; s < 4; ++s) {  // output row 4L + s = lane L of q[s], q[4 + s], q[8 + s], q[12 + s]
        const __m512 u0 = _mm512_shuffle_f32x4(q[s], q[4 + s], 0x44);       // q[s].0 .1, q[4+s].0 .1
        const __m512 u1 = _mm512_shuffle_f32x4(q[s], q[4 + s], 0xEE);       // lanes 2, 3
        const __m512 u2 = _mm512_shuffle_f32x4(q[8 + s], q[12 + s], 0x44);
        const __m512 u3 = _mm512_shuffle_f32x4(q[8 + s], q[12 + s], 0xEE);
        r[0 + s] = _mm512_shuffle_f32x4(u0, u2, 0x88);   // lanes 0 of the four
        r[4 + s] = _mm512_shuffle_f32x4(u0, u2, 0xDD);   // lanes 1
        r[8 + s] = _mm512_shuffle_f32x4(u1, u3, 0x88);   // lanes 2
        r[12 + s] = _mm512_shuffle_f32x4(u1, u3, 0xDD);  // lanes 3
    }
}

// Packs kc rows of a panel W values wide (W = kMR or kNR), of which the first w come from the
// source and the rest are zero. Two source shapes:
//   contiguous: panel element (k, j) = src[k * step_k + j]  (each panel row is a run of memory)
//   transposed: panel element (k, j) = src[k + j * step_j]  (each panel column is), gathered 16 x
//               16 at a time through transpose16.
template <int W>
void pack_panel_contiguous(float* dst, const float* src, int64_t step_k, int64_t kc, int64_t w) {
    constexpr int V = (W + 15) / 16;
    __mmask16 load[V], store[V];
    for (int v = 0; v < V; ++v) {
        load[v] = first_lanes(w - 16 * v);
        store[v] = first_lanes(W - 16 * v);
    }
    for (int64_t k = 0; k < kc; ++k, dst += W) {
        const float* s = src + k * step_k;
        for (int v = 0; v < V; ++v)
            _mm512_mask_storeu_ps(dst + 16 * v, store[v], _mm512_maskz_loadu_ps(load[v], s + 16 * v));
    }
}

template <int W>
void pack_panel_transposed(float* dst, const float* src, int64_t step_j, int64_t kc, int64_t w) {
    int64_t k = 0;
    for (; k + 16 <= kc; k += 16) {
        for (int j0 = 0; j0 < W; j0 += 16) {
            __m512 r[16];  // r[j] = 16 k values of panel column j0 + j
            for (int j = 0; j < 16; ++j)
                r[j] = j0 + j < w ? _mm512_loadu_ps(src + k + (j0 + j) * step_j) : _mm512_setzero_ps();
            transpose16(r);  // r[i] = panel row k + i, columns j0..j0+15
            const __mmask16 keep = first_lanes(W - j0);
            for (int i = 0; i < 16; ++i) _mm512_mask_storeu_ps(dst + (k + i) * W + j0, keep, r[i]);
        }
    }
    for (; k < kc; ++k)  // the last kc % 16 rows, element by element
        for (int j = 0; j < W; ++j) dst[k * W + j] = j < w ? src[k + j * step_j] : 0.0f;
}

// a block [mc, kc] (rows i0.., columns p0..) into micro-panels of kMR rows: panel q holds
// rows q*kMR.. as kc columns of kMR values.
void pack_a(float* dst, const Operand& a, int64_t i0, int64_t p0, int64_t mc, int64_t kc) {
    for (int64_t i = 0; i < mc; i += kMR, dst += kMR * kc) {
        const int64_t rows = std::min<int64_t>(kMR, mc - i);
        const float* src = a.at(i0 + i, p0);
        if (a.row_major)  // row r of the block is contiguous in k: a gather across rows
            pack_panel_transposed<kMR>(dst, src, a.ld, kc, rows);
        else  // column k is contiguous in i
            pack_panel_contiguous<kMR>(dst, src, a.ld, kc, rows);
    }
}

// b block [kc, nc] (rows p0.., columns j0..) into micro-panels of kNR columns: panel q holds
// columns q*kNR.. as kc rows of kNR values.
void pack_b(float* dst, const Operand& b, int64_t p0, int64_t j0, int64_t kc, int64_t nc) {
    for (int64_t j = 0; j < nc; j += kNR, dst += kNR * kc) {
        const int64_t cols = std::min<int64_t>(kNR, nc - j);
        const float* src = b.at(p0, j0 + j);
        if (b.row_major)
            pack_panel_contiguous<kNR>(dst, src, b.ld, kc, cols);
        else
            pack_panel_transposed<kNR>(dst, src, b.ld, kc, cols);
    }
}

// ---- the micro-kernel ----------------------------------------------------------------------------
// c tile [m, n] (m <= kMR, n <= 16 * NV) = (add ? c : 0) + a_panel [kMR, kc] x b_panel [kc, kNR]
// (+ bias[r] on row r when bias is given). Computes the full kMR x 16*NV tile (the panels are
// zero-padded) and masks the store. NV = kNV is the full tile; NV = 1 or 2 serve the last
// panel of a product whose N leaves 16 or 32 columns there (N = 196 is 4 full tiles and a
// 4-column one): the same FMAs per column, a third or two thirds of the work of a full tile.
// The b panel keeps its kNR-wide rows either way; the narrow kernels read their first lanes.
template <int NV>
void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
                  int64_t m, int64_t n, bool add, const float* bias) {
    __m512 acc[kMR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
        __m512 bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) {
            const __m512 ar = _mm512_set1_ps(a[r]);  // folds into the FMA as an embedded broadcast
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
        }
        a += kMR;
        b += kNR;
    }
    // The bias is added after the sum (and after c's old value), as a separate "+ bias" would.
    const auto finish = [&](__m512 sum, float* p, __mmask16 mask, int r) {
        if (add) sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, p), sum);
        if (bias != nullptr) sum = _mm512_add_ps(sum, _mm512_set1_ps(bias[r]));
        return sum;
    };
    if (m == kMR && n == 16 * NV) {
#pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) {
                float* p = c + r * ldc + 16 * v;
                _mm512_storeu_ps(p, finish(acc[r][v], p, __mmask16(0xFFFF), r));
            }
        return;
    }
    __mmask16 mask[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) mask[v] = first_lanes(n - 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r) {
        if (r >= m) break;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            float* p = c + r * ldc + 16 * v;
            _mm512_mask_storeu_ps(p, mask[v], finish(acc[r][v], p, mask[v], r));
        }
    }
}

// The kernel for a tile n columns wide: the narrowest that covers it.
using MicroKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, int64_t, bool,
                             const float*);
inline MicroKernel kernel_for(int64_t n) {
    return n > 32 ? micro_kernel<kNV> : n > 16 ? micro_kernel<2> : micro_kernel<1>;
}

}  // namespace

void sgemm_avx512(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                  int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major, bool accumulate,
                  const float* row_bias) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  // an empty sum
        for (int64_t i = 0; i < M; ++i) {
            float* row = c + i * ldc;
            if (!accumulate) std::fill(row, row + N, 0.0f);
            if (row_bias != nullptr)
                for (int64_t j = 0; j < N; ++j) row[j] += row_bias[i];
        }
        return;
    }
    static thread_local PackBuffer a_buffer, b_buffer;
    const Operand A{a, lda, a_row_major}, B{b, ldb, b_row_major};
    const int64_t KC = kc_for(K);
    const int64_t nc_max = std::min<int64_t>(kNC, (N + kNR - 1) / kNR * kNR);
    const int64_t mc_max = std::min<int64_t>(kMC, (M + kMR - 1) / kMR * kMR);
    float* bp = b_buffer.get(static_cast<size_t>(KC * nc_max));
    float* ap = a_buffer.get(static_cast<size_t>(KC * mc_max));

    for (int64_t jc = 0; jc < N; jc += kNC) {
        const int64_t nc = std::min(kNC, N - jc);
        for (int64_t pc = 0; pc < K; pc += KC) {
            const int64_t kc = std::min(KC, K - pc);
            const bool add = accumulate || pc > 0;  // the first k block writes c, later ones add
            const bool last = pc + kc == K;         // the bias goes on with the last k block
            pack_b(bp, B, pc, jc, kc, nc);
            for (int64_t ic = 0; ic < M; ic += kMC) {
                const int64_t mc = std::min(kMC, M - ic);
                pack_a(ap, A, ic, pc, mc, kc);
                for (int64_t jr = 0; jr < nc; jr += kNR) {
                    const int64_t n = std::min<int64_t>(kNR, nc - jr);
                    const MicroKernel kernel = kernel_for(n);
                    for (int64_t ir = 0; ir < mc; ir += kMR)
                        kernel(kc, ap + ir * kc, bp + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                               std::min<int64_t>(kMR, mc - ir), n, add,
                               last && row_bias != nullptr ? row_bias + ic + ir : nullptr);
                }
            }
        }
    }
}

// ---- the dot-product kernel ------------------------------------------------------------------------
// For products whose result is too small for the register tile (conv 1->32's weight gradient
// is [32, 9]: 9 of 48 columns) but whose k is long: each c entry is a dot product of a row of
// a with a column of b, both contiguous in k. A block of kDotMB x kDotNB entries keeps one zmm
// accumulator each, 16 k values wide; every 16 k steps load kDotMB + kDotNB vectors for
// kDotMB * kDotNB FMAs, and at the end each accumulator's 16 lanes are added in a fixed order.
// Rows past the edge of a block point at the last real row, and their results are dropped.
constexpr int kDotMB = 8, kDotNB = 3;

void sgemm_avx512_dot(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                      int64_t lda, int64_t ldb, bool accumulate) {
    if (M <= 0 || N <= 0) return;
    const int64_t k_main = K / 16 * 16;
    const __mmask16 tail = first_lanes(K - k_main);
    for (int64_t i0 = 0; i0 < M; i0 += kDotMB)
        for (int64_t j0 = 0; j0 < N; j0 += kDotNB) {
            const float* ar[kDotMB];
            const float* br[kDotNB];
            for (int r = 0; r < kDotMB; ++r) ar[r] = a + std::min<int64_t>(i0 + r, M - 1) * lda;
            for (int j = 0; j < kDotNB; ++j) br[j] = b + std::min<int64_t>(j0 + j, N - 1) * ldb;
            // The k loop is written out (no helper lambda): with the accumulators behind a
            // reference GCC kept them in memory and stored all 24 every step (3x slower).
            __m512 acc[kDotMB][kDotNB];
#pragma GCC unroll 8
            for (int r = 0; r < kDotMB; ++r)
#pragma GCC unroll 4
                for (int j = 0; j < kDotNB; ++j) acc[r][j] = _mm512_setzero_ps();
            for (int64_t k = 0; k <= k_main; k += 16) {
                const __mmask16 mask = k < k_main ? __mmask16(0xFFFF) : tail;  // the last step: K % 16 lanes
                if (mask == 0) break;
                __m512 bv[kDotNB];
#pragma GCC unroll 4
                for (int j = 0; j < kDotNB; ++j) bv[j] = _mm512_maskz_loadu_ps(mask, br[j] + k);
#pragma GCC unroll 8
                for (int r = 0; r < kDotMB; ++r) {
                    const __m512 av = _mm512_maskz_loadu_ps(mask, ar[r] + k);
#pragma GCC unroll 4
                    for (int j = 0; j < kDotNB; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
                }
            }
            // Reduce with constant indices only: an acc[r][j] indexed by a run-time r would
            // force the whole array into memory for the loop above as well.
            float sums[kDotMB][kDotNB];
#pragma GCC unroll 8
            for (int r = 0; r < kDotMB; ++r)
#pragma GCC unroll 4
                for (int j = 0; j < kDotNB; ++j) sums[r][j] = _mm512_reduce_add_ps(acc[r][j]);
            const int64_t rows = std::min<int64_t>(kDotMB, M - i0), cols = std::min<int64_t>(kDotNB, N - j0);
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < cols; ++j) {
                    float& dst = c[(i0 + r) * ldc + j0 + j];
                    dst = accumulate ? dst + sums[r][j] : sums[r][j];
                }
        }
}

bool sgemm_avx512_compiled() { return true; }

}  // namespace tinydl::cpu

#else  // this compiler or target cannot build the AVX-512 kernel

namespace tinydl::cpu {
void sgemm_avx512(float*, const float*, const float*, int64_t, int64_t, int64_t, int64_t, int64_t, bool, int64_t,
                  bool, bool, const float*) {}
void sgemm_avx512_dot(float*, const float*, const float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                      bool) {}
bool sgemm_avx512_compiled() { return false; }
}  // namespace tinydl::cpu

#endif
