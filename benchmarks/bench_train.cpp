// bench_train.cpp — workloads W1, W2 and W6 of /work/shared/BENCHMARKS.md with tinydl: train on
// Fashion-MNIST and time each epoch. benchmarks/libtorch/torch_train.cpp is the same program
// written against libtorch (same models, data, batch order, hyper-parameters, output).
//
//   --model mlp   W1: 784 -> 512 -> ReLU -> 256 -> ReLU -> 10, SGD lr 0.05 momentum 0.9
//   --model cnn   W2: conv(1->32, 3x3, pad 1)+ReLU+maxpool 2 -> conv(32->64, 3x3, pad 1)+ReLU+
//                 maxpool 2 -> flatten 3136 -> Linear 128 -> ReLU -> Linear 10, Adam lr 1e-3
//                 and W6: the peak resident memory of this process after training
//
// Both: PyTorch's default initialisation, cross-entropy, batch 128 (the last batch of an epoch
// has 96 images, as PyTorch's DataLoader gives without drop_last). The data are loaded once
// (bench_data.h), then each epoch is timed: shuffle, and for every batch gather the images
// (byte / 255), forward, loss, zero_grad, backward, step, and read the loss (loss.item()).
// Test accuracy is measured after every epoch, outside the timed part.
//
// Output: one JSON line per result (see benchmarks/README.md). One thread count per process,
// so that the peak memory of W6 belongs to one configuration.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_data.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

const char* kUsage =
    "usage: bench_train [--model mlp|cnn] [--threads 1] [--epochs 1] [--seed 0]\n"
    "                   [--data /usr/share/datasets/fashion-mnist] [--label TEXT] [--steps 0]\n"
    "                   [--eval 1]\n"
    "  --model    mlp (W1: SGD momentum 0.9, lr 0.05) or cnn (W2: Adam lr 1e-3, plus W6)\n"
    "  --threads  tinydl's thread count (one value)\n"
    "  --epochs   epochs to train; each timed epoch is one sample (median, min, max)\n"
    "  --seed     seed of the initialisation and of the shuffle\n"
    "  --label    free text copied into the output (e.g. which build this is)\n"
    "  --steps    stop each epoch after this many batches (0: the whole epoch); for profiling\n"
    "  --eval     0: skip the test-set evaluation after each epoch (for profiling)\n";

constexpr int64_t kBatch = 128;

std::shared_ptr<nn::Module> make_model(const std::string& name) {
    using std::make_shared;
    if (name == "mlp")
        return make_shared<nn::Sequential>(nn::Sequential{
            make_shared<nn::Linear>(784, 512), make_shared<nn::ReLU>(),
            make_shared<nn::Linear>(512, 256), make_shared<nn::ReLU>(),
            make_shared<nn::Linear>(256, 10)});
    return make_shared<nn::Sequential>(nn::Sequential{
        make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 32, 3).padding(1)), make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(2),
        make_shared<nn::Conv2d>(nn::Conv2dOptions(32, 64, 3).padding(1)), make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(2),
        make_shared<nn::Flatten>(),
        make_shared<nn::Linear>(3136, 128), make_shared<nn::ReLU>(),
        make_shared<nn::Linear>(128, 10)});
}

// The input shape of one batch of n images: flat rows for the MLP, [n, 1, 28, 28] for the CNN.
std::vector<int64_t> batch_shape(bool mlp, const bench::Mnist& m, int64_t n) {
    if (mlp) return {n, m.pixels()};
    return {n, 1, m.rows, m.cols};
}

