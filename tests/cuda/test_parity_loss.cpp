// test_parity_loss.cpp — the CUDA class-index loss kernels (src/cuda/loss.cu) against the CPU
// ones, through F::cross_entropy and F::nll_loss: every input layout ([C], [N, C],
// [N, C, d1, ...]), with and without class weights, ignore_index, label smoothing, and each
// reduction, in float32 and float64, forward and input gradient (tests/support/cuda_parity.h).
// Then the edge cases: every target ignored, large and spatial inputs, huge logits, NaN, int32
// targets, the create_graph (composite) gradient, and the errors: a target out of range on a
// CUDA tensor is a tinydl::Error from the host-side check (never a device assert), and inputs on
// two devices name both.
//
// Every test needs a GPU and skips itself without one (CTest label "cuda").
#include <cmath>
#include <cstdint>
#include <vector>

#include "tests/support/cuda_parity.h"
#include "tinydl/nn/functional_loss.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;
namespace F = nn::functional;
using nn::Reduction;

const DType kFloatTypes[] = {kFloat32, kFloat64};
const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

// The target's shape for an input of `shape`: without the class dim (dim 1, or dim 0 for [C]).
DimVector target_shape(IntArrayRef shape) {
    DimVector t;
    for (size_t d = 0; d < shape.size(); ++d)
        if (d != (shape.size() == 1 ? 0 : 1)) t.push_back(shape[d]);
    return t;
}
int64_t class_dim(const Tensor& x) { return x.dim() == 1 ? 0 : 1; }

// Random logits (requiring grad), targets in [0, C) and positive class weights, on the CPU.
struct ClassLossInputs {
    Tensor x, target, weight;
};
ClassLossInputs make_inputs(IntArrayRef shape, DType dtype) {
    const int64_t C = shape.size() == 1 ? shape[0] : shape[1];
    ClassLossInputs in;
    in.x = randn(shape, TensorOptions(dtype)).requires_grad_(true);
    in.target = randint(0, C, target_shape(shape), TensorOptions(kInt64));
    in.weight = rand({C}, TensorOptions(dtype)) + 0.5;
    return in;
}

const std::vector<DimVector> kShapes = {{5}, {8, 5}, {4, 5, 3}, {2, 5, 3, 2}};

// ---- cross entropy -------------------------------------------------------------------------------------
TEST(CudaParityLoss, CrossEntropyEveryOptionCombination) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes)
        for (const DimVector& shape : kShapes) {
            manual_seed(0);
            const ClassLossInputs in = make_inputs(shape, dt);
            for (Reduction red : kReductions)
                for (bool weighted : {false, true})
                    for (int64_t ignore : {int64_t{-100}, int64_t{1}})  // 1: some rows of every shape ignored
                        for (double e : {0.0, 0.2}) {
                            auto f = [&](const std::vector<Tensor>& v) {
                                return F::cross_entropy(v[0], v[1], weighted ? v[2] : Tensor(), ignore, red,
                                                        e);
                            };
                            EXPECT_TRUE(cuda_matches_cpu(f, {in.x, in.target, in.weight}))
                                << dt << " input " << shape << " reduction " << red << " weighted "
                                << weighted << " ignore_index " << ignore << " label_smoothing " << e;
                        }
        }
}

TEST(CudaParityLoss, CrossEntropyNonContiguousAndInt32Targets) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(1);
        const Tensor x = randn({5, 8}, TensorOptions(dt)).requires_grad_(true);  // used as [8, 5]
        const Tensor t = randint(0, 5, {8}, TensorOptions(kInt32));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& v) { return F::cross_entropy(v[0].t(), v[1]); }, {x, t}));
        const Tensor xs = randn({4, 3, 5}, TensorOptions(dt)).requires_grad_(true);  // used as [4, 5, 3]
        const Tensor ts = randint(0, 5, {4, 3}, TensorOptions(kInt64));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& v) {
                return F::cross_entropy(v[0].transpose(1, 2), v[1], {}, -100, Reduction::None, 0.1);
            },
            {xs, ts}));
    }
}

