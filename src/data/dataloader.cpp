// dataloader.cpp — the DataLoader: epoch orders, batch ranges, and the prefetch thread.
//
// Read first: include/tinydl/data/dataloader.h (the rules: order, epoch counter, resume).
//
// One loop over the loader is a LoaderRun: the epoch's index order, the range of batches to
// produce, and — with prefetch — a producer thread and a small queue:
//
//   worker thread:  batch k = dataset->get_batch(order[k*B .. (k+1)*B))  -> queue (<= depth)
//   caller thread:  queue -> Iterator::current_ -> the training step
//
// The queue holds either a batch or the exception that producing it threw, so an error in the
// dataset surfaces in the caller at the batch it concerns. stop() wakes and joins the worker; it
// runs at the end of the loop, when the iterator dies (a `break`), or when the loader dies.
#include "tinydl/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "tinydl/error.h"
#include "tinydl/random.h"

namespace tinydl::data {

namespace detail {

struct LoaderRun;

// What the loader and its live loops share: the epoch counter (advanced by a finished loop) and
// the loops still running (stopped by the loader's destructor).
struct LoaderShared {
    std::mutex mutex;
    uint64_t epoch = 0;
    size_t start_batch = 0;
    std::vector<std::weak_ptr<LoaderRun>> runs;
};

struct LoaderRun {
    // Set once by begin(), read-only afterwards (the worker reads them too).
    std::shared_ptr<Dataset> dataset;
    std::shared_ptr<LoaderShared> shared;
    uint64_t epoch = 0;
    std::vector<size_t> order;
    size_t batch_size = 1;
    size_t num_batches = 0;  // in the whole epoch
    bool prefetch = true;

    // Caller side.
    size_t next_batch = 0;   // the next batch the caller receives
    bool finished = false;   // the loop reached its end (the epoch counter has been advanced)

    // Between caller and worker, under `mutex`.
    struct Item {
        Batch batch;
        std::exception_ptr error;
    };
    std::mutex mutex;
    std::condition_variable item_ready;  // worker -> caller: the queue is not empty
    std::condition_variable space_free;  // caller -> worker: the queue has room
    std::deque<Item> queue;
    bool stopping = false;
    std::thread worker;
    std::mutex join_mutex;  // stop() may be called from the iterator and from the loader

    ~LoaderRun() { stop(); }  // never destroy a joinable std::thread (std::terminate)

    Batch make_batch(size_t k) const {
        const size_t begin = k * batch_size;
        const size_t end = std::min(order.size(), begin + batch_size);
        return dataset->get_batch(std::vector<size_t>(order.begin() + begin, order.begin() + end));
    }

    void start() {
        if (prefetch && next_batch < num_batches)
            worker = std::thread([this, first = next_batch] { produce(first); });
    }

    // The worker: produces batches first .. num_batches-1, at most kPrefetchDepth ahead. It reads
    // only the fields fixed before it started, and shares `queue`/`stopping` under `mutex`.
    void produce(size_t first) {
        for (size_t k = first; k < num_batches; ++k) {
            {
                std::unique_lock<std::mutex> lock(mutex);
                space_free.wait(lock, [&] { return stopping || queue.size() < DataLoader::kPrefetchDepth; });
                if (stopping) return;
            }
            Item item;
            try {
                item.batch = make_batch(k);  // the slow part, outside the lock
            } catch (...) {
                item.error = std::current_exception();
            }
            const bool failed = item.error != nullptr;
            {
                std::lock_guard<std::mutex> lock(mutex);
                queue.push_back(std::move(item));
            }
            item_ready.notify_one();
            if (failed) return;  // the caller rethrows it and ends the loop
        }
    }

    // The caller: the next batch into `out`; false at the end of the loop.
    bool next(Batch& out) {
        if (next_batch >= num_batches) {
            finish();
            return false;
        }
        if (!prefetch) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (stopping) return false;  // the loader was destroyed under the loop
            }
            out = make_batch(next_batch);
            ++next_batch;
            return true;
        }
        Item item;
        {
            std::unique_lock<std::mutex> lock(mutex);
            item_ready.wait(lock, [&] { return stopping || !queue.empty(); });
            if (stopping) return false;  // the loader was destroyed under the loop
            item = std::move(queue.front());
            queue.pop_front();
        }
        space_free.notify_one();
        if (item.error) {
            stop();
            std::rethrow_exception(item.error);
        }
        out = std::move(item.batch);
        ++next_batch;
        return true;
    }

    // A loop that ran to its end advances the loader's epoch, unless set_epoch() moved it since.
    void finish() {
        if (finished) return;
        finished = true;
        stop();
        std::lock_guard<std::mutex> lock(shared->mutex);
        if (shared->epoch == epoch) shared->epoch = epoch + 1;
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopping = true;
            queue.clear();
        }
        space_free.notify_all();
        item_ready.notify_all();
        std::lock_guard<std::mutex> lock(join_mutex);
        if (worker.joinable()) worker.join();
    }
};

}  // namespace detail

