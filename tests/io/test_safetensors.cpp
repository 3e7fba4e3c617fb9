// test_safetensors.cpp — the safetensors reader and writer (src/io/safetensors.cpp) and the
// atomic save behind it (src/io/atomic_file.cpp).
//
// What is checked:
//   - round trips for every dtype, rank-0 and zero-element tensors, non-contiguous inputs;
//   - golden bytes of a 2-tensor file, with the header written out by hand;
//   - an independent reader (a few lines of plain JSON parsing below, no nlohmann) agrees with
//     load_safetensors on a file the writer made;
//   - every malformed file is an Error naming the file and the fault; every truncation and every
//     single-bit flip of a small file is an Error or a clean load, never a crash;
//   - a failed or killed save leaves the previous file loadable.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "src/io/atomic_file.h"
#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::le_bytes;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// Same dtype, shape and bytes (so NaN payloads and -0.0 count too).
::testing::AssertionResult identical(const Tensor& actual, const Tensor& expected) {
    if (actual.dtype() != expected.dtype())
        return ::testing::AssertionFailure() << "dtype " << actual.dtype() << " vs " << expected.dtype();
    if (!(actual.sizes() == expected.sizes()))
        return ::testing::AssertionFailure() << "shape " << actual.sizes() << " vs " << expected.sizes();
    Tensor a = actual.detach().contiguous(), e = expected.detach().contiguous();
    if (a.nbytes() > 0 && std::memcmp(a.data_ptr(), e.data_ptr(), a.nbytes()) != 0)
        return ::testing::AssertionFailure() << "bytes differ";
    return ::testing::AssertionSuccess();
}

// A safetensors file from header text and data bytes; the length field is the header's size
// unless `n` overrides it.
std::string make_file(const std::string& header, const std::string& data,
                      std::optional<uint64_t> n = std::nullopt) {
    return le_bytes(n.value_or(header.size()), 8) + header + data;
}

StateDict every_dtype() {
    StateDict sd;
    sd["f32"] = randn({2, 3});
    sd["f32.special"] = tensor({0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f});
    sd["f32.transposed"] = randn({3, 4}).t();          // non-contiguous: written as its values
    sd["f32.grad"] = randn({2}).requires_grad_(true);  // written detached
    sd["f64.scalar"] = tensor(3.25, kFloat64);         // rank 0: "shape": []
    sd["f64"] = randn({5}, kFloat64);
    sd["i64.empty"] = zeros({0, 4}, kInt64);  // zero elements: data_offsets [b, b]
    sd["i64"] =
        tensor({std::numeric_limits<int64_t>::min(), int64_t{-1}, std::numeric_limits<int64_t>::max()});
    sd["i32"] = tensor({1, -2, 2147483647}, kInt32);
    sd["u8"] = tensor(std::vector<uint8_t>{0, 7, 255}).view({3, 1});
    sd["bool"] = tensor(std::vector<bool>{true, false, true, true});
    sd["u8.scalar"] = tensor(uint8_t{42});
    return sd;
}

// ---- round trips --------------------------------------------------------------------------------------
TEST(Safetensors, RoundTripEveryDType) {
    TempDir dir;
    const std::string path = dir.file("all.safetensors");
    const StateDict sd = every_dtype();
    io::save_safetensors(sd, path, {{"epoch", "3"}, {"note", "ünïcode ✓"}});
    const io::SafetensorsFile f = io::read_safetensors(path);
    ASSERT_EQ(f.tensors.size(), sd.size());
    for (const auto& [name, t] : sd) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(f.tensors.count(name));
        const Tensor& loaded = f.tensors.at(name);
        EXPECT_TRUE(identical(loaded, t));
        EXPECT_TRUE(loaded.is_contiguous());
        EXPECT_FALSE(loaded.requires_grad());
        EXPECT_TRUE(loaded.is_cpu());
    }
    EXPECT_EQ(f.metadata, (io::Metadata{{"format", "pt"}, {"epoch", "3"}, {"note", "ünïcode ✓"}}));
    EXPECT_EQ(io::load_safetensors_metadata(path), f.metadata);
    // The buffer starts 8-byte aligned (header padded with spaces).
    const std::string bytes = read_bytes(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    EXPECT_EQ(n % 8, 0u);
    EXPECT_EQ(bytes[8 + n - 1] == ' ' || bytes[8 + n - 1] == '}', true);
}

