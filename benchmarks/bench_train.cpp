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
// --device cuda trains on the GPU as examples/mnist_trainer.h does: the model is moved there once,
// each gathered batch is moved with .to(device) inside the timed loop, and the clock waits for
// the GPU (cuda::synchronize) at both ends of an epoch. Before the first epoch, --warmup steps
// (default 3 on cuda, 0 on the CPU as in the libtorch twin) run forward and backward without an
// optimizer step, so the first timed epoch does not pay for cuBLAS/cuDNN set-up, cuDNN's
// algorithm choice or the caching allocator's first blocks, and training is unchanged.
//
// Output: one JSON line per result (see benchmarks/README.md). One thread count per process,
// so that the peak memory of W6 belongs to one configuration.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"
#include "bench_device.h"
#include "bench_data.h"
#include "tinydl/tinydl.h"

using namespace tinydl;

namespace {

const char* kUsage =
    "usage: bench_train [--model mlp|cnn] [--threads 1] [--epochs 1] [--seed 0]\n"
    "                   [--data /usr/share/datasets/fashion-mnist] [--label TEXT] [--steps 0]\n"
    "                   [--eval 1] [--device cpu|cuda|cuda:N] [--warmup -1]\n"
    "  --model    mlp (W1: SGD momentum 0.9, lr 0.05) or cnn (W2: Adam lr 1e-3, plus W6)\n"
    "  --threads  tinydl's thread count (one value); CPU threads (host side only on cuda)\n"
    "  --epochs   epochs to train; each timed epoch is one sample (median, min, max)\n"
    "  --seed     seed of the initialisation and of the shuffle\n"
    "  --label    free text copied into the output (e.g. which build this is)\n"
    "  --steps    stop each epoch after this many batches (0: the whole epoch); for profiling\n"
    "  --eval     0: skip the test-set evaluation after each epoch (for profiling)\n"
    "  --device   where the model and batches live (default cpu)\n"
    "  --warmup   untimed forward+backward steps before the first epoch, no optimizer step\n"
    "             (plus one of the epoch's last, smaller batch); -1: 3 on cuda, 0 on the CPU\n";

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
double evaluate(nn::Module& model, const bench::Mnist& test, bool mlp, Device device) {
    NoGradGuard no_grad;
    model.eval();
    std::vector<float> x(static_cast<size_t>(1000 * test.pixels()));
    std::vector<int64_t> y(1000), index(1000);
    int64_t correct = 0;
    for (int64_t start = 0; start < test.count; start += 1000) {
        const int64_t n = std::min<int64_t>(1000, test.count - start);
        for (int64_t i = 0; i < n; ++i) index[static_cast<size_t>(i)] = start + i;
        bench::gather_batch(test, index.data(), n, x.data(), y.data());
        const Tensor logits = model(from_blob(x.data(), batch_shape(mlp, test, n)).to(device));
        const Tensor target = from_blob(y.data(), {n}, TensorOptions().dtype(DType::Int64)).to(device);
        correct += eq(logits.argmax(1), target).sum().item<int64_t>();
    }
    model.train();
    return static_cast<double>(correct) / static_cast<double>(test.count);
}

}  // namespace

