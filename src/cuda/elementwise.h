// elementwise.h — CUDA kernels of the pointwise ops, copies and fills (declarations; see
// elementwise.cu and copy.cu). The exact counterpart of src/cpu/elementwise.h: same names, same
// arguments, same dtypes accepted, so an op's KernelTable can name cpu::add and cuda::add side
// by side. A plain C++ header (no CUDA types), so that src/ops/*.cpp, compiled by the host
// compiler, can include it.
#pragma once

#include "src/core/dispatch.h"

namespace tinydl::cuda {

// binary, same dtype in and out
void add(const TensorView& out, const TensorView& a, const TensorView& b);
void sub(const TensorView& out, const TensorView& a, const TensorView& b);
void mul(const TensorView& out, const TensorView& a, const TensorView& b);
void div(const TensorView& out, const TensorView& a, const TensorView& b);
void pow(const TensorView& out, const TensorView& a, const TensorView& b);
void maximum(const TensorView& out, const TensorView& a, const TensorView& b);
void minimum(const TensorView& out, const TensorView& a, const TensorView& b);
// binary, bool out
void eq(const TensorView& out, const TensorView& a, const TensorView& b);
void ne(const TensorView& out, const TensorView& a, const TensorView& b);
void lt(const TensorView& out, const TensorView& a, const TensorView& b);
void le(const TensorView& out, const TensorView& a, const TensorView& b);
void gt(const TensorView& out, const TensorView& a, const TensorView& b);
void ge(const TensorView& out, const TensorView& a, const TensorView& b);
void logical_and(const TensorView& out, const TensorView& a, const TensorView& b);
void logical_or(const TensorView& out, const TensorView& a, const TensorView& b);
void logical_xor(const TensorView& out, const TensorView& a, const TensorView& b);
void logical_not(const TensorView& out, const TensorView& in);
// unary
void neg(const TensorView& out, const TensorView& in);
void abs(const TensorView& out, const TensorView& in);
void exp(const TensorView& out, const TensorView& in);
void log(const TensorView& out, const TensorView& in);
void log1p(const TensorView& out, const TensorView& in);
void sqrt(const TensorView& out, const TensorView& in);
void rsqrt(const TensorView& out, const TensorView& in);
void sin(const TensorView& out, const TensorView& in);
void cos(const TensorView& out, const TensorView& in);
void tanh(const TensorView& out, const TensorView& in);
void erf(const TensorView& out, const TensorView& in);
void sigmoid(const TensorView& out, const TensorView& in);
void relu(const TensorView& out, const TensorView& in);
// relu's backward in one pass: out = y > 0 ? g : 0
void relu_backward(const TensorView& out, const TensorView& g, const TensorView& y);
void gelu(const TensorView& out, const TensorView& in);
void gelu_tanh(const TensorView& out, const TensorView& in);
void silu(const TensorView& out, const TensorView& in);
void sign(const TensorView& out, const TensorView& in);
void floor(const TensorView& out, const TensorView& in);
void ceil(const TensorView& out, const TensorView& in);
void round(const TensorView& out, const TensorView& in);
void leaky_relu(const TensorView& out, const TensorView& in, double slope, double);
void softplus(const TensorView& out, const TensorView& in, double beta, double threshold);
void clamp(const TensorView& out, const TensorView& in, double lo, double hi);
// ternary
void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b);
// copies and fills (copy.cu): dst and src on the same GPU; crossing devices is src/ops/copy.cpp's job
void copy(const TensorView& dst, const TensorView& src);
void fill(const TensorView& dst, Scalar value);

}  // namespace tinydl::cuda
