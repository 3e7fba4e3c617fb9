// test_checkpoint_failures.cpp — a checkpoint save that fails part-way must leave the previous
// checkpoint intact and loadable (src/io/atomic_file.cpp; docs/checkpoints.md, "Atomic save").
//
// Each test writes checkpoints whose every value is the checkpoint's version number, so a file
// that mixes two saves, or a truncated one, is caught by value, not only by the CRC-32.
//
//  1. The disk fills up mid-write, two ways:
//     - RLIMIT_FSIZE lowered in this process (with SIGXFSZ ignored, write() fails with EFBIG):
//       works anywhere, as root too, at any byte of the file;
//     - a real 512 KiB tmpfs, mounted in a private mount namespace (ENOSPC). Needs
//       CAP_SYS_ADMIN (root in CI); skipped with the reason otherwise.
//  2. The directory is read-only: a read-only bind mount of it in a private mount namespace
//     (root ignores permission bits, but not a read-only mount); chmod 0555 for other users.
//  3. A writer killed with SIGKILL at varying points of a loop of 20 MiB saves: after each kill
//     the file is one complete version, the last one the writer finished or the one after.
//
// The private mount namespaces belong to one helper thread each (unshare(CLONE_NEWNS) in a
// thread affects that thread only), so no mount is ever visible to the rest of the machine.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "src/io/atomic_file.h"
#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::read_bytes;
using testing::TempDir;

// A checkpoint in the trainers' shape whose every value is `version`: a model part of
// `model_floats` floats, an optimizer part of a quarter of that, and the progress counters.
std::map<std::string, StateDict> version_parts(int64_t version, int64_t model_floats) {
    const float v = static_cast<float>(version);
    return {{"model", {{"0.weight", full({model_floats}, v)}, {"0.bias", full({7}, v)}}},
            {"optimizer", {{"state.0.exp_avg", full({model_floats / 4}, v)}, {"state.0.step", tensor(v, kFloat32)}}},
            {"progress", {{"epoch", io::int64_tensor(version)}, {"step", io::int64_tensor(version)}}}};
}

// Loads `path` with load_checkpoint (structure and CRC-32 checked) and returns its version,
// checking that every value in it is that version. Returns -1 and sets `error` otherwise.
int64_t loaded_version(const std::string& path, std::string& error) {
    io::Checkpoint c;
    try {
        c = io::load_checkpoint(path);
    } catch (const Error& e) {
        error = e.what();
        return -1;
    }
    if (!c.parts.count("progress") || !c.parts.count("model") || !c.parts.count("optimizer")) {
        error = "a part is missing";
        return -1;
    }
    const int64_t version = io::int64_value(c.parts.at("progress"), "epoch");
    if (io::int64_value(c.parts.at("progress"), "step") != version) {
        error = "progress/step differs from progress/epoch";
        return -1;
    }
    for (const char* part : {"model", "optimizer"})
        for (const auto& [key, t] : c.parts.at(part)) {
            const Tensor f = t.contiguous();
            const float* p = f.data_ptr<float>();
            for (int64_t i = 0; i < f.numel(); ++i)
                if (p[i] != static_cast<float>(version)) {
                    error = detail::str(part, "/", key, "[", i, "] is ", p[i], " in a file of version ", version);
                    return -1;
                }
        }
    return version;
}

std::vector<std::string> temp_files(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().filename().string().find(".tmp.") != std::string::npos)
            found.push_back(entry.path().filename().string());
    return found;
}

