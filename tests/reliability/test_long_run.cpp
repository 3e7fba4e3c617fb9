// test_long_run.cpp — 2,000 training steps each of a small MLP and a small CNN, checking that
// the process's memory stays flat: every step's graph and the tensors it saved for backward are
// freed once backward has run, so step 2,000 holds exactly what step 100 held.
//
// What is measured, and why each number can be trusted:
//   - memory::stats() (tinydl's own allocator counters): allocated_bytes and live_blocks at the
//     end of an epoch must be *equal* after warm-up. An epoch end is a quiet point: the loop's
//     prefetch thread has been joined, the last batch, logits and loss are gone, and what is left
//     is the model, its gradients and the optimizer state. Any leak of a tensor per step shows up
//     here as bytes, whether or not a caching allocator sits under the counters.
//   - max_allocated_bytes (the peak within a step) must not grow after warm-up: a graph kept one
//     step too long would double it without changing the epoch-end numbers.
//   - the resident set from /proc/self/statm (current pages, not the monotonic ru_maxrss) may grow
//     by no more than a few MiB between step ~200 and step 2,000: this also sees memory outside
//     tinydl's allocator (std::vector scratch, nodes, the loader's queues).
//   - each step's loss.grad_fn() is watched through a weak_ptr: once the loss and logits are
//     gone the whole graph must be destroyed (no reference cycle keeps it alive).
// LeakSanitizer (scripts/sanitize.sh runs this file too) checks the rest at exit. Under
// AddressSanitizer the RSS check is skipped: its quarantine holds freed memory on purpose.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "tests/support/test_utils.h"

#if defined(__SANITIZE_ADDRESS__)
#define TINYDL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TINYDL_TEST_ASAN 1
#endif
#endif

