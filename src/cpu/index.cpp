// index.cpp — CPU kernels of the indexing family: index_select, index_add, gather, scatter_add.
//
// Plain loops; the indices were bounds-checked by the op, so nothing here checks them again.
// Reads parallelise freely. Writes that add (index_add, scatter_add) may hit one element from
// several index entries, so the work is split only where no two threads can meet: by output
// column for index_add, not at all for scatter_add (a deterministic order of additions, too).
//
// Dimension legend: [outer, size, inner] is a tensor read around dim `dim`; n index entries.
#include "src/cpu/index.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "tinydl/parallel.h"

namespace tinydl::cpu {

namespace {

// Walks a shape in row-major order, keeping the element offsets of N strided operands in
// step: the odometer that every N-D kernel without a contiguous layout needs.
template <size_t N> struct StridedWalk {
    IntArrayRef sizes;
    std::array<const int64_t*, N> strides;
    DimVector coord;
    std::array<int64_t, N> offset{};

    StridedWalk(IntArrayRef sizes_, std::array<const int64_t*, N> strides_, int64_t start)
        : sizes(sizes_), strides(strides_), coord(sizes_.size()) {
        for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {  // start -> coordinates
            coord[d] = start % sizes[d];
            start /= sizes[d];
            for (size_t k = 0; k < N; ++k) offset[k] += coord[d] * strides[k][d];
        }
    }
    void next() {
        for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
            for (size_t k = 0; k < N; ++k) offset[k] += strides[k][d];
            if (++coord[d] < sizes[d]) return;
            for (size_t k = 0; k < N; ++k) offset[k] -= strides[k][d] * sizes[d];  // carry
            coord[d] = 0;
        }
    }
};

}  // namespace

void index_select(const TensorView& out, const TensorView& x, const TensorView& index, int64_t outer,
                  int64_t size, int64_t inner) {
    const int64_t n = index.numel();
    const int64_t* idx = index.ptr<const int64_t>();
    const size_t bytes = static_cast<size_t>(inner) * itemsize(x.dtype);
    const char* src = static_cast<const char*>(x.data);
    char* dst = static_cast<char*>(out.data);
    // Each (o, i) pair copies one slice of `inner` elements: the row memcpy is dtype-free.
    parallel_for(0, outer * n, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)),
                 [&](int64_t begin, int64_t end) {
                     for (int64_t r = begin; r < end; ++r) {
                         const int64_t o = r / n, i = r % n;
                         std::memcpy(dst + r * bytes, src + (o * size + idx[i]) * bytes, bytes);
                     }
                 });
}

void index_add(const TensorView& out, const TensorView& source, const TensorView& index, int64_t outer,
               int64_t size, int64_t inner) {
    dispatch_numeric(out.dtype, "index_add", [&]<typename T>() {
        const int64_t n = index.numel();
        const int64_t* idx = index.ptr<const int64_t>();
        const T* s = source.ptr<const T>();
        T* y = out.ptr<T>();
        // Threads own disjoint ranges of the outer * inner output columns; each adds all n
        // source slices into its own columns, so repeated indices never race.
        parallel_for(0, outer * inner, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n, 1)),
                     [&](int64_t begin, int64_t end) {
                         for (int64_t c = begin; c < end;) {
                             const int64_t o = c / inner, r0 = c % inner;
                             const int64_t r1 = std::min(inner, r0 + (end - c));
                             for (int64_t i = 0; i < n; ++i) {
                                 T* dst = y + (o * size + idx[i]) * inner;
                                 const T* row = s + (o * n + i) * inner;
                                 for (int64_t r = r0; r < r1; ++r) dst[r] += row[r];
                             }
                             c += r1 - r0;
                         }
                     });
    });
}

void gather(const TensorView& out, const TensorView& x, const TensorView& index, int64_t dim) {
    // x's strides with dim's zeroed: the walk supplies every coordinate but the gathered one.
    DimVector x_strides(x.strides);
    const int64_t dim_stride = x_strides[dim];
    x_strides[dim] = 0;
    dispatch_all(out.dtype, "gather", [&]<typename T>() {
        const T* xp = x.ptr<const T>();
        const int64_t* idx = index.ptr<const int64_t>();
        T* y = out.ptr<T>();
        parallel_for(0, index.numel(), kParallelGrain, [&](int64_t begin, int64_t end) {
            StridedWalk<2> walk(index.sizes, {index.strides.data(), x_strides.data()}, begin);
            for (int64_t p = begin; p < end; ++p, walk.next())
                y[p] = xp[walk.offset[1] + idx[walk.offset[0]] * dim_stride];
        });
    });
}

void scatter_add(const TensorView& out, const TensorView& index, const TensorView& src, int64_t dim) {
    DimVector out_strides(out.strides);
    const int64_t dim_stride = out_strides[dim];
    out_strides[dim] = 0;
    dispatch_numeric(out.dtype, "scatter_add", [&]<typename T>() {
        const T* s = src.ptr<const T>();
        const int64_t* idx = index.ptr<const int64_t>();
        T* y = out.ptr<T>();
        const int64_t n = index.numel();
        StridedWalk<3> walk(index.sizes, {index.strides.data(), src.strides.data(), out_strides.data()}, 0);
        for (int64_t p = 0; p < n; ++p, walk.next())
            y[walk.offset[2] + idx[walk.offset[0]] * dim_stride] += s[walk.offset[1]];
    });
}

}  // namespace tinydl::cpu
