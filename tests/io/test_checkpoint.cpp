// test_checkpoint.cpp — checkpoint bundles (src/io/checkpoint.cpp) and module save/load
// (src/io/module_io.cpp): parts and keys, the CRC-32 check, the RNG and integer helpers, and a
// module written with io::save and read back with io::load.
#include <cstring>
#include <filesystem>

#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using testing::allclose;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

::testing::AssertionResult identical(const Tensor& actual, const Tensor& expected) {
    if (actual.dtype() != expected.dtype() || !(actual.sizes() == expected.sizes()))
        return ::testing::AssertionFailure() << "dtype/shape " << actual.dtype() << actual.sizes() << " vs "
                                             << expected.dtype() << expected.sizes();
    Tensor a = actual.detach().contiguous(), e = expected.detach().contiguous();
    if (a.nbytes() > 0 && std::memcmp(a.data_ptr(), e.data_ptr(), a.nbytes()) != 0)
        return ::testing::AssertionFailure() << "bytes differ";
    return ::testing::AssertionSuccess();
}

std::map<std::string, StateDict> sample_parts() {
    return {
        {"model",
         {{"fc1.weight", randn({4, 3})},
          {"fc1.bias", randn({4})},
          {"bn.num_batches_tracked", io::int64_tensor(7)},
          {"fc1.empty", zeros({0, 3})}}},
        {"optimizer",
         {{"state.0.exp_avg", randn({4, 3})},
          {"state.0.step", tensor(3.0, kFloat64)},
          {"param_groups.0.lr", tensor(0.01, kFloat64)}}},
        {"rng", io::rng_state_dict()},
        {"progress", {{"epoch", io::int64_tensor(2)}, {"step", io::int64_tensor(1234)}}},
        {"scheduler", {}},                 // no tensors yet: still comes back
        {"nested", {{"a/b", ones({2})}}},  // keys may contain '/', part names may not
    };
}

TEST(Checkpoint, RoundTripOfParts) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    const auto parts = sample_parts();
    io::save_checkpoint(path, parts, {{"run", "mnist"}});
    const io::Checkpoint c = io::load_checkpoint(path);
    ASSERT_EQ(c.parts.size(), parts.size());
    for (const auto& [part, state] : parts) {
        SCOPED_TRACE(part);
        ASSERT_TRUE(c.parts.count(part));
        ASSERT_EQ(c.parts.at(part).size(), state.size());
        for (const auto& [key, t] : state) EXPECT_TRUE(identical(c.parts.at(part).at(key), t)) << key;
    }
    EXPECT_EQ(c.metadata.at("run"), "mnist");
    EXPECT_EQ(c.metadata.at("format"), "pt");
    EXPECT_EQ(c.metadata.at("crc32").size(), 8u);
    EXPECT_EQ(c.metadata.at("tinydl_version"), TINYDL_VERSION);
    // It is a plain safetensors file with "<part>/<key>" names.
    const StateDict flat = io::load_safetensors(path);
    EXPECT_TRUE(flat.count("model/fc1.weight"));
    EXPECT_TRUE(flat.count("optimizer/state.0.exp_avg"));
    EXPECT_TRUE(flat.count("rng/state"));
    EXPECT_TRUE(flat.count("nested/a/b"));
    EXPECT_EQ(flat.at("progress/epoch").dim(), 0);
    EXPECT_EQ(flat.at("progress/epoch").dtype(), kInt64);
}

// CRC-32 (IEEE, as zlib's crc32 and Python's zlib.crc32), bit by bit.
uint32_t crc32_ieee(const std::string& data) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

TEST(Checkpoint, CrcIsTheCrcOfTheDataBuffer) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, sample_parts());  // includes a zero-element tensor
    const std::string bytes = read_bytes(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    char expected[9];
    std::snprintf(expected, sizeof expected, "%08x", crc32_ieee(bytes.substr(8 + n)));
    EXPECT_EQ(io::load_safetensors_metadata(path).at("crc32"), expected);
}

TEST(Checkpoint, CrcCatchesFlippedDataBits) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    io::save_checkpoint(path, {{"model", {{"w", tensor({1.0f, 2.0f, 3.0f})}}}});
    std::string bytes = read_bytes(path);
    bytes[bytes.size() - 2] ^= 0x01;  // a low bit of the last float: still a valid file
    write_bytes(path, bytes);
    EXPECT_NO_THROW(io::load_safetensors(path));  // the format alone cannot tell
    EXPECT_ERROR(io::load_checkpoint(path), "load_checkpoint: " + path, "the data is corrupt: its CRC-32 is",
                 "but the file records");
    // Structural damage is caught by the safetensors checks before the CRC.
    write_bytes(path, bytes.substr(0, bytes.size() - 1));
    EXPECT_ERROR(io::load_checkpoint(path), "load_checkpoint: " + path, "truncated file");
}

