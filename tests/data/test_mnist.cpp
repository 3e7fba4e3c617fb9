// test_mnist.cpp — datasets::MNIST (src/data/mnist.cpp): a tiny fake data set written by the test
// (files found with and without .gz, values, views, batches, every consistency error), and the
// real Fashion-MNIST when Debian's dataset-fashion-mnist is installed (skipped otherwise).
#include <filesystem>

#include "tests/io/io_test_helpers.h"
#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using data::datasets::MNIST;
using testing::be_bytes;
using testing::le_bytes;
using testing::TempDir;
using testing::write_bytes;

std::string idx_file(uint8_t type, const std::vector<uint32_t>& dims, const std::string& payload) {
    std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims) out += be_bytes(d, 4);
    return out + payload;
}

// A gzip file of deflate "stored" blocks (see test_idx.cpp), with a bitwise CRC-32.
std::string gzip_stored(const std::string& data) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    size_t pos = 0;
    do {
        const size_t n = std::min<size_t>(65535, data.size() - pos);
        out.push_back(pos + n == data.size() ? 1 : 0);
        out += le_bytes(n, 2) + le_bytes(~n & 0xffff, 2) + data.substr(pos, n);
        pos += n;
    } while (pos < data.size());
    return out + le_bytes(~c, 4) + le_bytes(data.size() & 0xffffffffu, 4);
}

// Images of N x 3 x 2 pixels, pixel k of image i = 10 * i + k; label of image i = (i * 3) % 10.
std::string fake_images(uint32_t n) {
    std::string px;
    for (uint32_t i = 0; i < n; ++i)
        for (int k = 0; k < 6; ++k) px.push_back(static_cast<char>(10 * i + k));
    return idx_file(0x08, {n, 3, 2}, px);
}
std::string fake_labels(uint32_t n) {
    std::string labels;
    for (uint32_t i = 0; i < n; ++i) labels.push_back(static_cast<char>((i * 3) % 10));
    return idx_file(0x08, {n}, labels);
}

// train: 5 examples (images gzip'd, labels plain); t10k: 2 examples (both gzip'd).
void write_fake_mnist(const std::string& dir) {
    write_bytes(dir + "/train-images-idx3-ubyte.gz", gzip_stored(fake_images(5)));
    write_bytes(dir + "/train-labels-idx1-ubyte", fake_labels(5));
    write_bytes(dir + "/t10k-images-idx3-ubyte.gz", gzip_stored(fake_images(2)));
    write_bytes(dir + "/t10k-labels-idx1-ubyte.gz", gzip_stored(fake_labels(2)));
}

TEST(MNIST, FakeDirectory) {
    TempDir dir;
    write_fake_mnist(dir.path());
    const MNIST train(dir.path(), true);
    ASSERT_EQ(train.size(), 5u);
    EXPECT_TRUE(train.is_train());
    EXPECT_EQ(train.images_file(), dir.file("train-images-idx3-ubyte.gz"));
    EXPECT_EQ(train.labels_file(), dir.file("train-labels-idx1-ubyte"));
    EXPECT_EQ(train.images().sizes().vec(), (std::vector<int64_t>{5, 1, 3, 2}));
    EXPECT_EQ(train.images().dtype(), kFloat32);
    EXPECT_EQ(train.targets().dtype(), kInt64);
    EXPECT_EQ(train.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 6, 9, 2}));

    // Through the Dataset interface, as the DataLoader sees it.
    const data::Dataset& ds = train;
    const data::Example e = ds.get(3);
    EXPECT_EQ(e.data.sizes().vec(), (std::vector<int64_t>{1, 3, 2}));
    EXPECT_EQ(e.target.dim(), 0);
    EXPECT_EQ(e.target.item<int64_t>(), 9);
    const std::vector<float> px = e.data.to_vector<float>();
    for (int k = 0; k < 6; ++k) EXPECT_EQ(px[k], static_cast<float>(30 + k) / 255.0f) << k;

    const data::Batch b = ds.get_batch({4, 0, 4});
    EXPECT_EQ(b.data.sizes().vec(), (std::vector<int64_t>{3, 1, 3, 2}));
    EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 2}));
    EXPECT_EQ(b.data.at<float>({0, 0, 2, 1}), 45.0f / 255.0f);
    EXPECT_EQ(b.data.at<float>({1, 0, 0, 0}), 0.0f);

    EXPECT_ERROR(ds.get(5), "MNIST", "index 5 is out of range for a data set of size 5");
    EXPECT_ERROR(ds.get_batch({0, 7}), "MNIST", "index 7 is out of range");

    const MNIST test(dir.path(), false);
    EXPECT_EQ(test.size(), 2u);
    EXPECT_FALSE(test.is_train());
    EXPECT_EQ(test.images_file(), dir.file("t10k-images-idx3-ubyte.gz"));
}

