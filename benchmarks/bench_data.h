// bench_data.h — the data side of workloads W1/W2 (BENCHMARKS.md), shared by the tinydl programs
// and their libtorch twins in benchmarks/libtorch/, so that both frameworks see the same bytes in
// the same order:
//
//   load_mnist      the four IDX files of Fashion-MNIST (plain or gzip), kept as bytes
//   EpochOrder      a seeded shuffle of the training set per epoch (splitmix64 + Fisher–Yates)
//   gather_batch    one mini-batch as float32 pixels (byte / 255, no other normalisation) and
//                   int64 labels, written into caller-owned buffers
//   rss_mib         the process's current and peak resident memory (W6)
//
// It depends on neither framework (only the C++ library and zlib): each program wraps the
// gathered buffers in its own tensors. Images stay as bytes in memory (47 MB, not 188 MB of
// float32), so the peak memory of W6 is mostly the framework's own, not the data set's.
// The IDX format is described in include/tinydl/data/idx.h; this reader is deliberately
// minimal (it trusts Debian's files beyond the header and size checks).
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace bench {

struct Mnist {
    std::vector<uint8_t> images;  // count x rows x cols bytes, row-major
    std::vector<uint8_t> labels;  // count bytes, 0..9
    int64_t count = 0, rows = 0, cols = 0;
    int64_t pixels() const { return rows * cols; }
};

namespace detail {

// All bytes of a file, gunzipped if it is gzip (zlib's gzread passes plain files through).
inline std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    // Read straight into the growing buffer (no intermediate chunk to copy).
    std::vector<uint8_t> out;
    size_t used = 0;
    int n = 0;
    do {
        if (out.size() - used < (1u << 20)) out.resize(std::max<size_t>(2 * out.size(), used + (1u << 20)));
        n = gzread(f, out.data() + used, 1u << 20);
        if (n > 0) used += static_cast<size_t>(n);
    } while (n > 0);
    out.resize(used);
    const bool failed = n < 0;
    gzclose(f);
    if (failed) throw std::runtime_error("corrupt gzip data in " + path);
    return out;
}

inline uint32_t big_endian_u32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The payload of an unsigned-byte IDX file with `ndims` dims; dims are returned in `dims`.
inline std::vector<uint8_t> read_idx_bytes(const std::string& path, int ndims, std::vector<int64_t>& dims) {
    std::vector<uint8_t> raw = read_maybe_gzip(path);
    const size_t header = 4 + 4 * static_cast<size_t>(ndims);
    if (raw.size() < header || raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08 || raw[3] != ndims)
        throw std::runtime_error(path + ": not an unsigned-byte IDX file with " + std::to_string(ndims) + " dims");
    dims.clear();
    size_t numel = 1;
    for (int d = 0; d < ndims; ++d) {
        dims.push_back(big_endian_u32(&raw[4 + 4 * d]));
        numel *= static_cast<size_t>(dims.back());
    }
    if (raw.size() != header + numel) throw std::runtime_error(path + ": size does not match its header");
    return std::vector<uint8_t>(raw.begin() + static_cast<std::ptrdiff_t>(header), raw.end());
}

}  // namespace detail

// The training (60,000) or test (10,000) half of an MNIST-format data set in `dir`.
inline Mnist load_mnist(const std::string& dir, bool train) {
    const std::string prefix = dir + "/" + (train ? "train" : "t10k");
    auto pick = [](const std::string& base) {  // the .gz file if there is one
        return std::ifstream(base + ".gz").good() ? base + ".gz" : base;
    };
    Mnist m;
    std::vector<int64_t> image_dims, label_dims;
    m.images = detail::read_idx_bytes(pick(prefix + "-images-idx3-ubyte"), 3, image_dims);
    m.labels = detail::read_idx_bytes(pick(prefix + "-labels-idx1-ubyte"), 1, label_dims);
    if (image_dims[0] != label_dims[0]) throw std::runtime_error(prefix + ": image and label counts differ");
    m.count = image_dims[0];
    m.rows = image_dims[1];
    m.cols = image_dims[2];
    return m;
}

// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
// a 64-bit state advanced by a constant and scrambled. Tiny, and identical on every platform,
// which is all the shuffle needs.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The order of the training set in epoch `epoch`: a Fisher–Yates shuffle of 0..n-1 driven by
// splitmix64 seeded from (seed, epoch), so every epoch differs and a run is reproducible. The
// modulo's bias is below 60,000 / 2^64: negligible.
inline std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    uint64_t state = seed * 0x100000001B3ull + static_cast<uint64_t>(epoch);
    for (int64_t i = n - 1; i > 0; --i) {
        const int64_t j = static_cast<int64_t>(splitmix64(state) % static_cast<uint64_t>(i + 1));
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
    }
    return order;
}

// Writes images index[0..n) of `m` as float32 byte/255 into x (n * pixels floats) and their
// labels into y (n int64). Both programs call this inside the timed loop, so it costs them alike
// (~0.1 ms per batch of 128).
inline void gather_batch(const Mnist& m, const int64_t* index, int64_t n, float* x, int64_t* y) {
    const int64_t p = m.pixels();
    for (int64_t i = 0; i < n; ++i) {
        const uint8_t* src = m.images.data() + index[i] * p;
        float* dst = x + i * p;
        for (int64_t k = 0; k < p; ++k) dst[k] = static_cast<float>(src[k]) / 255.0f;
        y[i] = m.labels[static_cast<size_t>(index[i])];
    }
}

// Resident memory in MiB: `current` from /proc/self/status (VmRSS), `peak` from getrusage
// (ru_maxrss, KiB on Linux: the largest RSS since the process started).
struct Rss {
    double current_mib = 0, peak_mib = 0;
};
inline Rss rss_mib() {
    Rss r;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    r.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) r.current_mib = std::stod(line.substr(6)) / 1024.0;  // "VmRSS:  1234 kB"
    return r;
}

// "[0.8123,0.8456]": a JSON array of numbers with 4 decimals.
inline std::string json_array(const std::vector<double>& values) {
    std::string s = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.4f", i ? "," : "", values[i]);
        s += buf;
    }
    return s + "]";
}

}  // namespace bench
