// conv_winograd.cpp — 3x3 stride-1 convolution with Winograd's F(2x2, 3x3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016).
//
// What this is: a 2x2 block of outputs of a 3x3 correlation needs 36 multiplications done
// directly; Winograd's identity gets it from a 4x4 input tile d with 16:
//   Y (2x2) = A^T [ (G g G^T) (.) (B^T d B) ] A          ((.) = elementwise)
// where g is the 3x3 filter and
//   B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
//         [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
//         [0 -1  1  0]         [1/2 -1/2  1/2]
//         [0  1  0 -1]         [ 0    0    1 ]
// Summed over input channels, the 16 elementwise products of every tile become 16 independent
// matrix products, one per position xi of the 4x4 tile:
//   M[xi] [O, T] = U[xi] [O, C] x V[xi] [C, T],   U = G g G^T per (o, c),  V = B^T d B per (c, tile)
// and the output transform A^T m A turns each tile's 16 values of M back into 2x2 outputs.
// That is 2.25x fewer multiply-adds than im2col + GEMM, at the price of the transforms (adds
// only, memory-bound) and slightly larger rounding errors (the transforms add and subtract
// neighbouring values; the tests hold it to a float32 bound against float64).
//
// The work is cut into chunks of kChunkTiles consecutive tiles (over images and tile rows),
// one chunk per parallel_for task: V and M of a chunk stay in L2, and the chunking does not
// depend on the thread count, so neither do the bits.
// What it is not: F(4x4, 3x3) (fewer multiplies still, but larger errors), strides, dilation,
// groups, float64 (conv.cpp keeps im2col for all of those).
#include "src/cpu/conv_winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "src/cpu/gemm.h"
#include "tinydl/determinism.h"
#include "tinydl/error.h"
#include "tinydl/parallel.h"

// The transforms need x86-64 and a compiler that takes per-function targets (GCC, Clang);
// elsewhere winograd_applies says no and conv.cpp keeps im2col.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TINYDL_WINOGRAD_BUILT 1
#include <immintrin.h>
#else
#define TINYDL_WINOGRAD_BUILT 0
#endif

namespace tinydl::cpu {

#if TINYDL_WINOGRAD_BUILT

namespace {

// Tiles per chunk: four full register tiles of the own GEMM's 48 columns.
constexpr int64_t kChunkTiles = 192;

// The input and output transforms are written with AVX-512 intrinsics, 15 or 16 tiles a vector,
// in functions compiled for AVX-512F alone (the target attribute; the rest of the file stays
// portable). winograd_applies only says yes on a CPU that runs the own AVX-512 GEMM, so these
// are never reached elsewhere.
#define TINYDL_AVX512 __attribute__((target("avx512f")))

// Tiles per vector in the input transform (see transform_input_run).
constexpr int64_t kTilesPerGroup = 15;

// Padded row width for a run of `count` tiles: the input transform reads columns up to
// 2 * (last group's first tile) + 32; whole 16-lane vectors.
inline int64_t run_width(int64_t count) {
    return (2 * kTilesPerGroup * ((count - 1) / kTilesPerGroup) + 32 + 15) / 16 * 16;
}

// Lanes [lo, hi) of a 16-lane mask.
TINYDL_AVX512 inline __mmask16 lanes(int64_t lo, int64_t hi) {
    lo = std::clamp<int64_t>(lo, 0, 16);
    hi = std::clamp<int64_t>(hi, lo, 16);
    return static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

// U[xi][o][c] = (G g G^T)[xi] for every filter g = filter(o, c).
void transform_filters(float* U, const float* w, const WinogradConv& s) {
    const int64_t O = s.O, C = s.C;
    for (int64_t o = 0; o < O; ++o)
        for (int64_t c = 0; c < C; ++c) {
            float g[3][3];
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b)  // rotated: filter(o, c)[a][b] = w[c, o, 2 - a, 2 - b]
                    g[a][b] = s.rotated ? w[((c * O + o) * 3 + 2 - a) * 3 + 2 - b] : w[((o * C + c) * 3 + a) * 3 + b];
            float t[4][3];  // G g
            for (int b = 0; b < 3; ++b) {
                t[0][b] = g[0][b];
                t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
                t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
                t[3][b] = g[2][b];
            }
            for (int a = 0; a < 4; ++a) {  // (G g) G^T
                const float u[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]), 0.5f * (t[a][0] - t[a][1] + t[a][2]),
                                    t[a][2]};
                for (int b = 0; b < 4; ++b) U[((a * 4 + b) * O + o) * C + c] = u[b];
            }
        }
}

