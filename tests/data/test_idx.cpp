// test_idx.cpp — the IDX reader (src/data/idx.cpp) on files written by the test: plain, and
// gzip'd two ways (a gzip file built by hand from "stored" deflate blocks, and a small file
// compressed by Python's gzip module, embedded as bytes), every type tinydl reads, and every
// kind of damage, each an Error naming the file.
#include <cstring>
#include <limits>

#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"
#include "tinydl/memory.h"

namespace tinydl {
namespace {

using testing::be_bytes;
using testing::le_bytes;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// An IDX file: 00 00 <type> <ndims>, big-endian u32 dims, then `payload` as given.
std::string idx_file(uint8_t type, const std::vector<uint32_t>& dims, const std::string& payload) {
    std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims) out += be_bytes(d, 4);
    return out + payload;
}

std::string bytes_0_to(size_t n) {  // 0, 1, 2, ... (mod 256)
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i & 0xff));
    return s;
}

// CRC-32 (IEEE, reflected, as gzip uses), bit by bit.
uint32_t crc32_ieee(const std::string& data) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

// A valid gzip file without compression: header, deflate "stored" blocks (BTYPE 00: LEN, ~LEN,
// raw bytes), then CRC-32 and length (RFC 1951 section 3.2.4, RFC 1952).
std::string gzip_stored(const std::string& data) {
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    size_t pos = 0;
    do {
        const size_t n = std::min<size_t>(65535, data.size() - pos);
        const bool last = pos + n == data.size();
        out.push_back(last ? 1 : 0);
        out += le_bytes(n, 2) + le_bytes(~n & 0xffff, 2) + data.substr(pos, n);
        pos += n;
    } while (pos < data.size());
    return out + le_bytes(crc32_ieee(data), 4) + le_bytes(data.size() & 0xffffffffu, 4);
}

// gzip.compress(idx, compresslevel=9, mtime=0) in Python, where idx is a uint8 [3, 4, 5] IDX file
// holding (i * 37) % 256 for i = 0..59: real deflate data (fixed Huffman codes).
const std::string kPythonGzip(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x63\x60\xe0\x60\x66\x60\x60\x00\x61\x16\x20\x66\x65\x50\xf5\xca"
    "\x9f\xb2"
    "\xf3\x1e\xb3\x86\x6f\xd1\xf4\x3d\x0f\xd9\xb4\x03\x4a\x67\xed\x7f\xc2\xa9\x17\x5c\x31\xf7\xd0\x73\x1e\xc3"
    "\xb0\xea"
    "\x05\x47\x5f\xf1\x9b\x44\xd6\x2d\x3e\xf1\x56\xc8\x3c\xa6\x71\xd9\xe9\x0f\xa2\x56\xf1\x2d\x2b\xcf\x7d\x96"
    "\xb0\x4d"
    "\x6a\x07\x00\xc5\x08\x33\x5f\x4c\x00\x00\x00",
    95);

// ---- good files ---------------------------------------------------------------------------------------
TEST(Idx, ReadsUint8PlainAndGzip) {
    TempDir dir;
    const std::string idx = idx_file(0x08, {3, 2, 2}, bytes_0_to(12));
    write_bytes(dir.file("a-idx3-ubyte"), idx);
    write_bytes(dir.file("a-idx3-ubyte.gz"), gzip_stored(idx));
    write_bytes(dir.file("gz-named-plainly"), gzip_stored(idx));  // detected from the content
    for (const char* name : {"a-idx3-ubyte", "a-idx3-ubyte.gz", "gz-named-plainly"}) {
        SCOPED_TRACE(name);
        const Tensor t = data::read_idx(dir.file(name));
        EXPECT_EQ(t.dtype(), kUInt8);
        EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 2, 2}));
        EXPECT_EQ(t.to_vector<int>(), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
        EXPECT_EQ(t.at<int>({2, 0, 1}), 9);
    }
}

TEST(Idx, ReadsRealDeflateData) {
    TempDir dir;
    write_bytes(dir.file("py.gz"), kPythonGzip);
    const Tensor t = data::read_idx(dir.file("py.gz"));
    ASSERT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 4, 5}));
    const std::vector<int> v = t.to_vector<int>();
    for (int i = 0; i < 60; ++i) ASSERT_EQ(v[i], (i * 37) % 256) << i;
}

TEST(Idx, LargeGzipSpansManyBlocks) {
    TempDir dir;
    const std::string idx = idx_file(0x08, {70000}, bytes_0_to(70000));
    write_bytes(dir.file("big.gz"), gzip_stored(idx));
    const Tensor t = data::read_idx(dir.file("big.gz"));
    EXPECT_EQ(t.numel(), 70000);
    EXPECT_EQ(t.at<int>({69999}), 69999 % 256);
}

