// state_dict.h — the name -> tensor map that modules, optimizers and schedulers save and load.
//
// Names follow PyTorch's state_dict keys ("fc1.weight", "0.bias", "state.0.exp_avg"), so a
// checkpoint moves between tinydl and PyTorch (see docs/checkpoints.md). std::map keeps the keys
// sorted, which is also the order the safetensors writer wants.
#pragma once

#include <map>
#include <string>

#include "tinydl/tensor.h"

namespace tinydl {

using StateDict = std::map<std::string, Tensor>;

}  // namespace tinydl
