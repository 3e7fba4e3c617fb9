// parallel.h — the CPU thread count and parallel_for, over tinydl's thread pool.
//
// parallel_for splits [begin, end) into chunks of at least `grain` items and runs them on the
// pool's threads; below one grain it runs inline on the caller, because waking threads costs
// more than a few microseconds of work. Idle workers poll briefly, then sleep rather than spin,
// so they don't steal a core from other work (Note [Thread pool] in src/core/parallel.cpp).
// The default thread count follows OMP_NUM_THREADS and the CPU affinity mask.
#pragma once

#include <cstdint>

namespace tinydl {

void set_num_threads(int n);  // like torch::set_num_threads; n >= 1
int get_num_threads();

namespace detail {
// A non-owning reference to a callable f(begin, end): unlike std::function it never allocates,
// so handing a lambda with many captures to parallel_for costs nothing on the hot path. Valid
// only while the callable it refers to lives (parallel_for blocks until every chunk is done).
class ChunkFn {
  public:
    template <typename F>
    ChunkFn(const F& f)  // NOLINT: implicit on purpose
        : object_(&f), call_([](const void* o, int64_t b, int64_t e) { (*static_cast<const F*>(o))(b, e); }) {}
    void operator()(int64_t begin, int64_t end) const { call_(object_, begin, end); }

  private:
    const void* object_;
    void (*call_)(const void*, int64_t, int64_t);
};

// Runs fn(chunk_begin, chunk_end) over [begin, end) on the pool's threads.
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain, ChunkFn fn);

// The default thread count from the value of OMP_NUM_THREADS (nullptr when unset) and the CPUs
// the process may use: the variable's first number when it is a positive integer, else the CPUs.
int default_num_threads(const char* omp_num_threads, int available_cpus);
}  // namespace detail

// Default grain: about 32K elements of cheap elementwise work per thread.
inline constexpr int64_t kParallelGrain = 32768;

template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
    if (end - begin <= grain || get_num_threads() == 1) {
        if (end > begin) fn(begin, end);
        return;
    }
    detail::parallel_for_impl(begin, end, grain, detail::ChunkFn(fn));
}

}  // namespace tinydl
