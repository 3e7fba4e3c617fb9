// idx.h — reading IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed.
//
// An IDX file is a tiny header and then the data, row-major (http://yann.lecun.com/exdb/mnist/):
//
//   bytes 0-1   0x00 0x00
//   byte  2     the element type: 0x08 unsigned byte (MNIST), 0x09 signed byte, 0x0B int16,
//               0x0C int32, 0x0D float32, 0x0E float64
//   byte  3     the number of dims, n
//   then        n dims, each a big-endian u32
//   then        prod(dims) elements, big-endian
//
// MNIST's train-images-idx3-ubyte starts 00 00 08 03 | 00 00 EA 60 (60000) | 00 00 00 1C (28)
// | 00 00 00 1C (28), then 60000 x 28 x 28 bytes; the labels file is 00 00 08 01 | 60000 | bytes.
//
// This file is only the format; the MNIST data set (which files, labels < 10, scaling to [0, 1])
// is datasets::MNIST in mnist.h.
#pragma once

#include <string>

#include "tinydl/tensor.h"

namespace tinydl::data {

// Reads an IDX file, gzip-compressed or not (detected from the content, not the name), into a
// CPU tensor with the header's dims: types 0x08 -> uint8, 0x0C -> int32, 0x0D -> float32,
// 0x0E -> float64 (0x09 and 0x0B have no tinydl dtype and are rejected). The header is checked
// (magic, type, 1 to 4 dims, no overflow) and the data must be exactly prod(dims) elements:
// a truncated file, trailing bytes or corrupt gzip data give a tinydl::Error that names the file,
// e.g. "read_idx: train-labels-idx1-ubyte.gz: expected 60000 bytes of data after the header,
// found 59999". Nothing larger than the file can hold is ever allocated.
Tensor read_idx(const std::string& path);

}  // namespace tinydl::data
