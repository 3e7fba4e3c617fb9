// test_trainer_resume.cpp — bit-exact resume through the trainers' own code
// (examples/mnist_trainer.h, shared by mnist_mlp and mnist_cnn): N steps + save + load + N steps
// gives the same bytes as 2N steps straight.
//
//  1. A CNN with everything that carries state between steps: convolution, BatchNorm running
//     statistics, dropout (the global generator), Adam (moments, step counts) and a one-cycle
//     schedule, resumed in the middle of an epoch (the data order is (seed, epoch, batch)). It
//     uses the trainer's make_optimizer, make_schedule, train_step, save_checkpoint and
//     load_checkpoint, on a small synthetic data set.
//  2. trainer::run itself, the whole program with its command line, on tiny MNIST-format files the
//     test writes: "--epochs 3 --save a" against "--epochs 1 --save b" then "--resume b --epochs 3
//     --save b"; the two final checkpoints must be the same file, byte for byte. Once for an MLP
//     with SGD (mnist_mlp's defaults) and once for a BatchNorm + dropout CNN with Adam
//     (mnist_cnn's); the models are small stand-ins of theirs.
// tests/train/test_end_to_end.cpp has the same check for a loop written by hand.
#if __has_include(<CLI/CLI.hpp>)
#define TINYDL_TEST_HAVE_CLI11 1
#include "examples/mnist_trainer.h"
#endif

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

#ifdef TINYDL_TEST_HAVE_CLI11

using testing::read_bytes;
using testing::TempDir;

// A small stand-in for mnist_cnn's "bn" model: conv + BatchNorm + ReLU + max-pool, dropout,
// linear, on [N, 1, 28, 28] images.
std::shared_ptr<nn::Module> small_cnn() {
    using std::make_shared;
    return make_shared<nn::Sequential>(nn::Sequential{
        make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).padding(1)), make_shared<nn::BatchNorm2d>(4),
        make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(4), make_shared<nn::Flatten>(),
        make_shared<nn::Dropout>(0.25), make_shared<nn::Linear>(4 * 7 * 7, 10)});
}

// A small stand-in for mnist_mlp's model.
std::shared_ptr<nn::Module> small_mlp() {
    using std::make_shared;
    return make_shared<nn::Sequential>(nn::Sequential{make_shared<nn::Flatten>(), make_shared<nn::Linear>(784, 16),
                                                      make_shared<nn::ReLU>(), make_shared<nn::Linear>(16, 10)});
}

// Every entry of two state dicts (parameters and buffers, or optimizer state), byte for byte.
void expect_identical(const StateDict& a, const StateDict& b, const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (const auto& [key, ta] : a) {
        ASSERT_TRUE(b.count(key)) << what << ": " << key << " is missing";
        const Tensor x = ta.detach().contiguous(), y = b.at(key).detach().contiguous();
        ASSERT_EQ(x.dtype(), y.dtype()) << what << ": " << key;
        ASSERT_EQ(x.nbytes(), y.nbytes()) << what << ": " << key;
        EXPECT_EQ(std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()), 0) << what << ": " << key << " differs";
    }
}

// The trainer's objects for one run.
struct TrainerRun {
    std::shared_ptr<nn::Module> model;
    std::unique_ptr<optim::Optimizer> opt;
    std::unique_ptr<optim::LRScheduler> schedule;
    std::unique_ptr<data::DataLoader> loader;
    trainer::Progress progress;

    TrainerRun(const trainer::Config& c, std::shared_ptr<data::Dataset> dataset, uint64_t init_seed) {
        manual_seed(init_seed);
        model = small_cnn();
        opt = trainer::make_optimizer(c, model->parameters());
        data::DataLoaderOptions options;
        options.batch_size = static_cast<size_t>(c.batch_size);
        options.shuffle = true;
        options.seed = c.seed;
        loader = std::make_unique<data::DataLoader>(dataset, options);
        schedule = trainer::make_schedule(c, *opt, static_cast<int64_t>(loader->size()));
    }

