// shape.h — sizes and strides without a heap allocation per op.
//
// IntArrayRef is a non-owning view of int64 values (c10::IntArrayRef): what functions take, so
// `zeros({2, 3})`, a std::vector and a DimVector all pass without a copy.
// DimVector owns them: up to kInline dims live inside the object (no heap), more spill to a
// std::vector. Tensors of rank <= 6 — nearly all of them — never allocate for metadata.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

namespace tinydl {

class IntArrayRef {
  public:
    constexpr IntArrayRef() = default;
    constexpr IntArrayRef(const int64_t* data, size_t size) : data_(data), size_(size) {}
    // A single value acts as a one-element list, so x.sum(1) and x.sum({0, 1}) both work.
    constexpr IntArrayRef(const int64_t& single) : data_(&single), size_(1) {}
    // Valid until the end of the full expression, as c10::ArrayRef.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    constexpr IntArrayRef(const std::initializer_list<int64_t>& list)
        : data_(list.begin()), size_(list.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    IntArrayRef(const std::vector<int64_t>& v) : data_(v.data()), size_(v.size()) {}
    template <size_t N>
    constexpr IntArrayRef(const std::array<int64_t, N>& a) : data_(a.data()), size_(N) {}

    constexpr const int64_t* data() const { return data_; }
    constexpr size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr const int64_t* begin() const { return data_; }
    constexpr const int64_t* end() const { return data_ + size_; }
    constexpr int64_t operator[](size_t i) const { return data_[i]; }
    constexpr int64_t back() const { return data_[size_ - 1]; }
    std::vector<int64_t> vec() const { return {begin(), end()}; }

    friend bool operator==(IntArrayRef a, IntArrayRef b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

  private:
    const int64_t* data_ = nullptr;
    size_t size_ = 0;
};

class DimVector {
  public:
    static constexpr uint32_t kInline = 6;

    DimVector() = default;
    DimVector(IntArrayRef values) { assign(values.begin(), values.end()); }
    DimVector(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
    explicit DimVector(size_t n, int64_t value = 0) { resize(n, value); }
    // Copies and moves touch only the used entries: the inline array is left uninitialised
    // past size(), so a default-constructed or copied DimVector costs no zeroing (an op builds
    // several of them).
    DimVector(const DimVector& o) { assign(o.begin(), o.end()); }
    DimVector(DimVector&& o) noexcept : heap_(std::move(o.heap_)), size_(o.size_) {
        if (size_ <= kInline) std::copy_n(o.inline_, size_, inline_);
        o.size_ = 0;
    }
    DimVector& operator=(const DimVector& o) {
        if (this != &o) assign(o.begin(), o.end());
        return *this;
    }
    DimVector& operator=(DimVector&& o) noexcept {
        if (this != &o) {
            heap_ = std::move(o.heap_);
            size_ = o.size_;
            if (size_ <= kInline) std::copy_n(o.inline_, size_, inline_);
            o.size_ = 0;
        }
        return *this;
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int64_t* data() { return size_ <= kInline ? inline_ : heap_.data(); }
    const int64_t* data() const { return size_ <= kInline ? inline_ : heap_.data(); }
    int64_t* begin() { return data(); }
    int64_t* end() { return data() + size_; }
    const int64_t* begin() const { return data(); }
    const int64_t* end() const { return data() + size_; }
    int64_t& operator[](size_t i) { return data()[i]; }
    int64_t operator[](size_t i) const { return data()[i]; }
    int64_t& back() { return data()[size_ - 1]; }
    int64_t back() const { return data()[size_ - 1]; }
    operator IntArrayRef() const { return {data(), size_}; }
    std::vector<int64_t> vec() const { return {begin(), end()}; }

    void push_back(int64_t v) {
        if (size_ < kInline) {
            inline_[size_] = v;
        } else {
            if (size_ == kInline) heap_.assign(inline_, inline_ + kInline);
            heap_.push_back(v);
        }
        ++size_;
    }
    void pop_back() {
        if (size_ == kInline + 1) {
            std::copy(heap_.begin(), heap_.begin() + kInline, inline_);
            heap_.clear();
        } else if (size_ > kInline) {
            heap_.pop_back();
        }
        --size_;
    }
    // resize and assign move whole runs (no element-by-element push_back): shapes are built
    // several times per op, so these are on every op's path.
    void resize(size_t n, int64_t value = 0) {
        if (n <= kInline) {
            if (size_ > kInline) {  // back from the heap
                std::copy(heap_.begin(), heap_.begin() + static_cast<std::ptrdiff_t>(n), inline_);
                heap_.clear();
            } else {
                for (size_t i = size_; i < n; ++i) inline_[i] = value;
            }
        } else {
            if (size_ <= kInline) heap_.assign(inline_, inline_ + size_);
            heap_.resize(n, value);
        }
        size_ = static_cast<uint32_t>(n);
    }
    void insert(size_t pos, int64_t v) {  // before index pos
        push_back(v);
        std::rotate(begin() + pos, end() - 1, end());
    }
    void erase(size_t pos) {
        std::rotate(begin() + pos, begin() + pos + 1, end());
        pop_back();
    }
    template <typename It> void assign(It first, It last) {
        const auto n = static_cast<size_t>(std::distance(first, last));
        if (n <= kInline) {
            heap_.clear();
            std::copy(first, last, inline_);
        } else {
            heap_.assign(first, last);
        }
        size_ = static_cast<uint32_t>(n);
    }

    friend bool operator==(const DimVector& a, const DimVector& b) {
        return IntArrayRef(a) == IntArrayRef(b);
    }

  private:
    int64_t inline_[kInline];    // entries [0, size_) when size_ <= kInline; the rest unset
    std::vector<int64_t> heap_;  // used only when size_ > kInline
    uint32_t size_ = 0;
};

// "[2, 3]", the way every error message and printout writes a shape.
std::string shape_str(IntArrayRef shape);
std::ostream& operator<<(std::ostream& out, IntArrayRef shape);
inline std::ostream& operator<<(std::ostream& out, const DimVector& shape) {
    return out << IntArrayRef(shape);
}

// Product of the sizes (1 for a rank-0 shape).
int64_t numel_of(IntArrayRef shape);
// Row-major (C order) strides for a shape, in elements.
DimVector contiguous_strides(IntArrayRef shape);
// Wraps a possibly negative dim into [0, ndim); throws IndexError naming `op` when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

}  // namespace tinydl
