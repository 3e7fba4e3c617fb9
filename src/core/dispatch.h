// dispatch.h — how an op reaches its kernel: by device (KernelTable) and by dtype (dispatch_*).
//
// Kernels never see Tensor or the graph (see STYLE.md §4): they get TensorViews, raw pointers
// with sizes and strides. An op fills one KernelTable per kernel, explicitly, so a reader sees
// exactly what runs on each device:
//
//   const KernelTable<BinaryKernel> add_kernels{"add", cpu::add, TINYDL_IF_CUDA(cuda::add)};
//   add_kernels.get(out.device())(out_view, a_view, b_view);
#pragma once

#include <cstdint>

#include "tinydl/dtype.h"
#include "tinydl/error.h"
#include "tinydl/tensor.h"

#ifdef TINYDL_WITH_CUDA
#define TINYDL_IF_CUDA(x) x
#else
#define TINYDL_IF_CUDA(x) nullptr
#endif

namespace tinydl {

// What a kernel sees of one operand: element [0,...] at `data`, then sizes and strides in
// elements. Broadcast operands carry stride 0 in the expanded dims.
struct TensorView {
    void* data = nullptr;
    DType dtype = DType::Float32;
    DimVector sizes;
    DimVector strides;

    int64_t ndim() const { return static_cast<int64_t>(sizes.size()); }
    int64_t numel() const { return numel_of(sizes); }
    template <typename T> T* ptr() const { return static_cast<T*>(data); }
};

// The view of a tensor as it is.
TensorView view_of(const Tensor& t);
// The view of t broadcast to `shape` (t's shape must broadcast to it; stride 0 where expanded).
TensorView broadcast_view(const Tensor& t, IntArrayRef shape);

template <typename Kernel> struct KernelTable {
    const char* name;
    Kernel cpu;
    Kernel cuda;

    Kernel get(Device device) const {
        Kernel k = device.is_cuda() ? cuda : cpu;
        if (k == nullptr) [[unlikely]] {
#ifdef TINYDL_WITH_CUDA
            throw Error(detail::str(name, ": no ", device.is_cuda() ? "CUDA" : "CPU", " kernel yet for tensors on ", device));
#else
            throw Error(detail::str(name, ": no ", device.is_cuda() ? "CUDA" : "CPU", " kernel in this build",
                                    device.is_cuda() ? " (configure with -DTINYDL_WITH_CUDA=ON)" : ""));
#endif
        }
        return k;
    }
};

// Calls f.template operator()<T>() with T the C++ type of `dtype`:
//   dispatch_all(t.dtype(), "add", [&]<typename T>() { ... T* p = ...; });
template <typename F> decltype(auto) dispatch_all(DType dtype, const char* op, F&& f) {
    switch (dtype) {
        case DType::Float32: return f.template operator()<float>();
        case DType::Float64: return f.template operator()<double>();
        case DType::Int64: return f.template operator()<int64_t>();
        case DType::Int32: return f.template operator()<int32_t>();
        case DType::UInt8: return f.template operator()<uint8_t>();
        case DType::Bool: return f.template operator()<bool>();
        default: break;
    }
    throw TypeError(detail::str(op, ": dtype ", dtype, " is not supported on this device yet"));
}

// The same, for kernels that only make sense on real numbers.
template <typename F> decltype(auto) dispatch_floating(DType dtype, const char* op, F&& f) {
    switch (dtype) {
        case DType::Float32: return f.template operator()<float>();
        case DType::Float64: return f.template operator()<double>();
        default: break;
    }
    throw TypeError(detail::str(op, ": expected a floating-point tensor (float32 or float64), got ", dtype));
}

// And for arithmetic (everything but bool).
template <typename F> decltype(auto) dispatch_numeric(DType dtype, const char* op, F&& f) {
    switch (dtype) {
        case DType::Float32: return f.template operator()<float>();
        case DType::Float64: return f.template operator()<double>();
        case DType::Int64: return f.template operator()<int64_t>();
        case DType::Int32: return f.template operator()<int32_t>();
        case DType::UInt8: return f.template operator()<uint8_t>();
        default: break;
    }
    throw TypeError(detail::str(op, ": dtype ", dtype, " is not supported"));
}

}  // namespace tinydl

namespace tinydl {

// ---- kernel signatures shared by the CPU and CUDA backends -----------------------------------
// Elementwise kernels get views of equal sizes (inputs already broadcast and promoted).
using UnaryKernel = void (*)(const TensorView& out, const TensorView& in);
// Unary kernels with parameters (leaky_relu's slope, clamp's bounds, softplus's beta...).
using UnaryParamKernel = void (*)(const TensorView& out, const TensorView& in, double p0, double p1);
using BinaryKernel = void (*)(const TensorView& out, const TensorView& a, const TensorView& b);
using WhereKernel = void (*)(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b);
// dst[i] = src[i] converted to dst's dtype; sizes equal, any strides (src may be broadcast).
using CopyKernel = void (*)(const TensorView& dst, const TensorView& src);
using FillKernel = void (*)(const TensorView& dst, Scalar value);

}  // namespace tinydl

namespace tinydl {
// Reductions see their input as a contiguous [A, R, B] block and reduce the middle: out[a, b]
// combines in[a, 0..R-1, b] (src/ops/reduce.cpp arranges any set of dims into that form).
using ReduceKernel = void (*)(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
// The same, also writing the int64 index r of the chosen element (max, min, argmax, argmin).
using ArgReduceKernel = void (*)(const TensorView& values, const TensorView& indices, const TensorView& in,
                                 int64_t A, int64_t R, int64_t B);
}  // namespace tinydl

namespace tinydl {
// softmax / log_softmax along the middle of a contiguous [A, R, B] block: out has in's shape,
// and each (a, b) column in[a, 0..R-1, b] is normalised on its own (src/ops/softmax.cpp).
using SoftmaxKernel = void (*)(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B);
}  // namespace tinydl
