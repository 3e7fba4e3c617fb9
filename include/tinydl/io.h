// io.h — umbrella header of tinydl::io (filled in as the layer is written).
#pragma once

#include "tinydl/io/checkpoint.h"
#include "tinydl/io/safetensors.h"
