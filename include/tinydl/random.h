// random.h — the global random generator behind rand, randn, randint, dropout and init.
//
// One generator, seeded with manual_seed(s): the same seed gives the same numbers on every
// machine and thread count (values are drawn in element order, never per thread).
#pragma once

#include <cstdint>
#include <vector>

namespace tinydl {

void manual_seed(uint64_t seed);
uint64_t initial_seed();

// A full snapshot of the generator, for checkpoints that must resume bit-exactly.
std::vector<uint8_t> get_rng_state();
void set_rng_state(const std::vector<uint8_t>& state);

namespace detail {
// The generator: splitmix64-seeded xoshiro256**. Not thread-safe: draw from one thread at a time.
class Generator {
  public:
    explicit Generator(uint64_t seed = 0) { seed_with(seed); }
    void seed_with(uint64_t seed);
    uint64_t seed() const { return seed_; }
    uint64_t next_u64();
    double next_double();  // uniform on [0, 1) with 53 random bits
    float next_float();    // uniform on [0, 1) with 24 random bits
    double next_normal();  // standard normal (Box-Muller; caches the second value)

    uint64_t s_[4];
    uint64_t seed_ = 0;
    bool has_cached_normal_ = false;
    double cached_normal_ = 0.0;
};
Generator& default_generator();
}  // namespace detail

}  // namespace tinydl