// Lowers the soft RLIMIT_FSIZE of this process and ignores SIGXFSZ (whose default action kills
// the process), so that a write past `bytes` fails with EFBIG; restores both on destruction.
// The soft limit may be raised again up to the hard one, so no privilege is needed.
class FileSizeLimit {
  public:
    explicit FileSizeLimit(rlim_t bytes) {
        ok_ = ::getrlimit(RLIMIT_FSIZE, &saved_) == 0;
        if (!ok_) return;
        struct sigaction ignore = {};
        ignore.sa_handler = SIG_IGN;
        ::sigaction(SIGXFSZ, &ignore, &saved_action_);
        rlimit lowered = saved_;
        lowered.rlim_cur = bytes;
        ok_ = ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        ::sigaction(SIGXFSZ, &saved_action_, nullptr);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    bool ok() const { return ok_; }

  private:
    rlimit saved_ = {};
    struct sigaction saved_action_ = {};
    bool ok_ = false;
};

TEST(CheckpointFailures, DiskFullMidWriteKeepsThePreviousCheckpoint) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, version_parts(1, 1000));
    const std::string before = read_bytes(path);
    const auto next = version_parts(2, 1 << 19);  // 2.5 MiB: several 1 MiB chunks of AtomicFile
    // Where the "disk" ends: before the first byte, inside the 8-byte length, inside the JSON
    // header, inside the first and the third megabyte of tensor data.
    for (rlim_t limit : {rlim_t{0}, rlim_t{5}, rlim_t{100}, rlim_t{(1 << 20) + 12345}, rlim_t{(5 << 19)}}) {
        SCOPED_TRACE("file size limit " + std::to_string(limit) + " bytes");
        ::testing::AssertionResult refused = ::testing::AssertionFailure() << "not run";
        {
            // Only the save runs under the limit (GoogleTest's output may go to a regular file).
            FileSizeLimit fsize(limit);
            ASSERT_TRUE(fsize.ok()) << "setrlimit(RLIMIT_FSIZE): " << std::strerror(errno);
            refused = testing::throws_with([&] { io::save_checkpoint(path, next); },
                                           {"save_checkpoint", path, "cannot write the temporary file",
                                            std::strerror(EFBIG), "the previous file, if any, is unchanged"});
        }
        EXPECT_TRUE(refused);
        EXPECT_EQ(read_bytes(path), before);
        std::string error;
        EXPECT_EQ(loaded_version(path, error), 1) << error;
        EXPECT_TRUE(temp_files(dir.path()).empty()) << "the failed save left " << temp_files(dir.path())[0];
    }
    // With room again, the same save goes through.
    io::save_checkpoint(path, next);
    std::string error;
    EXPECT_EQ(loaded_version(path, error), 2) << error;
    EXPECT_TRUE(temp_files(dir.path()).empty());
}

// Runs `body` on a new thread that first moves into a private mount namespace (its mounts are
// seen by that thread only). Returns a reason to skip when the namespace cannot be made, else
// whatever `body` returns (a reason to skip, or "" when it ran). `body` reports failures with
// EXPECT_* (GoogleTest assertions are thread-safe with pthreads).
std::string in_private_mount_namespace(const std::function<std::string()>& body) {
    std::string result;
    std::thread worker([&] {
        // unshare(CLONE_NEWNS) needs CAP_SYS_ADMIN; in a multithreaded process it applies to the
        // calling thread only.
        if (::unshare(CLONE_NEWNS) != 0) {
            result = std::string("unshare(CLONE_NEWNS) failed: ") + std::strerror(errno) +
                     " (needs CAP_SYS_ADMIN, e.g. root outside a restricted container)";
            return;
        }
        // Without this, mounts under a shared mount ("/" usually is one) would propagate back to
        // the namespace we came from.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            result = std::string("mount --make-rprivate / failed: ") + std::strerror(errno);
            return;
        }
        result = body();
    });
    worker.join();
    return result;
}

