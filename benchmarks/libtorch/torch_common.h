// torch_common.h — what the libtorch benchmark programs share beyond ../bench_common.h: setting
// the thread count everywhere libtorch may run threads, and describing the configuration that
// was measured (BLAS library and core type, the environment knobs of BENCHMARKS.md's "best"
// configuration) in the JSON output.
#pragma once

#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "bench_common.h"
#include "blas_info.h"

namespace bench {

// at::set_num_threads sets ATen's OpenMP pool only; OpenBLAS (which runs libtorch's GEMM here)
// is set too (blas_info.h), so --threads 1 means one thread.
inline void torch_set_threads(int n) {
    torch::set_num_threads(n);
    blas_set_threads(n);
}

inline std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v ? v : fallback;
}

// The JSON fields every libtorch result carries: which BLAS, and the environment knobs that
// separate libtorch's "best" configuration from its stock one (BENCHMARKS.md).
inline std::string torch_config_json() {
    return "\"torch_version\":\"" TORCH_VERSION "\",\"blas\":" + json_string(blas_name()) +
           ",\"env\":{\"OPENBLAS_CORETYPE\":" + json_string(env_or("OPENBLAS_CORETYPE", "")) +
           ",\"GLIBC_TUNABLES\":" + json_string(env_or("GLIBC_TUNABLES", "")) +
           ",\"OMP_WAIT_POLICY\":" + json_string(env_or("OMP_WAIT_POLICY", "")) + "}";
}

}  // namespace bench
