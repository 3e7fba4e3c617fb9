// loops.h — the strided loop every CPU elementwise kernel runs on.
//
// An elementwise kernel over N operands (the output and its inputs, all with the output's
// sizes; broadcast inputs have stride 0) becomes "for each run of the innermost dim, call
// inner(offsets, steps, count)". Before looping, dims are *coalesced*: two neighbouring dims
// merge when every operand steps through them as through one (stride[i-1] == stride[i] *
// size[i]), so a contiguous tensor of any rank is a single run, and the inner loop is a plain
// `for (i < count)` the compiler vectorises. Dims are first put in memory order (slowest first),
// so operands laid out alike (all transposed, say) coalesce too. Runs are split across threads
// by parallel_for.
//
// Not here: reductions (src/cpu/reduce.cpp) and GEMM (src/cpu/matmul.cpp) have loops of their own.
#pragma once

#include <array>
#include <cstdint>

#include "src/core/dispatch.h"
#include "src/core/layout.h"
#include "tinydl/parallel.h"

namespace tinydl::cpu {

template <size_t N> struct Loop {
    DimVector sizes;
    std::array<DimVector, N> strides;
};

template <size_t N>
Loop<N> make_loop(IntArrayRef sizes, const std::array<IntArrayRef, N>& strides) {
    Loop<N> loop;
    // Walk the dims from the slowest to the fastest in memory, the output (operand 0) deciding
    // first: a transposed output and transposed inputs are then read and written in order, not
    // with a stride of a whole row per element (Note in src/core/layout.h).
    const DimVector order = detail::fastest_first(sizes, strides);
    for (size_t i = order.size(); i-- > 0;) {
        const int64_t d = order[i];
        if (sizes[d] == 1) continue;  // a size-1 dim never moves the pointer
        const size_t last = loop.sizes.size();
        bool merge = last > 0;
        for (size_t k = 0; k < N && merge; ++k)
            merge = loop.strides[k][last - 1] == strides[k][d] * sizes[d];
        if (merge) {
            loop.sizes[last - 1] *= sizes[d];
            for (size_t k = 0; k < N; ++k) loop.strides[k][last - 1] = strides[k][d];
        } else {
            loop.sizes.push_back(sizes[d]);
            for (size_t k = 0; k < N; ++k) loop.strides[k].push_back(strides[k][d]);
        }
    }
    if (loop.sizes.empty()) {  // a single element
        loop.sizes.push_back(1);
        for (size_t k = 0; k < N; ++k) loop.strides[k].push_back(0);
    }
    return loop;
}

// Calls inner(offsets, steps, count) for every innermost run, offsets and steps in elements.
template <size_t N, typename Inner>
void for_each_run(const Loop<N>& loop, int64_t grain, const Inner& inner) {
    const int64_t ndim = static_cast<int64_t>(loop.sizes.size());
    const int64_t inner_size = loop.sizes[ndim - 1];
    std::array<int64_t, N> steps;
    for (size_t k = 0; k < N; ++k) steps[k] = loop.strides[k][ndim - 1];
    if (inner_size == 0) return;

    if (ndim == 1) {  // one run: split it between threads
        parallel_for(0, inner_size, grain, [&](int64_t begin, int64_t end) {
            std::array<int64_t, N> offsets;
            for (size_t k = 0; k < N; ++k) offsets[k] = begin * steps[k];
            inner(offsets, steps, end - begin);
        });
        return;
    }

    int64_t rows = 1;
    for (int64_t d = 0; d < ndim - 1; ++d) rows *= loop.sizes[d];
    if (rows == 0) return;

    // Note [Tiled transpose]: when an input steps by 1 along the second-innermost dim and not
    // along the innermost one (a transposed input: x.t().contiguous(), grad.add_(g.t())), walking
    // whole rows reads it a row apart per element, and each cache line it brings in serves one
    // element before it is evicted (that made such copies ~30x slower than contiguous ones).
    // Walking tiles of kTile rows by kTileWidth columns instead reuses each line for a whole tile
    // of rows: 3.5x faster for a [512, 784] transposed copy. Only 16 columns, because at a
    // power-of-two stride a column's lines all fall in a few cache sets.
    constexpr int64_t kTile = 32, kTileWidth = 16;
    const int64_t n0 = loop.sizes[ndim - 2];
    bool transposed = false;
    for (size_t k = 1; k < N; ++k)
        transposed = transposed || (loop.strides[k][ndim - 2] == 1 && loop.strides[k][ndim - 1] != 1 &&
                                    loop.strides[k][ndim - 1] != 0);
    if (transposed && n0 >= kTile / 2 && inner_size >= kTile / 2) {
        const int64_t planes = rows / n0, row_tiles = (n0 + kTile - 1) / kTile;
        parallel_for(0, planes * row_tiles, std::max<int64_t>(1, grain / (kTile * inner_size)), [&](int64_t begin, int64_t end) {
            for (int64_t task = begin; task < end; ++task) {
                // Offsets of this task's plane (the dims outside the two innermost).
                std::array<int64_t, N> base{};
                int64_t p = task / row_tiles;
                for (int64_t d = ndim - 3; d >= 0; --d) {
                    const int64_t i = p % loop.sizes[d];
                    p /= loop.sizes[d];
                    for (size_t k = 0; k < N; ++k) base[k] += i * loop.strides[k][d];
                }
                const int64_t r0 = task % row_tiles * kTile, r1 = std::min(n0, r0 + kTile);
                for (int64_t c0 = 0; c0 < inner_size; c0 += kTileWidth) {
                    const int64_t count = std::min(kTileWidth, inner_size - c0);
                    for (int64_t r = r0; r < r1; ++r) {
                        std::array<int64_t, N> offsets;
                        for (size_t k = 0; k < N; ++k) offsets[k] = base[k] + r * loop.strides[k][ndim - 2] + c0 * steps[k];
                        inner(offsets, steps, count);
                    }
                }
            }
        });
        return;
    }

    const int64_t row_grain = std::max<int64_t>(1, grain / inner_size);
    parallel_for(0, rows, row_grain, [&](int64_t begin, int64_t end) {
        // Multi-index of row `begin` over the outer dims, and the offsets it implies.
        DimVector index(ndim - 1);
        std::array<int64_t, N> offsets{};
        int64_t r = begin;
        for (int64_t d = ndim - 2; d >= 0; --d) {
            index[d] = r % loop.sizes[d];
            r /= loop.sizes[d];
            for (size_t k = 0; k < N; ++k) offsets[k] += index[d] * loop.strides[k][d];
        }
        for (int64_t row = begin; row < end; ++row) {
            inner(offsets, steps, inner_size);
            // Advance the odometer by one row.
            for (int64_t d = ndim - 2; d >= 0; --d) {
                ++index[d];
                for (size_t k = 0; k < N; ++k) offsets[k] += loop.strides[k][d];
                if (index[d] < loop.sizes[d]) break;
                for (size_t k = 0; k < N; ++k) offsets[k] -= index[d] * loop.strides[k][d];
                index[d] = 0;
            }
        }
    });
}

// out[i] = fn(in[i]) for TensorViews of equal sizes.
template <typename TOut, typename TIn, typename Fn>
void unary_loop(const TensorView& out, const TensorView& in, const Fn& fn) {
    auto loop = make_loop<2>(out.sizes, {IntArrayRef(out.strides), IntArrayRef(in.strides)});
    TOut* po = out.ptr<TOut>();
    const TIn* pi = in.ptr<const TIn>();
    for_each_run(loop, kParallelGrain, [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& step, int64_t n) {
        TOut* o = po + off[0];
        const TIn* x = pi + off[1];
        if (step[0] == 1 && step[1] == 1) {
            for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i]);  // contiguous: vectorises
        } else {
            for (int64_t i = 0; i < n; ++i) o[i * step[0]] = fn(x[i * step[1]]);
        }
    });
}

