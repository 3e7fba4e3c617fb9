// summary.h — summary(model, input_shape): a torchinfo-style table of a model's layers, their
// output shapes and parameter counts, from one dry forward pass.
//
//   std::cout << train::summary(*model, {1, 784});
//   ==========================================================================================
//   Layer (type:depth-idx)                   Output Shape              Param #
//   ==========================================================================================
//   Sequential                               [1, 10]                   --
//   ├─Linear: 1-1                            [1, 512]                  401,920
//   ├─ReLU: 1-2                              [1, 512]                  --
//   ├─Linear: 1-3                            [1, 10]                   5,130
//   ==========================================================================================
//   Total params: 407,050
//   ...
//
// How the shapes are seen. nn::Module has no forward hooks, so summary() walks the tree itself:
// a Sequential is run child by child (recursively), which shows every child's output; any other
// module is run as a whole, and the modules inside it are listed with "--" as their output shape
// (their parameters still count). The dry run uses zeros under NoGradGuard, with every module
// in eval() mode (no dropout), and restores the training flags and the global random generator
// afterwards, so calling summary() never changes a training run.
//
// Sizes are estimates in MB (1e6 bytes), as torchinfo: input, forward/backward (each leaf
// layer's output twice: activation + gradient), parameters. Not here: mult-adds, input shapes
// per layer, kernel shapes.
#pragma once

#include <optional>
#include <string>

#include "tinydl/dtype.h"
#include "tinydl/shape.h"

namespace tinydl::nn {
class Module;
}

namespace tinydl::train {

struct SummaryOptions {
    int depth = 3;                      // deepest level of nesting shown (torchinfo's default)
    std::optional<DType> input_dtype;   // default: the dtype of the model's first floating parameter, else float32
};

std::string summary(const nn::Module& model, IntArrayRef input_shape, SummaryOptions options = {});

}  // namespace tinydl::train
