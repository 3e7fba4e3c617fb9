// test_determinism.cpp — bit-reproducibility: the same seed gives the same bits run after run,
// and (in deterministic mode) the same bits for set_num_threads(1) and set_num_threads(2).
// See docs/reliability.md, "Determinism".
#include <cstring>

#include "tests/support/test_utils.h"
#include "tinydl/determinism.h"

using namespace tinydl;

namespace {

// Bitwise equality (NaN patterns included), not allclose: determinism is about the bits.
::testing::AssertionResult same_bits(const Tensor& a, const Tensor& b) {
    if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return ::testing::AssertionFailure() << "shape/dtype differ";
    const Tensor ca = a.contiguous(), cb = b.contiguous();
    if (std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) != 0) {
        const double diff = (ca.to(DType::Float64) - cb.to(DType::Float64)).abs().max().item<double>();
        return ::testing::AssertionFailure() << "bits differ; max |difference| " << diff;
    }
    return ::testing::AssertionSuccess();
}

// Restores the thread count and the mode however a test ends.
struct ModeGuard {
    int threads = get_num_threads();
    bool det = is_deterministic();
    ~ModeGuard() {
        set_num_threads(threads);
        set_deterministic(det);
    }
};

// One SGD step of a 2-layer MLP from seed 7; returns the updated weights and the loss.
std::vector<Tensor> mlp_step() {
    manual_seed(7);
    Tensor x = randn({256, 300});
    Tensor y = randn({256, 10});
    Tensor w1 = (randn({300, 512}) * 0.05).requires_grad_(true);
    Tensor b1 = zeros({512}).requires_grad_(true);
    Tensor w2 = (randn({512, 10}) * 0.05).requires_grad_(true);
    Tensor h = relu(matmul(x, w1) + b1);
    Tensor loss = (matmul(h, w2) - y).pow(2).mean();
    loss.backward();
    NoGradGuard no_grad;
    std::vector<Tensor> out = {loss.detach().clone()};
    for (Tensor* p : {&w1, &b1, &w2}) {
        p->sub_(p->grad() * 0.1);
        out.push_back(p->detach().clone());
    }
    return out;
}

// The ops whose results are compared across thread counts, each big enough to be split.
std::vector<Tensor> workload() {
    manual_seed(3);
    Tensor big = randn({1 << 20});
    Tensor tall = randn({4096, 64});
    Tensor a = randn({256, 256}), b = randn({256, 384});
    Tensor ba = randn({3, 128, 96}), bb = randn({3, 96, 200});
    Tensor img = randn({6, 3, 16, 16});
    Tensor w = randn({8, 3, 3, 3}).requires_grad_(true);
    Tensor conv = conv2d(img, w, {}, 1, 1);
    conv.backward(randn_like(conv));
    return {big.sum(), big.mean(), tall.sum(0), tall.sum(1), tall.var(0), softmax(tall, 1),
            matmul(a, b), matmul(ba, bb), conv.detach(), w.grad()};
}

}  // namespace

TEST(Determinism, OffByDefaultAndSwitchable) {
    ModeGuard guard;
    EXPECT_FALSE(is_deterministic());
    set_deterministic(true);
    EXPECT_TRUE(is_deterministic());
    set_deterministic(false);
    EXPECT_FALSE(is_deterministic());
}

TEST(Determinism, SameSeedSameBitsRunAfterRun) {
    ModeGuard guard;
    const std::vector<Tensor> r1 = mlp_step(), r2 = mlp_step();
    for (size_t i = 0; i < r1.size(); ++i) EXPECT_TRUE(same_bits(r1[i], r2[i])) << "mlp output " << i;
    const std::vector<Tensor> w1 = workload(), w2 = workload();
    for (size_t i = 0; i < w1.size(); ++i) EXPECT_TRUE(same_bits(w1[i], w2[i])) << "workload output " << i;
}

TEST(Determinism, SameBitsForOneAndTwoThreads) {
    ModeGuard guard;
    set_deterministic(true);
    set_num_threads(1);
    const std::vector<Tensor> w1 = workload(), m1 = mlp_step();
    set_num_threads(2);
    const std::vector<Tensor> w2 = workload(), m2 = mlp_step();
    set_num_threads(4);  // more threads than cores: the split must still not depend on it
    const std::vector<Tensor> w4 = workload();
    for (size_t i = 0; i < w1.size(); ++i) {
        EXPECT_TRUE(same_bits(w1[i], w2[i])) << "workload output " << i << " (1 vs 2 threads)";
        EXPECT_TRUE(same_bits(w1[i], w4[i])) << "workload output " << i << " (1 vs 4 threads)";
    }
    for (size_t i = 0; i < m1.size(); ++i) EXPECT_TRUE(same_bits(m1[i], m2[i])) << "mlp output " << i;
}
