// checkpoint.cpp — checkpoint bundles on top of the safetensors reader and writer
// (include/tinydl/io/checkpoint.h).
//
// A checkpoint is one safetensors file whose keys are "<part>/<key>"; splitting at the first '/'
// gives the parts back. The CRC-32 of the data buffer in "__metadata__" is a courtesy check:
// the safetensors reader already rejects any file whose structure is damaged, and the CRC
// catches what structure cannot show (flipped bits inside the tensor data).
#include "tinydl/io/checkpoint.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "src/io/safetensors_detail.h"
#include "tinydl/factory.h"
#include "tinydl/random.h"
#include "tinydl/version.h"

namespace tinydl::io {

void save_checkpoint(const std::string& path, const std::map<std::string, StateDict>& parts,
                     const Metadata& metadata) {
    const char* op = "save_checkpoint";
    for (const char* reserved : {"crc32", "tinydl_version", "tinydl_parts"})
        TINYDL_CHECK(!metadata.count(reserved), op, path, ": metadata key '", reserved,
                     "' is reserved for the writer");
    StateDict flat;
    nlohmann::json part_names = nlohmann::json::array();
    for (const auto& [part, state] : parts) {
        TINYDL_CHECK(!part.empty() && part.find('/') == std::string::npos, op, path, ": part name '", part,
                     "' must be non-empty and contain no '/'");
        part_names.push_back(part);
        for (const auto& [key, tensor] : state) flat[part + "/" + key] = tensor;
    }
    Metadata meta = metadata;
    meta["tinydl_version"] = TINYDL_VERSION;
    // The part names, so that a part with no tensors (a scheduler before its first step, say)
    // comes back as an empty StateDict rather than not at all.
    try {
        meta["tinydl_parts"] = part_names.dump();
    } catch (const nlohmann::json::exception&) {
        TINYDL_CHECK(false, op, path, ": a part name is not valid UTF-8");
    }
    detail::write_safetensors(op, flat, path, meta, /*add_crc32=*/true);
}

Checkpoint load_checkpoint(const std::string& path) {
    const char* op = "load_checkpoint";
    detail::ReadResult r = detail::read_safetensors(op, path, /*read_data=*/true);
    auto crc = r.metadata.find("crc32");
    if (crc != r.metadata.end()) {
        const std::string actual = detail::crc32_hex(r.data_crc32);
        TINYDL_CHECK(crc->second == actual, op, path, ": the data is corrupt: its CRC-32 is ", actual,
                     " but the file records ", crc->second);
    }
    Checkpoint c;
    auto names = r.metadata.find("tinydl_parts");
    if (names != r.metadata.end()) {
        const nlohmann::json list = nlohmann::json::parse(names->second, nullptr, /*allow_exceptions=*/false);
        TINYDL_CHECK(list.is_array(), op, path,
                     ": metadata 'tinydl_parts' is not a JSON list: ", names->second);
        for (const auto& name : list) {
            // The type, not the value: dump() recurses once per nesting level, and a value
            // nested a million deep overflowed the stack (found by fuzzing).
            TINYDL_CHECK(name.is_string(), op, path, ": metadata 'tinydl_parts' lists a non-string (",
                         name.type_name(), ")");
            c.parts[name.get<std::string>()];
        }
    }
    for (auto& [name, tensor] : r.tensors) {
        const size_t slash = name.find('/');
        TINYDL_CHECK(
            slash != std::string::npos && slash > 0, op, path, ": key '", name,
            "' is not of the form '<part>/<key>' (is this a plain safetensors file? use load_safetensors)");
        c.parts[name.substr(0, slash)][name.substr(slash + 1)] = std::move(tensor);
    }
    c.metadata = std::move(r.metadata);
    return c;
}

StateDict rng_state_dict() {
    const std::vector<uint8_t> state = get_rng_state();
    return {{"state", tensor(state, kUInt8)}};
}

void load_rng_state_dict(const StateDict& part) {
    auto it = part.find("state");
    TINYDL_CHECK(it != part.end(), "load_rng_state_dict", "the part has no 'state' tensor");
    const Tensor& t = it->second;
    TINYDL_CHECK(t.defined() && t.dtype() == kUInt8 && t.dim() == 1, "load_rng_state_dict",
                 "'state' must be a 1-D uint8 tensor, got ", t.defined() ? shape_str(t.sizes()) : "undefined",
                 " ", t.defined() ? dtype_name(t.dtype()) : "");
    set_rng_state(t.to_vector<uint8_t>());
}

Tensor int64_tensor(int64_t value) { return tensor(value, kInt64); }

int64_t int64_value(const StateDict& part, const std::string& key) {
    auto it = part.find(key);
    TINYDL_CHECK(it != part.end(), "int64_value", "no entry '", key, "'");
    const Tensor& t = it->second;
    TINYDL_CHECK(t.defined() && t.numel() == 1 && is_integral(t.dtype()), "int64_value", "'", key,
                 "' must be a one-element integer tensor, got ",
                 t.defined() ? shape_str(t.sizes()) : "undefined", " ",
                 t.defined() ? dtype_name(t.dtype()) : "");
    return t.item<int64_t>();
}

}  // namespace tinydl::io
