// scalar.h — a number given where a tensor could be (x * 2.5f, x + 1, clamp(x, 0, 6)).
//
// Like c10::Scalar it remembers whether it was written as a bool, an integer or a floating
// number, because that decides the result dtype: int_tensor * 2 stays int64, int_tensor * 2.5
// becomes float32 (see Note [Type promotion] in src/ops/binary.cpp).
#pragma once

#include <cstdint>
#include <ostream>
#include <type_traits>

#include "tinydl/dtype.h"

namespace tinydl {

class Scalar {
  public:
    enum class Kind : uint8_t { Bool, Int, Float };

    Scalar() : Scalar(int64_t{0}) {}
    template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
    Scalar(T v) {
        if constexpr (std::is_same_v<T, bool>) {
            kind_ = Kind::Bool;
            i_ = v;
        } else if constexpr (std::is_integral_v<T>) {
            kind_ = Kind::Int;
            i_ = static_cast<int64_t>(v);
        } else {
            kind_ = Kind::Float;
            d_ = static_cast<double>(v);
        }
    }

    Kind kind() const { return kind_; }
    bool is_floating() const { return kind_ == Kind::Float; }
    bool is_integral() const { return kind_ == Kind::Int; }
    bool is_bool() const { return kind_ == Kind::Bool; }

    double to_double() const { return kind_ == Kind::Float ? d_ : static_cast<double>(i_); }
    int64_t to_int() const { return kind_ == Kind::Float ? static_cast<int64_t>(d_) : i_; }
    template <typename T> T to() const {
        if constexpr (std::is_same_v<T, bool>) return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0;
        else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(to_double());
        else return kind_ == Kind::Float ? static_cast<T>(d_) : static_cast<T>(i_);
    }

    // The dtype a 0-dim tensor made from this scalar gets: bool, int64 or float32 (PyTorch's
    // default dtype; float64 values round to it as torch.tensor(2.5) does).
    DType default_dtype() const {
        return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Int ? DType::Int64 : DType::Float32;
    }

    Scalar operator-() const;

  private:
    Kind kind_;
    union {
        double d_;
        int64_t i_;
    };
};

std::ostream& operator<<(std::ostream& out, const Scalar& s);

}  // namespace tinydl
