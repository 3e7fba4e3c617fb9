// fuzz_safetensors.cpp — libFuzzer target for the safetensors reader (src/io/safetensors.cpp):
// the 8-byte length, the JSON header (nlohmann-json) and its checks, and the data.
//
// Besides "a tinydl::Error or valid tensors": a file the full read accepts, the header-only read
// accepts too, with the same metadata; and the tensors never hold more than the file's bytes
// (twice that at most, as F16/BF16 are widened to float32 in memory).
#include "fuzz/fuzz_common.h"
#include "tinydl/io/safetensors.h"

namespace {

[[noreturn]] void fail(const char* what, size_t a, size_t b) {
    std::fprintf(stderr, "fuzz_safetensors: %s (%zu vs %zu)\n", what, a, b);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static tinydl::fuzz::MemFile file;
    const std::string& path = file.write(data, size);
    bool header_ok = false;
    tinydl::io::Metadata header_metadata;
    tinydl::fuzz::expect_only_tinydl_errors([&] {
        header_metadata = tinydl::io::load_safetensors_metadata(path);
        header_ok = true;
    });
    tinydl::fuzz::expect_only_tinydl_errors([&] {
        const tinydl::io::SafetensorsFile f = tinydl::io::read_safetensors(path);
        // The full read checks everything the header-only read does, and more (BOOL bytes).
        if (!header_ok) fail("read_safetensors accepted a file load_safetensors_metadata refused", size, 0);
        if (f.metadata != header_metadata) fail("the two reads disagree on the metadata", f.metadata.size(),
                                                header_metadata.size());
        size_t bytes = 0;
        for (const auto& [name, t] : f.tensors) {
            if (!t.defined() || !t.is_cpu() || !t.is_contiguous() || t.requires_grad())
                fail("a tensor that is not a plain CPU tensor", 0, 0);
            bytes += t.nbytes();
        }
        // Widened F16/BF16 tensors take 4 bytes in memory for 2 in the file: at most twice.
        if (bytes > 2 * size) fail("the tensors hold more than twice the file's bytes", bytes, size);
    });
    return 0;
}
