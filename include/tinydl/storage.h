// storage.h — raw bytes on one device, and the allocators that provide them.
//
// A Storage has no shape: it is a pointer, a byte count and a device (c10::StorageImpl).
// Tensors that are views of each other share one Storage through a shared_ptr. The storage
// also carries the version counter that autograd uses to catch in-place edits of tensors it
// saved for backward: every view of the bytes sees the same counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "tinydl/device.h"

namespace tinydl {

// One allocator per device type (tinygrad's Allocator). The CPU one returns 64-byte aligned
// memory, so that AVX-512 loads of a tensor's first element are aligned.
class Allocator {
  public:
    virtual ~Allocator() = default;
    virtual void* allocate(size_t nbytes) = 0;
    virtual void deallocate(void* ptr, size_t nbytes) = 0;
};

// The allocator for a device; throws tinydl::Error for CUDA in a CPU-only build.
Allocator* get_allocator(Device device);

// Copies nbytes between two devices (or within one). Both pointers are raw storage pointers.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);

class Storage {
  public:
    // Allocates nbytes on `device`.
    Storage(size_t nbytes, Device device);
    // Wraps memory the caller owns; `deleter` (may be empty) runs when the storage dies.
    Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    void* data() const { return data_; }
    size_t nbytes() const { return nbytes_; }
    Device device() const { return device_; }

    // Bumped by every in-place write; see Note [Version counter] in include/tinydl/autograd.h.
    uint32_t version() const { return version_; }
    void bump_version() { ++version_; }

  private:
    void* data_ = nullptr;
    size_t nbytes_ = 0;
    Device device_;
    Allocator* allocator_ = nullptr;        // set when tinydl allocated the bytes
    std::function<void(void*)> deleter_;    // set for memory wrapped with from_blob
    uint32_t version_ = 0;
};

}  // namespace tinydl
