// test_anomaly.cpp — anomaly mode (torch.autograd.set_detect_anomaly): the switch and its guard,
// the creation context, the backward NaN/Inf check and the forward NaN check.
// See docs/reliability.md, "Anomaly mode".
#include <cmath>
#include <limits>

#include "tests/support/test_utils.h"

using namespace tinydl;
using autograd::DetectAnomalyGuard;
using tinydl::testing::allclose;

namespace {
// sqrt(x) * 0 at x = 0: the forward is finite, but SqrtBackward0 computes 0 * (0.5 / sqrt(0)),
// i.e. 0 * inf = nan (the NOTES.md example).
Tensor sqrt_times_zero(const Tensor& x) { return (sqrt(x) * 0.0).sum(); }
}  // namespace

TEST(Anomaly, OffByDefaultAndGuardRestores) {
    EXPECT_FALSE(autograd::is_anomaly_enabled());
    {
        DetectAnomalyGuard on;
        EXPECT_TRUE(autograd::is_anomaly_enabled());
        {
            DetectAnomalyGuard off(false);
            EXPECT_FALSE(autograd::is_anomaly_enabled());
        }
        EXPECT_TRUE(autograd::is_anomaly_enabled());  // the inner guard restored "on"
    }
    EXPECT_FALSE(autograd::is_anomaly_enabled());
    autograd::set_detect_anomaly(true);
    EXPECT_TRUE(autograd::is_anomaly_enabled());
    autograd::set_detect_anomaly(false);
    EXPECT_FALSE(autograd::is_anomaly_enabled());
}

TEST(Anomaly, OffGivesSilentNanGradient) {
    Tensor x = zeros({3}, DType::Float32).requires_grad_(true);
    sqrt_times_zero(x).backward();
    ASSERT_TRUE(x.grad().defined());
    EXPECT_TRUE(std::isnan(x.grad()[0].item<float>()));
    EXPECT_TRUE(x.grad_fn() == nullptr);
}

TEST(Anomaly, BackwardNanThrowsNamingTheNodeAndItsCreation) {
    DetectAnomalyGuard anomaly;
    Tensor x = zeros({2, 3}, DType::Float32).requires_grad_(true);
    Tensor loss = sqrt_times_zero(x);
    EXPECT_ERROR(loss.backward(), "Function 'SqrtBackward0' returned nan values in its 0th output.",
                 "6 nan and 0 inf of 6 entries", "created in forward", "from inputs (float32 [2, 3])",
                 "giving output 0 (float32 [2, 3])");
    EXPECT_FALSE(x.grad().defined());  // it threw before the leaf was reached
    // The same graph through autograd::grad() throws too.
    Tensor y = zeros({2}, DType::Float64).requires_grad_(true);
    EXPECT_ERROR(grad({sqrt_times_zero(y)}, {y}), "Function 'SqrtBackward0' returned nan values");
}

TEST(Anomaly, BackwardInfThrows) {
    DetectAnomalyGuard anomaly;
    // d/dx log(x) at 0 is 1/0 = inf (and log(0) = -inf in forward is allowed: see the forward rule).
    Tensor x = zeros({4}, DType::Float64).requires_grad_(true);
    Tensor loss = (log(x) * 1.0).sum();
    EXPECT_ERROR(loss.backward(), "Function 'LogBackward0' returned inf values in its 0th output.",
                 "0 nan and 4 inf of 4 entries");
}

TEST(Anomaly, FiniteGraphIsUnaffected) {
    DetectAnomalyGuard anomaly;
    Tensor x = (ones({3}, DType::Float64) * 4.0).detach().requires_grad_(true);
    sqrt(x).sum().backward();
    EXPECT_TRUE(allclose(x.grad(), full({3}, 0.25, DType::Float64)));
    // Double backward (create_graph) works in anomaly mode, and the check records no nodes.
    Tensor z = (ones({2}, DType::Float64) * 3.0).detach().requires_grad_(true);
    Tensor g = grad({(z * z * z).sum()}, {z}, {}, std::nullopt, /*create_graph=*/true)[0];
    Tensor gg = grad({g.sum()}, {z})[0];
    EXPECT_TRUE(allclose(gg, full({2}, 18.0, DType::Float64)));
}

TEST(Anomaly, ForwardNanOfARecordedOpThrows) {
    Tensor x = full({3}, -1.0, DType::Float32).requires_grad_(true);
    {
        DetectAnomalyGuard anomaly;
        EXPECT_ERROR(sqrt(x), "the forward op recorded as 'SqrtBackward0' produced nan values in its 0th output",
                     "3 of 3 entries", "from inputs (float32 [3])");
        // Inf in forward is allowed (masks with -inf are ordinary), and so is an op not recorded.
        Tensor inf = log(x + 1.0);
        EXPECT_TRUE(std::isinf(inf[0].item<float>()));
        NoGradGuard no_grad;
        EXPECT_TRUE(std::isnan(sqrt(x)[0].item<float>()));
    }
    EXPECT_TRUE(std::isnan(sqrt(x)[0].item<float>()));  // off: silent, as in PyTorch
}

TEST(Anomaly, NodesCreatedWithAnomalyOffHaveNoContext) {
    Tensor x = zeros({2}, DType::Float32).requires_grad_(true);
    Tensor loss = sqrt_times_zero(x);  // recorded with anomaly mode off
    EXPECT_TRUE(loss.grad_fn()->anomaly_context.empty());
    DetectAnomalyGuard anomaly;
    EXPECT_ERROR(loss.backward(), "Function 'SqrtBackward0' returned nan values", "no creation context");
}

TEST(Anomaly, InPlaceOpsWorkAndAreChecked) {
    DetectAnomalyGuard anomaly;
    Tensor w = ones({3}, DType::Float64).requires_grad_(true);
    Tensor y = w * 2.0;
    y.add_(1.0);  // rebase_history hands the node to y: its output is described once
    EXPECT_EQ(y.grad_fn()->anomaly_context.find("output 0 ("), y.grad_fn()->anomaly_context.rfind("output 0 ("));
    y.sum().backward();
    EXPECT_TRUE(allclose(w.grad(), full({3}, 2.0, DType::Float64)));
    Tensor z = w * 1.0;
    EXPECT_ERROR(z.mul_(std::numeric_limits<double>::quiet_NaN()), "produced nan values in its 0th output");
}