TEST(Safetensors, EmptyStateDictAndUserFormat) {
    TempDir dir;
    const std::string path = dir.file("empty.safetensors");
    io::save_safetensors({}, path);
    EXPECT_TRUE(io::load_safetensors(path).empty());
    EXPECT_EQ(io::load_safetensors_metadata(path), (io::Metadata{{"format", "pt"}}));
    io::save_safetensors({{"x", ones({1})}}, path, {{"format", "mlx"}});  // the caller's format wins
    EXPECT_EQ(io::load_safetensors_metadata(path).at("format"), "mlx");
}

TEST(Safetensors, SaveErrors) {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    EXPECT_ERROR(io::save_safetensors({{"w", Tensor()}}, path), "save_safetensors", path,
                 "tensor 'w' is undefined");
    EXPECT_ERROR(io::save_safetensors({{"__metadata__", ones({1})}}, path), "'__metadata__' is reserved");
    EXPECT_ERROR(io::save_safetensors({{"bad\xff", ones({1})}}, path), "not valid UTF-8");
    EXPECT_FALSE(std::filesystem::exists(path));
}

// ---- golden bytes ----------------------------------------------------------------------------------------
TEST(Safetensors, GoldenBytesOfTwoTensors) {
    TempDir dir;
    const std::string path = dir.file("golden.safetensors");
    // "b" (U8) is named last and has the smaller dtype, so "a" (F32) comes first either way.
    io::save_safetensors({{"b", tensor(std::vector<uint8_t>{1, 2, 3})}, {"a", tensor({1.0f, -2.0f})}}, path);
    // The header as the reference writer makes it: compact JSON, __metadata__ first, tensors
    // in data order, then spaces up to a multiple of 8: 138 bytes + 6 spaces = 144 = 0x90.
    const std::string header =
        R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
        R"("b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}})"
        "      ";
    ASSERT_EQ(header.size(), 144u);
    const std::string expected = std::string("\x90\0\0\0\0\0\0\0", 8) + header +
                                 std::string(
                                     "\x00\x00\x80\x3f"  // 1.0f  = 0x3f800000, little-endian
                                     "\x00\x00\x00\xc0"  // -2.0f = 0xc0000000
                                     "\x01\x02\x03",
                                     11);
    EXPECT_EQ(read_bytes(path), expected);
}

TEST(Safetensors, WriterOrderIsDTypeSizeThenName) {
    TempDir dir;
    const std::string path = dir.file("order.safetensors");
    io::save_safetensors({{"a.u8", ones({1}, kUInt8)},
                          {"b.f32", ones({1})},
                          {"c.f64", ones({1}, kFloat64)},
                          {"a.i64", ones({1}, kInt64)},
                          {"z.bool", ones({1}, kBool)}},
                         path);
    const std::string bytes = read_bytes(path);
    // 8-byte dtypes first (by name), then 4-byte, then 1-byte: offsets say so.
    for (const char* entry : {R"("a.i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]})",
                              R"("c.f64":{"dtype":"F64","shape":[1],"data_offsets":[8,16]})",
                              R"("b.f32":{"dtype":"F32","shape":[1],"data_offsets":[16,20]})",
                              R"("a.u8":{"dtype":"U8","shape":[1],"data_offsets":[20,21]})",
                              R"("z.bool":{"dtype":"BOOL","shape":[1],"data_offsets":[21,22]})"})
        EXPECT_NE(bytes.find(entry), std::string::npos) << entry;
}

// ---- an independent reader -------------------------------------------------------------------------------
// Just enough JSON for safetensors headers (objects, arrays, strings, non-negative integers),
// written apart from the library's nlohmann::json-based reader so the two can disagree.
struct JValue {
    // An object's keys and values, in order. Two vectors, not one of pairs: std::pair needs a
    // complete type and JValue is still incomplete here (g++ let it pass; clang does not).
    std::vector<std::string> keys;
    std::vector<JValue> values;
    std::vector<JValue> items;  // array
    std::string text;           // string
    uint64_t number = 0;
    const JValue& at(const std::string& key) const {
        for (size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return values[i];
        throw std::runtime_error("no key " + key);
    }
};
class MiniJson {
  public:
    explicit MiniJson(const std::string& s) : s_(s) {}
    JValue parse() {
        JValue v = value();
        skip_space();
        if (i_ != s_.size()) throw std::runtime_error("trailing characters");
        return v;
    }

