// determinism.h — the switch for bit-reproducible results (cf. torch.use_deterministic_algorithms).
//
// What tinydl guarantees on the CPU, with or without the switch, is in docs/reliability.md,
// "Determinism": the same seed gives the same bits run after run. With the switch on, the few
// kernels whose result would otherwise depend on the thread count (those that cut one sum into
// a per-thread number of partial sums) cut it into a fixed number of parts instead, so that the
// bits also match for any set_num_threads(). Nothing is promised across versions, platforms,
// instruction sets (the GEMM picks AVX2+FMA or a baseline build at run time) or CPU vs CUDA.
#pragma once

#include <cstdint>

namespace tinydl {

// Global (all threads), off by default.
void set_deterministic(bool enabled);
bool is_deterministic();

// In deterministic mode, the number of parts a kernel splits one reduction (or one GEMM) into,
// whatever the thread count: enough parallelism for a small machine, and fixed.
inline constexpr int64_t kDeterministicParts = 8;

}  // namespace tinydl
