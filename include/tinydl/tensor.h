// tensor.h — Tensor, the handle every tinydl program passes around, and TensorImpl behind it.
//
// A Tensor is a shared pointer to a TensorImpl: copying one is a reference-count increment, and
// two handles to one impl are the same tensor (c10::TensorImpl / at::Tensor in miniature).
// A TensorImpl is a *view* of a Storage: sizes and strides (in elements) plus an offset say
// which bytes are element [i, j, ...]; transpose, slice, expand, ... make new impls over the
// same storage and never copy. See docs/tensors-and-strides.md.
//
// The autograd fields (requires_grad, grad, grad_fn) live here too; the engine that uses them
// is in src/autograd/. Read next: ops.h (what you can compute), autograd.h (backward).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "tinydl/device.h"
#include "tinydl/dtype.h"
#include "tinydl/error.h"
#include "tinydl/options.h"
#include "tinydl/scalar.h"
#include "tinydl/shape.h"
#include "tinydl/storage.h"

namespace tinydl {

class TensorImpl;
struct Node;

class Tensor {
  public:
    Tensor() = default;  // undefined: defined() is false, as an empty x.grad()
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    bool defined() const { return impl_ != nullptr; }
    TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    // True when both handles point at the same tensor (not an elementwise comparison).
    bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

    // ---- metadata --------------------------------------------------------------------
    IntArrayRef sizes() const;
    IntArrayRef shape() const { return sizes(); }
    int64_t size(int64_t dim) const;  // negative dims count from the end
    IntArrayRef strides() const;
    int64_t stride(int64_t dim) const;
    int64_t dim() const;
    int64_t ndimension() const { return dim(); }
    int64_t numel() const;
    DType dtype() const;
    DType scalar_type() const { return dtype(); }
    Device device() const;
    TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
    bool is_cpu() const { return device().is_cpu(); }
    bool is_cuda() const { return device().is_cuda(); }
    bool is_floating_point() const { return tinydl::is_floating(dtype()); }
    bool is_contiguous() const;
    int64_t storage_offset() const;
    size_t element_size() const { return itemsize(dtype()); }
    size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
    const std::shared_ptr<Storage>& storage() const;

    // ---- data access -----------------------------------------------------------------
    // Pointer to element [0, 0, ...]; T must match dtype() (checked). CPU or CUDA memory.
    template <typename T> T* data_ptr() const;
    void* data_ptr() const;
    // The one value of a one-element tensor, converted to T (copies from the GPU if needed).
    template <typename T> T item() const;
    Scalar item() const;
    // One element by index, for tests and small programs: t.at<float>({1, 2}).
    template <typename T> T at(IntArrayRef index) const;
    // All elements in row-major order, converted to T.
    template <typename T> std::vector<T> to_vector() const;
    std::string str() const;  // what operator<< prints

    // ---- autograd --------------------------------------------------------------------
    bool requires_grad() const;
    Tensor& requires_grad_(bool requires_grad = true);
    Tensor& set_requires_grad(bool requires_grad) { return requires_grad_(requires_grad); }
    // Accumulated gradient of a leaf (or of a tensor that called retain_grad()); undefined
    // until a backward pass reaches it.
    const Tensor& grad() const;
    Tensor& mutable_grad() const;
    void set_grad(const Tensor& grad) const;
    const std::shared_ptr<Node>& grad_fn() const;
    bool is_leaf() const;  // no grad_fn: made by the user, not by a recorded op
    uint32_t output_nr() const;
    // Runs the engine from this tensor; see autograd.h and docs/autograd.md.
    void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                  bool create_graph = false) const;
    // The same data, cut from the graph: shares storage (and the version counter).
    Tensor detach() const;
    Tensor& detach_();
    void retain_grad() const;
    bool retains_grad() const;
    // hook(grad) runs when this tensor's gradient is computed; a defined return value replaces
    // the gradient. Returns a handle for remove_hook.
    using Hook = std::function<Tensor(const Tensor&)>;
    unsigned register_hook(Hook hook) const;
    void remove_hook(unsigned handle) const;
    uint32_t _version() const;  // in-place writes so far to this tensor's storage

    // ---- conversion and copies ---------------------------------------------------------
    Tensor to(DType dtype) const;
    Tensor to(Device device) const;
    Tensor to(Device device, DType dtype) const;
    Tensor cpu() const { return to(Device::cpu()); }
    Tensor cuda(int index = 0) const { return to(Device::cuda(index)); }
    Tensor contiguous() const;  // itself when already contiguous
    Tensor clone() const;
    Tensor& copy_(const Tensor& src);  // broadcasts src into this tensor; casts dtype
    Tensor& fill_(Scalar value);
    Tensor& zero_();

