// factory.h — making tensors: filled, ranged, random, or from C++ data.
//
// Every factory takes TensorOptions last (dtype float32, CPU, no grad unless said), and
// the random ones draw from the global generator that manual_seed() resets (random.h).
#pragma once

#include <initializer_list>
#include <vector>

#include "tinydl/random.h"
#include "tinydl/tensor.h"

namespace tinydl {

Tensor empty(IntArrayRef shape, TensorOptions options = {});  // uninitialised values
Tensor zeros(IntArrayRef shape, TensorOptions options = {});
Tensor ones(IntArrayRef shape, TensorOptions options = {});
Tensor full(IntArrayRef shape, Scalar value, TensorOptions options = {});
// A 0-dim tensor holding `value`; its dtype follows the scalar unless options set one.
Tensor scalar_tensor(Scalar value, TensorOptions options = {});

// [start, end) in steps of `step`. With integer arguments and no dtype given, int64.
Tensor arange(Scalar end, TensorOptions options = {});
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = {});
// `steps` evenly spaced values from start to end, both included.
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
// n x m identity (m = n when negative).
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});

Tensor rand(IntArrayRef shape, TensorOptions options = {});   // uniform on [0, 1)
Tensor randn(IntArrayRef shape, TensorOptions options = {});  // standard normal
// Integers uniform on [low, high); int64 unless options set a dtype.
Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options = {});
Tensor randint(int64_t high, IntArrayRef shape, TensorOptions options = {});
// A random permutation of 0..n-1 (int64).
Tensor randperm(int64_t n, TensorOptions options = {});

// *_like: same shape, and the same dtype and device unless options set them.
Tensor empty_like(const Tensor& t, std::optional<TensorOptions> options = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> options = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> options = std::nullopt);
Tensor full_like(const Tensor& t, Scalar value, std::optional<TensorOptions> options = std::nullopt);
Tensor rand_like(const Tensor& t, std::optional<TensorOptions> options = std::nullopt);
Tensor randn_like(const Tensor& t, std::optional<TensorOptions> options = std::nullopt);

// ---- from C++ data (always a copy) -------------------------------------------------------
// The dtype follows the C++ type (float -> float32, double -> float64, int/int64_t -> int64,
// bool -> bool) unless options set one:  tensor({1.f, 2.f}), tensor({{1., 2.}, {3., 4.}}).
namespace detail {
Tensor tensor_from_data(const void* data, DType data_dtype, IntArrayRef shape, TensorOptions options);
template <typename T> constexpr DType literal_dtype() {
    if constexpr (std::is_same_v<T, int>) return DType::Int64;  // integer literals mean int64
    else return dtype_of<T>();
}
}  // namespace detail

template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
Tensor tensor(T value, TensorOptions options = {}) {
    return detail::tensor_from_data(&value, dtype_of<T>(), {}, options.has_dtype() ? options : options.dtype(detail::literal_dtype<T>()));
}
template <typename T>
Tensor tensor(const std::vector<T>& values, TensorOptions options = {}) {
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is packed: unpack it
        std::vector<uint8_t> bytes(values.begin(), values.end());
        return detail::tensor_from_data(bytes.data(), DType::Bool, {static_cast<int64_t>(values.size())}, options.has_dtype() ? options : options.dtype(DType::Bool));
    } else {
        return detail::tensor_from_data(values.data(), dtype_of<T>(), {static_cast<int64_t>(values.size())},
                                        options.has_dtype() ? options : options.dtype(detail::literal_dtype<T>()));
    }
}
template <typename T>
Tensor tensor(std::initializer_list<T> values, TensorOptions options = {}) {
    return tensor(std::vector<T>(values), options);
}
// Nested lists make a 2-D tensor; every row must have the same length.
template <typename T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows, TensorOptions options = {}) {
    std::vector<T> flat;
    const int64_t n_cols = rows.size() ? static_cast<int64_t>(rows.begin()->size()) : 0;
    for (const auto& row : rows) {
        TINYDL_CHECK_SHAPE(static_cast<int64_t>(row.size()) == n_cols, "tensor",
                           "nested rows must all have the same length: ", n_cols, " vs ", row.size());
        flat.insert(flat.end(), row.begin(), row.end());
    }
    Tensor t = tensor(flat, options.requires_grad(false));
    t = t.view({static_cast<int64_t>(rows.size()), n_cols}).detach();
    return options.requires_grad() ? t.requires_grad_(true) : t;
}
// Copies `data`, read as `shape` in row-major order.
template <typename T>
Tensor tensor(const T* data, IntArrayRef shape, TensorOptions options = {}) {
    return detail::tensor_from_data(data, dtype_of<T>(), shape, options.has_dtype() ? options : options.dtype(dtype_of<T>()));
}

// Wraps memory the caller owns, without copying (torch::from_blob): the tensor must not
// outlive `data`. `deleter`, if given, runs when the last tensor using the memory dies.
Tensor from_blob(void* data, IntArrayRef shape, TensorOptions options = {},
                 std::function<void(void*)> deleter = {});

}  // namespace tinydl
