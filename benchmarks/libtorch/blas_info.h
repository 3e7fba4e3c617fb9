// blas_info.h — the system BLAS seen at run time (no libtorch needed): which library answers
// libblas.so.3, and setting its thread count. Debian's libtorch calls its GEMM through that
// library, and OpenBLAS's pthread build keeps its own thread pool that torch::set_num_threads
// does not touch; both entry points are looked up with dlsym, so nothing here needs OpenBLAS at
// build time, and a reference BLAS is simply reported by its file name.
#pragma once

#include <dlfcn.h>

#include <string>

namespace bench {

// Sets OpenBLAS's thread count when OpenBLAS is the loaded BLAS; otherwise does nothing.
inline void blas_set_threads(int n) {
    using SetThreads = void (*)(int);
    if (auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}

// "OpenBLAS 0.3.21 ... core=Cooperlake" (openblas_get_config + core name), or the file that
// provides sgemm_, or "unknown".
inline std::string blas_name() {
    using GetString = char* (*)();
    auto config = reinterpret_cast<GetString>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    auto core = reinterpret_cast<GetString>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (config && core) return std::string(config()) + " core=" + core();
    Dl_info info{};
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    if (sgemm && dladdr(sgemm, &info) && info.dli_fname) return info.dli_fname;
    return "unknown";
}

}  // namespace bench