    // ---- views (no copy) ---------------------------------------------------------------
    Tensor view(IntArrayRef shape) const;  // one dim may be -1
    Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
    Tensor reshape(IntArrayRef shape) const;  // a view when possible, else a copy
    Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
    Tensor transpose(int64_t dim0, int64_t dim1) const;
    Tensor permute(IntArrayRef dims) const;
    Tensor t() const;  // transpose of a tensor of rank <= 2
    Tensor squeeze() const;
    Tensor squeeze(int64_t dim) const;
    Tensor unsqueeze(int64_t dim) const;
    Tensor expand(IntArrayRef sizes) const;  // -1 keeps a size
    Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
    Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
    Tensor slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
                 std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
    Tensor select(int64_t dim, int64_t index) const;
    Tensor operator[](int64_t index) const { return select(0, index); }
    Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
    Tensor unflatten(int64_t dim, IntArrayRef sizes) const;

    // ---- elementwise (see ops.h for the maths) -----------------------------------------
    Tensor add(const Tensor& other, Scalar alpha = 1) const;
    Tensor add(Scalar other, Scalar alpha = 1) const;
    Tensor sub(const Tensor& other, Scalar alpha = 1) const;
    Tensor sub(Scalar other, Scalar alpha = 1) const;
    Tensor mul(const Tensor& other) const;
    Tensor mul(Scalar other) const;
    Tensor div(const Tensor& other) const;
    Tensor div(Scalar other) const;
    Tensor pow(const Tensor& exponent) const;
    Tensor pow(Scalar exponent) const;
    Tensor maximum(const Tensor& other) const;
    Tensor minimum(const Tensor& other) const;
    Tensor& add_(const Tensor& other, Scalar alpha = 1);
    Tensor& add_(Scalar other, Scalar alpha = 1);
    Tensor& sub_(const Tensor& other, Scalar alpha = 1);
    Tensor& sub_(Scalar other, Scalar alpha = 1);
    Tensor& mul_(const Tensor& other);
    Tensor& mul_(Scalar other);
    Tensor& div_(const Tensor& other);
    Tensor& div_(Scalar other);
    Tensor& pow_(Scalar exponent);
    Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
    Tensor& neg_();
    Tensor& relu_();

    Tensor eq(const Tensor& other) const;
    Tensor eq(Scalar other) const;
    Tensor ne(const Tensor& other) const;
    Tensor ne(Scalar other) const;
    Tensor lt(const Tensor& other) const;
    Tensor lt(Scalar other) const;
    Tensor le(const Tensor& other) const;
    Tensor le(Scalar other) const;
    Tensor gt(const Tensor& other) const;
    Tensor gt(Scalar other) const;
    Tensor ge(const Tensor& other) const;
    Tensor ge(Scalar other) const;
    Tensor logical_and(const Tensor& other) const;
    Tensor logical_or(const Tensor& other) const;
    Tensor logical_xor(const Tensor& other) const;
    Tensor logical_not() const;

    Tensor neg() const;
    Tensor abs() const;
    Tensor exp() const;
    Tensor log() const;
    Tensor log1p() const;
    Tensor sqrt() const;
    Tensor rsqrt() const;
    Tensor sin() const;
    Tensor cos() const;
    Tensor tanh() const;
    Tensor sigmoid() const;
    Tensor relu() const;
    Tensor sign() const;
    Tensor floor() const;
    Tensor ceil() const;
    Tensor round() const;
    Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
    Tensor clamp_min(Scalar min) const { return clamp(min, std::nullopt); }
    Tensor clamp_max(Scalar max) const { return clamp(std::nullopt, max); }

