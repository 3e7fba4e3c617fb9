// test_tensor.cpp — the core value types and the Tensor handle: DType (names, sizes,
// promotion), Device parsing, Scalar kinds, DimVector past its inline capacity, tensor
// metadata, element access (item, at, to_vector, data_ptr), dtype conversions, errors and the
// CPU thread count.
//
// Not here: factories (test_factory.cpp), printing (test_print.cpp), views (ops/test_shape.cpp).
#include <cmath>
#include <limits>
#include <vector>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;

// ---- DType ------------------------------------------------------------------------------------------
TEST(DType, ItemsizeAndNames) {
    struct Row {
        DType t;
        size_t size;
        const char* name;
        bool floating, integral;
    };
    const Row rows[] = {
        {kFloat32, 4, "float32", true, false}, {kFloat64, 8, "float64", true, false},
        {kInt64, 8, "int64", false, true},     {kInt32, 4, "int32", false, true},
        {kUInt8, 1, "uint8", false, true},     {kBool, 1, "bool", false, false},
        {DType::Float16, 2, "float16", true, false}, {DType::BFloat16, 2, "bfloat16", true, false},
    };
    for (const Row& r : rows) {
        EXPECT_EQ(itemsize(r.t), r.size) << r.name;
        EXPECT_EQ(dtype_name(r.t), r.name);
        EXPECT_EQ(is_floating(r.t), r.floating) << r.name;
        EXPECT_EQ(is_integral(r.t), r.integral) << r.name;
        std::ostringstream out;
        out << r.t;
        EXPECT_EQ(out.str(), r.name);
    }
    EXPECT_TRUE(is_integral(kBool, /*include_bool=*/true));
    EXPECT_EQ(kFloat, kFloat32);
    EXPECT_EQ(kDouble, kFloat64);
    EXPECT_EQ(kLong, kInt64);
    EXPECT_EQ(dtype_of<float>(), kFloat32);
    EXPECT_EQ(dtype_of<int64_t>(), kInt64);
    EXPECT_EQ(dtype_of<bool>(), kBool);
}

TEST(DType, PromoteTypes) {
    // bool < uint8 < int32 < int64 < float32 < float64
    const DType order[] = {kBool, kUInt8, kInt32, kInt64, kFloat32, kFloat64};
    for (size_t i = 0; i < 6; ++i)
        for (size_t j = 0; j < 6; ++j) {
            const DType expected = order[std::max(i, j)];
            EXPECT_EQ(promote_types(order[i], order[j]), expected) << order[i] << " with " << order[j];
        }
    EXPECT_EQ(promote_types(DType::Float16, DType::BFloat16), kFloat32);
    EXPECT_EQ(promote_types(DType::Float16, kInt64), DType::Float16);
    EXPECT_EQ(promote_types(DType::BFloat16, kFloat32), kFloat32);
}

// ---- Device -------------------------------------------------------------------------------------------
TEST(Device, Parsing) {
    EXPECT_TRUE(Device("cpu") == Device::cpu());
    EXPECT_TRUE(Device("cpu").is_cpu());
    EXPECT_TRUE(Device("cuda") == Device::cuda(0));
    const Device d("cuda:1");
    EXPECT_TRUE(d.is_cuda());
    EXPECT_EQ(d.index, 1);
    EXPECT_EQ(d.str(), "cuda:1");
    EXPECT_EQ(Device("cuda:12").index, 12);
    EXPECT_EQ(Device::cpu().str(), "cpu");
    EXPECT_EQ(Device(kCUDA).str(), "cuda:0");
    EXPECT_FALSE(Device("cpu") == Device("cuda"));
    std::ostringstream out;
    out << Device("cuda:3");
    EXPECT_EQ(out.str(), "cuda:3");
    for (const char* bad : {"", "gpu", "CPU", "cuda:", "cuda:x", "cuda:-1", "cuda1", "cpu:0", "cuda:1:2", "cuda:1234"})
        EXPECT_ERROR(Device{std::string(bad)}, "Device", "cannot parse", std::string("'") + bad + "'");
}

TEST(Device, CudaTensorsInACpuOnlyBuild) {
#ifndef TINYDL_WITH_CUDA
    EXPECT_ERROR(zeros({2}, Device::cuda()), "without CUDA");
    EXPECT_ERROR(zeros({2}).cuda(), "without CUDA");
#else
    GTEST_SKIP() << "a CUDA build; tests/parity covers devices";
#endif
}

