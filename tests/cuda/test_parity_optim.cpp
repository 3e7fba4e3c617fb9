// test_parity_optim.cpp — optimizers, gradient clipping and dropout on CUDA tensors, against
// the same calls on the CPU.
//
// Optimizers: the same parameters (random, float32 and float64, a few shapes) on the CPU and on
// the GPU get the same random gradients for five steps; parameters and every state tensor must
// agree. Contiguous CUDA parameters of SGD and Adam/AdamW take the fused kernels of
// src/cuda/optim.cu, which are the CPU loops operation by operation (Note [Bit-equal updates]):
// on a CPU build without FMA contraction they must agree to the bit, which one test checks.
// Non-contiguous CUDA parameters, RMSprop and Adagrad take the tinydl-ops path on the GPU. Also:
// a CPU checkpoint loaded into an optimizer over CUDA parameters (state moves to the GPU, "step"
// stays on the CPU) and back, zero_grad, a gradient on the wrong device, clip_grad_norm_ /
// clip_grad_value_, and dropout, whose mask must be the CPU's exactly for the same seed.
//
// Every test skips itself without a GPU (TINYDL_REQUIRE_CUDA).
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;
using OptimizerPtr = std::unique_ptr<optim::Optimizer>;
using MakeOptimizer = std::function<OptimizerPtr(std::vector<Tensor>)>;

struct OptimCase {
    std::string name;
    MakeOptimizer make;
    bool fused_on_cuda;  // a contiguous CUDA parameter takes a fused kernel (SGD, Adam, AdamW)
};

template <typename Opt, typename Options> MakeOptimizer maker(Options options) {
    return [options](std::vector<Tensor> params) -> OptimizerPtr {
        return std::make_unique<Opt>(std::move(params), options);
    };
}

std::vector<OptimCase> optim_cases() {
    using namespace optim;
    return {
        {"SGD", maker<SGD>(SGDOptions(0.1)), true},
        {"SGD momentum+dampening", maker<SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.2)), true},
        {"SGD nesterov", maker<SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true)), true},
        {"SGD weight_decay", maker<SGD>(SGDOptions(0.1).weight_decay(0.1)), true},
        {"SGD momentum+weight_decay+maximize",
         maker<SGD>(SGDOptions(0.1).momentum(0.5).weight_decay(0.01).maximize(true)), true},
        {"Adam", maker<Adam>(AdamOptions(0.01)), true},
        {"Adam amsgrad+weight_decay", maker<Adam>(AdamOptions(0.01).amsgrad(true).weight_decay(0.1)), true},
        // beta1 = 0.3: the lerp weight 1 - beta1 is above 0.5, the lerp's other formula.
        {"Adam betas(0.3,0.9)+maximize", maker<Adam>(AdamOptions(0.01).betas({0.3, 0.9}).maximize(true)),
         true},
        {"AdamW", maker<AdamW>(AdamWOptions(0.01)), true},
        {"AdamW amsgrad", maker<AdamW>(AdamWOptions(0.01).amsgrad(true).weight_decay(0.05)), true},
        {"RMSprop centered+momentum",
         maker<RMSprop>(RMSpropOptions(0.01).centered(true).momentum(0.9).weight_decay(0.01)), false},
        {"RMSprop", maker<RMSprop>(RMSpropOptions(0.01)), false},
        {"Adagrad", maker<Adagrad>(AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1)), false},
    };
}

const std::vector<std::vector<int64_t>> kShapes = {
    {4, 5}, {7}, {2, 3, 2}, {300, 257}};  // the last: 302 blocks

// Tolerances for five steps: a few ulps of the dtype (the ops path rounds its intermediates
// differently from the fused loops; the GPU's reductions differ from the CPU's).
ParityTolerance tolerance(DType dtype) {
    return dtype == kFloat32 ? ParityTolerance{1e-5, 1e-6} : ParityTolerance{1e-12, 1e-12};
}

