// loss.cpp — the loss functions of nn::functional (include/tinydl/nn/functional_loss.h).
//
// Two kinds:
//   * Class-index losses (cross_entropy, nll_loss) get dedicated kernels (src/cpu/loss.cpp and
//     src/cuda/loss.cu): cross entropy fuses log_softmax and NLL, so it never materialises
//     log-probabilities, and its backward writes softmax(x) - onehot(t) straight into the
//     gradient. Targets are checked on the host before any kernel runs, on the CPU copy of them
//     for CUDA tensors (Note [Checked class indices]).
//   * Everything else (probability targets, mse, l1, smooth_l1, huber, bce with logits, kl_div)
//     is a composition of tinydl ops and gets its gradient, double backward and every device for
//     free. binary_cross_entropy composes its forward but has its own backward node, to give
//     PyTorch's gradient at x = 0 and 1, where the clamped logs would otherwise make 0 * inf.
//
// Note [Double backward of the fused losses]: the fused backward kernels compute numbers, not a
// graph. When backward runs with create_graph (grad mode on inside the engine), the backward
// nodes use a composite formula written with tinydl ops instead (softmax, one-hot by comparison
// with arange, where), which gives the same values and can be differentiated again.
//
// Shapes (class losses): input [C], [N, C] or [N, C, d1, ...]; seen by the kernels as a
// contiguous [A, C, B] block with A = N, B = d1 * d2 * ...; target [], [N] or [N, d1, ...]
// (A * B values); weight [C]. Elementwise losses: input and target broadcast.
#include <cmath>
#include <vector>

#include "src/cpu/loss.h"
#include "src/cuda/loss.h"
#include "src/ops/op_utils.h"
#include "tinydl/factory.h"
#include "tinydl/nn/functional_loss.h"

