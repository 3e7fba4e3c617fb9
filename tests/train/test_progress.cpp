// test_progress.cpp — ProgressBar: the tqdm-style line, '\r' redraws rate-limited on a terminal,
// plain lines (never '\r') otherwise, and TINYDL_PROGRESS=0. A fake clock makes timing exact.
#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <iostream>
#include <unistd.h>

#include "tests/support/test_utils.h"

using namespace tinydl;
using namespace tinydl::train;

namespace {

// These tests expect bars to be on: a TINYDL_PROGRESS=0 in the caller's environment would turn
// them all off (DisabledPrintsNothing sets it itself).
[[maybe_unused]] const bool kProgressEnvCleared = (::unsetenv("TINYDL_PROGRESS"), true);

// Time in steps of 1/32 s: exact in binary, so "0.1 s passed" never depends on rounding.
struct FakeClock {
    double t = 0;
    std::function<double()> fn() {
        return [this] { return t; };
    }
};

ProgressBarOptions options_for(std::ostringstream& out, bool tty, FakeClock& clock) {
    ProgressBarOptions o;
    o.out = &out;
    o.is_tty = tty;
    o.clock = clock.fn();
    return o;
}

size_t count_of(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
    return n;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> lines;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

}  // namespace

TEST(ProgressFormat, IntervalsAndNumbers) {
    EXPECT_EQ(format_interval(0), "00:00");
    EXPECT_EQ(format_interval(65.9), "01:05");
    EXPECT_EQ(format_interval(3723), "1:02:03");
    EXPECT_EQ(format_num(0.31), "0.31");
    EXPECT_EQ(format_num(0.87123), "0.871");
    EXPECT_EQ(format_num(1234.5), "1234.5");
    EXPECT_EQ(format_num(12345.678), "1.23e+4");
    EXPECT_EQ(format_num(1e-05), "1e-5");
    EXPECT_EQ(format_num(0.001), "0.001");
    EXPECT_EQ(format_num(2.0), "2");
}

TEST(ProgressBar, TerminalLineLooksLikeTqdm) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBar bar(600, "epoch 1", options_for(out, true, clock));
    clock.t = 13.5;
    bar.update(270, {{"loss", 0.31}, {"acc", 0.87123}});
    // 270/600 = 45% of 20 cells = 9 full blocks; 20.00 it/s; (600-270)/20 = 16.5 s left.
    EXPECT_EQ(bar.line(), "epoch 1:  45%|█████████           | 270/600 [00:13<00:16, 20.00it/s, loss=0.31, acc=0.871]");
    bar.update(5);  // 275/600: 9 full cells and 1/6 of the next -> one eighth block
    EXPECT_NE(bar.line().find("|█████████▏          |"), std::string::npos) << bar.line();
    EXPECT_NE(bar.line().find("loss=0.31"), std::string::npos) << "an empty postfix keeps the last one";
}

TEST(ProgressBar, PlainLineHasNoBar) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBar bar(600, "train", options_for(out, false, clock));
    clock.t = 13.5;
    bar.update(270, {{"loss", 0.5}});
    EXPECT_EQ(bar.line(), "train:  45% 270/600 [00:13<00:16, 20.00it/s, loss=0.5]");
}

TEST(ProgressBar, UnknownTotalAndSlowSteps) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBar unknown(0, "", options_for(out, false, clock));
    clock.t = 2;
    unknown.update(12);
    EXPECT_EQ(unknown.line(), "12it [00:02, 6.00it/s]");
    ProgressBar slow(10, "", options_for(out, false, clock));
    clock.t += 4;
    slow.update(2);
    EXPECT_EQ(slow.line(), " 20% 2/10 [00:04<00:16, 2.00s/it]");
    ProgressBar fresh(10, "", options_for(out, false, clock));
    EXPECT_EQ(fresh.line(), "  0% 0/10 [00:00<?, ?it/s]");
}

TEST(ProgressBar, TerminalRedrawsAtMostEveryTenthOfASecond) {
    std::ostringstream out;
    FakeClock clock;
    {
        ProgressBar bar(100, "x", options_for(out, true, clock));
        for (int i = 0; i < 100; ++i) {
            clock.t += 1.0 / 32;
            bar.update();
        }
        // Draws: the initial 0% line, then each 4th step (4/32 s = 0.125 s >= 0.1 s; 3/32 < 0.1),
        // so 25 of them, then the final one at close (the destructor here).
    }
    const std::string s = out.str();
    EXPECT_EQ(count_of(s, "\r"), 1u + 25u + 1u);
    EXPECT_EQ(s.back(), '\n');
    EXPECT_EQ(count_of(s, "\n"), 1u);
    EXPECT_NE(s.find("\rx: 100%|████████████████████| 100/100"), std::string::npos);
}

