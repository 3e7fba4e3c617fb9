// matmul.cu — CUDA GEMM: out = a x b for one matrix pair (mm) or a batch of them (bmm).
//
// What this is: the CUDA twin of src/cpu/matmul.cpp. float32 and float64 go to cuBLAS, one
// cublasGemmStridedBatchedEx call per op whatever the batch; int32 and int64, which cuBLAS has
// no GEMM for, go to a plain shared-memory tiled kernel. The operands arrive in the layouts the
// CPU kernel reads (Note [GEMM layouts] in src/cpu/matmul.h): a transposed operand costs no copy
// here either, and a batch stride of 0 (one matrix shared by the whole batch) is passed to
// cuBLAS as it is.
// Precision: float32 products use CUBLAS_COMPUTE_32F on a handle with CUBLAS_DEFAULT_MATH
// (handles.cu), i.e. float32 FMAs, never TF32, so they agree with the CPU within float32
// rounding; float64 uses CUBLAS_COMPUTE_64F.
//
// Dimension legend: a [M, K], b [K, N], out [M, N]; B matrices in a batch.
#include "src/cuda/matmul.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

#include "src/cuda/handles.h"
#include "src/cuda/launch.cuh"

namespace tinydl::cuda {

namespace {

// Note [Row-major GEMM on a column-major library]: cuBLAS reads column-major matrices, tinydl
// stores row-major ones. The same bytes read column-major are the transpose, so
//     C = A B (row-major)   is   C^T = B^T A^T (column-major)
// and the row-major product is computed by handing cuBLAS the operands swapped, with m = N and
// n = M, and no copy at all: C's buffer, read column-major with ld = N, *is* C^T.
// Each operand's own layout then picks its op: a row-major view (column stride 1, Note [GEMM
// layouts]) read column-major is already the transpose cuBLAS wants (CUBLAS_OP_N); a
// column-major one (row stride 1: a transposed tensor, like w.t() in Linear) is the matrix
// itself, so cuBLAS transposes it while reading (CUBLAS_OP_T). In both cases the leading
// dimension is the layout's ld. An operand with neither stride 1 has no layout; the op made it
// contiguous before calling (gemm_operand in src/ops/matmul.cpp).
struct CublasOperand {
    cublasOperation_t op;
    int64_t ld;
};

CublasOperand cublas_operand(const GemmLayout& l) { return {l.row_major ? CUBLAS_OP_N : CUBLAS_OP_T, l.ld}; }

// out [B, M, N] = a [B, M, K] x b [B, K, N] through cuBLAS, batch strides batch_a, batch_b.
template <typename T> void cublas_gemm(const char* op, T* c, const T* a, const T* b, int64_t B, int64_t M,
                                       int64_t N, int64_t K, const GemmLayout& la, const GemmLayout& lb,
                                       int64_t batch_a, int64_t batch_b) {
    constexpr bool is_double = std::is_same_v<T, double>;
    const cudaDataType type = is_double ? CUDA_R_64F : CUDA_R_32F;
    const cublasComputeType_t compute = is_double ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
    const T alpha = 1, beta = 0;  // c = 1 * a b + 0 * c: c's old contents are never read
    const CublasOperand oa = cublas_operand(la), ob = cublas_operand(lb);
    // The Note above: cuBLAS's "A" is b ([N, K] after op), its "B" is a ([K, M] after op).
    TINYDL_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(cublas_handle(), ob.op, oa.op, N, M, K, &alpha, b, type,
                                                      ob.ld, batch_b, a, type, oa.ld, batch_a, &beta, c, type,
                                                      N, M * N, B, compute, CUBLAS_GEMM_DEFAULT),
                        op);
}

// ---- integer GEMM --------------------------------------------------------------------------------
// One kTile x kTile block of c per thread block, one element per thread. The K loop stages a
// kTile x kTile tile of a and of b in shared memory (each value read from global memory once
// per block instead of kTile times), then each thread takes a kTile-long dot product from them.
// Any strides work, so integer operands need no layout at all.
// Overflow wraps around (two's complement), as the CPU's integer GEMM does in practice: the sum
// is taken in the unsigned type of the same width, where wrapping is defined behaviour.
constexpr int kTile = 16;

template <typename T>
__global__ void gemm_tiled_kernel(T* __restrict__ c, const T* __restrict__ a, const T* __restrict__ b,
                                  int64_t B, int64_t M, int64_t N, int64_t K, int64_t a_batch, int64_t a_rs,
                                  int64_t a_cs, int64_t b_batch, int64_t b_rs, int64_t b_cs) {
    using U = std::make_unsigned_t<T>;
    __shared__ U tile_a[kTile][kTile];
    __shared__ U tile_b[kTile][kTile];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int64_t tiles_m = (M + kTile - 1) / kTile, tiles_n = (N + kTile - 1) / kTile;
    // Grid-stride over batch entries and tiles, so any size fits the grid limits. The loop
    // bounds depend on blockIdx only: every thread of a block reaches each __syncthreads.
    for (int64_t batch = blockIdx.z; batch < B; batch += gridDim.z)
        for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y)
            for (int64_t tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
                const int64_t row = tm * kTile + ty, col = tn * kTile + tx;
                const T* ab = a + batch * a_batch;
                const T* bb = b + batch * b_batch;
                U acc = 0;
                for (int64_t k0 = 0; k0 < K; k0 += kTile) {
                    const int64_t ka = k0 + tx, kb = k0 + ty;  // this thread loads a[row, ka], b[kb, col]
                    tile_a[ty][tx] = row < M && ka < K ? static_cast<U>(ab[row * a_rs + ka * a_cs]) : U(0);
                    tile_b[ty][tx] = kb < K && col < N ? static_cast<U>(bb[kb * b_rs + col * b_cs]) : U(0);
                    __syncthreads();
#pragma unroll
                    for (int k = 0; k < kTile; ++k) acc += tile_a[ty][k] * tile_b[k][tx];
                    __syncthreads();  // before the next k0 overwrites the tiles
                }
                if (row < M && col < N) c[(batch * M + row) * N + col] = static_cast<T>(acc);
            }
}