// Big enough for long rows (B == 1, 256 lanes per row), many rows, and the spatial layout (B > 1).
TEST(CudaParityLoss, CrossEntropyLargeInputs) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(2);
        for (const DimVector& shape :
             {DimVector{512, 1000}, DimVector{3, 30000}, DimVector{16, 10, 64}, DimVector{20000, 4}}) {
            const ClassLossInputs in = make_inputs(shape, dt);
            EXPECT_TRUE(cuda_matches_cpu(
                [](const std::vector<Tensor>& v) { return F::cross_entropy(v[0], v[1]); }, {in.x, in.target}))
                << dt << " " << shape;
            EXPECT_TRUE(cuda_matches_cpu(
                [](const std::vector<Tensor>& v) {
                    return F::cross_entropy(v[0], v[1], v[2], -100, Reduction::Sum, 0.3);
                },
                {in.x, in.target, in.weight}))
                << dt << " " << shape;
        }
    }
}

TEST(CudaParityLoss, CrossEntropyHugeLogitsAndNaN) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(3);
        const ClassLossInputs in = make_inputs({6, 7}, dt);
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& v) {
                return F::cross_entropy(v[0] * 1000.0, v[1], {}, -100, Reduction::None, 0.1);
            },
            {in.x, in.target}));
        const Tensor x = tensor({{1.0, std::nan(""), 0.0}, {1.0, 2.0, 3.0}}, TensorOptions(dt));
        const std::vector<double> l =
            F::cross_entropy(x.cuda(), tensor({0, 2}).cuda(), {}, -100, Reduction::None)
                .cpu()
                .to_vector<double>();
        EXPECT_TRUE(std::isnan(l[0]));  // a NaN logit poisons its row only
        EXPECT_FALSE(std::isnan(l[1]));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& v) {
                return F::cross_entropy(v[0], v[1], {}, -100, Reduction::None);
            },
            {x, tensor({0, 2})}));
    }
}

TEST(CudaParityLoss, AllTargetsIgnored) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes) {
        manual_seed(4);
        const Tensor x = randn({3, 4}, TensorOptions(dt)).requires_grad_(true);
        const Tensor t = tensor({-100, -100, -100});
        for (Reduction red : kReductions) {
            // Mean: 0 / 0 = NaN forward, and a zero (not NaN) gradient.
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& v) { return F::cross_entropy(v[0], v[1], {}, -100, red); },
                {x, t}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& v) { return F::nll_loss(v[0], v[1], {}, -100, red); },
                {x, t}));
        }
        Tensor xg = x.detach().cuda().requires_grad_(true);
        const Tensor loss = F::cross_entropy(xg, t.cuda());
        EXPECT_TRUE(std::isnan(loss.item<double>()));
        loss.backward();
        EXPECT_TRUE(allclose(xg.grad().cpu(), zeros({3, 4}, TensorOptions(dt)), 0, 0));
    }
}

TEST(CudaParityLoss, EmptyBatch) {
    TINYDL_REQUIRE_CUDA();
    Tensor x = zeros({0, 4}, TensorOptions(kFloat64).device(Device::cuda())).requires_grad_(true);
    const Tensor t = zeros({0}, TensorOptions(kInt64).device(Device::cuda()));
    EXPECT_TRUE(std::isnan(F::cross_entropy(x, t).item<double>()));
    EXPECT_EQ(F::cross_entropy(x, t, {}, -100, Reduction::Sum).item<double>(), 0.0);
    EXPECT_EQ(F::nll_loss(x, t, {}, -100, Reduction::None).sizes(), (IntArrayRef{0}));
    F::cross_entropy(x, t, {}, -100, Reduction::Sum).backward();
    EXPECT_EQ(x.grad().sizes(), (IntArrayRef{0, 4}));
    EXPECT_TRUE(x.grad().is_cuda());
}

// create_graph: the backward node switches to a composite of tinydl ops (Note [Double backward
// of the fused losses]); its result, and the gradient through it, must agree too.
TEST(CudaParityLoss, CreateGraphGradient) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(5);
    const ClassLossInputs in = make_inputs({6, 5}, kFloat64);
    const Tensor t = tensor({0, 1, 4, 1, 3, 2});
    auto f = [](const std::vector<Tensor>& v) {
        const Tensor y = F::cross_entropy(v[0], v[1], v[2], 1, Reduction::Mean, 0.1);
        return grad({y}, {v[0]}, {}, true, /*create_graph=*/true)[0];
    };
    EXPECT_TRUE(cuda_matches_cpu(f, {in.x, t, in.weight}));
    auto g = [](const std::vector<Tensor>& v) {
        const Tensor y = F::nll_loss(log_softmax(v[0], 1), v[1], v[2], -100, Reduction::Sum);
        return grad({y}, {v[0]}, {}, true, /*create_graph=*/true)[0];
    };
    EXPECT_TRUE(cuda_matches_cpu(g, {in.x, t, in.weight}));
}

