// matmul_eigen.h — the Eigen GEMM behind gemm.h, written once and compiled once per instruction
// set: include it only from matmul_eigen_<isa>.cpp, after `#define Eigen tinydl_eigen_<isa>`,
// and call make_gemm_variant there.
//
// Note [One Eigen per instruction set]: Eigen's templates (the GEMM kernel, its packing
// routines) are emitted as weak symbols of which the linker keeps one copy. If the AVX2 file and
// a baseline file both instantiated Eigen::internal::gebp_kernel<float, ...>, the linker could
// keep the AVX2 copy for everyone, and a CPU without AVX2 would die of an illegal instruction
// in a "baseline" product. So each including file renames Eigen's namespace (a macro `Eigen`)
// and its instantiations get names of their own; our own templates sit in an anonymous
// namespace. The renaming also keeps these builds apart from Eigen used elsewhere in tinydl,
// which may be configured differently (EIGEN_DONT_PARALLELIZE below).
//
// Dimension legend: c [M, N] = a [M, K] x b [K, N].
#pragma once

#ifndef Eigen
#error "define Eigen to a namespace of this file's own before including matmul_eigen.h"
#endif

// Threads come from src/cpu/matmul.cpp, one GEMM per task (Note [Splitting a GEMM across
// threads] there); Eigen's own OpenMP split would run in lockstep and stall on a busy machine.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <cstdint>

#include "src/cpu/gemm.h"

namespace tinydl::cpu {
namespace {

template <typename T, int Order> using ConstMatrixMap =
    Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, Eigen::Unaligned,
               Eigen::OuterStride<>>;
template <typename T> using OutMatrixMap =
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
               Eigen::OuterStride<>>;

// Eigen::Map views tinydl's memory as matrices (no copy); Eigen's blocked, vectorised GEMM does
// the rest, on the calling thread.
template <typename T, int OrderA, int OrderB, bool Add>
void eigen_gemm(T* c, const T* a, const T* b, int64_t M, int64_t N, int64_t K, int64_t ldc, int64_t lda,
                int64_t ldb) {
    OutMatrixMap<T> C(c, M, N, Eigen::OuterStride<>(ldc));
    const ConstMatrixMap<T, OrderA> A(a, M, K, Eigen::OuterStride<>(lda));
    const ConstMatrixMap<T, OrderB> B(b, K, N, Eigen::OuterStride<>(ldb));
    if constexpr (Add)
        C.noalias() += A * B;
    else
        C.noalias() = A * B;  // noalias: c overlaps neither a nor b, so no temporary is needed
}

// The GemmFn for one dtype: four instantiations, one per pair of storage orders.
template <typename T, bool Add = false>
void gemm_any_order(T* c, const T* a, const T* b, int64_t M, int64_t N, int64_t K, int64_t ldc, int64_t lda,
                    bool a_row_major, int64_t ldb, bool b_row_major) {
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    if (a_row_major && b_row_major)
        eigen_gemm<T, R, R, Add>(c, a, b, M, N, K, ldc, lda, ldb);
    else if (a_row_major)
        eigen_gemm<T, R, C, Add>(c, a, b, M, N, K, ldc, lda, ldb);
    else if (b_row_major)
        eigen_gemm<T, C, R, Add>(c, a, b, M, N, K, ldc, lda, ldb);
    else
        eigen_gemm<T, C, C, Add>(c, a, b, M, N, K, ldc, lda, ldb);
}

GemmVariant make_gemm_variant(const char* name) {
    return {name,
            gemm_any_order<float>,
            gemm_any_order<double>,
            gemm_any_order<int64_t>,
            gemm_any_order<int32_t>,
            gemm_any_order<float, true>,
            gemm_any_order<double, true>};
}

}  // namespace
}  // namespace tinydl::cpu