// 16 columns [col, col + 16) of input row `ih` of a plane, zeros outside the image. m == 0 (all
// padding) forms no pointer past the row; otherwise a masked load (lanes past the row's end
// are not read), or at the left padding an expanding one (lane -col gets column 0; slower,
// once per row).
TINYDL_AVX512 inline __m512 load_input(const float* plane, int64_t H, int64_t W, int64_t ih, int64_t col) {
    if (ih < 0 || ih >= H) return _mm512_setzero_ps();
    const __mmask16 m = lanes(-col, W - col);
    if (m == 0) return _mm512_setzero_ps();
    const float* row = plane + ih * W;
    return col >= 0 ? _mm512_maskz_loadu_ps(m, row + col) : _mm512_maskz_expandloadu_ps(m, row);
}

// V = B^T d B for `count` tiles along a tile row of one channel: the tile row's four input rows
// start at row ih0 and column col0 of the plane (zeros outside it). t: scratch of 4 * width
// (width = run_width(count)). Tile tj's 16 values go to v[xi * xi_stride + tj].
TINYDL_AVX512 void transform_input_run(float* v, int64_t xi_stride, const float* plane, int64_t H, int64_t W,
                                       int64_t ih0, int64_t col0, float* t, int64_t width, int64_t count) {
    for (int64_t q = 0; q < width; q += 16) {  // B^T d: combine the rows, read straight from the plane
        const __m512 d0 = load_input(plane, H, W, ih0, col0 + q), d1 = load_input(plane, H, W, ih0 + 1, col0 + q);
        const __m512 d2 = load_input(plane, H, W, ih0 + 2, col0 + q), d3 = load_input(plane, H, W, ih0 + 3, col0 + q);
        _mm512_storeu_ps(t + q, _mm512_sub_ps(d0, d2));
        _mm512_storeu_ps(t + width + q, _mm512_add_ps(d1, d2));
        _mm512_storeu_ps(t + 2 * width + q, _mm512_sub_ps(d2, d1));
        _mm512_storeu_ps(t + 3 * width + q, _mm512_sub_ps(d1, d3));
    }
    // (B^T d) B: the same combinations along each row, 15 tiles at a time: tile tj reads
    // columns 2 tj .. 2 tj + 3, so 15 tiles need 32 columns, two loads (16 tiles would need a
    // third for their last two columns).
    const __m512i ia = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i ib = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i ic = _mm512_setr_epi32(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 30);
    const __m512i id = _mm512_setr_epi32(3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 31);
    for (int k = 0; k < 4; ++k) {
        const float* x = t + k * width;
        for (int64_t tj = 0; tj < count; tj += kTilesPerGroup) {
            const __m512 x0 = _mm512_loadu_ps(x + 2 * tj), x1 = _mm512_loadu_ps(x + 2 * tj + 16);
            const __m512 a = _mm512_permutex2var_ps(x0, ia, x1), b = _mm512_permutex2var_ps(x0, ib, x1);
            const __m512 c = _mm512_permutex2var_ps(x0, ic, x1), d = _mm512_permutex2var_ps(x0, id, x1);
            const __mmask16 m = lanes(0, std::min<int64_t>(kTilesPerGroup, count - tj));
            float* out = v + (k * 4) * xi_stride + tj;
            _mm512_mask_storeu_ps(out, m, _mm512_sub_ps(a, c));
            _mm512_mask_storeu_ps(out + xi_stride, m, _mm512_add_ps(b, c));
            _mm512_mask_storeu_ps(out + 2 * xi_stride, m, _mm512_sub_ps(c, b));
            _mm512_mask_storeu_ps(out + 3 * xi_stride, m, _mm512_sub_ps(b, d));
        }
    }
}

