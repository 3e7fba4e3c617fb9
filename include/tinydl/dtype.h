// dtype.h — the element types a tensor can hold, and PyTorch's type-promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace tinydl {

// Float16/BFloat16 are reserved for the GPU work; no kernel handles them yet.
enum class DType : uint8_t { Float32, Float64, Int64, Int32, UInt8, Bool, Float16, BFloat16 };

// libtorch's spellings, so `zeros({2}, kFloat64)` reads as it does there.
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt = DType::Int32;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kByte = DType::UInt8;
inline constexpr DType kBool = DType::Bool;

constexpr size_t itemsize(DType t) {
    switch (t) {
        case DType::Float32: return 4;
        case DType::Float64: return 8;
        case DType::Int64: return 8;
        case DType::Int32: return 4;
        case DType::UInt8: return 1;
        case DType::Bool: return 1;
        case DType::Float16: return 2;
        case DType::BFloat16: return 2;
    }
    return 0;
}

constexpr bool is_floating(DType t) {
    return t == DType::Float32 || t == DType::Float64 || t == DType::Float16 || t == DType::BFloat16;
}
constexpr bool is_integral(DType t, bool include_bool = false) {
    return t == DType::Int64 || t == DType::Int32 || t == DType::UInt8 ||
           (include_bool && t == DType::Bool);
}

// PyTorch's names: "float32", "int64", "bool", ...
std::string_view dtype_name(DType t);
std::ostream& operator<<(std::ostream& out, DType t);

// The smallest type that holds both (torch.promote_types): bool < uint8 < int32 < int64 <
// float32 < float64; uint8 with int32 gives int32, as in PyTorch.
DType promote_types(DType a, DType b);

// The C++ type of each dtype, for kernels: CType<DType::Float32> is float.
template <DType D> struct CTypeOf;
template <> struct CTypeOf<DType::Float32> { using type = float; };
template <> struct CTypeOf<DType::Float64> { using type = double; };
template <> struct CTypeOf<DType::Int64> { using type = int64_t; };
template <> struct CTypeOf<DType::Int32> { using type = int32_t; };
template <> struct CTypeOf<DType::UInt8> { using type = uint8_t; };
template <> struct CTypeOf<DType::Bool> { using type = bool; };

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }

}  // namespace tinydl