  private:
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    void expect(char c) {
        skip_space();
        if (i_ >= s_.size() || s_[i_] != c) throw std::runtime_error(std::string("expected ") + c);
        ++i_;
    }
    std::string string() {
        expect('"');
        std::string out;
        while (s_.at(i_) != '"') {
            if (s_[i_] == '\\') ++i_;  // \" and \\ only: enough for these names
            out.push_back(s_.at(i_++));
        }
        ++i_;
        return out;
    }
    JValue value() {
        skip_space();
        JValue v;
        const char c = s_.at(i_);
        if (c == '{') {
            ++i_;
            skip_space();
            if (s_.at(i_) == '}') return ++i_, v;
            do {
                std::string key = string();
                expect(':');
                v.keys.push_back(key);
                v.values.push_back(value());
                skip_space();
            } while (s_.at(i_++) == ',');
        } else if (c == '[') {
            ++i_;
            skip_space();
            if (s_.at(i_) == ']') return ++i_, v;
            do {
                v.items.push_back(value());
                skip_space();
            } while (s_.at(i_++) == ',');
        } else if (c == '"') {
            v.text = string();
        } else {
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
                v.number = v.number * 10 + (s_[i_++] - '0');
        }
        return v;
    }
    const std::string& s_;
    size_t i_ = 0;
};

TEST(Safetensors, IndependentReaderAgrees) {
    TempDir dir;
    const std::string path = dir.file("indep.safetensors");
    const StateDict sd = every_dtype();
    io::save_safetensors(sd, path, {{"k", "v"}});
    const std::string bytes = read_bytes(path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    const JValue header = MiniJson(bytes.substr(8, n)).parse();
    const std::string buffer = bytes.substr(8 + n);
    const std::map<std::string, std::pair<DType, size_t>> codes = {
        {"F32", {kFloat32, 4}}, {"F64", {kFloat64, 8}}, {"I64", {kInt64, 8}},
        {"I32", {kInt32, 4}},   {"U8", {kUInt8, 1}},    {"BOOL", {kBool, 1}}};
    size_t seen = 0;
    uint64_t covered = 0;
    for (size_t m = 0; m < header.keys.size(); ++m) {
        const std::string& name = header.keys[m];
        const JValue& info = header.values[m];
        if (name == "__metadata__") {
            EXPECT_EQ(info.at("format").text, "pt");
            EXPECT_EQ(info.at("k").text, "v");
            continue;
        }
        SCOPED_TRACE(name);
        ASSERT_TRUE(sd.count(name));
        const auto [dtype, size] = codes.at(info.at("dtype").text);
        std::vector<int64_t> shape;
        int64_t numel = 1;
        for (const JValue& d : info.at("shape").items)
            shape.push_back(static_cast<int64_t>(d.number)), numel *= d.number;
        const uint64_t begin = info.at("data_offsets").items.at(0).number,
                       end = info.at("data_offsets").items.at(1).number;
        ASSERT_EQ(end - begin, numel * size);
        EXPECT_EQ(begin % size, 0u) << "tensor not aligned to its element size";
        covered += end - begin;
        // The raw little-endian bytes, read back without the library's reader.
        Tensor mine = empty(shape, dtype);
        if (end > begin) std::memcpy(mine.data_ptr(), buffer.data() + begin, end - begin);
        EXPECT_TRUE(identical(mine, sd.at(name)));
        ++seen;
    }
    EXPECT_EQ(seen, sd.size());
    EXPECT_EQ(covered, buffer.size());
}

// ---- half precision
// ----------------------------------------------------------------------------------------
TEST(Safetensors, HalfPrecisionIsReadAsFloat32) {
    TempDir dir;
    const std::string path = dir.file("half.safetensors");
    // F16: 1.0, -2.5, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), inf;
    // BF16: 1.0, -2.5, 3.0e38-ish (0x7f61).
    const uint16_t f16[] = {0x3c00, 0xc100, 0x7bff, 0x0001, 0x0400, 0x7c00};
    const uint16_t bf16[] = {0x3f80, 0xc020, 0x7f61};
    std::string data;
    for (uint16_t h : f16) data += le_bytes(h, 2);
    for (uint16_t h : bf16) data += le_bytes(h, 2);
    const std::string header = R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},)"
                               R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]}})";
    write_bytes(path, make_file(header, data));
    const StateDict sd = io::load_safetensors(path);
    EXPECT_EQ(sd.at("h").dtype(), kFloat32);
    EXPECT_EQ(sd.at("h").to_vector<float>(), (std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24),
                                                                 std::ldexp(1.0f, -14), INFINITY}));
    EXPECT_EQ(sd.at("b").to_vector<float>(),
              (std::vector<float>{1.0f, -2.5f, std::bit_cast<float>(0x7f610000u)}));
    // NaN stays NaN.
    write_bytes(path,
                make_file(R"({"n":{"dtype":"F16","shape":[],"data_offsets":[0,2]}})", le_bytes(0x7e00, 2)));
    EXPECT_TRUE(std::isnan(io::load_safetensors(path).at("n").item<float>()));
}