// Narrow images (tile rows of at most 7 tiles: 16 input columns) would leave most lanes of the
// run-by-run transform empty, so two tile rows of the same image share the vectors: lanes
// [0, count) hold tile row ti, lanes [count, 2 count) tile row ti + 1. Their six input rows
// (ti's four, of which ti + 1 shares two) are one vector each; PairIndex picks, for every
// lane, column 2 tj + e (e = 0..3) of its own tile row's combined row: first operand for ti,
// second for ti + 1.
struct PairIndex {
    __m512i e[4];
    __m512i out[2];  // output rows: lane 2j <- even[j (+ count)], lane 2j + 1 <- odd[j (+ count)]
};
TINYDL_AVX512 PairIndex pair_index(int64_t count) {
    PairIndex p;
    for (int half = 0; half < 2; ++half) {
        alignas(64) int32_t idx[16];
        for (int l = 0; l < 16; ++l) idx[l] = std::min(l / 2 + half * static_cast<int>(count), 15) + (l % 2) * 16;
        p.out[half] = _mm512_load_si512(idx);
    }
    for (int e = 0; e < 4; ++e) {
        alignas(64) int32_t idx[16];
        for (int l = 0; l < 16; ++l) {
            const int second = l >= count ? 1 : 0, tj = std::min<int>(l - second * static_cast<int>(count),
                                                                      static_cast<int>(count) - 1);
            idx[l] = second * 16 + std::min(2 * tj + e, 15);
        }
        p.e[e] = _mm512_load_si512(idx);
    }
    return p;
}

// V = B^T d B for two full tile rows ti, ti + 1 (count <= 7 tiles each) of one channel, their
// input rows starting at ih0; the 2 count tiles go to v[xi * xi_stride + 0 .. 2 count).
TINYDL_AVX512 void transform_input_pair(float* v, int64_t xi_stride, const float* plane, int64_t H, int64_t W,
                                        int64_t ih0, int64_t col0, int64_t count, const PairIndex& p) {
    __m512 r[6];
    for (int a = 0; a < 6; ++a) r[a] = load_input(plane, H, W, ih0 + a, col0);
    // B^T d for both tile rows (ti + 1's rows are r[2..5]).
    const __m512 ta[4] = {_mm512_sub_ps(r[0], r[2]), _mm512_add_ps(r[1], r[2]), _mm512_sub_ps(r[2], r[1]),
                          _mm512_sub_ps(r[1], r[3])};
    const __m512 tb[4] = {_mm512_sub_ps(r[2], r[4]), _mm512_add_ps(r[3], r[4]), _mm512_sub_ps(r[4], r[3]),
                          _mm512_sub_ps(r[3], r[5])};
    const __mmask16 m = lanes(0, 2 * count);
    for (int k = 0; k < 4; ++k) {
        const __m512 a = _mm512_permutex2var_ps(ta[k], p.e[0], tb[k]), b = _mm512_permutex2var_ps(ta[k], p.e[1], tb[k]);
        const __m512 c = _mm512_permutex2var_ps(ta[k], p.e[2], tb[k]), d = _mm512_permutex2var_ps(ta[k], p.e[3], tb[k]);
        float* out = v + (k * 4) * xi_stride;
        _mm512_mask_storeu_ps(out, m, _mm512_sub_ps(a, c));
        _mm512_mask_storeu_ps(out + xi_stride, m, _mm512_add_ps(b, c));
        _mm512_mask_storeu_ps(out + 2 * xi_stride, m, _mm512_sub_ps(c, b));
        _mm512_mask_storeu_ps(out + 3 * xi_stride, m, _mm512_sub_ps(b, d));
    }
}

