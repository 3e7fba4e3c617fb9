// module_io.cpp — io::save / io::load: a module's state_dict() to and from a safetensors file
// (declared in include/tinydl/io/safetensors.h).
//
// Kept apart from safetensors.cpp so that the format itself depends on nothing but tensors.
// Names and layouts are PyTorch's (Linear.weight is [out, in]), so the file loads in PyTorch
// with safetensors.torch.load_file and model.load_state_dict; see docs/checkpoints.md.
#include "tinydl/io/safetensors.h"
#include "tinydl/nn/module.h"

namespace tinydl::io {

void save(const nn::Module& module, const std::string& path, const Metadata& metadata) {
    save_safetensors(module.state_dict(), path, metadata);
}

nn::IncompatibleKeys load(nn::Module& module, const std::string& path, bool strict) {
    return module.load_state_dict(load_safetensors(path), strict);
}

}  // namespace tinydl::io
