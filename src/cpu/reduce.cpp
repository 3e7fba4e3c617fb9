// reduce.cpp — CPU reductions. The input is a contiguous [A, R, B] block; out[a, b] combines
// in[a, r, b] over r. Two loop orders cover every case without a transposing copy:
//   B == 1  ("inner"):  each output is a dot-like sweep over one contiguous row of R values;
//   B > 1   ("outer"):  a row of B accumulators is updated from each of the R rows, which reads
//                        memory in order and vectorises across b.
// Float sums accumulate in double: cheap here, and it keeps big sums within float32 rounding of
// the exact value (PyTorch uses a cascade sum for the same reason). Sums over a contiguous run
// (B == 1: a full sum, or over the last dim) have a faster loop: Note [Sum of a contiguous run].
#include "src/cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

// The accumulator type: double for floats, int64 for integers and bool.
template <typename T> using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// out[a, b] = finish(combine over r of in[a, r, b], starting from init).
template <typename TIn, typename TOut, typename A, typename Combine>
void reduce_arb(const TensorView& out, const TensorView& in, int64_t n_a, int64_t n_r, int64_t n_b, A init,
                const Combine& combine) {
    const TIn* x = in.ptr<const TIn>();
    TOut* y = out.ptr<TOut>();
    if (n_b == 1) {
        parallel_for(0, n_a, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n_r, 1)), [&](int64_t begin, int64_t end) {
            for (int64_t a = begin; a < end; ++a) {
                A acc = init;
                const TIn* row = x + a * n_r;
                for (int64_t r = 0; r < n_r; ++r) acc = combine(acc, static_cast<A>(row[r]));
                y[a] = static_cast<TOut>(acc);
            }
        });
        return;
    }
    // A chunk may start or end inside an a-row, so [N, D] summed over dim 0 (A = 1) still splits
    // across threads; 16 outputs at least keep each segment long enough to vectorise.
    const int64_t grain = std::max<int64_t>(16, kParallelGrain / std::max<int64_t>(n_r, 1));
    parallel_for(0, n_a * n_b, grain, [&](int64_t begin, int64_t end) {
        // Work on [begin, end) of the flattened (a, b) outputs, one a-row segment at a time.
        std::vector<A> acc;
        for (int64_t i = begin; i < end;) {
            const int64_t a = i / n_b, b0 = i % n_b;
            const int64_t b1 = std::min(n_b, b0 + (end - i));
            acc.assign(b1 - b0, init);
            for (int64_t r = 0; r < n_r; ++r) {
                const TIn* row = x + (a * n_r + r) * n_b;
                for (int64_t b = b0; b < b1; ++b) acc[b - b0] = combine(acc[b - b0], static_cast<A>(row[b]));
            }
            for (int64_t b = b0; b < b1; ++b) y[a * n_b + b] = static_cast<TOut>(acc[b - b0]);
            i += b1 - b0;
        }
    });
}

// Note [Sum of a contiguous run]: a sum written as `acc += x[r]` is one chain of dependent adds:
// each waits ~4 cycles for the previous one, and the compiler may not reorder float adds to
// vectorise it. Eight independent accumulators break the chain (and vectorise: 8 lanes of
// double), and a long run is cut into fixed chunks of kSumChunk values whose partial sums are
// added in order afterwards, so the chunks can go to different threads. The cuts depend only on
// R, never on the thread count: the bits of the result are the same with 1 thread or 16
// (docs/reliability.md, "Determinism"; the deterministic-reduce idea of oneTBB).
constexpr int64_t kSumChunk = 8192;

template <typename A, typename T> A sum_run(const T* x, int64_t n) {
    constexpr int kLanes = 8;
    A acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) acc[j] += static_cast<A>(x[i + j]);
    for (int j = 0; i < n; ++i, ++j) acc[j] += static_cast<A>(x[i]);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// out[a] = sum of the contiguous row in[a, 0:R] (the B == 1 case of reduce_arb, for sums).
template <typename T, typename TOut> void sum_rows(const TensorView& out, const TensorView& in, int64_t n_a, int64_t n_r) {
    using A = Acc<T>;
    const T* x = in.ptr<const T>();
    TOut* y = out.ptr<TOut>();
    const int64_t chunks = std::max<int64_t>(1, (n_r + kSumChunk - 1) / kSumChunk);
    if (chunks == 1) {  // short rows: one run each, rows split between threads
        parallel_for(0, n_a, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n_r, 1)), [&](int64_t begin, int64_t end) {
            for (int64_t a = begin; a < end; ++a) y[a] = static_cast<TOut>(sum_run<A>(x + a * n_r, n_r));
        });
        return;
    }
    // Long rows: every (row, chunk) pair is one task; then each row adds its chunks in order.
    std::vector<A> partial(static_cast<size_t>(n_a * chunks));
    parallel_for(0, n_a * chunks, std::max<int64_t>(1, kParallelGrain / kSumChunk), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t a = i / chunks, c = i % chunks;
            const int64_t start = c * kSumChunk;
            partial[i] = sum_run<A>(x + a * n_r + start, std::min(kSumChunk, n_r - start));
        }
    });
    for (int64_t a = 0; a < n_a; ++a) {
        A total = 0;
        for (int64_t c = 0; c < chunks; ++c) total += partial[a * chunks + c];
        y[a] = static_cast<TOut>(total);
    }
}

}  // namespace

