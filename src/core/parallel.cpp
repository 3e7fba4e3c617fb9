// parallel.cpp — the thread count and parallel_for, over tinydl's own small thread pool.
//
// Note [Thread pool]: this used to be an `#pragma omp parallel` region. GNU OpenMP's idle
// threads spin for a long while (~300,000 polls) after every region before they sleep, and the
// policy that stops it (OMP_WAIT_POLICY=passive) is read once, when libgomp is loaded, before
// any tinydl code can set it. In a training step (dozens of short regions with serial work in
// between) the spinning worker burned a core the whole time: a fifth of the CPU time of the
// W1 epoch, taken from the DataLoader's prefetch thread and from other processes.
//
// The pool here has get_num_threads() - 1 workers; the calling thread runs the first chunk
// itself. A worker that finishes polls for the next job for a few microseconds (regions come
// back to back in a step), then sleeps in std::atomic::wait (a futex) until woken. Chunks are
// cut exactly as before, the same [begin, end) for the same thread count, so no result changes.
//
// Nested calls (a chunk calling parallel_for) and calls from a second thread while the pool is
// busy run inline on the calling thread, as OpenMP does with nesting off. After fork() the child
// has no workers: it builds a new pool on its first parallel_for.
#include "tinydl/parallel.h"

#include <pthread.h>
#include <sched.h>  // sched_getaffinity, CPU_COUNT

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tinydl/error.h"

namespace tinydl {

namespace detail {
// What libgomp's omp_get_max_threads() answered when tinydl still linked OpenMP only to ask it:
// the first number of OMP_NUM_THREADS ("4" or "4,2" for nested levels) when it is a positive
// integer, else the CPUs this process may run on. Reading the variable ourselves keeps the
// behaviour and drops a dependency (and -fopenmp from every consumer's build).
int default_num_threads(const char* omp_num_threads, int available_cpus) {
    if (omp_num_threads != nullptr) {
        const char* p = omp_num_threads;
        while (*p == ' ' || *p == '\t') ++p;
        char* end = nullptr;
        const long n = std::strtol(p, &end, 10);
        while (end != nullptr && (*end == ' ' || *end == '\t')) ++end;
        if (end != p && n > 0 && n <= 1 << 20 && (*end == '\0' || *end == ',')) return static_cast<int>(n);
    }
    return std::max(1, available_cpus);
}
}  // namespace detail

namespace {
// The CPUs in this process's affinity mask (taskset, cgroup cpusets), as libgomp counts them.
int available_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}
int initial_threads() { return detail::default_num_threads(std::getenv("OMP_NUM_THREADS"), available_cpus()); }
std::atomic<int>& thread_count() {
    static std::atomic<int> n{initial_threads()};
    return n;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// How long an idle worker (or the caller waiting for workers) polls before it sleeps: ~0.1 ms
// on the 2-core EPYC measured (a pause is ~50 ns there), longer than the serial gaps between the
// regions of a training step, so workers stay awake through a step and sleep between phases.
constexpr int kSpinPolls = 2000;

thread_local bool in_parallel_region = false;

class ThreadPool {
  public:
    explicit ThreadPool(int threads) : size_(threads) {
        for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
    }
    ~ThreadPool() {
        stop_.store(true);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        for (std::thread& w : workers_) w.join();
    }
    int size() const { return size_; }

    // Runs chunk t of [begin, end) cut into `parts` on thread t; the caller does chunk 0.
    void run(int parts, const detail::ChunkFn& fn, int64_t begin, int64_t end) {
        job_ = Job{&fn, begin, end, parts};
        error_ = nullptr;
        // Every worker acknowledges every job (those without a chunk too), so none can still be
        // reading job_ when the next one is written.
        pending_.store(size_ - 1, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);  // publishes job_
        generation_.notify_all();
        run_chunk(0);
        // Wait for the workers: poll first (the chunks are about equal), then sleep.
        for (int i = 0; i < kSpinPolls && pending_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
        for (int left; (left = pending_.load(std::memory_order_acquire)) != 0;) pending_.wait(left);
        if (error_) std::rethrow_exception(error_);
    }

  private:
    struct Job {
        const detail::ChunkFn* fn = nullptr;
        int64_t begin = 0, end = 0;
        int parts = 0;
    };

    void run_chunk(int t) {
        if (t >= job_.parts) return;
        const int64_t n = job_.end - job_.begin;
        const int64_t chunk = (n + job_.parts - 1) / job_.parts;
        const int64_t b = job_.begin + t * chunk;
        const int64_t e = std::min(job_.end, b + chunk);
        if (b >= e) return;
        in_parallel_region = true;
        try {
            (*job_.fn)(b, e);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex_);
            if (!error_) error_ = std::current_exception();
        }
        in_parallel_region = false;
    }

    void work(int t) {
        uint32_t seen = 0;
        for (;;) {
            uint32_t g = generation_.load(std::memory_order_acquire);
            for (int i = 0; i < kSpinPolls && g == seen; ++i) {
                cpu_relax();
                g = generation_.load(std::memory_order_acquire);
            }
            while (g == seen) {  // idle: sleep until the next job
                generation_.wait(seen, std::memory_order_acquire);
                g = generation_.load(std::memory_order_acquire);
            }
            seen = g;
            if (stop_.load()) return;
            run_chunk(t);
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
        }
    }

    const int size_;
    std::vector<std::thread> workers_;
    Job job_;
    std::atomic<uint32_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
    std::mutex error_mutex_;
};

// The pool and the lock that gives one caller at a time the use of it. Never destroyed at
// exit (workers blocked in a futex die with the process); rebuilt when the thread count changes.
std::mutex& pool_mutex() {
    static auto* m = new std::mutex;
    return *m;
}
ThreadPool*& pool_slot() {
    static ThreadPool* pool = nullptr;
    return pool;
}
void forget_pool_after_fork() {
    // The child has the parent's memory but none of its threads: drop the pool (leaking it; its
    // threads are gone) and the lock state, and start afresh on demand.
    pool_slot() = nullptr;
    new (&pool_mutex()) std::mutex;
}
}  // namespace

void set_num_threads(int n) {
    TINYDL_CHECK(n >= 1, "set_num_threads", "expected a thread count >= 1, got ", n);
    thread_count() = n;
}

int get_num_threads() { return thread_count().load(std::memory_order_relaxed); }

namespace detail {
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
    const int64_t n = end - begin;
    const int64_t max_chunks = (n + grain - 1) / grain;
    const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), max_chunks));
    std::unique_lock<std::mutex> lock(pool_mutex(), std::defer_lock);
    if (threads <= 1 || in_parallel_region || !lock.try_lock()) {
        fn(begin, end);  // nested, or another thread holds the pool: run here
        return;
    }
    static const bool registered = [] { return pthread_atfork(nullptr, nullptr, forget_pool_after_fork) == 0; }();
    (void)registered;
    ThreadPool*& pool = pool_slot();
    if (pool == nullptr || pool->size() != get_num_threads()) {
        delete pool;
        pool = new ThreadPool(get_num_threads());
    }
    pool->run(threads, fn, begin, end);
}
}  // namespace detail

}  // namespace tinydl
