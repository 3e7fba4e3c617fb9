// progress.cpp — ProgressBar: formatting the tqdm-style line and deciding when to write it.
//
// Read first: include/tinydl/train/progress.h. The layout follows tqdm's format_meter:
//   {desc}: {percent:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{postfix}]
#include "tinydl/train/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tinydl/nn/module.h"  // detail::py_float: Python's repr of a float

namespace tinydl::train {

namespace {

// TINYDL_PROGRESS=0 (or "false", "off") turns every bar off.
bool progress_allowed_by_env() {
    const char* v = std::getenv("TINYDL_PROGRESS");
    if (v == nullptr) return true;
    return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "false") == 0 || std::strcmp(v, "off") == 0);
}

// Columns a UTF-8 string takes on a terminal, counting each code point as one (the bar's
// block characters are three bytes but one column).
size_t display_width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++w;
    return w;
}

std::string fixed2(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// The bar: `width` cells, filled to frac with whole blocks plus one partial block in eighths.
std::string bar_string(double frac, int width) {
    static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    frac = std::min(1.0, std::max(0.0, frac));
    const auto eighths = static_cast<int64_t>(frac * width * 8);
    const int64_t full = eighths / 8;
    const int64_t part = eighths % 8;
    std::string bar;
    for (int64_t i = 0; i < full; ++i) bar += "█";
    int64_t cells = full;
    if (part > 0 && cells < width) {
        bar += kEighths[part];
        ++cells;
    }
    bar.append(static_cast<size_t>(width - cells), ' ');
    return bar;
}

}  // namespace

std::string format_interval(double seconds) {
    if (!(seconds >= 0) || std::isinf(seconds)) return "?";
    const auto t = static_cast<int64_t>(seconds);
    const int64_t h = t / 3600, m = (t / 60) % 60, s = t % 60;
    char buf[64];
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h), static_cast<long long>(m),
                      static_cast<long long>(s));
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(m), static_cast<long long>(s));
    return buf;
}

std::string format_num(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", value);
    std::string short_form = buf;
    // "1.23e+04" -> "1.23e+4": tqdm drops the exponent's leading zero.
    for (const char* z : {"e+0", "e-0"}) {
        const size_t at = short_form.find(z);
        if (at != std::string::npos) short_form.erase(at + 2, 1);
    }
    std::string plain = tinydl::detail::py_float(value);
    return short_form.size() < plain.size() ? short_form : plain;
}

ProgressBar::ProgressBar(int64_t total, std::string description, ProgressBarOptions options)
    : total_(total), description_(std::move(description)), options_(std::move(options)) {
    out_ = options_.out != nullptr ? options_.out : &std::cerr;
    enabled_ = options_.enabled && progress_allowed_by_env();
    tty_ = options_.is_tty.value_or(out_ == &std::cerr && isatty(STDERR_FILENO) == 1);
    start_ = last_draw_ = now();
    if (enabled_ && tty_) draw();  // tqdm shows "0%|  | 0/600" right away
}

ProgressBar::~ProgressBar() {
    try {
        close();
    } catch (...) {  // a destructor must not throw (a closed stream, say)
    }
}

double ProgressBar::now() const {
    if (options_.clock) return options_.clock();
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void ProgressBar::update(int64_t n, const Postfix& postfix) {
    if (closed_) return;
    n_ += n;
    if (!postfix.empty()) postfix_ = postfix;
    if (!enabled_) return;
    const double t = now();
    if (tty_) {
        // Redraw at most every min_interval: a terminal repaint per step would cost more than
        // a small training step, and nobody reads faster than ~10 frames a second.
        if (t - last_draw_ >= options_.min_interval) draw();
    } else {
        const bool by_steps = options_.plain_every > 0 && n_ - last_draw_n_ >= options_.plain_every;
        const bool by_time = options_.plain_interval > 0 && t - last_draw_ >= options_.plain_interval;
        if (by_steps || by_time) draw();
    }
}

void ProgressBar::close() {
    if (closed_) return;
    closed_ = true;
    if (!enabled_) return;
    // A plain log already holding this exact state needs no repeat; a terminal always redraws
    // (the last frame may be up to min_interval old) and ends the line.
    if (tty_ || last_draw_n_ != n_ || n_ == 0) draw();
    if (tty_) {
        *out_ << '\n';
        out_->flush();
    }
}

std::string ProgressBar::line() const {
    const double elapsed = std::max(0.0, now() - start_);
    const double rate = elapsed > 0 ? static_cast<double>(n_) / elapsed : 0.0;
    std::string rate_str;
    if (rate <= 0)
        rate_str = "?" + options_.unit + "/s";
    else if (rate < 1)  // slow steps read better as seconds per step, as tqdm does
        rate_str = fixed2(1.0 / rate) + "s/" + options_.unit;
    else
        rate_str = fixed2(rate) + options_.unit + "/s";
    std::string post;
    for (const auto& [key, value] : postfix_) post.append(", ").append(key).append("=").append(format_num(value));

    // Built with append: GCC 12 warns falsely (-Wrestrict) on long chains of "literal" + string.
    std::string s;
    if (!description_.empty()) s.append(description_).append(": ");
    if (total_ > 0) {
        const double frac = static_cast<double>(n_) / static_cast<double>(total_);
        char pct[16];
        std::snprintf(pct, sizeof pct, "%3.0f%%", frac * 100);
        const std::string remaining = rate > 0 ? format_interval(static_cast<double>(total_ - n_) / rate) : "?";
        s.append(pct);
        // Without '\r' redraws the bar is noise in a log file: plain lines leave it out.
        if (tty_) s.append("|").append(bar_string(frac, options_.bar_width)).append("|");
        s.append(" ").append(std::to_string(n_)).append("/").append(std::to_string(total_));
        s.append(" [").append(format_interval(elapsed)).append("<").append(remaining);
    } else {
        s.append(std::to_string(n_)).append(options_.unit).append(" [").append(format_interval(elapsed));
    }
    s.append(", ").append(rate_str).append(post).append("]");
    return s;
}

void ProgressBar::draw() {
    const std::string s = line();
    if (tty_) {
        // '\r' returns to column 0; spaces blank what a longer previous line left behind.
        const size_t width = display_width(s);
        *out_ << '\r' << s;
        if (last_width_ > width) *out_ << std::string(last_width_ - width, ' ');
        last_width_ = width;
    } else {
        *out_ << s << '\n';
    }
    out_->flush();
    last_draw_ = now();
    last_draw_n_ = n_;
}

}  // namespace tinydl::train