// A copy of t on cuda:0 whose last dim has stride 2 (NaN in between), made on the CPU and moved
// as a whole block, so that only the runtime's copy is needed to build it.
Tensor noncontiguous_cuda(const Tensor& t) {
    std::vector<int64_t> big(t.sizes().begin(), t.sizes().end());
    big.back() *= 2;
    Tensor base = full(big, NAN, TensorOptions(t.dtype()));
    {
        NoGradGuard no_grad;
        base.slice(-1, 0, std::nullopt, 2).copy_(t);
    }
    Tensor view = base.to(Device::cuda()).slice(-1, 0, std::nullopt, 2);
    EXPECT_FALSE(view.is_contiguous());
    return view;
}

enum class Layout { Contiguous, NonContiguous };

// One CPU and one CUDA copy of each parameter, the optimizers over them, and the gradients.
struct Twin {
    std::vector<Tensor> cpu, gpu;
    OptimizerPtr cpu_opt, gpu_opt;

    Twin(const OptimCase& c, DType dtype, Layout layout, uint64_t seed = 7) {
        manual_seed(seed);
        for (const auto& shape : kShapes) {
            const Tensor p0 = randn(shape, TensorOptions(dtype));
            cpu.push_back(p0.clone().requires_grad_(true));
            gpu.push_back((layout == Layout::Contiguous ? p0.to(Device::cuda()) : noncontiguous_cuda(p0))
                              .requires_grad_(true));
        }
        cpu_opt = c.make(cpu);
        gpu_opt = c.make(gpu);
    }

    // The same random gradients on both sides, then one step of each optimizer.
    void step() {
        for (size_t i = 0; i < cpu.size(); ++i) {
            const Tensor g = randn(cpu[i].sizes(), TensorOptions(cpu[i].dtype()));
            cpu[i].set_grad(g);
            gpu[i].set_grad(g.to(Device::cuda()));
        }
        cpu_opt->step();
        gpu_opt->step();
    }
};

// Parameters and state of `gpu` against `cpu`: same names, state on the parameter's device
// except "step" (float64 on the CPU), values within tol (exact when tol is {0, 0}).
::testing::AssertionResult same_params_and_state(const std::vector<Tensor>& cpu,
                                                 const std::vector<Tensor>& gpu,
                                                 const optim::Optimizer& cpu_opt,
                                                 const optim::Optimizer& gpu_opt, ParityTolerance tol) {
    for (size_t i = 0; i < cpu.size(); ++i) {
        if (!gpu[i].is_cuda()) return ::testing::AssertionFailure() << "parameter " << i << " left the GPU";
        if (auto r = allclose(gpu[i].cpu(), cpu[i], tol.rtol, tol.atol); !r)
            return r << " (parameter " << i << ")";
        const optim::ParamState& sc = cpu_opt.state(i);
        const optim::ParamState& sg = gpu_opt.state(i);
        if (sc.size() != sg.size())
            return ::testing::AssertionFailure() << "parameter " << i << ": " << sg.size()
                                                 << " state tensors on CUDA, " << sc.size() << " on the CPU";
        for (const auto& [name, tc] : sc) {
            auto it = sg.find(name);
            if (it == sg.end())
                return ::testing::AssertionFailure() << "state '" << name << "' missing on CUDA";
            const Tensor& tg = it->second;
            if (name == "step") {
                if (!tg.is_cpu() || tg.dtype() != kFloat64)
                    return ::testing::AssertionFailure() << "step is " << tg.dtype() << " on " << tg.device();
                if (tg.item<double>() != tc.item<double>())
                    return ::testing::AssertionFailure()
                           << "step " << tg.item<double>() << " vs " << tc.item<double>();
                continue;
            }
            if (tg.device() != gpu[i].device())
                return ::testing::AssertionFailure() << "state '" << name << "' is on " << tg.device();
            if (auto r = allclose(tg.cpu(), tc, tol.rtol, tol.atol); !r)
                return r << " (state '" << name << "' of parameter " << i << ")";
        }
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult twin_agrees(const Twin& t, ParityTolerance tol) {
    return same_params_and_state(t.cpu, t.gpu, *t.cpu_opt, *t.gpu_opt, tol);
}

// ---- optimizers: fused kernels and the ops path -----------------------------------------------------
TEST(CudaParityOptim, ContiguousParametersMatchTheCpu) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        for (DType dtype : {kFloat32, kFloat64}) {
            Twin t(c, dtype, Layout::Contiguous);
            for (int step = 0; step < 5; ++step) t.step();
            EXPECT_TRUE(twin_agrees(t, tolerance(dtype))) << c.name << " " << dtype;
        }
    }
}

