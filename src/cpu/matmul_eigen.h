// matmul_eigen.h — the Eigen GEMM behind gemm.h, written once and compiled once per instruction
// set: include it only from matmul_eigen_<isa>.cpp, which then call make_gemm_variant.
//
// Everything here has internal linkage (an anonymous namespace), and the AVX2 file renames
// Eigen's namespace before including it (Note [One Eigen per instruction set] in
// matmul_eigen_avx2.cpp), so the two builds of these templates never meet at link time.
//
// Dimension legend: c [M, N] = a [M, K] x b [K, N].
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "src/cpu/gemm.h"

namespace tinydl::cpu {
namespace {

template <typename T, int Order>
using ConstMatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, Eigen::Unaligned,
                                  Eigen::OuterStride<>>;
template <typename T>
using OutMatrixMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// Eigen::Map views tinydl's memory as matrices (no copy); Eigen's blocked, vectorised GEMM does
// the rest, and with OpenMP on it splits one large product across threads by itself.
template <typename T, int OrderA, int OrderB>
void eigen_gemm(T* c, const T* a, const T* b, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb) {
    OutMatrixMap<T> C(c, M, N);
    const ConstMatrixMap<T, OrderA> A(a, M, K, Eigen::OuterStride<>(lda));
    const ConstMatrixMap<T, OrderB> B(b, K, N, Eigen::OuterStride<>(ldb));
    C.noalias() = A * B;  // noalias: c overlaps neither a nor b, so no temporary is needed
}

// The GemmFn for one dtype: four instantiations, one per pair of storage orders.
template <typename T>
void gemm_any_order(T* c, const T* a, const T* b, int64_t M, int64_t N, int64_t K, int64_t lda, bool a_row_major,
                    int64_t ldb, bool b_row_major) {
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    if (a_row_major && b_row_major) eigen_gemm<T, R, R>(c, a, b, M, N, K, lda, ldb);
    else if (a_row_major) eigen_gemm<T, R, C>(c, a, b, M, N, K, lda, ldb);
    else if (b_row_major) eigen_gemm<T, C, R>(c, a, b, M, N, K, lda, ldb);
    else eigen_gemm<T, C, C>(c, a, b, M, N, K, lda, ldb);
}

GemmVariant make_gemm_variant(const char* name) {
    return {name, gemm_any_order<float>, gemm_any_order<double>, gemm_any_order<int64_t>, gemm_any_order<int32_t>};
}

}  // namespace
}  // namespace tinydl::cpu
