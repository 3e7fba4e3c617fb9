// fuzz_checkpoint.cpp — libFuzzer target for what a trainer reads when it resumes: checkpoint
// bundles (src/io/checkpoint.cpp: parts, the "tinydl_parts" JSON list, the CRC-32), module
// state (src/io/module_io.cpp, nn::Module::load_state_dict), optimizer and LR-scheduler state
// (their load_state_dict parse keys like "state.0.exp_avg"), the RNG state and int64 values.
//
// Each input is read two ways:
//   1. as a checkpoint (io::load_checkpoint), whose parts are loaded into a fresh model, Adam
//      optimizer, StepLR scheduler and the global generator, as examples/mnist_trainer.h does;
//   2. as a plain safetensors file, handed whole to each of them (io::load for the module). A
//      checkpoint's CRC-32 makes most changes to its data fail early; this way the state
//      loaders also see arbitrary values.
// Whatever loaded is then used, as training would: one forward, backward, optimizer step and
// scheduler step, and a draw from the generator. Loaded state must never crash them.
#include <memory>

#include "fuzz/fuzz_common.h"
#include "tinydl/tinydl.h"

namespace {

using namespace tinydl;

struct Run {
    std::shared_ptr<nn::Sequential> model;
    std::unique_ptr<optim::Adam> optimizer;
    std::unique_ptr<optim::StepLR> scheduler;

    // The same model as the seed corpus's generator (corpus/make_seeds.cpp) makes.
    Run() {
        manual_seed(0);
        model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 3),
                                                 std::make_shared<nn::BatchNorm1d>(3),
                                                 std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(3, 2));
        optimizer = std::make_unique<optim::Adam>(model->parameters());
        scheduler = std::make_unique<optim::StepLR>(*optimizer, 2);
    }

    // One training step with whatever state was loaded; errors (say, a loaded value that an
    // op refuses) are fine, crashes are not.
    void train_step() {
        fuzz::expect_only_tinydl_errors([&] {
            optimizer->zero_grad();
            Tensor loss = (*model)(ones({2, 4})).pow(2).mean();
            loss.backward();
            optimizer->step();
            scheduler->step();
            (void)randn({3});
        });
    }
};

template <typename Fn> void each_part(const std::map<std::string, StateDict>& parts, const char* name, Fn&& fn) {
    auto it = parts.find(name);
    if (it != parts.end()) fuzz::expect_only_tinydl_errors([&] { fn(it->second); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::MemFile file;
    const std::string& path = file.write(data, size);

    {   // 1. As a checkpoint.
        Run run;
        fuzz::expect_only_tinydl_errors([&] {
            const io::Checkpoint c = io::load_checkpoint(path);
            each_part(c.parts, "model", [&](const StateDict& s) { run.model->load_state_dict(s); });
            each_part(c.parts, "optimizer", [&](const StateDict& s) { run.optimizer->load_state_dict(s); });
            each_part(c.parts, "scheduler", [&](const StateDict& s) { run.scheduler->load_state_dict(s); });
            each_part(c.parts, "rng", [&](const StateDict& s) { io::load_rng_state_dict(s); });
            each_part(c.parts, "progress", [&](const StateDict& s) {
                (void)io::int64_value(s, "epoch");
                (void)io::int64_value(s, "step");
            });
        });
        run.train_step();
    }
    {   // 2. As one state dict for everything.
        Run run;
        fuzz::expect_only_tinydl_errors([&] { (void)io::load(*run.model, path, /*strict=*/false); });
        fuzz::expect_only_tinydl_errors([&] {
            const StateDict s = io::load_safetensors(path);
            fuzz::expect_only_tinydl_errors([&] { run.optimizer->load_state_dict(s); });
            fuzz::expect_only_tinydl_errors([&] { run.scheduler->load_state_dict(s); });
            fuzz::expect_only_tinydl_errors([&] { io::load_rng_state_dict(s); });
        });
        run.train_step();
    }
    return 0;
}