// One output row of 16 tiles from the row's four A^T m vectors s: even columns s0 + s1 + s2,
// odd columns s1 - s2 - s3 (+ bias), interleaved into 32 values, stored through two masks.
TINYDL_AVX512 inline void store_output_row(float* y, const __m512 s[4], __m512 bias, __mmask16 first,
                                           __mmask16 second) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512 even = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), s[2]), bias);
    const __m512 odd = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[1], s[2]), s[3]), bias);
    _mm512_mask_storeu_ps(y, first, _mm512_permutex2var_ps(even, lo, odd));
    if (second != 0) _mm512_mask_storeu_ps(y + 16, second, _mm512_permutex2var_ps(even, hi, odd));
}

// Y = A^T m A (+ bias) for `count` tiles along a tile row of one output channel: m[xi] at
// m + xi * xi_stride + tj; the 2 x 2 outputs go to rows y0 and y1 (y1 == nullptr: the last
// output row does not exist), columns [0, cols) of 2 * count.
TINYDL_AVX512 void transform_output_run(float* y0, float* y1, const float* m, int64_t xi_stride, int64_t count,
                                        int64_t cols, float bias) {
    const __m512 b = _mm512_set1_ps(bias);
    for (int64_t tj = 0; tj < count; tj += 16) {
        const __mmask16 m16 = lanes(0, count - tj);
        __m512 s0[4], s1[4];  // A^T m: rows 0 and 1
        for (int l = 0; l < 4; ++l) {
            const __m512 m0 = _mm512_maskz_loadu_ps(m16, m + (0 * 4 + l) * xi_stride + tj);
            const __m512 m1 = _mm512_maskz_loadu_ps(m16, m + (1 * 4 + l) * xi_stride + tj);
            const __m512 m2 = _mm512_maskz_loadu_ps(m16, m + (2 * 4 + l) * xi_stride + tj);
            const __m512 m3 = _mm512_maskz_loadu_ps(m16, m + (3 * 4 + l) * xi_stride + tj);
            s0[l] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
            s1[l] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
        }
        const int64_t c0 = 2 * tj;  // output columns [c0, c0 + 32) of this group
        const __mmask16 first = lanes(0, cols - c0), second = lanes(0, cols - c0 - 16);
        store_output_row(y0 + c0, s0, b, first, second);
        if (y1 != nullptr) store_output_row(y1 + c0, s1, b, first, second);
    }
}

// Y = A^T m A (+ bias) for two full tile rows ti, ti + 1 (count <= 7 tiles each; lanes as in
// transform_input_pair) of one output channel: y[0..3] are output rows 2 ti .. 2 ti + 3
// (nullptr past the last row), `cols` columns each.
TINYDL_AVX512 void transform_output_pair(float* const y[4], const float* m, int64_t xi_stride, int64_t count,
                                         int64_t cols, float bias, const PairIndex& p) {
    const __mmask16 m16 = lanes(0, 2 * count);
    __m512 s[2][4];  // A^T m: rows 0 and 1
    for (int l = 0; l < 4; ++l) {
        const __m512 m0 = _mm512_maskz_loadu_ps(m16, m + (0 * 4 + l) * xi_stride);
        const __m512 m1 = _mm512_maskz_loadu_ps(m16, m + (1 * 4 + l) * xi_stride);
        const __m512 m2 = _mm512_maskz_loadu_ps(m16, m + (2 * 4 + l) * xi_stride);
        const __m512 m3 = _mm512_maskz_loadu_ps(m16, m + (3 * 4 + l) * xi_stride);
        s[0][l] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        s[1][l] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
    }
    const __m512 b = _mm512_set1_ps(bias);
    const __mmask16 store = lanes(0, cols);
    for (int r = 0; r < 2; ++r) {  // row r of both tile rows' 2 x 2 outputs
        const __m512 even = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[r][0], s[r][1]), s[r][2]), b);
        const __m512 odd = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[r][1], s[r][2]), s[r][3]), b);
        for (int half = 0; half < 2; ++half)
            if (y[2 * half + r] != nullptr)
                _mm512_mask_storeu_ps(y[2 * half + r], store, _mm512_permutex2var_ps(even, p.out[half], odd));
    }
}

