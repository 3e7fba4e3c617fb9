// test_end_to_end.cpp — the whole stack at once: a model, a loss, an optimizer, a DataLoader and
// a checkpoint, on synthetic data the test makes itself.
//
//  1. Training an MLP on a separable 3-class problem drives the loss below a threshold and the
//     accuracy near 100%.
//  2. Exact resume: N steps, save everything, load into fresh objects, N more steps gives the
//     same parameters, bit for bit, as 2N steps straight.
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

// Three Gaussian blobs in 8-D: class k is centred at 3 e_k.
std::shared_ptr<data::TensorDataset> blobs(int64_t n, uint64_t seed) {
    manual_seed(seed);
    Tensor y = randint(0, 3, {n});
    Tensor centres = zeros({3, 8});
    {
        NoGradGuard no_grad;
        for (int64_t k = 0; k < 3; ++k) centres.select(0, k).select(0, k).fill_(3.0);
    }
    Tensor x = randn({n, 8}) + centres.index_select(0, y);
    return std::make_shared<data::TensorDataset>(x, y);
}

std::shared_ptr<nn::Sequential> mlp() {
    return std::make_shared<nn::Sequential>(nn::Sequential{std::make_shared<nn::Linear>(8, 32), std::make_shared<nn::ReLU>(),
                                                           std::make_shared<nn::Dropout>(0.1), std::make_shared<nn::Linear>(32, 3)});
}

// Runs `steps` optimizer steps over the loader's epochs, starting at `epoch`, batch `batch`.
void train_steps(nn::Module& model, optim::Optimizer& opt, optim::LRScheduler& sched, data::DataLoader& loader,
                 int64_t steps, int64_t& epoch, int64_t& batch) {
    while (steps > 0) {
        loader.set_epoch(static_cast<uint64_t>(epoch));
        loader.set_start_batch(static_cast<size_t>(batch));
        for (const data::Batch& b : loader) {
            Tensor loss = nn::functional::cross_entropy(model(b.data), b.target);
            opt.zero_grad();
            loss.backward();
            opt.step();
            sched.step();
            ++batch;
            if (--steps == 0) break;
        }
        if (batch == static_cast<int64_t>(loader.size())) {
            ++epoch;
            batch = 0;
        }
    }
}

TEST(EndToEnd, MlpLearnsSeparableBlobs) {
    auto dataset = blobs(600, 7);
    manual_seed(1);
    auto model = mlp();
    optim::Adam opt(model->parameters(), optim::AdamOptions(1e-2));
    data::DataLoaderOptions options;
    options.batch_size = 32;
    options.shuffle = true;
    data::DataLoader loader(dataset, options);
    double first = -1, last = 0;
    for (int epoch = 0; epoch < 8; ++epoch) {
        double sum = 0;
        for (const data::Batch& b : loader) {
            Tensor loss = nn::functional::cross_entropy((*model)(b.data), b.target);
            opt.zero_grad();
            loss.backward();
            opt.step();
            sum += loss.item<double>();
        }
        last = sum / static_cast<double>(loader.size());
        if (first < 0) first = last;
    }
    EXPECT_LT(last, 0.1) << "first epoch " << first;
    EXPECT_LT(last, first / 5);
    NoGradGuard no_grad;
    model->eval();
    auto all = dataset->get_batch([&] {
        std::vector<size_t> idx(dataset->size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        return idx;
    }());
    const double accuracy = eq((*model)(all.data).argmax(1), all.target).to(kFloat64).mean().item<double>();
    EXPECT_GT(accuracy, 0.97);
}

TEST(EndToEnd, ResumeIsBitExact) {
    auto dataset = blobs(200, 3);
    data::DataLoaderOptions options;
    options.batch_size = 16;
    options.shuffle = true;
    options.seed = 11;
    const int64_t n = 17;  // not a multiple of the 13 batches per epoch: resume lands mid-epoch

    // 2N steps straight.
    manual_seed(5);
    auto straight = mlp();
    optim::SGD opt_a(straight->parameters(), optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
    optim::CosineAnnealingLR sched_a(opt_a, 40);
    data::DataLoader loader_a(dataset, options);
    int64_t epoch = 0, batch = 0;
    train_steps(*straight, opt_a, sched_a, loader_a, 2 * n, epoch, batch);

    // N steps, save, load into fresh objects, N more steps.
    const std::string path = (std::filesystem::temp_directory_path() / ("tinydl_resume_" + std::to_string(::getpid()) + ".safetensors")).string();
    {
        manual_seed(5);
        auto model = mlp();
        optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
        optim::CosineAnnealingLR sched(opt, 40);
        data::DataLoader loader(dataset, options);
        int64_t e = 0, b = 0;
        train_steps(*model, opt, sched, loader, n, e, b);
        io::save_checkpoint(path, {{"model", model->state_dict()},
                                   {"optimizer", opt.state_dict()},
                                   {"schedule", sched.state_dict()},
                                   {"rng", io::rng_state_dict()},
                                   {"progress", {{"epoch", io::int64_tensor(e)}, {"batch", io::int64_tensor(b)}}}});
    }
    manual_seed(999);  // the fresh objects start from different values: the checkpoint must fix them
    auto resumed = mlp();
    optim::SGD opt_b(resumed->parameters(), optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
    optim::CosineAnnealingLR sched_b(opt_b, 40);
    data::DataLoader loader_b(dataset, options);
    const io::Checkpoint ckpt = io::load_checkpoint(path);
    resumed->load_state_dict(ckpt.parts.at("model"));
    opt_b.load_state_dict(ckpt.parts.at("optimizer"));
    sched_b.load_state_dict(ckpt.parts.at("schedule"));
    io::load_rng_state_dict(ckpt.parts.at("rng"));
    int64_t e = io::int64_value(ckpt.parts.at("progress"), "epoch");
    int64_t b = io::int64_value(ckpt.parts.at("progress"), "batch");
    train_steps(*resumed, opt_b, sched_b, loader_b, n, e, b);
    std::filesystem::remove(path);

    const auto pa = straight->named_parameters(), pb = resumed->named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
        const Tensor x = pa[i].second.contiguous(), y = pb[i].second.contiguous();
        ASSERT_EQ(x.numel(), y.numel());
        EXPECT_EQ(std::memcmp(x.data_ptr<float>(), y.data_ptr<float>(), x.nbytes()), 0) << pa[i].first << " differs";
    }
    EXPECT_EQ(opt_a.get_lr(), opt_b.get_lr());
}

}  // namespace
}  // namespace tinydl
