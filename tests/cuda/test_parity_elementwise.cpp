// test_parity_elementwise.cpp — the CUDA elementwise kernels, copies and fills
// (src/cuda/elementwise.cu, src/cuda/copy.cu) against the CPU ones, through the ops that call
// them (src/ops/binary.cpp, unary.cpp, copy.cpp).
//
// Floating results are compared with cuda_matches_cpu (same random inputs on both devices,
// outputs and input gradients within tolerance, float32 and float64); integer and bool results
// must match exactly. Every family is run on contiguous operands, on broadcast ones
// ([3,1,5] + [4,5]) and on non-contiguous ones (transposed, sliced with a step, permuted), so
// both the direct-index fast path and the strided path of each kernel run. Then: type promotion,
// in-place ops on CUDA views, copies between devices in every direction (non-contiguous,
// broadcast, with a dtype change), fill_ on strided views, more elements than one grid covers,
// and the error for operands on two devices.
//
// Gradients run through other families' CUDA kernels too (sum_to for broadcast inputs is a
// reduction); a failure that names a gradient of a broadcast input may come from there.
//
// Every test skips itself on a machine or build without a GPU (TINYDL_REQUIRE_CUDA).
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;
using ::tinydl::testing::cuda_matches_cpu;
using ::tinydl::testing::ParityTolerance;

constexpr Device kCuda = Device::cuda(0);

const DType kFloatTypes[] = {kFloat32, kFloat64};
const DType kIntTypes[] = {kInt64, kInt32, kUInt8};
const DType kAllTypes[] = {kFloat32, kFloat64, kInt64, kInt32, kUInt8, kBool};

std::string type_name(DType t) {
    std::ostringstream s;
    s << t;
    return s.str();
}

// Uniform on [lo, hi), of dtype t.
Tensor uniform(IntArrayRef shape, double lo, double hi, DType t) { return rand(shape, t) * (hi - lo) + lo; }
// A leaf requiring grad, uniform on [lo, hi).
Tensor grad_leaf(IntArrayRef shape, double lo, double hi, DType t) {
    Tensor x = uniform(shape, lo, hi, t);
    x.requires_grad_();
    return x;
}
// Small integers (ties and zeros do occur), of dtype t.
Tensor small_ints(IntArrayRef shape, int64_t lo, int64_t hi, DType t) { return randint(lo, hi, shape).to(t); }

// float32 results of transcendental functions differ by an ulp or two between glibc and CUDA's
// libdevice, and gradients compound that; float64 stays within the default 1e-5.
ParityTolerance tolerance(DType t) { return t == kFloat32 ? ParityTolerance{1e-4, 1e-5} : ParityTolerance{}; }

// The same tensor on the GPU and on the CPU: exact match, same dtype.
::testing::AssertionResult same_exactly(const Tensor& gpu, const Tensor& cpu) {
    if (!gpu.is_cuda()) return ::testing::AssertionFailure() << "the result is on " << gpu.device();
    if (gpu.dtype() != cpu.dtype())
        return ::testing::AssertionFailure() << "dtype " << gpu.dtype() << " on CUDA vs " << cpu.dtype();
    return allclose(gpu.cpu(), cpu, 0.0, 0.0);
}

// ==== binary arithmetic ===============================================================================
struct BinaryOp {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> fn;
    double a_lo, a_hi, b_lo, b_hi;  // input ranges (pow's base and div's divisor stay positive)
};

const BinaryOp kArithmetic[] = {
    {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, -2, 2, -2, 2},
    {"add alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 0.5); }, -2, 2, -2, 2},
    {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, -2, 2, -2, 2},
    {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, -2, 2, -2, 2},
    {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, -2, 2, 0.5, 2},
    {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.5, 2, -1.5, 1.5},
    {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, -2, 2, -2, 2},
    {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, -2, 2, -2, 2},
};

TEST(CudaParityBinary, ArithmeticWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        for (const BinaryOp& op : kArithmetic) {
            SCOPED_TRACE(std::string(op.name) + " " + type_name(t));
            manual_seed(1);
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0], x[1]); },
                                         {grad_leaf({4, 5}, op.a_lo, op.a_hi, t), grad_leaf({4, 5}, op.b_lo, op.b_hi, t)},
                                         tolerance(t)));
        }
    }
}

TEST(CudaParityBinary, Broadcast) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        for (const BinaryOp& op : kArithmetic) {
            SCOPED_TRACE(std::string(op.name) + " " + type_name(t));
            manual_seed(2);
            // [3,1,5] with [4,5] -> [3,4,5]: a broadcast along dim 1, b along dim 0.
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0], x[1]); },
                                         {grad_leaf({3, 1, 5}, op.a_lo, op.a_hi, t), grad_leaf({4, 5}, op.b_lo, op.b_hi, t)},
                                         tolerance(t)));
            // A 0-dim operand on either side.
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0], x[1]); },
                                         {grad_leaf({4, 5}, op.a_lo, op.a_hi, t), grad_leaf({}, op.b_lo, op.b_hi, t)},
                                         tolerance(t)));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0], x[1]); },
                                         {grad_leaf({}, op.a_lo, op.a_hi, t), grad_leaf({4, 5}, op.b_lo, op.b_hi, t)},
                                         tolerance(t)));
        }
    }
}