void sum(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "sum", [&]<typename T>() {
        dispatch_all(out.dtype, "sum", [&]<typename TO>() {
            if (B == 1) sum_rows<T, TO>(out, in, A, R);  // Note [Sum of a contiguous run]
            else reduce_arb<T, TO, Acc<T>>(out, in, A, R, B, Acc<T>(0), [](Acc<T> s, Acc<T> v) { return s + v; });
        });
    });
}

void prod(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "prod", [&]<typename T>() {
        dispatch_all(out.dtype, "prod", [&]<typename TO>() {
            reduce_arb<T, TO, Acc<T>>(out, in, A, R, B, Acc<T>(1), [](Acc<T> s, Acc<T> v) { return s * v; });
        });
    });
}

// The identity of max: -inf for floats (not lowest(), or a row of -inf would come out as
// -FLT_MAX), the smallest value for integers. An empty row gives it back; the ops that must not
// reduce an empty dim (max, argmax) refuse before calling the kernel.
namespace {
template <typename T> constexpr T lowest_or_neg_inf() {
    if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
}
template <typename T> constexpr T highest_or_inf() {
    if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
}
}  // namespace

// max/min propagate NaN, as PyTorch's do.
void amax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "max", [&]<typename T>() {
        reduce_arb<T, T, T>(out, in, A, R, B, lowest_or_neg_inf<T>(), [](T s, T v) {
            if constexpr (std::is_floating_point_v<T>) {
                if (v != v || s != s) return std::numeric_limits<T>::quiet_NaN();
            }
            return v > s ? v : s;
        });
    });
}

void amin(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "min", [&]<typename T>() {
        reduce_arb<T, T, T>(out, in, A, R, B, highest_or_inf<T>(), [](T s, T v) {
            if constexpr (std::is_floating_point_v<T>) {
                if (v != v || s != s) return std::numeric_limits<T>::quiet_NaN();
            }
            return v < s ? v : s;
        });
    });
}

namespace {
// Whether `cur` replaces `best` (at a later r): a NaN wins over everything and the first NaN is
// kept; otherwise only a strictly better value wins, so the first occurrence wins ties.
template <typename T, typename Better> inline bool replaces(T cur, T best, const Better& better) {
    if constexpr (std::is_floating_point_v<T>) {
        if (best != best) return false;
        if (cur != cur) return true;
    }
    return better(cur, best);
}

// values[a, b], indices[a, b] = the best in[a, r, b] and its r; `better(v, best)` decides.
// Same two loop orders as reduce_arb; R >= 1 (the ops refuse empty reductions).
template <typename T, typename Better>
void arg_reduce(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t n_a, int64_t n_r,
                int64_t n_b, const Better& better) {
    const T* x = in.ptr<const T>();
    T* v = values.data ? values.ptr<T>() : nullptr;  // argmax passes no values
    int64_t* idx = indices.ptr<int64_t>();
    if (n_b == 1) {
        parallel_for(0, n_a, std::max<int64_t>(1, kParallelGrain / n_r), [&](int64_t begin, int64_t end) {
            for (int64_t a = begin; a < end; ++a) {
                const T* row = x + a * n_r;
                T best = row[0];
                int64_t best_r = 0;
                for (int64_t r = 1; r < n_r; ++r)
                    if (replaces(row[r], best, better)) {
                        best = row[r];
                        best_r = r;
                    }
                if (v) v[a] = best;
                idx[a] = best_r;
            }
        });
        return;
    }
    // B > 1: a segment [b0, b1) of one a-row keeps its running best in the output arrays
    // themselves, updated row by row in memory order.
    const int64_t grain = std::max<int64_t>(16, kParallelGrain / n_r);
    parallel_for(0, n_a * n_b, grain, [&](int64_t begin, int64_t end) {
        std::vector<T> best;
        for (int64_t i = begin; i < end;) {
            const int64_t a = i / n_b, b0 = i % n_b;
            const int64_t n = std::min(n_b, b0 + (end - i)) - b0;
            const T* xa = x + a * n_r * n_b + b0;  // xa[r * n_b + j]: column b0 + j, row r
            int64_t* ia = idx + a * n_b + b0;
            best.assign(xa, xa + n);
            std::fill(ia, ia + n, int64_t{0});
            for (int64_t r = 1; r < n_r; ++r)
                for (int64_t j = 0; j < n; ++j)
                    if (replaces<T>(xa[r * n_b + j], best[j], better)) {  // <T>: vector<bool> proxies
                        best[j] = xa[r * n_b + j];
                        ia[j] = r;
                    }
            if (v) std::copy(best.begin(), best.end(), v + a * n_b + b0);
            i += n;
        }
    });
}
}  // namespace

void max_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "max", [&]<typename T>() {
        arg_reduce<T>(values, indices, in, A, R, B, [](T c, T best) { return c > best; });
    });
}

void min_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "min", [&]<typename T>() {
        arg_reduce<T>(values, indices, in, A, R, B, [](T c, T best) { return c < best; });
    });
}

}  // namespace tinydl::cpu
