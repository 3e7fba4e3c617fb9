// basics.cpp — the small value types: errors, dtypes, devices, shapes, scalars.
#include <cctype>
#include <limits>

#include "tinydl/device.h"
#include "tinydl/dtype.h"
#include "tinydl/error.h"
#include "tinydl/scalar.h"
#include "tinydl/shape.h"

namespace tinydl {

namespace detail {
void throw_internal(const char* file, int line, const std::string& what) {
    throw Error(str("internal error at ", file, ":", line, ": ", what,
                    " (this is a bug in tinydl; please report it with the code that triggered it)"));
}
}  // namespace detail

// ---- dtype ------------------------------------------------------------------------------
std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::Float32: return "float32";
        case DType::Float64: return "float64";
        case DType::Int64: return "int64";
        case DType::Int32: return "int32";
        case DType::UInt8: return "uint8";
        case DType::Bool: return "bool";
        case DType::Float16: return "float16";
        case DType::BFloat16: return "bfloat16";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& out, DType t) { return out << dtype_name(t); }

// Rank in the promotion lattice: a higher rank holds every value of a lower one (nearly).
static int promotion_rank(DType t) {
    switch (t) {
        case DType::Bool: return 0;
        case DType::UInt8: return 1;
        case DType::Int32: return 2;
        case DType::Int64: return 3;
        case DType::Float16: return 4;
        case DType::BFloat16: return 4;
        case DType::Float32: return 5;
        case DType::Float64: return 6;
    }
    return 0;
}

DType promote_types(DType a, DType b) {
    if (a == b) return a;
    // float16 with bfloat16 has no exact common type below float32 (as in PyTorch).
    if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
        return DType::Float32;
    return promotion_rank(a) >= promotion_rank(b) ? a : b;
}

// ---- device -------------------------------------------------------------------------------
Device::Device(const std::string& spec) {
    if (spec == "cpu") {
        *this = Device::cpu();
        return;
    }
    if (spec.rfind("cuda", 0) == 0) {
        if (spec.size() == 4) {
            *this = Device::cuda(0);
            return;
        }
        if (spec[4] == ':' && spec.size() > 5 && spec.size() <= 7) {
            bool digits = true;
            for (size_t i = 5; i < spec.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(spec[i]));
            if (digits) {
                *this = Device::cuda(std::stoi(spec.substr(5)));
                return;
            }
        }
    }
    throw Error(detail::str("Device: cannot parse '", spec, "'; expected \"cpu\", \"cuda\" or \"cuda:N\""));
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
std::ostream& operator<<(std::ostream& out, Device d) { return out << d.str(); }

// ---- shapes --------------------------------------------------------------------------------
std::string shape_str(IntArrayRef shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}
std::ostream& operator<<(std::ostream& out, IntArrayRef shape) { return out << shape_str(shape); }

int64_t numel_of(IntArrayRef shape) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

DimVector contiguous_strides(IntArrayRef shape) {
    DimVector strides(shape.size());
    int64_t running = 1;
    for (size_t i = shape.size(); i-- > 0;) {
        strides[i] = running;
        running *= std::max<int64_t>(shape[i], 1);
    }
    return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
    // A rank-0 tensor accepts dim 0 and -1, as in PyTorch.
    const int64_t n = std::max<int64_t>(ndim, 1);
    TINYDL_CHECK_INDEX(dim >= -n && dim < n, op, "dimension out of range (expected to be in range of [",
                       -n, ", ", n - 1, "], but got ", dim, ")");
    return dim < 0 ? dim + n : dim;
}

// ---- scalar ---------------------------------------------------------------------------------
Scalar Scalar::operator-() const {
    if (kind_ == Kind::Float) return Scalar(-d_);
    return Scalar(-i_);
}

std::ostream& operator<<(std::ostream& out, const Scalar& s) {
    if (s.is_bool()) return out << (s.to<bool>() ? "true" : "false");
    if (s.is_integral()) return out << s.to_int();
    return out << s.to_double();
}

}  // namespace tinydl