TEST(CudaParityBinary, NonContiguousOperands) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        for (const BinaryOp& op : kArithmetic) {
            SCOPED_TRACE(std::string(op.name) + " " + type_name(t));
            manual_seed(3);
            // a transposed [5,4] -> [4,5]; b every other column of [4,10].
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& x) { return op.fn(x[0].t(), x[1].slice(1, 0, std::nullopt, 2)); },
                {grad_leaf({5, 4}, op.a_lo, op.a_hi, t), grad_leaf({4, 10}, op.b_lo, op.b_hi, t)}, tolerance(t)));
            // Both transposed: the output is transposed too (empty_like_operands), so no operand
            // coalesces to one contiguous run.
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0].t(), x[1].t()); },
                                         {grad_leaf({6, 3}, op.a_lo, op.a_hi, t), grad_leaf({6, 3}, op.b_lo, op.b_hi, t)},
                                         tolerance(t)));
            // A stepped slice broadcast against a transposed 3-D view.
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& x) {
                    return op.fn(x[0].slice(0, 0, std::nullopt, 3), x[1].transpose(0, 2));  // [3,5] with [2,3,5]
                },
                {grad_leaf({7, 5}, op.a_lo, op.a_hi, t), grad_leaf({5, 3, 2}, op.b_lo, op.b_hi, t)}, tolerance(t)));
        }
    }
}

TEST(CudaParityBinary, ScalarOperands) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<std::function<Tensor(const Tensor&)>> fns = {
        [](const Tensor& x) { return x + 2.5; },  [](const Tensor& x) { return 3 - x; },
        [](const Tensor& x) { return x * 0.5; },  [](const Tensor& x) { return 2.0 / x; },
        [](const Tensor& x) { return x / 4; },    [](const Tensor& x) { return x.pow(2); },
        [](const Tensor& x) { return x.pow(0.5); }, [](const Tensor& x) { return pow(2.0, x); },
        [](const Tensor& x) { return x.sub(1.5, 2); },
    };
    for (DType t : kFloatTypes) {
        for (size_t i = 0; i < fns.size(); ++i) {
            SCOPED_TRACE("scalar form " + std::to_string(i) + " " + type_name(t));
            manual_seed(4);
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fns[i](x[0]); },
                                         {grad_leaf({3, 4}, 0.5, 2, t)}, tolerance(t)));
        }
    }
}

TEST(CudaParityBinary, TypePromotion) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    // int64 + float32 -> float32, gradient to the float input only.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] + x[1]; },
                                 {small_ints({4, 5}, -5, 5, kInt64), grad_leaf({4, 5}, -1, 1, kFloat32)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[1] * x[0].t(); },
                                 {small_ints({5, 4}, -5, 5, kInt64), grad_leaf({4, 5}, -1, 1, kFloat32)}));
    // float32 * float64 -> float64 (the float32 input's gradient goes back to float32).
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] * x[1]; },
                                 {grad_leaf({4, 5}, -1, 1, kFloat32), grad_leaf({5}, -1, 1, kFloat64)}));
    // Integer / integer is true division -> float32.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] / x[1]; },
                                 {small_ints({4, 5}, -9, 9, kInt64), small_ints({4, 5}, 1, 4, kInt32)}));
    // Exact integer results: int32 * int64 -> int64; uint8 + int64 0-dim stays uint8; bool + int32.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] * x[1]; },
                                 {small_ints({4, 5}, -50, 50, kInt32), small_ints({5}, -50, 50, kInt64)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] + x[1]; },
                                 {small_ints({4, 5}, 0, 250, kUInt8), small_ints({}, 0, 20, kInt64)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] + x[1]; },
                                 {small_ints({4, 5}, 0, 2, kBool), small_ints({4, 5}, -9, 9, kInt32)}));
    // int tensor with a float number -> float32.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] * 2.5; },
                                 {small_ints({4, 5}, -9, 9, kInt32)}));
}