// Fraction of the test set classified correctly, in batches of 1000 (not timed).
double evaluate(nn::Module& model, const bench::Mnist& test, bool mlp) {
    NoGradGuard no_grad;
    model.eval();
    std::vector<float> x(static_cast<size_t>(1000 * test.pixels()));
    std::vector<int64_t> y(1000), index(1000);
    int64_t correct = 0;
    for (int64_t start = 0; start < test.count; start += 1000) {
        const int64_t n = std::min<int64_t>(1000, test.count - start);
        for (int64_t i = 0; i < n; ++i) index[static_cast<size_t>(i)] = start + i;
        bench::gather_batch(test, index.data(), n, x.data(), y.data());
        const Tensor logits = model(from_blob(x.data(), batch_shape(mlp, test, n)));
        const Tensor target = from_blob(y.data(), {n}, TensorOptions().dtype(DType::Int64));
        correct += eq(logits.argmax(1), target).sum().item<int64_t>();
    }
    model.train();
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
    const bool eval = flags.get_int("eval", 1) != 0;
    flags.finish();
    if ((model_name != "mlp" && model_name != "cnn") || threads < 1 || epochs < 1) {
        std::fprintf(stderr, "error: bad flag value\n\n%s", kUsage);
        return 2;
    }
    const bool mlp = model_name == "mlp";

    set_num_threads(static_cast<int>(threads));
    const bench::Mnist train = bench::load_mnist(data_dir, /*train=*/true);
    const bench::Mnist test = bench::load_mnist(data_dir, /*train=*/false);
    manual_seed(static_cast<uint64_t>(seed));
    std::shared_ptr<nn::Module> model = make_model(model_name);
    std::unique_ptr<optim::Optimizer> opt;
    if (mlp) opt = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    else opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(1e-3));
    const bench::Rss rss_before = bench::rss_mib();

    // The batch buffers are reused from step to step; from_blob wraps them without a copy.
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
            const Tensor input = from_blob(x.data(), batch_shape(mlp, train, n));
            const Tensor target = from_blob(y.data(), {n}, TensorOptions().dtype(DType::Int64));
            Tensor loss = nn::functional::cross_entropy((*model)(input), target);
            opt->zero_grad();
            loss.backward();
            opt->step();
            loss_sum += loss.item<double>() * static_cast<double>(n);
        }
        epoch_seconds.push_back(bench::now_seconds() - t0);
        train_loss.push_back(loss_sum / static_cast<double>(images_per_epoch));
        if (eval) accuracy.push_back(evaluate(*model, test, mlp));
    }

    const bench::Stats s = bench::summarize(epoch_seconds);
    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    std::printf("{\"framework\":\"tinydl\",\"workload\":\"%s\",\"model\":\"%s\",\"threads\":%lld,\"epochs\":%lld,"
                "\"epoch_s_median\":%.4f,\"epoch_s_min\":%.4f,\"epoch_s_max\":%.4f,\"samples_per_s\":%.1f,"
                "\"ms_per_step\":%.4f,\"test_accuracy\":%s,\"train_loss\":%s,\"batch\":%lld,\"steps_per_epoch\":%lld,"
                "\"seed\":%lld,\"label\":%s,\"machine\":%s,\"command\":%s}\n",
                mlp ? "W1" : "W2", model_name.c_str(), static_cast<long long>(threads), static_cast<long long>(epochs),
                s.median, s.min, s.max, static_cast<double>(images_per_epoch) / s.median, s.median * 1e3 / static_cast<double>(steps),
                bench::json_array(accuracy).c_str(), bench::json_array(train_loss).c_str(), static_cast<long long>(kBatch),
                static_cast<long long>(steps), static_cast<long long>(seed), bench::json_string(label).c_str(), machine.c_str(),
                command.c_str());
    if (!mlp) {
        // W6: peak RSS of the whole process (code, data set, model, optimizer state, the largest
        // step's activations and whatever the allocator keeps cached), and for reference the RSS
        // just before training and tinydl's own count of the bytes it allocated at its peak.
        const bench::Rss rss = bench::rss_mib();
        std::printf("{\"framework\":\"tinydl\",\"workload\":\"W6\",\"model\":\"cnn\",\"threads\":%lld,\"epochs\":%lld,"
                    "\"max_rss_mib\":%.1f,\"rss_before_training_mib\":%.1f,\"allocator_peak_mib\":%.1f,\"label\":%s,"
                    "\"machine\":%s,\"command\":%s}\n",
                    static_cast<long long>(threads), static_cast<long long>(epochs), rss.peak_mib, rss_before.current_mib,
                    static_cast<double>(memory::max_memory_allocated()) / (1024.0 * 1024.0), bench::json_string(label).c_str(),
                    machine.c_str(), command.c_str());
    }
    return 0;
}
