// shape.cpp — views (view, reshape, transpose, permute, squeeze, unsqueeze, expand, slice,
// select, flatten, unflatten) and the copying joins cat and stack.
//
// A view only computes new sizes, strides and offset over the same storage; no element moves
// (docs/tensors-and-strides.md). Its backward undoes the geometry on the gradient: a permute's
// gradient is permuted back, an expand's is summed, a slice's is placed into zeros.
#include <algorithm>
#include <numeric>

#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {

// A view of x with grad_fn `node` (when recording). Views are flagged so that a recorded
// in-place op on them is refused (see check_inplace).
template <typename N>
Tensor view_op(const Tensor& x, IntArrayRef sizes, IntArrayRef strides, int64_t offset, std::shared_ptr<N> node) {
    Tensor out = detail::make_view(x, sizes, strides, offset);
    out.impl()->is_view_ = true;
    if (node) autograd::set_history(out, std::move(node));
    return out;
}

// out = x.reshape(...) and friends:  grad = g.reshape(x's shape)
struct ViewBackward : Node {
    DimVector in_shape;
    const char* node_name = "ViewBackward0";
    const char* name() const override { return node_name; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].reshape(in_shape)}; }
};
struct PermuteBackward : Node {
    DimVector inverse;  // inverse[dims[i]] = i
    const char* name() const override { return "PermuteBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].permute(inverse)}; }
};
struct TransposeBackward : Node {
    int64_t dim0 = 0, dim1 = 0;
    const char* name() const override { return "TransposeBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].transpose(dim0, dim1)}; }
};
struct ExpandBackward : Node {
    DimVector in_shape;
    const char* name() const override { return "ExpandBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {sum_to(g[0], in_shape)}; }
};

// The gradient of x.slice(dim, start, end, step): zeros of x's shape with g in the slice.
// It is an op of its own so that double backward works: its gradient is the slice again.
Tensor slice_backward(const Tensor& g, IntArrayRef in_shape, int64_t dim, int64_t start, int64_t end, int64_t step);

struct SliceBackward : Node {
    DimVector in_shape;
    int64_t dim = 0, start = 0, end = 0, step = 1;
    const char* name() const override { return "SliceBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {slice_backward(g[0], in_shape, dim, start, end, step)};
    }
};
struct SelectBackward : Node {
    DimVector in_shape;
    int64_t dim = 0, index = 0;
    const char* name() const override { return "SelectBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {slice_backward(g[0].unsqueeze(dim), in_shape, dim, index, index + 1, 1)};
    }
};
struct SliceBackwardBackward : Node {
    int64_t dim = 0, start = 0, end = 0, step = 1;
    const char* name() const override { return "SliceBackwardBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].slice(dim, start, end, step)}; }
};

Tensor slice_backward(const Tensor& g, IntArrayRef in_shape, int64_t dim, int64_t start, int64_t end, int64_t step) {
    Tensor out = zeros(in_shape, TensorOptions(g.dtype()).device(g.device()));
    {
        NoGradGuard no_grad;
        out.slice(dim, start, end, step).copy_(g);
    }
    if (autograd::should_record(g)) {
        auto node = autograd::make_node<SliceBackwardBackward>(g);
        node->dim = dim;
        node->start = start;
        node->end = end;
        node->step = step;
        autograd::set_history(out, node);
    }
    return out;
}

// Replaces a -1 in `shape` by what makes numel match; checks the total.
DimVector infer_size(IntArrayRef shape, int64_t numel, const char* op) {
    DimVector out(shape);
    int64_t known = 1;
    int64_t infer_at = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            TINYDL_CHECK_SHAPE(infer_at < 0, op, "only one dimension can be inferred (shape ", shape, ")");
            infer_at = static_cast<int64_t>(i);
        } else {
            TINYDL_CHECK_SHAPE(shape[i] >= 0, op, "invalid shape dimension ", shape[i], " in ", shape);
            known *= shape[i];
        }
    }
    if (infer_at >= 0) {
        TINYDL_CHECK_SHAPE(known != 0 && numel % known == 0, op, "shape '", shape, "' is invalid for input of size ", numel);
        out[infer_at] = numel / known;
    } else {
        TINYDL_CHECK_SHAPE(known == numel, op, "shape '", shape, "' is invalid for input of size ", numel);
    }
    return out;
}

// Strides that let `new_sizes` view memory laid out as (sizes, strides), or false when the
// reshape must copy. Walks the old dims in chunks that are contiguous among themselves, and
// requires each chunk to be split into whole new dims (PyTorch's computeStride).
bool view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes, DimVector& new_strides) {
    new_strides = DimVector(new_sizes.size());
    if (numel_of(sizes) == 0 || sizes.empty()) {  // nothing to lay out, or one element
        new_strides = contiguous_strides(new_sizes);
        return true;
    }
    int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
    int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
    int64_t tensor_numel = 1, view_numel = 1;
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
        tensor_numel *= sizes[d];
        // End of a chunk: the next (outer) dim does not continue this one in memory.
        if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
                new_strides[view_d] = view_numel * chunk_base_stride;
                view_numel *= new_sizes[view_d];
                --view_d;
            }
            if (view_numel != tensor_numel) return false;
            if (d > 0) {
                chunk_base_stride = strides[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

}  // namespace

// ---- reshaping views ---------------------------------------------------------------------------
Tensor Tensor::view(IntArrayRef shape) const {
    detail::check_defined("view", *this);
    const DimVector sizes = infer_size(shape, numel(), "view");
    DimVector strides;
    TINYDL_CHECK_SHAPE(view_strides(this->sizes(), this->strides(), sizes, strides), "view",
                       "view size ", sizes, " is not compatible with the input's size ", this->sizes(),
                       " and stride ", this->strides(),
                       " (at least one dimension spans across two contiguous subspaces); use .reshape(...) instead");
    std::shared_ptr<ViewBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<ViewBackward>(*this);
        node->in_shape = DimVector(this->sizes());
    }
    return view_op(*this, sizes, strides, storage_offset(), node);
}

Tensor Tensor::reshape(IntArrayRef shape) const {
    detail::check_defined("reshape", *this);
    const DimVector sizes = infer_size(shape, numel(), "reshape");
    DimVector strides;
    if (view_strides(this->sizes(), this->strides(), sizes, strides)) {
        std::shared_ptr<ViewBackward> node;
        if (autograd::should_record(*this)) {
            node = autograd::make_node<ViewBackward>(*this);
            node->in_shape = DimVector(this->sizes());
            node->node_name = "ReshapeAliasBackward0";
        }
        return view_op(*this, sizes, strides, storage_offset(), node);
    }
    return clone().view(sizes);  // the copy is contiguous, so the view always works
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
    detail::check_defined("flatten", *this);
    if (dim() == 0) return reshape({1});
    const int64_t s = wrap_dim(start_dim, dim(), "flatten");
    const int64_t e = wrap_dim(end_dim, dim(), "flatten");
    TINYDL_CHECK_INDEX(s <= e, "flatten", "start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
    if (s == e) return *this;
    DimVector shape;
    for (int64_t d = 0; d < s; ++d) shape.push_back(size(d));
    int64_t flat = 1;
    for (int64_t d = s; d <= e; ++d) flat *= size(d);
    shape.push_back(flat);
    for (int64_t d = e + 1; d < dim(); ++d) shape.push_back(size(d));
    return reshape(shape);
}

Tensor Tensor::unflatten(int64_t d, IntArrayRef sizes) const {
    detail::check_defined("unflatten", *this);
    const int64_t wd = wrap_dim(d, dim(), "unflatten");
    const DimVector inner = infer_size(sizes, size(wd), "unflatten");
    DimVector shape;
    for (int64_t i = 0; i < wd; ++i) shape.push_back(size(i));
    for (int64_t s : inner) shape.push_back(s);
    for (int64_t i = wd + 1; i < dim(); ++i) shape.push_back(size(i));
    return view(shape);
}

Tensor Tensor::squeeze() const {
    detail::check_defined("squeeze", *this);
    DimVector shape;
    for (int64_t s : sizes())
        if (s != 1) shape.push_back(s);
    return shape.size() == static_cast<size_t>(dim()) ? *this : reshape(shape);
}

Tensor Tensor::squeeze(int64_t d) const {
    detail::check_defined("squeeze", *this);
    if (dim() == 0) return *this;
    const int64_t wd = wrap_dim(d, dim(), "squeeze");
    if (size(wd) != 1) return *this;  // PyTorch leaves other dims alone
    DimVector shape(sizes());
    shape.erase(wd);
    return reshape(shape);
}

Tensor Tensor::unsqueeze(int64_t d) const {
    detail::check_defined("unsqueeze", *this);
    const int64_t wd = wrap_dim(d, dim() + 1, "unsqueeze");
    DimVector shape(sizes());
    shape.insert(wd, 1);
    return reshape(shape);
}

// ---- reordering views ----------------------------------------------------------------------------
Tensor Tensor::permute(IntArrayRef dims) const {
    detail::check_defined("permute", *this);
    TINYDL_CHECK_SHAPE(static_cast<int64_t>(dims.size()) == dim(), "permute", "number of dims don't match: got ",
                       dims.size(), " dims ", dims, " for a tensor of shape ", sizes());
    DimVector new_sizes(dim()), new_strides(dim()), inverse(dim());
    std::vector<bool> seen(dim(), false);
    for (int64_t i = 0; i < dim(); ++i) {
        const int64_t d = wrap_dim(dims[i], dim(), "permute");
        TINYDL_CHECK_INDEX(!seen[d], "permute", "repeated dim ", dims[i], " in ", dims);
        seen[d] = true;
        new_sizes[i] = size(d);
        new_strides[i] = stride(d);
        inverse[d] = i;
    }
    std::shared_ptr<PermuteBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<PermuteBackward>(*this);
        node->inverse = inverse;
    }
    return view_op(*this, new_sizes, new_strides, storage_offset(), node);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
    detail::check_defined("transpose", *this);
    if (dim() == 0) return *this;
    const int64_t d0 = wrap_dim(dim0, dim(), "transpose");
    const int64_t d1 = wrap_dim(dim1, dim(), "transpose");
    DimVector new_sizes(sizes()), new_strides(strides());
    std::swap(new_sizes[d0], new_sizes[d1]);
    std::swap(new_strides[d0], new_strides[d1]);
    std::shared_ptr<TransposeBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<TransposeBackward>(*this);
        node->dim0 = d0;
        node->dim1 = d1;
    }
    return view_op(*this, new_sizes, new_strides, storage_offset(), node);
}

