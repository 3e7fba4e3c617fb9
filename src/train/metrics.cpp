// metrics.cpp — MetricsLogger: CSV rows under a fixed header, or JSON objects one per line.
//
// Read first: include/tinydl/train/metrics.h.
#include "tinydl/train/metrics.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tinydl/error.h"
#include "tinydl/nn/module.h"  // detail::py_float

namespace tinydl::train {

namespace {

const std::vector<std::string> kStandardColumns = {"epoch", "step", "loss", "accuracy", "lr", "seconds"};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Python's repr of the double — the shortest text that reads back exactly ("0.1", "0.0001",
// "3.0", "1e-05") — as a Python logger would write it; NaN (missing) -> an empty cell.
std::string csv_number(double v) {
    if (std::isnan(v)) return "";
    return tinydl::detail::py_float(v);
}

// RFC 4180: a field with a comma, quote or newline is quoted, with quotes doubled.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
    return s;
}

// Splits one CSV header line (quoted fields allowed) into names.
std::vector<std::string> parse_csv_header(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

}  // namespace

MetricsLogger::MetricsLogger(std::string path, bool append) : path_(std::move(path)) {
    if (ends_with(path_, ".csv")) {
        format_ = Format::CSV;
    } else if (ends_with(path_, ".jsonl") || ends_with(path_, ".json")) {
        format_ = Format::JSONL;
    } else {
        TINYDL_CHECK(false, "MetricsLogger", "cannot tell the format of '", path_,
                     "' from its extension: expected .csv, .jsonl or .json");
    }
    if (format_ == Format::JSONL) columns_ = kStandardColumns;
    if (append && format_ == Format::CSV) {
        // Continuing a run: an existing header fixes the columns and is not written again.
        std::ifstream in(path_);
        std::string header;
        if (in && std::getline(in, header) && !header.empty()) {
            columns_ = parse_csv_header(header);
            TINYDL_CHECK(columns_.size() >= kStandardColumns.size() &&
                             std::equal(kStandardColumns.begin(), kStandardColumns.end(), columns_.begin()),
                         "MetricsLogger", "cannot append to '", path_, "': its header \"", header,
                         "\" does not start with ", join(kStandardColumns, ","));
            header_written_ = true;
        }
    }
    errno = 0;
    out_.open(path_, append ? std::ios::app : std::ios::trunc);
    TINYDL_CHECK(out_.is_open(), "MetricsLogger", "cannot open '", path_, "' for writing",
                 errno != 0 ? std::string(": ") + std::strerror(errno) : std::string());
}

void MetricsLogger::write_line(const std::string& line) {
    out_ << line << '\n';
    out_.flush();  // a crash or a `tail -f` sees every finished row
    TINYDL_CHECK(out_.good(), "MetricsLogger", "writing to '", path_, "' failed");
}

void MetricsLogger::log(const MetricsRow& row) {
    for (const auto& [name, value] : row.extra)
        TINYDL_CHECK(std::find(kStandardColumns.begin(), kStandardColumns.end(), name) == kStandardColumns.end(),
                     "MetricsLogger", "extra column '", name, "' clashes with a standard column; set the field instead");
    const double standard[] = {static_cast<double>(row.epoch), static_cast<double>(row.step), row.loss,
                               row.accuracy, row.lr, row.seconds};

    if (format_ == Format::JSONL) {
        nlohmann::ordered_json j;
        j["epoch"] = row.epoch;
        j["step"] = row.step;
        for (size_t c = 2; c < kStandardColumns.size(); ++c)
            j[kStandardColumns[c]] = std::isnan(standard[c]) ? nlohmann::ordered_json(nullptr)
                                                            : nlohmann::ordered_json(standard[c]);
        for (const auto& [name, value] : row.extra)
            j[name] = std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
        write_line(j.dump());
        return;
    }

    if (!header_written_) {
        // The first row fixes the columns: the standard six, then this row's extras.
        columns_ = kStandardColumns;
        for (const auto& [name, value] : row.extra) columns_.push_back(name);
        std::vector<std::string> quoted;
        for (const auto& c : columns_) quoted.push_back(csv_field(c));
        write_line(join(quoted, ","));
        header_written_ = true;
    }
    std::vector<std::string> cells(columns_.size());
    cells[0] = std::to_string(row.epoch);
    cells[1] = std::to_string(row.step);
    for (size_t c = 2; c < kStandardColumns.size(); ++c) cells[c] = csv_number(standard[c]);
    for (const auto& [name, value] : row.extra) {
        auto it = std::find(columns_.begin(), columns_.end(), name);
        TINYDL_CHECK(it != columns_.end(), "MetricsLogger", "column '", name, "' is not in the header of '", path_,
                     "' (", join(columns_, ","), "): a CSV's columns are fixed by its first row");
        cells[static_cast<size_t>(it - columns_.begin())] = csv_number(value);
    }
    write_line(join(cells, ","));
}

}  // namespace tinydl::train
