// index.cpp — the indexing family: index_select, index_add, gather, scatter_add, and the two
// compositions embedding and one_hot.
//
// The four primitives come in two adjoint pairs, and each one's backward is the other:
//   index_select (pick slices)   <->  index_add   (add slices back where they came from)
//   gather       (pick elements) <->  scatter_add (add elements back where they came from)
// so double backward works with no extra code. embedding is index_select on the rows of the
// weight; one_hot compares the indices with arange(C).
//
// Every index value is checked on the host before anything is written (Note [Checked
// indices]), so a bad index throws IndexError and never reads or writes out of bounds. Indices
// are int64 or int32; the kernels see int64 only.
//
// What this is not: no scatter (overwrite) or scatter_reduce, no index_put / advanced
// indexing, no negative-index wrapping (PyTorch refuses negative indices here too), no sparse
// gradient for embedding (its gradient is a dense [N, D] tensor).
//
// Dimension legend: x is read as [outer, size, inner] around `dim`; n is the number of indices.
// g is the incoming gradient, of out's shape.
#include "src/cpu/index.h"
#include "src/cuda/index.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<IndexSelectKernel> index_select_kernels{"index_select", cpu::index_select,
                                                          TINYDL_IF_CUDA(cuda::index_select)};
const KernelTable<IndexAddKernel> index_add_kernels{"index_add", cpu::index_add, TINYDL_IF_CUDA(cuda::index_add)};
const KernelTable<GatherKernel> gather_kernels{"gather", cpu::gather, TINYDL_IF_CUDA(cuda::gather)};
const KernelTable<ScatterAddKernel> scatter_add_kernels{"scatter_add", cpu::scatter_add,
                                                        TINYDL_IF_CUDA(cuda::scatter_add)};

// `index` as a contiguous int64 tensor; a TypeError for any other dtype than int64 and int32.
Tensor int64_index(const char* op, const Tensor& index) {
    TINYDL_CHECK_TYPE(index.dtype() == kInt64 || index.dtype() == kInt32, op,
                      "expected an index tensor of dtype int64 or int32, got ", index.dtype(), " (shape ",
                      index.sizes(), "); convert it with .to(kInt64)");
    return detail::contiguous_raw(detail::to_raw(index, kInt64));
}

// Note [Checked indices]: a GPU kernel cannot throw, and PyTorch's device-side assert poisons
// the CUDA context, so tinydl reads the indices on the host once and throws before any kernel
// runs. On the CPU this is one extra pass over n integers; for a CUDA index it is a copy to the
// host (.cpu(), which waits for the kernels queued before it) and the same pass. Every op that
// hands indices to a kernel (index_select, and embedding through it; index_add, gather,
// scatter_add) calls check_bounds first; one_hot checks its own on the host the same way.
void check_bounds(const char* op, const Tensor& index64, int64_t dim, int64_t size) {
    if (index64.numel() == 0) return;
    const Tensor host = index64.is_cpu() ? index64 : index64.cpu();
    const int64_t* p = host.data_ptr<int64_t>();
    for (int64_t i = 0, n = host.numel(); i < n; ++i)
        TINYDL_CHECK_INDEX(p[i] >= 0 && p[i] < size, op, "index ", p[i], " is out of bounds for dimension ",
                           dim, " with size ", size);
}

// A tensor of rank `dim`+ read around `dim` as [outer, size, inner] (a 0-dim one as [1, 1, 1]).
struct Slices {
    int64_t outer = 1, size = 1, inner = 1;
};
Slices slices_around(IntArrayRef shape, int64_t dim) {
    Slices s;
    if (shape.empty()) return s;
    for (int64_t d = 0; d < dim; ++d) s.outer *= shape[d];
    s.size = shape[dim];
    for (size_t d = dim + 1; d < shape.size(); ++d) s.inner *= shape[d];
    return s;
}

// The kernel view of t, with a 0-dim tensor seen as one element of shape [1].
TensorView view_1d_if_scalar(const Tensor& t) {
    TensorView v = view_of(t);
    if (v.sizes.empty()) {
        v.sizes = DimVector{1};
        v.strides = DimVector{1};
    }
    return v;
}

Tensor zeros_of(IntArrayRef shape, const Tensor& like) {
    return zeros(shape, TensorOptions(like.dtype()).device(like.device()));
}

