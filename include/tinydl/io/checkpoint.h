// checkpoint.h — everything a training run needs to resume, in one safetensors file.
//
// A checkpoint is a set of named parts, each a StateDict: "model" (module.state_dict()),
// "optimizer", "scheduler", "rng" (the global generator), "progress" (epoch, step), ... Each
// tensor is stored under "<part>/<key>" ("model/fc1.weight", "optimizer/state.0.exp_avg",
// "rng/state"), so the file is an ordinary safetensors file that PyTorch can open too.
//
//   io::save_checkpoint("ckpt.safetensors", {{"model", model->state_dict()},
//                                            {"optimizer", opt.state_dict()},
//                                            {"rng", io::rng_state_dict()},
//                                            {"progress", {{"epoch", io::int64_tensor(epoch)}}}});
//   io::Checkpoint c = io::load_checkpoint("ckpt.safetensors");
//   model->load_state_dict(c.parts.at("model"));
//   opt.load_state_dict(c.parts.at("optimizer"));
//   io::load_rng_state_dict(c.parts.at("rng"));
//   int64_t epoch = io::int64_value(c.parts.at("progress"), "epoch");
//
// The save is atomic (see save_safetensors), and the file's "__metadata__" carries a CRC-32 of
// the data ("crc32") that load_checkpoint verifies, so a corrupted file is an Error, not
// silently wrong weights. Not here: choosing what to save (that is the trainer's job).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tinydl/io/safetensors.h"
#include "tinydl/state_dict.h"

namespace tinydl::io {

struct Checkpoint {
    std::map<std::string, StateDict> parts;
    Metadata metadata;  // the user's metadata plus "format", "crc32", "tinydl_version", "tinydl_parts"
};

// Part names must be non-empty and must not contain '/' (it separates part and key). A part
// with no tensors is kept (its name is listed in the metadata entry "tinydl_parts").
// `metadata` must not use the keys "crc32", "tinydl_version" and "tinydl_parts", which the
// writer fills in.
void save_checkpoint(const std::string& path, const std::map<std::string, StateDict>& parts,
                     const Metadata& metadata = {});

// Reads a checkpoint; checks the CRC-32 when the file has one. Every key must look like
// "<part>/<key>".
Checkpoint load_checkpoint(const std::string& path);

// The global random generator (random.h) as a checkpoint part: {"state": uint8 tensor of
// get_rng_state()}, and back.
StateDict rng_state_dict();
void load_rng_state_dict(const StateDict& part);

// Plain integers (epoch, step) as 0-dim int64 tensors, and back: int64_value(part, "epoch")
// throws an Error naming the key when it is missing or not a one-element integer tensor.
Tensor int64_tensor(int64_t value);
int64_t int64_value(const StateDict& part, const std::string& key);

}  // namespace tinydl::io
