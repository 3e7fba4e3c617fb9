// mnist_trainer.h — the training program shared by mnist_mlp and mnist_cnn: command line,
// data, the epoch loop, evaluation, metrics, checkpoints and exact resume. Each trainer only
// says which models it offers (and how to augment a batch, if it does). The pieces the loop is
// made of (train_step, save_checkpoint, load_checkpoint) are tested one by one and through run()
// in tests/train/test_trainer_resume.cpp.
//
// The loop is the one a PyTorch user writes:
//     for batch in loader: logits = model(x); loss = cross_entropy(logits, y)
//                          opt.zero_grad(); loss.backward(); opt.step(); schedule.step()
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "tinydl/tinydl.h"

namespace trainer {

using namespace tinydl;

struct Config {
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::string model;  // set by the trainer: its default model
    int epochs = 5;
    int batch_size = 128;
    double lr = -1;  // -1: the optimizer's usual value (SGD 0.05, Adam/AdamW 1e-3)
    std::string optimizer = "sgd";
    std::string schedule = "none";
    uint64_t seed = 0;
    int threads = 0;  // 0: keep the default (all cores)
    std::string save, resume, metrics, export_dot, device = "cpu";
    bool no_progress = false, augment = false;
};

struct Program {
    const char* name;
    const char* description;
    std::vector<std::string> models;                                          // --model choices
    std::function<std::shared_ptr<nn::Module>(const std::string&)> make_model;
    std::function<Tensor(const Tensor&)> augment;                             // for --augment; may be empty
};

inline std::unique_ptr<optim::Optimizer> make_optimizer(const Config& c, const std::vector<Tensor>& params) {
    if (c.optimizer == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions(c.lr).momentum(0.9));
    if (c.optimizer == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(c.lr));
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(c.lr));
}

// Per-step schedules over the whole run; "none" keeps the learning rate constant.
inline std::unique_ptr<optim::LRScheduler> make_schedule(const Config& c, optim::Optimizer& opt, int64_t steps_per_epoch) {
    const int64_t total = steps_per_epoch * c.epochs;
    if (c.schedule == "cosine") return std::make_unique<optim::CosineAnnealingLR>(opt, total);
    if (c.schedule == "onecycle") return std::make_unique<optim::OneCycleLR>(opt, c.lr, total);
    if (c.schedule == "step") return std::make_unique<optim::StepLR>(opt, steps_per_epoch * 2, 0.5);
    return nullptr;
}

// Where a run stands: `epoch` epochs done, plus `batch` batches of the next one (the trainer
// saves at epoch ends, batch 0; a mid-epoch checkpoint resumes mid-epoch just as well).
// A checkpoint also records what the order of the batches depends on, the seed and the batch
// size: resuming with another one would silently train on another sequence of batches.
struct Progress {
    int64_t epoch = 0;
    int64_t batch = 0;
    std::optional<uint64_t> seed;        // empty: not recorded (older checkpoints)
    std::optional<int64_t> batch_size;
};

// Everything the rest of the run depends on, so that --resume continues bit for bit: the model's
// parameters and buffers (BatchNorm statistics), the optimizer's state (step counts, moments),
// the schedule, the global generator (dropout, augmentation) and the position in the data. The
// data order needs no state of its own: the DataLoader draws epoch e's order from (seed, e).
inline void save_checkpoint(const std::string& path, nn::Module& model, const optim::Optimizer& opt,
                            const optim::LRScheduler* schedule, Progress progress) {
    std::map<std::string, StateDict> parts{{"model", model.state_dict()},
                                           {"optimizer", opt.state_dict()},
                                           {"rng", io::rng_state_dict()},
                                           {"progress", {{"epoch", io::int64_tensor(progress.epoch)},
                                                         {"batch", io::int64_tensor(progress.batch)}}}};
    // The seed is stored as int64 bits: a seed above 2^63 comes back as the same uint64.
    if (progress.seed) parts["progress"]["seed"] = io::int64_tensor(static_cast<int64_t>(*progress.seed));
    if (progress.batch_size) parts["progress"]["batch_size"] = io::int64_tensor(*progress.batch_size);
    if (schedule) parts["schedule"] = schedule->state_dict();
    io::save_checkpoint(path, parts);
}

namespace detail {
inline void check_is_trainer_checkpoint(const io::Checkpoint& ckpt, const std::string& path,
                                        const std::string& program_name) {
    TINYDL_CHECK(ckpt.parts.count("model") && ckpt.parts.count("optimizer") && ckpt.parts.count("progress"),
                 program_name, path, " is not a checkpoint of this trainer (it needs the parts model, optimizer, progress)");
}
inline Progress progress_of(const io::Checkpoint& ckpt) {
    const StateDict& progress = ckpt.parts.at("progress");
    Progress p;
    p.epoch = io::int64_value(progress, "epoch");
    if (progress.count("batch")) p.batch = io::int64_value(progress, "batch");
    if (progress.count("seed")) p.seed = static_cast<uint64_t>(io::int64_value(progress, "seed"));
    if (progress.count("batch_size")) p.batch_size = io::int64_value(progress, "batch_size");
    return p;
}
}  // namespace detail