TEST(CudaParityBinary, IntegerArithmeticIsExact) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&, const Tensor&)>>> ops = {
        {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
        {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},  // uint8 wraps, on both devices
        {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
        {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
        {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
        {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }},
    };
    for (DType t : kIntTypes) {
        for (const auto& entry : ops) {
            // Named copies, not a structured binding: clang 14 cannot capture bindings in lambdas.
            const auto& name = entry.first;
            const auto fn = entry.second;
            SCOPED_TRACE(std::string(name) + " " + type_name(t));
            manual_seed(6);
            const int64_t lo = t == kUInt8 ? 0 : -6;
            // pow's exponents stay in [0, 4): the op refuses negative integer exponents only for
            // Scalars, and the kernel's answer for a negative one is checked below.
            const int64_t b_lo = std::string(name) == "pow" ? 0 : lo;
            const int64_t b_hi = std::string(name) == "pow" ? 4 : 7;
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0], x[1]); },
                                         {small_ints({4, 5}, lo, 7, t), small_ints({4, 5}, b_lo, b_hi, t)}));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0].t(), x[1]); },
                                         {small_ints({5, 4}, lo, 7, t), small_ints({5}, b_lo, b_hi, t)}));
        }
    }
    // Negative integer exponents: 1, -1 and 0 (|a| > 1), as on the CPU.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return pow(x[0], x[1]); },
                                 {tensor<int64_t>({1, -1, -1, 2, -3, 0}), tensor<int64_t>({-3, -3, -2, -1, -2, 2})}));
    // bool + bool is a logical or; maximum of bools too.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] + x[1]; },
                                 {small_ints({4, 5}, 0, 2, kBool), small_ints({4, 5}, 0, 2, kBool)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return maximum(x[0], x[1]); },
                                 {small_ints({4, 5}, 0, 2, kBool), small_ints({5}, 0, 2, kBool)}));
}

TEST(CudaParityBinary, NaNAndInfinity) {
    TINYDL_REQUIRE_CUDA();
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    for (DType t : kFloatTypes) {
        SCOPED_TRACE(type_name(t));
        const Tensor a = tensor<double>({nan, 1, -inf, inf, 0, -0.0, 2, nan}).to(t);
        const Tensor b = tensor<double>({1, nan, 3, inf, 0, 0, -inf, nan}).to(t);
        for (auto fn : {maximum, minimum}) {
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0], x[1]); }, {a, b}));
        }
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] / x[1]; }, {a, b}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] * x[1]; }, {a, b}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return eq(x[0], x[1]); }, {a, b}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return ne(x[0], x[1]); }, {a, b}));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return lt(x[0], x[1]); }, {a, b}));
    }
}

// ==== comparisons and logic (bool out, exact) ==========================================================
TEST(CudaParityCompare, ComparisonsAndLogicAreExact) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&, const Tensor&)>>> ops = {
        {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }},
        {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }},
        {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
        {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
        {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
        {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
        {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); }},
        {"logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(a, b); }},
        {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); }},
    };
    for (DType t : kAllTypes) {
        for (const auto& entry : ops) {
            // Named copies, not a structured binding: clang 14 cannot capture bindings in lambdas.
            const auto& name = entry.first;
            const auto fn = entry.second;
            SCOPED_TRACE(std::string(name) + " " + type_name(t));
            manual_seed(7);
            const int64_t lo = (t == kUInt8 || t == kBool) ? 0 : -2;
            const int64_t hi = t == kBool ? 2 : 3;
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0], x[1]); },
                                         {small_ints({4, 5}, lo, hi, t), small_ints({4, 5}, lo, hi, t)}));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0], x[1]); },
                                         {small_ints({3, 1, 5}, lo, hi, t), small_ints({4, 5}, lo, hi, t)}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& x) { return fn(x[0].t(), x[1].slice(1, 0, std::nullopt, 2)); },
                {small_ints({5, 4}, lo, hi, t), small_ints({4, 10}, lo, hi, t)}));
        }
    }
    // Mixed dtypes compare in the promoted type; scalar forms.
    manual_seed(8);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return lt(x[0], x[1]); },
                                 {small_ints({4, 5}, -3, 3, kInt64), uniform({4, 5}, -3, 3, kFloat32)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0].gt(0.25); },
                                 {uniform({4, 5}, -1, 1, kFloat64)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return x[0] == 1; },
                                 {small_ints({4, 5}, 0, 3, kInt32)}));
    // logical_not on every dtype.
    for (DType t : kAllTypes) {
        SCOPED_TRACE("logical_not " + type_name(t));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return logical_not(x[0].t()); },
                                     {small_ints({5, 4}, 0, 2, t)}));
    }
}

// ==== where ==============================================================================================
TEST(CudaParityWhere, SelectsWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        SCOPED_TRACE(type_name(t));
        manual_seed(9);
        const Tensor cond = small_ints({4, 5}, 0, 2, kBool);
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); },
                                     {cond, grad_leaf({4, 5}, -1, 1, t), grad_leaf({4, 5}, -1, 1, t)}, tolerance(t)));
        // Broadcast: cond [4,1], a [4,5], b [5].
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); },
                                     {small_ints({4, 1}, 0, 2, kBool), grad_leaf({4, 5}, -1, 1, t), grad_leaf({5}, -1, 1, t)},
                                     tolerance(t)));
        // Non-contiguous condition and operands; a scalar branch.
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) { return where(x[0].t(), x[1].slice(1, 0, std::nullopt, 2), 0.5); },
            {small_ints({5, 4}, 0, 2, kBool), grad_leaf({4, 10}, -1, 1, t)}, tolerance(t)));
    }
    // Every dtype of the branches, exact.
    for (DType t : kAllTypes) {
        SCOPED_TRACE("where " + type_name(t));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); },
                                     {small_ints({3, 1, 5}, 0, 2, kBool), small_ints({4, 5}, 0, 2, t), small_ints({5}, 0, 2, t)}));
    }
}

