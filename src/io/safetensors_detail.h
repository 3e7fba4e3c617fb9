// safetensors_detail.h — the safetensors reader and writer with the extras checkpoint.cpp needs
// (internal): the CRC-32 of the data buffer, and the caller's name in error messages.
#pragma once

#include <cstdint>
#include <string>

#include "tinydl/io/safetensors.h"

namespace tinydl::io::detail {

// save_safetensors, with `op` in error messages; with add_crc32, metadata["crc32"] is set to
// the CRC-32 (zlib's crc32) of the data buffer, as 8 lowercase hex digits.
void write_safetensors(const std::string& op, const StateDict& tensors, const std::string& path,
                       Metadata metadata, bool add_crc32);

struct ReadResult {
    StateDict tensors;
    Metadata metadata;
    uint32_t data_crc32 = 0;  // CRC-32 of the data buffer as read (0 when read_data is false)
};
// read_safetensors, with `op` in error messages; without read_data only the header is read
// (and fully validated against the file size).
ReadResult read_safetensors(const std::string& op, const std::string& path, bool read_data);

std::string crc32_hex(uint32_t crc);

// IEEE half (1-5-10) and bfloat16 (1-8-7) bit patterns to float32, exactly.
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

}  // namespace tinydl::io::detail
