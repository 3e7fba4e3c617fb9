// bench_device.h — the `--device cpu|cuda|cuda:N` side of the tinydl benchmark programs
// (bench_train, bench_gemm, bench_overhead, bench_conv). Not shared with the libtorch twins,
// unlike bench_common.h: it needs tinydl.
//
//   open_device   parses the flag and checks, before any timing, that the device works: a
//                 CPU-only build or a machine without a GPU fails there with tinydl's own Error
//                 message and exit status 2 (the status of a bad flag), not halfway through a run
//   sync          GPU work is asynchronous: the host queues kernels and runs ahead. Every clock
//                 read that closes (or opens) a timed region waits for the queued work first,
//                 or the time measured is the time to queue, not to compute
//   run_main      runs a program's body and turns an exception (a tinydl::Error: an op with no
//                 CUDA kernel, out of GPU memory; a missing data file) into a message and exit
//                 status 1 instead of an abort
//
// The benchmark code itself makes no CUDA calls: only tinydl's public API (tinydl/cuda.h).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "bench_common.h"
#include "tinydl/tinydl.h"

namespace bench {

inline tinydl::Device open_device(const char* program, const std::string& spec) {
    try {
        const tinydl::Device device(spec);  // throws on anything but cpu, cuda, cuda:N
        if (device.is_cuda()) {
            // Kernels run on the calling thread's current GPU, which tinydl does not switch yet
            // (src/cuda/launch.cuh: "multi-GPU is not yet managed"), and synchronize() waits for
            // that GPU only: a tensor on cuda:1 would be timed wrongly or fault. Pick the GPU
            // with CUDA_VISIBLE_DEVICES instead.
            if (device.index != 0) {
                std::fprintf(stderr,
                             "%s: error: --device %s: tinydl does not manage several GPUs yet; run with "
                             "CUDA_VISIBLE_DEVICES=%d and --device cuda\n",
                             program, spec.c_str(), static_cast<int>(device.index));
                std::exit(2);
            }
            // One tiny tensor to the device: the allocator, the context and the copy path must
            // work before anything is timed (in a CPU-only build this is what throws).
            (void)tinydl::zeros({1}).to(device);
            tinydl::cuda::synchronize();
        }
        return device;
    } catch (const tinydl::Error& e) {
        std::fprintf(stderr, "%s: error: --device %s: %s\n", program, spec.c_str(), e.what());
        std::exit(2);
    }
}

// Waits for the GPU's queued work (nothing to wait for on the CPU).
inline void sync(tinydl::Device device) {
    if (device.is_cuda()) tinydl::cuda::synchronize();
}

// now_seconds() once the device's queued work is done: the clock read of a timing boundary.
inline double now_synced(tinydl::Device device) {
    sync(device);
    return now_seconds();
}

template <typename Body> int run_main(const char* program, const Body& body) {
    try {
        return body();
    } catch (const std::exception& e) {  // tinydl::Error, or bench_data.h's std::runtime_error
        std::fprintf(stderr, "%s: error: %s\n", program, e.what());
        return 1;
    }
}

}  // namespace bench