TEST(Checkpoint, RngStateResumesTheSequence) {
    manual_seed(123);
    randn({5});
    const StateDict saved = io::rng_state_dict();
    EXPECT_EQ(saved.at("state").dtype(), kUInt8);
    const std::vector<float> expected = randn({10}).to_vector<float>();
    randn({3});  // move on
    TempDir dir;
    const std::string path = dir.file("rng.safetensors");
    io::save_checkpoint(path, {{"rng", saved}});
    io::load_rng_state_dict(io::load_checkpoint(path).parts.at("rng"));
    EXPECT_EQ(randn({10}).to_vector<float>(), expected);
    EXPECT_ERROR(io::load_rng_state_dict({}), "load_rng_state_dict", "no 'state' tensor");
    EXPECT_ERROR(io::load_rng_state_dict({{"state", ones({3})}}),
                 "must be a 1-D uint8 tensor, got [3] float32");
    EXPECT_ERROR(io::load_rng_state_dict({{"state", zeros({3}, kUInt8)}}), "set_rng_state",
                 "expected a state of");
}

TEST(Checkpoint, IntegerHelpers) {
    const StateDict progress = {
        {"epoch", io::int64_tensor(-5)}, {"f", ones({1})}, {"two", zeros({2}, kInt64)}};
    EXPECT_EQ(progress.at("epoch").dim(), 0);
    EXPECT_EQ(io::int64_value(progress, "epoch"), -5);
    EXPECT_ERROR(io::int64_value(progress, "step"), "int64_value", "no entry 'step'");
    EXPECT_ERROR(io::int64_value(progress, "f"), "'f' must be a one-element integer tensor, got [1] float32");
    EXPECT_ERROR(io::int64_value(progress, "two"),
                 "'two' must be a one-element integer tensor, got [2] int64");
}

TEST(Checkpoint, Errors) {
    TempDir dir;
    const std::string path = dir.file("ckpt.safetensors");
    EXPECT_ERROR(io::save_checkpoint(path, {{"a/b", {}}}), "save_checkpoint",
                 "part name 'a/b' must be non-empty and contain no '/'");
    EXPECT_ERROR(io::save_checkpoint(path, {{"", {}}}), "part name ''");
    EXPECT_ERROR(io::save_checkpoint(path, {{"m", {}}}, {{"crc32", "0"}}),
                 "metadata key 'crc32' is reserved");
    EXPECT_FALSE(std::filesystem::exists(path));
    io::save_safetensors({{"weight", ones({1})}}, path);  // a plain file, not a checkpoint
    EXPECT_ERROR(io::load_checkpoint(path), "key 'weight' is not of the form '<part>/<key>'");
    EXPECT_ERROR(io::load_checkpoint(dir.file("none")), "load_checkpoint", "cannot open");
}

// ---- modules ------------------------------------------------------------------------------------------
std::shared_ptr<nn::Sequential> make_mlp() {
    auto model = std::make_shared<nn::Sequential>();
    model->push_back(std::make_shared<nn::Linear>(4, 3));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(std::make_shared<nn::Linear>(3, 2));
    return model;
}

TEST(ModuleIO, SaveAndLoadAModule) {
    TempDir dir;
    const std::string path = dir.file("mlp.safetensors");
    manual_seed(1);
    auto a = make_mlp();
    io::save(*a, path, {{"arch", "mlp"}});
    // PyTorch's names and layouts: Sequential indices, Linear.weight [out, in].
    const StateDict file = io::load_safetensors(path);
    ASSERT_EQ(file.size(), 4u);
    EXPECT_EQ(file.at("0.weight").sizes().vec(), (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(file.at("2.bias").sizes().vec(), (std::vector<int64_t>{2}));
    EXPECT_EQ(io::load_safetensors_metadata(path).at("arch"), "mlp");

    manual_seed(2);
    auto b = make_mlp();
    const Tensor x = randn({5, 4});
    EXPECT_FALSE(allclose((*a)(x), (*b)(x)));
    const Tensor weight_handle = b->state_dict().at("0.weight");
    io::load(*b, path);
    EXPECT_TRUE(allclose((*a)(x), (*b)(x), 0, 0));
    EXPECT_TRUE(identical(b->state_dict().at("0.weight"), a->state_dict().at("0.weight")));
    EXPECT_TRUE(identical(weight_handle, a->state_dict().at("0.weight")));  // loaded in place

    // strict: a file missing a key is an Error in PyTorch's words; non-strict reports it.
    StateDict partial = a->state_dict();
    partial.erase("2.bias");
    io::save_safetensors(partial, path);
    EXPECT_ERROR(io::load(*b, path), "Missing key(s)", "2.bias");
    const nn::IncompatibleKeys keys = io::load(*b, path, /*strict=*/false);
    EXPECT_EQ(keys.missing_keys, (std::vector<std::string>{"2.bias"}));
}

}  // namespace
}  // namespace tinydl