// ==== unary ================================================================================================
struct UnaryOp {
    const char* name;
    std::function<Tensor(const Tensor&)> fn;
    double lo, hi;  // input range: inside each function's domain
};

const UnaryOp kUnary[] = {
    {"neg", [](const Tensor& x) { return neg(x); }, -3, 3},
    {"abs", [](const Tensor& x) { return abs(x); }, -3, 3},
    {"exp", [](const Tensor& x) { return exp(x); }, -3, 3},
    {"log", [](const Tensor& x) { return log(x); }, 0.1, 3},
    {"log1p", [](const Tensor& x) { return log1p(x); }, -0.9, 3},
    {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0.1, 3},
    {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, 0.1, 3},
    {"sin", [](const Tensor& x) { return sin(x); }, -3, 3},
    {"cos", [](const Tensor& x) { return cos(x); }, -3, 3},
    {"tanh", [](const Tensor& x) { return tanh(x); }, -3, 3},
    {"erf", [](const Tensor& x) { return erf(x); }, -3, 3},
    {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -8, 8},
    {"relu", [](const Tensor& x) { return relu(x); }, -3, 3},
    {"gelu", [](const Tensor& x) { return gelu(x); }, -3, 3},
    {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, -3, 3},
    {"silu", [](const Tensor& x) { return silu(x); }, -3, 3},
    {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); }, -3, 3},
    {"softplus", [](const Tensor& x) { return softplus(x, 2.0, 5.0); }, -4, 4},  // crosses the threshold
    {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.7); }, -2, 2},
    {"clamp min", [](const Tensor& x) { return clamp(x, 0.25); }, -2, 2},
    {"clamp max", [](const Tensor& x) { return clamp(x, std::nullopt, Scalar(0.25)); }, -2, 2},
    {"sign", [](const Tensor& x) { return sign(x); }, -3, 3},
    {"floor", [](const Tensor& x) { return floor(x); }, -3, 3},
    {"ceil", [](const Tensor& x) { return ceil(x); }, -3, 3},
    {"round", [](const Tensor& x) { return round(x); }, -3, 3},
};

TEST(CudaParityUnary, FloatingWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        for (const UnaryOp& op : kUnary) {
            SCOPED_TRACE(std::string(op.name) + " " + type_name(t));
            manual_seed(10);
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0]); },
                                         {grad_leaf({4, 5}, op.lo, op.hi, t)}, tolerance(t)));
            // Transposed, and every other element of a row.
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return op.fn(x[0].t()); },
                                         {grad_leaf({5, 4}, op.lo, op.hi, t)}, tolerance(t)));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& x) { return op.fn(x[0].slice(1, 1, std::nullopt, 3)); },
                {grad_leaf({4, 10}, op.lo, op.hi, t)}, tolerance(t)));
        }
    }
}

TEST(CudaParityUnary, RoundIsHalfToEven) {
    TINYDL_REQUIRE_CUDA();
    for (DType t : kFloatTypes) {
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return round(x[0]); },
                                     {tensor<double>({-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5}).to(t)}));
    }
}

TEST(CudaParityUnary, IntegerAndBoolInputs) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> ops = {
        {"neg", [](const Tensor& x) { return neg(x); }},  // uint8 wraps on both devices
        {"abs", [](const Tensor& x) { return abs(x); }},
        {"relu", [](const Tensor& x) { return relu(x); }},
        {"sign", [](const Tensor& x) { return sign(x); }},
        {"clamp", [](const Tensor& x) { return clamp(x, -2, 3); }},
        {"clamp float bound", [](const Tensor& x) { return clamp(x, 0.5); }},  // -> float32
        {"floor", [](const Tensor& x) { return floor(x); }},                     // a copy
        {"exp", [](const Tensor& x) { return exp(x); }},                         // -> float32
        {"sqrt", [](const Tensor& x) { return sqrt(abs(x)); }},
        {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
    };
    for (DType t : kIntTypes) {
        for (const auto& entry : ops) {
            // Named copies, not a structured binding: clang 14 cannot capture bindings in lambdas.
            const auto& name = entry.first;
            const auto fn = entry.second;
            SCOPED_TRACE(std::string(name) + " " + type_name(t));
            manual_seed(11);
            const int64_t lo = t == kUInt8 ? 0 : -5;
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& x) { return fn(x[0].t()); },
                                         {small_ints({5, 4}, lo, 6, t)}));
        }
    }
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return sign(x[0]); }, {small_ints({7}, 0, 2, kBool)}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return exp(x[0]); }, {small_ints({7}, 0, 2, kBool)}));
}

