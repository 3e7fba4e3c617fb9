// resample.h — the CUDA kernels of the separable resampling pass behind interpolate and
// reflect/replicate pad (src/cuda/resample.cu), declared for the op layer (src/ops/resample.cpp),
// which is compiled by the host compiler: no CUDA types here.
//
// Same interface and formula as the CPU kernels (src/cpu/resample.h), with one difference the
// caller must honour: every array of ResampleTaps (i0, i1, w0, w1) must be in *device* memory
// (the op uploads its host-built tables into small CUDA tensors first; see
// Note [Resample tables on the GPU] in src/ops/resample.cpp). out/in are contiguous [A, *, B].
#pragma once

#include "src/cpu/resample.h"  // ResampleTaps and the kernel signatures

namespace tinydl::cuda {

void resample_dim(const TensorView& out, const TensorView& in, int64_t A, int64_t B,
                  const ResampleTaps& taps);
void resample_dim_backward(const TensorView& grad_in, const TensorView& grad_out, int64_t A, int64_t B,
                           const ResampleTaps& taps);

}  // namespace tinydl::cuda