TEST(Safetensors, Float16TensorsAreWrittenAsF16) {
    TempDir dir;
    const std::string path = dir.file("f16.safetensors");
    Tensor h = empty({2}, DType::Float16);  // tinydl has no half kernels, but can hold the bytes
    const uint16_t bits[] = {0x3c00, 0xc100};
    std::memcpy(h.data_ptr(), bits, sizeof bits);
    io::save_safetensors({{"h", h}}, path);
    EXPECT_NE(read_bytes(path).find(R"("dtype":"F16")"), std::string::npos);
    EXPECT_EQ(io::load_safetensors(path).at("h").to_vector<float>(), (std::vector<float>{1.0f, -2.5f}));
    // A strided float16 view needs a float16 copy kernel, which tinydl does not have yet: until
    // it does, a clear Error naming the tensor; after, an ordinary save.
    Tensor square = empty({2, 2}, DType::Float16);
    const uint16_t four[] = {0x3c00, 0x4000, 0x4200, 0x4400};  // 1, 2, 3, 4
    std::memcpy(square.data_ptr(), four, sizeof four);
    try {
        io::save_safetensors({{"ht", square.t()}}, path);
        EXPECT_EQ(io::load_safetensors(path).at("ht").to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("save_safetensors: " + path +
                                             ": tensor 'ht': cannot make a contiguous CPU copy"),
                  std::string::npos)
            << e.what();
    }
}

// ---- malformed files
// ----------------------------------------------------------------------------------------
struct BadFile {
    const char* what;
    std::string bytes;
    const char* message;
};

