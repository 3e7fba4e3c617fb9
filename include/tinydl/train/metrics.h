// metrics.h — MetricsLogger: one row of training metrics per call, to a CSV or JSON-lines file.
//
//   train::MetricsLogger log("run/metrics.csv");            // or "run/metrics.jsonl"
//   log.log({.epoch = 1, .step = 600, .loss = 0.52, .accuracy = 0.81, .lr = 1e-3, .seconds = 9.8});
//
// The format comes from the extension:
//   .csv           a header row, then one row per call with a constant set of columns:
//                  epoch,step,loss,accuracy,lr,seconds[,extra...]
//                  The extra columns are those of the first row; a later row may leave one out
//                  (empty cell) but not add a new one (Error). A missing value (NaN) is an empty cell.
//   .jsonl, .json  one JSON object per line, keys in the same order; NaN becomes null. Extra keys
//                  may differ from row to row.
// Each line is flushed when written, so `tail -f` and a crash both see every finished row. Both
// formats load with pandas (read_csv, read_json(lines=True)).
//
// Not here: TensorBoard event files, rank selection in data-parallel runs (log on rank 0 only).
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace tinydl::train {

struct MetricsRow {
    static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
    int64_t epoch = 0;
    int64_t step = 0;               // optimizer steps so far (global, not per epoch)
    double loss = kMissing;
    double accuracy = kMissing;
    double lr = kMissing;
    double seconds = kMissing;      // wall time, e.g. of the epoch or since the start
    std::vector<std::pair<std::string, double>> extra;  // e.g. {{"test_loss", 0.4}, {"test_accuracy", 0.86}}
};

class MetricsLogger {
  public:
    enum class Format { CSV, JSONL };

    // Creates (truncates) the file, or with append = true adds to it: a CSV that already has a
    // header keeps it, and its columns become this logger's. Error naming the path if the file
    // cannot be opened or the extension is not .csv/.jsonl/.json.
    explicit MetricsLogger(std::string path, bool append = false);

    void log(const MetricsRow& row);

    const std::string& path() const { return path_; }
    Format format() const { return format_; }
    // The CSV columns (empty until the header is written); for JSONL, the standard six.
    const std::vector<std::string>& columns() const { return columns_; }

  private:
    void write_line(const std::string& line);

    std::string path_;
    Format format_;
    std::ofstream out_;
    std::vector<std::string> columns_;  // CSV: fixed by the header
    bool header_written_ = false;
};

}  // namespace tinydl::train
