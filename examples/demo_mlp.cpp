// demo_mlp.cpp — train a two-layer MLP on synthetic data with nothing but tensors and autograd.
//
// No nn::Module, no optimizer class: the parameters are plain tensors that require grad, the
// forward pass is matmul + relu, the loss is mean squared error written with ops, and SGD is
// four lines under NoGradGuard. This is what nn::Linear and optim::SGD will wrap.
//
//   x [B, 2]  --W1 [2, H], b1 [H]-->  relu  --W2 [H, 1], b2 [1]-->  prediction [B, 1]
//
// The target is a smooth function of the two inputs, y = sin(2 x0) cos(x1): a linear model
// cannot fit it, a hidden layer can. Usage: demo_mlp [steps] (default 500). It prints the loss
// every 50 steps and exits non-zero if the loss did not fall by at least half.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <tinydl/tinydl.h>

using namespace tinydl;

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 500;
    const int64_t batch = 256, hidden = 32;
    const double lr = 0.1;
    manual_seed(0);

    // Data: B points from a standard normal, and their targets as a [B, 1] column.
    const Tensor x = randn({batch, 2});
    const Tensor y = ((x.select(1, 0) * 2).sin() * x.select(1, 1).cos()).unsqueeze(1);

    // Parameters, scaled like PyTorch's default init (std ~ 1/sqrt(fan_in)) so relu units start alive.
    Tensor w1 = (randn({2, hidden}) * (1.0 / std::sqrt(2.0))).requires_grad_(true);
    Tensor b1 = zeros({hidden}).requires_grad_(true);
    Tensor w2 = (randn({hidden, 1}) * (1.0 / std::sqrt(double(hidden)))).requires_grad_(true);
    Tensor b2 = zeros({1}).requires_grad_(true);
    std::vector<Tensor*> params{&w1, &b1, &w2, &b2};

    double first_loss = 0.0, loss_value = 0.0;
    for (int step = 0; step <= steps; ++step) {
        // Forward: every op records a node, so backward() knows how to undo each one.
        const Tensor h = (x.matmul(w1) + b1).relu();  // [B, H]; b1 broadcasts over the batch
        const Tensor prediction = h.matmul(w2) + b2;  // [B, 1]
        const Tensor loss = (prediction - y).pow(2).mean();

        loss.backward();  // fills w1.grad() ... b2.grad()
        loss_value = loss.item<double>();
        if (step == 0) first_loss = loss_value;
        if (step % 50 == 0 || step == steps) std::printf("step %4d  loss %.5f\n", step, loss_value);

        // SGD: p -= lr * grad. Not recorded (NoGradGuard), and the gradients are reset because
        // backward() adds to them.
        NoGradGuard no_grad;
        for (Tensor* p : params) {
            p->sub_(p->grad() * lr);
            p->mutable_grad().zero_();
        }
    }

    const bool learned = loss_value < 0.5 * first_loss;
    std::printf("loss %.5f -> %.5f: %s\n", first_loss, loss_value,
                learned ? "it learned" : "it did NOT learn");
    return learned ? 0 : 1;
}
