// bench_common.h — what the stand-alone benchmark programs (bench_overhead, bench_gemm) share:
// a tiny flag parser, a clock, median/min/max of repeated samples, the CPU's name, and JSON
// string escaping for the one-line-per-result output.
//
// Not a benchmark framework: each program decides itself how to warm up, how many iterations
// make a sample, and what to print. micro_ops.cpp uses Google Benchmark instead.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

// Seconds since an arbitrary start; steady (never jumps with the wall clock).
inline double now_seconds() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

struct Stats {
    double median = 0, min = 0, max = 0;
};

// Median (mean of the middle two for an even count), min and max of a non-empty list.
inline Stats summarize(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    Stats s;
    s.min = values.front();
    s.max = values.back();
    s.median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    return s;
}

// The "model name" line of /proc/cpuinfo (e.g. "AMD EPYC"), or "unknown".
inline std::string machine_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) break;
        size_t begin = line.find_first_not_of(" \t", colon + 1);
        return begin == std::string::npos ? "unknown" : line.substr(begin);
    }
    return "unknown";
}

// argv joined by spaces: what to type to reproduce a result.
inline std::string command_line(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) {
        if (i) s += ' ';
        s += argv[i];
    }
    return s;
}

// The text of a JSON string literal, quotes included.
inline std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

// Flags of the form `--name value` or `--name=value`. Every flag a program reads is looked up
// with a fallback; finish() rejects any flag the program did not ask about (a typo must not
// silently run the defaults). `--help` prints the usage text and exits.
class Flags {
  public:
    Flags(int argc, char** argv, std::string usage) : usage_(std::move(usage)) {
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                std::printf("%s", usage_.c_str());
                std::exit(0);
            }
            if (arg.rfind("--", 0) != 0) fail("unexpected argument '" + arg + "'");
            const size_t eq = arg.find('=');
            if (eq != std::string::npos) {
                values_[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
            } else {
                if (i + 1 >= argc) fail("flag " + arg + " needs a value");
                values_[arg.substr(2)] = argv[++i];
            }
        }
    }

    std::string get(const std::string& name, const std::string& fallback) {
        used_.insert(name);
        auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second;
    }

    int64_t get_int(const std::string& name, int64_t fallback) {
        const std::string v = get(name, std::to_string(fallback));
        return parse_int(name, v);
    }

    double get_double(const std::string& name, double fallback) {
        const std::string v = get(name, std::to_string(fallback));
        try {
            size_t used = 0;
            const double d = std::stod(v, &used);
            if (used == v.size()) return d;
        } catch (const std::exception&) {
        }
        fail("--" + name + " expects a number, got '" + v + "'");
    }

    // "1,2,4" -> {1, 2, 4}
    std::vector<int64_t> get_list(const std::string& name, const std::string& fallback) {
        const std::string v = get(name, fallback);
        std::vector<int64_t> out;
        size_t start = 0;
        while (start <= v.size()) {
            const size_t comma = std::min(v.find(',', start), v.size());
            out.push_back(parse_int(name, v.substr(start, comma - start)));
            start = comma + 1;
        }
        return out;
    }

    void finish() const {
        for (const auto& [name, value] : values_)
            if (!used_.count(name)) fail("unknown flag --" + name);
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        std::fprintf(stderr, "error: %s\n\n%s", what.c_str(), usage_.c_str());
        std::exit(2);
    }
    int64_t parse_int(const std::string& name, const std::string& v) const {
        try {
            size_t used = 0;
            const long long n = std::stoll(v, &used);
            if (used == v.size()) return n;
        } catch (const std::exception&) {
        }
        fail("--" + name + " expects an integer (or a comma-separated list), got '" + v + "'");
    }

    std::string usage_;
    std::map<std::string, std::string> values_;
    std::set<std::string> used_;
};

}  // namespace bench