std::vector<BadFile> bad_files() {
    const std::string f32x2 = std::string(8, '\0');
    auto one = [](const std::string& entry_json, const std::string& data) {
        return make_file("{" + entry_json + "}", data);
    };
    return {
        {"empty file", "", "too short for the 8-byte header length"},
        {"7 bytes", std::string(7, '\0'), "the file is 7 bytes, too short"},
        {"header length over the limit", make_file("{}", "", 200'000'000),
         "header length 200000000 exceeds the limit"},
        {"header length past the end", make_file("{}", "", 50),
         "header length 50 runs past the end of the 10-byte file"},
        {"bad JSON", make_file(R"({"a":{"dtype":"F32",)", ""), "not valid UTF-8 JSON"},
        {"empty header", make_file("", ""), "not valid UTF-8 JSON"},
        {"invalid UTF-8", make_file("{\"\xff\xfe\":{}}", ""), "not valid UTF-8 JSON"},
        {"not an object", make_file("[1, 2]", ""), "not a JSON object (it is array)"},
        {"deeply nested", make_file(std::string(200000, '[') + std::string(200000, ']'), ""),
         "the header nests more than 8 levels"},
        {"deeply nested, unclosed", make_file(R"({"a":)" + std::string(200000, '{'), ""),
         "not valid UTF-8 JSON"},
        {"duplicate key",
         one(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})",
             f32x2),
         "duplicate key 'a'"},
        {"duplicate metadata key", one(R"("__metadata__":{"x":"1","x":"2"})", ""), "duplicate key 'x'"},
        {"duplicate field",
         one(R"("a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]})", f32x2),
         "duplicate key 'dtype'"},
        {"unknown dtype", one(R"("a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]})", f32x2),
         "tensor 'a' has unknown dtype 'F33'"},
        {"unsupported dtype", one(R"("a":{"dtype":"I8","shape":[8],"data_offsets":[0,8]})", f32x2),
         "tensor 'a' has dtype I8, which tinydl cannot hold"},
        {"dtype not a string", one(R"("a":{"dtype":5,"shape":[2],"data_offsets":[0,8]})", f32x2),
         "dtype must be a string"},
        {"missing offsets", one(R"("a":{"dtype":"F32","shape":[2]})", f32x2),
         "tensor 'a': missing \"data_offsets\""},
        {"entry not an object", one(R"("a":3)", ""), "tensor 'a': expected an object"},
        {"negative dim", one(R"("a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]})", f32x2),
         "shape must hold non-negative integers, found -2"},
        {"fractional dim", one(R"("a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})", f32x2),
         "found 2.5"},
        {"three offsets", one(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]})", f32x2),
         "data_offsets must be [BEGIN, END]"},
        {"end before begin", one(R"("a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]})", f32x2),
         "data_offsets [8, 0]: END is before BEGIN"},
        {"size mismatch", one(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]})", f32x2),
         "tensor 'a' has shape [3] and dtype F32 (12 bytes) but data_offsets [0, 8] span 8 bytes"},
        {"element count overflow",
         one(R"("a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]})", f32x2),
         "has too many elements"},
        {"byte count overflow",
         one(R"("a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]})", f32x2),
         "is too large"},
        {"first not at 0", one(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]})", f32x2),
         "the first tensor 'a' starts at byte 4"},
        {"overlap",
         one(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})",
             std::string(12, '\0')),
         "tensors 'a' [0, 8) and 'b' [4, 12) overlap"},
        {"gap",
         one(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]})",
             std::string(12, '\0')),
         "gap of 4 bytes between tensors 'a' (ends at 4) and 'b' (starts at 8)"},
        {"truncated data", one(R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})", f32x2),
         "data_offsets [0, 16] but the data buffer holds only 8 bytes (truncated file?)"},
        {"trailing bytes", one(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", f32x2),
         "4 trailing bytes after the last tensor"},
        {"trailing bytes, no tensors", make_file("{}", "xx"), "2 trailing bytes"},
        {"metadata not strings", one(R"("__metadata__":{"epoch":3})", ""),
         "__metadata__ must map strings to strings; 'epoch' is a number"},
        {"metadata not an object", one(R"("__metadata__":"pt")", ""), "__metadata__ must be an object"},
        {"bool byte 2",
         one(R"("m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]})", std::string("\x01\x02\x00", 3)),
         "BOOL tensor 'm' holds byte 2 at element 1"},
    };
}

TEST(Safetensors, MalformedFilesAreErrors) {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    for (const BadFile& bad : bad_files()) {
        SCOPED_TRACE(bad.what);
        write_bytes(path, bad.bytes);
        EXPECT_ERROR(io::load_safetensors(path), "load_safetensors: " + path + ": ", bad.message);
    }
    // Zero-element and rank-0 tensors are valid, including several zero-size ranges at one offset.
    write_bytes(path, make_file(R"({"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                R"("e2":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]},)"
                                R"("s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})",
                                le_bytes(std::bit_cast<uint32_t>(1.5f), 4)));
    const StateDict ok = io::load_safetensors(path);
    EXPECT_EQ(ok.at("e2").sizes().vec(), (std::vector<int64_t>{3, 0}));
    EXPECT_EQ(ok.at("s").dim(), 0);
    EXPECT_EQ(ok.at("s").item<float>(), 1.5f);
    // Unknown fields of an entry are ignored, as the reference reader does; padding too.
    write_bytes(path,
                make_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}   )", "\x07"));
    EXPECT_EQ(io::load_safetensors(path).at("a").item<int>(), 7);
}