// The fused kernels round exactly where the CPU loops round (Note [Bit-equal updates] in
// src/cuda/optim.cu), so they agree to the bit with a CPU build that does not contract a * b + c
// into FMAs (x86-64 without -mfma, the default). Elsewhere only the tolerance is promised.
TEST(CudaParityOptim, FusedKernelsAreBitEqualToTheCpuLoops) {
    TINYDL_REQUIRE_CUDA();
#if !defined(__x86_64__) || defined(__FMA__)
    GTEST_SKIP()
        << "this CPU build may contract FMAs; ContiguousParametersMatchTheCpu covers it within tolerance";
#endif
    for (const OptimCase& c : optim_cases()) {
        if (!c.fused_on_cuda) continue;
        for (DType dtype : {kFloat32, kFloat64}) {
            Twin t(c, dtype, Layout::Contiguous);
            for (int step = 0; step < 5; ++step) t.step();
            EXPECT_TRUE(twin_agrees(t, {0.0, 0.0})) << c.name << " " << dtype;
        }
    }
}

// A non-contiguous CUDA parameter cannot take a fused kernel: the tinydl-ops path runs on the
// GPU, updates the view in place and matches.
TEST(CudaParityOptim, NonContiguousParametersTakeTheOpsPath) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        for (DType dtype : {kFloat32, kFloat64}) {
            Twin t(c, dtype, Layout::NonContiguous);
            for (int step = 0; step < 5; ++step) t.step();
            EXPECT_TRUE(twin_agrees(t, tolerance(dtype))) << c.name << " " << dtype;
            for (const Tensor& p : t.gpu)
                EXPECT_FALSE(p.is_contiguous()) << c.name << ": replaced, not updated in place";
        }
    }
}

// A gradient that is non-contiguous (or of another dtype) also sends a contiguous parameter
// down the ops path.
TEST(CudaParityOptim, NonContiguousOrOtherDtypeGradientsTakeTheOpsPath) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        manual_seed(3);
        const Tensor p0 = randn({6, 5});
        Tensor pc = p0.clone().requires_grad_(true), pg = p0.clone().to(Device::cuda()).requires_grad_(true);
        Tensor pg2 = p0.clone().to(Device::cuda()).requires_grad_(true);
        OptimizerPtr oc = c.make({pc}), og = c.make({pg}), og2 = c.make({pg2});
        for (int step = 0; step < 3; ++step) {
            const Tensor g = randn({5, 6});  // used transposed: non-contiguous
            pc.set_grad(g.t());
            pg.set_grad(g.to(Device::cuda()).t());
            pg2.set_grad(g.t().to(Device::cuda(), kFloat64));
            oc->step();
            og->step();
            og2->step();
        }
        EXPECT_TRUE(allclose(pg.cpu(), pc, 1e-5, 1e-6)) << c.name;
        EXPECT_TRUE(allclose(pg2.cpu(), pc, 1e-5, 1e-6)) << c.name << " (float64 gradient)";
    }
}

// More elements than one grid of 65,535 blocks x 256 threads: the grid-stride loop must reach
// the tail.
TEST(CudaParityOptim, FusedKernelsCoverMoreElementsThanOneGrid) {
    TINYDL_REQUIRE_CUDA();
    const int64_t n = int64_t{65535} * 256 + 1000;
    for (const OptimCase& c : optim_cases()) {
        if (c.name != "SGD momentum+dampening" && c.name != "Adam amsgrad+weight_decay") continue;
        manual_seed(11);
        const Tensor p0 = randn({n});
        Tensor pc = p0.clone().requires_grad_(true), pg = p0.to(Device::cuda()).requires_grad_(true);
        OptimizerPtr oc = c.make({pc}), og = c.make({pg});
        for (int step = 0; step < 2; ++step) {
            const Tensor g = randn({n});
            pc.set_grad(g);
            pg.set_grad(g.to(Device::cuda()));
            oc->step();
            og->step();
        }
        EXPECT_TRUE(same_params_and_state({pc}, {pg}, *oc, *og, tolerance(kFloat32))) << c.name;
    }
}

