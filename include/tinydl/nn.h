// nn.h — umbrella header of tinydl::nn: modules, layers, activations, init, functional, losses.
#pragma once

#include "tinydl/nn/activation.h"
#include "tinydl/nn/container.h"
#include "tinydl/nn/functional.h"
#include "tinydl/nn/init.h"
#include "tinydl/nn/layers.h"
#include "tinydl/nn/loss.h"
#include "tinydl/nn/module.h"
// Convolution networks (issue 4).
#include "tinydl/nn/conv.h"
#include "tinydl/nn/normalization.h"
#include "tinydl/nn/pooling.h"
#include "tinydl/nn/resample.h"