template <typename T> void tiled_gemm(const char* op, T* c, const T* a, const T* b, int64_t B, int64_t M,
                                      int64_t N, int64_t K, const TensorView& av, const TensorView& bv,
                                      int64_t batch_a, int64_t batch_b) {
    const int64_t nd = av.ndim();
    const auto cap = [](int64_t n) { return static_cast<unsigned int>(std::clamp<int64_t>(n, 1, 65535)); };
    const dim3 block(kTile, kTile);
    const dim3 grid(cap((N + kTile - 1) / kTile), cap((M + kTile - 1) / kTile), cap(B));
    gemm_tiled_kernel<T><<<grid, block>>>(c, a, b, B, M, N, K, batch_a, av.strides[nd - 2],
                                          av.strides[nd - 1], batch_b, bv.strides[nd - 2],
                                          bv.strides[nd - 1]);
    TINYDL_CUDA_LAUNCH_CHECK(op);
}

// out [B, M, N] = a [B, M, K] x b [B, K, N] (B = 1 and batch strides 0 for mm).
void batched_gemm(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, int64_t B,
                  int64_t batch_a, int64_t batch_b) {
    const int64_t nd = a.ndim();
    const int64_t M = a.sizes[nd - 2], K = a.sizes[nd - 1], N = b.sizes[nd - 1];
    if (B == 0 || M == 0 || N == 0) return;
    if (K == 0) {  // an empty sum: every entry is 0 (all-zero bytes are 0 in every dtype here)
        TINYDL_CUDA_CHECK(
            cudaMemsetAsync(out.data, 0, static_cast<size_t>(B * M * N) * itemsize(out.dtype), 0), op);
        return;
    }
    const auto run_cublas = [&]<typename T>() {
        const GemmLayout la = gemm_layout(M, K, a.strides[nd - 2], a.strides[nd - 1]);
        const GemmLayout lb = gemm_layout(K, N, b.strides[nd - 2], b.strides[nd - 1]);
        TINYDL_ASSERT(la.ok && lb.ok, op, ": operand without a GEMM layout (strides ", a.strides, " and ",
                      b.strides, "); the op should have made it contiguous");
        cublas_gemm<T>(op, out.ptr<T>(), a.ptr<const T>(), b.ptr<const T>(), B, M, N, K, la, lb, batch_a,
                       batch_b);
    };
    const auto run_tiled = [&]<typename T>() {
        tiled_gemm<T>(op, out.ptr<T>(), a.ptr<const T>(), b.ptr<const T>(), B, M, N, K, a, b, batch_a,
                      batch_b);
    };
    // The CPU kernel's dtypes (float32/64, int64/32) and its message for the others.
    switch (out.dtype) {
        case DType::Float32:
            return run_cublas.template operator()<float>();
        case DType::Float64:
            return run_cublas.template operator()<double>();
        case DType::Int64:
            return run_tiled.template operator()<int64_t>();
        case DType::Int32:
            return run_tiled.template operator()<int32_t>();
        default:
            break;
    }
    throw TypeError(
        detail::str(op, ": dtype ", out.dtype, " is not supported (float32, float64, int64, int32 are)"));
}

}  // namespace

void mm(const TensorView& out, const TensorView& a, const TensorView& b) {
    batched_gemm("mm", out, a, b, 1, 0, 0);
}

void bmm(const TensorView& out, const TensorView& a, const TensorView& b) {
    batched_gemm("bmm", out, a, b, a.sizes[0], a.strides[0], b.strides[0]);
}

}  // namespace tinydl::cuda
