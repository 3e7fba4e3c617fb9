// test_dataloader.cpp — Dataset, TensorDataset and DataLoader: coverage of every example per
// epoch, reproducible shuffles, the epoch counter, resume, prefetch, early exit and errors.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "tests/support/test_utils.h"

using namespace tinydl;
using namespace std::chrono_literals;

namespace {

// n examples: data[i] = [i, -i] (float32), target[i] = 10 i (int64). The pairing lets every
// test check that data and target stay together.
std::shared_ptr<data::TensorDataset> numbered(int64_t n) {
    Tensor i = arange(n, kInt64);
    Tensor x = stack({i.to(kFloat32), -i.to(kFloat32)}, 1);
    return std::make_shared<data::TensorDataset>(x, i * 10);
}

// The example ids of one batch, checked for the data/target pairing on the way.
std::vector<int64_t> ids_of(const data::Batch& b) {
    EXPECT_EQ(b.data.dim(), 2);
    EXPECT_EQ(b.target.dim(), 1);
    std::vector<int64_t> ids;
    const auto x = b.data.to_vector<float>();
    const auto t = b.target.to_vector<int64_t>();
    for (size_t k = 0; k < t.size(); ++k) {
        EXPECT_EQ(x[2 * k], static_cast<float>(t[k] / 10));
        EXPECT_EQ(x[2 * k + 1], -static_cast<float>(t[k] / 10));
        ids.push_back(t[k] / 10);
    }
    return ids;
}

// One full loop: the batches as lists of example ids.
std::vector<std::vector<int64_t>> run_epoch(data::DataLoader& loader) {
    std::vector<std::vector<int64_t>> batches;
    for (const data::Batch& b : loader) batches.push_back(ids_of(b));
    return batches;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
    std::vector<int64_t> all;
    for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    return all;
}

// Runs fn on a thread; if it is not done within `seconds`, the test fails and the process
// exits, instead of hanging the whole test run on a deadlock.
void within(double seconds, const std::function<void()>& fn) {
    std::promise<void> done;
    auto finished = done.get_future();
    std::thread t([&] {
        try {
            fn();
        } catch (...) {
            done.set_exception(std::current_exception());
            return;
        }
        done.set_value();
    });
    if (finished.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready) {
        ADD_FAILURE() << "timed out after " << seconds << " s (deadlock?)";
        std::fflush(nullptr);
        std::_Exit(1);
    }
    t.join();
    finished.get();  // rethrows what fn threw
}

// A data set with only get(): exercises Dataset's default get_batch (get each, stack). It can
// be made slow, and made to throw at one index.
struct SlowDataset : data::Dataset {
    size_t n;
    std::chrono::milliseconds delay{0};
    size_t throw_at = SIZE_MAX;
    mutable std::atomic<size_t> gets{0};
    explicit SlowDataset(size_t n) : n(n) {}
    size_t size() const override { return n; }
    data::Example get(size_t i) const override {
        ++gets;
        if (delay.count() > 0) std::this_thread::sleep_for(delay);
        TINYDL_CHECK(i != throw_at, "SlowDataset", "cannot read example ", i);
        const auto v = static_cast<int64_t>(i);
        return {tensor({static_cast<float>(v), -static_cast<float>(v)}), scalar_tensor(v * 10, kInt64)};
    }
};

}  // namespace

// ---- TensorDataset and the default get_batch ----------------------------------------------------

TEST(TensorDataset, ExamplesAndBatches) {
    auto ds = numbered(5);
    EXPECT_EQ(ds->size(), 5u);
    data::Example e = ds->get(3);
    EXPECT_EQ(e.data.sizes().vec(), (std::vector<int64_t>{2}));
    EXPECT_EQ(e.data.to_vector<float>(), (std::vector<float>{3, -3}));
    EXPECT_EQ(e.target.dim(), 0);
    EXPECT_EQ(e.target.item<int64_t>(), 30);
    data::Batch b = ds->get_batch({4, 0, 4});  // any order, repeats allowed
    EXPECT_EQ(b.data.sizes().vec(), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{40, 0, 40}));
}

TEST(TensorDataset, WithoutTargets) {
    data::TensorDataset ds(arange(6, kFloat32).view({3, 2}));
    EXPECT_FALSE(ds.get(1).target.defined());
    data::Batch b = ds.get_batch({2, 1});
    EXPECT_FALSE(b.target.defined());
    EXPECT_EQ(b.data.to_vector<float>(), (std::vector<float>{4, 5, 2, 3}));
}

