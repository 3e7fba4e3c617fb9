// tinydl.h — the umbrella header: include this one and use namespace tinydl.
//
//   #include <tinydl/tinydl.h>
//   auto x = tinydl::randn({3}).requires_grad_(true);
//   (x * x).sum().backward();            // x.grad() == 2 * x
#pragma once

#include "tinydl/autograd.h"
#include "tinydl/cuda.h"
#include "tinydl/device.h"
#include "tinydl/dtype.h"
#include "tinydl/error.h"
#include "tinydl/factory.h"
#include "tinydl/memory.h"
#include "tinydl/ops.h"
#include "tinydl/options.h"
#include "tinydl/determinism.h"
#include "tinydl/parallel.h"
#include "tinydl/random.h"
#include "tinydl/scalar.h"
#include "tinydl/shape.h"
#include "tinydl/state_dict.h"
#include "tinydl/storage.h"
#include "tinydl/tensor.h"
#include "tinydl/version.h"

// Layers above the tensor core (issue: modules, optimizers, data, checkpoints).
#include "tinydl/data.h"
#include "tinydl/io.h"
#include "tinydl/nn.h"
#include "tinydl/optim.h"
#include "tinydl/train.h"
