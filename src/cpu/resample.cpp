// resample.cpp — CPU kernels for one resampling pass along one dim (see resample.h for the
// formula). Plain loops: the inner loop runs over B, the contiguous trailing block, so the
// H pass of a 2-D op streams whole rows; the W pass (B == 1) is a gather per element.
//
// Threads split A (independent slabs): in the backward pass two output positions may add into
// the same input position, but only within one slab, which one thread owns, so no atomics and
// a deterministic order of additions.
//
// Dimension legend: [A, In, B] input block, [A, Out, B] output block; o an output position.
#include "src/cpu/resample.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {
// Slabs per thread chunk so that a chunk has about kParallelGrain elements of output.
int64_t slab_grain(int64_t elements_per_slab) {
    return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, elements_per_slab));
}
}  // namespace

void resample_dim(const TensorView& out, const TensorView& in, int64_t A, int64_t B, const ResampleTaps& taps) {
    dispatch_all(in.dtype, "resample", [&]<typename T>() {
        const T* x = in.ptr<T>();
        T* y = out.ptr<T>();
        const int64_t In = taps.in_size, Out = taps.out_size;
        parallel_for(0, A, slab_grain(Out * B), [&](int64_t a0, int64_t a1) {
            for (int64_t a = a0; a < a1; ++a) {
                const T* xa = x + a * In * B;
                T* ya = y + a * Out * B;
                for (int64_t o = 0; o < Out; ++o) {
                    const T* row0 = xa + taps.i0[o] * B;
                    T* dst = ya + o * B;
                    if (taps.w1 == nullptr) {  // one tap, weight 1: copy the row
                        std::copy(row0, row0 + B, dst);
                        continue;
                    }
                    if constexpr (std::is_floating_point_v<T>) {
                        const T* row1 = xa + taps.i1[o] * B;
                        const T w0 = static_cast<T>(taps.w0[o]), w1 = static_cast<T>(taps.w1[o]);
                        for (int64_t b = 0; b < B; ++b) dst[b] = w0 * row0[b] + w1 * row1[b];
                    } else {
                        TINYDL_ASSERT(false, "resample: two-tap (linear) pass on a non-floating dtype");
                    }
                }
            }
        });
    });
}

void resample_dim_backward(const TensorView& grad_in, const TensorView& grad_out, int64_t A, int64_t B,
                           const ResampleTaps& taps) {
    dispatch_floating(grad_out.dtype, "resample backward", [&]<typename T>() {
        const T* g = grad_out.ptr<T>();
        T* gx = grad_in.ptr<T>();
        const int64_t In = taps.in_size, Out = taps.out_size;
        parallel_for(0, A, slab_grain(Out * B), [&](int64_t a0, int64_t a1) {
            for (int64_t a = a0; a < a1; ++a) {
                const T* ga = g + a * Out * B;
                T* gxa = gx + a * In * B;
                std::fill(gxa, gxa + In * B, T(0));
                for (int64_t o = 0; o < Out; ++o) {
                    const T* src = ga + o * B;
                    T* row0 = gxa + taps.i0[o] * B;
                    const T w0 = taps.w0 ? static_cast<T>(taps.w0[o]) : T(1);
                    for (int64_t b = 0; b < B; ++b) row0[b] += w0 * src[b];
                    if (taps.w1 != nullptr) {
                        T* row1 = gxa + taps.i1[o] * B;
                        const T w1 = static_cast<T>(taps.w1[o]);
                        for (int64_t b = 0; b < B; ++b) row1[b] += w1 * src[b];
                    }
                }
            }
        });
    });
}

}  // namespace tinydl::cpu