Tensor Tensor::t() const {
    detail::check_defined("t", *this);
    TINYDL_CHECK_SHAPE(dim() <= 2, "t", "expects a tensor with <= 2 dimensions, but got shape ", sizes(),
                       "; use transpose(dim0, dim1) or permute");
    return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::expand(IntArrayRef target) const {
    detail::check_defined("expand", *this);
    TINYDL_CHECK_SHAPE(static_cast<int64_t>(target.size()) >= dim(), "expand", "the number of sizes provided (",
                       target.size(), ") must be greater or equal to the number of dimensions in the tensor (", dim(),
                       "); shape ", sizes(), " to ", target);
    const int64_t lead = static_cast<int64_t>(target.size()) - dim();
    DimVector new_sizes(target.size()), new_strides(target.size());
    for (int64_t i = 0; i < static_cast<int64_t>(target.size()); ++i) {
        const int64_t want = target[i];
        if (i < lead) {
            TINYDL_CHECK_SHAPE(want >= 0, "expand", "-1 is not allowed in a leading, non-existing dimension (", target, ")");
            new_sizes[i] = want;
            new_strides[i] = 0;
            continue;
        }
        const int64_t have = size(i - lead);
        if (want == -1 || want == have) {
            new_sizes[i] = have;
            new_strides[i] = stride(i - lead);
        } else {
            TINYDL_CHECK_SHAPE(have == 1, "expand", "the expanded size of the tensor (", want,
                               ") must match the existing size (", have, ") at non-singleton dimension ", i,
                               ": target sizes ", target, ", tensor sizes ", sizes());
            new_sizes[i] = want;
            new_strides[i] = 0;
        }
    }
    if (new_sizes == DimVector(sizes())) return *this;
    std::shared_ptr<ExpandBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<ExpandBackward>(*this);
        node->in_shape = DimVector(sizes());
    }
    return view_op(*this, new_sizes, new_strides, storage_offset(), node);
}

