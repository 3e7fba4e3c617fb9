// optim.h — umbrella header of tinydl::optim: optimizers, LR schedulers, gradient clipping.
#pragma once

#include "tinydl/optim/adagrad.h"       // Adagrad
#include "tinydl/optim/adam.h"          // Adam, AdamW
#include "tinydl/optim/clip_grad.h"     // clip_grad_norm_, clip_grad_value_
#include "tinydl/optim/lr_scheduler.h"  // StepLR, ..., OneCycleLR, SequentialLR, ReduceLROnPlateau
#include "tinydl/optim/optimizer.h"     // Optimizer, ParamGroup, OptimizerOptions
#include "tinydl/optim/rmsprop.h"       // RMSprop
#include "tinydl/optim/sgd.h"           // SGD
