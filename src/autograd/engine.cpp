// engine.cpp — the backward pass: from the roots (usually the loss) to the leaves.
//
// The order: a depth-first search from the roots lists every reachable node in post-order
// (each node after all the nodes it feeds into, i.e. after its inputs' nodes), and the reverse
// of that list is a topological order in which a node runs only once every node that sends it a
// gradient has run (micrograd's `backward`, flashlight's `Variable::build`). The DFS is
// iterative, so a graph a million ops deep does not overflow the stack.
//
// The buffers: each node has one input buffer per output slot. A gradient sent along an Edge
// is added into buffer[node][input_nr] (+=), so a tensor used twice receives the sum of both
// uses' gradients before its node runs exactly once.
//
// Not here: what each node computes (src/ops/*), and .grad accumulation (AccumulateGrad in
// node.cpp). Read docs/autograd.md for a drawn example.
#include <algorithm>

#include "src/autograd/record.h"
#include "tinydl/factory.h"
#include "tinydl/ops.h"

namespace tinydl {

namespace {

// Sets grad mode for the duration of a backward pass, and clears the nodes' scratch indices
// however the pass ends (an exception from a hook or a failed check included).
struct PassGuard {
    std::vector<Node*>& order;
    bool prev_mode;
    PassGuard(std::vector<Node*>& order, bool create_graph) : order(order), prev_mode(GradMode::is_enabled()) {
        GradMode::set_enabled(create_graph);
    }
    ~PassGuard() {
        for (Node* n : order) n->topo_index_ = -1;
        GradMode::set_enabled(prev_mode);
    }
};

// Reverse post-order DFS from the roots; leaves topo_index_ set to each node's position.
void topological_order(const std::vector<Edge>& roots, std::vector<Node*>& order) {
    std::vector<Node*> post;
    std::vector<std::pair<Node*, size_t>> stack;  // (node, next edge to visit)
    constexpr int64_t kVisiting = -2;
    for (const Edge& root : roots) {
        if (!root.valid() || root.node->topo_index_ != -1) continue;
        root.node->topo_index_ = kVisiting;
        order.push_back(root.node.get());  // recorded now so that PassGuard can reset it
        stack.push_back({root.node.get(), 0});
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next < node->next_edges.size()) {
                Node* child = node->next_edges[next++].node.get();
                if (child != nullptr && child->topo_index_ == -1) {
                    child->topo_index_ = kVisiting;
                    order.push_back(child);
                    stack.push_back({child, 0});
                }
            } else {
                post.push_back(node);
                stack.pop_back();
            }
        }
    }
    order.assign(post.rbegin(), post.rend());
    for (size_t i = 0; i < order.size(); ++i) order[i]->topo_index_ = static_cast<int64_t>(i);
}

void add_to_buffer(Tensor& slot, Tensor&& grad) {
    if (!slot.defined()) slot = std::move(grad);
    else slot = slot + grad;  // out of place: `slot` may be shared with another edge
}

