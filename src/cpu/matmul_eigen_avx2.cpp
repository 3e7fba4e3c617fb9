// matmul_eigen_avx2.cpp — the Eigen GEMM compiled with -mavx2 -mfma (CMakeLists.txt sets them
// for this file alone on x86-64), for CPUs that have both. See gemm.h.
//
// Note [One Eigen per instruction set]: Eigen's templates (the GEMM kernel, its packing
// routines) are emitted as weak symbols that the linker keeps one copy of. If this file and a
// baseline file both instantiated Eigen::internal::gebp_kernel<float, ...>, the linker could
// keep the AVX2 copy for everyone, and a CPU without AVX2 would crash with an illegal
// instruction in a "baseline" product. Renaming Eigen's namespace here gives this file's
// instantiations their own names; our own templates sit in an anonymous namespace.
#if defined(__AVX2__) && defined(__FMA__)

#define Eigen tinydl_eigen_avx2
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