namespace {

// A seed for epoch `epoch` of a loader seeded with `seed`: both words go through a 64-bit
// finaliser (splitmix64's), so nearby (seed, epoch) pairs give unrelated generator states.
uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
uint64_t epoch_seed(uint64_t seed, uint64_t epoch) {
    return mix64(mix64(seed + 0x9e3779b97f4a7c15ULL) ^ (epoch * 0xd1b54a32d192ed03ULL + 1));
}

// Uniform integer in [0, bound) without modulo bias: redraw the few values past the last whole
// multiple of bound.
uint64_t uniform_below(tinydl::detail::Generator& g, uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do r = g.next_u64();
    while (r >= limit);
    return r % bound;
}

}  // namespace

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options), shared_(std::make_shared<detail::LoaderShared>()) {
    TINYDL_CHECK(dataset_ != nullptr, "DataLoader", "the dataset is null");
    // PyTorch: "batch_size should be a positive integer value, but got batch_size=0".
    TINYDL_CHECK(options_.batch_size >= 1, "DataLoader",
                 "batch_size should be a positive integer value, but got batch_size=", options_.batch_size);
}

DataLoader::~DataLoader() {
    std::vector<std::shared_ptr<detail::LoaderRun>> live;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        for (auto& w : shared_->runs)
            if (auto r = w.lock()) live.push_back(std::move(r));
    }
    for (auto& r : live) r->stop();
}

size_t DataLoader::size() const {
    const size_t n = dataset_->size();
    const size_t b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
}

uint64_t DataLoader::epoch() const {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    return shared_->epoch;
}

void DataLoader::set_epoch(uint64_t epoch) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->epoch = epoch;
}

void DataLoader::set_start_batch(size_t batch) {
    TINYDL_CHECK_INDEX(batch <= size(), "DataLoader::set_start_batch", "batch ", batch,
                       " is out of range for a loader of ", size(), " batches per epoch");
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->start_batch = batch;
}

std::vector<size_t> DataLoader::indices(uint64_t epoch) const {
    const size_t n = dataset_->size();
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    if (options_.shuffle && n > 1) {
        // Fisher-Yates: position i takes a uniformly chosen one of the i+1 values not yet placed.
        tinydl::detail::Generator g(epoch_seed(options_.seed, epoch));
        for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[uniform_below(g, i + 1)]);
    }
    return order;
}

DataLoader::Iterator DataLoader::begin() {
    auto run = std::make_shared<detail::LoaderRun>();
    run->dataset = dataset_;
    run->shared = shared_;
    run->batch_size = options_.batch_size;
    run->num_batches = size();
    run->prefetch = options_.prefetch;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        run->epoch = shared_->epoch;
        run->next_batch = std::min(shared_->start_batch, run->num_batches);
        shared_->start_batch = 0;  // applies to one loop only
        std::erase_if(shared_->runs, [](const std::weak_ptr<detail::LoaderRun>& w) { return w.expired(); });
        shared_->runs.push_back(run);
    }
    run->order = indices(run->epoch);
    run->start();
    return Iterator(std::move(run));
}

// ---- Iterator ------------------------------------------------------------------------------------

DataLoader::Iterator::Iterator(std::shared_ptr<detail::LoaderRun> run) : run_(std::move(run)), done_(false) {
    fetch();
}

DataLoader::Iterator::Iterator(Iterator&& other) noexcept
    : run_(std::move(other.run_)), current_(std::move(other.current_)), done_(other.done_) {
    other.done_ = true;
}

DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&& other) noexcept {
    if (this != &other) {
        if (run_) run_->stop();
        run_ = std::move(other.run_);
        current_ = std::move(other.current_);
        done_ = other.done_;
        other.done_ = true;
    }
    return *this;
}

DataLoader::Iterator::~Iterator() {
    if (run_) run_->stop();  // a `break` lands here: wake and join the worker
}

Batch& DataLoader::Iterator::operator*() {
    TINYDL_CHECK(!done_, "DataLoader", "dereferenced an iterator past the last batch");
    return current_;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    TINYDL_CHECK(!done_, "DataLoader", "incremented an iterator past the last batch");
    fetch();
    return *this;
}

void DataLoader::Iterator::fetch() {
    try {
        done_ = !run_->next(current_);
    } catch (...) {
        done_ = true;  // an error ends the loop; the epoch counter does not advance
        current_ = {};
        run_->stop();
        throw;
    }
    if (done_) current_ = {};
}

}  // namespace tinydl::data
