// matmul_eigen_baseline.cpp — the Eigen GEMM compiled with the build's own flags: the variant
// every CPU the build targets can run (SSE2 only, on a portable x86-64 build). See gemm.h.
#define Eigen tinydl_eigen_baseline  // Note [One Eigen per instruction set] in matmul_eigen.h
#include "src/cpu/matmul_eigen.h"
#undef Eigen

namespace tinydl::cpu {

const GemmVariant& gemm_baseline() {
    static const GemmVariant variant = make_gemm_variant("baseline");
    return variant;
}

}  // namespace tinydl::cpu