TEST(CudaParityUnary, SpecialValues) {
    TINYDL_REQUIRE_CUDA();
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const std::vector<std::function<Tensor(const Tensor&)>> fns = {
        [](const Tensor& x) { return relu(x); },          [](const Tensor& x) { return sigmoid(x); },
        [](const Tensor& x) { return clamp(x, -1, 1); },  [](const Tensor& x) { return exp(x); },
        [](const Tensor& x) { return log(x); },           [](const Tensor& x) { return sqrt(x); },
        [](const Tensor& x) { return tanh(x); },          [](const Tensor& x) { return sign(x); },
        [](const Tensor& x) { return softplus(x); },      [](const Tensor& x) { return abs(x); },
        [](const Tensor& x) { return leaky_relu(x); },    [](const Tensor& x) { return silu(x); },
    };
    for (DType t : kFloatTypes) {
        const Tensor x = tensor<double>({nan, inf, -inf, 0.0, -0.0, -1.0, 1e30, -1e30, 100.0, -100.0}).to(t);
        for (size_t i = 0; i < fns.size(); ++i) {
            SCOPED_TRACE("special values, fn " + std::to_string(i) + " " + type_name(t));
            EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& v) { return fns[i](v[0]); }, {x}, tolerance(t)));
        }
    }
}

TEST(CudaParityUnary, HighRankPermutedView) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(12);
    // Six dims that no two neighbours merge: the indexer's division loop runs over all of them.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return exp(x[0].permute({5, 3, 1, 0, 2, 4})); },
                                 {grad_leaf({2, 3, 2, 3, 2, 3}, -1, 1, kFloat64)}));
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& x) { return x[0].permute({5, 3, 1, 0, 2, 4}) * x[1]; },
        {grad_leaf({2, 3, 2, 3, 2, 3}, -1, 1, kFloat32), grad_leaf({3, 1, 3, 2, 1, 1}, -1, 1, kFloat32)}));
}

// ==== in-place ops on CUDA tensors ======================================================================
// Runs `op` on a CPU tensor and on its CUDA copy, then compares the whole base tensors, so that a
// kernel writing outside the view (or not at all) shows. `op` must not draw random numbers: it
// runs twice.
::testing::AssertionResult inplace_matches(const Tensor& base, const std::function<void(Tensor&)>& op) {
    Tensor cpu = base.clone();
    Tensor gpu = base.cuda();
    op(cpu);
    op(gpu);
    if (!gpu.is_cuda()) return ::testing::AssertionFailure() << "the tensor moved to " << gpu.device();
    if (gpu.dtype() != cpu.dtype()) return ::testing::AssertionFailure() << "dtype " << gpu.dtype() << " vs " << cpu.dtype();
    return cpu.is_floating_point() ? allclose(gpu.cpu(), cpu, 1e-6, 1e-6) : allclose(gpu.cpu(), cpu, 0.0, 0.0);
}

TEST(CudaParityInplace, OnViews) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(13);
    const Tensor base = randn({4, 6});
    const Tensor other = randn({4, 3});
    const Tensor row = randn({3});
    const Tensor wide = randn({4, 6});
    const Tensor col64 = randn({4, 1}, kFloat64);
    const Tensor tall = randn({6, 4});
    // add_ and mul_ on every other column (a view with a step), other broadcast or not.
    EXPECT_TRUE(inplace_matches(base, [&](Tensor& b) { b.slice(1, 0, std::nullopt, 2).add_(other.to(b.device())); }));
    EXPECT_TRUE(inplace_matches(base, [&](Tensor& b) { b.slice(1, 1, std::nullopt, 2).mul_(row.to(b.device())); }));
    // On a transposed view, with a contiguous operand (and alpha), then with a transposed one.
    EXPECT_TRUE(inplace_matches(base, [&](Tensor& b) { b.t().add_(tall.to(b.device()), 2); }));
    EXPECT_TRUE(inplace_matches(base, [&](Tensor& b) { b.t().sub_(wide.to(b.device()).t()); }));
    // Scalar forms, and the unary in-place ops.
    EXPECT_TRUE(inplace_matches(base, [](Tensor& b) { b.slice(0, 1, 3).mul_(2.5).add_(1).div_(4).sub_(0.5); }));
    EXPECT_TRUE(inplace_matches(base, [](Tensor& b) { b.t().relu_(); }));
    EXPECT_TRUE(inplace_matches(base, [](Tensor& b) { b.slice(1, 0, std::nullopt, 3).neg_(); }));
    EXPECT_TRUE(inplace_matches(base, [](Tensor& b) { b.slice(0, 0, std::nullopt, 2).clamp_(-0.5, 0.5); }));
    EXPECT_TRUE(inplace_matches(base.abs(), [](Tensor& b) { b.t().pow_(0.5); }));
    // float32 self, float64 other: computed in float64, written back as float32.
    EXPECT_TRUE(inplace_matches(base, [&](Tensor& b) { b.mul_(col64.to(b.device())); }));
    // Integer self: exact.
    const Tensor ints = randint(-9, 9, {4, 6});
    EXPECT_TRUE(inplace_matches(ints, [](Tensor& b) { b.slice(1, 0, std::nullopt, 2).add_(3).mul_(-2); }));
    EXPECT_TRUE(inplace_matches(ints, [](Tensor& b) { b.t().relu_(); }));
    // An int tensor cannot take a float result, on either device.
    Tensor gpu_ints = ints.cuda();
    EXPECT_ERROR(gpu_ints.add_(wide.cuda()), "add_", "can't be cast");
}

