// matmul_eigen_baseline.cpp — the Eigen GEMM compiled with the build's own flags: the variant
// every CPU the build targets can run (SSE2 only, on a portable x86-64 build). See gemm.h.
#include "src/cpu/matmul_eigen.h"

namespace tinydl::cpu {

const GemmVariant& gemm_baseline() {
    static const GemmVariant variant = make_gemm_variant("baseline");
    return variant;
}

}  // namespace tinydl::cpu
