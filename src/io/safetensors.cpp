// safetensors.cpp — the safetensors reader and writer (format: include/tinydl/io/safetensors.h,
// docs/checkpoints.md; reference: huggingface/safetensors safetensors/src/tensor.rs).
//
// The reader is written for hostile input: a checkpoint may come from anywhere. Before a single
// tensor is allocated, the header is parsed and every claim in it is checked against the real
// file size (the checks of the reference reader's `read_metadata` and `Metadata::validate`):
//   - the header length N is at most 100,000,000 and 8 + N fits in the file;
//   - the header is UTF-8 JSON, an object, with no duplicate keys at any level, nested at most
//     8 levels deep (it needs 3);
//   - each entry has a known dtype, a shape of non-negative integers and data_offsets [BEGIN, END]
//     with END >= BEGIN;
//   - sorted by BEGIN, the ranges tile the buffer: the first starts at 0, each starts where the
//     previous one ends (no overlap, no gap), and the last ends exactly at the end of the file;
//   - numel x itemsize (overflow-checked) equals END - BEGIN for every tensor, and the shape's
//     strides fit in int64 too (a zero dim makes numel 0 whatever the other dims are).
// So the bytes allocated never exceed the file's size. Every failure is a tinydl::Error of the
// form "load_safetensors: <path>: <what is wrong>".
//
// Not here: the temporary-file dance (atomic_file.cpp), checkpoint bundles (checkpoint.cpp).
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "src/io/atomic_file.h"
#include "src/io/safetensors_detail.h"
#include "tinydl/factory.h"

namespace tinydl::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps here");

namespace detail {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr uint64_t kMaxHeaderLength = 100'000'000;  // the reference reader's limit
// A header nests 3 levels (the object, an entry, its shape). Deeper input is refused while it is
// parsed: nlohmann's dump(), which error messages use, recurses once per level, and a 2 MB
// header of nested brackets overflowed the stack (found by fuzzing).
constexpr int kMaxHeaderDepth = 8;

// ---- dtypes -------------------------------------------------------------------------------------
// The format's dtype names for what tinydl can hold. F16 and BF16 are read into float32.
struct FileDType {
    const char* code;
    size_t file_itemsize;  // bytes per element in the file
    DType dtype;           // the dtype of the tensor tinydl makes
};
constexpr FileDType kFileDTypes[] = {
    {"F64", 8, DType::Float64}, {"I64", 8, DType::Int64},   {"F32", 4, DType::Float32},
    {"I32", 4, DType::Int32},   {"F16", 2, DType::Float32}, {"BF16", 2, DType::Float32},
    {"U8", 1, DType::UInt8},    {"BOOL", 1, DType::Bool},
};
// dtypes of the format that tinydl has no type for.
constexpr const char* kUnsupportedCodes[] = {"I8",      "I16",     "U16",     "U32",         "U64",
                                             "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
                                             "F4",      "F6_E2M3", "F6_E3M2", "C64"};

const FileDType* find_file_dtype(const std::string& code) {
    for (const FileDType& d : kFileDTypes)
        if (code == d.code) return &d;
    return nullptr;
}

const char* code_for(DType dtype) {
    // clang-format off
    switch (dtype) {
        case DType::Float32: return "F32";
        case DType::Float64: return "F64";
        case DType::Int64: return "I64";
        case DType::Int32: return "I32";
        case DType::UInt8: return "U8";
        case DType::Bool: return "BOOL";
        case DType::Float16: return "F16";
        case DType::BFloat16: return "BF16";
    }
    // clang-format on
    return "?";
}

// zlib's crc32 over n more bytes. Careful: crc32(crc, NULL, 0) returns zlib's *initial* value,
// not crc, and an empty tensor's data pointer may be null.
uint32_t crc32_update(uint32_t crc, const void* data, uint64_t n) {
    if (n == 0) return crc;
    return static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(data), n));
}

std::string shape_text(const std::vector<int64_t>& shape) { return shape_str(IntArrayRef(shape)); }

