// train.h — umbrella header of tinydl::train (filled in as the layer is written).
#pragma once
#include "tinydl/train/metrics.h"   // MetricsLogger, MetricsRow
#include "tinydl/train/progress.h"  // ProgressBar
#include "tinydl/train/summary.h"   // summary(model, input_shape)
#include "tinydl/train/graph.h"     // to_dot(output, named_params)
