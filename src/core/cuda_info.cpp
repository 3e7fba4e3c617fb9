// cuda_info.cpp — tinydl::cuda queries. Without CUDA in the build they answer "no GPU".
#include "tinydl/cuda.h"

namespace tinydl::cuda {

#ifdef TINYDL_WITH_CUDA
namespace detail {
int device_count();
void synchronize();
}  // namespace detail
int device_count() { return detail::device_count(); }
void synchronize() { detail::synchronize(); }
bool is_built() { return true; }
#else
int device_count() { return 0; }
void synchronize() {}
bool is_built() { return false; }
#endif

bool is_available() { return device_count() > 0; }

}  // namespace tinydl::cuda
