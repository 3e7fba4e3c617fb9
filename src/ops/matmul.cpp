// matmul.cpp — linear algebra: mm, bmm, and matmul (torch.matmul's rules).
//
// Only mm and bmm run a kernel (src/cpu/matmul.cpp, Eigen; src/cuda/matmul.cu, cuBLAS); matmul
// is a composition of mm, bmm, reshape, expand and unsqueeze, so its gradient, broadcast batch
// dims included, comes from theirs, on either device (STYLE.md §1.3). What this is not: a BLAS.
// There is no addmm/baddbmm (fused C = beta C + alpha A B), no transposed-output trick, no
// integer overflow checks.
//
// Dimension legend: a [M, K] x b [K, N] -> out [M, N]; bmm adds a batch dim B in front;
// matmul's "batch dims" are all but the last two and broadcast against each other.
// g is the incoming gradient, of out's shape.
//
// Read next: src/cpu/matmul.h (Note [GEMM layouts]: which strided inputs need no copy).
#include "src/cpu/matmul.h"

#include "src/cuda/matmul.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"

namespace tinydl {

namespace {
const KernelTable<MatmulKernel> mm_kernels{"mm", cpu::mm, TINYDL_IF_CUDA(cuda::mm)};
const KernelTable<MatmulKernel> bmm_kernels{"bmm", cpu::bmm, TINYDL_IF_CUDA(cuda::bmm)};

bool is_gemm_dtype(DType t) { return t == kFloat32 || t == kFloat64 || t == kInt64 || t == kInt32; }

// Device and dtype agreement, with PyTorch's wording for a dtype mismatch.
void check_operands(const char* op, const Tensor& a, const Tensor& b) {
    detail::check_same_device(op, a, b);
    TINYDL_CHECK_TYPE(a.dtype() == b.dtype(), op,
                      "expected m1 and m2 to have the same dtype, but got: ", a.dtype(), " != ", b.dtype(),
                      " (shapes ", a.sizes(), " and ", b.sizes(), "); convert one with .to()");
    TINYDL_CHECK_TYPE(is_gemm_dtype(a.dtype()), op, "dtype ", a.dtype(),
                      " is not supported (float32, float64, int64 and int32 are)");
}

// The operand as the kernel may read it: t itself when its matrices have a GEMM layout (Note
// [GEMM layouts] in src/cpu/matmul.h), else a contiguous copy.
Tensor gemm_operand(const Tensor& t) {
    const int64_t nd = t.dim();
    if (gemm_layout(t.size(nd - 2), t.size(nd - 1), t.stride(nd - 2), t.stride(nd - 1)).ok) return t;
    return detail::contiguous_raw(t);
}

// Runs a matmul kernel into a new contiguous tensor of `shape`.
Tensor run_gemm(const KernelTable<MatmulKernel>& kernels, const Tensor& a, const Tensor& b,
                IntArrayRef shape) {
    Tensor out = detail::empty_raw(shape, a.dtype(), a.device());
    if (out.numel() > 0)
        kernels.get(a.device())(view_of(out), view_of(gemm_operand(a)), view_of(gemm_operand(b)));
    return out;
}

// True for a matrix stored column by column (a transposed contiguous one, like w.t()).
bool column_major(const Tensor& t) {
    return t.size(0) > 1 && t.size(1) > 1 && t.stride(0) == 1 && t.stride(1) == t.size(0);
}

// out = a b:  grad_a = g b^T,  grad_b = a^T g
// Note [Gradient layout]: each gradient is made in its input's memory layout (PyTorch's
// mm_mat2_backward does the same). Linear computes x w^T, so `b` is w.t(), column-major; a
// row-major grad_b would reach w as a transposed view, and AccumulateGrad would then copy it
// into w's layout every step (15% of an MLP step). (g^T a)^T is the same matrix, born in w's
// layout, for the same GEMM cost.
struct MmBackward : Node {
    SavedVariable a{this}, b{this};
    bool a_column_major = false, b_column_major = false;
    const char* name() const override { return "MmBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        Tensor grad_a, grad_b;
        if (next_edges[0].valid())
            grad_a = a_column_major ? b.unpack().mm(g.t()).t() : g.mm(b.unpack().t());
        if (next_edges[1].valid())
            grad_b = b_column_major ? g.t().mm(a.unpack()).t() : a.unpack().t().mm(g);
        return {grad_a, grad_b};
    }
};

// The same per batch entry, with the matrix dims (1, 2) transposed.
struct BmmBackward : Node {
    SavedVariable a{this}, b{this};
    const char* name() const override { return "BmmBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        Tensor grad_a, grad_b;
        if (next_edges[0].valid()) grad_a = g.bmm(b.unpack().transpose(1, 2));
        if (next_edges[1].valid()) grad_b = a.unpack().transpose(1, 2).bmm(g);
        return {grad_a, grad_b};
    }
};

}  // namespace

// ---- mm and bmm --------------------------------------------------------------------------------
Tensor mm(const Tensor& a, const Tensor& b) {
    detail::check_defined("mm", a, "mat1");
    detail::check_defined("mm", b, "mat2");
    TINYDL_CHECK_SHAPE(a.dim() == 2, "mm", "mat1 must be a matrix (2-D), got shape ", a.sizes());
    TINYDL_CHECK_SHAPE(b.dim() == 2, "mm", "mat2 must be a matrix (2-D), got shape ", b.sizes());
    TINYDL_CHECK_SHAPE(a.size(1) == b.size(0), "mm", "mat1 and mat2 shapes cannot be multiplied (", a.size(0),
                       "x", a.size(1), " and ", b.size(0), "x", b.size(1), "): inner dimensions differ (",
                       a.size(1), " vs ", b.size(0), ")");
    check_operands("mm", a, b);
    Tensor out = run_gemm(mm_kernels, a, b, {a.size(0), b.size(1)});
    if (autograd::should_record(a, b)) {
        auto node = autograd::make_node<MmBackward>(a, b);
        if (node->next_edges[1].valid()) node->a.save(a);  // save only what a needed gradient uses
        if (node->next_edges[0].valid()) node->b.save(b);
        node->a_column_major = column_major(a);
        node->b_column_major = column_major(b);
        autograd::set_history(out, node);
    }
    return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
    detail::check_defined("bmm", a, "batch1");
    detail::check_defined("bmm", b, "batch2");
    TINYDL_CHECK_SHAPE(a.dim() == 3, "bmm", "batch1 must be a 3D tensor [B, M, K], got shape ", a.sizes());
    TINYDL_CHECK_SHAPE(b.dim() == 3, "bmm", "batch2 must be a 3D tensor [B, K, N], got shape ", b.sizes());
    TINYDL_CHECK_SHAPE(a.size(0) == b.size(0) && a.size(2) == b.size(1), "bmm",
                       "expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ",
                       a.size(2), "] but got: [", b.size(0), ", ", b.size(1), "] (batch1 ", a.sizes(),
                       ", batch2 ", b.sizes(), ")");
    check_operands("bmm", a, b);
    Tensor out = run_gemm(bmm_kernels, a, b, {a.size(0), a.size(1), b.size(2)});
    if (autograd::should_record(a, b)) {
        auto node = autograd::make_node<BmmBackward>(a, b);
        if (node->next_edges[1].valid()) node->a.save(a);
        if (node->next_edges[0].valid()) node->b.save(b);
        autograd::set_history(out, node);
    }
    return out;
}

// ---- matmul -------------------------------------------------------------------------------------
namespace {

// "cannot multiply [2, 3] by [4, 5]: inner dimensions differ (3 vs 4)", plus PyTorch's own
// "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)" where matmul is a (folded) mm.
std::string cannot_multiply(const Tensor& a, const Tensor& b, int64_t k_a, int64_t k_b) {
    std::string msg = detail::str("cannot multiply ", a.sizes(), " by ", b.sizes(),
                                  ": inner dimensions differ (", k_a, " vs ", k_b, ")");
    if (a.dim() >= 2 && b.dim() == 2) {
        int64_t rows = 1;  // a folded to [rows, K], as PyTorch reports it
        for (int64_t d = 0; d + 1 < a.dim(); ++d) rows *= a.size(d);
        msg += detail::str("; mat1 and mat2 shapes cannot be multiplied (", rows, "x", k_a, " and ",
                           b.size(0), "x", b.size(1), ")");
    }
    return msg;
}

// True when a [..., M, K] reads as [rows, K] without a copy: all dims but the last merge into
// one, i.e. each steps over the whole of the next (size-1 dims never move, so they are skipped).
bool can_fold(const Tensor& a) {
    int64_t expected = -1;  // stride * size of the nearest inner dim that moves
    for (int64_t d = a.dim() - 2; d >= 0; --d) {
        if (a.size(d) == 1) continue;
        if (expected >= 0 && a.stride(d) != expected) return false;
        expected = a.stride(d) * a.size(d);
    }
    return true;
}

Tensor expand_to(const Tensor& t, IntArrayRef shape) { return t.sizes() == shape ? t : t.expand(shape); }

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    detail::check_defined("matmul", a);
    detail::check_defined("matmul", b, "other");
    const int64_t da = a.dim(), db = b.dim();
    TINYDL_CHECK_SHAPE(da >= 1 && db >= 1, "matmul",
                       "both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db,
                       "D (shapes ", a.sizes(), " and ", b.sizes(), ")");
    const int64_t k_a = a.size(-1);
    const int64_t k_b = db == 1 ? b.size(0) : b.size(-2);
    TINYDL_CHECK_SHAPE(k_a == k_b, "matmul", cannot_multiply(a, b, k_a, k_b));
    check_operands("matmul", a, b);