// t grown to `shape` with zeros after its end in each dim (t's sizes are at most shape's).
// Built from cat so that it stays differentiable.
Tensor pad_end_with_zeros(Tensor t, IntArrayRef shape) {
    for (int64_t k = 0; k < t.dim(); ++k) {
        if (t.size(k) == shape[k]) continue;
        DimVector zshape(t.sizes());
        zshape[k] = shape[k] - t.size(k);
        t = cat({t, zeros_of(zshape, t)}, k);
    }
    return t;
}

// out = x.index_select(dim, index):  grad_x = index_add(zeros like x, dim, index, g)
struct IndexSelectBackward : Node {
    SavedVariable index{this};
    DimVector in_shape;
    int64_t dim = 0;
    const char* name() const override { return "IndexSelectBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {index_add(zeros_of(in_shape, g), dim, index.unpack(), g)};
    }
};

// out = index_add(x, dim, index, source):  grad_x = g,  grad_source = g.index_select(dim, index)
struct IndexAddBackward : Node {
    SavedVariable index{this};
    DimVector source_shape;
    int64_t dim = 0;
    const char* name() const override { return "IndexAddBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        Tensor grad_source;
        if (next_edges[1].valid()) {
            grad_source = g.index_select(dim, index.unpack());
            if (!(grad_source.sizes() == IntArrayRef(source_shape)))
                grad_source = grad_source.reshape(source_shape);
        }
        return {next_edges[0].valid() ? g : Tensor{}, grad_source};
    }
};

// out = x.gather(dim, index):  grad_x = scatter_add(zeros like x, dim, index, g)
struct GatherBackward : Node {
    SavedVariable index{this};
    DimVector in_shape;
    int64_t dim = 0;
    const char* name() const override { return "GatherBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        return {scatter_add(zeros_of(in_shape, g), dim, index.unpack(), g)};
    }
};

// out = x.scatter_add(dim, index, src):  grad_x = g,  grad_src = g.gather(dim, index), with
// zeros where src is larger than index (those elements of src were never read).
struct ScatterAddBackward : Node {
    SavedVariable index{this};
    DimVector src_shape;
    int64_t dim = 0;
    const char* name() const override { return "ScatterAddBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        Tensor grad_src;
        if (next_edges[1].valid()) grad_src = pad_end_with_zeros(g.gather(dim, index.unpack()), src_shape);
        return {next_edges[0].valid() ? g : Tensor{}, grad_src};
    }
};

// index_select, with `op` naming the user's call in errors (embedding calls it too).
Tensor index_select_impl(const char* op, const Tensor& x, int64_t dim, const Tensor& index) {
    detail::check_defined(op, x);
    detail::check_defined(op, index, "index");
    detail::check_same_device(op, x, index);
    const int64_t d = wrap_dim(dim, x.dim(), op);
    TINYDL_CHECK_SHAPE(index.dim() <= 1, op, "index is supposed to be a vector (1-D), got shape ",
                       index.sizes());
    const Tensor idx = int64_index(op, index);
    const int64_t n = idx.numel();
    TINYDL_CHECK_SHAPE(x.dim() > 0 || n == 1, op, "index into a 0-dim tensor can have only 1 value, got ", n,
                       " value(s)");
    const Slices s = slices_around(x.sizes(), d);
    check_bounds(op, idx, d, s.size);

    DimVector out_shape(x.sizes());
    if (x.dim() > 0) out_shape[d] = n;
    Tensor out = detail::empty_raw(out_shape, x.dtype(), x.device());
    if (out.numel() > 0)
        index_select_kernels.get(x.device())(view_of(out), view_of(detail::contiguous_raw(x)), view_of(idx),
                                             s.outer, s.size, s.inner);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<IndexSelectBackward>(x);
        node->index.save(index);
        node->in_shape = DimVector(x.sizes());
        node->dim = d;
        autograd::set_history(out, node);
    }
    return out;
}

// The checks gather and scatter_add share: same rank, and index no larger than `x` outside
// `dim` (and than src everywhere, for scatter_add).
void check_gather_shapes(const char* op, const Tensor& x, const Tensor& index, int64_t d, const Tensor* src) {
    TINYDL_CHECK_SHAPE(index.dim() == x.dim(), op, "index tensor must have the same number of dimensions as ",
                       src ? "self" : "input", " tensor (index ", index.sizes(), ", ",
                       src ? "self " : "input ", x.sizes(), ")");
    if (src)
        TINYDL_CHECK_SHAPE(src->dim() == x.dim(), op,
                           "src must have the same number of dimensions as self (src ", src->sizes(),
                           ", self ", x.sizes(), ")");
    for (int64_t k = 0; k < x.dim(); ++k) {
        TINYDL_CHECK_SHAPE(k == d || index.size(k) <= x.size(k), op, "size does not match at dimension ", k,
                           ": expected index ", index.sizes(), " to be smaller than self ", x.sizes(),
                           " apart from dimension ", d);
        if (src)
            TINYDL_CHECK_SHAPE(index.size(k) <= src->size(k), op, "size does not match at dimension ", k,
                               ": expected index ", index.sizes(), " to be smaller than src ", src->sizes());
    }
}

}  // namespace

