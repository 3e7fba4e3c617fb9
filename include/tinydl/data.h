// data.h — umbrella header of tinydl::data (filled in as the layer is written).
#pragma once
#include "tinydl/data/dataset.h"     // Dataset, TensorDataset, Example, Batch
#include "tinydl/data/dataloader.h"  // DataLoader
#include "tinydl/data/transforms.h"  // Normalize, Compose, Lambda, TransformDataset
#include "tinydl/data/idx.h"         // read_idx (IDX files, plain or gzip)
#include "tinydl/data/mnist.h"       // datasets::MNIST
