// copy.cpp — copies and conversions: to(dtype/device), contiguous, clone, copy_, fill_, and the
// raw helpers every other op family uses. Also element access (item, at) for tests.
//
// Gradients: to(dtype) sends the gradient back converted to the input's dtype; clone and
// contiguous pass it through; copy_ sends it to the source (summed to its shape, since the
// source broadcasts into the destination).
#include <cstring>

#include "src/cpu/elementwise.h"
#include "src/cuda/elementwise.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<CopyKernel> copy_kernels{"copy", cpu::copy, TINYDL_IF_CUDA(cuda::copy)};
const KernelTable<FillKernel> fill_kernels{"fill_", cpu::fill, TINYDL_IF_CUDA(cuda::fill)};
}  // namespace

// ---- raw helpers (no autograd) -------------------------------------------------------------------
namespace detail {

void copy_raw(const Tensor& dst, const Tensor& src) {
    if (dst.numel() == 0) return;
    if (dst.device() != src.device()) {
        // Across devices: bring src to a contiguous block of dst's dtype, then copy the bytes.
        // Every strided or converting step runs on one device with that device's copy kernel
        // (the conversion and the broadcast on src's side, the scatter into a strided dst on
        // dst's side); the only transfer is one dense cudaMemcpy, and no pointer is read here.
        const TensorView b = broadcast_view(src, dst.sizes());
        Tensor staged = contiguous_raw(to_raw(make_view(src, b.sizes, b.strides, src.storage_offset()), dst.dtype()));
        Tensor target = dst.is_contiguous() ? dst : empty_raw(dst.sizes(), dst.dtype(), dst.device());
        copy_bytes(target.data_ptr(), target.device(), staged.data_ptr(), staged.device(), staged.nbytes());
        if (!target.is_same(dst)) copy_raw(dst, target);
        return;
    }
    copy_kernels.get(dst.device())(view_of(dst), broadcast_view(src, dst.sizes()));
}

Tensor to_raw(const Tensor& t, DType dtype) {
    if (t.dtype() == dtype) return t;
    Tensor out = empty_raw(t.sizes(), dtype, t.device());
    copy_raw(out, t);
    return out;
}

Tensor contiguous_raw(const Tensor& t) {
    if (t.is_contiguous()) return t;
    Tensor out = empty_raw(t.sizes(), t.dtype(), t.device());
    copy_raw(out, t);
    return out;
}

Tensor make_view(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
    return Tensor(std::make_shared<TensorImpl>(t.storage(), sizes, strides, offset, t.dtype()));
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
    if (!a.defined() || !b.defined()) return;  // an undefined tensor is reported by check_defined
    TINYDL_CHECK(a.device() == b.device(), op, "expected all tensors to be on the same device, but found ",
                 a.device(), " and ", b.device(), "; move one with .to()");
}
void check_same_device(const char* op, const Tensor& a, const Tensor& b, const Tensor& c) {
    check_same_device(op, a, b);
    check_same_device(op, a, c);
}
void check_floating(const char* op, const Tensor& t) {
    TINYDL_CHECK_TYPE(t.is_floating_point(), op, "expected a floating-point tensor, got ", t.dtype(),
                      " (shape ", t.sizes(), "); convert it with .to(kFloat32)");
}
void check_defined(const char* op, const Tensor& t, const char* what) {
    TINYDL_CHECK(t.defined(), op, "the ", what, " tensor is undefined (a default-constructed Tensor)");
}

Tensor reduce_grad(const Tensor& grad, IntArrayRef shape, DType dtype) {
    Tensor g = grad.sizes() == shape ? grad : sum_to(grad, shape);
    return g.dtype() == dtype ? g : g.to(dtype);
}

static int category(DType t) { return t == DType::Bool ? 0 : is_floating(t) ? 2 : 1; }
bool can_cast(DType from, DType to) { return category(from) <= category(to); }

// Note [In-place ops]: with autograd recording, `self.op_(other)` is computed as
// `result = op(self.clone(), other)` (so that backward's saved tensors are not the ones about
// to be overwritten), then result's values are copied into self and self takes over result's
// place in the graph. Without recording, the kernel writes straight into self.
void rebase_history(Tensor& self, const Tensor& result) {
    copy_raw(self, result);
    self.storage()->bump_version();
    if (result.requires_grad()) autograd::set_history(self, result.grad_fn(), result.output_nr());
}

}  // namespace detail