// ---- Scalar -------------------------------------------------------------------------------------------
TEST(Scalar, Kinds) {
    EXPECT_EQ(Scalar(1).kind(), Scalar::Kind::Int);
    EXPECT_EQ(Scalar(int64_t{1} << 40).to<int64_t>(), int64_t{1} << 40);
    EXPECT_EQ(Scalar(uint8_t{200}).kind(), Scalar::Kind::Int);
    EXPECT_EQ(Scalar(1.5).kind(), Scalar::Kind::Float);
    EXPECT_EQ(Scalar(1.5f).kind(), Scalar::Kind::Float);
    EXPECT_EQ(Scalar(true).kind(), Scalar::Kind::Bool);
    EXPECT_EQ(Scalar().kind(), Scalar::Kind::Int);
    EXPECT_TRUE(Scalar(2.5).is_floating());
    EXPECT_TRUE(Scalar(2).is_integral());
    EXPECT_TRUE(Scalar(false).is_bool());

    EXPECT_EQ(Scalar(2.75).to<int>(), 2);
    EXPECT_EQ(Scalar(-2.75).to_int(), -2);
    EXPECT_EQ(Scalar(3).to_double(), 3.0);
    EXPECT_EQ(Scalar(0.0).to<bool>(), false);
    EXPECT_EQ(Scalar(7).to<bool>(), true);
    EXPECT_EQ(Scalar(true).to<float>(), 1.0f);

    EXPECT_EQ((-Scalar(2)).to_int(), -2);
    EXPECT_EQ((-Scalar(2)).kind(), Scalar::Kind::Int);
    EXPECT_EQ((-Scalar(2.5)).to_double(), -2.5);

    EXPECT_EQ(Scalar(1).default_dtype(), kInt64);
    EXPECT_EQ(Scalar(1.0).default_dtype(), kFloat32);
    EXPECT_EQ(Scalar(true).default_dtype(), kBool);

    std::ostringstream out;
    out << Scalar(3) << " " << Scalar(2.5) << " " << Scalar(true);
    EXPECT_EQ(out.str(), "3 2.5 true");
}

// ---- DimVector and shapes ---------------------------------------------------------------------------------
TEST(DimVector, SpillsToTheHeapAndBack) {
    DimVector v;
    for (int64_t i = 0; i < 9; ++i) v.push_back(i * 10);
    ASSERT_EQ(v.size(), 9u);
    for (int64_t i = 0; i < 9; ++i) EXPECT_EQ(v[i], i * 10);
    EXPECT_EQ(v.back(), 80);
    DimVector copy = v;  // copies the heap part too
    copy[8] = -1;
    EXPECT_EQ(v[8], 80);
    v.insert(0, -5);  // 10 dims
    EXPECT_EQ(v.vec(), (std::vector<int64_t>{-5, 0, 10, 20, 30, 40, 50, 60, 70, 80}));
    v.erase(3);
    EXPECT_EQ(v.vec(), (std::vector<int64_t>{-5, 0, 10, 30, 40, 50, 60, 70, 80}));
    v.resize(6);  // back to the inline buffer
    EXPECT_EQ(v.vec(), (std::vector<int64_t>{-5, 0, 10, 30, 40, 50}));
    v.resize(8, 7);
    EXPECT_EQ(v.vec(), (std::vector<int64_t>{-5, 0, 10, 30, 40, 50, 7, 7}));
    EXPECT_TRUE(DimVector({1, 2, 3, 4, 5, 6, 7}) == DimVector({1, 2, 3, 4, 5, 6, 7}));
    EXPECT_FALSE(DimVector({1, 2, 3, 4, 5, 6, 7}) == DimVector({1, 2, 3, 4, 5, 6, 8}));
    IntArrayRef ref = v;
    EXPECT_EQ(ref.size(), 8u);
    EXPECT_EQ(ref[7], 7);
}

