// device.h — where a tensor's bytes live: the CPU, or CUDA GPU number `index`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace tinydl {

enum class DeviceType : uint8_t { CPU, CUDA };

inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

struct Device {
    DeviceType type = DeviceType::CPU;
    int8_t index = 0;  // GPU number; always 0 for the CPU

    constexpr Device() = default;
    constexpr Device(DeviceType t, int index_ = 0) : type(t), index(static_cast<int8_t>(index_)) {}
    // Parses "cpu", "cuda", "cuda:1"; throws tinydl::Error on anything else.
    Device(const std::string& spec);
    Device(const char* spec) : Device(std::string(spec)) {}

    static constexpr Device cpu() { return Device(DeviceType::CPU); }
    static constexpr Device cuda(int index = 0) { return Device(DeviceType::CUDA, index); }

    constexpr bool is_cpu() const { return type == DeviceType::CPU; }
    constexpr bool is_cuda() const { return type == DeviceType::CUDA; }
    std::string str() const;  // "cpu" or "cuda:0"

    friend constexpr bool operator==(Device a, Device b) {
        return a.type == b.type && a.index == b.index;
    }
};

std::ostream& operator<<(std::ostream& out, Device d);

}  // namespace tinydl