// ---- index_select / index_add -------------------------------------------------------------------
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
    return index_select_impl("index_select", x, dim, index);
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
    const char* op = "index_add";
    detail::check_defined(op, x);
    detail::check_defined(op, index, "index");
    detail::check_defined(op, source, "source");
    detail::check_same_device(op, x, index, source);
    const int64_t d = wrap_dim(dim, x.dim(), op);
    TINYDL_CHECK_SHAPE(index.dim() <= 1, op, "index is supposed to be a vector (1-D), got shape ",
                       index.sizes());
    const Tensor idx = int64_index(op, index);
    const int64_t n = idx.numel();
    TINYDL_CHECK_TYPE(source.dtype() == x.dtype(), op, "self (", x.dtype(), ") and source (", source.dtype(),
                      ") must have the same scalar type");
    TINYDL_CHECK_TYPE(x.dtype() != kBool, op, "bool tensors are not supported");
    if (x.dim() == 0) {
        TINYDL_CHECK_SHAPE(n == 1 && source.numel() == 1 && source.dim() <= 1, op,
                           "a 0-dim self takes exactly one index and one source value, got index ",
                           index.sizes(), " and source ", source.sizes());
    } else {
        TINYDL_CHECK_SHAPE(source.dim() == x.dim() || (source.dim() == 0 && x.dim() == 1 && n == 1), op,
                           "self and source must have the same number of dimensions (self ", x.sizes(),
                           ", source ", source.sizes(), ")");
        const int64_t source_n = source.dim() == 0 ? 1 : source.size(d);
        TINYDL_CHECK_SHAPE(source_n == n, op, "number of indices (", n,
                           ") should be equal to source.size(dim) (", source_n, ") (dim ", d, ", source ",
                           source.sizes(), ")");
        for (int64_t k = 0; k < source.dim(); ++k)
            TINYDL_CHECK_SHAPE(k == d || source.size(k) == x.size(k), op, "source ", source.sizes(),
                               " must match self ", x.sizes(), " in every dim but ", d, " (dim ", k, ": ",
                               source.size(k), " vs ", x.size(k), ")");
    }
    const Slices s = slices_around(x.sizes(), d);
    check_bounds(op, idx, d, s.size);

    Tensor out = detail::empty_raw(x.sizes(), x.dtype(), x.device());
    detail::copy_raw(out, x);
    if (source.numel() > 0)
        index_add_kernels.get(x.device())(view_of(out), view_of(detail::contiguous_raw(source)), view_of(idx),
                                          s.outer, s.size, s.inner);
    if (autograd::should_record(x, source)) {
        auto node = autograd::make_node<IndexAddBackward>(x, source);
        node->index.save(index);
        node->source_shape = DimVector(source.sizes());
        node->dim = d;
        autograd::set_history(out, node);
    }
    return out;
}

