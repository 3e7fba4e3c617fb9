// reduce.cu — CUDA reductions: sum, prod, max, min (amax/amin) and max/min with their index.
//
// Same contract as the CPU kernels (src/cpu/reduce.cpp): the input is a contiguous [A, R, B]
// block and out[a, b] combines the column in[a, 0..R-1, b]. Same maths too: float sums and
// products accumulate in double, integer and bool ones in int64; max/min propagate NaN; the
// index of max/min is the first occurrence of the best value (the first NaN, if any).
//
// One kernel serves every shape (the block layout is in src/cuda/reduce.cuh):
//
//   pass 1  block (x = group of columns, y = split s of R): the lanes of each column read
//           r in [s * chunk, (s + 1) * chunk) in a fixed order, then combine in a shared-memory
//           tree. With one split this is the answer; with several, each writes a partial.
//   pass 2  (only with splits) one thread per column combines its partials in split order.
//
// Splitting R across blocks is what keeps a full sum (A = B = 1, R = numel) or a sum over the
// batch dim of [N, 10] busy on every SM instead of one. The number of splits depends only on the
// shape, so results are deterministic (no atomics anywhere).
//
// A reducer is a small struct of device functions: identity, load (an input value at r into the
// accumulator), combine, store (the final accumulator to the outputs). Every reduction below is
// one reducer; the kernels never know which one they run.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "src/cuda/reduce.cuh"
#include "src/cuda/reduce.h"
#include "tinydl/factory.h"

