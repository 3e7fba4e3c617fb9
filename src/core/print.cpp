// print.cpp — `std::cout << t`, in PyTorch's layout:
//
//   tensor([[ 0.1940,  2.1614],
//           [-0.1721,  0.8491]], shape=[2, 2], dtype=float32, device=cpu, grad_fn=<MulBackward0>)
//
// All elements share one format (fixed with 4 decimals, "1." for whole numbers, or scientific
// when the magnitudes span too much), right-aligned to one width. Tensors with more than 1000
// elements show the first and last three entries of each dim around "...".
#include <fmt/format.h>

#include <cmath>
#include <ostream>
#include <vector>

#include "tinydl/autograd.h"

namespace tinydl {

namespace {

constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

struct Formatter {
    DType dtype;
    bool whole = true;   // every finite value is an integer
    bool sci = false;
    int width = 1;

    explicit Formatter(DType t, const std::vector<double>& values) : dtype(t) {
        if (!is_floating(t)) {
            for (double v : values) width = std::max<int>(width, static_cast<int>(format(v).size()));
            return;
        }
        double max_abs = 0, min_abs = INFINITY;
        for (double v : values) {
            if (!std::isfinite(v)) continue;
            whole = whole && v == std::nearbyint(v);
            max_abs = std::max(max_abs, std::abs(v));
            if (v != 0) min_abs = std::min(min_abs, std::abs(v));
        }
        // PyTorch's rule: scientific when the range is wide or the numbers very large/small.
        if (max_abs > 0 && min_abs != INFINITY)
            sci = max_abs / min_abs > 1000.0 || max_abs > 1e8 || (!whole && min_abs < 1e-4);
        for (double v : values) width = std::max<int>(width, static_cast<int>(format(v).size()));
    }

    std::string format(double v) const {
        if (dtype == DType::Bool) return v != 0 ? "True" : "False";
        if (!is_floating(dtype)) return fmt::format("{}", static_cast<int64_t>(v));
        if (std::isnan(v)) return "nan";
        if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
        if (sci) return fmt::format("{:.4e}", v);
        if (whole) return fmt::format("{:.0f}.", v);
        return fmt::format("{:.4f}", v);
    }
};

// Appends the elements of `t` (a CPU float64 copy) under index prefix, recursively by dim.
void write_dim(std::string& out, const Tensor& t, const double* data, int64_t dim, int64_t offset,
               const Formatter& f, bool summarize, int indent) {
    const int64_t n = t.size(dim);
    const int64_t stride = t.stride(dim);
    out += '[';
    const bool last_dim = dim == t.dim() - 1;
    for (int64_t i = 0; i < n; ++i) {
        if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
            out += last_dim ? "..., " : fmt::format("...,\n{:{}}", "", indent + 1);
            i = n - kEdgeItems;
        }
        if (last_dim) {
            out += fmt::format("{:>{}}", f.format(data[offset + i * stride]), f.width);
        } else {
            write_dim(out, t, data, dim + 1, offset + i * stride, f, summarize, indent + 1);
        }
        if (i + 1 < n) {
            if (last_dim) out += ", ";
            else out += fmt::format(",{}{:{}}", std::string(t.dim() - dim - 1, '\n'), "", indent + 1);
        }
    }
    out += ']';
}

}  // namespace

std::string Tensor::str() const {
    if (!defined()) return "tensor(undefined)";
    std::string out = "tensor(";
    Tensor host = detach().to(Device::cpu(), kFloat64).contiguous();
    const double* data = host.data_ptr<double>();
    const std::vector<double> values(data, data + host.numel());
    const bool summarize = numel() > kSummarizeAbove;
    const Formatter f(dtype(), values);
    if (dim() == 0) out += f.format(data[0]);
    else write_dim(out, host, data, 0, 0, f, summarize, 7);
    out += fmt::format(", shape={}, dtype={}, device={}", shape_str(sizes()), dtype_name(dtype()), device().str());
    if (grad_fn()) out += fmt::format(", grad_fn=<{}>", grad_fn()->name());
    else if (requires_grad()) out += ", requires_grad=True";
    return out + ")";
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

}  // namespace tinydl
