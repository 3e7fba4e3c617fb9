// idx.cpp — the IDX reader (include/tinydl/data/idx.h), for plain and gzip'd files.
//
// zlib's gzread reads both: on a file without the gzip magic it passes the bytes through
// unchanged. The reader trusts nothing in the header:
//   - the header's dims give the exact data size (overflow-checked, zero dims included: dims
//     [0, 4e9, 4e9] hold nothing, but the tensor's strides would not fit in int64), which must
//     match the file: for a plain file, against its size on disk before anything is allocated;
//     for a gzip file, the claim must at least fit in what deflate can expand the compressed
//     bytes to (1032:1 at most), and then exactly that many bytes must come out, with nothing
//     after them; the gzip'd data is read into a buffer that grows as it arrives, so memory
//     follows what the file holds, not what its header claims;
//   - corrupt or truncated gzip streams (bad CRC, cut-off data) are reported with zlib's message.
// Every error says "read_idx: <path>: <what is wrong>".
#include "tinydl/data/idx.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "tinydl/factory.h"

namespace tinydl::data {

namespace {

struct IdxType {
    uint8_t code;
    const char* name;
    bool supported;
    DType dtype;
    size_t itemsize;
};
constexpr IdxType kIdxTypes[] = {
    {0x08, "unsigned byte", true, DType::UInt8, 1},  {0x09, "signed byte", false, DType::UInt8, 1},
    {0x0B, "short (int16)", false, DType::Int32, 2}, {0x0C, "int (int32)", true, DType::Int32, 4},
    {0x0D, "float", true, DType::Float32, 4},        {0x0E, "double", true, DType::Float64, 8},
};

// deflate cannot expand data by more than about 1032:1 (zlib's FAQ), so a gzip file of S bytes
// holds at most this many bytes; a header claiming more is corrupt.
uint64_t max_gunzip_size(uint64_t compressed) { return compressed * 1032 + 1024; }

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

class IdxReader {
  public:
    explicit IdxReader(const std::string& path) : path_(path) {}

    template <typename... Parts> [[noreturn]] void fail(const Parts&... parts) const {
        throw Error(tinydl::detail::str("read_idx: ", path_, ": ", parts...));
    }

