// safetensors.h — reading and writing tensors in the safetensors format (Hugging Face), the
// format PyTorch, JAX and the Hugging Face hub share for weights.
//
// A file is: 8 bytes N (u64, little-endian), N bytes of JSON saying, for each tensor, its dtype,
// shape and byte range, then the raw bytes (little-endian, row-major, packed):
//
//   [N][{"__metadata__":{"format":"pt"},"fc.weight":{"dtype":"F32","shape":[2,3],
//        "data_offsets":[0,24]}, ...}   (space-padded to a multiple of 8)][bytes...]
//
// Nothing in a safetensors file is code, unlike PyTorch's pickle-based .pt files, which tinydl
// never reads or writes. The reader trusts nothing: every size in the header is checked against
// the file before anything is allocated (see docs/checkpoints.md for the full list of checks).
//
// This file is the format. Bundles of several state dicts (model + optimizer + scheduler + RNG)
// are in checkpoint.h; module save/load is io::save / io::load below.
//
//   io::save_safetensors(model->state_dict(), "model.safetensors");
//   model->load_state_dict(io::load_safetensors("model.safetensors"));
#pragma once

#include <map>
#include <string>

#include "tinydl/state_dict.h"

namespace tinydl::nn {
class Module;  // nn/module.h; forward-declared so that the format does not depend on nn
struct IncompatibleKeys;
}  // namespace tinydl::nn

namespace tinydl::io {

// The file's string -> string metadata (its "__metadata__" entry).
using Metadata = std::map<std::string, std::string>;

// Writes `tensors` to `path` atomically: the bytes go to a temporary file ".<name>.tmp.<pid>"
// next to `path`, which is flushed to disk (fsync) and then renamed over `path`; the directory
// is fsynced too. On any failure the temporary file is removed and `path` is left as it was, so
// an interrupted save never destroys the previous file. An existing file's permissions are kept.
//
// Tensors may live on any device, be non-contiguous or require grad: each is written as a
// contiguous CPU copy of its values. dtypes: float32 F32, float64 F64, int64 I64, int32 I32,
// uint8 U8, bool BOOL (and float16 F16 / bfloat16 BF16 tensors, as raw bytes). `metadata` goes
// into "__metadata__" after {"format": "pt"} (which a "format" entry of yours replaces).
// Tensors are laid out by descending dtype size, then by name, as the reference writer does.
void save_safetensors(const StateDict& tensors, const std::string& path, const Metadata& metadata = {});

// Reads every tensor of a safetensors file into new CPU tensors (requires_grad false).
// F16 and BF16 tensors are widened to float32 (exactly: every half value is a float), since
// tinydl has no half-precision kernels. Other dtypes the format knows (I8, U16, F8_*, ...) are
// rejected with an Error naming the tensor and its dtype. Any malformed file gives a
// tinydl::Error that names the file and what is wrong; see docs/checkpoints.md.
StateDict load_safetensors(const std::string& path);

// Only the "__metadata__" entry (empty when the file has none); reads the header, not the data.
Metadata load_safetensors_metadata(const std::string& path);

// Tensors and metadata in one read.
struct SafetensorsFile {
    StateDict tensors;
    Metadata metadata;
};
SafetensorsFile read_safetensors(const std::string& path);

// A module's state_dict() to a safetensors file, and back with load_state_dict(state, strict):
// with strict, missing and unexpected keys are an Error, as in PyTorch; without, they are
// returned (include tinydl/nn/module.h to use the result).
//   io::save(*model, "mlp.safetensors");   io::load(*model, "mlp.safetensors");
void save(const nn::Module& module, const std::string& path, const Metadata& metadata = {});
nn::IncompatibleKeys load(nn::Module& module, const std::string& path, bool strict = true);

}  // namespace tinydl::io
