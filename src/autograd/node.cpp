// node.cpp — grad mode, Node, SavedVariable, AccumulateGrad and the gradient edges.
#include <atomic>

#include "src/autograd/record.h"
#include "tinydl/ops.h"

namespace tinydl {

// ---- grad mode ----------------------------------------------------------------------------
namespace {
thread_local bool grad_mode_enabled = true;
std::atomic<uint64_t> next_sequence_nr{0};
}  // namespace

bool GradMode::is_enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

// ---- Node ----------------------------------------------------------------------------------
Node::Node() : sequence_nr(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

// Note [Deep graphs]: a node owns the nodes of its inputs through next_edges, so releasing the
// last handle to a chain of N ops would destroy node N inside node N-1's destructor inside ...,
// N frames deep: a 200k-op chain overflows an 8 MB stack. Instead, each destructor takes the
// input nodes that would die with it (the edge holds their last reference) and destroys them
// in a loop, after first emptying their own edges the same way (PyTorch's deleteNode).
// By the time this body runs, the subclass's saved tensors are gone, so they hold no extra
// references to the input nodes.
Node::~Node() {
    std::vector<std::shared_ptr<Node>> dying;
    auto take_edges = [&dying](std::vector<Edge>& edges) {
        for (Edge& e : edges)
            if (e.node && e.node.use_count() == 1) dying.push_back(std::move(e.node));
        edges.clear();
    };
    take_edges(next_edges);
    while (!dying.empty()) {
        std::shared_ptr<Node> node = std::move(dying.back());
        dying.pop_back();
        take_edges(node->next_edges);
        // `node` is destroyed here, with no edges left to recurse into.
    }
}

void Node::release_saved() {
    for (SavedVariable* s : saved_) s->release();
}

// ---- SavedVariable ---------------------------------------------------------------------------
SavedVariable::SavedVariable(Node* owner) : owner_(owner) { owner->saved_.push_back(this); }

void SavedVariable::save(const Tensor& t, bool is_output) {
    if (!t.defined()) return;
    version_ = t._version();
    is_output_ = is_output;
    // An output is saved by the node that produces it, so it requires grad even when the op
    // saves it before set_history() has marked it.
    requires_grad_ = is_output || t.requires_grad();
    output_nr_ = t.output_nr();
    // See Note [Saving outputs] in autograd.h: an output is kept without its grad_fn.
    data_ = is_output ? t.detach() : t;
}

void SavedVariable::release() {
    if (data_.defined()) released_ = true;
    data_ = Tensor{};
}

Tensor SavedVariable::unpack() const {
    TINYDL_CHECK(!released_, owner_->name(),
                 "trying to backward through the graph a second time (or to use tensors saved for "
                 "backward after they were freed); pass retain_graph=true to the first backward() "
                 "if you need to backward twice");
    if (!data_.defined()) return {};
    TINYDL_CHECK(data_._version() == version_, owner_->name(),
                 "one of the tensors needed for gradient computation has been modified by an in-place "
                 "operation: a ", data_.dtype(), " tensor of shape ", data_.sizes(), " is at version ",
                 data_._version(), "; expected version ", version_,
                 ". Look for an in-place op (add_, mul_, relu_, copy_, ...) on it after this op, or clone() it first");
    if (is_output_ && requires_grad_ && GradMode::is_enabled()) {
        // A higher-order graph needs the output connected to the node that made it.
        auto impl = std::make_shared<TensorImpl>(data_.storage(), data_.sizes(), data_.strides(),
                                                 data_.storage_offset(), data_.dtype());
        Tensor t(std::move(impl));
        autograd::set_history(t, owner_->shared_from_this(), output_nr_, /*forward=*/false);
        return t;
    }
    return data_;
}

// ---- edges -----------------------------------------------------------------------------------
Edge gradient_edge(const Tensor& t) {
    if (!t.defined() || !t.requires_grad()) return {};
    if (t.grad_fn()) return {t.grad_fn(), t.output_nr()};
    // A leaf: its AccumulateGrad node is made once and shared by every op that uses the leaf,
    // so that gradients from all uses meet in one input buffer before touching .grad.
    TensorImpl* impl = t.impl();
    auto acc = impl->grad_accumulator_.lock();
    if (!acc) {
        acc = std::make_shared<autograd::AccumulateGrad>(t.impl_ptr());
        impl->grad_accumulator_ = acc;
    }
    return {acc, 0};
}

namespace autograd {

void set_history(const Tensor& out, std::shared_ptr<Node> node, uint32_t output_nr, bool forward) {
    if (forward && is_anomaly_enabled()) record_anomaly_output(*node, out, output_nr);
    TensorImpl* impl = out.impl();
    impl->grad_fn_ = std::move(node);
    impl->output_nr_ = output_nr;
    impl->requires_grad_ = true;
}

// grad accumulates with +=: two uses of a leaf add their gradients, and so do two backward
// passes, until the optimizer's zero_grad().
std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grad_outputs) {
    Tensor g = std::move(grad_outputs[0]);
    for (const auto& hook : leaf->hooks_) {
        if (!hook) continue;  // removed
        Tensor replaced = hook(g);
        if (replaced.defined()) g = replaced;
    }
    TINYDL_ASSERT(g.sizes() == leaf->sizes(), "gradient of shape ", g.sizes(), " for a leaf of shape ", leaf->sizes());
    Tensor& grad = leaf->grad_;
    if (GradMode::is_enabled()) {  // create_graph: keep the gradient's own history
        grad = grad.defined() ? grad + g : g;
    } else if (!grad.defined()) {
        // Keep g itself when nothing else can see it; else copy, so that a later in-place
        // accumulation cannot write into another tensor (or into an expanded, overlapping view).
        const bool sole_owner = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1;
        grad = (sole_owner && g.is_contiguous()) ? g : g.detach().clone().contiguous();
    } else {
        grad.add_(g);
    }
    return {};
}

void check_inplace(const Tensor& self, const char* op) {
    if (!GradMode::is_enabled()) return;
    TINYDL_CHECK(!(self.is_leaf() && self.requires_grad()), op,
                 "a leaf tensor that requires grad (shape ", self.sizes(),
                 ") is being used in an in-place operation; do it under NoGradGuard (as optimizers do) or on a clone()");
    TINYDL_CHECK(!self.impl()->is_view_, op,
                 "an in-place operation on a view (shape ", self.sizes(),
                 ") is not supported yet when an input requires grad (the base's history would have to "
                 "change too); apply the op out of place (with where() or cat(), say) or to the base tensor");
}

}  // namespace autograd
}  // namespace tinydl
