// elementwise.cpp — CPU kernels of the pointwise ops: a dtype switch around a strided loop
// (loops.h) around a functor (src/ops/elementwise_functors.h). Nothing else lives here: the
// checks, promotion and broadcasting happened in src/ops/ before the kernel was called.
#include "src/cpu/elementwise.h"

#include "src/cpu/loops.h"
#include "src/ops/elementwise_functors.h"

namespace tinydl::cpu {

namespace {
template <typename F> void same_type(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
    dispatch_all(out.dtype, op, [&]<typename T>() { binary_loop<T, T>(out, a, b, f); });
}
template <typename F> void to_bool(const char* op, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
    dispatch_all(a.dtype, op, [&]<typename T>() { binary_loop<bool, T>(out, a, b, f); });
}
template <typename F> void any_type(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_all(out.dtype, op, [&]<typename T>() { unary_loop<T, T>(out, in, f); });
}
template <typename F> void numeric(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_numeric(out.dtype, op, [&]<typename T>() { unary_loop<T, T>(out, in, f); });
}
template <typename F> void floating(const char* op, const TensorView& out, const TensorView& in, F f) {
    dispatch_floating(out.dtype, op, [&]<typename T>() { unary_loop<T, T>(out, in, f); });
}
}  // namespace

void add(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("add", o, a, b, fn::Add{}); }
void sub(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("sub", o, a, b, fn::Sub{}); }
void mul(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("mul", o, a, b, fn::Mul{}); }
void div(const TensorView& o, const TensorView& a, const TensorView& b) {
    dispatch_floating(o.dtype, "div", [&]<typename T>() { binary_loop<T, T>(o, a, b, fn::Div{}); });
}
void pow(const TensorView& o, const TensorView& a, const TensorView& b) {
    dispatch_numeric(o.dtype, "pow", [&]<typename T>() { binary_loop<T, T>(o, a, b, fn::Pow{}); });
}
void maximum(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("maximum", o, a, b, fn::Maximum{}); }
void minimum(const TensorView& o, const TensorView& a, const TensorView& b) { same_type("minimum", o, a, b, fn::Minimum{}); }

void eq(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("eq", o, a, b, fn::Eq{}); }
void ne(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("ne", o, a, b, fn::Ne{}); }
void lt(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("lt", o, a, b, fn::Lt{}); }
void le(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("le", o, a, b, fn::Le{}); }
void gt(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("gt", o, a, b, fn::Gt{}); }
void ge(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("ge", o, a, b, fn::Ge{}); }
void logical_and(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_and", o, a, b, fn::LogicalAnd{}); }
void logical_or(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_or", o, a, b, fn::LogicalOr{}); }
void logical_xor(const TensorView& o, const TensorView& a, const TensorView& b) { to_bool("logical_xor", o, a, b, fn::LogicalXor{}); }
void logical_not(const TensorView& o, const TensorView& in) {
    dispatch_all(in.dtype, "logical_not", [&]<typename T>() { unary_loop<bool, T>(o, in, fn::LogicalNot{}); });
}

void neg(const TensorView& o, const TensorView& in) { numeric("neg", o, in, fn::Neg{}); }
void abs(const TensorView& o, const TensorView& in) { numeric("abs", o, in, fn::Abs{}); }
void exp(const TensorView& o, const TensorView& in) { floating("exp", o, in, fn::Exp{}); }
void log(const TensorView& o, const TensorView& in) { floating("log", o, in, fn::Log{}); }
void log1p(const TensorView& o, const TensorView& in) { floating("log1p", o, in, fn::Log1p{}); }
void sqrt(const TensorView& o, const TensorView& in) { floating("sqrt", o, in, fn::Sqrt{}); }
void rsqrt(const TensorView& o, const TensorView& in) { floating("rsqrt", o, in, fn::Rsqrt{}); }
void sin(const TensorView& o, const TensorView& in) { floating("sin", o, in, fn::Sin{}); }
void cos(const TensorView& o, const TensorView& in) { floating("cos", o, in, fn::Cos{}); }
void tanh(const TensorView& o, const TensorView& in) { floating("tanh", o, in, fn::Tanh{}); }
void erf(const TensorView& o, const TensorView& in) { floating("erf", o, in, fn::Erf{}); }
void sigmoid(const TensorView& o, const TensorView& in) { floating("sigmoid", o, in, fn::Sigmoid{}); }
void relu(const TensorView& o, const TensorView& in) { numeric("relu", o, in, fn::Relu{}); }
void relu_backward(const TensorView& o, const TensorView& g, const TensorView& y) {
    // A select, not g * (y > 0): 0 * inf would be NaN where PyTorch gives 0.
    same_type("relu_backward", o, g, y, []<typename T>(T grad, T out) { return out > T(0) ? grad : T(0); });
}
void gelu(const TensorView& o, const TensorView& in) { floating("gelu", o, in, fn::Gelu{}); }
void gelu_tanh(const TensorView& o, const TensorView& in) { floating("gelu", o, in, fn::GeluTanh{}); }
void silu(const TensorView& o, const TensorView& in) { floating("silu", o, in, fn::Silu{}); }
void sign(const TensorView& o, const TensorView& in) { any_type("sign", o, in, fn::Sign{}); }
void floor(const TensorView& o, const TensorView& in) { floating("floor", o, in, fn::Floor{}); }
void ceil(const TensorView& o, const TensorView& in) { floating("ceil", o, in, fn::Ceil{}); }
void round(const TensorView& o, const TensorView& in) { floating("round", o, in, fn::Round{}); }
void leaky_relu(const TensorView& o, const TensorView& in, double slope, double) {
    floating("leaky_relu", o, in, fn::LeakyRelu{slope});
}
void softplus(const TensorView& o, const TensorView& in, double beta, double threshold) {
    floating("softplus", o, in, fn::Softplus{beta, threshold});
}
void clamp(const TensorView& o, const TensorView& in, double lo, double hi) { numeric("clamp", o, in, fn::Clamp{lo, hi}); }

void where(const TensorView& o, const TensorView& cond, const TensorView& a, const TensorView& b) {
    dispatch_all(o.dtype, "where", [&]<typename T>() { ternary_loop<T, bool>(o, cond, a, b, fn::Where{}); });
}

}  // namespace tinydl::cpu