// ---- slicing views -------------------------------------------------------------------------------
Tensor Tensor::slice(int64_t d, std::optional<int64_t> start_opt, std::optional<int64_t> end_opt, int64_t step) const {
    detail::check_defined("slice", *this);
    TINYDL_CHECK_INDEX(dim() > 0, "slice", "cannot slice a 0-dim tensor");
    const int64_t wd = wrap_dim(d, dim(), "slice");
    TINYDL_CHECK(step > 0, "slice", "step must be positive, got ", step);
    const int64_t n = size(wd);
    // Python slice rules: negative indices count from the end, out-of-range ones clamp.
    auto clamp_index = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
    const int64_t start = clamp_index(start_opt.value_or(0));
    const int64_t end = std::max(start, clamp_index(end_opt.value_or(n)));
    DimVector new_sizes(sizes()), new_strides(strides());
    new_sizes[wd] = (end - start + step - 1) / step;
    new_strides[wd] = stride(wd) * step;
    std::shared_ptr<SliceBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<SliceBackward>(*this);
        node->in_shape = DimVector(sizes());
        node->dim = wd;
        node->start = start;
        node->end = end;
        node->step = step;
    }
    return view_op(*this, new_sizes, new_strides, storage_offset() + start * stride(wd), node);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
    detail::check_defined("narrow", *this);
    TINYDL_CHECK_INDEX(dim() > 0, "narrow", "cannot narrow a 0-dim tensor");
    const int64_t wd = wrap_dim(d, dim(), "narrow");
    const int64_t n = size(wd);
    TINYDL_CHECK_INDEX(start >= -n && start <= n, "narrow", "start (", start, ") is out of range for dim ", wd,
                       " of size ", n);
    const int64_t s = start < 0 ? start + n : start;
    TINYDL_CHECK_INDEX(length >= 0 && s + length <= n, "narrow", "start (", s, ") + length (", length,
                       ") exceeds dimension size (", n, ")");
    return slice(wd, s, s + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
    detail::check_defined("select", *this);
    TINYDL_CHECK_INDEX(dim() > 0, "select", "cannot select on a 0-dim tensor");
    const int64_t wd = wrap_dim(d, dim(), "select");
    const int64_t n = size(wd);
    TINYDL_CHECK_INDEX(index >= -n && index < n, "select", "index ", index, " out of range for tensor of size ",
                       sizes(), " at dimension ", wd);
    const int64_t i = index < 0 ? index + n : index;
    DimVector new_sizes(sizes()), new_strides(strides());
    new_sizes.erase(wd);
    new_strides.erase(wd);
    std::shared_ptr<SelectBackward> node;
    if (autograd::should_record(*this)) {
        node = autograd::make_node<SelectBackward>(*this);
        node->in_shape = DimVector(sizes());
        node->dim = wd;
        node->index = i;
    }
    return view_op(*this, new_sizes, new_strides, storage_offset() + i * stride(wd), node);
}