TEST(CudaParityInplace, RecordedForAutograd) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(14);
    // With autograd recording, in-place ops become clone + op + copy back (Note [In-place ops]).
    // (In-place ops on views are refused while recording, on both devices: check_inplace.)
    for (DType t : kFloatTypes) {
        SCOPED_TRACE(type_name(t));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& x) {
                Tensor y = x[0] * 1.0;
                y.mul_(x[1]);      // broadcast [6] into [4, 6]
                y.add_(x[2].t());  // a transposed operand
                y.relu_();
                return y;
            },
            {grad_leaf({4, 6}, -1, 1, t), grad_leaf({6}, -1, 1, t), grad_leaf({6, 4}, -1, 1, t)}, tolerance(t)));
    }
}

// ==== copies: on one GPU and between devices ===========================================================
TEST(CudaCopy, ContiguousAndCloneOfViews) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(15);
    const Tensor x = randn({5, 8});
    const Tensor g = x.cuda();
    for (const auto& [view_cpu, view_gpu] : {std::pair{x.t(), g.t()}, std::pair{x.slice(1, 1, std::nullopt, 3), g.slice(1, 1, std::nullopt, 3)},
                                             std::pair{x.slice(0, 2, 3).expand({4, 8}), g.slice(0, 2, 3).expand({4, 8})}}) {
        const Tensor c = view_gpu.contiguous();
        EXPECT_TRUE(c.is_cuda());
        EXPECT_TRUE(c.is_contiguous());
        EXPECT_TRUE(same_exactly(c, view_cpu.contiguous()));
        EXPECT_TRUE(same_exactly(view_gpu.clone(), view_cpu.clone()));
    }
    // clone and contiguous pass gradients through.
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& v) { return v[0].t().contiguous() * v[0].t().clone(); },
                                 {grad_leaf({3, 4}, -1, 1, kFloat64)}));
}

TEST(CudaCopy, CpuToCudaIntoNonContiguousView) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(16);
    const Tensor src = randn({4, 3});
    // Every other column of a CUDA tensor.
    Tensor dst_gpu = zeros({4, 6}).cuda();
    Tensor dst_cpu = zeros({4, 6});
    dst_gpu.slice(1, 0, std::nullopt, 2).copy_(src);
    dst_cpu.slice(1, 0, std::nullopt, 2).copy_(src);
    EXPECT_TRUE(same_exactly(dst_gpu, dst_cpu));
    // A transposed CUDA destination, with a dtype change (float32 -> float64) on the way.
    Tensor t_gpu = zeros({3, 4}, kFloat64).cuda();
    Tensor t_cpu = zeros({3, 4}, kFloat64);
    t_gpu.t().copy_(src);
    t_cpu.t().copy_(src);
    EXPECT_TRUE(same_exactly(t_gpu, t_cpu));
    // A non-contiguous CPU source, broadcast into the CUDA view: [3] -> [4, 3].
    const Tensor row = randn({3, 2}).select(1, 1);
    dst_gpu.slice(1, 1, std::nullopt, 2).copy_(row);
    dst_cpu.slice(1, 1, std::nullopt, 2).copy_(row);
    EXPECT_TRUE(same_exactly(dst_gpu, dst_cpu));
}

