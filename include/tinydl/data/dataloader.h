// dataloader.h — DataLoader: batches of a Dataset, in a reproducible (shuffled) order, with
// the next batch prepared on a background thread while the caller trains on this one.
//
//   data::DataLoader loader(dataset, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 5; ++epoch)
//       for (const data::Batch& batch : loader)      // batch.data [64, ...], batch.target [64]
//           train_step(batch.data, batch.target);
//
// Order. Epoch e visits the examples in the order indices(e): 0, 1, ..., n-1 without shuffle,
// else a permutation drawn from the loader's *own* generator seeded with mix(seed, e). The global
// generator of random.h is never touched, so model init or dropout cannot change the data order,
// and the same (seed, epoch) gives the same order on every run and machine.
//
// Epoch counter (the rule). epoch() is the epoch the next `for` loop will produce; it starts at 0.
// A loop that runs to the end advances it by one, so successive loops reshuffle, as PyTorch's
// DataLoader does. set_epoch(e) sets it (PyTorch's DistributedSampler.set_epoch). Calling
// set_epoch(e) before every epoch, or never, therefore gives the same orders. A loop left early
// (break, exception) does not advance it: the next loop replays that epoch from its start.
//
// Resume. set_start_batch(k) makes the next loop begin at batch k of its epoch (batches 0..k-1
// skipped, never computed); later loops start at 0 again. A trainer that saved (epoch, k batches
// done) resumes with set_epoch(epoch); set_start_batch(k) and sees exactly the remaining batches.
//
// Prefetch. With options.prefetch, each loop starts one std::thread that calls
// Dataset::get_batch for the upcoming batches and hands them over through a queue of at most
// kPrefetchDepth batches. An exception thrown by the dataset in that thread is rethrown to the
// caller at the batch it concerns. The thread is stopped and joined when the loop ends, when the
// iterator is destroyed (break), or when the DataLoader is destroyed — whichever comes first.
// The dataset must allow get_batch() from that thread (see dataset.h, "Threading").
//
// Not here: multiple worker processes, samplers other than sequential/random, collate functions
// (Dataset::get_batch is the collate), pinned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tinydl/data/dataset.h"

namespace tinydl::data {

struct DataLoaderOptions {
    size_t batch_size = 1;   // must be >= 1
    bool shuffle = false;    // a new permutation each epoch (see "Order" above)
    bool drop_last = false;  // drop the last batch when it has fewer than batch_size examples
    uint64_t seed = 0;       // shuffle seed; the order of epoch e depends on (seed, e) only
    bool prefetch = true;    // prepare the next batches on a background thread
};

namespace detail {
struct LoaderShared;  // the loader's epoch state, shared with its iterators
struct LoaderRun;     // one loop: its batches, queue and worker thread
}  // namespace detail

class DataLoader {
  public:
    // How many ready batches the prefetch thread may keep ahead of the caller.
    static constexpr size_t kPrefetchDepth = 2;

    DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options = {});
    ~DataLoader();  // stops and joins any prefetch thread still running
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    // Batches per epoch: ceil(n / batch_size), or floor(n / batch_size) with drop_last.
    size_t size() const;
    const DataLoaderOptions& options() const { return options_; }
    const std::shared_ptr<Dataset>& dataset() const { return dataset_; }

    uint64_t epoch() const;            // the epoch the next loop produces
    void set_epoch(uint64_t epoch);    // see "Epoch counter" above
    void set_start_batch(size_t batch);  // next loop only; 0 <= batch <= size()
    // The example order of an epoch (all n indices; batch k is [k*B, (k+1)*B) of it).
    std::vector<size_t> indices(uint64_t epoch) const;

    // The iterator a range-for uses. Move-only: it owns the loop's prefetch thread.
    class Iterator {
      public:
        struct Sentinel {};
        Iterator(Iterator&&) noexcept;
        Iterator& operator=(Iterator&&) noexcept;
        ~Iterator();

        Batch& operator*();
        Batch* operator->() { return &**this; }
        Iterator& operator++();
        bool operator!=(Sentinel) const { return !done_; }
        bool operator==(Sentinel) const { return done_; }

      private:
        friend class DataLoader;
        explicit Iterator(std::shared_ptr<detail::LoaderRun> run);
        void fetch();  // moves the next batch into current_, or marks the loop done

        std::shared_ptr<detail::LoaderRun> run_;
        Batch current_;
        bool done_ = true;
    };

    Iterator begin();  // starts a loop over epoch(), from the start batch
    Iterator::Sentinel end() { return {}; }

  private:
    std::shared_ptr<Dataset> dataset_;
    DataLoaderOptions options_;
    std::shared_ptr<detail::LoaderShared> shared_;
};

}  // namespace tinydl::data