// The pass. With `captures` (torch.autograd.grad), the gradients arriving at those edges are
// returned and no .grad is touched; without, leaves accumulate into .grad.
void run_backward(const std::vector<Edge>& roots, std::vector<Tensor> root_grads, bool keep_graph,
                  bool create_graph, const std::vector<Edge>* captures, std::vector<Tensor>* captured) {
    std::vector<Node*> order;
    PassGuard guard(order, create_graph);
    topological_order(roots, order);

    // With captures, run only the nodes that lead to a captured edge.
    std::vector<char> needed(order.size(), captures == nullptr);
    if (captures != nullptr) {
        for (const Edge& e : *captures)
            if (e.valid() && e.node->topo_index_ >= 0) needed[e.node->topo_index_] = 1;
        for (size_t i = order.size(); i-- > 0;) {  // children come later in `order`
            for (const Edge& e : order[i]->next_edges)
                if (e.valid() && needed[e.node->topo_index_]) needed[i] = 1;
        }
    }

    std::vector<std::vector<Tensor>> buffers(order.size());
    for (size_t i = 0; i < order.size(); ++i) buffers[i].resize(order[i]->num_outputs);
    for (size_t r = 0; r < roots.size(); ++r)
        if (roots[r].valid()) add_to_buffer(buffers[roots[r].node->topo_index_][roots[r].input_nr], std::move(root_grads[r]));

    for (size_t i = 0; i < order.size(); ++i) {
        Node* node = order[i];
        std::vector<Tensor>& buffer = buffers[i];
        const bool reached = std::any_of(buffer.begin(), buffer.end(), [](const Tensor& t) { return t.defined(); });
        if (needed[i] && reached) {
            for (auto& [slot, hook] : node->tensor_pre_hooks) {
                if (!hook || !buffer[slot].defined()) continue;
                Tensor replaced = hook(buffer[slot]);
                if (replaced.defined()) buffer[slot] = replaced;
            }
            if (captures != nullptr) {
                for (size_t k = 0; k < captures->size(); ++k) {
                    const Edge& e = (*captures)[k];
                    if (e.node.get() == node) (*captured)[k] = buffer[e.input_nr];
                }
            }
            if (!(captures != nullptr && node->is_accumulate_grad())) {
                std::vector<Tensor> grads = node->apply(std::move(buffer));
                TINYDL_ASSERT(grads.size() == node->next_edges.size(), node->name(), " returned ", grads.size(),
                              " gradients for ", node->next_edges.size(), " inputs");
                if (autograd::is_anomaly_enabled())  // a NaN/Inf gradient throws here, naming the node
                    for (size_t j = 0; j < grads.size(); ++j) autograd::check_backward_output(*node, grads[j], j);
                for (size_t j = 0; j < grads.size(); ++j) {
                    const Edge& e = node->next_edges[j];
                    if (!e.valid() || !grads[j].defined()) continue;
                    add_to_buffer(buffers[e.node->topo_index_][e.input_nr], std::move(grads[j]));
                }
            }
        }
        buffer.clear();
        if (!keep_graph) node->release_saved();
    }
}

// The root edges and their seed gradients for backward()/grad().
void prepare_roots(const char* op, const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
                   std::vector<Edge>& roots, std::vector<Tensor>& grads) {
    TINYDL_CHECK(grad_tensors.empty() || grad_tensors.size() == tensors.size(), op, "got ", tensors.size(),
                 " tensors but ", grad_tensors.size(), " gradients; give one gradient per tensor (or none for scalars)");
    for (size_t i = 0; i < tensors.size(); ++i) {
        const Tensor& t = tensors[i];
        TINYDL_CHECK(t.defined(), op, "tensor ", i, " is undefined");
        TINYDL_CHECK(t.requires_grad(), op, "element ", i,
                     " of tensors does not require grad and does not have a grad_fn; "
                     "did you forget requires_grad_(true) on a parameter, or compute it under NoGradGuard?");
        Tensor g = grad_tensors.empty() ? Tensor{} : grad_tensors[i];
        if (!g.defined()) {
            TINYDL_CHECK(t.numel() == 1, op, "grad can be implicitly created only for scalar outputs; got a tensor of shape ",
                         t.sizes(), ", so pass a gradient of that shape");
            g = ones_like(t);
        } else {
            TINYDL_CHECK_SHAPE(g.sizes() == t.sizes(), op, "gradient has shape ", g.sizes(), " but the tensor has shape ", t.sizes());
            TINYDL_CHECK(g.device() == t.device(), op, "gradient is on ", g.device(), " but the tensor is on ", t.device());
            if (g.dtype() != t.dtype()) g = g.to(t.dtype());
        }
        roots.push_back(gradient_edge(t));
        grads.push_back(std::move(g));
    }
}

}  // namespace

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph) {
    std::vector<Edge> roots;
    std::vector<Tensor> grads;
    prepare_roots("backward", tensors, grad_tensors, roots, grads);
    run_backward(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph,
                         bool create_graph, bool allow_unused) {
    std::vector<Edge> roots;
    std::vector<Tensor> grads;
    prepare_roots("grad", outputs, grad_outputs, roots, grads);
    std::vector<Edge> captures;
    for (size_t i = 0; i < inputs.size(); ++i) {
        TINYDL_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad", "input ", i,
                     " does not require grad; only tensors with requires_grad can be differentiated against");
        captures.push_back(gradient_edge(inputs[i]));
    }
    std::vector<Tensor> result(inputs.size());
    run_backward(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, &captures, &result);
    for (size_t i = 0; i < result.size(); ++i) {
        TINYDL_CHECK(allow_unused || result[i].defined(), "grad", "input ", i,
                     " (shape ", inputs[i].sizes(), ") appears to not have been used in the graph; "
                     "pass allow_unused=true if this is intended");
    }
    return result;
}