TEST(CudaCopy, CudaToCpuFromNonContiguousView) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(17);
    const Tensor x = randn({5, 8});
    const Tensor g = x.cuda();
    const Tensor view_cpu = x.t().slice(0, 1, std::nullopt, 3);  // [3, 5], strides (3, 8)
    const Tensor view_gpu = g.t().slice(0, 1, std::nullopt, 3);
    const Tensor back = view_gpu.cpu();
    EXPECT_TRUE(back.is_cpu());
    EXPECT_TRUE(allclose(back, view_cpu, 0.0, 0.0));
    EXPECT_EQ(view_gpu.to_vector<float>(), view_cpu.to_vector<float>());
    // Into a non-contiguous CPU destination, and broadcast from a CUDA [4, 1].
    Tensor dst = zeros({6, 3});
    Tensor expected = zeros({6, 3});
    dst.t().copy_(g.slice(0, 0, 3).slice(1, 0, 6));
    expected.t().copy_(x.slice(0, 0, 3).slice(1, 0, 6));
    EXPECT_TRUE(allclose(dst, expected, 0.0, 0.0));
    Tensor wide = zeros({4, 5});
    wide.copy_(g.slice(0, 0, 4).slice(1, 2, 3));
    EXPECT_TRUE(allclose(wide, x.slice(0, 0, 4).slice(1, 2, 3).expand({4, 5}), 0.0, 0.0));
    // Element reads go through copy_bytes.
    EXPECT_EQ(view_gpu.at<float>({2, 4}), view_cpu.at<float>({2, 4}));
    EXPECT_EQ(g.select(0, 3).select(0, 7).item<float>(), x.select(0, 3).select(0, 7).item<float>());
}

TEST(CudaCopy, DtypeAndDeviceTogether) {
    TINYDL_REQUIRE_CUDA();
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    // Out-of-range floats saturate and NaN becomes 0 (src/cpu/copy.cpp's convert); float -> bool
    // is x != 0 (NaN is true). Each path below converts on a different device.
    const std::vector<double> values = {-3.7, -1.0, -0.5, 0.0, 0.5, 2.5, 200.0, 300.0, 1e10, -1e10, 1e30, nan, inf, -inf};
    for (DType from : kAllTypes) {
        const Tensor src = tensor<double>(values).to(from);  // converted on the CPU
        const Tensor src_gpu = src.cuda();
        for (DType to : kAllTypes) {
            SCOPED_TRACE(type_name(from) + " -> " + type_name(to));
            const Tensor expected = src.to(to);
            EXPECT_TRUE(same_exactly(src.to(kCuda, to), expected));            // CPU -> CUDA, converted on the CPU
            EXPECT_TRUE(same_exactly(src_gpu.to(to), expected));               // on the GPU (copy kernel)
            const Tensor back = src_gpu.to(Device::cpu(), to);                 // CUDA -> CPU, converted on the GPU
            EXPECT_TRUE(back.is_cpu());
            EXPECT_EQ(back.dtype(), to);
            EXPECT_TRUE(allclose(back, expected, 0.0, 0.0));
            // A stepped source on the GPU, and a stepped CUDA destination of another dtype.
            EXPECT_TRUE(same_exactly(src_gpu.slice(0, 1, std::nullopt, 3).to(to), src.slice(0, 1, std::nullopt, 3).to(to)));
            Tensor dst_gpu = zeros({static_cast<int64_t>(values.size()), 2}, to).cuda();
            Tensor dst_cpu = zeros({static_cast<int64_t>(values.size()), 2}, to);
            dst_gpu.select(1, 1).copy_(src_gpu);
            dst_cpu.select(1, 1).copy_(src);
            EXPECT_TRUE(same_exactly(dst_gpu, dst_cpu));
        }
    }
}

TEST(CudaCopy, GradientsAcrossDevices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(18);
    // x (CPU leaf) -> CUDA -> op -> backward: the gradient comes back to the CPU (ToCopyBackward).
    Tensor x = randn({3, 4}, kFloat64);
    x.requires_grad_();
    const Tensor w = randn({3, 4}, kFloat64);
    const Tensor g = randn({3, 4}, kFloat64);
    Tensor y = x.to(kCuda) * w.cuda();
    EXPECT_TRUE(y.is_cuda());
    y.backward(g.cuda());
    ASSERT_TRUE(x.grad().defined());
    EXPECT_TRUE(x.grad().is_cpu());
    EXPECT_TRUE(allclose(x.grad(), w * g, 1e-12, 1e-12));
    // With a dtype change on the way: float32 CPU leaf -> float64 CUDA.
    Tensor x32 = randn({3, 4});
    x32.requires_grad_();
    Tensor y64 = x32.to(kCuda, kFloat64) * 2.0;
    y64.backward(g.cuda());
    EXPECT_TRUE(x32.grad().is_cpu());
    EXPECT_EQ(x32.grad().dtype(), kFloat32);
    EXPECT_TRUE(allclose(x32.grad(), (g * 2.0).to(kFloat32), 1e-6, 1e-6));
    // copy_ from a CPU source that requires grad into a CUDA tensor: the gradient goes to the source.
    Tensor src = randn({4});
    src.requires_grad_();
    Tensor dst = zeros({4}).cuda();
    dst.copy_(src);
    const Tensor gd = randn({4});
    dst.backward(gd.cuda());
    ASSERT_TRUE(src.grad().defined());
    EXPECT_TRUE(src.grad().is_cpu());
    EXPECT_TRUE(allclose(src.grad(), gd, 0.0, 0.0));
}