// (A dY) A^T of 16 tiles' 2 x 2 output gradients y[r][q] into dm[xi * xi_stride + lane].
TINYDL_AVX512 inline void store_grad_tiles(float* dm, int64_t xi_stride, const __m512 y[2][2], __mmask16 m) {
    const __m512 zero = _mm512_setzero_ps();
    __m512 e[4][2];  // A dY
    for (int q = 0; q < 2; ++q) {
        e[0][q] = y[0][q];
        e[1][q] = _mm512_add_ps(y[0][q], y[1][q]);
        e[2][q] = _mm512_sub_ps(y[0][q], y[1][q]);
        e[3][q] = _mm512_sub_ps(zero, y[1][q]);
    }
    for (int k = 0; k < 4; ++k) {  // (A dY) A^T
        float* out = dm + (k * 4) * xi_stride;
        _mm512_mask_storeu_ps(out, m, e[k][0]);
        _mm512_mask_storeu_ps(out + xi_stride, m, _mm512_add_ps(e[k][0], e[k][1]));
        _mm512_mask_storeu_ps(out + 2 * xi_stride, m, _mm512_sub_ps(e[k][0], e[k][1]));
        _mm512_mask_storeu_ps(out + 3 * xi_stride, m, _mm512_sub_ps(zero, e[k][1]));
    }
}

// The adjoint of the output transform for `count` tiles along a tile row of one output
// channel: dm = A dY A^T, dY the tile's 2 x 2 output gradient (rows g0 and g1 from column 0;
// g1 == nullptr past the last output row; columns >= cols are outside the output: 0). Writes
// dm[xi] at dm + xi * xi_stride + tj.
TINYDL_AVX512 void transform_grad_run(float* dm, int64_t xi_stride, const float* g0, const float* g1, int64_t count,
                                      int64_t cols) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int64_t tj = 0; tj < count; tj += 16) {
        const int64_t c0 = 2 * tj;
        const __mmask16 first = lanes(0, cols - c0), second = lanes(0, cols - c0 - 16);
        __m512 y[2][2];  // y[r][q]: dY[r][q] of 16 tiles
        for (int r = 0; r < 2; ++r) {
            const float* row = r == 0 ? g0 : g1;
            if (row == nullptr) {
                y[r][0] = y[r][1] = _mm512_setzero_ps();
                continue;
            }
            const __m512 lo = _mm512_maskz_loadu_ps(first, row + c0);
            const __m512 hi = second != 0 ? _mm512_maskz_loadu_ps(second, row + c0 + 16) : _mm512_setzero_ps();
            y[r][0] = _mm512_permutex2var_ps(lo, even, hi);
            y[r][1] = _mm512_permutex2var_ps(lo, odd, hi);
        }
        store_grad_tiles(dm + tj, xi_stride, y, lanes(0, count - tj));
    }
}

// dm = A dY A^T for two full tile rows ti, ti + 1 (count <= 7 tiles each; lanes as in
// transform_input_pair) of one output channel: g[0..3] are output-gradient rows 2 ti .. 2 ti + 3
// (nullptr past the last row: zeros), `cols` columns each.
TINYDL_AVX512 void transform_grad_pair(float* dm, int64_t xi_stride, const float* const g[4], int64_t count,
                                       int64_t cols, const PairIndex& p) {
    const __mmask16 valid = lanes(0, cols);
    __m512 rows[4];
    for (int r = 0; r < 4; ++r) rows[r] = g[r] != nullptr ? _mm512_maskz_loadu_ps(valid, g[r]) : _mm512_setzero_ps();
    __m512 y[2][2];  // y[r][q]: dY[r][q], tile row ti in the first count lanes, ti + 1 after
    for (int r = 0; r < 2; ++r)
        for (int q = 0; q < 2; ++q) y[r][q] = _mm512_permutex2var_ps(rows[r], p.e[q], rows[2 + r]);
    store_grad_tiles(dm, xi_stride, y, lanes(0, 2 * count));
}

// Per-thread scratch, kept between calls.
float* scratch(int which, size_t n) {
    static thread_local std::vector<float> buffers[4];
    std::vector<float>& b = buffers[which];
    if (b.size() < n) b.resize(n);
    return b.data();
}

