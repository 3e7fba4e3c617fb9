// test_fuzz_regressions.cpp — one test for each bug the fuzzers found (fuzz/, docs/reliability.md
// "Fuzzing"), so that it stays fixed in every build, not only the sanitizer one. Each input is
// the smallest of its kind; the fuzzers' own findings are also kept in fuzz/corpus/<target>/.
#include <cstring>

#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::be_bytes;
using testing::le_bytes;
using testing::TempDir;
using testing::write_bytes;

std::string idx_file(uint8_t type, const std::vector<uint32_t>& dims) {
    std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims) out += be_bytes(d, 4);
    return out;
}

std::string safetensors_file(const std::string& header, const std::string& data = "") {
    return le_bytes(header.size(), 8) + header + data;
}

// ---- a zero dim hid the size of the others (fuzz_idx, fuzz_safetensors) -------------------------
// [0, 4e9, 4e9, 4e9] has no elements, so the data-size check passed (0 bytes), but the strides
// of such a tensor overflow int64: signed overflow in contiguous_strides (UBSan), and strides
// that wrap around. Now the readers, and empty() itself, refuse the shape.

TEST(FuzzRegressions, IdxZeroDimWithHugeDims) {
    TempDir dir;
    const std::string path = dir.file("zero-dim.idx");
    const uint32_t big = 0xffffffffu;
    write_bytes(path, idx_file(0x08, {0, big, big, big}));  // an exact file: no data, 0 bytes
    EXPECT_ERROR(data::read_idx(path), "read_idx: " + path, "dims [0, 4294967295, 4294967295, 4294967295]",
                 "overflow");
    write_bytes(path, idx_file(0x08, {0, big, big}));  // fits in uint64, not in int64
    EXPECT_ERROR(data::read_idx(path), "read_idx: " + path, "dims [0, 4294967295, 4294967295] are too large");
    write_bytes(path, idx_file(0x0E, {0, 1u << 31, 1u << 30}));  // 2^61 x 8 bytes
    EXPECT_ERROR(data::read_idx(path), "are too large");
    // Large, empty and representable is fine.
    write_bytes(path, idx_file(0x08, {0, 1u << 20, 1u << 20}));
    const Tensor t = data::read_idx(path);
    EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{0, 1 << 20, 1 << 20}));
    EXPECT_EQ(t.strides().vec(), (std::vector<int64_t>{int64_t{1} << 40, 1 << 20, 1}));
}

TEST(FuzzRegressions, SafetensorsZeroDimWithHugeDims) {
    TempDir dir;
    const std::string path = dir.file("zero-dim.safetensors");
    auto entry = [](const char* dtype, const char* shape) {
        return std::string(R"({"a":{"dtype":")") + dtype + R"(","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
    };
    write_bytes(path, safetensors_file(entry("F32", "[0,1099511627776,1099511627776]")));  // 2^40 x 2^40
    EXPECT_ERROR(io::load_safetensors(path), "tensor 'a': shape [0, 1099511627776, 1099511627776] has too many elements");
    write_bytes(path, safetensors_file(entry("F64", "[0,2147483648,2147483648]")));  // 2^62 x 8 bytes
    EXPECT_ERROR(io::load_safetensors(path), "tensor 'a': shape [0, 2147483648, 2147483648] is too large");
    // F16 is 2 bytes in the file but 4 in memory (float32): 2^61 elements fit the file, not memory.
    write_bytes(path, safetensors_file(entry("F16", "[0,2147483648,1073741824]")));
    EXPECT_ERROR(io::load_safetensors(path), "is too large");
    write_bytes(path, safetensors_file(entry("U8", "[0,1048576,1048576]")));
    const StateDict sd = io::load_safetensors(path);
    EXPECT_EQ(sd.at("a").sizes().vec(), (std::vector<int64_t>{0, 1 << 20, 1 << 20}));
}

TEST(FuzzRegressions, EmptyRefusesShapesWhoseStridesOverflow) {
    const int64_t big = int64_t{1} << 40;
    EXPECT_THROW(empty({0, big, big}), ShapeError);
    EXPECT_ERROR(empty({0, big, big}), "empty", "shape [0, 1099511627776, 1099511627776] is too large");
    EXPECT_ERROR(empty({0, int64_t{1} << 31, int64_t{1} << 31}, kFloat64), "is too large");  // 2^62 x 8
    EXPECT_ERROR(zeros({big, big}), "is too large");
    EXPECT_EQ(empty({0, int64_t{1} << 31, int64_t{1} << 31}, kUInt8).strides().vec(),
              (std::vector<int64_t>{int64_t{1} << 62, int64_t{1} << 31, 1}));
}

// ---- deep JSON overflowed the stack (found by hand while writing fuzz_safetensors) -----------------
// nlohmann::json's dump() recurses once per nesting level, and error messages quoted the bad
// value: a 400 kB header `{"a":[[[...]]]}` crashed the reader with a stack overflow. libFuzzer's
// 4 kB inputs are too short to reach it. The header's depth is now limited while it is parsed.

TEST(FuzzRegressions, SafetensorsDeeplyNestedEntry) {
    TempDir dir;
    const std::string path = dir.file("deep.safetensors");
    const size_t depth = 200'000;
    write_bytes(path, safetensors_file(R"({"a":)" + std::string(depth, '[') + std::string(depth, ']') + "}"));
    EXPECT_ERROR(io::load_safetensors(path), "load_safetensors: " + path,
                 "the header nests more than 8 levels of objects and lists");
    write_bytes(path, safetensors_file(R"({"__metadata__":{"k":)" + std::string(depth, '[') +
                                       std::string(depth, ']') + "}}"));
    EXPECT_ERROR(io::load_safetensors_metadata(path), "nests more than 8 levels");
    // A value quoted in a message is cut short, however long it is.
    const std::string long_string = '"' + std::string(100'000, 'x') + '"';
    std::string long_list = "[0";
    for (int i = 0; i < 50'000; ++i) long_list += ",1";
    long_list += "]";
    for (const std::string& entry : {R"({"a":{"dtype":)" + long_string + R"(,"shape":[],"data_offsets":[0,0]}})",
                                     R"({"a":{"dtype":"U8","shape":)" + long_string + R"(,"data_offsets":[0,0]}})",
                                     R"({"a":{"dtype":"U8","shape":[],"data_offsets":)" + long_list + "}}"}) {
        write_bytes(path, safetensors_file(entry));
        try {
            io::load_safetensors(path);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_LT(std::strlen(e.what()), 1000u) << "the message quotes all of a 100 kB value";
        }
    }
}

// The checkpoint's "tinydl_parts" metadata is a JSON list in a string, parsed again by
// load_checkpoint: a deeply nested element was quoted with dump() and overflowed the stack.
TEST(FuzzRegressions, CheckpointDeeplyNestedPartList) {
    TempDir dir;
    const std::string path = dir.file("deep-parts.safetensors");
    const size_t depth = 200'000;
    io::save_safetensors({{"model/w", ones({1})}}, path,
                         {{"tinydl_parts", "[" + std::string(depth, '[') + std::string(depth, ']') + "]"}});
    EXPECT_ERROR(io::load_checkpoint(path), "load_checkpoint: " + path,
                 "metadata 'tinydl_parts' lists a non-string (array)");
}

}  // namespace
}  // namespace tinydl
