// random.cpp — the global generator: xoshiro256** seeded through splitmix64.
//
// Written out here (not std::mt19937 + std::normal_distribution) because the standard
// distributions differ between library implementations; these formulas give the same numbers
// everywhere.
#include "tinydl/random.h"

#include <cmath>
#include <cstring>

#include "tinydl/error.h"

namespace tinydl {

namespace detail {

static uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Generator::seed_with(uint64_t seed) {
    seed_ = seed;
    uint64_t x = seed;
    for (auto& s : s_) s = splitmix64(x);
    has_cached_normal_ = false;
}

uint64_t Generator::next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Generator::next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
float Generator::next_float() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

double Generator::next_normal() {
    if (has_cached_normal_) {
        has_cached_normal_ = false;
        return cached_normal_;
    }
    // Box-Muller: two uniforms -> two independent normals; keep the second for the next call.
    const double u1 = 1.0 - next_double();  // in (0, 1], so log(u1) is finite
    const double u2 = next_double();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * M_PI * u2;
    cached_normal_ = r * std::sin(theta);
    has_cached_normal_ = true;
    return r * std::cos(theta);
}

Generator& default_generator() {
    static Generator g(67280421310721ULL);  // PyTorch's default seed
    return g;
}

}  // namespace detail

void manual_seed(uint64_t seed) { detail::default_generator().seed_with(seed); }
uint64_t initial_seed() { return detail::default_generator().seed(); }

std::vector<uint8_t> get_rng_state() {
    const auto& g = detail::default_generator();
    std::vector<uint8_t> state(sizeof(g.s_) + sizeof(uint64_t) + 1 + sizeof(double));
    uint8_t* p = state.data();
    std::memcpy(p, g.s_, sizeof(g.s_));
    p += sizeof(g.s_);
    std::memcpy(p, &g.seed_, sizeof(uint64_t));
    p += sizeof(uint64_t);
    *p++ = g.has_cached_normal_ ? 1 : 0;
    std::memcpy(p, &g.cached_normal_, sizeof(double));
    return state;
}

void set_rng_state(const std::vector<uint8_t>& state) {
    auto& g = detail::default_generator();
    const size_t expected = sizeof(g.s_) + sizeof(uint64_t) + 1 + sizeof(double);
    TINYDL_CHECK(state.size() == expected, "set_rng_state", "expected a state of ", expected,
                 " bytes (from get_rng_state), got ", state.size());
    const uint8_t* p = state.data();
    std::memcpy(g.s_, p, sizeof(g.s_));
    p += sizeof(g.s_);
    std::memcpy(&g.seed_, p, sizeof(uint64_t));
    p += sizeof(uint64_t);
    g.has_cached_normal_ = *p++ != 0;
    std::memcpy(&g.cached_normal_, p, sizeof(double));
}

}  // namespace tinydl
