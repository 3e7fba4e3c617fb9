// progress.h — ProgressBar: a tqdm-style progress line for long loops, on stderr.
//
//   train::ProgressBar bar(loader.size(), "epoch 1");
//   for (const auto& batch : loader) {
//       ...
//       bar.update(1, {{"loss", running_loss}, {"acc", running_acc}});
//   }
//   bar.close();
//
// On a terminal it redraws one line in place ('\r'), at most every 0.1 s, as tqdm does:
//   epoch 1:  45%|█████████▍           | 270/600 [00:12<00:14, 21.90it/s, loss=0.31, acc=0.87]
// and ends it with a newline at close(). When stderr is not a terminal (a log file, a pipe, CI)
// a '\r' would garble the log, so it writes plain lines instead — one every `plain_interval`
// seconds (and/or every `plain_every` updates) and a last one at close() — and never a '\r'.
// TINYDL_PROGRESS=0 in the environment, or options.enabled = false, silences it entirely
// (what a trainer's --no-progress sets).
//
// Not thread-safe: update it from the training loop's thread. Not here: nested bars, terminal
// width detection (the bar has a fixed width), unit scaling (k, M).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace tinydl::train {

// Named values shown after the rate, in this order: {{"loss", 0.31}, {"acc", 0.87}}.
using Postfix = std::vector<std::pair<std::string, double>>;

struct ProgressBarOptions {
    bool enabled = true;              // false: print nothing (as TINYDL_PROGRESS=0)
    std::ostream* out = nullptr;      // where to write; nullptr means std::cerr
    std::optional<bool> is_tty;       // redraw in place? default: isatty(STDERR_FILENO) for std::cerr, else false
    double min_interval = 0.1;        // terminal: seconds between redraws (tqdm's mininterval)
    double plain_interval = 10.0;     // not a terminal: a line at least this often (seconds; 0 = never)...
    int64_t plain_every = 0;          // ...and/or every this many steps (0 = never); always one at close()
    int bar_width = 20;               // cells of the bar; each cell shows eighths (▏▎▍▌▋▊▉█)
    std::string unit = "it";          // "21.90it/s"
    std::function<double()> clock;    // monotonic seconds; default std::chrono::steady_clock (tests inject one)
};

class ProgressBar {
  public:
    // total <= 0 means unknown: the line shows the count and rate but no bar, percentage or ETA.
    explicit ProgressBar(int64_t total, std::string description = "", ProgressBarOptions options = {});
    ~ProgressBar();  // close()s
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // Advances by n steps; a non-empty postfix replaces the shown values.
    void update(int64_t n = 1, const Postfix& postfix = {});
    void set_postfix(const Postfix& postfix) { postfix_ = postfix; }
    void set_description(std::string description) { description_ = std::move(description); }
    // Draws the final state and ends the line. Later calls (and updates) do nothing.
    void close();

    int64_t n() const { return n_; }
    int64_t total() const { return total_; }
    bool enabled() const { return enabled_; }
    bool is_tty() const { return tty_; }
    // The current line, without '\r' or newline: what the next draw would print.
    std::string line() const;

  private:
    double now() const;
    void draw();

    int64_t total_;
    std::string description_;
    ProgressBarOptions options_;
    std::ostream* out_;
    bool enabled_;
    bool tty_;
    bool closed_ = false;
    int64_t n_ = 0;
    Postfix postfix_;
    double start_ = 0;
    double last_draw_ = 0;     // time of the last line written
    int64_t last_draw_n_ = 0;  // n at the last line written
    size_t last_width_ = 0;    // terminal: columns of the last line, to blank leftovers
};

// The pieces of the line, public so they can be tested and reused:
// "05:07" (or "1:02:03" past an hour) as tqdm.format_interval.
std::string format_interval(double seconds);
// A postfix number as tqdm.format_num: 3 significant digits unless the plain form is shorter
// (0.31 -> "0.31", 0.87123 -> "0.871", 1234.5 -> "1234.5", 12345.67 -> "1.23e+4", 1e-05 -> "1e-5").
std::string format_num(double value);

}  // namespace tinydl::train