    // The small cases are one mm each; a 1-D operand becomes a row (left) or a column (right).
    if (da == 1 && db == 1) return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});  // dot product
    if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);                // matrix-vector
    if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);                // vector-matrix
    if (da == 2 && db == 2) return mm(a, b);

    // [..., M, K] x [K, N] (or [K]): fold the batch dims into M, one big mm instead of many small
    // ones. Only when that is a view; otherwise the batched path below copies less.
    if (da >= 3 && db <= 2 && can_fold(a)) {
        DimVector out_shape(a.sizes());
        out_shape.pop_back();
        const int64_t rows = numel_of(out_shape);
        const Tensor out = mm(a.reshape({rows, k_a}), db == 1 ? b.unsqueeze(1) : b);
        if (db == 2) out_shape.push_back(b.size(1));
        return out.reshape(out_shape);
    }

    // General case: broadcast the batch dims, flatten them into one, bmm, and unflatten.
    const Tensor a2 = da == 1 ? a.unsqueeze(0) : a;  // [..., M, K]
    const Tensor b2 = db == 1 ? b.unsqueeze(1) : b;  // [..., K, N]
    const int64_t M = a2.size(-2), N = b2.size(-1);
    const IntArrayRef batch_a(a2.sizes().data(), a2.dim() - 2);
    const IntArrayRef batch_b(b2.sizes().data(), b2.dim() - 2);
    const size_t nb = std::max(batch_a.size(), batch_b.size());
    DimVector batch(nb);
    for (size_t i = 0; i < nb; ++i) {  // aligned from the right, as in broadcasting
        const int64_t sa = i < nb - batch_a.size() ? 1 : batch_a[i - (nb - batch_a.size())];
        const int64_t sb = i < nb - batch_b.size() ? 1 : batch_b[i - (nb - batch_b.size())];
        TINYDL_CHECK_SHAPE(sa == sb || sa == 1 || sb == 1, "matmul", "batch dimensions of ", a.sizes(),
                           " and ", b.sizes(), " do not broadcast: ", batch_a, " vs ", batch_b, " (", sa,
                           " vs ", sb, " at batch dim ", i, ")");
        batch[i] = sa == 1 ? sb : sa;
    }
    const int64_t B = numel_of(batch);
    DimVector a_shape(batch), b_shape(batch);
    a_shape.push_back(M);
    a_shape.push_back(k_a);
    b_shape.push_back(k_a);
    b_shape.push_back(N);
    // A broadcast operand keeps stride 0 over the batch where the flatten allows it, so bmm
    // reads its one matrix B times instead of copying it.
    const Tensor a3 = expand_to(a2, a_shape).reshape({B, M, k_a});
    const Tensor b3 = expand_to(b2, b_shape).reshape({B, k_a, N});
    DimVector out_shape(batch);
    if (da > 1) out_shape.push_back(M);
    if (db > 1) out_shape.push_back(N);
    return bmm(a3, b3).reshape(out_shape);
}

// ---- methods ------------------------------------------------------------------------------------
Tensor Tensor::matmul(const Tensor& other) const { return tinydl::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tinydl::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return tinydl::bmm(*this, other); }

}  // namespace tinydl
