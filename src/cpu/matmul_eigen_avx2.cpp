// matmul_eigen_avx2.cpp — the Eigen GEMM compiled with -mavx2 -mfma (CMakeLists.txt sets them
// for this file alone on x86-64), for CPUs that have both. See gemm.h.
#if defined(__AVX2__) && defined(__FMA__)

#define Eigen tinydl_eigen_avx2  // Note [One Eigen per instruction set] in matmul_eigen.h
#include "src/cpu/matmul_eigen.h"
#undef Eigen

namespace tinydl::cpu {

const GemmVariant* gemm_avx2() {
    static const GemmVariant variant = make_gemm_variant("avx2+fma");
    return &variant;
}

}  // namespace tinydl::cpu

#else  // not compiled for AVX2 (not x86-64, or a compiler without -mavx2): no such variant

#include "src/cpu/gemm.h"

namespace tinydl::cpu {
const GemmVariant* gemm_avx2() { return nullptr; }
}  // namespace tinydl::cpu

#endif