TEST(MNIST, PlainFileIsPreferredOverGzip) {
    TempDir dir;
    write_fake_mnist(dir.path());
    write_bytes(dir.file("train-images-idx3-ubyte"), fake_images(5));
    EXPECT_EQ(MNIST(dir.path()).images_file(), dir.file("train-images-idx3-ubyte"));
}

TEST(MNIST, InconsistentFilesAreErrors) {
    TempDir dir;
    EXPECT_ERROR(MNIST(dir.file("nowhere")), "MNIST", "directory " + dir.file("nowhere") + " does not exist",
                 "dataset-fashion-mnist");
    EXPECT_ERROR(MNIST(dir.path()),
                 "cannot find train-images-idx3-ubyte or train-images-idx3-ubyte.gz in " + dir.path());

    write_fake_mnist(dir.path());
    const std::string labels = dir.file("train-labels-idx1-ubyte");
    write_bytes(labels, fake_labels(4));
    EXPECT_ERROR(MNIST(dir.path()), "images file " + dir.file("train-images-idx3-ubyte.gz") +
                                        " has 5 images but labels file " + labels + " has 4 labels");

    write_bytes(labels, idx_file(0x08, {5}, std::string("\x01\x02\x03\x0c\x04", 5)));
    EXPECT_ERROR(MNIST(dir.path()),
                 "labels file " + labels + ": label 12 at index 3 is out of range [0, 10)");

    write_bytes(labels, idx_file(0x08, {5, 1}, std::string(5, '\x01')));
    EXPECT_ERROR(MNIST(dir.path()), "labels file " + labels + " holds uint8 [5, 1]; expected uint8 [N]");

    write_bytes(labels, idx_file(0x0C, {5}, std::string(20, '\0')));
    EXPECT_ERROR(MNIST(dir.path()), "holds int32 [5]; expected uint8 [N]");

    write_fake_mnist(dir.path());
    write_bytes(dir.file("train-images-idx3-ubyte.gz"),
                gzip_stored(idx_file(0x08, {5, 6}, std::string(30, '\0'))));
    EXPECT_ERROR(MNIST(dir.path()), "images file", "holds uint8 [5, 6]; expected uint8 [N, H, W]");

    // A damaged file surfaces read_idx's error, which names the file.
    write_bytes(dir.file("train-images-idx3-ubyte.gz"), gzip_stored(fake_images(5).substr(0, 30)));
    EXPECT_ERROR(MNIST(dir.path()), "read_idx: " + dir.file("train-images-idx3-ubyte.gz"),
                 "expected 30 bytes of data");
}

// The real thing: Fashion-MNIST from Debian's dataset-fashion-mnist.
TEST(MNIST, FashionMnistIfInstalled) {
    const std::string root = data::datasets::kMNISTDefaultRoot;
    if (!std::filesystem::exists(root + "/train-images-idx3-ubyte.gz") &&
        !std::filesystem::exists(root + "/train-images-idx3-ubyte"))
        GTEST_SKIP() << root << " is absent (apt install dataset-fashion-mnist)";
    for (bool train : {true, false}) {
        SCOPED_TRACE(train ? "train" : "t10k");
        const MNIST ds(root, train);
        const int64_t n = train ? 60000 : 10000;
        ASSERT_EQ(static_cast<int64_t>(ds.size()), n);
        EXPECT_EQ(ds.images().sizes().vec(), (std::vector<int64_t>{n, 1, 28, 28}));
        EXPECT_GE(ds.images().min().item<float>(), 0.0f);
        EXPECT_LE(ds.images().max().item<float>(), 1.0f);
        EXPECT_GT(ds.images().max().item<float>(), 0.99f);
        // Fashion-MNIST is balanced: n / 10 examples of each class 0..9.
        std::vector<int64_t> counts(10, 0);
        for (int64_t label : ds.targets().to_vector<int64_t>()) {
            ASSERT_GE(label, 0);
            ASSERT_LT(label, 10);
            ++counts[label];
        }
        EXPECT_EQ(counts, std::vector<int64_t>(10, n / 10));
    }
}

}  // namespace
}  // namespace tinydl