namespace tinydl::nn {

const char* reduction_name(Reduction reduction) {
    switch (reduction) {
        case Reduction::None: return "none";
        case Reduction::Mean: return "mean";
        case Reduction::Sum: return "sum";
        case Reduction::BatchMean: return "batchmean";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& out, Reduction reduction) { return out << reduction_name(reduction); }

namespace functional {

namespace {

const KernelTable<CrossEntropyForwardKernel> cross_entropy_forward_kernels{
    "cross_entropy", cpu::cross_entropy_forward, TINYDL_IF_CUDA(cuda::cross_entropy_forward)};
const KernelTable<CrossEntropyBackwardKernel> cross_entropy_backward_kernels{
    "cross_entropy", cpu::cross_entropy_backward, TINYDL_IF_CUDA(cuda::cross_entropy_backward)};
const KernelTable<NllLossForwardKernel> nll_loss_forward_kernels{"nll_loss", cpu::nll_loss_forward,
                                                                 TINYDL_IF_CUDA(cuda::nll_loss_forward)};
const KernelTable<NllLossBackwardKernel> nll_loss_backward_kernels{"nll_loss", cpu::nll_loss_backward,
                                                                   TINYDL_IF_CUDA(cuda::nll_loss_backward)};

// ---- shared helpers --------------------------------------------------------------------------------
// BatchMean belongs to kl_div alone.
void check_reduction(const char* op, Reduction reduction) {
    TINYDL_CHECK(reduction != Reduction::BatchMean, op,
                 "reduction 'batchmean' is only valid for kl_div; use Reduction::Mean, Sum or None");
}

void check_input(const char* op, const Tensor& input, const Tensor& target) {
    detail::check_defined(op, input);
    detail::check_defined(op, target, "target");
    TINYDL_CHECK_TYPE(input.is_floating_point(), op, "expected a floating-point input, got ", input.dtype(),
                      " (shape ", input.sizes(), "); convert it with .to(kFloat32)");
    detail::check_same_device(op, input, target);
}

void check_optional_device(const char* op, const Tensor& input, const Tensor& t) {
    if (t.defined()) detail::check_same_device(op, input, t);
}

// Elementwise losses combine per-element values as `reduction` says.
Tensor reduce_loss(const Tensor& loss, Reduction reduction) {
    switch (reduction) {
        case Reduction::None: return loss;
        case Reduction::Sum: return sum(loss);
        case Reduction::Mean: return mean(loss);
        case Reduction::BatchMean: break;
    }
    TINYDL_ASSERT(false, "reduction ", reduction_name(reduction), " reached reduce_loss");
    return loss;
}

// The [numel] flat view of a contiguous tensor, as the class-loss kernels index it.
TensorView flat_view(const Tensor& t) {
    TensorView v = view_of(t);
    v.sizes = DimVector{t.numel()};
    v.strides = DimVector{1};
    return v;
}
// A weight view with no data means "every weight is 1" to the kernels.
TensorView optional_view(const Tensor& t) { return t.defined() ? view_of(t) : TensorView{}; }

// ---- class-index losses: checks ----------------------------------------------------------------------
// Everything cross_entropy and nll_loss share, after the checks.
struct ClassLoss {
    ClassLossParams params;
    DimVector target_shape;     // input's shape without the class dim
    Tensor input;               // contiguous
    Tensor target;              // contiguous int64, [A * B]
    Tensor weight;              // contiguous [C] of input's dtype, or undefined
    double total_weight = 0.0;  // sum of w[t_i] over the targets that are not ignored
    double weight_sum = 0.0;    // sum_c w_c (C without a weight)
};

// Note [Checked class indices]: a target outside [0, C) would make the kernel read out of
// bounds. PyTorch checks it inside the kernel (on CUDA: an asynchronous device assert that
// poisons the context); tinydl reads the targets on the host first, and on the way sums the
// weights that reduction Mean divides by.
ClassLoss prepare_class_loss(const char* op, const Tensor& input, const Tensor& target, const Tensor& weight,
                             int64_t ignore_index) {
    TINYDL_CHECK_SHAPE(input.dim() >= 1, op, "expected input of shape [C], [N, C] or [N, C, d1, ...], got ",
                       input.sizes());
    TINYDL_CHECK_TYPE(target.dtype() == kInt64 || target.dtype() == kInt32, op,
                      "expected a target of class indices with dtype int64, got ", target.dtype(), " (shape ",
                      target.sizes(), ")",
                      target.is_floating_point() ? "; class probabilities must have the input's shape " : "",
                      target.is_floating_point() ? shape_str(input.sizes()) : "");
    ClassLoss cl;
    ClassLossParams& p = cl.params;
    p.ignore_index = ignore_index;
    if (input.dim() == 1) {
        p.C = input.size(0);
    } else {
        p.A = input.size(0);
        p.C = input.size(1);
        cl.target_shape.push_back(p.A);
        for (int64_t d = 2; d < input.dim(); ++d) {
            p.B *= input.size(d);
            cl.target_shape.push_back(input.size(d));
        }
    }
    TINYDL_CHECK_SHAPE(target.sizes() == IntArrayRef(cl.target_shape), op, "expected target of shape ",
                       cl.target_shape, " for input ", input.sizes(), ", got ", target.sizes());
    const DType dtype = input.dtype();
    if (weight.defined()) {
        detail::check_same_device(op, input, weight);
        TINYDL_CHECK_SHAPE(weight.dim() == 1 && weight.numel() == p.C, op,
                           "weight tensor should be defined either for all ", p.C,
                           " classes or no classes but got weight tensor of shape: ", weight.sizes());
        cl.weight = detail::contiguous_raw(detail::to_raw(weight, dtype));
    }
    cl.input = detail::contiguous_raw(input);
    cl.target = detail::contiguous_raw(detail::to_raw(target, kInt64));

    // The host pass: bounds, and the total weight.
    const Tensor host_target = cl.target.is_cpu() ? cl.target : cl.target.cpu();
    const int64_t* t = host_target.data_ptr<int64_t>();
    std::vector<double> w;
    if (cl.weight.defined()) w = cl.weight.to_vector<double>();
    for (int64_t i = 0; i < host_target.numel(); ++i) {
        if (t[i] == ignore_index) continue;
        TINYDL_CHECK_INDEX(t[i] >= 0 && t[i] < p.C, op, "Target ", t[i], " is out of bounds. Expected a class index in [0, ",
                           p.C, ") (", p.C, " classes) or ignore_index (", ignore_index, ")");
        cl.total_weight += w.empty() ? 1.0 : w[t[i]];
    }
    cl.weight_sum = static_cast<double>(p.C);
    if (!w.empty()) {
        cl.weight_sum = 0.0;
        for (double v : w) cl.weight_sum += v;
    }
    return cl;
}

// The per-row losses `loss` (target's shape) reduced as asked; Mean divides by the total weight.
Tensor reduce_class_loss(const Tensor& loss, Reduction reduction, double total_weight) {
    if (reduction == Reduction::None) return loss;
    if (reduction == Reduction::Sum) return sum(loss);
    return div(sum(loss), total_weight);  // every target ignored: 0 / 0 = NaN, as in PyTorch
}

// The gradient arriving at a class loss's output, as the kernels read it: [A * B] of the input's
// dtype, one value per row (reduction None) or one value for all rows (stride 0).
TensorView grad_loss_view(const Tensor& grad, DType dtype, int64_t rows, Tensor& keep_alive) {
    keep_alive = detail::contiguous_raw(detail::to_raw(grad, dtype));
    TensorView v = view_of(keep_alive);
    v.sizes = DimVector{rows};
    v.strides = DimVector{keep_alive.numel() == 1 && rows != 1 ? 0 : 1};
    return v;
}

// Note [Double backward of the fused losses]: the gradient of cross_entropy (softmax = true) or
// nll_loss (softmax = false) written with tinydl ops, so that it can be differentiated again.
// `input` is the op's input as given (with its graph), `target` the flat int64 targets.
Tensor class_loss_grad_composite(const Tensor& input, const Tensor& target, const Tensor& weight,
                                 const Tensor& grad, const ClassLossParams& p, Reduction reduction,
                                 double total_weight, double weight_sum, bool softmax_of_input) {
    const DType dtype = input.dtype();
    const Tensor t = target.reshape({p.A, 1, p.B});
    const Tensor valid = ne(t, Scalar(p.ignore_index));         // [A, 1, B] bool
    const Tensor t_safe = where(valid, t, Scalar(int64_t{0}));  // ignored rows point at class 0
    const Tensor classes = arange(0, p.C, 1, TensorOptions(kInt64).device(input.device())).reshape({1, p.C, 1});
    const Tensor onehot = eq(t_safe, classes).to(dtype);        // [A, C, B]
    const Tensor valid_f = valid.to(dtype);
    Tensor w_t = valid_f;                                        // w[t_i], 0 where ignored
    if (weight.defined()) w_t = index_select(weight, 0, t_safe.reshape({-1})).reshape({p.A, 1, p.B}) * valid_f;
    Tensor s = grad;  // the upstream gradient per row
    if (reduction == Reduction::None) s = grad.reshape({p.A, 1, p.B});
    else if (reduction == Reduction::Mean) s = grad / total_weight;
    Tensor g;
    if (softmax_of_input) {
        const double e = p.label_smoothing, e_c = e / static_cast<double>(p.C);
        const Tensor prob = softmax(input.reshape({p.A, p.C, p.B}), 1);
        g = prob * (w_t * (1 - e) + valid_f * (e_c * weight_sum)) - onehot * w_t * (1 - e);
        if (e > 0) {
            const Tensor w_c = weight.defined() ? weight.reshape({1, p.C, 1}) : ones({1, p.C, 1}, TensorOptions(dtype).device(input.device()));
            g = g - w_c * valid_f * e_c;
        }
    } else {
        g = -(onehot * w_t);
    }
    // Ignored rows are 0 even when s is not finite (Mean with every target ignored).
    return where(valid, g * s, Scalar(0.0)).reshape(input.sizes());
}

// ---- class-index losses: backward nodes ------------------------------------------------------------
struct ClassLossBackward : Node {
    SavedVariable input{this};   // as given, for the composite path's graph
    SavedVariable target{this};  // contiguous int64 [A * B]
    SavedVariable weight{this};  // contiguous [C] of input's dtype, or undefined
    ClassLossParams params;
    Reduction reduction = Reduction::Mean;
    double total_weight = 0.0, weight_sum = 0.0;
    DimVector input_shape;
};

struct CrossEntropyBackward : ClassLossBackward {
    Tensor lse;  // [A * B] logsumexp of each row, from the forward kernel (no graph)
    const char* name() const override { return "CrossEntropyLossBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor x = input.unpack();
        if (GradMode::is_enabled())  // create_graph: see Note [Double backward of the fused losses]
            return {class_loss_grad_composite(x, target.unpack(), weight.unpack(), grads[0], params, reduction,
                                              total_weight, weight_sum, /*softmax_of_input=*/true)};
        const Tensor xc = detail::contiguous_raw(x);
        Tensor grad_x = detail::empty_raw(input_shape, x.dtype(), x.device());
        if (grad_x.numel() == 0) return {grad_x};
        Tensor g;
        const TensorView g_view = grad_loss_view(grads[0], x.dtype(), params.A * params.B, g);
        const Tensor t = target.unpack(), w = weight.unpack();
        cross_entropy_backward_kernels.get(x.device())(view_of(grad_x), g_view, view_of(xc), flat_view(lse),
                                                       flat_view(t), optional_view(w), params);
        return {grad_x};
    }
};

struct NllLossBackward : ClassLossBackward {
    const char* name() const override { return "NllLossBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor x = input.unpack();
        if (GradMode::is_enabled())
            return {class_loss_grad_composite(x, target.unpack(), weight.unpack(), grads[0], params, reduction,
                                              total_weight, weight_sum, /*softmax_of_input=*/false)};
        Tensor grad_x = detail::empty_raw(input_shape, x.dtype(), x.device());
        if (grad_x.numel() == 0) return {grad_x};
        Tensor g;
        const TensorView g_view = grad_loss_view(grads[0], x.dtype(), params.A * params.B, g);
        const Tensor t = target.unpack(), w = weight.unpack();
        nll_loss_backward_kernels.get(x.device())(view_of(grad_x), g_view, flat_view(t), optional_view(w), params);
        return {grad_x};
    }
};

template <typename N>
void record_class_loss(const std::shared_ptr<N>& node, const Tensor& input, const ClassLoss& cl, Reduction reduction) {
    node->input.save(input);
    node->target.save(cl.target);
    node->weight.save(cl.weight);
    node->params = cl.params;
    node->params.grad_scale = reduction == Reduction::Mean ? 1.0 / cl.total_weight : 1.0;
    node->reduction = reduction;
    node->total_weight = cl.total_weight;
    node->weight_sum = cl.weight_sum;
    node->input_shape = DimVector(input.sizes());
}

// ---- cross entropy with class probabilities (composite) ----------------------------------------------
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const Tensor& weight,
                                   Reduction reduction, double label_smoothing) {
    const char* op = "cross_entropy";
    TINYDL_CHECK_TYPE(target.is_floating_point(), op,
                      "expected a floating-point target of class probabilities (it has the input's shape ",
                      input.sizes(), "), got ", target.dtype(),
                      "; a target of class indices has the input's shape without the class dim");
    const int64_t class_dim = input.dim() == 1 ? 0 : 1;
    const int64_t C = input.size(class_dim);
    Tensor prob = target;
    if (label_smoothing > 0) prob = target * (1 - label_smoothing) + label_smoothing / static_cast<double>(C);
    Tensor terms = log_softmax(input, class_dim) * prob;  // input's shape
    if (weight.defined()) {
        TINYDL_CHECK_SHAPE(weight.dim() == 1 && weight.numel() == C, op,
                           "weight tensor should be defined either for all ", C,
                           " classes or no classes but got weight tensor of shape: ", weight.sizes());
        DimVector w_shape(input.dim() - class_dim, 1);  // [C, 1, 1, ...]: broadcasts along the class dim
        w_shape[0] = C;
        terms = terms * weight.reshape(w_shape);
    }
    const Tensor loss = -sum(terms, {class_dim});  // one value per row
    if (reduction == Reduction::None) return loss;
    if (reduction == Reduction::Sum) return sum(loss);
    // Mean over rows, not over weights (PyTorch); no rows: 0 / 0 = NaN.
    return sum(loss) / (static_cast<double>(input.numel()) / static_cast<double>(C));
}

// ---- binary cross entropy ------------------------------------------------------------------------------
// loss = -w (t log x + (1 - t) log(1 - x)). PyTorch's gradient divides by x (1 - x) clamped
// to 1e-12, which stays finite at x = 0 and x = 1 where the clamped logs have no derivative.
struct BinaryCrossEntropyBackward : Node {
    SavedVariable input{this}, target{this}, weight{this};
    const char* name() const override { return "BinaryCrossEntropyBackward0"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor& g = grads[0];
        const Tensor x = input.unpack(), t = target.unpack(), w = weight.unpack();
        const Tensor gw = w.defined() ? g * w : g;
        Tensor grad_x, grad_t;
        if (next_edges[0].valid()) grad_x = gw * (x - t) / (x * (1 - x)).clamp_min(1e-12);
        if (next_edges[1].valid())
            grad_t = detail::reduce_grad(gw * (log1p(-x) - log(x)), t.sizes(), t.dtype());  // -logit(x)
        return {grad_x, grad_t};
    }
};

}  // namespace

// ---- the public functions ------------------------------------------------------------------------------
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                     Reduction reduction, double label_smoothing) {
    const char* op = "cross_entropy";
    check_input(op, input, target);
    check_optional_device(op, input, weight);
    check_reduction(op, reduction);
    TINYDL_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
                 "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
    TINYDL_CHECK_SHAPE(input.dim() >= 1, op, "expected input of shape [C], [N, C] or [N, C, d1, ...], got ",
                       input.sizes());
    // Same shape as the input: class probabilities (PyTorch's rule).
    if (target.sizes() == input.sizes())
        return cross_entropy_probabilities(input, target, weight, reduction, label_smoothing);

    ClassLoss cl = prepare_class_loss(op, input, target, weight, ignore_index);
    cl.params.label_smoothing = label_smoothing;
    const ClassLossParams& p = cl.params;
    Tensor loss = detail::empty_raw(cl.target_shape, input.dtype(), input.device());
    Tensor lse = detail::empty_raw({p.A * p.B}, input.dtype(), input.device());
    if (loss.numel() > 0)
        cross_entropy_forward_kernels.get(input.device())(flat_view(loss), flat_view(lse), view_of(cl.input),
                                                          flat_view(cl.target), optional_view(cl.weight), p);
    Tensor out = reduce_class_loss(loss, reduction, cl.total_weight);
    if (autograd::should_record(input)) {
        auto node = autograd::make_node<CrossEntropyBackward>(input);
        record_class_loss(node, input, cl, reduction);
        node->lse = lse;
        autograd::set_history(out, node);
    }
    return out;
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                Reduction reduction) {
    const char* op = "nll_loss";
    check_input(op, input, target);
    check_optional_device(op, input, weight);
    check_reduction(op, reduction);
    ClassLoss cl = prepare_class_loss(op, input, target, weight, ignore_index);
    Tensor loss = detail::empty_raw(cl.target_shape, input.dtype(), input.device());
    if (loss.numel() > 0)
        nll_loss_forward_kernels.get(input.device())(flat_view(loss), view_of(cl.input), flat_view(cl.target),
                                                     optional_view(cl.weight), cl.params);
    Tensor out = reduce_class_loss(loss, reduction, cl.total_weight);
    if (autograd::should_record(input)) {
        auto node = autograd::make_node<NllLossBackward>(input);
        record_class_loss(node, input, cl, reduction);
        autograd::set_history(out, node);
    }
    return out;
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
    const char* op = "binary_cross_entropy";
    check_input(op, input, target);
    check_optional_device(op, input, weight);
    check_reduction(op, reduction);
    TINYDL_CHECK_SHAPE(target.sizes() == input.sizes(), op, "target size ", target.sizes(),
                       " is different to the input size ", input.sizes(), "; please ensure they have the same size");
    if (weight.defined())
        TINYDL_CHECK_SHAPE(broadcast_shapes(weight.sizes(), input.sizes(), op) == DimVector(input.sizes()), op,
                           "weight of shape ", weight.sizes(), " does not broadcast to the input's shape ",
                           input.sizes());
    Tensor loss;
    {
        NoGradGuard no_grad;  // forward values only; BinaryCrossEntropyBackward gives the gradient
        const Tensor outside = logical_not(logical_and(ge(input, 0), le(input, 1)));  // NaN counts as outside
        TINYDL_CHECK(sum(outside).item<int64_t>() == 0, op, "all elements of input should be between 0 and 1");
        // Each log is clamped to >= -100, so x = 0 or 1 gives a finite loss (PyTorch).
        loss = (target - 1) * log1p(-input).clamp_min(-100) - target * log(input).clamp_min(-100);
        if (weight.defined()) loss = loss * weight;
    }
    if (autograd::should_record(input, target)) {
        auto node = autograd::make_node<BinaryCrossEntropyBackward>(input, target);
        node->input.save(input);
        node->target.save(target);
        node->weight.save(weight.defined() ? weight.detach() : weight);  // no gradient for weight (PyTorch)
        autograd::set_history(loss, node);
    }
    return reduce_loss(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
    const char* op = "binary_cross_entropy_with_logits";
    check_input(op, input, target);
    check_optional_device(op, input, weight);
    check_optional_device(op, input, pos_weight);
    check_reduction(op, reduction);
    TINYDL_CHECK_SHAPE(target.sizes() == input.sizes(), op, "Target size (", target.sizes(),
                       ") must be the same as input size (", input.sizes(), ")");
    // weight and pos_weight may broadcast, but not beyond the input's shape.
    for (const Tensor* w : {&weight, &pos_weight})
        if (w->defined())
            TINYDL_CHECK_SHAPE(broadcast_shapes(w->sizes(), input.sizes(), op) == DimVector(input.sizes()), op,
                               w == &weight ? "weight" : "pos_weight", " of shape ", w->sizes(),
                               " does not broadcast to the input's shape ", input.sizes());
    // softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)): no overflow for any x, and
    // its gradient -sigmoid(-x) is right at x = 0 too (a max/abs composition would give 0 there).
    Tensor log_sigmoid_neg = softplus(-input);  // -log(sigmoid(x))
    if (pos_weight.defined()) {
        const Tensor log_weight = (pos_weight - 1) * target + 1;  // 1 for negatives, pos_weight for positives
        log_sigmoid_neg = log_weight * log_sigmoid_neg;
    }
    Tensor loss = (1 - target) * input + log_sigmoid_neg;
    if (weight.defined()) loss = loss * weight;
    return reduce_loss(loss, reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
    const char* op = "kl_div";
    check_input(op, input, target);
    broadcast_shapes(input.sizes(), target.sizes(), op);
    Tensor loss;
    if (log_target) {
        loss = exp(target) * (target - input);
    } else {
        // t log t is 0 at t = 0 (xlogy): log(1) there keeps both the value and its gradient finite.
        loss = target * (log(where(eq(target, 0), Scalar(1.0), target)) - input);
    }
    if (reduction == Reduction::BatchMean)  // the true KL divergence per sample
        return input.dim() == 0 ? sum(loss) : sum(loss) / static_cast<double>(input.size(0));
    return reduce_loss(loss, reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    const char* op = "mse_loss";
    check_input(op, input, target);
    check_reduction(op, reduction);
    broadcast_shapes(input.sizes(), target.sizes(), op);
    const Tensor diff = input - target;
    return reduce_loss(diff * diff, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    const char* op = "l1_loss";
    check_input(op, input, target);
    check_reduction(op, reduction);
    broadcast_shapes(input.sizes(), target.sizes(), op);
    return reduce_loss(abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
    const char* op = "smooth_l1_loss";
    check_input(op, input, target);
    check_reduction(op, reduction);
    TINYDL_CHECK(beta >= 0, op, "smooth_l1_loss does not support negative values for beta (got ", beta, ")");
    broadcast_shapes(input.sizes(), target.sizes(), op);
    if (beta == 0.0) return l1_loss(input, target, reduction);  // the quadratic part vanishes (PyTorch)
    const Tensor diff = input - target;
    const Tensor z = abs(diff);
    return reduce_loss(where(lt(z, beta), diff * diff * (0.5 / beta), z - 0.5 * beta), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
    const char* op = "huber_loss";
    check_input(op, input, target);
    check_reduction(op, reduction);
    TINYDL_CHECK(delta > 0, op, "huber_loss does not support non-positive values for delta (got ", delta, ")");
    broadcast_shapes(input.sizes(), target.sizes(), op);
    const Tensor diff = input - target;
    const Tensor z = abs(diff);
    return reduce_loss(where(lt(z, delta), diff * diff * 0.5, (z - 0.5 * delta) * delta), reduction);
}

}  // namespace functional
}  // namespace tinydl::nn