    // `steps` steps of the trainer's loop, from `progress` on.
    void train(int64_t steps) {
        while (steps > 0) {
            loader->set_epoch(static_cast<uint64_t>(progress.epoch));
            loader->set_start_batch(static_cast<size_t>(progress.batch));
            for (const data::Batch& b : *loader) {
                trainer::train_step(*model, *opt, schedule.get(), b.data, b.target);
                ++progress.batch;
                if (--steps == 0) break;
            }
            if (progress.batch == static_cast<int64_t>(loader->size())) {
                ++progress.epoch;
                progress.batch = 0;
            }
        }
    }
};

class TrainerResume : public ::testing::Test {
  protected:
    void SetUp() override {
        threads_ = get_num_threads();
        set_num_threads(1);  // bit-exactness does not need it; speed on a busy 2-core machine does
    }
    void TearDown() override { set_num_threads(threads_); }

  private:
    int threads_ = 1;
};

TEST_F(TrainerResume, CnnMidEpochResumeIsBitExact) {
    manual_seed(42);
    auto dataset = std::make_shared<data::TensorDataset>(rand({80, 1, 28, 28}), randint(0, 10, {80}));
    trainer::Config c;
    c.optimizer = "adam";
    c.lr = 3e-3;
    c.schedule = "onecycle";
    c.batch_size = 16;  // 5 batches an epoch
    c.epochs = 4;
    c.seed = 7;
    const int64_t n = 8;  // resume at batch 3 of epoch 1

    TrainerRun straight(c, dataset, 1);
    straight.train(2 * n);
    const std::vector<uint8_t> straight_rng = get_rng_state();  // after 2N steps of dropout

    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    {
        TrainerRun first(c, dataset, 1);
        first.train(n);
        ASSERT_EQ(first.progress.epoch, 1);
        ASSERT_EQ(first.progress.batch, 3);
        trainer::save_checkpoint(path, *first.model, *first.opt, first.schedule.get(), first.progress);
        // Draw from the generator after the save, as a process that goes on would: the resumed run
        // must get the generator back from the file, not from where this one left it.
        (void)randn({10});
    }
    TrainerRun resumed(c, dataset, 999);  // other initial weights: the checkpoint must replace them
    resumed.progress = trainer::load_checkpoint(path, "test", *resumed.model, *resumed.opt, resumed.schedule.get());
    EXPECT_EQ(resumed.progress.epoch, 1);
    EXPECT_EQ(resumed.progress.batch, 3);
    resumed.train(n);

    expect_identical(resumed.model->state_dict(), straight.model->state_dict(), "model");  // params + BN buffers
    expect_identical(resumed.opt->state_dict(), straight.opt->state_dict(), "optimizer");
    expect_identical(resumed.schedule->state_dict(), straight.schedule->state_dict(), "schedule");
    EXPECT_EQ(resumed.opt->get_lr(), straight.opt->get_lr());
    EXPECT_TRUE(get_rng_state() == straight_rng) << "the generator differs after the resumed run";
    EXPECT_EQ(resumed.model->state_dict().at("1.num_batches_tracked").item<int64_t>(), 2 * n);
}

TEST_F(TrainerResume, CheckpointsWithoutBatchResumeAtTheEpochStart) {
    // Checkpoints written before "progress/batch" existed hold the epoch only.
    trainer::Config c;
    c.lr = 0.05;  // run() turns the default -1 into the optimizer's usual rate
    auto dataset = std::make_shared<data::TensorDataset>(rand({8, 1, 28, 28}), randint(0, 10, {8}));
    TrainerRun run(c, dataset, 3);
    TempDir dir;
    const std::string path = dir.file("old.safetensors");
    io::save_checkpoint(path, {{"model", run.model->state_dict()},
                               {"optimizer", run.opt->state_dict()},
                               {"rng", io::rng_state_dict()},
                               {"progress", {{"epoch", io::int64_tensor(2)}}}});
    const trainer::Progress p = trainer::load_checkpoint(path, "mnist_cnn", *run.model, *run.opt, nullptr);
    EXPECT_EQ(p.epoch, 2);
    EXPECT_EQ(p.batch, 0);
    // A file without the trainer's parts is refused by name.
    io::save_checkpoint(path, {{"model", run.model->state_dict()}});
    EXPECT_ERROR(trainer::load_checkpoint(path, "mnist_cnn", *run.model, *run.opt, nullptr), "mnist_cnn", path,
                 "is not a checkpoint of this trainer");
}

