// elementwise.h — CPU kernels of the pointwise ops (declarations; see elementwise.cpp and
// copy.cpp). The list itself is shared with the CUDA backend: src/core/elementwise_kernels.inc.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cpu {
#include "src/core/elementwise_kernels.inc"
}  // namespace tinydl::cpu