    Tensor read() {
        struct stat st;
        if (::stat(path_.c_str(), &st) != 0) fail("cannot open: ", std::strerror(errno));
        if (S_ISDIR(st.st_mode)) fail("is a directory");
        const uint64_t file_size = static_cast<uint64_t>(st.st_size);
        file_.reset(gzopen(path_.c_str(), "rb"));
        if (!file_) fail("cannot open: ", std::strerror(errno ? errno : ENOMEM));
        gzbuffer(file_.get(), 1 << 17);
        const bool compressed = gzdirect(file_.get()) == 0;

        // ---- header: 00 00 type ndims, then ndims big-endian u32 ----
        unsigned char magic[4];
        const uint64_t got = read_some(magic, 4);
        if (got < 4) {
            check_stream();
            fail("too short for an IDX header (", got, " bytes)");
        }
        if (magic[0] != 0 || magic[1] != 0)
            fail("not an IDX file: it starts with bytes ", hex(magic[0]), " ", hex(magic[1]),
                 ", expected 00 00");
        const IdxType* type = nullptr;
        for (const IdxType& t : kIdxTypes)
            if (t.code == magic[2]) type = &t;
        if (type == nullptr)
            fail("unknown IDX type code ", hex(magic[2]), " (known: 08, 09, 0B, 0C, 0D, 0E)");
        if (!type->supported)
            fail("IDX type ", hex(magic[2]), " (", type->name,
                 ") is not supported: tinydl has no such dtype");
        const int ndims = magic[3];
        if (ndims < 1 || ndims > 4) fail("the header says ", ndims, " dims; expected 1 to 4");
        std::vector<unsigned char> dim_bytes(4 * static_cast<size_t>(ndims));
        if (read_some(dim_bytes.data(), dim_bytes.size()) < dim_bytes.size()) {
            check_stream();
            fail("the header is truncated: it should hold ", ndims, " dims of 4 bytes");
        }
        std::vector<int64_t> shape;
        uint64_t numel = 1;
        // The product with zero dims counted as 1, which the tensor's strides hold: dims
        // [0, 4e9, 4e9, 4e9] have no elements but strides past int64 (found by fuzz_idx).
        uint64_t extent = 1;
        for (int d = 0; d < ndims; ++d) {
            const unsigned char* b = &dim_bytes[4 * static_cast<size_t>(d)];
            const uint64_t size =
                (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | b[3];
            shape.push_back(static_cast<int64_t>(size));
            numel *= size;  // no overflow: numel <= extent, checked below
            if (__builtin_mul_overflow(extent, std::max<uint64_t>(size, 1), &extent))
                fail("dims ", shape_str(shape), "... overflow");
        }
        uint64_t max_bytes = 0;
        if (__builtin_mul_overflow(extent, type->itemsize, &max_bytes) ||
            max_bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail("dims ", shape_str(shape), " are too large");
        const uint64_t nbytes = numel * type->itemsize;
        const uint64_t header_size = 4 + 4 * static_cast<uint64_t>(ndims);

        // ---- size checks before allocating ----
        if (!compressed && header_size + nbytes != file_size)
            fail(mismatch(nbytes, file_size - header_size), " (dims ", shape_str(shape), ")");
        if (compressed && header_size + nbytes > max_gunzip_size(file_size))
            fail("the header claims ", nbytes, " bytes of data (dims ", shape_str(shape), "), more than a ",
                 file_size, "-byte gzip file can hold");

        // ---- data ----
        // A plain file's size was checked above, so its claim is true and the tensor can be
        // allocated first. A gzip file's claim is only bounded (up to 1032x the file): read it
        // into a buffer that grows as the data really arrives, so a 1 MB file claiming 1 GB
        // costs what it holds, not what it claims, before the mismatch is found.
        Tensor out;
        if (!compressed) {
            out = empty(shape, TensorOptions(type->dtype));
            const uint64_t n = read_some(out.data_ptr(), nbytes);
            if (n < nbytes) fail(mismatch(nbytes, n));
        } else {
            std::vector<unsigned char> buffer;
            uint64_t n = 0;
            while (n < nbytes) {
                buffer.resize(std::min<uint64_t>(nbytes, std::max<uint64_t>(2 * n, uint64_t{1} << 20)));
                const uint64_t want = buffer.size() - n;
                const uint64_t got = read_some(buffer.data() + n, want);
                n += got;
                if (got < want) break;
            }
            if (n < nbytes) {
                check_stream();
                fail(mismatch(nbytes, n), gzip_problem());
            }
            out = empty(shape, TensorOptions(type->dtype));
            if (nbytes > 0) std::memcpy(out.data_ptr(), buffer.data(), nbytes);
        }
        auto* data = static_cast<unsigned char*>(out.data_ptr());
        // Anything after the data is an error too; count it (up to a limit).
        constexpr uint64_t kMaxCounted = uint64_t{1} << 20;
        unsigned char scratch[1 << 14];
        uint64_t extra = 0;
        while (extra < kMaxCounted) {
            const uint64_t r = read_some(scratch, sizeof scratch);
            if (r == 0) break;
            extra += r;
        }
        check_stream();
        if (extra > 0)
            fail(mismatch(nbytes, nbytes + extra), extra >= kMaxCounted ? " or more" : "", " (", extra,
                 " trailing bytes)");
        // Reaching the end made zlib check the gzip trailer (CRC-32 and length); a stream cut
        // short after the data shows up only now.
        const std::string problem = gzip_problem();
        if (!problem.empty()) fail("corrupt gzip data", problem);

        // ---- big-endian elements to the host's order ----
        if (type->itemsize > 1) {
            for (uint64_t i = 0; i < nbytes; i += type->itemsize)
                std::reverse(data + i, data + i + type->itemsize);
        }
        return out;
    }

  private:
    // Reads up to n bytes; fewer only at the end of the data or on an error (see gzip_problem).
    uint64_t read_some(void* dst, uint64_t n) {
        uint64_t done = 0;
        while (done < n) {
            const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 30));
            const int r = gzread(file_.get(), static_cast<char*>(dst) + done, chunk);
            if (r <= 0) break;
            done += static_cast<uint64_t>(r);
        }
        return done;
    }

    // Throws if zlib found the gzip data corrupt (a bad CRC, an invalid block): a short read is
    // then zlib's fault to explain, not a size mismatch.
    void check_stream() const {
        int code = Z_OK;
        gzerror(file_.get(), &code);
        if (code != Z_OK && code != Z_BUF_ERROR) fail("corrupt gzip data", gzip_problem());
    }

    // zlib's complaint, if any: "" when the stream is fine so far.
    std::string gzip_problem() const {
        int code = Z_OK;
        const char* message = gzerror(file_.get(), &code);
        if (code == Z_OK) return "";
        if (code == Z_BUF_ERROR) return " (the gzip stream ends early: truncated file?)";
        std::string text = message ? message : "error";
        if (text.rfind(path_ + ": ", 0) == 0) text.erase(0, path_.size() + 2);  // zlib prefixes the path
        return tinydl::detail::str(" (zlib: ", text, ")");
    }

    static std::string mismatch(uint64_t expected, uint64_t found) {
        return tinydl::detail::str("expected ", expected, " bytes of data after the header, found ", found);
    }

    static std::string hex(unsigned char byte) {
        char text[3];
        std::snprintf(text, sizeof text, "%02X", byte);
        return text;
    }

    std::string path_;
    std::unique_ptr<gzFile_s, GzCloser> file_;
};

}  // namespace

Tensor read_idx(const std::string& path) { return IdxReader(path).read(); }

}  // namespace tinydl::data