TEST(DimVector, EightDimensionalTensor) {
    // 2^8 elements over 8 dims: metadata lives on the heap side of DimVector.
    const std::vector<int64_t> shape(8, 2);
    Tensor x = arange(256, kFloat64).view(shape);
    ASSERT_EQ(x.dim(), 8);
    EXPECT_EQ(x.strides().vec(), (std::vector<int64_t>{128, 64, 32, 16, 8, 4, 2, 1}));
    EXPECT_TRUE(x.is_contiguous());
    // Reversing the dims: element [i0..i7] of the permuted tensor is x[i7..i0].
    Tensor p = x.permute({7, 6, 5, 4, 3, 2, 1, 0});
    EXPECT_EQ(p.strides().vec(), (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128}));
    EXPECT_EQ(p.at<double>({1, 0, 0, 0, 0, 0, 0, 0}), 1.0);
    EXPECT_EQ(p.at<double>({0, 0, 0, 0, 0, 0, 0, 1}), 128.0);
    Tensor pc = p.contiguous();
    for (int64_t k = 0; k < 256; k += 37) {
        // Bit-reversal of an 8-bit index.
        int64_t r = 0;
        for (int b = 0; b < 8; ++b) r |= ((k >> b) & 1) << (7 - b);
        EXPECT_EQ(pc.reshape({256}).at<double>({k}), static_cast<double>(r));
    }
    // Reductions and elementwise ops over 8 dims.
    EXPECT_EQ(x.sum().item<double>(), 255.0 * 256 / 2);
    Tensor s = x.sum({0, 7});
    EXPECT_EQ(s.dim(), 6);
    EXPECT_EQ(s.at<double>({0, 0, 0, 0, 0, 0}), 0 + 1 + 128 + 129);
    EXPECT_TRUE(allclose((p * 2).sum({1, 2, 3}, true).reshape({-1}), (x * 2).sum({4, 5, 6}, true).permute({7, 6, 5, 4, 3, 2, 1, 0}).reshape({-1}), 0, 0));
    Tensor v = x.view({4, 4, 4, 4}).select(1, 2);
    EXPECT_EQ(v.at<double>({3, 1, 2}), 3 * 64 + 2 * 16 + 1 * 4 + 2);
    // A 9-D unsqueeze and its gradient.
    Tensor leaf9 = x.detach().clone().requires_grad_(true);
    Tensor y = (leaf9.unsqueeze(3) * 3).sum();
    y.backward();
    EXPECT_EQ(leaf9.grad().dim(), 8);
    EXPECT_EQ(leaf9.grad().sum().item<double>(), 3.0 * 256);
}

TEST(Shape, HelpersAndWrapDim) {
    EXPECT_EQ(shape_str({2, 3}), "[2, 3]");
    EXPECT_EQ(shape_str({}), "[]");
    EXPECT_EQ(numel_of({}), 1);
    EXPECT_EQ(numel_of({2, 0, 3}), 0);
    EXPECT_EQ(contiguous_strides({2, 3, 4}).vec(), (std::vector<int64_t>{12, 4, 1}));
    EXPECT_EQ(wrap_dim(-1, 3, "op"), 2);
    EXPECT_EQ(wrap_dim(0, 0, "op"), 0);   // a 0-dim tensor accepts 0 and -1
    EXPECT_EQ(wrap_dim(-1, 0, "op"), 0);
    EXPECT_ERROR(wrap_dim(3, 3, "my_op"), "my_op", "dimension out of range (expected to be in range of [-3, 2], but got 3)");
    EXPECT_THROW(wrap_dim(-4, 3, "my_op"), IndexError);
}

// ---- errors ---------------------------------------------------------------------------------------------
TEST(Errors, MacrosAndHierarchy) {
    try {
        TINYDL_CHECK(1 + 1 == 3, "my_op", "expected ", 3, " got ", 2);
        FAIL() << "did not throw";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "my_op: expected 3 got 2");
    }
    EXPECT_THROW(TINYDL_CHECK_SHAPE(false, "op", "x"), ShapeError);
    EXPECT_THROW(TINYDL_CHECK_INDEX(false, "op", "x"), IndexError);
    EXPECT_THROW(TINYDL_CHECK_TYPE(false, "op", "x"), TypeError);
    EXPECT_NO_THROW(TINYDL_CHECK(true, "op", "x"));
    try {
        TINYDL_ASSERT(2 < 1, "sizes differ");
        FAIL() << "did not throw";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("internal error"), std::string::npos) << what;
        EXPECT_NE(what.find("test_tensor.cpp"), std::string::npos) << what;
        EXPECT_NE(what.find("sizes differ"), std::string::npos) << what;
        EXPECT_NE(what.find("bug"), std::string::npos) << what;
    }
    // Every tinydl error is a std::runtime_error.
    EXPECT_THROW(zeros({2}).view({3}), std::runtime_error);
}