TEST(Idx, OtherTypesAreBigEndian) {
    TempDir dir;
    std::string ints = be_bytes(1, 4) + be_bytes(static_cast<uint32_t>(-2), 4) + be_bytes(0x7fffffff, 4) +
                       be_bytes(0x80000000u, 4) + be_bytes(256, 4) + be_bytes(0, 4);
    write_bytes(dir.file("i32"), idx_file(0x0C, {2, 3}, ints));
    Tensor t = data::read_idx(dir.file("i32"));
    EXPECT_EQ(t.dtype(), kInt32);
    EXPECT_EQ(t.to_vector<int32_t>(),
              (std::vector<int32_t>{1, -2, 2147483647, std::numeric_limits<int32_t>::min(), 256, 0}));

    auto f32 = [](float f) { return be_bytes(std::bit_cast<uint32_t>(f), 4); };
    write_bytes(dir.file("f32"), gzip_stored(idx_file(0x0D, {3}, f32(1.5f) + f32(-0.25f) + f32(1e30f))));
    t = data::read_idx(dir.file("f32"));
    EXPECT_EQ(t.dtype(), kFloat32);
    EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, -0.25f, 1e30f}));

    write_bytes(dir.file("f64"), idx_file(0x0E, {1, 1, 1, 2},
                                          be_bytes(std::bit_cast<uint64_t>(3.125), 8) +
                                              be_bytes(std::bit_cast<uint64_t>(-1e-300), 8)));
    t = data::read_idx(dir.file("f64"));
    EXPECT_EQ(t.dtype(), kFloat64);
    EXPECT_EQ(t.dim(), 4);
    EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{3.125, -1e-300}));
}

TEST(Idx, ZeroSizedDims) {
    TempDir dir;
    write_bytes(dir.file("empty"), idx_file(0x08, {0, 28, 28}, ""));
    write_bytes(dir.file("empty.gz"), gzip_stored(idx_file(0x08, {0, 28, 28}, "")));
    for (const char* name : {"empty", "empty.gz"})
        EXPECT_EQ(data::read_idx(dir.file(name)).sizes().vec(), (std::vector<int64_t>{0, 28, 28}));
}

// ---- damaged files
// -------------------------------------------------------------------------------------------
struct BadIdx {
    const char* what;
    std::string bytes;
    const char* message;
};

std::vector<BadIdx> bad_idx_files() {
    return {
        {"empty", "", "too short for an IDX header (0 bytes)"},
        {"three bytes", std::string("\0\0\x08", 3), "too short for an IDX header (3 bytes)"},
        {"bad magic", std::string("\x01\x00\x08\x01", 4) + be_bytes(1, 4) + "x",
         "not an IDX file: it starts with bytes 01 00, expected 00 00"},
        {"text file", "hello world", "not an IDX file: it starts with bytes 68 65"},
        {"unknown type", idx_file(0x07, {1}, "x"), "unknown IDX type code 07"},
        {"signed bytes", idx_file(0x09, {1}, "x"), "IDX type 09 (signed byte) is not supported"},
        {"int16", idx_file(0x0B, {1}, "xx"), "IDX type 0B (short (int16)) is not supported"},
        {"zero dims", idx_file(0x08, {}, "x"), "the header says 0 dims; expected 1 to 4"},
        {"five dims", idx_file(0x08, {1, 1, 1, 1, 1}, "x"), "the header says 5 dims"},
        {"truncated header", idx_file(0x08, {10, 28, 28}, "").substr(0, 10),
         "the header is truncated: it should hold 3 dims"},
        {"dims overflow", idx_file(0x08, {0xffffffffu, 0xffffffffu, 0xffffffffu, 2}, ""), "overflow"},
        {"bytes overflow", idx_file(0x0E, {0xffffffffu, 0xffffffffu}, ""), "are too large"},
        {"truncated data", idx_file(0x08, {10}, "123456789"),
         "expected 10 bytes of data after the header, found 9"},
        {"trailing data", idx_file(0x08, {10}, "0123456789+"),
         "expected 10 bytes of data after the header, found 11"},
        {"int32 data not a multiple", idx_file(0x0C, {2}, "1234567"),
         "expected 8 bytes of data after the header, found 7"},
    };
}

TEST(Idx, DamagedFilesAreErrors) {
    TempDir dir;
    for (const BadIdx& bad : bad_idx_files()) {
        SCOPED_TRACE(bad.what);
        const std::string plain = dir.file("bad-idx1-ubyte"), gz = dir.file("bad-idx1-ubyte.gz");
        write_bytes(plain, bad.bytes);
        write_bytes(gz, gzip_stored(bad.bytes));
        EXPECT_ERROR(data::read_idx(plain), "read_idx: " + plain + ": ", bad.message);
        EXPECT_ERROR(data::read_idx(gz), "read_idx: " + gz + ": ", bad.message);
    }
}

