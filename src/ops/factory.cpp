// factory.cpp — tensors made from nothing: filled, ranged, random, or copied from C++ data.
//
// Values are produced on the CPU and copied when another device is asked for; random values are
// drawn from the global generator in row-major element order, so a seed gives the same tensor
// whatever the thread count.
#include <cmath>
#include <cstring>

#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
// Applies requires_grad from the options to a freshly made tensor.
Tensor finish(Tensor t, const TensorOptions& options) {
    if (options.requires_grad()) t.requires_grad_(true);
    return t;
}
// A CPU tensor filled by `fill(T* data, n)`, then moved to the requested device.
template <typename F> Tensor make_on_cpu(IntArrayRef shape, const TensorOptions& options, const char* op, F fill) {
    Tensor cpu = detail::empty_raw(shape, options.dtype(), Device::cpu());
    dispatch_all(options.dtype(), op, [&]<typename T>() { fill(cpu.data_ptr<T>(), cpu.numel()); });
    Tensor out = options.device().is_cpu() ? cpu : cpu.to(options.device());
    return finish(out, options);
}
TensorOptions like_options(const Tensor& t, const std::optional<TensorOptions>& options) {
    detail::check_defined("*_like", t);
    if (!options) return TensorOptions(t.dtype()).device(t.device());
    TensorOptions o = *options;
    return o.has_dtype() ? o : o.dtype(t.dtype());
}
}  // namespace

Tensor empty(IntArrayRef shape, TensorOptions options) {
    return finish(detail::empty_raw(shape, options.dtype(), options.device()), options);
}
Tensor full(IntArrayRef shape, Scalar value, TensorOptions options) {
    if (!options.has_dtype()) options = options.dtype(value.default_dtype());
    Tensor t = detail::empty_raw(shape, options.dtype(), options.device());
    t.fill_(value);
    return finish(t, options);
}
Tensor zeros(IntArrayRef shape, TensorOptions options) { return full(shape, 0, options.dtype(options.dtype())); }
Tensor ones(IntArrayRef shape, TensorOptions options) { return full(shape, 1, options.dtype(options.dtype())); }
Tensor scalar_tensor(Scalar value, TensorOptions options) {
    if (!options.has_dtype()) options = options.dtype(value.default_dtype());
    return full({}, value, options);
}

Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
    const bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
    if (!options.has_dtype()) options = options.dtype(all_int ? kInt64 : kFloat32);
    const double s = start.to_double(), e = end.to_double(), d = step.to_double();
    TINYDL_CHECK(d != 0, "arange", "step must be nonzero");
    TINYDL_CHECK((d > 0 && e >= s) || (d < 0 && e <= s), "arange", "upper bound (", end, ") and lower bound (", start,
                 ") inconsistent with step sign (", step, ")");
    const int64_t n = static_cast<int64_t>(std::ceil((e - s) / d));
    return make_on_cpu({n}, options, "arange", [&]<typename T>(T* p, int64_t count) {
        for (int64_t i = 0; i < count; ++i) p[i] = static_cast<T>(all_int ? start.to_int() + i * step.to_int() : s + i * d);
    });
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
    TINYDL_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got ", steps);
    const double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    return make_on_cpu({steps}, options, "linspace", [&]<typename T>(T* p, int64_t n) {
        // Fill from both ends, as PyTorch does, so that the last value is exactly `end`
        // (a single step gives `start`, as torch.linspace(0, 1, 1) == [0]).
        const int64_t half = n == 1 ? 1 : n / 2;
        for (int64_t i = 0; i < n; ++i)
            p[i] = static_cast<T>(i < half ? start + delta * static_cast<double>(i) : end - delta * static_cast<double>(n - 1 - i));
    });
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
    if (m < 0) m = n;
    TINYDL_CHECK(n >= 0, "eye", "n must be non-negative, got ", n);
    return make_on_cpu({n, m}, options, "eye", [&]<typename T>(T* p, int64_t count) {
        // eye(0) has no storage: memset(nullptr, 0, 0) is still undefined behaviour (UBSan).
        if (count > 0) std::memset(static_cast<void*>(p), 0, static_cast<size_t>(count) * sizeof(T));
        for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
    });
}

