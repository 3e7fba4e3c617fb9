// test_print.cpp — `std::cout << t` (src/core/print.cpp): PyTorch's element layout followed by
// tinydl's ", shape=[...], dtype=..., device=..." and the autograd suffix.
//
// Exact strings for small tensors: whole floats print as "1.", others with 4 decimals, wide
// ranges in scientific notation, integers and bools as they are, all right-aligned to one
// width; tensors above 1000 elements are summarised with "...".
#include <sstream>
#include <string>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
    return n;
}

TEST(Print, FloatFormats) {
    EXPECT_EQ(tensor({1.0f, 2.0f}).str(), "tensor([1., 2.], shape=[2], dtype=float32, device=cpu)");
    EXPECT_EQ(tensor({-1.0f, 20.0f}).str(), "tensor([-1., 20.], shape=[2], dtype=float32, device=cpu)");
    EXPECT_EQ(tensor({1.5f, -2.25f}).str(), "tensor([ 1.5000, -2.2500], shape=[2], dtype=float32, device=cpu)");
    EXPECT_EQ(tensor({0.12345, 1.0}).str(), "tensor([0.1235, 1.0000], shape=[2], dtype=float64, device=cpu)");
    // Magnitudes spanning more than 1000x switch to scientific notation.
    EXPECT_EQ(tensor({1e-5, 1.0}).str(), "tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float64, device=cpu)");
    EXPECT_EQ(tensor({1e9f}).str(), "tensor([1.0000e+09], shape=[1], dtype=float32, device=cpu)");
    EXPECT_EQ(tensor({std::nan(""), HUGE_VAL, 1.5}).str(),
              "tensor([   nan,    inf, 1.5000], shape=[3], dtype=float64, device=cpu)");
    EXPECT_EQ(tensor({-HUGE_VAL, 0.0}).str(), "tensor([-inf,   0.], shape=[2], dtype=float64, device=cpu)");
}

TEST(Print, IntegersAndBools) {
    EXPECT_EQ(tensor({1, -20, 300}).str(), "tensor([  1, -20, 300], shape=[3], dtype=int64, device=cpu)");
    EXPECT_EQ(tensor({7}, kInt32).str(), "tensor([7], shape=[1], dtype=int32, device=cpu)");
    EXPECT_EQ(tensor({255}, kUInt8).str(), "tensor([255], shape=[1], dtype=uint8, device=cpu)");
    EXPECT_EQ(tensor({true, false}).str(), "tensor([ True, False], shape=[2], dtype=bool, device=cpu)");
}

TEST(Print, ZeroDimAndEmpty) {
    EXPECT_EQ(scalar_tensor(3.0).str(), "tensor(3., shape=[], dtype=float32, device=cpu)");
    EXPECT_EQ(scalar_tensor(2.5, kFloat64).str(), "tensor(2.5000, shape=[], dtype=float64, device=cpu)");
    EXPECT_EQ(scalar_tensor(-4).str(), "tensor(-4, shape=[], dtype=int64, device=cpu)");
    EXPECT_EQ(scalar_tensor(true).str(), "tensor(True, shape=[], dtype=bool, device=cpu)");
    EXPECT_EQ(zeros({0}).str(), "tensor([], shape=[0], dtype=float32, device=cpu)");
    EXPECT_EQ(Tensor().str(), "tensor(undefined)");
}

TEST(Print, Matrices) {
    EXPECT_EQ(tensor({{1.0, 2.0}, {3.0, 4.0}}).str(),
              "tensor([[1., 2.],\n"
              "        [3., 4.]], shape=[2, 2], dtype=float64, device=cpu)");
    // One width for all elements; a strided view prints its logical order.
    EXPECT_EQ(tensor({{1.0, -2.5}, {30.0, 4.0}}).t().str(),
              "tensor([[ 1.0000, 30.0000],\n"
              "        [-2.5000,  4.0000]], shape=[2, 2], dtype=float64, device=cpu)");
    EXPECT_EQ(arange(4).reshape({2, 1, 2}).str(),
              "tensor([[[0, 1]],\n"
              "\n"
              "        [[2, 3]]], shape=[2, 1, 2], dtype=int64, device=cpu)");
}

TEST(Print, AutogradSuffix) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_(true);
    EXPECT_EQ(x.str(), "tensor([1., 2.], shape=[2], dtype=float64, device=cpu, requires_grad=True)");
    EXPECT_EQ((x * 2).str(), "tensor([2., 4.], shape=[2], dtype=float64, device=cpu, grad_fn=<MulBackward0>)");
    EXPECT_EQ(x.sum().str(), "tensor(3., shape=[], dtype=float64, device=cpu, grad_fn=<SumBackward0>)");
    EXPECT_EQ(x.detach().str(), "tensor([1., 2.], shape=[2], dtype=float64, device=cpu)");
    // Printing reads no gradient state and records nothing.
    Tensor y = x * 3;
    const std::string s = y.str();
    EXPECT_EQ(y.grad_fn()->name(), std::string("MulBackward0"));
    EXPECT_NE(s.find("grad_fn=<MulBackward0>"), std::string::npos);
}

TEST(Print, StreamOperatorMatchesStr) {
    Tensor t = tensor({1.5f});
    std::ostringstream out;
    out << t;
    EXPECT_EQ(out.str(), t.str());
}

TEST(Print, SummarisesLargeTensors) {
    // 2000 elements: first and last three with "..." between; 0..1999 spans > 1000x: scientific.
    const std::string s = arange(2000, kFloat32).str();
    EXPECT_EQ(s, "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03, 1.9980e+03, 1.9990e+03], "
                 "shape=[2000], dtype=float32, device=cpu)");
    // 2-D: rows and columns are both cut.
    const std::string m = arange(2000).reshape({100, 20}).str();
    EXPECT_EQ(m,
              "tensor([[   0,    1,    2, ...,   17,   18,   19],\n"
              "        [  20,   21,   22, ...,   37,   38,   39],\n"
              "        [  40,   41,   42, ...,   57,   58,   59],\n"
              "        ...,\n"
              "        [1940, 1941, 1942, ..., 1957, 1958, 1959],\n"
              "        [1960, 1961, 1962, ..., 1977, 1978, 1979],\n"
              "        [1980, 1981, 1982, ..., 1997, 1998, 1999]], shape=[100, 20], dtype=int64, device=cpu)");
    EXPECT_EQ(count(m, "..."), 7u);
    // 1000 elements or fewer are printed in full.
    EXPECT_EQ(count(arange(1000).str(), "..."), 0u);
}

}  // namespace
}  // namespace tinydl
