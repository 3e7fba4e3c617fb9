// make_seeds.cpp — writes the seed corpus in fuzz/corpus/<target>/ (committed; run this again
// only to change it): small valid files made by tinydl's own writers, plus a few edge cases.
// Built with the fuzzers (target fuzz_make_seeds); run as
//   build-asan/fuzz/fuzz_make_seeds fuzz/corpus
// Every file is a few hundred bytes at most: libFuzzer mutates small inputs fastest, and finds
// the rest of each format from there.
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tinydl/tinydl.h"

namespace {

using namespace tinydl;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    std::printf("%6zu  %s\n", bytes.size(), path.c_str());
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file: 00 00 type ndims, big-endian dims, then `data` (already big-endian).
std::string idx(uint8_t type, const std::vector<uint32_t>& dims, const std::string& data) {
    std::string s{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims) s += be32(d);
    return s + data;
}

std::string gzip(const std::string& plain) {
    z_stream z{};
    deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, plain.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    z.avail_in = static_cast<uInt>(plain.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

void idx_seeds(const fs::path& dir) {
    std::string pixels;
    for (int i = 0; i < 2 * 3 * 3; ++i) pixels += static_cast<char>(i * 14);
    const std::string images = idx(0x08, {2, 3, 3}, pixels);
    write(dir / "images_u8_2x3x3", images);
    write(dir / "images_u8_2x3x3.gz", gzip(images));
    write(dir / "labels_u8_5", idx(0x08, {5}, std::string("\x00\x01\x02\x09\x07", 5)));
    write(dir / "int32_2x2", idx(0x0C, {2, 2}, be32(1) + be32(0xffffffff) + be32(7) + be32(1u << 31)));
    write(dir / "float32_3", idx(0x0D, {3}, be32(0x3f800000) + be32(0xc0000000) + be32(0x7fc00000)));
    write(dir / "float64_1", idx(0x0E, {1}, be32(0x3ff00000) + be32(0)));
    write(dir / "u8_4d_1x1x2x1", idx(0x08, {1, 1, 2, 1}, "ab"));
    write(dir / "empty_dim_0x7", idx(0x08, {0, 7}, ""));
    // Edge cases a reader must refuse: data one byte short, one byte too many, and a header
    // whose dims claim 4 GB for a tiny file.
    write(dir / "bad_truncated", images.substr(0, images.size() - 1));
    write(dir / "bad_trailing", images + "x");
    write(dir / "bad_huge_claim", idx(0x08, {0xffffffff, 0xffffffff}, "x"));
    // Past findings (tests/io/test_fuzz_regressions.cpp): no elements, but strides past int64.
    write(dir / "regress_zero_dim_huge_dims", idx(0x08, {0, 0xffffffff, 0xffffffff, 0xffffffff}, ""));
}

void safetensors_seeds(const fs::path& dir, const fs::path& tmp) {
    const fs::path file = tmp / "seed.safetensors";
    manual_seed(0);
    io::save_safetensors({{"fc.weight", randn({2, 3})}, {"fc.bias", zeros({2})}, {"steps", tensor(int64_t{5}, kInt64)}},
                         file, {{"note", "seed"}});
    write(dir / "f32_i64_metadata", read(file));
    io::save_safetensors({{"f64", tensor({1.5, -2.0}, kFloat64)},
                          {"i32", tensor(std::vector<int32_t>{1, -1, 7}, kInt32)},
                          {"u8", tensor(std::vector<uint8_t>{0, 255}, kUInt8)},
                          {"bool", tensor(std::vector<uint8_t>{0, 1, 1}, kUInt8).to(kBool)},
                          {"empty", zeros({0, 3})}},
                         file);
    write(dir / "all_dtypes", read(file));
    io::save_safetensors({}, file);
    write(dir / "no_tensors", read(file));
    // F16 and BF16 have no tinydl writer (tinydl computes in float32): written by hand.
    const std::string header =
        R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}})";
    std::string length(8, '\0');
    length[0] = static_cast<char>(header.size());
    write(dir / "f16_bf16", length + header + std::string("\x00\x3c\x00\x7c\x80\x3f\x80\xff", 8));
    // Edge cases: a duplicate key, and a header length past the end of the file.
    const std::string dup = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})";
    std::string dup_length(8, '\0');
    dup_length[0] = static_cast<char>(dup.size());
    write(dir / "bad_duplicate_key", dup_length + dup + "xy");
    write(dir / "bad_length", std::string("\xff\xff\xff\x00\x00\x00\x00\x00{}", 10));
    // Past findings (tests/io/test_fuzz_regressions.cpp): no elements, but strides past int64.
    const std::string zero_dim = R"({"a":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}})";
    std::string zero_dim_length(8, '\0');
    zero_dim_length[0] = static_cast<char>(zero_dim.size());
    write(dir / "regress_zero_dim_huge_shape", zero_dim_length + zero_dim);
}

void checkpoint_seeds(const fs::path& dir, const fs::path& tmp) {
    // The model and optimizer of fuzz_checkpoint.cpp, after one training step.
    manual_seed(0);
    auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::BatchNorm1d>(3),
                                                  std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(3, 2));
    optim::Adam optimizer(model->parameters());
    optim::StepLR scheduler(optimizer, 2);
    optimizer.zero_grad();
    (*model)(ones({2, 4})).pow(2).mean().backward();
    optimizer.step();
    scheduler.step();

    const fs::path file = tmp / "seed.safetensors";
    io::save_checkpoint(file, {{"model", model->state_dict()},
                               {"optimizer", optimizer.state_dict()},
                               {"scheduler", scheduler.state_dict()},
                               {"rng", io::rng_state_dict()},
                               {"progress", {{"epoch", io::int64_tensor(1)}, {"step", io::int64_tensor(1)}}}});
    write(dir / "trainer_checkpoint", read(file));
    io::save_checkpoint(file, {{"progress", {{"epoch", io::int64_tensor(3)}}}, {"scheduler", {}}});
    write(dir / "small_checkpoint", read(file));
    // Plain files, for the second half of the target: one state dict for everything.
    io::save(*model, file);
    write(dir / "model_state", read(file));
    io::save_safetensors(optimizer.state_dict(), file);
    write(dir / "optimizer_state", read(file));
    io::save_safetensors(io::rng_state_dict(), file);
    write(dir / "rng_state", read(file));
}

void text_seeds(const fs::path& dir) {
    write(dir / "cpu", "cpu");
    write(dir / "cuda", "cuda");
    write(dir / "cuda_1", "cuda:1");
    write(dir / "csv_header", "epoch,step,loss,accuracy,lr,seconds,val_loss\n0,1,2.3,,0.1,1.5,\n");
    write(dir / "csv_quoted", "epoch,step,loss,accuracy,lr,seconds,\"a,\"\"b\"\"\"\r\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR   (writes CORPUS_DIR/{idx,safetensors,checkpoint,text}/)\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    const fs::path tmp = fs::temp_directory_path() / ("tinydl_seeds_" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    idx_seeds(root / "idx");
    safetensors_seeds(root / "safetensors", tmp);
    checkpoint_seeds(root / "checkpoint", tmp);
    text_seeds(root / "text");
    fs::remove_all(tmp);
    return 0;
}