namespace tinydl::cuda {

namespace {

// Enough blocks to fill an H100 (132 SMs) several times over; splitting R stops there.
constexpr int64_t kTargetBlocks = 2048;
// ...and each thread of a split still reads at least this many values (else splitting is waste).
constexpr int64_t kMinPerThread = 16;

// The accumulator of sum and prod: double for floats, int64 for integers and bool (as the CPU).
template <typename T> using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T, typename TO> struct SumReducer {
    using In = T;
    using Acc = SumAcc<T>;
    TO* out;
    __device__ Acc identity() const { return Acc(0); }
    __device__ Acc load(T v, int64_t) const { return static_cast<Acc>(v); }
    __device__ Acc combine(Acc a, Acc b) const { return a + b; }
    __device__ void store(int64_t j, Acc acc) const { out[j] = static_cast<TO>(acc); }
};

template <typename T, typename TO> struct ProdReducer {
    using In = T;
    using Acc = SumAcc<T>;
    TO* out;
    __device__ Acc identity() const { return Acc(1); }
    __device__ Acc load(T v, int64_t) const { return static_cast<Acc>(v); }
    __device__ Acc combine(Acc a, Acc b) const { return a * b; }
    __device__ void store(int64_t j, Acc acc) const { out[j] = static_cast<TO>(acc); }
};

// max (kMax) or min in T. A NaN wins and stays, whichever side it is on. `init` is -inf / +inf
// for floats (so a row of -inf gives -inf, not -FLT_MAX), the extreme value for integers; an
// empty column gives it back, as on the CPU (logsumexp of an empty slice relies on it).
template <typename T, bool kMax> struct ExtremeReducer {
    using In = T;
    using Acc = T;
    T* out;
    T init;
    __device__ Acc identity() const { return init; }
    __device__ Acc load(T v, int64_t) const { return v; }
    __device__ Acc combine(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            if (a != a) return a;
            if (b != b) return b;
        }
        if constexpr (kMax)
            return b > a ? b : a;
        else
            return b < a ? b : a;
    }
    __device__ void store(int64_t j, Acc acc) const { out[j] = acc; }
};

// max/min with the index. index -1 marks "no element yet" (a lane with nothing to read).
template <typename T> struct ValueIndex {
    T value;
    int64_t index;
};

template <typename T, bool kMax> struct ArgReducer {
    using In = T;
    using Acc = ValueIndex<T>;
    T* values;  // nullptr for argmax / argmin
    int64_t* indices;
    __device__ Acc identity() const { return Acc{T(0), -1}; }
    __device__ Acc load(T v, int64_t r) const { return Acc{v, r}; }
    // Whether b wins over a. This is a total order (value, then smaller index), so the tree's
    // shape cannot change the answer: the first NaN if there is one, else the first best value,
    // exactly what the CPU's sequential scan keeps.
    __device__ static bool wins(const Acc& b, const Acc& a) {
        if (b.index < 0) return false;
        if (a.index < 0) return true;
        if constexpr (std::is_floating_point_v<T>) {
            const bool a_nan = a.value != a.value, b_nan = b.value != b.value;
            if (a_nan || b_nan) return b_nan && (!a_nan || b.index < a.index);
        }
        if (kMax ? b.value > a.value : b.value < a.value) return true;
        return b.value == a.value && b.index < a.index;
    }
    __device__ Acc combine(const Acc& a, const Acc& b) const { return wins(b, a) ? b : a; }
    __device__ void store(int64_t j, const Acc& acc) const {
        if (values != nullptr) values[j] = acc.value;
        indices[j] = acc.index;
    }
};

// Pass 1. Column j = (a, b) of n_cols = A * B; this block's split covers r in [r_begin, r_end).
// partial == nullptr: one split, store the result; else partial[split * n_cols + j].
template <typename Red> __global__ void reduce_kernel(Red red, const typename Red::In* __restrict__ x,
                                                      typename Red::Acc* __restrict__ partial, int64_t n_cols,
                                                      int64_t R, int64_t B, int64_t chunk,
                                                      ColumnLayout layout) {
    using Acc = typename Red::Acc;
    TINYDL_CUDA_BLOCK_SMEM(raw, sizeof(Acc));
    Acc* smem = reinterpret_cast<Acc*>(raw);
    const ThreadSlot slot = thread_slot(layout);
    const int64_t split = blockIdx.y;
    const int64_t r_begin = split * chunk;
    const int64_t r_end = r_begin + chunk < R ? r_begin + chunk : R;
    const int64_t groups = (n_cols + layout.cols - 1) / layout.cols;
    for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {  // uniform across the block
        const int64_t j = g * layout.cols + slot.col;
        Acc acc = red.identity();
        if (j < n_cols) {
            const int64_t a = j / B, b = j - a * B;
            const int64_t base = a * R * B + b;  // in[a, r, b] = x[base + r * B]
            for (int64_t r = r_begin + slot.lane; r < r_end; r += layout.lanes)
                acc = red.combine(acc, red.load(x[base + r * B], r));
        }
        acc = column_reduce(smem, acc, slot, layout.lanes, red);
        if (slot.lane == 0 && j < n_cols) {
            if (partial != nullptr)
                partial[split * n_cols + j] = acc;
            else
                red.store(j, acc);
        }
    }
}

// Pass 2: out[j] = the partials of column j combined in split order (coalesced across j).
template <typename Red> __global__ void reduce_finish_kernel(Red red,
                                                             const typename Red::Acc* __restrict__ partial,
                                                             int64_t n_cols, int64_t splits) {
    TINYDL_CUDA_KERNEL_LOOP(j, n_cols) {
        typename Red::Acc acc = partial[j];
        for (int64_t s = 1; s < splits; ++s) acc = red.combine(acc, partial[s * n_cols + j]);
        red.store(j, acc);
    }
}

template <typename Red>
void launch_reduce(const char* op, const Red& red, const void* in, int64_t A, int64_t R, int64_t B) {
    using Acc = typename Red::Acc;
    const int64_t n_cols = A * B;
    if (n_cols == 0) return;
    const ColumnLayout layout = column_layout(n_cols, R, B);
    const int64_t groups = (n_cols + layout.cols - 1) / layout.cols;
    // Splits of R: enough blocks to fill the GPU, but no split shorter than kMinPerThread values
    // per thread. An empty reduction (R == 0) is one split that stores the identity.
    int64_t splits = 1, chunk = R;
    if (R > 0) {
        const int64_t wanted = (kTargetBlocks + groups - 1) / groups;
        const int64_t worth = (R + layout.lanes * kMinPerThread - 1) / (layout.lanes * kMinPerThread);
        splits = std::clamp<int64_t>(std::min(wanted, worth), 1, 65535);
        chunk = (R + splits - 1) / splits;
        splits = (R + chunk - 1) / chunk;  // no empty split at the end
    }
    Tensor scratch;  // freed on return: safe, the next user of the block is ordered after us (one stream)
    Acc* partial = nullptr;
    if (splits > 1) {
        scratch = tinydl::empty({splits * n_cols * static_cast<int64_t>(sizeof(Acc))},
                                TensorOptions(kUInt8).device(current_device(op)));
        partial = static_cast<Acc*>(scratch.data_ptr());
    }
    const dim3 grid(blocks_for_groups(groups), static_cast<unsigned int>(splits));
    reduce_kernel<Red><<<grid, layout.threads()>>>(red, static_cast<const typename Red::In*>(in), partial,
                                                   n_cols, R, B, chunk, layout);
    TINYDL_CUDA_LAUNCH_CHECK(op);
    if (splits > 1) {
        reduce_finish_kernel<Red><<<blocks_for(n_cols), kThreadsPerBlock>>>(red, partial, n_cols, splits);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    }
}

// Picks TO for the output of sum / prod: the input's own type or int64, the two dtypes the ops
// ask for (integer and bool sums give int64). Others are refused rather than compiled for
// nothing (each pair would be another pair of kernels).
template <typename T, typename F> void dispatch_sum_out(DType out, const char* op, F&& f) {
    if (out == dtype_of<T>()) return f.template operator()<T>();
    if (out == DType::Int64) return f.template operator()<int64_t>();
    throw TypeError(detail::str(op, ": the CUDA kernel writes the input's dtype (", dtype_of<T>(),
                                ") or int64, not ", out));
}

template <typename T> constexpr T lowest_or_neg_inf() {
    if constexpr (std::numeric_limits<T>::has_infinity)
        return -std::numeric_limits<T>::infinity();
    else
        return std::numeric_limits<T>::lowest();
}
template <typename T> constexpr T highest_or_inf() {
    if constexpr (std::numeric_limits<T>::has_infinity)
        return std::numeric_limits<T>::infinity();
    else
        return std::numeric_limits<T>::max();
}

}  // namespace

