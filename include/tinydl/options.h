// options.h — TensorOptions: the dtype, device and requires_grad a factory gives its result.
//
//   zeros({2, 3})                                         float32 on the CPU
//   zeros({2, 3}, kFloat64)                               a DType converts implicitly
//   randn({4}, TensorOptions().dtype(kFloat64).requires_grad(true))
#pragma once

#include <optional>

#include "tinydl/device.h"
#include "tinydl/dtype.h"

namespace tinydl {

class TensorOptions {
  public:
    TensorOptions() = default;
    TensorOptions(DType d) : dtype_(d) {}
    TensorOptions(Device d) : device_(d) {}
    TensorOptions(DeviceType t) : device_(Device(t)) {}

    TensorOptions dtype(DType d) const { auto o = *this; o.dtype_ = d; return o; }
    TensorOptions device(Device d) const { auto o = *this; o.device_ = d; return o; }
    TensorOptions requires_grad(bool r) const { auto o = *this; o.requires_grad_ = r; return o; }

    // float32 unless set, as torch.get_default_dtype().
    DType dtype() const { return dtype_.value_or(DType::Float32); }
    bool has_dtype() const { return dtype_.has_value(); }
    Device device() const { return device_; }
    bool requires_grad() const { return requires_grad_; }

  private:
    std::optional<DType> dtype_;
    Device device_;
    bool requires_grad_ = false;
};

}  // namespace tinydl
