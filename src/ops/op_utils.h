// op_utils.h — helpers shared by the op families (internal to tinydl).
//
// The *_raw functions compute without touching autograd: ops call them inside their forward,
// then decide themselves what to record.
#pragma once

#include "src/autograd/record.h"
#include "src/core/dispatch.h"
#include "tinydl/ops.h"

namespace tinydl::detail {

// A new contiguous tensor (no autograd).
inline Tensor empty_raw(IntArrayRef shape, DType dtype, Device device) {
    return Tensor(TensorImpl::empty(shape, dtype, device));
}
// dst[...] = src[...] converted, src broadcast to dst's shape.
void copy_raw(const Tensor& dst, const Tensor& src);
// t itself when it already has that dtype; else a converted contiguous copy.
Tensor to_raw(const Tensor& t, DType dtype);
// t itself when contiguous; else a contiguous copy.
Tensor contiguous_raw(const Tensor& t);
// A view with new geometry over t's storage (no autograd).
Tensor make_view(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset);

// Throws unless every defined tensor is on `first`'s device.
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_same_device(const char* op, const Tensor& a, const Tensor& b, const Tensor& c);
// "expected a floating-point tensor" for ops that need real numbers.
void check_floating(const char* op, const Tensor& t);
void check_defined(const char* op, const Tensor& t, const char* what = "input");

// A gradient computed at the broadcast output's shape and the promoted dtype, brought back to
// one input's shape (summing broadcast dims) and dtype.
Tensor reduce_grad(const Tensor& grad, IntArrayRef shape, DType dtype);

// The PyTorch rule for the dtype a floating-only function gives: integers and bool -> float32.
inline DType floating_result(DType t) { return is_floating(t) ? t : DType::Float32; }

// True when dtype `from` converts to `to` without changing category downwards (float -> int,
// int -> bool), which in-place ops refuse as PyTorch does.
bool can_cast(DType from, DType to);

// Makes `self` an output of `result`'s grad_fn after an in-place op: see Note [In-place ops]
// in src/ops/copy.cpp.
void rebase_history(Tensor& self, const Tensor& result);

}  // namespace tinydl::detail