TEST(CudaParityOptim, EmptyParameterIsANoOp) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        Tensor p = empty({0, 3}, TensorOptions().device(Device::cuda())).requires_grad_(true);
        p.set_grad(empty({0, 3}, TensorOptions().device(Device::cuda())));
        OptimizerPtr opt = c.make({p});
        opt->step();
        EXPECT_EQ(p.numel(), 0) << c.name;
    }
}

// ---- state: checkpoints across devices, zero_grad ----------------------------------------------------
// As PyTorch: loading a CPU checkpoint into an optimizer over CUDA parameters moves each state
// tensor to its parameter's device ("step" stays a float64 CPU scalar), and training goes on as
// it would have on the CPU. And back: a CUDA optimizer's state_dict loads into a CPU optimizer.
TEST(CudaParityOptim, CheckpointsMoveBetweenDevices) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        for (DType dtype : {kFloat32, kFloat64}) {
            Twin t(c, dtype, Layout::Contiguous);
            for (int step = 0; step < 3; ++step) {  // the CPU side trains alone
                for (Tensor& p : t.cpu) p.set_grad(randn(p.sizes(), TensorOptions(dtype)));
                t.cpu_opt->step();
            }
            {
                NoGradGuard no_grad;
                for (size_t i = 0; i < t.cpu.size(); ++i) t.gpu[i].copy_(t.cpu[i]);
            }
            const StateDict cpu_sd = t.cpu_opt->state_dict();
            t.gpu_opt->load_state_dict(cpu_sd);
            EXPECT_TRUE(twin_agrees(t, {0.0, 0.0})) << c.name << " " << dtype << " (just loaded)";
            for (int step = 0; step < 2; ++step) t.step();
            EXPECT_TRUE(twin_agrees(t, tolerance(dtype))) << c.name << " " << dtype << " (after 2 steps)";

            // CUDA -> CPU: the dict holds CUDA state tensors (and a CPU step), as PyTorch's does.
            const StateDict gpu_sd = t.gpu_opt->state_dict();
            for (const auto& [key, value] : gpu_sd) {
                const bool is_state = key.rfind("state.", 0) == 0;
                const bool is_step = key.size() >= 5 && key.compare(key.size() - 5, 5, ".step") == 0;
                if (is_state && !is_step)
                    EXPECT_TRUE(value.is_cuda()) << c.name << " " << key;
                else
                    EXPECT_TRUE(value.is_cpu()) << c.name << " " << key;
            }
            std::vector<Tensor> back;
            for (const Tensor& p : t.gpu) back.push_back(p.detach().cpu().requires_grad_(true));
            OptimizerPtr back_opt = c.make(back);
            back_opt->load_state_dict(gpu_sd);
            for (size_t i = 0; i < back.size(); ++i)
                for (const auto& [name, value] : back_opt->state(i))
                    EXPECT_TRUE(value.is_cpu()) << c.name << " " << name;
            EXPECT_TRUE(same_params_and_state(back, t.gpu, *back_opt, *t.gpu_opt, {0.0, 0.0}))
                << c.name << " " << dtype << " (back on the CPU)";
        }
    }
}

TEST(CudaParityOptim, ZeroGradOnCuda) {
    TINYDL_REQUIRE_CUDA();
    Tensor p = randn({3, 4}).to(Device::cuda()).requires_grad_(true);
    optim::SGD opt({p}, optim::SGDOptions(0.1));
    p.set_grad(randn({3, 4}).to(Device::cuda()));
    opt.zero_grad(/*set_to_none=*/false);
    ASSERT_TRUE(p.grad().defined());
    EXPECT_TRUE(p.grad().is_cuda());
    EXPECT_TRUE(allclose(p.grad().cpu(), zeros({3, 4}), 0.0, 0.0));
    opt.zero_grad();
    EXPECT_FALSE(p.grad().defined());
}

