// atomic_file.h — write a whole file or nothing: the temporary-file-and-rename recipe every
// checkpoint writer in tinydl goes through (internal; the public entry points are
// io::save_safetensors and io::save_checkpoint).
//
//   AtomicFile file("save_safetensors", "model.safetensors");  // creates .model.safetensors.tmp.<pid>
//   file.write(bytes, n); ...                                    // as many times as needed
//   file.commit();                                               // fsync, rename over the target, fsync dir
//
// If commit() is never reached (an exception, a crash), the target is untouched: the destructor
// removes the temporary file, and temporaries left by killed processes are swept by the next
// save of the same file. See docs/checkpoints.md, "Atomic save".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tinydl::io::detail {

class AtomicFile {
  public:
    // `op` names the caller in error messages ("save_safetensors: <path>: ...").
    AtomicFile(std::string op, std::string path);
    ~AtomicFile();  // removes the temporary file unless commit() succeeded
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, size_t n);  // all n bytes, or an Error
    void commit();

    const std::string& temp_path() const { return temp_path_; }

  private:
    [[noreturn]] void fail(const std::string& what, int err);

    std::string op_;
    std::string path_;       // the file the caller named (a symlink's target, when it is one)
    std::string temp_path_;  // ".<name>.tmp.<pid>" in the same directory
    int fd_ = -1;
    uint64_t written_ = 0;
    bool committed_ = false;
};

// The temporary file name for `path`: same directory, ".<name>.tmp.<pid>".
std::string temp_path_for(const std::string& path, long pid);

// Test hook: called after each chunk reaches the temporary file, with the byte count so far.
// Tests use it to fail a save midway (throw) or to stop a child process mid-write. Not
// thread-safe; empty (the default) means no hook.
using WriteHook = std::function<void(uint64_t bytes_written)>;
void set_write_hook(WriteHook hook);

}  // namespace tinydl::io::detail
