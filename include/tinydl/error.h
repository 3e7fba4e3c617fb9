// error.h — tinydl's exceptions and the two check macros.
//
// TINYDL_CHECK(cond, "op", parts...) is for mistakes a user can make (bad shapes, dtypes,
// devices, indices): it throws tinydl::Error with "<op>: <parts...>".
// TINYDL_ASSERT(cond, parts...) is for broken internal invariants: it says "internal error",
// names file:line, and asks for a bug report. Neither ever aborts the process.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tinydl {

// Base class of every exception tinydl throws on purpose.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Subclasses let callers recover from one kind of failure and not the others.
class ShapeError : public Error {
    using Error::Error;
};
class IndexError : public Error {
    using Error::Error;
};
class TypeError : public Error {
    using Error::Error;
};
class OutOfMemoryError : public Error {
    using Error::Error;
};

namespace detail {

// Streams every argument into one string: str("dim ", 3, " of ", shape) -> "dim 3 of [2, 3]".
template <typename... Parts>
std::string str(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

[[noreturn]] void throw_internal(const char* file, int line, const std::string& what);

}  // namespace detail
}  // namespace tinydl

// Throws ErrorType("<op>: <parts>") unless cond holds.
#define TINYDL_CHECK_T(ErrorType, cond, op, ...)                                     \
    do {                                                                             \
        if (!(cond)) [[unlikely]]                                                    \
            throw ErrorType(::tinydl::detail::str(op, ": ", __VA_ARGS__));           \
    } while (0)

#define TINYDL_CHECK(cond, op, ...) TINYDL_CHECK_T(::tinydl::Error, cond, op, __VA_ARGS__)
#define TINYDL_CHECK_SHAPE(cond, op, ...) TINYDL_CHECK_T(::tinydl::ShapeError, cond, op, __VA_ARGS__)
#define TINYDL_CHECK_INDEX(cond, op, ...) TINYDL_CHECK_T(::tinydl::IndexError, cond, op, __VA_ARGS__)
#define TINYDL_CHECK_TYPE(cond, op, ...) TINYDL_CHECK_T(::tinydl::TypeError, cond, op, __VA_ARGS__)

// Broken invariant inside tinydl: not the user's fault.
#define TINYDL_ASSERT(cond, ...)                                                        \
    do {                                                                                \
        if (!(cond)) [[unlikely]]                                                       \
            ::tinydl::detail::throw_internal(__FILE__, __LINE__,                        \
                                             ::tinydl::detail::str(#cond, " ", __VA_ARGS__)); \
    } while (0)