TEST(TensorDataset, Errors) {
    EXPECT_ERROR(data::TensorDataset(zeros({4, 3}), zeros({5})), "TensorDataset", "Size mismatch", "[4, 3]", "[5]");
    EXPECT_ERROR(data::TensorDataset(zeros({4, 3}), scalar_tensor(1)), "TensorDataset", "[4, 3]", "[]");
    EXPECT_ERROR(data::TensorDataset(scalar_tensor(1.0)), "TensorDataset", "0-dim");
    auto ds = numbered(5);
    EXPECT_THROW(ds->get(5), IndexError);
    EXPECT_ERROR(ds->get(5), "TensorDataset", "index 5", "size 5");
    EXPECT_ERROR(ds->get_batch({1, 7}), "TensorDataset", "index 7", "size 5");
}

TEST(Dataset, DefaultGetBatchStacks) {
    SlowDataset ds(4);
    data::Batch b = ds.get_batch({3, 1});
    EXPECT_EQ(b.data.sizes().vec(), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(b.data.to_vector<float>(), (std::vector<float>{3, -3, 1, -1}));
    EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{30, 10}));
    EXPECT_ERROR(ds.get_batch({}), "get_batch", "at least one index");
}

// ---- coverage and batch sizes ---------------------------------------------------------------------

struct CoverageCase {
    bool shuffle, drop_last, prefetch;
};

class DataLoaderCoverage : public ::testing::TestWithParam<CoverageCase> {};

TEST_P(DataLoaderCoverage, EveryExampleOncePerEpoch) {
    const CoverageCase c = GetParam();
    const int64_t n = 10;
    data::DataLoader loader(numbered(n), {.batch_size = 3, .shuffle = c.shuffle, .drop_last = c.drop_last,
                                          .seed = 7, .prefetch = c.prefetch});
    EXPECT_EQ(loader.size(), c.drop_last ? 3u : 4u);
    for (int epoch = 0; epoch < 3; ++epoch) {
        const auto batches = run_epoch(loader);
        ASSERT_EQ(batches.size(), loader.size());
        for (size_t k = 0; k < batches.size(); ++k)
            EXPECT_EQ(batches[k].size(), k == 3 ? 1u : 3u) << "batch " << k;  // last partial batch: 10 = 3+3+3+1
        std::vector<int64_t> all = flat(batches);
        // The loop followed indices(epoch), and (without drop_last) covered 0..n-1 exactly once.
        std::vector<size_t> expected = loader.indices(epoch);
        expected.resize(all.size());
        EXPECT_EQ(std::vector<int64_t>(expected.begin(), expected.end()), all);
        const std::set<int64_t> unique(all.begin(), all.end());
        EXPECT_EQ(unique.size(), all.size()) << "an example appeared twice";
        if (!c.drop_last) EXPECT_EQ(unique.size(), static_cast<size_t>(n));
        if (!c.shuffle) EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
    }
    EXPECT_EQ(loader.epoch(), 3u);
}

INSTANTIATE_TEST_SUITE_P(All, DataLoaderCoverage,
                         ::testing::Values(CoverageCase{false, false, false}, CoverageCase{false, false, true},
                                           CoverageCase{false, true, true}, CoverageCase{true, false, false},
                                           CoverageCase{true, false, true}, CoverageCase{true, true, false},
                                           CoverageCase{true, true, true}),
                         [](const auto& info) {
                             const CoverageCase& c = info.param;
                             return std::string(c.shuffle ? "shuffle" : "sequential") +
                                    (c.drop_last ? "_drop_last" : "_keep_last") + (c.prefetch ? "_prefetch" : "_inline");
                         });

TEST(DataLoader, SizeAndExactMultiple) {
    data::DataLoader exact(numbered(9), {.batch_size = 3});
    EXPECT_EQ(exact.size(), 3u);
    data::DataLoader big(numbered(5), {.batch_size = 8});
    EXPECT_EQ(big.size(), 1u);
    data::DataLoader dropped(numbered(5), {.batch_size = 8, .drop_last = true});
    EXPECT_EQ(dropped.size(), 0u);
    EXPECT_TRUE(run_epoch(dropped).empty());
    EXPECT_EQ(run_epoch(big), (std::vector<std::vector<int64_t>>{{0, 1, 2, 3, 4}}));
}

