// matmul.cpp — CPU GEMM: out = a x b for one matrix pair (mm) or a batch of them (bmm).
//
// What this is: the layer between tinydl's strided views and a dense GEMM on raw pointers. It
// reads each operand's storage order from its strides (Note [GEMM layouts] in matmul.h, so a
// transposed tensor costs no copy), splits the work into independent single-threaded GEMMs for
// parallel_for, and calls the GEMM built for the best instruction set this CPU has (gemm.h):
// tinydl's own packed kernel for float32 on AVX-512 CPUs (gemm_avx512.cpp), Eigen's otherwise.
// The naive triple loop every product must agree with is reference_matmul in
// tests/ops/test_matmul.cpp; read that first.
//
// Dimension legend: a [M, K], b [K, N], out [M, N]; B matrices in a batch.
#include "src/cpu/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "src/cpu/gemm.h"
#include "src/cpu/gemm_avx512.h"
#include "tinydl/determinism.h"
#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {
void sgemm_avx512_set(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                      int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major) {
    sgemm_avx512(c, a, b, M, N, K, ldc, lda, a_row_major, ldb, b_row_major, /*accumulate=*/false);
}
void sgemm_avx512_add(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                      int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major) {
    sgemm_avx512(c, a, b, M, N, K, ldc, lda, a_row_major, ldb, b_row_major, /*accumulate=*/true);
}
void sgemm_avx512_row_bias(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                           int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major, const float* row_bias) {
    sgemm_avx512(c, a, b, M, N, K, ldc, lda, a_row_major, ldb, b_row_major, /*accumulate=*/false, row_bias);
}
void sgemm_avx512_dot_set(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                          int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major) {
    TINYDL_ASSERT(a_row_major && !b_row_major, "sgemm_avx512_dot reads a row-major a and a column-major b");
    sgemm_avx512_dot(c, a, b, M, N, K, ldc, lda, ldb, /*accumulate=*/false);
}
void sgemm_avx512_dot_add(float* c, const float* a, const float* b, int64_t M, int64_t N, int64_t K, int64_t ldc,
                          int64_t lda, bool a_row_major, int64_t ldb, bool b_row_major) {
    TINYDL_ASSERT(a_row_major && !b_row_major, "sgemm_avx512_dot reads a row-major a and a column-major b");
    sgemm_avx512_dot(c, a, b, M, N, K, ldc, lda, ldb, /*accumulate=*/true);
}
}  // namespace

// float32 from the own kernel, the other dtypes from the AVX2 Eigen build (every AVX-512F CPU
// has AVX2 and FMA).
const GemmVariant* gemm_avx512() {
    static const GemmVariant* variant = []() -> const GemmVariant* {
        const GemmVariant* avx2 = gemm_avx2();
        if (!sgemm_avx512_compiled() || avx2 == nullptr) return nullptr;
        static GemmVariant v = *avx2;
        v.name = "avx512";
        v.f32 = sgemm_avx512_set;
        v.f32_add = sgemm_avx512_add;
        v.f32_dot = sgemm_avx512_dot_set;
        v.f32_dot_add = sgemm_avx512_dot_add;
        v.f32_row_bias = sgemm_avx512_row_bias;
        v.f32_split_invariant = true;
        v.f32_tile_m = kSgemmAvx512TileM;
        v.f32_tile_n = kSgemmAvx512VectorN;
        return &v;
    }();
    return variant;
}

// Asked once: a CPU does not change under a running program.
const GemmVariant& gemm_variant() {
    static const GemmVariant& chosen = []() -> const GemmVariant& {
        const char* wanted = std::getenv("TINYDL_CPU_GEMM");  // see gemm.h
        const auto allowed = [&](const char* name) {
            return wanted == nullptr || *wanted == '\0' || std::strcmp(wanted, name) == 0;
        };
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        // __builtin_cpu_supports also checks that the OS saves the AVX registers (XGETBV).
        const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        const GemmVariant* avx512 = gemm_avx512();
        if (avx512 != nullptr && has_avx2 && __builtin_cpu_supports("avx512f") && allowed("avx512")) return *avx512;
        const GemmVariant* avx2 = gemm_avx2();
        if (avx2 != nullptr && has_avx2 && (allowed("avx2") || allowed("avx512"))) return *avx2;
#endif
        return gemm_baseline();
    }();
    return chosen;
}