TEST(Idx, MnistSizedLabelsOffByOne) {
    TempDir dir;
    const std::string path = dir.file("train-labels-idx1-ubyte.gz");
    write_bytes(path, gzip_stored(idx_file(0x08, {60000}, std::string(59999, '\x03'))));
    EXPECT_ERROR(data::read_idx(path),
                 "train-labels-idx1-ubyte.gz: expected 60000 bytes of data after the header, found 59999");
    write_bytes(path, gzip_stored(idx_file(0x08, {60000}, std::string(60001, '\x03'))));
    EXPECT_ERROR(data::read_idx(path),
                 "train-labels-idx1-ubyte.gz: expected 60000 bytes of data after the header, found 60001",
                 "(1 trailing bytes)");
}

// A gzip file may claim up to 1032x its size; the reader must not allocate the claim before the
// data arrives (a 64 KiB file claiming 32 MiB costs about what it holds).
TEST(Idx, GzipClaimLargerThanItsDataAllocatesNoTensorForTheClaim) {
    TempDir dir;
    const std::string path = dir.file("claims-too-much.gz");
    write_bytes(path, gzip_stored(idx_file(0x08, {32 << 20}, std::string(65536, '\x07'))));
    memory::reset_peak_stats();
    const int64_t before = memory::stats().allocated_bytes;
    EXPECT_ERROR(data::read_idx(path), "expected 33554432 bytes of data after the header, found 65536");
    EXPECT_LT(memory::stats().max_allocated_bytes - before, int64_t{1} << 20);
}

TEST(Idx, DamagedGzipIsAnError) {
    TempDir dir;
    const std::string path = dir.file("x.gz");
    const std::string good = gzip_stored(idx_file(0x08, {4}, "abcd"));
    // A flipped data byte: the gzip CRC-32 no longer matches.
    std::string flipped = good;
    flipped[good.size() - 9] ^= 0x20;
    write_bytes(path, flipped);
    EXPECT_ERROR(data::read_idx(path),
                 "read_idx: " + path + ": corrupt gzip data (zlib: incorrect data check)");
    // Cut before the trailer: all data is there, but the stream ends early.
    write_bytes(path, good.substr(0, good.size() - 8));
    EXPECT_ERROR(data::read_idx(path), "gzip stream ends early");
    // Cut inside the data.
    write_bytes(path, good.substr(0, good.size() - 9));
    EXPECT_ERROR(data::read_idx(path), "expected 4 bytes of data after the header, found 3",
                 "gzip stream ends early");
    // A real deflate stream with a damaged block.
    std::string py = kPythonGzip;
    py[30] ^= 0xff;
    write_bytes(path, py);
    EXPECT_THROW(data::read_idx(path), Error);
}

TEST(Idx, ClaimsLargerThanTheFileAreRefusedBeforeAllocating) {
    TempDir dir;
    // 4 x 65535^3 ~ 1.1 TB claimed by a 30-byte file: plain and gzip'd, refused from the sizes.
    const std::string idx = idx_file(0x0D, {65535, 65535, 65535}, "");
    write_bytes(dir.file("huge"), idx);
    write_bytes(dir.file("huge.gz"), gzip_stored(idx));
    EXPECT_ERROR(data::read_idx(dir.file("huge")),
                 "expected 1125848368021500 bytes of data after the header, found 0");
    EXPECT_ERROR(data::read_idx(dir.file("huge.gz")), "the header claims 1125848368021500 bytes of data",
                 "gzip file can hold");
}

TEST(Idx, MissingFileAndDirectory) {
    TempDir dir;
    EXPECT_ERROR(data::read_idx(dir.file("none")), "read_idx: " + dir.file("none"), "cannot open",
                 "No such file");
    EXPECT_ERROR(data::read_idx(dir.path()), "is a directory");
}

// Every prefix and every single-bit flip of small plain and gzip'd files: an Error or a clean
// read, never a crash or another exception type.
TEST(Idx, EveryTruncationAndBitFlipIsHandled) {
    TempDir dir;
    const std::string path = dir.file("mutant");
    const std::string idx = idx_file(0x08, {2, 3}, "abcdef");
    for (const std::string& good : {idx, gzip_stored(idx), kPythonGzip}) {
        for (size_t len = 0; len < good.size(); ++len) {
            write_bytes(path, good.substr(0, len));
            EXPECT_THROW(data::read_idx(path), Error) << "prefix of " << len << " bytes";
        }
        for (size_t i = 0; i < good.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string mutant = good;
                mutant[i] = static_cast<char>(mutant[i] ^ (1 << bit));
                write_bytes(path, mutant);
                try {
                    data::read_idx(path);
                } catch (const Error&) {
                } catch (const std::exception& e) {
                    ADD_FAILURE() << "byte " << i << " bit " << bit << ": non-tinydl exception " << e.what();
                }
            }
        }
    }
}

}  // namespace
}  // namespace tinydl