// ---- gather / scatter_add -----------------------------------------------------------------------
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
    const char* op = "gather";
    detail::check_defined(op, x);
    detail::check_defined(op, index, "index");
    detail::check_same_device(op, x, index);
    const int64_t d = wrap_dim(dim, x.dim(), op);
    const Tensor idx = int64_index(op, index);
    check_gather_shapes(op, x, index, d, nullptr);
    check_bounds(op, idx, d, x.dim() == 0 ? 1 : x.size(d));

    Tensor out = detail::empty_raw(index.sizes(), x.dtype(), x.device());
    if (out.numel() > 0)  // x is read with its own strides: no copy
        gather_kernels.get(x.device())(view_1d_if_scalar(out), view_1d_if_scalar(x), view_1d_if_scalar(idx),
                                       d);
    if (autograd::should_record(x)) {
        auto node = autograd::make_node<GatherBackward>(x);
        node->index.save(index);
        node->in_shape = DimVector(x.sizes());
        node->dim = d;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    const char* op = "scatter_add";
    detail::check_defined(op, x);
    detail::check_defined(op, index, "index");
    detail::check_defined(op, src, "src");
    detail::check_same_device(op, x, index, src);
    const int64_t d = wrap_dim(dim, x.dim(), op);
    const Tensor idx = int64_index(op, index);
    TINYDL_CHECK_TYPE(src.dtype() == x.dtype(), op, "expected self.dtype to be equal to src.dtype (self ",
                      x.dtype(), ", src ", src.dtype(), ")");
    TINYDL_CHECK_TYPE(x.dtype() != kBool, op, "bool tensors are not supported");
    check_gather_shapes(op, x, index, d, &src);
    check_bounds(op, idx, d, x.dim() == 0 ? 1 : x.size(d));

    Tensor out = detail::empty_raw(x.sizes(), x.dtype(), x.device());
    detail::copy_raw(out, x);
    if (idx.numel() > 0)  // src is read with its own strides: no copy
        scatter_add_kernels.get(x.device())(view_1d_if_scalar(out), view_1d_if_scalar(idx),
                                            view_1d_if_scalar(src), d);
    if (autograd::should_record(x, src)) {
        auto node = autograd::make_node<ScatterAddBackward>(x, src);
        node->index.save(index);
        node->src_shape = DimVector(src.sizes());
        node->dim = d;
        autograd::set_history(out, node);
    }
    return out;
}

// ---- compositions -------------------------------------------------------------------------------
// out[..., :] = weight[indices[...], :]; the gradient is IndexSelectBackward's, so rows picked
// several times accumulate their gradients.
Tensor embedding(const Tensor& weight, const Tensor& indices) {
    detail::check_defined("embedding", weight, "weight");
    detail::check_defined("embedding", indices, "indices");
    TINYDL_CHECK_SHAPE(weight.dim() == 2, "embedding",
                       "weight must be 2-D [num_embeddings, embedding_dim], got shape ", weight.sizes());
    TINYDL_CHECK_TYPE(indices.dtype() == kInt64 || indices.dtype() == kInt32, "embedding",
                      "expected indices of dtype int64 or int32, got ", indices.dtype(), " (shape ",
                      indices.sizes(), "); convert them with .to(kInt64)");
    const Tensor rows = index_select_impl("embedding", weight, 0, indices.reshape({indices.numel()}));
    DimVector out_shape(indices.sizes());
    out_shape.push_back(weight.size(1));
    return rows.reshape(out_shape);
}

// out[..., c] = (indices[...] == c): one comparison with arange(C), broadcast over a new last dim.
Tensor one_hot(const Tensor& indices, int64_t num_classes) {
    detail::check_defined("one_hot", indices, "indices");
    TINYDL_CHECK_TYPE(indices.dtype() == kInt64 || indices.dtype() == kInt32, "one_hot",
                      "one_hot is only applicable to index tensors (int64 or int32), got ", indices.dtype());
    TINYDL_CHECK(num_classes >= -1, "one_hot", "num_classes must be -1 (infer it) or non-negative, got ",
                 num_classes);
    const Tensor idx = int64_index("one_hot", indices);
    const Tensor host = idx.is_cpu() ? idx : idx.cpu();
    const int64_t* p = host.data_ptr<int64_t>();
    int64_t lo = 0, hi = -1;
    for (int64_t i = 0, n = host.numel(); i < n; ++i) {
        lo = i == 0 ? p[i] : std::min(lo, p[i]);
        hi = i == 0 ? p[i] : std::max(hi, p[i]);
    }
    TINYDL_CHECK_INDEX(lo >= 0, "one_hot", "class values must be non-negative, got ", lo);
    if (num_classes == -1) {
        TINYDL_CHECK(indices.numel() > 0, "one_hot",
                     "can not infer total number of classes from empty tensor; pass num_classes");
        num_classes = hi + 1;
    }
    TINYDL_CHECK_INDEX(hi < num_classes, "one_hot", "class values must be smaller than num_classes (",
                       num_classes, "), got ", hi);
    const Tensor classes = arange(0, num_classes, 1, TensorOptions(kInt64).device(indices.device()));
    return eq(idx.unsqueeze(-1), classes).to(kInt64);
}

// ---- methods ------------------------------------------------------------------------------------
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
    return tinydl::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return tinydl::gather(*this, dim, index); }
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
    return tinydl::scatter_add(*this, dim, index, src);
}

}  // namespace tinydl