// ---- joins (copy) -----------------------------------------------------------------------------------
namespace {
// out = cat(xs, dim):  grad_xs[i] = g.narrow(dim, offset_i, size_i)
struct CatBackward : Node {
    int64_t dim = 0;
    std::vector<int64_t> lengths;
    std::vector<DType> dtypes;
    const char* name() const override { return "CatBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        std::vector<Tensor> out;
        int64_t offset = 0;
        for (size_t i = 0; i < lengths.size(); ++i) {
            if (next_edges[i].valid()) out.push_back(g[0].narrow(dim, offset, lengths[i]).to(dtypes[i]));
            else out.push_back(Tensor{});
            offset += lengths[i];
        }
        return out;
    }
};
}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
    TINYDL_CHECK(!tensors.empty(), "cat", "expected a non-empty list of tensors");
    for (size_t i = 0; i < tensors.size(); ++i) detail::check_defined("cat", tensors[i]);
    const Tensor& first = tensors[0];
    TINYDL_CHECK_SHAPE(first.dim() > 0, "cat", "zero-dimensional tensor (at position 0) cannot be concatenated");
    const int64_t d = wrap_dim(dim, first.dim(), "cat");
    DType dtype = first.dtype();
    DimVector shape(first.sizes());
    shape[d] = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const Tensor& t = tensors[i];
        detail::check_same_device("cat", first, t);
        TINYDL_CHECK_SHAPE(t.dim() == first.dim(), "cat", "tensors must have same number of dimensions: got ",
                           first.dim(), " and ", t.dim(), " (shapes ", first.sizes(), " and ", t.sizes(), " at position ", i, ")");
        for (int64_t k = 0; k < t.dim(); ++k) {
            TINYDL_CHECK_SHAPE(k == d || t.size(k) == first.size(k), "cat", "sizes of tensors must match except in dimension ",
                               d, ": expected size ", first.size(k), " but got size ", t.size(k), " for tensor number ", i,
                               " in the list (shapes ", first.sizes(), " and ", t.sizes(), ")");
        }
        shape[d] += t.size(d);
        dtype = promote_types(dtype, t.dtype());
    }
    Tensor out = detail::empty_raw(shape, dtype, first.device());
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
        const int64_t len = t.size(d);
        if (len > 0) {
            DimVector part_sizes(out.sizes());
            part_sizes[d] = len;
            Tensor part = detail::make_view(out, part_sizes, out.strides(), offset * out.stride(d));
            detail::copy_raw(part, t);
        }
        offset += len;
    }
    bool record = GradMode::is_enabled();
    bool any = false;
    for (const Tensor& t : tensors) any = any || t.requires_grad();
    if (record && any) {
        auto node = autograd::make_node_list<CatBackward>(tensors);
        node->dim = d;
        for (const Tensor& t : tensors) {
            node->lengths.push_back(t.size(d));
            node->dtypes.push_back(t.dtype());
        }
        autograd::set_history(out, node);
    }
    return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
    TINYDL_CHECK(!tensors.empty(), "stack", "expected a non-empty list of tensors");
    detail::check_defined("stack", tensors[0]);
    const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
    std::vector<Tensor> expanded;
    for (size_t i = 0; i < tensors.size(); ++i) {
        detail::check_defined("stack", tensors[i]);
        TINYDL_CHECK_SHAPE(tensors[i].sizes() == tensors[0].sizes(), "stack", "stack expects each tensor to be equal size, but got ",
                           tensors[0].sizes(), " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
        expanded.push_back(tensors[i].unsqueeze(d));
    }
    return cat(expanded, d);
}

// ---- sum_to --------------------------------------------------------------------------------------------
Tensor sum_to(const Tensor& grad, IntArrayRef shape) {
    if (grad.sizes() == shape) return grad;
    const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
    TINYDL_ASSERT(lead >= 0, "sum_to: gradient ", grad.sizes(), " has fewer dims than ", shape);
    DimVector dims;
    for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
    for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
        if (shape[i] == 1 && grad.size(lead + i) != 1) dims.push_back(lead + i);
    Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
    return r.sizes() == shape ? r : r.reshape(shape);
}

}  // namespace tinydl