TEST(CheckpointFailures, FullTmpfsKeepsThePreviousCheckpoint) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    const auto small = version_parts(1, 16 << 10);  // ~80 KiB
    const auto big = version_parts(2, 1 << 18);     // ~1.25 MiB: does not fit
    const auto small_again = version_parts(3, 16 << 10);
    const std::string skip = in_private_mount_namespace([&]() -> std::string {
        if (::mount("tmpfs", dir.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=512k,mode=0700") != 0)
            return std::string("mount -t tmpfs failed: ") + std::strerror(errno);
        io::save_checkpoint(path, small);
        const std::string before = read_bytes(path);
        EXPECT_ERROR(io::save_checkpoint(path, big), "save_checkpoint", path, "cannot write the temporary file",
                     std::strerror(ENOSPC), "the previous file, if any, is unchanged");
        EXPECT_EQ(read_bytes(path), before);
        std::string error;
        EXPECT_EQ(loaded_version(path, error), 1) << error;
        EXPECT_TRUE(temp_files(dir.path()).empty());
        // The failed save gave its space back: a save that needs the old file and a new one side
        // by side (~160 KiB) fits again.
        io::save_checkpoint(path, small_again);
        EXPECT_EQ(loaded_version(path, error), 3) << error;
        ::umount2(dir.path().c_str(), MNT_DETACH);
        return "";
    });
    if (!skip.empty()) GTEST_SKIP() << "no private tmpfs here: " << skip;
}

TEST(CheckpointFailures, ReadOnlyDirectoryKeepsThePreviousCheckpoint) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, version_parts(1, 1000));
    const std::string before = read_bytes(path);
    const auto next = version_parts(2, 1000);
    auto check_refused = [&] {
        EXPECT_ERROR(io::save_checkpoint(path, next), "save_checkpoint", path, "cannot create the temporary file");
        EXPECT_EQ(read_bytes(path), before);
        std::string error;
        EXPECT_EQ(loaded_version(path, error), 1) << error;
        EXPECT_TRUE(temp_files(dir.path()).empty());
    };
    if (::geteuid() != 0) {
        // An ordinary user: permission bits are enough.
        ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
        check_refused();
        ::chmod(dir.path().c_str(), 0755);
    } else {
        // root writes into a 0555 directory; a read-only mount stops it.
        const std::string skip = in_private_mount_namespace([&]() -> std::string {
            if (::mount(dir.path().c_str(), dir.path().c_str(), nullptr, MS_BIND, nullptr) != 0)
                return std::string("mount --bind failed: ") + std::strerror(errno);
            if (::mount(nullptr, dir.path().c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
                const int err = errno;
                ::umount2(dir.path().c_str(), MNT_DETACH);
                return std::string("remounting the bind mount read-only failed: ") + std::strerror(err);
            }
            check_refused();
            EXPECT_ERROR(io::save_checkpoint(path, next), std::strerror(EROFS));
            ::umount2(dir.path().c_str(), MNT_DETACH);
            return "";
        });
        if (!skip.empty()) GTEST_SKIP() << "running as root without a read-only mount: " << skip;
    }
    // Writable again: the save goes through.
    io::save_checkpoint(path, next);
    std::string error;
    EXPECT_EQ(loaded_version(path, error), 2) << error;
}

// ---- a writer killed mid-save ----------------------------------------------------------------

constexpr int64_t kBigModelFloats = 4 << 20;  // 16 MiB of model + 4 MiB of optimizer state

// The child half of KilledWriterLeavesOneCompleteVersion, run as its own process (fork + exec of
// this test binary: a forked copy of a process that has run OpenMP code may not use OpenMP). It
// saves versions first, first + 1, ... to one path, and reports on a pipe: 'r' when it starts,
// 'w' when a save has written its first bytes, 'c' when a save has returned.
TEST(CheckpointWriterChild, SavesVersionsInALoop) {
    const char* path = std::getenv("TINYDL_CKPT_CHILD_PATH");
    const char* fd_text = std::getenv("TINYDL_CKPT_CHILD_FD");
    const char* first_text = std::getenv("TINYDL_CKPT_CHILD_FIRST");
    if (path == nullptr || fd_text == nullptr || first_text == nullptr)
        GTEST_SKIP() << "helper of CheckpointFailures.KilledWriterLeavesOneCompleteVersion; runs only as its child";
    const int fd = std::atoi(fd_text);
    auto send = [fd](char c) { (void)!::write(fd, &c, 1); };
    bool announced = false;
    io::detail::set_write_hook([&](uint64_t) {
        if (!announced) send('w');
        announced = true;
    });
    send('r');
    for (int64_t v = std::atoll(first_text), n = 0; n < 1000; ++v, ++n) {  // until killed
        const auto parts = version_parts(v, kBigModelFloats);
        announced = false;
        io::save_checkpoint(path, parts);
        send('c');
    }
    io::detail::set_write_hook({});
}