void sum(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "sum", [&]<typename T>() {
        dispatch_sum_out<T>(out.dtype, "sum", [&]<typename TO>() {
            launch_reduce("sum", SumReducer<T, TO>{out.ptr<TO>()}, in.data, A, R, B);
        });
    });
}

void prod(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "prod", [&]<typename T>() {
        dispatch_sum_out<T>(out.dtype, "prod", [&]<typename TO>() {
            launch_reduce("prod", ProdReducer<T, TO>{out.ptr<TO>()}, in.data, A, R, B);
        });
    });
}

void amax(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "max", [&]<typename T>() {
        launch_reduce("max", ExtremeReducer<T, true>{out.ptr<T>(), lowest_or_neg_inf<T>()}, in.data, A, R, B);
    });
}

void amin(const TensorView& out, const TensorView& in, int64_t A, int64_t R, int64_t B) {
    dispatch_all(in.dtype, "min", [&]<typename T>() {
        launch_reduce("min", ExtremeReducer<T, false>{out.ptr<T>(), highest_or_inf<T>()}, in.data, A, R, B);
    });
}

void max_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A,
                    int64_t R, int64_t B) {
    dispatch_all(in.dtype, "max", [&]<typename T>() {
        launch_reduce("max", ArgReducer<T, true>{values.ptr<T>(), indices.ptr<int64_t>()}, in.data, A, R, B);
    });
}

void min_with_index(const TensorView& values, const TensorView& indices, const TensorView& in, int64_t A,
                    int64_t R, int64_t B) {
    dispatch_all(in.dtype, "min", [&]<typename T>() {
        launch_reduce("min", ArgReducer<T, false>{values.ptr<T>(), indices.ptr<int64_t>()}, in.data, A, R, B);
    });
}

}  // namespace tinydl::cuda
