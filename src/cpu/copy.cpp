// copy.cpp — strided copy with dtype conversion, and fill. Every .contiguous(), .to(dtype),
// .clone(), cat and broadcast materialisation ends here.
#include <limits>
#include <type_traits>

#include "src/cpu/elementwise.h"
#include "src/cpu/loops.h"

namespace tinydl::cpu {

namespace {
// static_cast, except that a float out of an integer type's range (or NaN) does not invoke
// undefined behaviour: it saturates, and NaN becomes 0.
template <typename To, typename From> To convert(From v) {
    if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && !std::is_same_v<To, bool>) {
        if (!(v == v)) return To(0);
        if (v <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
        if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
        return static_cast<To>(v);
    } else {
        return static_cast<To>(v);
    }
}
}  // namespace

void copy(const TensorView& dst, const TensorView& src) {
    dispatch_all(dst.dtype, "copy", [&]<typename TD>() {
        dispatch_all(src.dtype, "copy", [&]<typename TS>() {
            unary_loop<TD, TS>(dst, src, [](TS v) { return convert<TD, TS>(v); });
        });
    });
}

void fill(const TensorView& dst, Scalar value) {
    dispatch_all(dst.dtype, "fill_", [&]<typename T>() {
        const T v = value.is_floating() ? convert<T, double>(value.to_double()) : value.to<T>();
        auto loop = make_loop<1>(dst.sizes, {IntArrayRef(dst.strides)});
        T* p = dst.ptr<T>();
        for_each_run(loop, kParallelGrain, [&](const std::array<int64_t, 1>& off, const std::array<int64_t, 1>& step, int64_t n) {
            for (int64_t i = 0; i < n; ++i) p[off[0] + i * step[0]] = v;
        });
    });
}

}  // namespace tinydl::cpu