// Writes an IDX file (big-endian dims after the magic 00 00 08 <ndims>) of uint8 values.
void write_idx(const std::string& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
    std::ofstream out(path, std::ios::binary);
    const char magic[4] = {0, 0, 0x08, static_cast<char>(dims.size())};
    out.write(magic, 4);
    for (uint32_t d : dims) {
        const char be[4] = {static_cast<char>(d >> 24), static_cast<char>(d >> 16), static_cast<char>(d >> 8),
                            static_cast<char>(d)};
        out.write(be, 4);
    }
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size()));
}

// Tiny MNIST-format data: 40 training and 10 test images of 28x28, random pixels and labels.
void write_tiny_mnist(const std::string& dir) {
    uint32_t state = 12345;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    for (const auto& [prefix, n] : {std::pair<std::string, uint32_t>{"train", 40}, {"t10k", 10}}) {
        std::vector<uint8_t> pixels(n * 28 * 28), labels(n);
        for (auto& p : pixels) p = static_cast<uint8_t>(next() >> 24);
        for (auto& l : labels) l = static_cast<uint8_t>((next() >> 16) % 10);
        write_idx(dir + "/" + prefix + "-images-idx3-ubyte", {n, 28, 28}, pixels);
        write_idx(dir + "/" + prefix + "-labels-idx1-ubyte", {n}, labels);
    }
}

int run_trainer(const trainer::Program& program, const trainer::Config& defaults, std::vector<std::string> args) {
    args.insert(args.begin(), program.name);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    return trainer::run(static_cast<int>(argv.size()), argv.data(), program, defaults);
}

// trainer::run straight for 3 epochs vs 1 epoch, then a resume to 3: the same checkpoint bytes.
void expect_run_resumes_exactly(const trainer::Program& program, const trainer::Config& defaults,
                                const std::vector<std::string>& flags) {
    TempDir dir;
    write_tiny_mnist(dir.path());
    const std::string straight = dir.file("straight.safetensors"), split = dir.file("split.safetensors");
    std::vector<std::string> common = {"--data", dir.path(), "--batch-size", "16", "--threads", "1",
                                       "--no-progress"};  // 3 batches an epoch, the last one short
    common.insert(common.end(), flags.begin(), flags.end());
    auto with = [&](std::vector<std::string> extra) {
        extra.insert(extra.begin(), common.begin(), common.end());
        return extra;
    };
    ASSERT_EQ(run_trainer(program, defaults, with({"--epochs", "3", "--save", straight})), 0);
    ASSERT_EQ(run_trainer(program, defaults, with({"--epochs", "1", "--save", split})), 0);
    ASSERT_EQ(run_trainer(program, defaults, with({"--epochs", "3", "--resume", split, "--save", split})), 0);
    const std::string a = read_bytes(straight), b = read_bytes(split);
    ASSERT_GT(a.size(), 0u);
    EXPECT_TRUE(a == b) << program.name << ": the resumed run's checkpoint differs from the straight run's";
    // The same, tensor by tensor, to name what differs when it does.
    const io::Checkpoint ca = io::load_checkpoint(straight), cb = io::load_checkpoint(split);
    for (const auto& [part, state] : ca.parts) expect_identical(cb.parts.at(part), state, part);
}