// ==== fill ================================================================================================
TEST(CudaFill, StridedViewsOfEveryDtype) {
    TINYDL_REQUIRE_CUDA();
    const std::vector<Scalar> values = {Scalar(2.75), Scalar(-1.5), Scalar(int64_t{7}), Scalar(true), Scalar(1e20),
                                        Scalar(-1e20), Scalar(std::numeric_limits<double>::quiet_NaN()), Scalar(300)};
    for (DType t : kAllTypes) {
        for (size_t i = 0; i < values.size(); ++i) {
            SCOPED_TRACE(type_name(t) + " value " + std::to_string(i));
            Tensor gpu = zeros({4, 6}, t).cuda();
            Tensor cpu = zeros({4, 6}, t);
            // Every other column of the transpose: neither contiguous nor coalescable.
            gpu.t().slice(0, 1, std::nullopt, 2).fill_(values[i]);
            cpu.t().slice(0, 1, std::nullopt, 2).fill_(values[i]);
            EXPECT_TRUE(same_exactly(gpu, cpu));
            // And a whole contiguous tensor (the fast path), and a single element.
            Tensor whole = empty({3, 5}, TensorOptions(t).device(kCuda));
            whole.fill_(values[i]);
            EXPECT_TRUE(same_exactly(whole, full({3, 5}, values[i], t)));
            gpu.select(0, 2).select(0, 3).fill_(values[i]);
            cpu.select(0, 2).select(0, 3).fill_(values[i]);
            EXPECT_TRUE(same_exactly(gpu, cpu));
        }
    }
    // zero_ on a CUDA view.
    Tensor g = ones({3, 4}).cuda();
    g.slice(1, 0, std::nullopt, 2).zero_();
    Tensor c = ones({3, 4});
    c.slice(1, 0, std::nullopt, 2).zero_();
    EXPECT_TRUE(same_exactly(g, c));
}

// ==== sizes at the edges ===================================================================================
TEST(CudaParityElementwise, EmptyTensors) {
    TINYDL_REQUIRE_CUDA();
    const Tensor a = zeros({0, 3}).cuda();
    const Tensor b = ones({3}).cuda();
    const Tensor s = a + b;
    EXPECT_TRUE(s.is_cuda());
    EXPECT_EQ(DimVector(s.sizes()), (DimVector{0, 3}));
    EXPECT_EQ(exp(a).numel(), 0);
    EXPECT_EQ(a.to(kInt32).numel(), 0);
    Tensor e = empty({2, 0}, TensorOptions().device(kCuda));
    EXPECT_NO_THROW(e.fill_(1));
    EXPECT_EQ(e.cpu().numel(), 0);
}

TEST(CudaParityElementwise, MoreElementsThanOneGrid) {
    TINYDL_REQUIRE_CUDA();
    // blocks_for caps the grid at 65,535 x 256 = 16,776,960 threads; 4099^2 = 16,801,801 elements
    // make the grid-stride loop take a second turn, on the fast path and on the strided one.
    const int64_t n = 4099;
    const Tensor x = arange(n * n, kInt32).view({n, n});
    const Tensor g = x.cuda();
    const Tensor sum_cpu = x + 1;
    const Tensor sum_gpu = g + 1;
    EXPECT_EQ(sum(ne(sum_gpu.cpu(), sum_cpu)).item<int64_t>(), 0);
    const Tensor t_cpu = x.t() - x;
    const Tensor t_gpu = g.t() - g;
    EXPECT_EQ(sum(ne(t_gpu.cpu(), t_cpu)).item<int64_t>(), 0);
    const Tensor c_gpu = g.t().contiguous();
    EXPECT_EQ(sum(ne(c_gpu.cpu(), x.t())).item<int64_t>(), 0);
}

// ==== errors ===============================================================================================
TEST(CudaParityElementwise, OperandsOnTwoDevices) {
    TINYDL_REQUIRE_CUDA();
    const Tensor c = ones({2, 3});
    const Tensor g = ones({2, 3}).cuda();
    // The message names the op and both devices.
    EXPECT_ERROR(add(c, g), "add", "same device", "cpu", "cuda:0");
    EXPECT_ERROR(g + c, "add", "cuda:0", "cpu");
    EXPECT_ERROR(mul(g, c), "mul", "cpu", "cuda:0");
    EXPECT_ERROR(maximum(c, g), "maximum", "cpu", "cuda:0");
    EXPECT_ERROR(lt(g, c), "lt", "cpu", "cuda:0");
    EXPECT_ERROR(where(gt(g, 0), g, c), "where", "cpu", "cuda:0");
    Tensor gm = g.clone();
    EXPECT_ERROR(gm.add_(c), "add_", "cpu", "cuda:0");
    // With autograd recording too.
    Tensor leaf = ones({2, 3});
    leaf.requires_grad_();
    EXPECT_ERROR(leaf * g, "mul", "cpu", "cuda:0");
    // The same op on one device each works.
    EXPECT_TRUE(same_exactly(g + c.cuda(), c + c));
}

}  // namespace
}  // namespace tinydl
