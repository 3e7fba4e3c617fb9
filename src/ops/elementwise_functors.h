// elementwise_functors.h — the maths of every pointwise op, written once.
//
// Each functor maps one element (or a pair) to its result. The CPU kernels in
// src/cpu/elementwise.cpp run them in a strided loop; the CUDA kernels will run the very same
// functors in a grid-stride loop (TINYDL_HOST_DEVICE makes them callable on both sides), so the
// two devices cannot disagree about the formula.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#ifdef __CUDACC__
#define TINYDL_HOST_DEVICE __host__ __device__
#else
#define TINYDL_HOST_DEVICE
#endif

namespace tinydl::fn {

// ---- binary arithmetic (inputs already promoted to one type T) --------------------------------
struct Add {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(a + b); }
};
struct Sub {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(a - b); }
};
struct Mul {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(a * b); }
};
struct Div {  // true division: only ever called on floating types
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const { return a / b; }
};
struct Pow {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            return std::pow(a, b);
        } else {
            // Integer power by squaring; a negative exponent only has an integer answer for |a| = 1.
            // (Only signed types can have one: nvcc warns about `b < 0` on uint8.)
            if constexpr (std::is_signed_v<T>) {
                if (b < 0) return a == 1 ? T(1) : (a == T(-1) ? ((b % 2) ? T(-1) : T(1)) : T(0));
            }
            T result = 1, base = a;
            for (auto e = b; e > 0; e /= 2) {
                if (e % 2) result = static_cast<T>(result * base);
                base = static_cast<T>(base * base);
            }
            return result;
        }
    }
};
// NaN propagates, as in torch.maximum.
struct Maximum {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            if (a != a || b != b) return a + b;  // a NaN, whichever it is
        }
        return a > b ? a : b;
    }
};
struct Minimum {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            if (a != a || b != b) return a + b;
        }
        return a < b ? a : b;
    }
};

// ---- comparisons and logic (bool results) ---------------------------------------------------
struct Eq { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a == b; } };
struct Ne { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a != b; } };
struct Lt { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a < b; } };
struct Le { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a <= b; } };
struct Gt { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a > b; } };
struct Ge { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAnd { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) && (b != T(0)); } };
struct LogicalOr { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) || (b != T(0)); } };
struct LogicalXor { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) != (b != T(0)); } };
struct LogicalNot { template <typename T> TINYDL_HOST_DEVICE bool operator()(T a) const { return a == T(0); } };

// ---- unary ------------------------------------------------------------------------------------
struct Neg { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return static_cast<T>(-x); } };
struct Abs {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        if constexpr (std::is_unsigned_v<T>) return x;
        else return x < T(0) ? static_cast<T>(-x) : x;
    }
};
struct Exp { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::exp(x); } };
struct Log { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::log(x); } };
struct Log1p { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::log1p(x); } };
struct Sqrt { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::sqrt(x); } };
struct Rsqrt { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return T(1) / std::sqrt(x); } };
struct Sin { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::sin(x); } };
struct Cos { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::cos(x); } };
struct Erf { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::erf(x); } };
struct Tanh { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::tanh(x); } };
// 1 / (1 + e^-x), written so that neither branch overflows.
struct Sigmoid {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
    }
};
struct Relu { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : T(0); } };
struct LeakyRelu {
    double slope;
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : static_cast<T>(x * slope); }
};
// x Φ(x) = x (1 + erf(x / sqrt 2)) / 2
struct Gelu {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
    }
};
// x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
struct GeluTanh {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        const T k = T(0.7978845608028654);  // sqrt(2 / pi)
        return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
    }
};
struct Silu { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return x * Sigmoid{}(x); } };
struct Softplus {
    double beta, threshold;
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        const T bx = static_cast<T>(x * beta);
        return bx > T(threshold) ? x : static_cast<T>(std::log1p(std::exp(bx)) / beta);
    }
};
struct Sign {
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        if constexpr (std::is_same_v<T, bool>) return x;
        else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(x != T(0));  // never negative
        else return static_cast<T>((T(0) < x) - (x < T(0)));
    }
};
struct Floor { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::floor(x); } };
struct Ceil { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::ceil(x); } };
struct Round { template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const { return std::nearbyint(x); } };  // half to even
// min(max(x, lo), hi); NaN stays NaN.
struct Clamp {
    double lo, hi;
    template <typename T> TINYDL_HOST_DEVICE T operator()(T x) const {
        if constexpr (std::is_floating_point_v<T>) {
            if (x != x) return x;
        }
        const double v = static_cast<double>(x);
        return v < lo ? static_cast<T>(lo) : (v > hi ? static_cast<T>(hi) : x);
    }
};

// ---- where --------------------------------------------------------------------------------------
struct Where { template <typename T> TINYDL_HOST_DEVICE T operator()(bool c, T a, T b) const { return c ? a : b; } };

}  // namespace tinydl::fn
