// matmul.cpp — CPU GEMM: out = a x b for one matrix pair (mm) or a batch of them (bmm).
//
// What this is: the layer between tinydl's strided views and a dense GEMM on raw pointers. It
// reads each operand's storage order from its strides (Note [GEMM layouts] in matmul.h, so a
// transposed tensor costs no copy), splits a batch across threads, and calls the Eigen GEMM
// built for the best instruction set this CPU has (gemm.h). What it is not: a GEMM written from
// scratch. The naive triple loop every product must agree with is reference_matmul in
// tests/ops/test_matmul.cpp; read that first.
//
// Dimension legend: a [M, K], b [K, N], out [M, N]; B matrices in a batch.
#include "src/cpu/matmul.h"

#include <algorithm>

#include "src/cpu/gemm.h"
#include "tinydl/parallel.h"

namespace tinydl::cpu {

// Asked once: a CPU does not change under a running program.
const GemmVariant& gemm_variant() {
    static const GemmVariant& chosen = []() -> const GemmVariant& {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        // __builtin_cpu_supports also checks that the OS saves the AVX registers (XGETBV).
        const GemmVariant* avx2 = gemm_avx2();
        if (avx2 != nullptr && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return *avx2;
#endif
        return gemm_baseline();
    }();
    return chosen;
}

namespace {

// Below this many multiply-adds per matrix, a batch is split across threads (each product on
// one thread); above it, the batch runs in order and Eigen parallelises each product itself.
constexpr int64_t kSmallProduct = 64 * 64 * 64;

// out [B, M, N] = a [B, M, K] x b [B, K, N], with batch strides (in elements) batch_a, batch_b.
template <typename T>
void batched_gemm(GemmFn<T> gemm, const TensorView& out, const TensorView& a, const TensorView& b, int64_t B,
                  int64_t batch_a, int64_t batch_b) {
    const int64_t nd = a.ndim();
    const int64_t M = a.sizes[nd - 2], K = a.sizes[nd - 1], N = b.sizes[nd - 1];
    T* c = out.ptr<T>();
    if (K == 0) {  // an empty sum: every entry is 0
        std::fill(c, c + B * M * N, T(0));
        return;
    }
    const GemmLayout la = gemm_layout(M, K, a.strides[nd - 2], a.strides[nd - 1]);
    const GemmLayout lb = gemm_layout(K, N, b.strides[nd - 2], b.strides[nd - 1]);
    TINYDL_ASSERT(la.ok && lb.ok, "matmul kernel: operand without a GEMM layout (strides ", a.strides, " and ",
                  b.strides, "); the op should have made it contiguous");
    const T* pa = a.ptr<const T>();
    const T* pb = b.ptr<const T>();
    const auto run = [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            gemm(c + i * M * N, pa + i * batch_a, pb + i * batch_b, M, N, K, la.ld, la.row_major, lb.ld, lb.row_major);
    };
    const int64_t work = M * N * K;
    if (B == 1 || work >= kSmallProduct) run(0, B);
    else parallel_for(0, B, std::max<int64_t>(1, kSmallProduct / work), run);
}

// float32/64 and int64/32; bool and uint8 are refused, as PyTorch's CPU addmm refuses bool.
template <typename F> void dispatch_gemm(DType dtype, F&& f) {
    const GemmVariant& v = gemm_variant();
    switch (dtype) {
        case DType::Float32: return f(v.f32);
        case DType::Float64: return f(v.f64);
        case DType::Int64: return f(v.i64);
        case DType::Int32: return f(v.i32);
        default: break;
    }
    throw TypeError(detail::str("matmul: dtype ", dtype, " is not supported (float32, float64, int64, int32 are)"));
}

}  // namespace

void mm(const TensorView& out, const TensorView& a, const TensorView& b) {
    dispatch_gemm(out.dtype, [&]<typename T>(GemmFn<T> gemm) { batched_gemm<T>(gemm, out, a, b, 1, 0, 0); });
}

void bmm(const TensorView& out, const TensorView& a, const TensorView& b) {
    dispatch_gemm(out.dtype, [&]<typename T>(GemmFn<T> gemm) {
        batched_gemm<T>(gemm, out, a, b, a.sizes[0], a.strides[0], b.strides[0]);
    });
}

}  // namespace tinydl::cpu