TEST(DataLoader, EmptyDatasetGivesNoBatches) {
    auto empty = std::make_shared<data::TensorDataset>(zeros({0, 2}), zeros({0}, kInt64));
    for (bool prefetch : {false, true}) {
        data::DataLoader loader(empty, {.batch_size = 4, .shuffle = true, .prefetch = prefetch});
        EXPECT_EQ(loader.size(), 0u);
        int count = 0;
        for (const auto& b : loader) count += static_cast<int>(b.data.size(0)) + 1;
        EXPECT_EQ(count, 0);
        EXPECT_EQ(loader.epoch(), 1u);  // an empty epoch still completes
    }
}

TEST(DataLoader, BatchSizeZeroIsAnError) {
    EXPECT_ERROR(data::DataLoader(numbered(3), {.batch_size = 0}), "DataLoader", "batch_size", "got batch_size=0");
    EXPECT_ERROR(data::DataLoader(nullptr), "DataLoader", "null");
}

// ---- order: reproducible, per epoch, independent of the global generator ----------------------

TEST(DataLoader, SameSeedAndEpochSameOrder) {
    data::DataLoader a(numbered(50), {.batch_size = 4, .shuffle = true, .seed = 3});
    data::DataLoader b(numbered(50), {.batch_size = 4, .shuffle = true, .seed = 3, .prefetch = false});
    data::DataLoader other_seed(numbered(50), {.batch_size = 4, .shuffle = true, .seed = 4});
    EXPECT_EQ(a.indices(0), b.indices(0));
    EXPECT_EQ(a.indices(5), b.indices(5));
    EXPECT_NE(a.indices(0), a.indices(1));           // a new permutation each epoch
    EXPECT_NE(a.indices(0), other_seed.indices(0));  // and per seed
    EXPECT_EQ(run_epoch(a), run_epoch(b));           // prefetch on/off: identical batches
    EXPECT_EQ(run_epoch(a), run_epoch(b));
}

TEST(DataLoader, OrderIsStableAcrossRunsAndBuilds) {
    // A recorded permutation: if this changes, saved runs no longer resume on the same batches.
    data::DataLoader loader(numbered(10), {.shuffle = true, .seed = 0});
    const std::vector<size_t> expected = {4, 7, 3, 8, 6, 5, 2, 9, 0, 1};
    EXPECT_EQ(loader.indices(0), expected);
}

TEST(DataLoader, OrderIgnoresTheGlobalGenerator) {
    data::DataLoader loader(numbered(20), {.batch_size = 5, .shuffle = true, .seed = 11});
    manual_seed(1);
    const auto order1 = flat(run_epoch(loader));
    const float after = randn({1}).item<float>();
    manual_seed(1);
    const float before = randn({1}).item<float>();
    EXPECT_EQ(after, before) << "the loader drew from the global generator";
    manual_seed(999);
    loader.set_epoch(0);
    EXPECT_EQ(flat(run_epoch(loader)), order1) << "the global seed changed the data order";
}

// ---- epoch counter and resume ---------------------------------------------------------------------

TEST(DataLoader, FullLoopsAdvanceTheEpoch) {
    data::DataLoader loader(numbered(12), {.batch_size = 5, .shuffle = true, .seed = 2});
    EXPECT_EQ(loader.epoch(), 0u);
    const auto e0 = flat(run_epoch(loader));
    EXPECT_EQ(loader.epoch(), 1u);
    const auto e1 = flat(run_epoch(loader));
    EXPECT_EQ(loader.epoch(), 2u);
    EXPECT_NE(e0, e1);
    // set_epoch before every epoch gives the same orders as never calling it.
    data::DataLoader manual(numbered(12), {.batch_size = 5, .shuffle = true, .seed = 2});
    manual.set_epoch(1);
    EXPECT_EQ(flat(run_epoch(manual)), e1);
    manual.set_epoch(0);
    EXPECT_EQ(flat(run_epoch(manual)), e0);
    EXPECT_EQ(manual.epoch(), 1u);
}

TEST(DataLoader, BreakDoesNotAdvanceTheEpoch) {
    data::DataLoader loader(numbered(12), {.batch_size = 5, .shuffle = true, .seed = 2});
    std::vector<int64_t> first;
    for (const auto& b : loader) {
        first = ids_of(b);
        break;
    }
    EXPECT_EQ(loader.epoch(), 0u);
    EXPECT_EQ(run_epoch(loader).front(), first);  // replayed from its start
}