// check_grad in optimizer.cpp: a gradient on another device than its parameter is an Error
// naming both devices, before anything is updated.
TEST(CudaParityOptim, GradientOnAnotherDeviceIsAnError) {
    TINYDL_REQUIRE_CUDA();
    for (const OptimCase& c : optim_cases()) {
        const Tensor p0 = randn({3, 2});
        Tensor p = p0.clone().to(Device::cuda()).requires_grad_(true);
        p.set_grad(randn({3, 2}));  // on the CPU
        OptimizerPtr opt = c.make({p});
        EXPECT_ERROR(opt->step(), opt->name() + ".step", "gradient of parameter 0", "is on cpu",
                     "parameter is on cuda:0");
        EXPECT_TRUE(allclose(p.detach().cpu(), p0, 0.0, 0.0)) << c.name;

        Tensor q = p0.clone().requires_grad_(true);  // and the other way round
        q.set_grad(randn({3, 2}).to(Device::cuda()));
        OptimizerPtr opt_q = c.make({q});
        EXPECT_ERROR(opt_q->step(), "is on cuda:0", "parameter is on cpu");
    }
}

// ---- gradient clipping ---------------------------------------------------------------------------------
TEST(CudaParityOptim, ClipGradNormMatchesTheCpu) {
    TINYDL_REQUIRE_CUDA();
    const double inf = std::numeric_limits<double>::infinity();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (double norm_type : {2.0, 1.0, 3.0, inf}) {
            for (double max_norm : {1.0, 1e6}) {  // clipped, and left alone
                manual_seed(5);
                std::vector<Tensor> cpu, gpu;
                for (const auto& shape : kShapes) {
                    Tensor pc = randn(shape, TensorOptions(dtype)).requires_grad_(true);
                    Tensor pg = pc.detach().to(Device::cuda()).requires_grad_(true);
                    const Tensor g = randn(shape, TensorOptions(dtype)) * 3.0;
                    pc.set_grad(g.clone());
                    pg.set_grad(g.to(Device::cuda()));
                    cpu.push_back(pc);
                    gpu.push_back(pg);
                }
                const double total_cpu = optim::clip_grad_norm_(cpu, max_norm, norm_type);
                const double total_gpu = optim::clip_grad_norm_(gpu, max_norm, norm_type);
                const ParityTolerance tol = tolerance(dtype);
                EXPECT_NEAR(total_gpu, total_cpu, tol.atol + tol.rtol * std::abs(total_cpu))
                    << dtype << " norm_type " << norm_type;
                for (size_t i = 0; i < cpu.size(); ++i) {
                    EXPECT_TRUE(gpu[i].grad().is_cuda());
                    EXPECT_TRUE(allclose(gpu[i].grad().cpu(), cpu[i].grad(), tol.rtol, tol.atol))
                        << dtype << " norm_type " << norm_type << " max_norm " << max_norm << " grad " << i;
                }
            }
        }
    }
}

// Gradients on two devices: the norm is still the norm of all elements together.
TEST(CudaParityOptim, ClipGradNormAcrossDevices) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(6);
    const Tensor a = randn({40}, TensorOptions(kFloat64)), b = randn({3, 7}, TensorOptions(kFloat64));
    Tensor pa = zeros({40}, TensorOptions(kFloat64)).requires_grad_(true);
    Tensor pb = zeros({3, 7}, TensorOptions(kFloat64)).to(Device::cuda()).requires_grad_(true);
    pa.set_grad(a.clone());
    pb.set_grad(b.clone().to(Device::cuda()));
    const double expected = cat({a, b.reshape({-1})}).norm().item<double>();
    const Tensor a_clipped = a * (0.5 / (expected + 1e-6)), b_clipped = b * (0.5 / (expected + 1e-6));
    const double total = optim::clip_grad_norm_({pa, pb}, 0.5);
    EXPECT_NEAR(total, expected, 1e-12 * expected);
    EXPECT_TRUE(pb.grad().is_cuda());
    EXPECT_TRUE(allclose(pb.grad().cpu(), b_clipped, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(pa.grad(), a_clipped, 1e-12, 1e-12));
}