// ---- conversions ---------------------------------------------------------------------------------
namespace {
struct ToCopyBackward : Node {
    DType in_dtype;
    Device in_device;
    const char* name() const override { return "ToCopyBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].to(in_device, in_dtype)}; }
};
struct CloneBackward : Node {
    const char* name() const override { return "CloneBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {std::move(g[0])}; }
};
struct CopyBackward : Node {  // self.copy_(src): the gradient goes to src
    DimVector src_shape;
    DType src_dtype;
    Device src_device;
    const char* name() const override { return "CopyBackwards"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {detail::reduce_grad(g[0], src_shape, src_dtype).to(src_device)};
    }
};
}  // namespace

Tensor Tensor::to(Device device, DType dtype) const {
    detail::check_defined("to", *this);
    if (device == this->device() && dtype == this->dtype()) return *this;
    TINYDL_CHECK(!device.is_cuda() || !is_cpu() || device.index >= 0, "to", "bad device ", device);
    Tensor out = detail::empty_raw(sizes(), dtype, device);
    detail::copy_raw(out, *this);
    if (autograd::should_record(*this) && tinydl::is_floating(dtype)) {
        auto node = autograd::make_node<ToCopyBackward>(*this);
        node->in_dtype = this->dtype();
        node->in_device = this->device();
        autograd::set_history(out, node);
    }
    return out;
}
Tensor Tensor::to(DType dtype) const { return to(device(), dtype); }
Tensor Tensor::to(Device device) const { return to(device, dtype()); }

Tensor Tensor::clone() const {
    detail::check_defined("clone", *this);
    Tensor out = detail::empty_raw(sizes(), dtype(), device());
    detail::copy_raw(out, *this);
    if (autograd::should_record(*this)) autograd::set_history(out, autograd::make_node<CloneBackward>(*this));
    return out;
}

Tensor Tensor::contiguous() const {
    detail::check_defined("contiguous", *this);
    return is_contiguous() ? *this : clone();
}

Tensor& Tensor::copy_(const Tensor& src) {
    detail::check_defined("copy_", *this, "destination");
    detail::check_defined("copy_", src, "source");
    TINYDL_CHECK_SHAPE(broadcast_shapes(src.sizes(), sizes(), "copy_") == DimVector(sizes()), "copy_",
                       "source of shape ", src.sizes(), " does not broadcast to the destination's shape ", sizes());
    const bool record = autograd::should_record(*this, src);
    if (record) autograd::check_inplace(*this, "copy_");
    if (!src.is_same(*this)) detail::copy_raw(*this, src);
    storage()->bump_version();
    if (record) {
        if (src.requires_grad()) {
            auto node = autograd::make_node<CopyBackward>(src);
            node->src_shape = DimVector(src.sizes());
            node->src_dtype = src.dtype();
            node->src_device = src.device();
            autograd::set_history(*this, node);
        } else {
            detach_();  // the old history was overwritten with constants
        }
    }
    return *this;
}

Tensor& Tensor::fill_(Scalar value) {
    detail::check_defined("fill_", *this);
    if (GradMode::is_enabled() && requires_grad()) autograd::check_inplace(*this, "fill_");
    if (numel() > 0) fill_kernels.get(device())(view_of(*this), value);
    storage()->bump_version();
    if (GradMode::is_enabled() && requires_grad()) detach_();  // now a constant
    return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

// ---- element access ---------------------------------------------------------------------------------
namespace detail {

void check_data_ptr_dtype(const Tensor& t, DType requested) {
    check_defined("data_ptr", t);
    TINYDL_CHECK_TYPE(t.dtype() == requested, "data_ptr", "requested a ", requested,
                      " pointer to a tensor of dtype ", t.dtype());
}

Scalar read_element(const Tensor& t, IntArrayRef index) {
    check_defined("at", t);
    TINYDL_CHECK_INDEX(static_cast<int64_t>(index.size()) == t.dim(), "at", "expected ", t.dim(),
                       " indices for a tensor of shape ", t.sizes(), ", got ", index.size());
    int64_t offset = 0;
    for (int64_t d = 0; d < t.dim(); ++d) {
        int64_t i = index[d];
        const int64_t n = t.size(d);
        TINYDL_CHECK_INDEX(i >= -n && i < n, "at", "index ", i, " is out of bounds for dim ", d,
                           " with size ", n, " (shape ", t.sizes(), ")");
        if (i < 0) i += n;
        offset += i * t.stride(d);
    }
    alignas(8) unsigned char bytes[8];
    const char* src = static_cast<const char*>(t.data_ptr()) + offset * static_cast<int64_t>(t.element_size());
    copy_bytes(bytes, Device::cpu(), src, t.device(), t.element_size());
    return dispatch_all(t.dtype(), "at", [&]<typename T>() -> Scalar {
        T v;
        std::memcpy(&v, bytes, sizeof(T));
        return Scalar(v);
    });
}

}  // namespace detail

Scalar Tensor::item() const {
    detail::check_defined("item", *this);
    TINYDL_CHECK(numel() == 1, "item", "a Tensor with ", numel(), " elements (shape ", sizes(),
                 ") cannot be converted to a scalar; only one-element tensors can");
    DimVector zeros_index(dim(), 0);
    return detail::read_element(*this, zeros_index);
}

int64_t Tensor::size(int64_t d) const {
    TINYDL_CHECK_INDEX(dim() > 0, "size", "dimension specified as ", d, " but the tensor has no dimensions");
    return sizes()[wrap_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
    TINYDL_CHECK_INDEX(dim() > 0, "stride", "dimension specified as ", d, " but the tensor has no dimensions");
    return strides()[wrap_dim(d, dim(), "stride")];
}

}  // namespace tinydl