// ---- metadata ------------------------------------------------------------------------------------------
TEST(Tensor, Metadata) {
    Tensor x = zeros({2, 3, 4});
    EXPECT_TRUE(x.defined());
    EXPECT_FALSE(Tensor().defined());
    EXPECT_EQ(x.dim(), 3);
    EXPECT_EQ(x.numel(), 24);
    EXPECT_EQ(x.size(-1), 4);
    EXPECT_EQ(x.size(0), 2);
    EXPECT_EQ(x.stride(1), 4);
    EXPECT_EQ(x.element_size(), 4u);
    EXPECT_EQ(x.nbytes(), 96u);
    EXPECT_EQ(x.dtype(), kFloat32);
    EXPECT_TRUE(x.device() == Device::cpu());
    EXPECT_TRUE(x.is_cpu());
    EXPECT_TRUE(x.is_floating_point());
    EXPECT_EQ(x.storage_offset(), 0);
    EXPECT_EQ(x.storage()->nbytes(), 96u);
    EXPECT_EQ(x.select(1, 2).storage_offset(), 8);
    Tensor y = x;  // a handle copy is the same tensor
    EXPECT_TRUE(y.is_same(x));
    EXPECT_FALSE(x.clone().is_same(x));
    EXPECT_ERROR(x.size(3), "size", "out of range");
    EXPECT_ERROR(scalar_tensor(1.0).size(0), "size", "no dimensions");
    // 64-byte aligned storage.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(zeros({3}).data_ptr()) % 64, 0u);
}

// ---- element access --------------------------------------------------------------------------------------
TEST(Tensor, ItemAtToVector) {
    EXPECT_EQ(tensor({2.5}).item<double>(), 2.5);
    EXPECT_EQ(scalar_tensor(7).item<int64_t>(), 7);
    EXPECT_EQ(scalar_tensor(7).item().kind(), Scalar::Kind::Int);
    EXPECT_EQ(scalar_tensor(7.5).item().kind(), Scalar::Kind::Float);
    EXPECT_EQ(tensor({true}).item().kind(), Scalar::Kind::Bool);
    EXPECT_EQ(zeros({1, 1, 1}).item<float>(), 0.0f);
    EXPECT_ERROR(zeros({2}).item(), "item", "2 elements", "[2]");
    EXPECT_ERROR(zeros({0}).item(), "item", "0 elements");

    Tensor m = arange(6).reshape({2, 3});
    EXPECT_EQ(m.at<int64_t>({1, 2}), 5);
    EXPECT_EQ(m.at<int64_t>({-1, -3}), 3);
    EXPECT_EQ(m.at<double>({0, 1}), 1.0);
    EXPECT_EQ(m.t().at<int64_t>({2, 1}), 5);
    EXPECT_ERROR(m.at<int64_t>({2, 0}), "at", "index 2 is out of bounds for dim 0 with size 2");
    EXPECT_ERROR(m.at<int64_t>({0}), "at", "expected 2 indices");

    EXPECT_EQ(m.t().to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
    EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(zeros({0, 3}).to_vector<float>().size(), 0u);
    // An undefined tensor (here the grad of a tensor before any backward) is an Error, not a crash.
    Tensor w = zeros({2}).requires_grad_();
    EXPECT_ERROR(w.grad().to_vector<float>(), "detach", "undefined", "grad()");
    EXPECT_ERROR(Tensor().detach(), "detach", "undefined");
    EXPECT_ERROR(Tensor().item(), "item");

    Tensor f = tensor({1.0f, 2.0f});
    EXPECT_EQ(f.data_ptr<float>()[1], 2.0f);
    EXPECT_ERROR(f.data_ptr<double>(), "data_ptr", "requested a float64 pointer to a tensor of dtype float32");
    EXPECT_EQ(f.slice(0, 1).data_ptr<float>(), f.data_ptr<float>() + 1);
}

// ---- conversions ------------------------------------------------------------------------------------------
TEST(Tensor, ToDtype) {
    Tensor f = tensor({2.7, -2.7, 0.5, -0.5, 1e30});
    EXPECT_EQ(f.to(kInt64).to_vector<int64_t>(),
              (std::vector<int64_t>{2, -2, 0, 0, std::numeric_limits<int64_t>::max()}));  // truncation; saturation
    EXPECT_EQ(f.to(kInt32).to_vector<int32_t>()[4], std::numeric_limits<int32_t>::max());
    // NaN and infinities to integers are defined in tinydl (PyTorch leaves them undefined).
    Tensor special = tensor({std::nan(""), HUGE_VAL, -HUGE_VAL});
    EXPECT_EQ(special.to(kInt64).to_vector<int64_t>(),
              (std::vector<int64_t>{0, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}));
    EXPECT_EQ(special.to(kUInt8).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 255, 0}));
    EXPECT_EQ(tensor({0.0, -0.5, 2.0}).to(kBool).to_vector<bool>(), (std::vector<bool>{false, true, true}));
    EXPECT_EQ(tensor({true, false}).to(kFloat32).to_vector<float>(), (std::vector<float>{1, 0}));
    EXPECT_EQ(tensor({300, -1}).to(kUInt8).to_vector<uint8_t>(), (std::vector<uint8_t>{44, 255}));  // wraps
    EXPECT_EQ(tensor({0.1}).to(kFloat32).item<float>(), 0.1f);
    // Same dtype: the same tensor, not a copy; a strided source converts element by element.
    Tensor g = tensor({1.0f});
    EXPECT_TRUE(g.to(kFloat32).is_same(g));
    Tensor strided = arange(10).slice(0, 1, std::nullopt, 3);
    EXPECT_EQ(strided.to(kFloat64).to_vector<double>(), (std::vector<double>{1, 4, 7}));
    // The gradient goes back in the source's dtype.
    Tensor x = tensor({1.0f, 2.0f}).requires_grad_(true);
    Tensor y = x.to(kFloat64) * tensor({3.0, 4.0});
    EXPECT_STREQ(y.grad_fn()->next_edges[0].node->name(), "ToCopyBackward0");
    y.sum().backward();
    EXPECT_EQ(x.grad().dtype(), kFloat32);
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{3, 4}));
    // Casting to an integer type cuts the graph.
    EXPECT_FALSE(x.to(kInt64).requires_grad());
}