// ---- random -------------------------------------------------------------------------------------------
Tensor rand(IntArrayRef shape, TensorOptions options) {
    TINYDL_CHECK_TYPE(is_floating(options.dtype()), "rand", "expected a floating dtype, got ", options.dtype());
    auto& g = detail::default_generator();
    return make_on_cpu(shape, options, "rand", [&]<typename T>(T* p, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
            if constexpr (std::is_same_v<T, double>) p[i] = g.next_double();
            else p[i] = static_cast<T>(g.next_float());
        }
    });
}

Tensor randn(IntArrayRef shape, TensorOptions options) {
    TINYDL_CHECK_TYPE(is_floating(options.dtype()), "randn", "expected a floating dtype, got ", options.dtype());
    auto& g = detail::default_generator();
    return make_on_cpu(shape, options, "randn", [&]<typename T>(T* p, int64_t n) {
        for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(g.next_normal());
    });
}

Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options) {
    TINYDL_CHECK(high > low, "randint", "expected low < high, got low=", low, " and high=", high);
    if (!options.has_dtype()) options = options.dtype(kInt64);
    auto& g = detail::default_generator();
    const uint64_t range = static_cast<uint64_t>(high - low);
    return make_on_cpu(shape, options, "randint", [&]<typename T>(T* p, int64_t n) {
        for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(low + static_cast<int64_t>(g.next_u64() % range));
    });
}
Tensor randint(int64_t high, IntArrayRef shape, TensorOptions options) { return randint(0, high, shape, options); }

Tensor randperm(int64_t n, TensorOptions options) {
    TINYDL_CHECK(n >= 0, "randperm", "n must be non-negative, got ", n);
    if (!options.has_dtype()) options = options.dtype(kInt64);
    auto& g = detail::default_generator();
    return make_on_cpu({n}, options, "randperm", [&]<typename T>(T* p, int64_t count) {
        for (int64_t i = 0; i < count; ++i) p[i] = static_cast<T>(i);
        for (int64_t i = count - 1; i > 0; --i) {  // Fisher-Yates
            const int64_t j = static_cast<int64_t>(g.next_u64() % static_cast<uint64_t>(i + 1));
            std::swap(p[i], p[j]);
        }
    });
}

// ---- *_like ------------------------------------------------------------------------------------------------
// like_options (which rejects an undefined t) runs before t.sizes(): the order in which a call's
// arguments are evaluated is unspecified, and clang's left-to-right order dereferenced the
// undefined tensor first (found by the clang sanitizer build).
Tensor empty_like(const Tensor& t, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return empty(t.sizes(), options);
}
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return zeros(t.sizes(), options);
}
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return ones(t.sizes(), options);
}
Tensor full_like(const Tensor& t, Scalar v, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return full(t.sizes(), v, options);
}
Tensor rand_like(const Tensor& t, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return rand(t.sizes(), options);
}
Tensor randn_like(const Tensor& t, std::optional<TensorOptions> o) {
    const TensorOptions options = like_options(t, o);
    return randn(t.sizes(), options);
}

// ---- from C++ data -------------------------------------------------------------------------------------------
namespace detail {
Tensor tensor_from_data(const void* data, DType data_dtype, IntArrayRef shape, TensorOptions options) {
    for (int64_t s : shape) TINYDL_CHECK_SHAPE(s >= 0, "tensor", "negative dimension ", s, " in shape ", shape);
    // Wrap the caller's bytes without copying, then copy (and convert) into a new tensor.
    Tensor src(std::make_shared<TensorImpl>(
        std::make_shared<Storage>(const_cast<void*>(data), numel_of(shape) * itemsize(data_dtype), Device::cpu(), nullptr),
        shape, contiguous_strides(shape), 0, data_dtype));
    Tensor out = empty_raw(shape, options.dtype(), options.device());
    copy_raw(out, src);
    return finish(out, options);
}
}  // namespace detail

Tensor from_blob(void* data, IntArrayRef shape, TensorOptions options, std::function<void(void*)> deleter) {
    TINYDL_CHECK(data != nullptr || numel_of(shape) == 0, "from_blob", "data pointer is null");
    for (int64_t s : shape) TINYDL_CHECK_SHAPE(s >= 0, "from_blob", "negative dimension ", s, " in shape ", shape);
    auto storage = std::make_shared<Storage>(data, numel_of(shape) * itemsize(options.dtype()), options.device(), std::move(deleter));
    return finish(Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, contiguous_strides(shape), 0, options.dtype())), options);
}

}  // namespace tinydl