int run(int argc, char** argv) {
    bench::Flags flags(argc, argv, kUsage);
    const std::string model_name = flags.get("model", "mlp");
    const int64_t threads = flags.get_int("threads", 1);
    const int64_t epochs = flags.get_int("epochs", 1);
    const int64_t seed = flags.get_int("seed", 0);
    const std::string data_dir = flags.get("data", "/usr/share/datasets/fashion-mnist");
    const std::string label = flags.get("label", "");
    const int64_t max_steps = flags.get_int("steps", 0);
    const bool eval = flags.get_int("eval", 1) != 0;
    const std::string device_flag = flags.get("device", "cpu");
    int64_t warmup = flags.get_int("warmup", -1);
    flags.finish();
    if ((model_name != "mlp" && model_name != "cnn") || threads < 1 || epochs < 1 || warmup < -1) {
        std::fprintf(stderr, "error: bad flag value\n\n%s", kUsage);
        return 2;
    }
    const bool mlp = model_name == "mlp";

    set_num_threads(static_cast<int>(threads));
    const Device device = bench::open_device("bench_train", device_flag);
    if (warmup < 0) warmup = device.is_cuda() ? 3 : 0;
    const bench::Mnist train = bench::load_mnist(data_dir, /*train=*/true);
    const bench::Mnist test = bench::load_mnist(data_dir, /*train=*/false);
    manual_seed(static_cast<uint64_t>(seed));
    std::shared_ptr<nn::Module> model = make_model(model_name);
    model->to(device);  // initialised on the CPU: the same weights on every device
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

    // Warm-up: the steps of a training loop without opt->step(), on the first batches of epoch
    // 0's order and one batch of the epoch's last size (a new shape: cuDNN chooses its algorithms
    // per shape). The gradients are then set to none: parameters, optimizer state and the random
    // generator are as they were, so the timed epochs train exactly as without warm-up.
    if (warmup > 0) {
        const std::vector<int64_t> order = bench::epoch_order(train.count, static_cast<uint64_t>(seed), 0);
        std::vector<int64_t> sizes(static_cast<size_t>(warmup), std::min(kBatch, train.count));
        if (train.count % kBatch != 0) sizes.push_back(train.count % kBatch);
        for (size_t i = 0; i < sizes.size(); ++i) {
            const int64_t n = sizes[i], start = std::min(static_cast<int64_t>(i) * kBatch, train.count - n);
            bench::gather_batch(train, order.data() + start, n, x.data(), y.data());
            const Tensor input = from_blob(x.data(), batch_shape(mlp, train, n)).to(device);
            const Tensor target = from_blob(y.data(), {n}, TensorOptions().dtype(DType::Int64)).to(device);
            Tensor loss = nn::functional::cross_entropy((*model)(input), target);
            opt->zero_grad();
            loss.backward();
            (void)loss.item<double>();
        }
        opt->zero_grad();
        bench::sync(device);
    }

    std::vector<double> epoch_seconds, accuracy, train_loss;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
        const double t0 = bench::now_synced(device);
        const std::vector<int64_t> order = bench::epoch_order(train.count, static_cast<uint64_t>(seed), epoch);
        double loss_sum = 0;
        for (int64_t step = 0; step < steps; ++step) {
            const int64_t start = step * kBatch, n = std::min(kBatch, train.count - start);
            bench::gather_batch(train, order.data() + start, n, x.data(), y.data());
            // .to(device) copies to the GPU (and returns the tensor itself on the CPU); the copy
            // from pageable memory is done when it returns, so x and y can be refilled.
            const Tensor input = from_blob(x.data(), batch_shape(mlp, train, n)).to(device);
            const Tensor target = from_blob(y.data(), {n}, TensorOptions().dtype(DType::Int64)).to(device);
            Tensor loss = nn::functional::cross_entropy((*model)(input), target);
            opt->zero_grad();
            loss.backward();
            opt->step();
            loss_sum += loss.item<double>() * static_cast<double>(n);
        }
        epoch_seconds.push_back(bench::now_synced(device) - t0);
        train_loss.push_back(loss_sum / static_cast<double>(images_per_epoch));
        if (eval) accuracy.push_back(evaluate(*model, test, mlp, device));
    }

    const bench::Stats s = bench::summarize(epoch_seconds);
    const std::string machine = bench::json_string(bench::machine_name());
    const std::string command = bench::json_string(bench::command_line(argc, argv));
    // Keys only a GPU run (or a CPU run with --warmup) has; a default CPU line stays as before.
    std::string extra;
    if (warmup > 0) extra += ",\"warmup_steps\":" + std::to_string(warmup);
    std::printf("{\"framework\":\"tinydl\",\"workload\":\"%s\",\"model\":\"%s\",\"threads\":%lld,\"device\":\"%s\","
                "\"epochs\":%lld,"
                "\"epoch_s_median\":%.4f,\"epoch_s_min\":%.4f,\"epoch_s_max\":%.4f,\"samples_per_s\":%.1f,"
                "\"ms_per_step\":%.4f,\"test_accuracy\":%s,\"train_loss\":%s,\"batch\":%lld,\"steps_per_epoch\":%lld,"
                "\"seed\":%lld%s,\"label\":%s,\"machine\":%s,\"command\":%s}\n",
                mlp ? "W1" : "W2", model_name.c_str(), static_cast<long long>(threads), device.str().c_str(),
                static_cast<long long>(epochs),
                s.median, s.min, s.max, static_cast<double>(images_per_epoch) / s.median, s.median * 1e3 / static_cast<double>(steps),
                bench::json_array(accuracy).c_str(), bench::json_array(train_loss).c_str(), static_cast<long long>(kBatch),
                static_cast<long long>(steps), static_cast<long long>(seed), extra.c_str(), bench::json_string(label).c_str(),
                machine.c_str(), command.c_str());
    if (!mlp) {
        // W6: peak RSS of the whole process (code, data set, model, optimizer state, the largest
        // step's activations and whatever the allocator keeps cached), and for reference the RSS
        // just before training and tinydl's own count of the bytes it allocated at its peak. On a
        // GPU, also the peak of the bytes tinydl allocated there (torch.cuda.max_memory_allocated
        // on the PyTorch side): host RSS then says little about the training's memory.
        const bench::Rss rss = bench::rss_mib();
        std::string device_peak;
        if (device.is_cuda()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, ",\"device_peak_mib\":%.1f",
                          static_cast<double>(memory::max_memory_allocated(device)) / (1024.0 * 1024.0));
            device_peak = buf;
        }
        std::printf("{\"framework\":\"tinydl\",\"workload\":\"W6\",\"model\":\"cnn\",\"threads\":%lld,\"device\":\"%s\","
                    "\"epochs\":%lld,\"max_rss_mib\":%.1f,\"rss_before_training_mib\":%.1f,\"allocator_peak_mib\":%.1f%s,"
                    "\"label\":%s,\"machine\":%s,\"command\":%s}\n",
                    static_cast<long long>(threads), device.str().c_str(), static_cast<long long>(epochs), rss.peak_mib,
                    rss_before.current_mib, static_cast<double>(memory::max_memory_allocated()) / (1024.0 * 1024.0),
                    device_peak.c_str(), bench::json_string(label).c_str(), machine.c_str(), command.c_str());
    }
    return 0;
}

int main(int argc, char** argv) {
    return bench::run_main("bench_train", [&] { return run(argc, argv); });
}
