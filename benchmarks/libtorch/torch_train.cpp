// torch_train.cpp — W1, W2 and W6 with libtorch: the twin of ../bench_train.cpp (read that file's
// header for the workload). Same data and batch order (../bench_data.h), same models, optimizers
// and hyper-parameters, same loop, same JSON fields with "framework":"libtorch" and the
// configuration (BLAS, environment knobs) added.
//
// Written as a PyTorch user would: torch::nn::Sequential of the stock modules (PyTorch's
// default initialisation), torch::optim::SGD / Adam, F::cross_entropy. The gradients are set to
// none before backward, as tinydl's zero_grad() and PyTorch 2's zero_grad() do (libtorch 1.13's
// C++ zero_grad() zeroes them in place instead, one extra pass over every gradient).
#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_data.h"
#include "torch_common.h"

namespace {

const char* kUsage =
    "usage: torch_train [--model mlp|cnn] [--threads 1] [--epochs 1] [--seed 0]\n"
    "                   [--data /usr/share/datasets/fashion-mnist] [--label TEXT] [--steps 0]\n"
    "  the flags of bench_train (tinydl); --threads sets ATen's and OpenBLAS's thread counts\n";

constexpr int64_t kBatch = 128;

torch::nn::Sequential make_model(const std::string& name) {
    namespace nn = torch::nn;
    if (name == "mlp")
        return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 10));
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(3136, 128), nn::ReLU(), nn::Linear(128, 10));
}

std::vector<int64_t> batch_shape(bool mlp, const bench::Mnist& m, int64_t n) {
    if (mlp) return {n, m.pixels()};
    return {n, 1, m.rows, m.cols};
}

double evaluate(torch::nn::Sequential& model, const bench::Mnist& test, bool mlp) {
    torch::NoGradGuard no_grad;
    model->eval();
    std::vector<float> x(static_cast<size_t>(1000 * test.pixels()));
    std::vector<int64_t> y(1000), index(1000);
    int64_t correct = 0;
    for (int64_t start = 0; start < test.count; start += 1000) {
        const int64_t n = std::min<int64_t>(1000, test.count - start);
        for (int64_t i = 0; i < n; ++i) index[static_cast<size_t>(i)] = start + i;
        bench::gather_batch(test, index.data(), n, x.data(), y.data());
        const torch::Tensor logits = model->forward(torch::from_blob(x.data(), batch_shape(mlp, test, n)));
        const torch::Tensor target = torch::from_blob(y.data(), {n}, torch::kInt64);
        correct += logits.argmax(1).eq(target).sum().item<int64_t>();
    }
    model->train();
    return static_cast<double>(correct) / static_cast<double>(test.count);
}

}  // namespace

int main(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::string model_name = flags.get("model", "mlp");
    const int64_t threads = flags.get_int("threads", 1);
    const int64_t epochs = flags.get_int("epochs", 1);
    const int64_t seed = flags.get_int("seed", 0);
    const std::string data_dir = flags.get("data", "/usr/share/datasets/fashion-mnist");
    const std::string label = flags.get("label", "");
    const int64_t max_steps = flags.get_int("steps", 0);
    flags.finish();
    if ((model_name != "mlp" && model_name != "cnn") || threads < 1 || epochs < 1) {
        std::fprintf(stderr, "error: bad flag value\n\n%s", kUsage);
        return 2;
    }
    const bool mlp = model_name == "mlp";

    bench::torch_set_threads(static_cast<int>(threads));
    const bench::Mnist train = bench::load_mnist(data_dir, /*train=*/true);
    const bench::Mnist test = bench::load_mnist(data_dir, /*train=*/false);
    torch::manual_seed(static_cast<uint64_t>(seed));
    torch::nn::Sequential model = make_model(model_name);
    std::vector<torch::Tensor> params = model->parameters();
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (mlp) opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.05).momentum(0.9));
    else opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(1e-3));
    const bench::Rss rss_before = bench::rss_mib();

    std::vector<float> x(static_cast<size_t>(kBatch * train.pixels()));
    std::vector<int64_t> y(kBatch);
    int64_t steps = (train.count + kBatch - 1) / kBatch;
    if (max_steps > 0) steps = std::min(steps, max_steps);  // a shortened epoch, for profiling
    const int64_t images_per_epoch = std::min(steps * kBatch, train.count);
    std::vector<double> epoch_seconds, accuracy, train_loss;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
        const double t0 = bench::now_seconds();
        const std::vector<int64_t> order = bench::epoch_order(train.count, static_cast<uint64_t>(seed), epoch);
        double loss_sum = 0;
        for (int64_t step = 0; step < steps; ++step) {
            const int64_t start = step * kBatch, n = std::min(kBatch, train.count - start);
            bench::gather_batch(train, order.data() + start, n, x.data(), y.data());
            const torch::Tensor input = torch::from_blob(x.data(), batch_shape(mlp, train, n));
            const torch::Tensor target = torch::from_blob(y.data(), {n}, torch::kInt64);
            torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(input), target);
            for (torch::Tensor& p : params) p.mutable_grad().reset();  // zero_grad(set_to_none)
            loss.backward();
            opt->step();
            loss_sum += loss.item<double>() * static_cast<double>(n);
        }
        epoch_seconds.push_back(bench::now_seconds() - t0);
        train_loss.push_back(loss_sum / static_cast<double>(images_per_epoch));
        accuracy.push_back(evaluate(model, test, mlp));
    }

    const bench::Stats s = bench::summarize(epoch_seconds);
    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    const std::string config = bench::torch_config_json();
    std::printf("{\"framework\":\"libtorch\",\"workload\":\"%s\",\"model\":\"%s\",\"threads\":%lld,\"epochs\":%lld,"
                "\"epoch_s_median\":%.4f,\"epoch_s_min\":%.4f,\"epoch_s_max\":%.4f,\"samples_per_s\":%.1f,"
                "\"ms_per_step\":%.4f,\"test_accuracy\":%s,\"train_loss\":%s,\"batch\":%lld,\"steps_per_epoch\":%lld,"
                "\"seed\":%lld,\"label\":%s,%s,\"machine\":%s,\"command\":%s}\n",
                mlp ? "W1" : "W2", model_name.c_str(), static_cast<long long>(threads), static_cast<long long>(epochs),
                s.median, s.min, s.max, static_cast<double>(images_per_epoch) / s.median, s.median * 1e3 / static_cast<double>(steps),
                bench::json_array(accuracy).c_str(), bench::json_array(train_loss).c_str(), static_cast<long long>(kBatch),
                static_cast<long long>(steps), static_cast<long long>(seed), bench::json_string(label).c_str(), config.c_str(),
                machine.c_str(), command.c_str());
    if (!mlp) {
        const bench::Rss rss = bench::rss_mib();
        std::printf("{\"framework\":\"libtorch\",\"workload\":\"W6\",\"model\":\"cnn\",\"threads\":%lld,\"epochs\":%lld,"
                    "\"max_rss_mib\":%.1f,\"rss_before_training_mib\":%.1f,\"label\":%s,%s,\"machine\":%s,\"command\":%s}\n",
                    static_cast<long long>(threads), static_cast<long long>(epochs), rss.peak_mib, rss_before.current_mib,
                    bench::json_string(label).c_str(), config.c_str(), machine.c_str(), command.c_str());
    }
    return 0;
}