namespace tinydl {
namespace {

constexpr int64_t kSteps = 2000;
constexpr int64_t kExamples = 256;
constexpr size_t kBatch = 16;  // 16 batches an epoch: 2,000 steps = exactly 125 epochs
constexpr int64_t kWarmupSteps = 96;       // "step ~100": the end of epoch 6
constexpr int64_t kRssFromStep = 208;      // "step ~200": the end of epoch 13
constexpr int64_t kRssSlackBytes = 4 << 20;

// The process's resident set now, in bytes (/proc/self/statm: size resident shared ..., in pages).
int64_t current_rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    int64_t size_pages = 0, resident_pages = 0;
    statm >> size_pages >> resident_pages;
    return resident_pages * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

struct LongRunReport {
    int64_t allocated_warm = 0, allocated_end = 0;
    int64_t live_warm = 0, live_end = 0;
    int64_t peak_warm = 0, peak_end = 0;  // the highest allocated_bytes within a step
    int64_t rss_from = 0, rss_end = 0;
    // Reported, not checked: they depend on whether the allocator caches freed blocks.
    int64_t reserved_warm = 0, reserved_end = 0;
    int64_t system_allocations_warm = 0, system_allocations_end = 0;
    int64_t graphs_alive = 0;             // steps whose graph outlived the step
    double seconds = 0;
};

// Trains `model` for kSteps steps on `loader` (kBatch-sized batches, 16 an epoch). The peak is
// measured from step 1 to kWarmupSteps (reset after the first step, once the optimizer state and
// gradients exist) and from kWarmupSteps to the end.
LongRunReport train(nn::Module& model, optim::Optimizer& opt, data::DataLoader& loader) {
    LongRunReport r;
    const auto start = std::chrono::steady_clock::now();
    int64_t step = 0;
    while (step < kSteps) {
        for (const data::Batch& b : loader) {
            std::weak_ptr<Node> graph;
            {
                Tensor logits = model(b.data);
                Tensor loss = nn::functional::cross_entropy(logits, b.target);
                graph = loss.grad_fn();
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
            // The loss and logits are gone: nothing may keep their graph alive.
            if (!graph.expired()) ++r.graphs_alive;
            ++step;
            if (step == 1) memory::reset_peak_stats();
            if (step == kWarmupSteps) {
                r.peak_warm = memory::stats().max_allocated_bytes;
                memory::reset_peak_stats();
            }
        }
        // An epoch end: the loader's prefetch thread is joined and the batch is gone.
        const memory::Stats s = memory::stats();
        if (step == kWarmupSteps) {
            r.allocated_warm = s.allocated_bytes;
            r.live_warm = s.live_blocks;
            r.reserved_warm = s.reserved_bytes;
            r.system_allocations_warm = s.system_allocations;
        }
        if (step == kRssFromStep) r.rss_from = current_rss_bytes();
    }
    const memory::Stats s = memory::stats();
    r.allocated_end = s.allocated_bytes;
    r.live_end = s.live_blocks;
    r.peak_end = s.max_allocated_bytes;
    r.reserved_end = s.reserved_bytes;
    r.system_allocations_end = s.system_allocations;
    r.rss_end = current_rss_bytes();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

void expect_flat(const char* what, const LongRunReport& r, int64_t peak_slack) {
    // Printed for docs/reliability.md ("Long runs").
    std::printf("[long run] %s: %lld steps in %.2f s; allocated %lld -> %lld bytes, live blocks %lld -> %lld, "
                "peak %lld -> %lld bytes, RSS %.1f -> %.1f MiB; reserved %lld -> %lld bytes, %lld system allocations after "
                "step %lld\n",
                what, static_cast<long long>(kSteps), r.seconds, static_cast<long long>(r.allocated_warm),
                static_cast<long long>(r.allocated_end), static_cast<long long>(r.live_warm),
                static_cast<long long>(r.live_end), static_cast<long long>(r.peak_warm),
                static_cast<long long>(r.peak_end), r.rss_from / 1048576.0, r.rss_end / 1048576.0,
                static_cast<long long>(r.reserved_warm), static_cast<long long>(r.reserved_end),
                static_cast<long long>(r.system_allocations_end - r.system_allocations_warm),
                static_cast<long long>(kWarmupSteps));
    EXPECT_GT(r.allocated_warm, 0) << what << ": the warm-up snapshot was never taken";
    EXPECT_EQ(r.allocated_end, r.allocated_warm) << what << ": allocated bytes at step " << kSteps
                                                 << " vs step " << kWarmupSteps;
    EXPECT_EQ(r.live_end, r.live_warm) << what << ": live storages at step " << kSteps << " vs step " << kWarmupSteps;
    EXPECT_GT(r.peak_warm, r.allocated_warm) << what << ": a step should allocate activations";
    EXPECT_LE(r.peak_end, r.peak_warm + peak_slack) << what << ": the peak within a step grew after warm-up";
    EXPECT_EQ(r.graphs_alive, 0) << what << ": steps whose autograd graph outlived the loss";
#ifndef TINYDL_TEST_ASAN
    EXPECT_GT(r.rss_from, 0);
    EXPECT_LE(r.rss_end - r.rss_from, kRssSlackBytes)
        << what << ": the resident set grew from " << r.rss_from << " bytes at step " << kRssFromStep << " to "
        << r.rss_end << " at step " << kSteps;
#endif
}

// One OpenMP thread: the test is about memory, and on a loaded 2-core machine every parallel
// region of the CNN waits for its second thread to be scheduled (21 s instead of 0.5 s for the
// 2,000 CNN steps, measured while other builds ran).
class LongRun : public ::testing::Test {
  protected:
    void SetUp() override {
        threads_ = get_num_threads();
        set_num_threads(1);
    }
    void TearDown() override { set_num_threads(threads_); }

  private:
    int threads_ = 1;
};

TEST_F(LongRun, MlpWithAdamKeepsMemoryFlat) {
    manual_seed(0);
    auto dataset = std::make_shared<data::TensorDataset>(randn({kExamples, 32}), randint(0, 10, {kExamples}));
    data::DataLoaderOptions options;
    options.batch_size = kBatch;
    options.shuffle = true;
    options.prefetch = true;  // the default: a thread per epoch, joined at the epoch's end
    data::DataLoader loader(dataset, options);
    nn::Sequential model{std::make_shared<nn::Linear>(32, 64), std::make_shared<nn::ReLU>(),
                         std::make_shared<nn::Dropout>(0.2),   std::make_shared<nn::Linear>(64, 64),
                         std::make_shared<nn::ReLU>(),         std::make_shared<nn::Linear>(64, 10)};
    optim::Adam opt(model.parameters(), optim::AdamOptions(1e-3));
    const LongRunReport r = train(model, opt, loader);
    // The prefetch thread may hold up to kPrefetchDepth + 1 batches ([16, 32] floats and [16]
    // int64s, rounded to 64-byte blocks) at the moment of a peak, depending on timing.
    const int64_t batch_bytes = 16 * 32 * 4 + 192;
    expect_flat("MLP 32-64-64-10, Adam, dropout", r, (data::DataLoader::kPrefetchDepth + 1) * batch_bytes);
}

TEST_F(LongRun, CnnWithSgdMomentumKeepsMemoryFlat) {
    manual_seed(1);
    auto dataset =
        std::make_shared<data::TensorDataset>(randn({kExamples, 1, 8, 8}), randint(0, 10, {kExamples}));
    data::DataLoaderOptions options;
    options.batch_size = kBatch;
    options.shuffle = true;
    options.prefetch = false;  // every step allocates the same tensors in the same order: exact peaks
    data::DataLoader loader(dataset, options);
    nn::Sequential model{std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).padding(1)),
                         std::make_shared<nn::BatchNorm2d>(4),
                         std::make_shared<nn::ReLU>(),
                         std::make_shared<nn::MaxPool2d>(2),
                         std::make_shared<nn::Flatten>(),
                         std::make_shared<nn::Dropout>(0.25),
                         std::make_shared<nn::Linear>(64, 10)};
    optim::SGD opt(model.parameters(), optim::SGDOptions(0.01).momentum(0.9));
    const LongRunReport r = train(model, opt, loader);
    expect_flat("CNN conv-BN-ReLU-maxpool-dropout-linear, SGD momentum", r, 0);
    // The BatchNorm buffers were updated in place every step, not replaced by new storages.
    EXPECT_EQ(model.state_dict().at("1.num_batches_tracked").item<int64_t>(), kSteps);
}

}  // namespace
}  // namespace tinydl