namespace {

// Note [Splitting a GEMM across threads]: Eigen can spread one product over OpenMP threads
// itself, but its threads work in lockstep (each packs a panel of B that all of them read, then
// waits for the others), so one descheduled thread stalls the rest: on a busy 2-core machine,
// 2 threads ran a 256^3 product 30x slower than 1. Here the work is cut into independent tasks
// instead, each a single-threaded GEMM, and parallel_for runs them: whole products when a batch
// has enough of them, else slabs of one product (row slabs of a and c, or column slabs of b
// and c, whichever dim is longer). A slab repacks the other operand, a cost of O(K x its
// width) beside O(M N K / tasks) of arithmetic.
constexpr int64_t kMinTaskWork = int64_t{1} << 20;  // multiply-adds: ~20 us, worth a thread wake-up

// One dtype's GEMM and what the thread split must know about it (GemmVariant).
template <typename T> struct GemmPlan {
    GemmFn<T> gemm;
    bool split_invariant = false;  // bits independent of the slab cut
    int64_t tile_m = 16, tile_n = 16;  // slab edges on whole register tiles
};

// out [B, M, N] = a [B, M, K] x b [B, K, N], with batch strides (in elements) batch_a, batch_b.
template <typename T> void batched_gemm(const GemmPlan<T>& plan, const TensorView& out, const TensorView& a,
                                        const TensorView& b, int64_t B, int64_t batch_a, int64_t batch_b) {
    const GemmFn<T> gemm = plan.gemm;
    const int64_t nd = a.ndim();
    const int64_t M = a.sizes[nd - 2], K = a.sizes[nd - 1], N = b.sizes[nd - 1];
    T* c = out.ptr<T>();
    if (K == 0) {  // an empty sum: every entry is 0
        std::fill(c, c + B * M * N, T(0));
        return;
    }
    const GemmLayout la = gemm_layout(M, K, a.strides[nd - 2], a.strides[nd - 1]);
    const GemmLayout lb = gemm_layout(K, N, b.strides[nd - 2], b.strides[nd - 1]);
    TINYDL_ASSERT(la.ok && lb.ok, "matmul kernel: operand without a GEMM layout (strides ", a.strides,
                  " and ", b.strides, "); the op should have made it contiguous");
    const T* pa = a.ptr<const T>();
    const T* pb = b.ptr<const T>();

    // How many tasks, and how many slabs per product (see the Note above).
    const int64_t work = M * N * K;
    // Deterministic mode: a slab's Eigen GEMM rounds differently from the whole product's (its
    // blocking depends on the operand widths), so the split must not follow the thread count.
    // The own AVX-512 kernel rounds the same whatever the cut (split_invariant): no need.
    const int64_t max_tasks =
        is_deterministic() && !plan.split_invariant ? kDeterministicParts : get_num_threads();
    const int64_t tasks = std::clamp<int64_t>(B * work / kMinTaskWork, 1, max_tasks);
    const int64_t slabs = B >= tasks ? 1 : (tasks + B - 1) / B;
    bool split_n = N >= M;
    if (plan.split_invariant && slabs > 1) {
        // The own kernel computes whole tile_m x tile_n blocks, and every slab packs all of the
        // operand that is not cut: cut the dim that leaves the busiest slab the least work, per
        // k step, tile_m * tile_n multiply-adds per block (one vector FMA per row of a block)
        // plus packing, ~1/4 of an FMA's time per value (16 x 16 transposes). W1's [128, 784] x
        // [784, 512] cut by rows has each thread pack all of the 784 x 512 weight (a third more
        // packing than cutting the columns, for the same FMAs).
        const auto tiles = [](int64_t n, int64_t t) { return (n + t - 1) / t; };
        const auto work = [&](int64_t m, int64_t n) {
            return static_cast<double>(tiles(m, plan.tile_m) * plan.tile_m * tiles(n, plan.tile_n)) +
                   0.25 * static_cast<double>(m + n);
        };
        const double cost_n = work(M, tiles(N, slabs)), cost_m = work(tiles(M, slabs), N);
        if (cost_n != cost_m) split_n = cost_n < cost_m;
    }
    const int64_t length = split_n ? N : M;
    const int64_t align = split_n ? plan.tile_n : plan.tile_m;
    const auto edge = [&](int64_t s) { return s == slabs ? length : s * length / slabs / align * align; };

    const auto run = [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
            const int64_t i = task / slabs, s = task % slabs;
            const int64_t lo = edge(s), hi = edge(s + 1);
            if (hi <= lo) continue;
            T* ci = c + i * M * N;
            const T* ai = pa + i * batch_a;
            const T* bi = pb + i * batch_b;
            if (split_n)  // columns [lo, hi) of b and c
                gemm(ci + lo, ai, bi + lo * (lb.row_major ? 1 : lb.ld), M, hi - lo, K, N, la.ld, la.row_major,
                     lb.ld, lb.row_major);
            else  // rows [lo, hi) of a and c
                gemm(ci + lo * N, ai + lo * (la.row_major ? la.ld : 1), bi, hi - lo, N, K, N, la.ld,
                     la.row_major, lb.ld, lb.row_major);
        }
    };
    const int64_t n_tasks = B * slabs;
    if (tasks == 1)
        run(0, n_tasks);
    else
        parallel_for(0, n_tasks, std::max<int64_t>(1, n_tasks / tasks), run);
}

// float32/64 and int64/32; bool and uint8 are refused, as PyTorch's CPU addmm refuses bool.
template <typename F> void dispatch_gemm(DType dtype, F&& f) {
    const GemmVariant& v = gemm_variant();
    switch (dtype) {
        case DType::Float32:
            return f(GemmPlan<float>{v.f32, v.f32_split_invariant, v.f32_tile_m, v.f32_tile_n});
        case DType::Float64:
            return f(GemmPlan<double>{v.f64});
        case DType::Int64:
            return f(GemmPlan<int64_t>{v.i64});
        case DType::Int32:
            return f(GemmPlan<int32_t>{v.i32});
        default:
            break;
    }
    throw TypeError(
        detail::str("matmul: dtype ", dtype, " is not supported (float32, float64, int64, int32 are)"));
}

}  // namespace

void mm(const TensorView& out, const TensorView& a, const TensorView& b) {
    dispatch_gemm(out.dtype, [&]<typename T>(const GemmPlan<T>& plan) { batched_gemm<T>(plan, out, a, b, 1, 0, 0); });
}

void bmm(const TensorView& out, const TensorView& a, const TensorView& b) {
    dispatch_gemm(out.dtype, [&]<typename T>(const GemmPlan<T>& plan) {
        batched_gemm<T>(plan, out, a, b, a.sizes[0], a.strides[0], b.strides[0]);
    });
}

}  // namespace tinydl::cpu