TEST(CudaParityOptim, ClipGradNormNonFiniteIsAnError) {
    TINYDL_REQUIRE_CUDA();
    Tensor p = zeros({4}).to(Device::cuda()).requires_grad_(true);
    p.set_grad(tensor(std::vector<float>{1.f, NAN, 2.f, 3.f}).to(Device::cuda()));
    EXPECT_ERROR(optim::clip_grad_norm_(p, 1.0, 2.0, /*error_if_nonfinite=*/true), "clip_grad_norm_",
                 "non-finite");
}

TEST(CudaParityOptim, ClipGradValueMatchesTheCpu) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        manual_seed(8);
        const Tensor g = randn({5, 9}, TensorOptions(dtype)) * 2.0;
        Tensor pc = zeros({5, 9}, TensorOptions(dtype)).requires_grad_(true);
        Tensor pg = zeros({5, 9}, TensorOptions(dtype)).to(Device::cuda()).requires_grad_(true);
        pc.set_grad(g.clone());
        pg.set_grad(g.to(Device::cuda()));
        optim::clip_grad_value_(pc, 0.7);
        optim::clip_grad_value_(pg, 0.7);
        EXPECT_TRUE(pg.grad().is_cuda());
        EXPECT_TRUE(allclose(pg.grad().cpu(), pc.grad(), 0.0, 0.0)) << dtype;
    }
}

// ---- dropout -------------------------------------------------------------------------------------------
// The mask is drawn on the CPU from the one global generator and copied to the GPU
// (src/ops/dropout.cpp), so the same seed gives the same mask on both devices: outputs and
// gradients must be equal to the bit.
TEST(CudaParityOptim, DropoutSameSeedSameMask) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        for (double p : {0.1, 0.5, 0.9}) {
            manual_seed(21);
            const Tensor x = randn({64, 33}, TensorOptions(dtype)).requires_grad_(true);
            auto f = [p](const std::vector<Tensor>& in) {
                manual_seed(99);  // the same draw on each device
                return dropout(in[0], p, /*train=*/true);
            };
            EXPECT_TRUE(cuda_matches_cpu(f, {x}, {0.0, 0.0})) << dtype << " p=" << p;
            // Non-contiguous input: the mask follows the logical element order on both devices.
            auto ft = [p](const std::vector<Tensor>& in) {
                manual_seed(99);
                return dropout(in[0].t(), p, /*train=*/true);
            };
            EXPECT_TRUE(cuda_matches_cpu(ft, {x}, {0.0, 0.0})) << dtype << " p=" << p << " (transposed)";
        }
    }
}

TEST(CudaParityOptim, DropoutMaskIsTheCpuMask) {
    TINYDL_REQUIRE_CUDA();
    const double p = 0.3;
    manual_seed(4);
    const Tensor mask_cpu = dropout(ones({1000}), p);  // 0 or 1 / (1 - p)
    manual_seed(4);
    const Tensor mask_gpu = dropout(ones({1000}).to(Device::cuda()), p);
    EXPECT_TRUE(mask_gpu.is_cuda());
    EXPECT_TRUE(allclose(mask_gpu.cpu(), mask_cpu, 0.0, 0.0));
    // And it is a dropout mask: some of each kind.
    const double kept = (mask_cpu != 0.0).to(kFloat64).sum().item<double>();
    EXPECT_GT(kept, 600);
    EXPECT_LT(kept, 800);
}

TEST(CudaParityOptim, DropoutEdgeCasesOnCuda) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = randn({6, 4}).to(Device::cuda()).requires_grad_(true);
    EXPECT_TRUE(dropout(x, 0.5, /*train=*/false).is_same(x));  // eval: identity, not a copy
    EXPECT_TRUE(dropout(x, 0.0).is_same(x));
    const Tensor all_dropped = dropout(x, 1.0);
    EXPECT_TRUE(all_dropped.is_cuda());
    EXPECT_TRUE(allclose(all_dropped.detach().cpu(), zeros({6, 4}), 0.0, 0.0));
    all_dropped.sum().backward();
    ASSERT_TRUE(x.grad().defined());
    EXPECT_TRUE(x.grad().is_cuda());
    EXPECT_TRUE(allclose(x.grad().cpu(), zeros({6, 4}), 0.0, 0.0));
    EXPECT_ERROR(dropout(x, 1.5), "dropout", "between 0 and 1");
}

}  // namespace
}  // namespace tinydl