TEST(Safetensors, MissingFileAndDirectory) {
    TempDir dir;
    EXPECT_ERROR(io::load_safetensors(dir.file("nope.safetensors")), "nope.safetensors", "cannot open",
                 "No such file");
    EXPECT_ERROR(io::load_safetensors(dir.path()), dir.path(), "is a directory");
}

// Every prefix of a valid file, and every single-bit flip of it, either loads or throws
// tinydl::Error: never a crash, a hang or another exception type.
TEST(Safetensors, EveryTruncationAndBitFlipIsHandled) {
    TempDir dir;
    const std::string good_path = dir.file("good.safetensors"), path = dir.file("mutant.safetensors");
    io::save_safetensors(
        {{"w", tensor({1.0f, 2.0f})}, {"s", tensor(int64_t{5})}, {"m", tensor(std::vector<bool>{true})}},
        good_path);
    const std::string good = read_bytes(good_path);
    for (size_t len = 0; len < good.size(); ++len) {
        write_bytes(path, good.substr(0, len));
        EXPECT_THROW(io::load_safetensors(path), Error) << "prefix of " << len << " bytes";
    }
    int loaded = 0, rejected = 0;
    for (size_t i = 0; i < good.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string mutant = good;
            mutant[i] = static_cast<char>(mutant[i] ^ (1 << bit));
            write_bytes(path, mutant);
            try {
                io::load_safetensors(path);
                ++loaded;
            } catch (const Error&) {
                ++rejected;
            } catch (const std::exception& e) {
                ADD_FAILURE() << "byte " << i << " bit " << bit << ": non-tinydl exception " << e.what();
            }
        }
    }
    EXPECT_GT(rejected, 0);
    EXPECT_GT(loaded, 0);  // flips inside float data or JSON spacing are legal files
}

// ---- atomic save
// ---------------------------------------------------------------------------------------------
std::vector<std::string> temp_files(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().filename().string().find(".tmp.") != std::string::npos)
            found.push_back(entry.path().string());
    return found;
}

TEST(AtomicSave, TempNameIsHiddenInTheSameDirectory) {
    EXPECT_EQ(io::detail::temp_path_for("/a/b/model.safetensors", 42), "/a/b/.model.safetensors.tmp.42");
    EXPECT_EQ(io::detail::temp_path_for("model.safetensors", 7), ".model.safetensors.tmp.7");
}

TEST(AtomicSave, FailuresLeaveTheOldFile) {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    io::save_safetensors({{"w", tensor({1.0f, 2.0f})}}, path);
    const std::string before = read_bytes(path);

    // The directory does not exist.
    EXPECT_ERROR(io::save_safetensors({{"w", ones({1})}}, dir.file("missing/model.safetensors")),
                 "save_safetensors", "cannot create the temporary file", "No such file or directory");
    // The target is a directory.
    std::filesystem::create_directory(dir.file("adir"));
    EXPECT_ERROR(io::save_safetensors({{"w", ones({1})}}, dir.file("adir")), "is a directory");
    // A path under /proc cannot be created, even by root.
    EXPECT_ERROR(io::save_safetensors({{"w", ones({1})}}, "/proc/tinydl_test.safetensors"),
                 "cannot create the temporary file");

    // A failure in the middle of writing (here: the test hook throws after the first 1 MiB chunk).
    io::detail::set_write_hook([](uint64_t written) {
        if (written >= (1u << 20)) throw Error("disk full (simulated)");
    });
    EXPECT_ERROR(io::save_safetensors({{"w", zeros({3 << 20}, kUInt8)}}, path), "disk full (simulated)");
    io::detail::set_write_hook({});

    EXPECT_EQ(read_bytes(path), before);
    EXPECT_EQ(io::load_safetensors(path).at("w").to_vector<float>(), (std::vector<float>{1.0f, 2.0f}));
    EXPECT_TRUE(temp_files(dir.path()).empty());
}