TEST_F(TrainerResume, MlpTrainerRunResumesBitExactly) {
    trainer::Program program;
    program.name = "mnist_mlp";
    program.description = "test";
    program.models = {"mlp"};
    program.make_model = [](const std::string&) { return small_mlp(); };
    trainer::Config defaults;  // mnist_mlp's: SGD with momentum
    defaults.model = "mlp";
    expect_run_resumes_exactly(program, defaults, {});
}

// The checkpoint records the seed and the batch size (the order of the batches depends on both):
// a resume that leaves the flags out continues with them, one that asks for others is refused.
TEST_F(TrainerResume, ResumeTakesTheSeedAndBatchSizeFromTheCheckpoint) {
    trainer::Program program;
    program.name = "mnist_mlp";
    program.description = "test";
    program.models = {"mlp"};
    program.make_model = [](const std::string&) { return small_mlp(); };
    trainer::Config defaults;
    defaults.model = "mlp";
    TempDir dir;
    write_tiny_mnist(dir.path());
    const std::string straight = dir.file("straight.safetensors"), split = dir.file("split.safetensors");
    const std::vector<std::string> common = {"--data", dir.path(), "--threads", "1", "--no-progress"};
    auto with = [&](std::vector<std::string> extra) {
        extra.insert(extra.begin(), common.begin(), common.end());
        return extra;
    };
    ASSERT_EQ(run_trainer(program, defaults, with({"--seed", "7", "--batch-size", "16", "--epochs", "2", "--save", straight})), 0);
    ASSERT_EQ(run_trainer(program, defaults, with({"--seed", "7", "--batch-size", "16", "--epochs", "1", "--save", split})), 0);
    const io::Checkpoint first = io::load_checkpoint(split);
    EXPECT_EQ(io::int64_value(first.parts.at("progress"), "seed"), 7);
    EXPECT_EQ(io::int64_value(first.parts.at("progress"), "batch_size"), 16);
    const std::string after_one_epoch = read_bytes(split);

    // Another seed or batch size on the command line: an error naming both values, nothing written.
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(run_trainer(program, defaults, with({"--seed", "8", "--epochs", "2", "--resume", split, "--save", split})), 1);
    const std::string seed_error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(seed_error.find("was trained with --seed 7, but this run asks for --seed 8"), std::string::npos) << seed_error;
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(run_trainer(program, defaults, with({"--batch-size", "8", "--epochs", "2", "--resume", split})), 1);
    const std::string batch_error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(batch_error.find("--batch-size 16"), std::string::npos) << batch_error;
    EXPECT_TRUE(read_bytes(split) == after_one_epoch) << "a refused resume must not touch the checkpoint";

    // Without the flags (the defaults would be seed 0, batch 128), the resume continues the run.
    ASSERT_EQ(run_trainer(program, defaults, with({"--epochs", "2", "--resume", split, "--save", split})), 0);
    EXPECT_TRUE(read_bytes(straight) == read_bytes(split)) << "the resumed run differs from the straight one";
}

TEST_F(TrainerResume, CnnTrainerRunResumesBitExactly) {
    trainer::Program program;
    program.name = "mnist_cnn";
    program.description = "test";
    program.models = {"cnn"};
    program.make_model = [](const std::string&) { return small_cnn(); };
    trainer::Config defaults;  // mnist_cnn's: Adam
    defaults.model = "cnn";
    defaults.optimizer = "adam";
    // StepLR halves the rate every 2 epochs whatever --epochs is (cosine and one-cycle stretch
    // over --epochs, so "1 epoch, then resume to 3" is a different schedule from "3 epochs").
    expect_run_resumes_exactly(program, defaults, {"--schedule", "step"});
}

#else
TEST(TrainerResume, NeedsCli11) { GTEST_SKIP() << "CLI11 (libcli11-dev) is not installed: no trainer to test"; }
#endif

}  // namespace
}  // namespace tinydl
