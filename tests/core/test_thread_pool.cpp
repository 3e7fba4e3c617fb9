// test_thread_pool.cpp — parallel_for over tinydl's thread pool (Note [Thread pool] in
// src/core/parallel.cpp): every index once, chunks that depend only on the thread count,
// exceptions, nesting, two callers at once, fork, and idle workers that sleep instead of spin.
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/support/test_utils.h"
#include "tinydl/parallel.h"

using namespace tinydl;

namespace {
struct ThreadsGuard {
    int saved = get_num_threads();
    ~ThreadsGuard() { set_num_threads(saved); }
};
double cpu_seconds() {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}
}  // namespace

TEST(ThreadPool, EveryIndexOnceInChunksFixedByTheThreadCount) {
    ThreadsGuard guard;
    for (int threads : {1, 2, 3, 5}) {
        set_num_threads(threads);
        for (int64_t n : {0, 1, 7, 100, 1001}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            std::atomic<int> chunks{0};
            parallel_for(0, n, 1, [&](int64_t b, int64_t e) {
                ++chunks;
                for (int64_t i = b; i < e; ++i) ++hits[i];
            });
            for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, n " << n;
            // ceil(n / t)-sized chunks for t = min(threads, n): as OpenMP's static schedule cut them.
            const int64_t t = std::min<int64_t>(threads, n), chunk = t > 0 ? (n + t - 1) / t : 1;
            if (n > 0) EXPECT_EQ(chunks.load(), (n + chunk - 1) / chunk) << threads << " threads, n " << n;
        }
    }
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
    ThreadsGuard guard;
    set_num_threads(2);
    EXPECT_THROW(parallel_for(0, 1000, 1, [](int64_t b, int64_t) {
                     if (b > 0) throw Error("from a worker");
                 }),
                 Error);
    std::atomic<int64_t> sum{0};  // the pool still works afterwards
    parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) { sum += e - b; });
    EXPECT_EQ(sum.load(), 1000);
}

TEST(ThreadPool, NestedAndConcurrentCallsRunInline) {
    ThreadsGuard guard;
    set_num_threads(2);
    std::atomic<int64_t> total{0};
    auto work = [&] {
        for (int rep = 0; rep < 200; ++rep)
            parallel_for(0, 64, 1, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i)
                    parallel_for(0, 10, 1, [&](int64_t bb, int64_t ee) { total += ee - bb; });
            });
    };
    std::thread other(work);  // a second caller, like the DataLoader's prefetch thread
    work();
    other.join();
    EXPECT_EQ(total.load(), 2 * 200 * 64 * 10);
}

TEST(ThreadPool, IdleWorkersSleep) {
    ThreadsGuard guard;
    set_num_threads(2);
    std::atomic<int64_t> sink{0};
    parallel_for(0, 1 << 20, 1, [&](int64_t b, int64_t e) { sink += e - b; });
    // Let the workers pass their short polling phase, then measure 200 ms of idleness: sleeping
    // workers use no CPU; spinning ones (GNU OpenMP's default) would use ~200 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_LT(cpu_seconds() - before, 0.05);
}

TEST(ThreadPool, ForkedChildCanRunParallelFor) {
    ThreadsGuard guard;
    set_num_threads(2);
    std::atomic<int64_t> sum{0};
    parallel_for(0, 100, 1, [&](int64_t b, int64_t e) { sum += e - b; });  // the pool exists
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::atomic<int64_t> child_sum{0};
        parallel_for(0, 100, 1, [&](int64_t b, int64_t e) { child_sum += e - b; });
        _exit(child_sum.load() == 100 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The default thread count follows OMP_NUM_THREADS as libgomp read it (tinydl no longer links
// OpenMP and parses the variable itself), else the CPUs of the affinity mask.
TEST(ThreadPool, DefaultThreadCountFollowsOmpNumThreads) {
    EXPECT_EQ(detail::default_num_threads(nullptr, 6), 6);
    EXPECT_EQ(detail::default_num_threads("3", 6), 3);
    EXPECT_EQ(detail::default_num_threads(" 12 ", 2), 12);  // more threads than CPUs is allowed
    EXPECT_EQ(detail::default_num_threads("4,2", 6), 4);     // nested levels: the outer one
    for (const char* bad : {"", "0", "-2", "two", "3x", "99999999999"})
        EXPECT_EQ(detail::default_num_threads(bad, 5), 5) << "OMP_NUM_THREADS=\"" << bad << "\"";
    EXPECT_EQ(detail::default_num_threads(nullptr, 0), 1);

    // This process: set_num_threads calls in other tests are undone by their guards.
    cpu_set_t set;
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_EQ(get_num_threads(), detail::default_num_threads(std::getenv("OMP_NUM_THREADS"), CPU_COUNT(&set)));
}