// Only the progress part of a checkpoint: what run() needs before it builds the data loader.
inline Progress read_progress(const std::string& path, const std::string& program_name) {
    const io::Checkpoint ckpt = io::load_checkpoint(path);
    detail::check_is_trainer_checkpoint(ckpt, path, program_name);
    return detail::progress_of(ckpt);
}

// The inverse of save_checkpoint, into objects built as for a fresh run. Checkpoints without
// "batch" (older ones) resume at the start of their epoch.
inline Progress load_checkpoint(const std::string& path, const std::string& program_name, nn::Module& model,
                                optim::Optimizer& opt, optim::LRScheduler* schedule) {
    const io::Checkpoint ckpt = io::load_checkpoint(path);
    detail::check_is_trainer_checkpoint(ckpt, path, program_name);
    model.load_state_dict(ckpt.parts.at("model"));
    opt.load_state_dict(ckpt.parts.at("optimizer"));
    if (schedule && ckpt.parts.count("schedule")) schedule->load_state_dict(ckpt.parts.at("schedule"));
    if (ckpt.parts.count("rng")) io::load_rng_state_dict(ckpt.parts.at("rng"));
    return detail::progress_of(ckpt);
}

// One optimization step on a batch already on the model's device: forward, loss, backward,
// update, schedule. Returns the loss and the logits (detached). `export_dot`, when non-empty,
// receives the graph of this step, and is then cleared (one step is enough).
struct StepResult {
    Tensor loss;    // 0-dim, detached
    Tensor logits;  // detached
};
inline StepResult train_step(nn::Module& model, optim::Optimizer& opt, optim::LRScheduler* schedule, const Tensor& x,
                             const Tensor& y, std::string* export_dot = nullptr) {
    Tensor logits = model(x);
    Tensor loss = nn::functional::cross_entropy(logits, y);
    if (export_dot && !export_dot->empty()) {
        std::ofstream(*export_dot) << train::to_dot(loss, model.named_parameters());
        std::cout << "wrote the autograd graph of one step to " << *export_dot << " (render: dot -Tsvg "
                  << *export_dot << " -o graph.svg)\n";
        export_dot->clear();
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (schedule) schedule->step();
    return {loss.detach(), logits.detach()};
}

// Fraction of correct predictions on the whole test set, in batches of 1000.
inline double evaluate(nn::Module& model, const data::datasets::MNIST& test, Device device) {
    NoGradGuard no_grad;
    model.eval();
    const Tensor images = test.images(), targets = test.targets();
    int64_t correct = 0;
    for (int64_t i = 0; i < images.size(0); i += 1000) {
        const int64_t n = std::min<int64_t>(1000, images.size(0) - i);
        Tensor logits = model(images.narrow(0, i, n).to(device));
        correct += eq(logits.argmax(1), targets.narrow(0, i, n).to(device)).sum().item<int64_t>();
    }
    model.train();
    return static_cast<double>(correct) / static_cast<double>(images.size(0));
}

inline int run(int argc, char** argv, const Program& program, Config c) {
    CLI::App app{program.description};
    app.add_option("--data", c.data, "directory with the four MNIST IDX files (plain or .gz)")->capture_default_str();
    if (program.models.size() > 1)
        app.add_option("--model", c.model, "which model to train")->capture_default_str()->check(CLI::IsMember(program.models));
    app.add_option("--epochs", c.epochs, "epochs to train (in total, when resuming)")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--batch-size", c.batch_size, "mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--lr", c.lr, "learning rate (default: 0.05 for sgd, 1e-3 for adam/adamw)");
    app.add_option("--optimizer", c.optimizer, "sgd (momentum 0.9) | adam | adamw")->capture_default_str()->check(CLI::IsMember({"sgd", "adam", "adamw"}));
    app.add_option("--schedule", c.schedule, "learning-rate schedule: none | step | cosine | onecycle")->capture_default_str()->check(CLI::IsMember({"none", "step", "cosine", "onecycle"}));
    app.add_option("--seed", c.seed, "seed for initialisation and data order")->capture_default_str();
    app.add_option("--threads", c.threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
    app.add_option("--save", c.save, "write a checkpoint (model, optimizer, schedule, RNG, epoch) here after each epoch");
    app.add_option("--resume", c.resume, "continue from this checkpoint");
    app.add_option("--metrics", c.metrics, "append per-epoch metrics to this .csv or .jsonl file");
    app.add_option("--device", c.device, "cpu | cuda | cuda:N")->capture_default_str();
    if (program.augment) app.add_flag("--augment", c.augment, "random crop (padding 2) and horizontal flip of training images");
    app.add_option("--export-dot", c.export_dot, "write the autograd graph of one training step as Graphviz DOT");
    app.add_flag("--no-progress", c.no_progress, "no progress bar");
    CLI11_PARSE(app, argc, argv);
    if (c.lr < 0) c.lr = c.optimizer == "sgd" ? 0.05 : 1e-3;

    try {
        if (c.threads > 0) set_num_threads(c.threads);
        const Device device(c.device);
        if (!c.resume.empty()) {
            // The batches' order depends on the seed and the batch size: a resumed run takes the
            // checkpoint's, and a flag that asks for other ones is an error, not a silent change.
            const Progress saved = read_progress(c.resume, program.name);
            auto adopt = [&](const char* flag, const auto& recorded, auto& value) {
                if (!recorded) return;
                TINYDL_CHECK(app.count(flag) == 0 || static_cast<int64_t>(value) == static_cast<int64_t>(*recorded),
                             program.name, c.resume, " was trained with ", flag, " ", *recorded, ", but this run asks for ",
                             flag, " ", value, ", which would change the order of the batches; leave ", flag,
                             " out to continue with ", *recorded);
                value = static_cast<std::remove_reference_t<decltype(value)>>(*recorded);
            };
            adopt("--seed", saved.seed, c.seed);
            adopt("--batch-size", saved.batch_size, c.batch_size);
        }
        manual_seed(c.seed);

        auto train_set = std::make_shared<data::datasets::MNIST>(c.data, /*train=*/true);
        const data::datasets::MNIST test_set(c.data, /*train=*/false);
        data::DataLoaderOptions loader_options;
        loader_options.batch_size = static_cast<size_t>(c.batch_size);
        loader_options.shuffle = true;
        loader_options.seed = c.seed;
        data::DataLoader loader(train_set, loader_options);

        std::shared_ptr<nn::Module> model = program.make_model(c.model);
        model->to(device);
        auto opt = make_optimizer(c, model->parameters());
        auto schedule = make_schedule(c, *opt, static_cast<int64_t>(loader.size()));

        Progress start;
        if (!c.resume.empty()) {
            start = load_checkpoint(c.resume, program.name, *model, *opt, schedule.get());
            TINYDL_CHECK(start.batch >= 0 && start.batch < static_cast<int64_t>(loader.size()), program.name, c.resume,
                         ": progress/batch is ", start.batch, " but an epoch has ", loader.size(), " batches");
            std::cout << "resumed from " << c.resume << " after epoch " << start.epoch;
            if (start.batch > 0) std::cout << " and " << start.batch << " batches";
            std::cout << "\n";
        }
        std::cout << train::summary(*model, {1, 1, 28, 28}) << "\n"
                  << "training on " << train_set->size() << " images from " << c.data << ", testing on " << test_set.size()
                  << "; " << c.optimizer << " lr " << c.lr << ", batch " << c.batch_size << ", " << get_num_threads() << " threads\n";

        std::unique_ptr<train::MetricsLogger> log;
        if (!c.metrics.empty()) log = std::make_unique<train::MetricsLogger>(c.metrics, /*append=*/!c.resume.empty());
        double accuracy = 0;
        for (int epoch = static_cast<int>(start.epoch); epoch < c.epochs; ++epoch) {
            const auto start_time = std::chrono::steady_clock::now();
            loader.set_epoch(static_cast<uint64_t>(epoch));
            const int64_t first_batch = epoch == start.epoch ? start.batch : 0;  // mid-epoch resume
            loader.set_start_batch(static_cast<size_t>(first_batch));
            train::ProgressBarOptions bar_options;
            bar_options.enabled = !c.no_progress;
            train::ProgressBar bar(static_cast<int64_t>(loader.size()) - first_batch,
                                   "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs), bar_options);
            double loss_sum = 0;
            int64_t correct = 0, seen = 0;
            for (const data::Batch& batch : loader) {
                Tensor x = c.augment ? program.augment(batch.data) : batch.data;
                x = x.to(device);
                const Tensor y = batch.target.to(device);
                const StepResult step = train_step(*model, *opt, schedule.get(), x, y, &c.export_dot);
                loss_sum += step.loss.item<double>() * static_cast<double>(y.numel());
                correct += eq(step.logits.argmax(1), y).sum().item<int64_t>();
                seen += y.numel();
                bar.update(1, {{"loss", loss_sum / seen}, {"acc", static_cast<double>(correct) / seen}});
            }
            bar.close();
            accuracy = evaluate(*model, test_set, device);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
            std::printf("epoch %d/%d: train loss %.4f, train accuracy %.2f%%, test accuracy %.2f%%, %.1f s\n", epoch + 1,
                        c.epochs, loss_sum / seen, 100.0 * correct / seen, 100.0 * accuracy, seconds);
            std::fflush(stdout);
            if (log) {
                train::MetricsRow row;
                row.epoch = epoch + 1;
                row.step = static_cast<int64_t>((epoch + 1) * loader.size());
                row.loss = loss_sum / seen;
                row.accuracy = accuracy;
                row.lr = opt->get_lr();
                row.seconds = seconds;
                log->log(row);
            }
            if (!c.save.empty()) save_checkpoint(c.save, *model, *opt, schedule.get(), {epoch + 1, 0, c.seed, c.batch_size});
        }
        std::printf("test accuracy: %.2f%%\n", 100.0 * accuracy);
    } catch (const Error& e) {
        std::cerr << program.name << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace trainer
