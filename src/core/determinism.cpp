// determinism.cpp — the global deterministic-mode switch (see tinydl/determinism.h).
#include "tinydl/determinism.h"

#include <atomic>

namespace tinydl {

namespace {
std::atomic<bool> deterministic{false};
}

void set_deterministic(bool enabled) { deterministic.store(enabled, std::memory_order_relaxed); }
bool is_deterministic() { return deterministic.load(std::memory_order_relaxed); }

}  // namespace tinydl