// ---- nll_loss ------------------------------------------------------------------------------------------
TEST(CudaParityLoss, NllLossEveryOptionCombination) {
    TINYDL_REQUIRE_CUDA();
    for (DType dt : kFloatTypes)
        for (const DimVector& shape : kShapes) {
            manual_seed(6);
            const ClassLossInputs in = make_inputs(shape, dt);
            for (Reduction red : kReductions)
                for (bool weighted : {false, true})
                    for (int64_t ignore : {int64_t{-100}, int64_t{1}}) {
                        // On log-probabilities, as used; also on raw values (nll_loss does not care).
                        auto f = [&](const std::vector<Tensor>& v) {
                            const Tensor logp = log_softmax(v[0], class_dim(v[0]));
                            return F::nll_loss(logp, v[1], weighted ? v[2] : Tensor(), ignore, red);
                        };
                        auto g = [&](const std::vector<Tensor>& v) {
                            return F::nll_loss(v[0], v[1], weighted ? v[2] : Tensor(), ignore, red);
                        };
                        EXPECT_TRUE(cuda_matches_cpu(f, {in.x, in.target, in.weight}))
                            << dt << " input " << shape << " reduction " << red << " weighted " << weighted
                            << " ignore_index " << ignore;
                        EXPECT_TRUE(cuda_matches_cpu(g, {in.x, in.target, in.weight}))
                            << dt << " input " << shape << " reduction " << red << " weighted " << weighted
                            << " ignore_index " << ignore;
                    }
        }
    manual_seed(7);
    const ClassLossInputs big = make_inputs({64, 10, 100}, kFloat32);
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& v) { return F::nll_loss(v[0], v[1], v[2]); },
                                 {big.x, big.target, big.weight}));
}

// ---- errors ----------------------------------------------------------------------------------------------
TEST(CudaParityLoss, TargetOutOfRangeIsAnErrorNotADeviceAssert) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = zeros({4, 10}, Device::cuda());
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 10, 2, 3}).cuda()), "cross_entropy",
                 "Target 10 is out of bounds.", "10 classes");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, -5, 2, 3}).cuda()), "cross_entropy",
                 "Target -5 is out of bounds.");
    EXPECT_ERROR(F::cross_entropy(x, tensor({1, 10, 2, 3}, TensorOptions(kInt32)).cuda()), "cross_entropy",
                 "Target 10 is out of bounds.");
    EXPECT_ERROR(F::nll_loss(x, tensor({1, 2, 2, 12}).cuda()), "nll_loss", "Target 12 is out of bounds.",
                 "10 classes");
    EXPECT_THROW(F::cross_entropy(x, tensor({1, 10, 2, 3}).cuda()), IndexError);
    // The GPU is still usable: nothing was launched with the bad target.
    EXPECT_NO_THROW(cuda::synchronize());
    EXPECT_NEAR(F::cross_entropy(x, tensor({1, -7, 2, 3}).cuda(), {}, -7, Reduction::Sum).item<double>(),
                3 * std::log(10.0), 1e-5);
}

TEST(CudaParityLoss, InputsOnTwoDevicesNameBoth) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = zeros({4, 10}, Device::cuda());
    const Tensor t = tensor({1, 2, 3, 4});
    EXPECT_ERROR(F::cross_entropy(x, t), "cross_entropy", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(F::nll_loss(x, t), "nll_loss", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(F::cross_entropy(x, t.cuda(), ones({10})), "cross_entropy", "same device", "cuda:0", "cpu");
    EXPECT_ERROR(F::nll_loss(x.cpu(), t.cuda()), "nll_loss", "same device", "cpu", "cuda:0");
}

}  // namespace
}  // namespace tinydl