// Tiles are numbered over the whole batch, image by image, row by row: t = (n * tH + ti) * tW
// + tj. A chunk [t0, t0 + tc) is walked as runs along tile rows: f(local index of the run's
// first tile, image n, tile row ti, tiles [tj0, tj1)).
struct Tiling {
    int64_t tW, T;  // tiles per row, per image
};
template <typename F> void for_each_run(const Tiling& tiling, int64_t t0, int64_t tc, F&& f) {
    for (int64_t t = t0; t < t0 + tc;) {
        const int64_t n = t / tiling.T, ti = t % tiling.T / tiling.tW, tj0 = t % tiling.tW;
        const int64_t tj1 = std::min(tiling.tW, tj0 + (t0 + tc - t));
        f(t - t0, n, ti, tj0, tj1);
        t += tj1 - tj0;
    }
}

// V [C][16][tc] = B^T d B of every (channel, tile) of the chunk. Channel by channel, so that
// each of V's rows is written in order. rows: scratch of 4 * run_width(longest run).
// The chunk's runs, with two consecutive full tile rows of one image merged into a pair when
// they are narrow enough to share vectors (transform_input_pair): tile rows ti (and ti + 1),
// tiles [tj0, tj0 + count), the first at local index `local` of the chunk.
struct Item {
    int64_t local, n, ti, tj0, count;
    bool pair;
};
std::vector<Item> chunk_items(const Tiling& tiling, int64_t t0, int64_t tc) {
    std::vector<Item> items;
    const bool narrow = tiling.tW <= 7;
    for_each_run(tiling, t0, tc, [&](int64_t local, int64_t n, int64_t ti, int64_t tj0, int64_t tj1) {
        const bool full = tj0 == 0 && tj1 == tiling.tW;
        Item* last = items.empty() ? nullptr : &items.back();
        if (narrow && full && last != nullptr && !last->pair && last->tj0 == 0 && last->count == tiling.tW &&
            last->n == n && last->ti + 1 == ti)
            last->pair = true;
        else
            items.push_back({local, n, ti, tj0, tj1 - tj0, false});
    });
    return items;
}

void input_transform_chunk(float* V, const float* in, const WinogradConv& s, const Tiling& tiling, int64_t t0,
                           int64_t tc, float* rows) {
    const std::vector<Item> items = chunk_items(tiling, t0, tc);
    const PairIndex pairs = pair_index(tiling.tW);
    for (int64_t c = 0; c < s.C; ++c)
        for (const Item& it : items) {
            const float* plane = in + (it.n * s.C + c) * s.H * s.W;
            float* v = V + c * 16 * tc + it.local;
            const int64_t ih0 = 2 * it.ti - s.pad_h, col0 = 2 * it.tj0 - s.pad_w;
            if (it.pair)
                transform_input_pair(v, tc, plane, s.H, s.W, ih0, col0, it.count, pairs);
            else
                transform_input_run(v, tc, plane, s.H, s.W, ih0, col0, rows, run_width(it.count), it.count);
        }
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
    static const bool enabled = [] {
        const char* env = std::getenv("TINYDL_CONV_WINOGRAD");
        return env == nullptr || std::strcmp(env, "0") != 0;
    }();
    return enabled && gemm_variant().f32_split_invariant && g.kH == 3 && g.kW == 3 && g.sH == 1 && g.sW == 1 &&
           g.dH == 1 && g.dW == 1 && g.groups == 1 && g.C >= 8 && g.O >= 8 && g.N * g.L() > 0;
}

