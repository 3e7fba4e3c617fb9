// fuzz_common.h — what every fuzz target shares: the input as a file, and the rule for errors.
//
// The readers take a path, so each input is written to an in-memory file (memfd_create) and
// read back through /proc/self/fd/N: no disk traffic, and stat() sees the input's real size.
//
// The rule the targets enforce: a malformed input gives a tinydl::Error, and nothing else. A
// crash, a sanitizer report, any other exception (std::bad_alloc, std::out_of_range, a JSON
// library's exception) or a tinydl "internal error" (a broken invariant) is a bug: it aborts,
// and libFuzzer saves the input.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tinydl/error.h"

namespace tinydl::fuzz {

// One in-memory file per process, rewritten for each input.
class MemFile {
  public:
    MemFile() {
        fd_ = memfd_create("tinydl_fuzz", 0);
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    // Replaces the file's contents with data[0, size) and returns its path.
    const std::string& write(const uint8_t* data, size_t size) {
        if (ftruncate(fd_, 0) != 0 || (size > 0 && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
            std::perror("memfd write");
            std::abort();
        }
        return path_;
    }

  private:
    int fd_ = -1;
    std::string path_;
};

// Runs fn(); a tinydl::Error is the expected outcome of a bad input, unless it reports a broken
// invariant. Anything else escapes and ends the run.
template <typename Fn> void expect_only_tinydl_errors(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        // TINYDL_ASSERT's messages start so; others start with the op's name, and may quote
        // the input, which may say anything.
        if (std::strncmp(e.what(), "internal error at ", 18) == 0) {
            std::fprintf(stderr, "fuzz: tinydl internal error: %s\n", e.what());
            std::abort();
        }
    }
}

}  // namespace tinydl::fuzz