TEST(Tensor, CopyFillZero) {
    Tensor x = zeros({2, 3});
    x.copy_(tensor({1.0, 2.0, 3.0}));  // broadcast and cast
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
    x.fill_(2.5);
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>(6, 2.5f)));
    x.zero_();
    EXPECT_EQ(x.sum().item<float>(), 0.0f);
    Tensor i = zeros({2}, kInt64);
    i.fill_(3.9);
    EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{3, 3}));
    EXPECT_ERROR(x.copy_(zeros({4})), "copy_", "[4]", "[2, 3]");
    // copy_ into a strided view writes only the view.
    Tensor base = zeros({2, 4});
    base.slice(1, 1, std::nullopt, 2).copy_(ones({2, 2}));
    EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{0, 1, 0, 1, 0, 1, 0, 1}));
}

// ---- threads ----------------------------------------------------------------------------------------------
TEST(Threads, SetGetAndSameResults) {
    const int before = get_num_threads();
    EXPECT_GE(before, 1);
    EXPECT_ERROR(set_num_threads(0), "set_num_threads", "got 0");

    manual_seed(5);
    Tensor a = randn({300, 700});  // 210k elements: several parallel chunks
    Tensor b = randn({700});
    auto compute = [&] { return (tanh(a * 1.5 + b) * a.t().contiguous().t()).exp(); };
    set_num_threads(1);
    EXPECT_EQ(get_num_threads(), 1);
    Tensor one = compute();
    Tensor one_strided = sigmoid(a.t());
    set_num_threads(2);
    EXPECT_EQ(get_num_threads(), 2);
    Tensor two = compute();
    Tensor two_strided = sigmoid(a.t());
    set_num_threads(before);
    EXPECT_EQ(one.to_vector<float>(), two.to_vector<float>());  // bit for bit
    EXPECT_EQ(one_strided.to_vector<float>(), two_strided.to_vector<float>());
    EXPECT_EQ(get_num_threads(), before);
}

TEST(Threads, ParallelForCoversTheRangeOnce) {
    const int before = get_num_threads();
    set_num_threads(2);
    std::vector<int> hits(100000, 0);
    parallel_for(0, static_cast<int64_t>(hits.size()), 1000, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[i] += 1;
    });
    set_num_threads(before);
    for (int h : hits) ASSERT_EQ(h, 1);
    // An exception in a chunk reaches the caller.
    set_num_threads(2);
    EXPECT_THROW(parallel_for(0, 100000, 1000, [](int64_t, int64_t) { throw Error("boom"); }), Error);
    set_num_threads(before);
}

}  // namespace
}  // namespace tinydl
