// main.cpp — the smallest useful tinydl program: d/dx sum(x*x) must be 2x.
// Built by the packaging tests through find_package, add_subdirectory and pkg-config; exits 0
// when the gradient is right.
#include <cmath>
#include <cstdio>
#include <vector>

#include <tinydl/tinydl.h>

int main() {
    tinydl::manual_seed(0);
    auto x = tinydl::randn({3}).requires_grad_(true);
    (x * x).sum().backward();

    const std::vector<float> xs = x.detach().to_vector<float>();
    const std::vector<float> grad = x.grad().to_vector<float>();
    if (xs.size() != 3 || grad.size() != 3) {
        std::printf("expected 3 values and 3 gradients, got %zu and %zu\n", xs.size(), grad.size());
        return 1;
    }
    bool ok = true;
    for (size_t i = 0; i < xs.size(); ++i) ok = ok && std::fabs(grad[i] - 2 * xs[i]) <= 1e-6f;

    std::printf("tinydl %s (CUDA built: %s): x = [%g, %g, %g], grad = [%g, %g, %g]: %s\n", TINYDL_VERSION,
                tinydl::cuda::is_built() ? "yes" : "no", xs[0], xs[1], xs[2], grad[0], grad[1], grad[2],
                ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