void winograd_conv3x3(float* out, const float* in, const float* w, const float* bias, const WinogradConv& s) {
    const GemmFn<float> gemm = gemm_variant().f32;
    const int64_t C = s.C, O = s.O;
    const int64_t tH = (s.oH + 1) / 2, tW = (s.oW + 1) / 2, T = tH * tW;  // tiles per image
    const int64_t total = s.N * T;
    std::vector<float> U(static_cast<size_t>(16 * O * C));
    transform_filters(U.data(), w, s);

    const int64_t chunks = (total + kChunkTiles - 1) / kChunkTiles;
    const Tiling tiling{tW, T};
    const int64_t row_width = run_width(std::min(tW, kChunkTiles));
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
        // V [C][16][tc] and M [O][16][tc]: a channel's 16 rows side by side, so that each
        // transform reads or writes one contiguous block per channel (the GEMMs read and write
        // them with a row stride of 16 tc).
        float* V = scratch(0, static_cast<size_t>(16 * C * kChunkTiles));
        float* M = scratch(1, static_cast<size_t>(16 * O * kChunkTiles));
        float* rows = scratch(2, static_cast<size_t>(4 * row_width));  // the 4 combined rows
        const PairIndex pairs = pair_index(tW);
        for (int64_t chunk = begin; chunk < end; ++chunk) {
            const int64_t t0 = chunk * kChunkTiles, tc = std::min(kChunkTiles, total - t0);
            // 1. V = B^T d B for every (channel, tile) of the chunk.
            input_transform_chunk(V, in, s, tiling, t0, tc, rows);
            // 2. M[xi] = U[xi] V[xi]: 16 products [O, C] x [C, tc].
            for (int64_t xi = 0; xi < 16; ++xi)
                gemm(M + xi * tc, U.data() + xi * O * C, V + xi * tc, O, tc, C, 16 * tc, C, true, 16 * tc, true);
            // 3. Y = A^T m A (+ bias) into the output planes, channel by channel (M's rows in order).
            const std::vector<Item> items = chunk_items(tiling, t0, tc);
            for (int64_t o = 0; o < O; ++o)
                for (const Item& it : items) {
                    const int64_t i0 = 2 * it.ti, j0 = 2 * it.tj0;
                    const int64_t cols = std::min(2 * it.count, s.oW - j0);
                    float* plane = out + (it.n * O + o) * s.oH * s.oW;
                    const auto row = [&](int64_t i) { return i < s.oH ? plane + i * s.oW + j0 : nullptr; };
                    const float b = bias != nullptr ? bias[o] : 0.0f;
                    const float* m = M + o * 16 * tc + it.local;
                    if (it.pair) {
                        float* const y[4] = {row(i0), row(i0 + 1), row(i0 + 2), row(i0 + 3)};
                        transform_output_pair(y, m, tc, it.count, cols, b, pairs);
                    } else {
                        transform_output_run(row(i0), row(i0 + 1), m, tc, it.count, cols, b);
                    }
                }
        }
    });
}