// A JSON value in an error message: its first 80 characters (a value may be megabytes long).
std::string excerpt(const json& value) {
    std::string text = value.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

// ---- files ----------------------------------------------------------------------------------------
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// One tensor as the header describes it.
struct Entry {
    std::string name;
    const FileDType* dtype = nullptr;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // byte range within the data buffer (END exclusive)
};

// ---- header parsing -------------------------------------------------------------------------------
class HeaderParser {
  public:
    HeaderParser(const std::string& op, const std::string& path) : op_(op), path_(path) {}

    template <typename... Parts> [[noreturn]] void fail(const Parts&... parts) const {
        throw Error(tinydl::detail::str(op_, ": ", path_, ": ", parts...));
    }

    // Parses the JSON text and returns the entries sorted by offset, after every check.
    std::vector<Entry> parse(const std::string& text, uint64_t buffer_size, Metadata& metadata) {
        json header = parse_json(text);
        if (!header.is_object()) fail("the header is not a JSON object (it is ", header.type_name(), ")");
        std::vector<Entry> entries;
        for (auto& [key, value] : header.items()) {
            if (key == "__metadata__") {
                read_metadata(value, metadata);
                continue;
            }
            entries.push_back(read_entry(key, value));
        }
        check_layout(entries, buffer_size);
        return entries;
    }

  private:
    // nlohmann::json keeps the last of duplicate keys silently; the callback sees every key, so
    // a stack of per-object key sets catches duplicates at any depth.
    json parse_json(const std::string& text) {
        std::vector<std::set<std::string>> open_objects;
        std::optional<std::string> duplicate;
        json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
            if (depth > kMaxHeaderDepth)
                fail("the header nests more than ", kMaxHeaderDepth,
                     " levels of objects and lists (a safetensors header needs 3)");
            if (event == json::parse_event_t::object_start) {
                open_objects.emplace_back();
            } else if (event == json::parse_event_t::object_end) {
                if (!open_objects.empty()) open_objects.pop_back();
            } else if (event == json::parse_event_t::key && !open_objects.empty()) {
                const std::string& key = parsed.get_ref<const std::string&>();
                if (!open_objects.back().insert(key).second && !duplicate) duplicate = key;
            }
            return true;
        };
        json header;
        try {
            header = json::parse(text, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
        } catch (const json::exception& e) {
            fail("the header is not valid UTF-8 JSON (", e.what(), ")");
        }
        if (duplicate) fail("duplicate key '", *duplicate, "' in the header");
        return header;
    }

    void read_metadata(const json& value, Metadata& metadata) const {
        if (!value.is_object()) fail("__metadata__ must be an object of strings, not ", value.type_name());
        for (auto& [k, v] : value.items()) {
            if (!v.is_string())
                fail("__metadata__ must map strings to strings; '", k, "' is a ", v.type_name());
            metadata[k] = v.get<std::string>();
        }
    }

    // A non-negative integer that fits in int64 (nlohmann parses those as number_unsigned).
    uint64_t read_count(const std::string& name, const char* field, const json& v) const {
        if (!v.is_number_unsigned() ||
            v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail("tensor '", name, "': ", field, " must hold non-negative integers, found ", excerpt(v));
        return v.get<uint64_t>();
    }

    Entry read_entry(const std::string& name, const json& value) const {
        if (!value.is_object())
            fail("tensor '", name, "': expected an object {dtype, shape, data_offsets}, found ",
                 excerpt(value));
        for (const char* field : {"dtype", "shape", "data_offsets"})
            if (!value.contains(field)) fail("tensor '", name, "': missing \"", field, "\"");
        Entry e;
        e.name = name;
        const json& dtype = value["dtype"];
        if (!dtype.is_string()) fail("tensor '", name, "': dtype must be a string, found ", excerpt(dtype));
        const std::string code = dtype.get<std::string>();
        e.dtype = find_file_dtype(code);
        if (e.dtype == nullptr) {
            for (const char* unsupported : kUnsupportedCodes)
                if (code == unsupported)
                    fail("tensor '", name, "' has dtype ", code,
                         ", which tinydl cannot hold (supported: F32, F64, I64, I32, U8, BOOL; F16 and BF16 "
                         "are read as F32)");
            fail("tensor '", name, "' has unknown dtype '", code.size() > 40 ? code.substr(0, 37) + "..." : code, "'");
        }
        const json& shape = value["shape"];
        if (!shape.is_array()) fail("tensor '", name, "': shape must be a list, found ", excerpt(shape));
        for (const json& d : shape) e.shape.push_back(static_cast<int64_t>(read_count(name, "shape", d)));
        const json& offsets = value["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2)
            fail("tensor '", name, "': data_offsets must be [BEGIN, END], found ", excerpt(offsets));
        e.begin = read_count(name, "data_offsets", offsets[0]);
        e.end = read_count(name, "data_offsets", offsets[1]);
        if (e.end < e.begin)
            fail("tensor '", name, "' has data_offsets [", e.begin, ", ", e.end, "]: END is before BEGIN");
        return e;
    }

    // The ranges must tile [0, buffer_size) exactly, each sized numel x itemsize.
    void check_layout(std::vector<Entry>& entries, uint64_t buffer_size) const {
        std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        uint64_t expected_begin = 0;
        const Entry* previous = nullptr;
        for (const Entry& e : entries) {
            if (e.begin != expected_begin) {
                if (previous == nullptr)
                    fail("the first tensor '", e.name, "' starts at byte ", e.begin,
                         " of the data buffer, not at 0");
                if (e.begin < expected_begin)
                    fail("tensors '", previous->name, "' [", previous->begin, ", ", previous->end, ") and '",
                         e.name, "' [", e.begin, ", ", e.end, ") overlap");
                fail("gap of ", e.begin - expected_begin, " bytes between tensors '", previous->name,
                     "' (ends at ", previous->end, ") and '", e.name, "' (starts at ", e.begin, ")");
            }
            // numel, and `extent`, the product with zero dims counted as 1, which the tensor's
            // strides hold: shape [0, 2^40, 2^40] has no elements but strides past int64
            // (found by fuzz_safetensors). numel <= extent, so checking extent covers both.
            constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
            uint64_t numel = 1, extent = 1;
            for (int64_t d : e.shape) {
                const uint64_t size = static_cast<uint64_t>(d);
                numel *= size;  // cannot wrap: numel <= extent, checked next
                if (__builtin_mul_overflow(extent, std::max<uint64_t>(size, 1), &extent) || extent > kMax)
                    fail("tensor '", e.name, "': shape ", shape_text(e.shape), " has too many elements");
            }
            // In memory too: F16/BF16 become 4-byte floats.
            const uint64_t item_bytes = std::max<uint64_t>(e.dtype->file_itemsize, itemsize(e.dtype->dtype));
            if (extent > kMax / item_bytes)
                fail("tensor '", e.name, "': shape ", shape_text(e.shape), " is too large");
            const uint64_t nbytes = numel * static_cast<uint64_t>(e.dtype->file_itemsize);
            if (nbytes != e.end - e.begin)
                fail("tensor '", e.name, "' has shape ", shape_text(e.shape), " and dtype ", e.dtype->code,
                     " (", nbytes, " bytes) but data_offsets [", e.begin, ", ", e.end, "] span ",
                     e.end - e.begin, " bytes");
            if (e.end > buffer_size)
                fail("tensor '", e.name, "' has data_offsets [", e.begin, ", ", e.end,
                     "] but the data buffer holds only ", buffer_size, " bytes (truncated file?)");
            expected_begin = e.end;
            previous = &e;
        }
        if (expected_begin != buffer_size)
            fail(buffer_size - expected_begin,
                 " trailing bytes after the last tensor (the data ends at byte ", expected_begin, " of the ",
                 buffer_size, "-byte buffer)");
    }

    const std::string& op_;
    const std::string& path_;
};

// ---- reading data ----------------------------------------------------------------------------------
void read_exact(std::FILE* f, void* dst, uint64_t n, const HeaderParser& p) {
    if (n == 0) return;
    if (std::fread(dst, 1, n, f) != n)
        p.fail(std::ferror(f) ? "read error" : "unexpected end of file",
               " (was the file changed while being read?)");
}

Tensor read_tensor(std::FILE* f, const Entry& e, uint32_t& crc, const HeaderParser& p) {
    const uint64_t nbytes = e.end - e.begin;
    Tensor t = empty(IntArrayRef(e.shape), TensorOptions(e.dtype->dtype));
    const std::string code = e.dtype->code;
    if (code == "F16" || code == "BF16") {
        // Widen half precision to float32: exact, since float32 has more exponent and mantissa bits.
        std::vector<uint16_t> bits(static_cast<size_t>(t.numel()));
        read_exact(f, bits.data(), nbytes, p);
        crc = crc32_update(crc, bits.data(), nbytes);
        float* out = t.data_ptr<float>();
        for (size_t i = 0; i < bits.size(); ++i)
            out[i] = code == "F16" ? half_to_float(bits[i]) : bfloat16_to_float(bits[i]);
        return t;
    }
    auto* bytes = static_cast<unsigned char*>(t.data_ptr());
    read_exact(f, bytes, nbytes, p);
    crc = crc32_update(crc, bytes, nbytes);
    if (code == "BOOL") {
        // A C++ bool must hold 0 or 1; any other byte is corruption, not "true".
        for (uint64_t i = 0; i < nbytes; ++i)
            if (bytes[i] > 1)
                p.fail("BOOL tensor '", e.name, "' holds byte ", static_cast<int>(bytes[i]), " at element ",
                       i, " (expected 0 or 1)");
    }
    return t;
}

}  // namespace

float half_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
    return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));  // rebias 15 -> 127
}

