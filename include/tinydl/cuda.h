// cuda.h — asking about GPUs. In a CPU-only build (or on a machine with no GPU) every query
// answers "none" and nothing throws; creating a CUDA tensor then throws a clear tinydl::Error.
#pragma once

namespace tinydl::cuda {

bool is_available();  // a CUDA build and at least one usable GPU
int device_count();
void synchronize();   // waits for the GPU's queued work; a no-op without one
bool is_built();      // whether this tinydl was compiled with CUDA at all

}  // namespace tinydl::cuda
