// atomic_file.cpp — the temporary-file-and-rename recipe (see atomic_file.h).
//
// Why each step (https://stackoverflow.com/questions/3764822, pytorch/pytorch PR #2883):
//   1. The temporary file sits in the target's directory: rename() is atomic only within one
//      filesystem (across filesystems it would be a copy that can be cut halfway).
//   2. fsync(file) before rename: otherwise a crash can leave the new name pointing at a file
//      whose data never reached the disk (an empty or partial "checkpoint").
//   3. rename() replaces the old file in one step: readers see the old file or the new one.
//   4. fsync(directory) makes the rename itself durable.
// A SIGKILL between 1 and 3 leaves ".<name>.tmp.<pid>" behind; the next save of the same file
// deletes such leftovers whose process is gone.
#include "src/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>

#include "tinydl/error.h"

namespace tinydl::io::detail {

namespace {

WriteHook& write_hook() {
    static WriteHook hook;
    return hook;
}

// Temporary paths being written by this process: two saves of one file at the same time from
// two threads would share a temporary name, so the second one is refused.
std::mutex active_mutex;
std::set<std::string>& active_temp_paths() {
    static std::set<std::string> paths;
    return paths;
}

std::string parent_dir(const std::string& path) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? "." : dir;
}

// ".<name>.tmp." for path "dir/<name>". (Built with append: `"." + name` trips a false
// -Wrestrict warning in GCC 12.)
std::string temp_prefix(const std::string& path) {
    std::string prefix = ".";
    prefix.append(std::filesystem::path(path).filename().string());
    prefix.append(".tmp.");
    return prefix;
}

// Deletes ".<name>.tmp.<pid>" files of `path` left by processes that no longer exist (killed
// mid-save). Best effort: errors are ignored, and a live process's file is never touched.
void sweep_stale_temps(const std::string& path) {
    const std::string prefix = temp_prefix(path);
    std::error_code ec;
    std::filesystem::directory_iterator it(parent_dir(path), ec);
    if (ec) return;
    for (const auto& entry : it) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (digits.size() > 9 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const long pid = std::strtol(digits.c_str(), nullptr, 10);
        if (pid == static_cast<long>(getpid()) || pid <= 0) continue;
        if (kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) ::unlink(entry.path().c_str());
    }
}

}  // namespace

std::string temp_path_for(const std::string& path, long pid) {
    return (std::filesystem::path(path).parent_path() / (temp_prefix(path) + std::to_string(pid))).string();
}

void set_write_hook(WriteHook hook) { write_hook() = std::move(hook); }

AtomicFile::AtomicFile(std::string op, std::string path) : op_(std::move(op)), path_(std::move(path)) {
    TINYDL_CHECK(!path_.empty(), op_, "the file name is empty");
    TINYDL_CHECK(std::filesystem::path(path_).has_filename(), op_, path_,
                 ": not a file name (it ends with '/')");
    // Writing through a symlink replaces the file it points to, not the link itself.
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        char resolved[PATH_MAX];
        if (::realpath(path_.c_str(), resolved) != nullptr) path_ = resolved;
    }
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    TINYDL_CHECK(!(exists && S_ISDIR(st.st_mode)), op_, path_, ": is a directory");

    temp_path_ = temp_path_for(path_, static_cast<long>(getpid()));
    {
        std::lock_guard<std::mutex> lock(active_mutex);
        TINYDL_CHECK(active_temp_paths().insert(temp_path_).second, op_, path_,
                     ": another save of this file is already in progress in this process");
    }
    sweep_stale_temps(path_);
    // A file of our name can only be a leftover of an earlier process with our pid (pids are
    // reused, especially in containers): we own the name now.
    ::unlink(temp_path_.c_str());
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) {
        const int err = errno;
        std::lock_guard<std::mutex> lock(active_mutex);
        active_temp_paths().erase(temp_path_);
        throw Error(tinydl::detail::str(op_, ": ", path_, ": cannot create the temporary file ", temp_path_,
                                        ": ", std::strerror(err)));
    }
    // Keep the permissions of the file we replace (a new file gets 0666 minus the umask, as
    // any file the user creates).
    if (exists) ::fchmod(fd_, st.st_mode & 07777);
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_path_.c_str());
    std::lock_guard<std::mutex> lock(active_mutex);
    active_temp_paths().erase(temp_path_);
}

void AtomicFile::fail(const std::string& what, int err) {
    throw Error(tinydl::detail::str(op_, ": ", path_, ": ", what, ": ", std::strerror(err),
                                    " (the previous file, if any, is unchanged)"));
}

void AtomicFile::write(const void* data, size_t n) {
    TINYDL_ASSERT(fd_ >= 0 && !committed_, "AtomicFile::write after commit");
    // In chunks, so a test hook can interrupt a large write halfway.
    constexpr size_t kChunk = size_t{1} << 20;
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const size_t chunk = std::min(n, kChunk);
        size_t done = 0;
        while (done < chunk) {
            const ssize_t w = ::write(fd_, p + done, chunk - done);
            if (w < 0) {
                if (errno == EINTR) continue;
                // EFBIG (the file size limit), ENOSPC (a full disk), EDQUOT, EIO: the temporary
                // file is removed by the destructor, the target was never touched.
                fail("cannot write the temporary file " + temp_path_, errno);
            }
            // write() of n > 0 bytes to a file returns 0 only on a broken filesystem; without
            // this check the loop would spin forever.
            if (w == 0) fail("cannot write the temporary file " + temp_path_, ENOSPC);
            done += static_cast<size_t>(w);
        }
        p += chunk;
        n -= chunk;
        written_ += chunk;
        if (write_hook()) write_hook()(written_);
    }
}

void AtomicFile::commit() {
    TINYDL_ASSERT(fd_ >= 0 && !committed_, "AtomicFile::commit twice");
    if (::fsync(fd_) != 0) fail("cannot flush the temporary file " + temp_path_ + " to disk", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close the temporary file " + temp_path_, errno);
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
        fail("cannot rename " + temp_path_ + " over it", errno);
    committed_ = true;
    // Make the rename durable. Best effort: the new file is already in place, and some
    // filesystems refuse fsync on directories (EINVAL), so a failure here is not reported.
    const int dir_fd = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

}  // namespace tinydl::io::detail