float bfloat16_to_float(uint16_t bits) {
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);  // bfloat16 is float32's top half
}

std::string crc32_hex(uint32_t crc) {
    char text[9];
    std::snprintf(text, sizeof text, "%08x", crc);
    return text;
}

ReadResult read_safetensors(const std::string& op, const std::string& path, bool read_data) {
    HeaderParser parser(op, path);
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) parser.fail("cannot open: ", std::strerror(errno));
    struct stat st;
    if (::fstat(fileno(f.get()), &st) != 0) parser.fail("cannot stat: ", std::strerror(errno));
    if (S_ISDIR(st.st_mode)) parser.fail("is a directory");
    const uint64_t file_size = static_cast<uint64_t>(st.st_size);

    // [N: u64 LE][N bytes of JSON][buffer]
    if (file_size < 8)
        parser.fail("the file is ", file_size, " bytes, too short for the 8-byte header length");
    unsigned char length_bytes[8];
    read_exact(f.get(), length_bytes, 8, parser);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | length_bytes[i];
    if (n > kMaxHeaderLength)
        parser.fail("header length ", n, " exceeds the limit of ", kMaxHeaderLength, " bytes");
    if (8 + n > file_size)
        parser.fail("header length ", n, " runs past the end of the ", file_size,
                    "-byte file (truncated file?)");
    std::string text(n, '\0');
    read_exact(f.get(), text.data(), n, parser);

    ReadResult result;
    const std::vector<Entry> entries = parser.parse(text, file_size - 8 - n, result.metadata);
    if (!read_data) return result;
    // The entries tile the buffer in order, so the data is read front to back in one pass.
    uint32_t crc = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
    for (const Entry& e : entries) result.tensors[e.name] = read_tensor(f.get(), e, crc, parser);
    result.data_crc32 = crc;
    return result;
}