TEST(CheckpointFailures, KilledWriterLeavesOneCompleteVersion) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, version_parts(0, kBigModelFloats));
    int64_t file_version = 0;
    int kills_mid_save = 0;
    constexpr int kKills = 16;
    for (int i = 0; i < kKills; ++i) {
        // Even rounds: kill 0, 3, 6, ... ms after the save's first bytes (mid-write or fsync).
        // Odd rounds: kill 0, 40, 80, ... ms after the child starts (anywhere: filling the
        // tensors, CRC, writing, fsync, rename, between saves).
        const bool after_first_write = i % 2 == 0;
        const int delay_ms = after_first_write ? 3 * (i / 2) : 40 * (i / 2);
        SCOPED_TRACE("round " + std::to_string(i) + ": SIGKILL " + std::to_string(delay_ms) + " ms after " +
                     (after_first_write ? "the first write" : "the start"));
        const int64_t first = file_version + 1;
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed parent
            const int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, STDOUT_FILENO);
            ::setenv("TINYDL_CKPT_CHILD_PATH", path.c_str(), 1);
            ::setenv("TINYDL_CKPT_CHILD_FD", std::to_string(fds[1]).c_str(), 1);
            ::setenv("TINYDL_CKPT_CHILD_FIRST", std::to_string(first).c_str(), 1);
            ::execl("/proc/self/exe", "/proc/self/exe", "--gtest_filter=CheckpointWriterChild.SavesVersionsInALoop",
                    nullptr);
            _exit(127);
        }
        ::close(fds[1]);
        // Read the child's reports until the trigger, then wait the delay and kill it.
        std::string reports;
        const char trigger = after_first_write ? 'w' : 'r';
        bool triggered = false;
        while (!triggered) {
            struct pollfd p = {fds[0], POLLIN, 0};
            char c = 0;
            if (::poll(&p, 1, 60000) != 1 || ::read(fds[0], &c, 1) != 1) break;
            reports.push_back(c);
            triggered = c == trigger;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        for (char c = 0; ::read(fds[0], &c, 1) == 1;) reports.push_back(c);  // the rest, until EOF
        ::close(fds[0]);
        ASSERT_TRUE(triggered) << "the child never reported '" << trigger << "' (reports: " << reports << ")";
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended by itself: " << reports;

        // The file is one whole version: the last save that returned, or the next one if the
        // kill came after its rename but before it could report.
        const int64_t finished = static_cast<int64_t>(std::count(reports.begin(), reports.end(), 'c'));
        const int64_t last_returned = first - 1 + finished;
        std::string error;
        const int64_t v = loaded_version(path, error);
        ASSERT_GE(v, 0) << "the file does not load after the kill: " << error << " (reports: " << reports << ")";
        EXPECT_TRUE(v == last_returned || v == last_returned + 1)
            << "version " << v << " on disk, but the last save that returned wrote " << last_returned;
        if (std::filesystem::exists(io::detail::temp_path_for(path, pid))) ++kills_mid_save;
        file_version = std::max(v, last_returned);
    }
    std::printf("[checkpoint kill] %d SIGKILLs, %d of them mid-save (a partial temporary file left), "
                "last version on disk %lld\n",
                kKills, kills_mid_save, static_cast<long long>(file_version));
    // Kills right after the first bytes of a 20 MiB save land mid-save unless the machine
    // writes 20 MiB and fsyncs it before a signal arrives; half the rounds are such kills.
    EXPECT_GE(kills_mid_save, 1) << "no kill landed inside a save: the test did not test anything";
    // The next save sweeps the killed writers' temporary files.
    io::save_checkpoint(path, version_parts(file_version + 1, 1000));
    EXPECT_TRUE(temp_files(dir.path()).empty());
    std::string error;
    EXPECT_EQ(loaded_version(path, error), file_version + 1) << error;
}

}  // namespace
}  // namespace tinydl
