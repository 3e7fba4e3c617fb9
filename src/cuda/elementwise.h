// elementwise.h — CUDA kernels of the pointwise ops, copies and fills (declarations; see
// elementwise.cu and copy.cu). The same list as the CPU's (src/core/elementwise_kernels.inc):
// same names, arguments and dtypes accepted. A plain C++ header (no CUDA types), so that
// src/ops/*.cpp, compiled by the host compiler, can include it.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cuda {
#include "src/core/elementwise_kernels.inc"
}  // namespace tinydl::cuda
