// fuzz_text.cpp — libFuzzer target for the small text formats: device strings (Device("cuda:1"),
// src/core/basics.cpp, what the trainers' --device takes) and the header line of a metrics CSV
// that MetricsLogger reads when it appends to an earlier run (src/train/metrics.cpp).
#include <unistd.h>

#include "fuzz/fuzz_common.h"
#include "tinydl/tinydl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static tinydl::fuzz::MemFile file;
    // A ".csv" name for the in-memory file (MetricsLogger picks the format by extension): a
    // symlink in /tmp, removed at exit.
    static char link[64];  // plain chars: still there when the atexit handler runs
    static const std::string csv_path = [] {
        std::snprintf(link, sizeof link, "/tmp/tinydl_fuzz_text_%d.csv", static_cast<int>(getpid()));
        unlink(link);
        if (symlink(file.write(nullptr, 0).c_str(), link) != 0) std::abort();
        std::atexit([] { unlink(link); });
        return std::string(link);
    }();
    const std::string text(reinterpret_cast<const char*>(data), size);

    tinydl::fuzz::expect_only_tinydl_errors([&] {
        const tinydl::Device d(text);
        // Parsing and printing agree: "cuda" and "cuda:01" print as "cuda:0" and "cuda:1".
        if (tinydl::Device(d.str()) != d) std::abort();
    });
    file.write(data, size);
    tinydl::fuzz::expect_only_tinydl_errors([&] { tinydl::train::MetricsLogger log(csv_path, /*append=*/true); });
    return 0;
}