// ---- writing ---------------------------------------------------------------------------------------
void write_safetensors(const std::string& op, const StateDict& tensors, const std::string& path,
                       Metadata metadata, bool add_crc32) {
    struct Item {
        std::string name;
        Tensor data;  // contiguous, CPU
    };
    std::vector<Item> items;
    for (const auto& [name, t] : tensors) {
        TINYDL_CHECK(name != "__metadata__", op, path,
                     ": '__metadata__' is reserved and cannot name a tensor");
        TINYDL_CHECK(t.defined(), op, path, ": tensor '", name, "' is undefined");
        Tensor c = t.detach();
        try {
            if (!c.is_cpu()) c = c.cpu();
            if (!c.is_contiguous()) c = c.contiguous();
        } catch (const Error& e) {  // e.g. a strided float16 view: no copy kernel for it yet
            throw Error(tinydl::detail::str(op, ": ", path, ": tensor '", name,
                                            "': cannot make a contiguous CPU copy (", e.what(), ")"));
        }
        items.push_back({name, c});
    }
    // The reference writer's order: larger elements first (so every tensor is aligned to its
    // element size, given the 8-byte-aligned buffer start), then by name.
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        const size_t sa = a.data.element_size(), sb = b.data.element_size();
        return sa != sb ? sa > sb : a.name < b.name;
    });

    ordered_json header = ordered_json::object();
    ordered_json meta = ordered_json::object();
    meta["format"] = "pt";  // transformers refuses a __metadata__ without a known format
    for (const auto& [k, v] : metadata) meta[k] = v;
    if (add_crc32) {
        uint32_t crc = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
        for (const Item& item : items) crc = crc32_update(crc, item.data.data_ptr(), item.data.nbytes());
        meta["crc32"] = crc32_hex(crc);
    }
    header["__metadata__"] = meta;
    uint64_t offset = 0;
    for (const Item& item : items) {
        ordered_json entry = ordered_json::object();
        entry["dtype"] = code_for(item.data.dtype());
        entry["shape"] = std::vector<int64_t>(item.data.sizes().begin(), item.data.sizes().end());
        entry["data_offsets"] = {offset, offset + item.data.nbytes()};
        offset += item.data.nbytes();
        header[item.name] = std::move(entry);
    }
    std::string text;
    try {
        text = header.dump();  // compact, as the reference writer
    } catch (const ordered_json::exception& e) {
        throw Error(tinydl::detail::str(
            op, ": ", path, ": a tensor name or metadata string is not valid UTF-8 (", e.what(), ")"));
    }
    // Space-pad so that the buffer starts at a multiple of 8 (readers must not rely on it).
    text.append((8 - text.size() % 8) % 8, ' ');
    TINYDL_CHECK(text.size() <= kMaxHeaderLength, op, path, ": the header would be ", text.size(),
                 " bytes, over the ", kMaxHeaderLength,
                 "-byte limit of the format (too many tensors or too much metadata)");

    unsigned char length_bytes[8];
    for (int i = 0; i < 8; ++i)
        length_bytes[i] = static_cast<unsigned char>(static_cast<uint64_t>(text.size()) >> (8 * i));
    AtomicFile file(op, path);
    file.write(length_bytes, 8);
    file.write(text.data(), text.size());
    for (const Item& item : items) file.write(item.data.data_ptr(), item.data.nbytes());
    file.commit();
}

}  // namespace detail

// ---- the public API ---------------------------------------------------------------------------------
void save_safetensors(const StateDict& tensors, const std::string& path, const Metadata& metadata) {
    detail::write_safetensors("save_safetensors", tensors, path, metadata, /*add_crc32=*/false);
}

StateDict load_safetensors(const std::string& path) {
    return detail::read_safetensors("load_safetensors", path, /*read_data=*/true).tensors;
}

Metadata load_safetensors_metadata(const std::string& path) {
    return detail::read_safetensors("load_safetensors_metadata", path, /*read_data=*/false).metadata;
}

SafetensorsFile read_safetensors(const std::string& path) {
    detail::ReadResult r = detail::read_safetensors("read_safetensors", path, /*read_data=*/true);
    return {std::move(r.tensors), std::move(r.metadata)};
}

}  // namespace tinydl::io