void winograd_weight_grad3x3(float* gw, const float* gy, const float* x, const WinogradConv& s) {
    const GemmVariant& v = gemm_variant();
    const int64_t C = s.C, O = s.O;
    const int64_t tH = (s.oH + 1) / 2, tW = (s.oW + 1) / 2, T = tH * tW;
    const int64_t total = s.N * T, chunks = (total + kChunkTiles - 1) / kChunkTiles;
    const Tiling tiling{tW, T};
    const int64_t row_width = run_width(std::min(tW, kChunkTiles));
    // dU[xi] = sum over tiles of dM[xi] [O, t] x V[xi]^T [t, C], as [O, C] or transposed as
    // [C, O], whichever fills the GEMM's register tiles (8 rows x 16-column vectors) better.
    const auto cost = [](int64_t m, int64_t n) { return (m + 7) / 8 * ((n + 15) / 16); };
    const bool transposed = cost(C, O) <= cost(O, C);
    // A fixed number of tile ranges, each summing its chunks in order into its own dU; the
    // ranges are added in order at the end: the bits do not depend on the thread count.
    const int64_t ranges = std::min<int64_t>(chunks, kDeterministicParts);
    std::vector<float> dU(static_cast<size_t>(ranges * 16 * O * C));
    parallel_for(0, ranges, 1, [&](int64_t rb, int64_t re) {
        float* V = scratch(0, static_cast<size_t>(16 * C * kChunkTiles));  // [C][16][tc]
        float* M = scratch(1, static_cast<size_t>(16 * O * kChunkTiles));  // [O][16][tc]: dM
        float* rows = scratch(2, static_cast<size_t>(4 * row_width));
        const PairIndex pairs = pair_index(tW);
        for (int64_t range = rb; range < re; ++range) {
            float* acc = dU.data() + range * 16 * O * C;
            const int64_t c_begin = range * chunks / ranges, c_end = (range + 1) * chunks / ranges;
            for (int64_t chunk = c_begin; chunk < c_end; ++chunk) {
                const int64_t t0 = chunk * kChunkTiles, tc = std::min(kChunkTiles, total - t0);
                input_transform_chunk(V, x, s, tiling, t0, tc, rows);  // V = B^T d B of the input
                const std::vector<Item> items = chunk_items(tiling, t0, tc);
                for (int64_t o = 0; o < O; ++o)  // dM = A dY A^T of the output gradient
                    for (const Item& it : items) {
                        const int64_t i0 = 2 * it.ti, j0 = 2 * it.tj0;
                        const int64_t cols = std::min(2 * it.count, s.oW - j0);
                        const float* plane = gy + (it.n * O + o) * s.oH * s.oW;
                        const auto row = [&](int64_t i) { return i < s.oH ? plane + i * s.oW + j0 : nullptr; };
                        float* dm = M + o * 16 * tc + it.local;
                        if (it.pair) {
                            const float* const g[4] = {row(i0), row(i0 + 1), row(i0 + 2), row(i0 + 3)};
                            transform_grad_pair(dm, tc, g, it.count, cols, pairs);
                        } else {
                            transform_grad_run(dm, tc, row(i0), row(i0 + 1), it.count, cols);
                        }
                    }
                const bool first = chunk == c_begin;  // the range's first chunk writes, the others add
                for (int64_t xi = 0; xi < 16; ++xi) {
                    float* d = acc + xi * O * C;
                    if (transposed)  // dU^T [C, O] (+)= V[xi] [C, tc] x dM[xi]^T [tc, O]
                        (first ? v.f32 : v.f32_add)(d, V + xi * tc, M + xi * tc, C, O, tc, O, 16 * tc, true, 16 * tc,
                                                    false);
                    else  // dU [O, C] (+)= dM[xi] [O, tc] x V[xi]^T [tc, C]
                        (first ? v.f32 : v.f32_add)(d, M + xi * tc, V + xi * tc, O, C, tc, C, 16 * tc, true, 16 * tc,
                                                    false);
                }
            }
        }
    });
    for (int64_t r = 1; r < ranges; ++r)
        for (size_t i = 0; i < static_cast<size_t>(16 * O * C); ++i) dU[i] += dU[r * 16 * O * C + i];
    // grad_w = G^T dU G per (o, c), the adjoint of U = G g G^T.
    for (int64_t o = 0; o < O; ++o)
        for (int64_t c = 0; c < C; ++c) {
            float u[4][4];
            for (int xi = 0; xi < 16; ++xi)
                u[xi / 4][xi % 4] = transposed ? dU[(xi * C + c) * O + o] : dU[(xi * O + o) * C + c];
            float t[3][4];  // G^T dU: G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]
            for (int l = 0; l < 4; ++l) {
                t[0][l] = u[0][l] + 0.5f * (u[1][l] + u[2][l]);
                t[1][l] = 0.5f * (u[1][l] - u[2][l]);
                t[2][l] = 0.5f * (u[1][l] + u[2][l]) + u[3][l];
            }
            for (int a = 0; a < 3; ++a) {  // (G^T dU) G
                float* out = gw + ((o * C + c) * 3 + a) * 3;
                out[0] = t[a][0] + 0.5f * (t[a][1] + t[a][2]);
                out[1] = 0.5f * (t[a][1] - t[a][2]);
                out[2] = 0.5f * (t[a][1] + t[a][2]) + t[a][3];
            }
        }
}

#else  // no AVX-512 transforms in this build

bool winograd_applies(const ConvGeometry&) { return false; }
void winograd_conv3x3(float*, const float*, const float*, const float*, const WinogradConv&) {
    throw Error("conv2d: Winograd convolution is not built for this target");
}
void winograd_weight_grad3x3(float*, const float*, const float*, const WinogradConv&) {
    throw Error("conv2d: Winograd convolution is not built for this target");
}

#endif

}  // namespace tinydl::cpu