TEST(ProgressBar, TerminalBlanksWhatALongerLineLeft) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBar bar(10, "", options_for(out, true, clock));
    clock.t = 1;
    bar.update(1, {{"a_long_name", 1.5}});
    const std::string long_frame = out.str().substr(out.str().rfind('\r'));
    clock.t = 2;
    bar.update(1, {{"a", 1.5}});
    const std::string short_frame = out.str().substr(out.str().rfind('\r'));
    // Compare columns, not bytes: the bar's blocks are 3 bytes each.
    auto columns = [](const std::string& f) { return std::count_if(f.begin(), f.end(), [](char c) { return (c & 0xC0) != 0x80; }); };
    EXPECT_EQ(columns(short_frame), columns(long_frame)) << "the shorter frame is padded with spaces";
    EXPECT_EQ(short_frame.back(), ' ');
}

TEST(ProgressBar, PipedOutputHasNoCarriageReturn) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBarOptions o = options_for(out, false, clock);
    o.plain_every = 100;
    o.plain_interval = 0;
    ProgressBar bar(250, "epoch 2", o);
    for (int i = 0; i < 250; ++i) {
        clock.t += 1.0 / 32;
        bar.update(1, {{"loss", 1.0 / (i + 1)}});
    }
    bar.close();
    bar.close();  // idempotent
    const std::string s = out.str();
    EXPECT_EQ(s.find('\r'), std::string::npos);
    const auto lines = lines_of(s);
    ASSERT_EQ(lines.size(), 3u) << s;  // at 100, 200 and the end
    EXPECT_NE(lines[0].find(" 100/250 "), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find(" 200/250 "), std::string::npos) << lines[1];
    EXPECT_EQ(lines[2].rfind("epoch 2: 100% 250/250 [00:07<00:00, 32.00it/s, loss=0.004]", 0), 0u) << lines[2];
}

TEST(ProgressBar, PipedOutputByTime) {
    std::ostringstream out;
    FakeClock clock;
    ProgressBarOptions o = options_for(out, false, clock);
    o.plain_interval = 1.0;
    ProgressBar bar(40, "", o);
    for (int i = 0; i < 40; ++i) {
        clock.t += 0.25;
        bar.update();
    }
    // A line each second (every 4th step: 10 lines); close() adds none, the last line is current.
    bar.close();
    EXPECT_EQ(lines_of(out.str()).size(), 10u);
    EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(ProgressBar, DisabledPrintsNothing) {
    std::ostringstream out;
    FakeClock clock;
    {
        ProgressBarOptions o = options_for(out, true, clock);
        o.enabled = false;
        ProgressBar bar(10, "quiet", o);
        for (int i = 0; i < 10; ++i) bar.update();
        EXPECT_EQ(bar.n(), 10);  // still counts
    }
    EXPECT_EQ(out.str(), "");

    ::setenv("TINYDL_PROGRESS", "0", 1);
    {
        ProgressBar tty(10, "env", options_for(out, true, clock));
        ProgressBar plain(10, "env", options_for(out, false, clock));
        EXPECT_FALSE(tty.enabled());
        for (int i = 0; i < 10; ++i) {
            clock.t += 1;
            tty.update();
            plain.update();
        }
    }
    ::unsetenv("TINYDL_PROGRESS");
    EXPECT_EQ(out.str(), "");

    ::setenv("TINYDL_PROGRESS", "1", 1);
    ProgressBar on(10, "env", options_for(out, false, clock));
    EXPECT_TRUE(on.enabled());
    ::unsetenv("TINYDL_PROGRESS");
}

TEST(ProgressBar, RealStderrIntoAPipeIsPlain) {
    // Point file descriptor 2 at a pipe, as `trainer 2>&1 | tee log` does: the default bar must
    // detect that stderr is not a terminal and write plain lines.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::cerr.flush();
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    bool tty = true;
    {
        ProgressBar bar(3, "piped");
        tty = bar.is_tty();
        for (int i = 0; i < 3; ++i) bar.update();
    }
    std::cerr.flush();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(fds[1]);
    std::string got;
    char buf[4096];
    for (ssize_t k; (k = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(k));
    ::close(fds[0]);
    EXPECT_FALSE(tty);
    EXPECT_EQ(got.find('\r'), std::string::npos) << got;
    EXPECT_EQ(got.rfind("piped: 100% 3/3 [", 0), 0u) << got;
    EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 1) << got;
}