// ---- Tensor's autograd methods -------------------------------------------------------------
void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
    tinydl::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                     retain_graph, create_graph);
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
    TINYDL_CHECK(is_leaf() || requires_grad, "requires_grad_",
                 "you can only change requires_grad of leaf tensors; use detach() to get a tensor without history");
    TINYDL_CHECK(!requires_grad || is_floating_point(), "requires_grad_",
                 "only floating-point tensors can require gradients, got ", dtype());
    impl_->requires_grad_ = requires_grad;
    return *this;
}

const Tensor& Tensor::grad() const { return impl_->grad_; }
Tensor& Tensor::mutable_grad() const { return impl_->grad_; }
void Tensor::set_grad(const Tensor& grad) const {
    if (grad.defined()) {
        TINYDL_CHECK_SHAPE(grad.sizes() == sizes(), "set_grad", "gradient of shape ", grad.sizes(),
                           " for a tensor of shape ", sizes());
    }
    impl_->grad_ = grad;
}

Tensor Tensor::detach() const {
    // Also reached by to_vector(): x.grad().to_vector() before any backward is a common slip.
    TINYDL_CHECK(defined(), "detach", "the tensor is undefined (a default-constructed Tensor, or the grad() of a "
                                      "tensor that has not received a gradient)");
    auto impl = std::make_shared<TensorImpl>(storage(), sizes(), strides(), storage_offset(), dtype());
    return Tensor(std::move(impl));
}

Tensor& Tensor::detach_() {
    TINYDL_CHECK(!(impl_->is_view_ && impl_->grad_fn_), "detach_", "cannot detach a view in place; use detach()");
    impl_->grad_fn_ = nullptr;
    impl_->requires_grad_ = false;
    impl_->output_nr_ = 0;
    return *this;
}

void Tensor::retain_grad() const {
    TINYDL_CHECK(requires_grad(), "retain_grad", "can't retain_grad on a tensor that has requires_grad=false");
    if (is_leaf() || impl_->retains_grad_) return;  // leaves keep their grad anyway
    impl_->retains_grad_ = true;
    std::weak_ptr<TensorImpl> weak = impl_;
    grad_fn()->tensor_pre_hooks.push_back({output_nr(), [weak](const Tensor& g) {
        if (auto impl = weak.lock()) {
            if (GradMode::is_enabled()) impl->grad_ = impl->grad_.defined() ? impl->grad_ + g : g;
            else impl->grad_ = impl->grad_.defined() ? impl->grad_ + g : g.detach().clone();
        }
        return Tensor{};
    }});
}

bool Tensor::retains_grad() const { return impl_->retains_grad_; }

unsigned Tensor::register_hook(Hook hook) const {
    TINYDL_CHECK(requires_grad(), "register_hook", "cannot register a hook on a tensor that doesn't require gradient");
    if (is_leaf()) {
        impl_->hooks_.push_back(std::move(hook));
        return static_cast<unsigned>(impl_->hooks_.size() - 1);
    }
    grad_fn()->tensor_pre_hooks.push_back({output_nr(), std::move(hook)});
    return static_cast<unsigned>(grad_fn()->tensor_pre_hooks.size() - 1);
}

void Tensor::remove_hook(unsigned handle) const {
    if (is_leaf()) {
        TINYDL_CHECK(handle < impl_->hooks_.size(), "remove_hook", "no hook with handle ", handle);
        impl_->hooks_[handle] = nullptr;
    } else {
        auto& hooks = grad_fn()->tensor_pre_hooks;
        TINYDL_CHECK(handle < hooks.size(), "remove_hook", "no hook with handle ", handle);
        hooks[handle].second = nullptr;
    }
}

}  // namespace tinydl
