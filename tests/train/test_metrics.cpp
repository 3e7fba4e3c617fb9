// test_metrics.cpp — MetricsLogger: CSV header and constant columns, JSON lines that parse back,
// flushing per line, appending, and errors that name the path.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>  // header-only, only to read the JSON lines back
#include <sstream>

#include "tests/support/test_utils.h"

using namespace tinydl;
using namespace tinydl::train;

namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "tinydl_metrics_" + std::to_string(::getpid()) + "_" + name;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

}  // namespace

TEST(MetricsLogger, CsvHeaderAndConstantColumns) {
    const std::string path = temp_path("a.csv");
    {
        MetricsLogger log(path);
        EXPECT_EQ(log.format(), MetricsLogger::Format::CSV);
        log.log({.epoch = 1, .step = 100, .loss = 0.5, .accuracy = 0.8, .lr = 1e-3, .seconds = 1.5,
                 .extra = {{"test_accuracy", 0.75}}});
        // Flushed: the row is in the file while the logger is still open.
        EXPECT_EQ(read_lines(path).size(), 2u);
        log.log({.epoch = 2, .step = 200, .loss = 0.25, .lr = 1e-4, .seconds = 3});  // no accuracy, no extra
        EXPECT_ERROR(log.log({.epoch = 3, .extra = {{"new_column", 1}}}), "MetricsLogger", "new_column", path,
                     "fixed by its first row");
        EXPECT_ERROR(log.log({.epoch = 3, .extra = {{"loss", 1}}}), "MetricsLogger", "'loss'", "clashes");
    }
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "epoch,step,loss,accuracy,lr,seconds,test_accuracy");
    EXPECT_EQ(lines[1], "1,100,0.5,0.8,0.001,1.5,0.75");
    EXPECT_EQ(lines[2], "2,200,0.25,,0.0001,3.0,");  // missing values are empty cells
    for (const auto& l : lines) EXPECT_EQ(std::count(l.begin(), l.end(), ','), 6) << l;
    std::remove(path.c_str());
}

TEST(MetricsLogger, CsvQuotesOddColumnNamesAndRoundTripsNumbers) {
    const std::string path = temp_path("b.csv");
    {
        MetricsLogger log(path);
        log.log({.loss = 0.1 + 0.2, .extra = {{"a,b", 1.0 / 3}}});
    }
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "epoch,step,loss,accuracy,lr,seconds,\"a,b\"");
    // Shortest text that reads back exactly.
    std::istringstream row(lines[1]);
    std::vector<std::string> cells;
    for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
    ASSERT_EQ(cells.size(), 7u);
    EXPECT_EQ(std::stod(cells[2]), 0.1 + 0.2);
    EXPECT_EQ(std::stod(cells[6]), 1.0 / 3);
    std::remove(path.c_str());
}

TEST(MetricsLogger, CsvAppendKeepsTheHeader) {
    const std::string path = temp_path("c.csv");
    {
        MetricsLogger log(path);
        log.log({.epoch = 1, .loss = 1, .extra = {{"test_loss", 2}}});
    }
    {
        MetricsLogger log(path, /*append=*/true);
        EXPECT_EQ(log.columns().back(), "test_loss");
        log.log({.epoch = 2, .loss = 0.5, .extra = {{"test_loss", 1}}});
    }
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "epoch,step,loss,accuracy,lr,seconds,test_loss");
    EXPECT_EQ(lines[2], "2,0,0.5,,,,1.0");
    // Appending to a file that is not a metrics CSV is refused before anything is written.
    const std::string other = temp_path("d.csv");
    std::ofstream(other) << "x,y\n1,2\n";
    EXPECT_ERROR(MetricsLogger(other, true), "MetricsLogger", "cannot append", other, "epoch,step");
    std::remove(path.c_str());
    std::remove(other.c_str());
}

TEST(MetricsLogger, JsonLinesParseBack) {
    for (const std::string ext : {".jsonl", ".json"}) {
        const std::string path = temp_path("e" + ext);
        {
            MetricsLogger log(path);
            EXPECT_EQ(log.format(), MetricsLogger::Format::JSONL);
            log.log({.epoch = 1, .step = 600, .loss = 0.52, .accuracy = 0.81, .lr = 1e-3, .seconds = 9.8});
            log.log({.epoch = 2, .step = 1200, .loss = 0.4, .extra = {{"test_accuracy", 0.86}}});
        }
        const auto lines = read_lines(path);
        ASSERT_EQ(lines.size(), 2u);
        const auto a = nlohmann::json::parse(lines[0]);
        const auto b = nlohmann::json::parse(lines[1]);
        EXPECT_EQ(a["epoch"], 1);
        EXPECT_EQ(a["step"], 600);
        EXPECT_EQ(a["loss"].get<double>(), 0.52);
        EXPECT_EQ(a["accuracy"].get<double>(), 0.81);
        EXPECT_EQ(a["lr"].get<double>(), 1e-3);
        EXPECT_EQ(a["seconds"].get<double>(), 9.8);
        EXPECT_TRUE(b["accuracy"].is_null());  // missing -> null, the key is still there
        EXPECT_EQ(b["test_accuracy"].get<double>(), 0.86);
        // Keys in the documented order.
        EXPECT_EQ(lines[0].rfind("{\"epoch\":1,\"step\":600,\"loss\":0.52,\"accuracy\":0.81,", 0), 0u) << lines[0];
        std::remove(path.c_str());
    }
}

TEST(MetricsLogger, Errors) {
    EXPECT_ERROR(MetricsLogger("/nonexistent-dir/metrics.csv"), "MetricsLogger", "cannot open",
                 "'/nonexistent-dir/metrics.csv'", "No such file");
    EXPECT_ERROR(MetricsLogger(temp_path("f.txt")), "MetricsLogger", "f.txt", ".csv, .jsonl or .json");
}