// out[i] = fn(a[i], b[i]); a or b may be broadcast (stride 0).
template <typename TOut, typename TIn, typename Fn>
void binary_loop(const TensorView& out, const TensorView& a, const TensorView& b, const Fn& fn) {
    auto loop = make_loop<3>(out.sizes, {IntArrayRef(out.strides), IntArrayRef(a.strides), IntArrayRef(b.strides)});
    TOut* po = out.ptr<TOut>();
    const TIn* pa = a.ptr<const TIn>();
    const TIn* pb = b.ptr<const TIn>();
    for_each_run(loop, kParallelGrain, [&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& step, int64_t n) {
        TOut* o = po + off[0];
        const TIn* x = pa + off[1];
        const TIn* y = pb + off[2];
        if (step[0] == 1 && step[1] == 1 && step[2] == 1) {
            for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i], y[i]);
        } else if (step[0] == 1 && step[1] == 1 && step[2] == 0) {  // tensor op scalar
            const TIn c = *y;
            for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i], c);
        } else if (step[0] == 1 && step[1] == 0 && step[2] == 1) {  // scalar op tensor
            const TIn c = *x;
            for (int64_t i = 0; i < n; ++i) o[i] = fn(c, y[i]);
        } else {
            for (int64_t i = 0; i < n; ++i) o[i * step[0]] = fn(x[i * step[1]], y[i * step[2]]);
        }
    });
}

// out[i] = fn(c[i], a[i], b[i]) with c of type TC (where's condition).
template <typename T, typename TC, typename Fn>
void ternary_loop(const TensorView& out, const TensorView& c, const TensorView& a, const TensorView& b, const Fn& fn) {
    auto loop = make_loop<4>(out.sizes, {IntArrayRef(out.strides), IntArrayRef(c.strides), IntArrayRef(a.strides),
                                         IntArrayRef(b.strides)});
    T* po = out.ptr<T>();
    const TC* pc = c.ptr<const TC>();
    const T* pa = a.ptr<const T>();
    const T* pb = b.ptr<const T>();
    for_each_run(loop, kParallelGrain, [&](const std::array<int64_t, 4>& off, const std::array<int64_t, 4>& step, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
            po[off[0] + i * step[0]] = fn(pc[off[1] + i * step[1]], pa[off[2] + i * step[2]], pb[off[3] + i * step[3]]);
    });
}

}  // namespace tinydl::cpu
