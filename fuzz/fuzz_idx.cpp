// fuzz_idx.cpp — libFuzzer target for the IDX reader (src/data/idx.cpp), plain and gzip'd.
//
// Each input is read twice: as it is (a plain IDX file, or a gzip stream with whatever damage
// the fuzzer made), and gzip-compressed by this target, so that the decompressing path also
// sees well-formed streams of arbitrary content. Besides "a tinydl::Error or a valid tensor",
// a successful read must have the size the header promises: 4 + 4 x ndims header bytes plus
// prod(dims) x itemsize data bytes, exactly the input.
#include <zlib.h>

#include <vector>

#include "fuzz/fuzz_common.h"
#include "tinydl/data/idx.h"

namespace {

// gzip (not zlib) framing: deflateInit2 with windowBits 16 + 15.
std::vector<uint8_t> gzip(const uint8_t* data, size_t size) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    std::vector<uint8_t> out(deflateBound(&z, size) + 32);
    z.next_in = const_cast<uint8_t*>(data);
    z.avail_in = static_cast<uInt>(size);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// The header's promise, for an input read successfully from `plain` bytes.
void check_size(const tinydl::Tensor& t, size_t plain_size) {
    const size_t expected = 4 + 4 * static_cast<size_t>(t.dim()) + static_cast<size_t>(t.nbytes());
    if (expected != plain_size) {
        std::fprintf(stderr, "fuzz_idx: read %zu bytes of tensor from a %zu-byte file\n", expected, plain_size);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static tinydl::fuzz::MemFile file;
    const bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    tinydl::fuzz::expect_only_tinydl_errors([&] {
        const tinydl::Tensor t = tinydl::data::read_idx(file.write(data, size));
        if (!is_gzip) check_size(t, size);
    });
    if (!is_gzip && size <= 64 * 1024) {
        const std::vector<uint8_t> compressed = gzip(data, size);
        tinydl::fuzz::expect_only_tinydl_errors([&] {
            check_size(tinydl::data::read_idx(file.write(compressed.data(), compressed.size())), size);
        });
    }
    return 0;
}
