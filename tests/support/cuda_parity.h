// cuda_parity.h — how a CUDA op is tested: run it on the CPU and on the GPU with the same random
// inputs and compare outputs and input gradients (|cuda - cpu| <= atol + rtol |cpu|).
//
//   TEST(CudaParityUnary, Exp) {
//       TINYDL_REQUIRE_CUDA();
//       EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& x) { return exp(x[0].t()); },
//                                    {randn({3, 4}).requires_grad_()}));
//   }
//
// The inputs are CPU tensors; each is copied to the GPU (contiguous) with its requires_grad.
// To test non-contiguous or broadcast operands, make the view inside the function (x[0].t(),
// x[0].slice(...), an expand), so both devices see the same kind of view. The upstream gradient
// is random too (fixed seed), so a backward that ignores a part of it cannot pass.
//
// Every test using this needs TINYDL_REQUIRE_CUDA() first: it skips, saying why, on a machine or
// build without a GPU, so a CPU-only machine passes the whole suite.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tests/support/test_utils.h"

#define TINYDL_REQUIRE_CUDA()                                                                              \
    do {                                                                                                   \
        if (!::tinydl::cuda::is_built())                                                                   \
            GTEST_SKIP() << "tinydl was built without CUDA (TINYDL_WITH_CUDA=OFF or no toolkit)";          \
        if (!::tinydl::cuda::is_available()) GTEST_SKIP() << "no CUDA GPU on this machine (device_count 0)"; \
    } while (0)

namespace tinydl::testing {

using ParityFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct ParityTolerance {
    double rtol = 1e-5;
    double atol = 1e-5;
};

// The dtypes and tolerances the op-table tests (tests/cuda/test_tables_*.cpp) run every row at.
// float64 (rtol 1e-9, atol 1e-12): the devices differ only by libm vs libdevice ulps and the
// order of sums (~1e-15), so a kernel that computes in float32 by mistake (~1e-7) fails.
// float32: the tolerance, rtol 1e-4, atol 1e-5.
inline constexpr DType kParityFloatTypes[] = {kFloat64, kFloat32};
inline ParityTolerance table_tolerance(DType t) {
    return t == kFloat32 ? ParityTolerance{1e-4, 1e-5} : ParityTolerance{1e-9, 1e-12};
}

// Runs f on `inputs` (CPU) and on their copies on cuda:0; compares the outputs and, when an input
// requires grad and the output is floating, the gradients after backward with one random
// upstream gradient. Integer and bool outputs must match exactly.
inline ::testing::AssertionResult cuda_matches_cpu(const ParityFn& f, const std::vector<Tensor>& inputs,
                                                   ParityTolerance tol = {}) {
    std::vector<Tensor> cpu_in, gpu_in;
    bool any_grad = false;
    for (const Tensor& x : inputs) {
        const bool rg = x.requires_grad();
        any_grad = any_grad || rg;
        Tensor c = x.detach().clone();
        Tensor g = x.detach().to(Device::cuda());
        if (rg) {
            c.requires_grad_(true);
            g.requires_grad_(true);
        }
        cpu_in.push_back(c);
        gpu_in.push_back(g);
    }
    const Tensor cpu_out = f(cpu_in);
    const Tensor gpu_out = f(gpu_in);
    if (!gpu_out.is_cuda()) return ::testing::AssertionFailure() << "the op's output is on " << gpu_out.device();
    if (gpu_out.dtype() != cpu_out.dtype())
        return ::testing::AssertionFailure() << "dtype " << gpu_out.dtype() << " on CUDA vs " << cpu_out.dtype();
    const bool exact = !is_floating(cpu_out.dtype());
    ::testing::AssertionResult r = exact ? allclose(gpu_out.cpu(), cpu_out, 0.0, 0.0)
                                         : allclose(gpu_out.cpu(), cpu_out, tol.rtol, tol.atol);
    if (!r) return r << " (forward)";
    if (!any_grad || exact || !cpu_out.requires_grad()) return ::testing::AssertionSuccess();

    manual_seed(1234);
    const Tensor upstream = randn(cpu_out.sizes(), TensorOptions(cpu_out.dtype()));
    cpu_out.backward(upstream);
    gpu_out.backward(upstream.to(Device::cuda()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].requires_grad()) continue;
        const Tensor& gc = cpu_in[i].grad();
        const Tensor& gg = gpu_in[i].grad();
        if (gc.defined() != gg.defined())
            return ::testing::AssertionFailure() << "input " << i << ": gradient defined on one device only";
        if (!gc.defined()) continue;
        if (!gg.is_cuda()) return ::testing::AssertionFailure() << "input " << i << ": gradient on " << gg.device();
        ::testing::AssertionResult rg = allclose(gg.cpu(), gc, tol.rtol, tol.atol);
        if (!rg) return rg << " (gradient of input " << i << ")";
    }
    return ::testing::AssertionSuccess();
}

}  // namespace tinydl::testing
