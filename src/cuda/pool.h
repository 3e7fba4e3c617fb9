// pool.h — the CUDA kernels of the 2-D pooling ops (src/cuda/pool.cu), declared for the op
// layer (src/ops/pool.cpp), which is compiled by the host compiler: no CUDA types here.
//
// Same interface and layout as the CPU kernels (src/cpu/pool.h): contiguous [P, H, W] planes in,
// contiguous [P, OH, OW] planes out, int64 indices h * W + w inside each plane. Pointers are
// device pointers.
//
// One addition: the backward of adaptive_max_pool2d has its own function. The CPU shares one
// scatter loop between max_pool2d and adaptive_max_pool2d, but the CUDA backward is a gather
// (a thread per input element visits the windows that contain it), and finding those windows
// needs to know whether they are strided or adaptive, which Pool2dParams does not say.
#pragma once

#include "src/cpu/pool.h"  // Pool2dParams and the kernel signatures

namespace tinydl::cuda {

void max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                const Pool2dParams& p);
void max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& indices,
                         const Pool2dParams& p);
void avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p);
void avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out, const Pool2dParams& p);
void adaptive_avg_pool2d(const TensorView& out, const TensorView& in, const Pool2dParams& p);
void adaptive_avg_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out,
                                  const Pool2dParams& p);
void adaptive_max_pool2d(const TensorView& out, const TensorView& indices, const TensorView& in,
                         const Pool2dParams& p);
void adaptive_max_pool2d_backward(const TensorView& grad_in, const TensorView& grad_out,
                                  const TensorView& indices, const Pool2dParams& p);

}  // namespace tinydl::cuda