TEST(AtomicSave, KeepsPermissionsAndFollowsSymlinks) {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    io::save_safetensors({{"w", ones({1})}}, path);
    ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
    io::save_safetensors({{"w", zeros({1})}}, path);
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(io::load_safetensors(path).at("w").item<float>(), 0.0f);

    const std::string link = dir.file("latest.safetensors");
    std::filesystem::create_symlink(path, link);
    io::save_safetensors({{"w", full({1}, 7.0f)}}, link);
    EXPECT_TRUE(std::filesystem::is_symlink(link));
    EXPECT_EQ(io::load_safetensors(path).at("w").item<float>(), 7.0f);
}

TEST(AtomicSave, SweepsTempFilesOfDeadProcesses) {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    // A pid that surely exited: a child we already reaped.
    const pid_t child = fork();
    if (child == 0) _exit(0);
    ASSERT_GT(child, 0);
    ASSERT_EQ(waitpid(child, nullptr, 0), child);
    const std::string stale = io::detail::temp_path_for(path, child);
    const std::string alive = io::detail::temp_path_for(path, 1);  // init: alive, never ours
    write_bytes(stale, "partial");
    write_bytes(alive, "someone else's");
    io::save_safetensors({{"w", ones({1})}}, path);
    EXPECT_FALSE(std::filesystem::exists(stale));
    EXPECT_TRUE(std::filesystem::exists(alive));
}

// The child half of SigkillMidSave: run as its own process (fork + exec of this test binary),
// it starts a large save and stops after the first chunk, telling the parent through a pipe.
TEST(AtomicSaveChild, WriterStopsMidSave) {
    const char* path = std::getenv("TINYDL_IO_TEST_CHILD_PATH");
    const char* fd_text = std::getenv("TINYDL_IO_TEST_CHILD_FD");
    if (path == nullptr || fd_text == nullptr)
        GTEST_SKIP() << "helper of AtomicSave.SigkillMidSave; runs only as its child";
    const int fd = std::atoi(fd_text);
    io::detail::set_write_hook([fd](uint64_t written) {
        if (written < (1u << 20)) return;
        const char marker = 'x';
        (void)!::write(fd, &marker, 1);
        for (;;) ::pause();  // wait here, mid-write, for SIGKILL
    });
    io::save_safetensors({{"w", zeros({4 << 20}, kUInt8)}}, path);
    ADD_FAILURE() << "the save finished; the hook should have stopped it";
}

TEST(AtomicSave, SigkillMidSaveLeavesThePreviousFile) {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    io::save_safetensors({{"w", tensor({1.0f, 2.0f, 3.0f})}}, path);
    const std::string before = read_bytes(path);

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        const int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, STDOUT_FILENO);  // keep the child's GoogleTest banner out of the log
        ::setenv("TINYDL_IO_TEST_CHILD_PATH", path.c_str(), 1);
        ::setenv("TINYDL_IO_TEST_CHILD_FD", std::to_string(fds[1]).c_str(), 1);
        ::execl("/proc/self/exe", "/proc/self/exe", "--gtest_filter=AtomicSaveChild.WriterStopsMidSave",
                nullptr);
        _exit(127);
    }
    ::close(fds[1]);
    struct pollfd p = {fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 20000);
    char marker = 0;
    const bool got_marker = ready == 1 && ::read(fds[0], &marker, 1) == 1;
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ::close(fds[0]);
    ASSERT_TRUE(got_marker) << "the child never reached the middle of its save";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    // The old file is intact; the killed writer's partial temporary file is all that is left.
    EXPECT_EQ(read_bytes(path), before);
    EXPECT_EQ(io::load_safetensors(path).at("w").to_vector<float>(), (std::vector<float>{1.0f, 2.0f, 3.0f}));
    const std::string temp = io::detail::temp_path_for(path, pid);
    ASSERT_TRUE(std::filesystem::exists(temp));
    EXPECT_GE(std::filesystem::file_size(temp), 1u << 20);
    // The next save sweeps it away.
    io::save_safetensors({{"w", ones({1})}}, path);
    EXPECT_FALSE(std::filesystem::exists(temp));
    EXPECT_TRUE(temp_files(dir.path()).empty());
}

}  // namespace
}  // namespace tinydl