TEST(DataLoader, StartBatchResumesMidEpoch) {
    for (bool prefetch : {false, true}) {
        data::DataLoader loader(numbered(23), {.batch_size = 4, .shuffle = true, .seed = 5, .prefetch = prefetch});
        loader.set_epoch(3);
        const auto full = run_epoch(loader);  // 6 batches
        ASSERT_EQ(full.size(), 6u);

        data::DataLoader resumed(numbered(23), {.batch_size = 4, .shuffle = true, .seed = 5, .prefetch = prefetch});
        resumed.set_epoch(3);
        resumed.set_start_batch(4);
        const auto rest = run_epoch(resumed);
        EXPECT_EQ(rest, std::vector<std::vector<int64_t>>(full.begin() + 4, full.end()));
        EXPECT_EQ(resumed.epoch(), 4u);
        EXPECT_EQ(run_epoch(resumed).size(), 6u);  // the start batch applies to one loop only

        resumed.set_epoch(0);
        resumed.set_start_batch(6);  // == size(): nothing left, the epoch just completes
        EXPECT_TRUE(run_epoch(resumed).empty());
        EXPECT_EQ(resumed.epoch(), 1u);
        EXPECT_ERROR(resumed.set_start_batch(7), "set_start_batch", "batch 7", "6 batches");
    }
}

// ---- prefetch thread: early exit, destruction, errors ---------------------------------------------

TEST(DataLoader, EarlyBreakDoesNotHang) {
    auto slow = std::make_shared<SlowDataset>(64);
    slow->delay = 2ms;
    within(10, [&] {
        data::DataLoader loader(slow, {.batch_size = 4});
        // Worker mid-batch when the loop leaves.
        for (const auto& b : loader) {
            (void)b;
            break;
        }
        // Worker blocked on a full queue when the loop leaves.
        for (const auto& b : loader) {
            (void)b;
            std::this_thread::sleep_for(50ms);
            break;
        }
        // An exception thrown by the loop body.
        try {
            for (const auto& b : loader) {
                (void)b;
                throw std::runtime_error("body");
            }
        } catch (const std::runtime_error&) {
        }
    });
    // The worker stopped early: it never read far past the batches the caller took.
    EXPECT_LT(slow->gets.load(), 64u);
}

TEST(DataLoader, PrefetchReadsAheadBoundedly) {
    auto ds = std::make_shared<SlowDataset>(40);
    data::DataLoader loader(ds, {.batch_size = 2});
    within(10, [&] {
        auto it = loader.begin();
        std::this_thread::sleep_for(100ms);  // let the worker fill its queue
        // One batch held by the iterator + kPrefetchDepth queued + at most one in the making.
        EXPECT_LE(ds->gets.load(), 2 * (2 + data::DataLoader::kPrefetchDepth));
        EXPECT_GE(ds->gets.load(), 2 * 2u);  // it did read ahead
    });
}

TEST(DataLoader, DestroyingTheLoaderStopsItsLoop) {
    auto slow = std::make_shared<SlowDataset>(100);
    slow->delay = 1ms;
    within(10, [&] {
        auto loader = std::make_unique<data::DataLoader>(slow, data::DataLoaderOptions{.batch_size = 2});
        auto it = loader->begin();
        EXPECT_TRUE(it != loader->end());
        loader.reset();  // joins the worker
        ++it;            // the loop just ends
        EXPECT_TRUE(it == data::DataLoader::Iterator::Sentinel{});
    });
}

TEST(DataLoader, WorkerErrorsReachTheCaller) {
    for (bool prefetch : {false, true}) {
        auto ds = std::make_shared<SlowDataset>(10);
        ds->throw_at = 7;
        data::DataLoader loader(ds, {.batch_size = 3, .prefetch = prefetch});
        std::vector<std::vector<int64_t>> got;
        within(10, [&] {
            EXPECT_ERROR(
                for (const auto& b : loader) got.push_back(ids_of(b)), "SlowDataset", "cannot read example 7");
        });
        // Batches before the failing one arrived, in order; the epoch did not complete.
        EXPECT_EQ(got, (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}})) << "prefetch=" << prefetch;
        EXPECT_EQ(loader.epoch(), 0u);
        ds->throw_at = SIZE_MAX;  // the loader is usable again
        EXPECT_EQ(run_epoch(loader).size(), 4u);
    }
}