    // ---- reductions --------------------------------------------------------------------
    Tensor sum() const;
    Tensor sum(IntArrayRef dims, bool keepdim = false) const;
    Tensor mean() const;
    Tensor mean(IntArrayRef dims, bool keepdim = false) const;
    Tensor prod() const;
    Tensor prod(int64_t dim, bool keepdim = false) const;
    Tensor max() const;
    std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
    Tensor min() const;
    std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
    Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
    Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
    Tensor var(bool unbiased = true) const;
    Tensor var(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
    Tensor std(bool unbiased = true) const;
    Tensor std(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
    Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
    Tensor norm(Scalar p = 2) const;
    Tensor norm(Scalar p, IntArrayRef dims, bool keepdim = false) const;

    // ---- linear algebra, softmax, indexing ---------------------------------------------
    Tensor matmul(const Tensor& other) const;
    Tensor mm(const Tensor& other) const;
    Tensor bmm(const Tensor& other) const;
    Tensor softmax(int64_t dim) const;
    Tensor log_softmax(int64_t dim) const;
    Tensor index_select(int64_t dim, const Tensor& index) const;
    Tensor gather(int64_t dim, const Tensor& index) const;
    Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;

    // ---- operators -----------------------------------------------------------------------
    Tensor operator-() const { return neg(); }
    Tensor& operator+=(const Tensor& other) { return add_(other); }
    Tensor& operator+=(Scalar other) { return add_(other); }
    Tensor& operator-=(const Tensor& other) { return sub_(other); }
    Tensor& operator-=(Scalar other) { return sub_(other); }
    Tensor& operator*=(const Tensor& other) { return mul_(other); }
    Tensor& operator*=(Scalar other) { return mul_(other); }
    Tensor& operator/=(const Tensor& other) { return div_(other); }
    Tensor& operator/=(Scalar other) { return div_(other); }

  private:
    std::shared_ptr<TensorImpl> impl_;
};

// The state behind a Tensor. Users rarely touch it; ops and the engine do.
class TensorImpl {
  public:
    TensorImpl(std::shared_ptr<Storage> storage, IntArrayRef sizes, IntArrayRef strides,
               int64_t offset, DType dtype);

    // A fresh contiguous tensor of the given shape (the bytes are not initialised).
    static std::shared_ptr<TensorImpl> empty(IntArrayRef sizes, DType dtype, Device device);

    const std::shared_ptr<Storage>& storage() const { return storage_; }
    IntArrayRef sizes() const { return sizes_; }
    IntArrayRef strides() const { return strides_; }
    int64_t offset() const { return offset_; }
    int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
    int64_t numel() const { return numel_; }
    DType dtype() const { return dtype_; }
    Device device() const { return storage_->device(); }
    bool is_contiguous() const { return is_contiguous_; }
    // Address of element [0, 0, ...].
    void* data() const {
        return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize(dtype_));
    }
    // Replaces the view geometry (used by in-place metadata changes like detach_ or resize).
    void set_geometry(IntArrayRef sizes, IntArrayRef strides, int64_t offset);
    // Takes over other's storage, geometry and dtype, keeping this impl's autograd fields
    // (PyTorch's Variable::set_data). Every handle to this impl then sees the new data: how
    // nn::Module::to() converts parameters without invalidating the Tensors that hold them.
    void set_data(const TensorImpl& other);

    // Autograd state; see src/autograd/engine.cpp.
    bool requires_grad_ = false;
    bool retains_grad_ = false;
    // Set on every view (slice, transpose, expand, ...). A recorded in-place op on a view would
    // have to rewrite its base's history too (PyTorch's CopySlices), which tinydl does not do
    // yet, so check_inplace refuses it rather than computing a wrong gradient.
    bool is_view_ = false;
    uint32_t output_nr_ = 0;        // which output of grad_fn_ this tensor is
    std::shared_ptr<Node> grad_fn_;
    std::weak_ptr<Node> grad_accumulator_;  // a leaf's AccumulateGrad node, while alive
    Tensor grad_;
    // Hooks of a leaf tensor (non-leaf hooks live on their grad_fn); index = handle.
    std::vector<Tensor::Hook> hooks_;

  private:
    void refresh();  // recomputes numel_ and is_contiguous_

    std::shared_ptr<Storage> storage_;
    DimVector sizes_;
    DimVector strides_;
    int64_t offset_ = 0;  // in elements
    int64_t numel_ = 1;
    DType dtype_;
    bool is_contiguous_ = true;
};

// ---- inline accessors ---------------------------------------------------------------------
inline IntArrayRef Tensor::sizes() const { return impl_->sizes(); }
inline IntArrayRef Tensor::strides() const { return impl_->strides(); }
inline int64_t Tensor::dim() const { return impl_->dim(); }
inline int64_t Tensor::numel() const { return impl_->numel(); }
inline DType Tensor::dtype() const { return impl_->dtype(); }
inline Device Tensor::device() const { return impl_->device(); }
inline bool Tensor::is_contiguous() const { return impl_->is_contiguous(); }
inline int64_t Tensor::storage_offset() const { return impl_->offset(); }
inline const std::shared_ptr<Storage>& Tensor::storage() const { return impl_->storage(); }
inline bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad_; }
inline const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl_->grad_fn_; }
inline bool Tensor::is_leaf() const { return impl_->grad_fn_ == nullptr; }
inline uint32_t Tensor::output_nr() const { return impl_->output_nr_; }
inline void* Tensor::data_ptr() const { return impl_->data(); }
inline uint32_t Tensor::_version() const { return impl_->storage()->version(); }

namespace detail {
void check_data_ptr_dtype(const Tensor& t, DType requested);
Scalar read_element(const Tensor& t, IntArrayRef index);  // copies one element to the host
}  // namespace detail

template <typename T> T* Tensor::data_ptr() const {
    detail::check_data_ptr_dtype(*this, dtype_of<std::remove_const_t<T>>());
    return static_cast<T*>(impl_->data());
}
template <typename T> T Tensor::item() const { return item().to<T>(); }
template <typename T> T Tensor::at(IntArrayRef index) const {
    return detail::read_element(*this, index).to<T>();
}
template <typename T> std::vector<T> Tensor::to_vector() const {
    Tensor host = detach().to(Device::cpu(), dtype_of<T>()).contiguous();
    const T* p = host.data_ptr<T>();
    return std::vector<T>(p, p + host.numel());
}

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// ---- operators between tensors and scalars ----------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator/(Scalar a, const Tensor& b);
// Elementwise comparisons, as in libtorch: they return bool tensors, not a bool.
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, Scalar b);

}  // namespace tinydl
