// record.h — what an op calls to put itself on the tape (internal to tinydl).
//
//   if (should_record(a, b)) {
//       auto node = make_node<MulBackward>(a, b);   // edges to a's and b's grad_fn
//       node->a.save(a); node->b.save(b);           // what backward will need
//       set_history(out, node);                     // out.grad_fn() = node
//   }
#pragma once

#include <memory>

#include "tinydl/autograd.h"

namespace tinydl::autograd {

// Anomaly mode (src/autograd/anomaly.cpp): the creation context of a node, and the forward
// check of a recorded op's output.
void record_anomaly_inputs(Node& node, const std::vector<const Tensor*>& inputs);
void record_anomaly_output(Node& node, const Tensor& out, uint32_t output_nr);

// Grad mode is on and some input requires grad.
template <typename... Ts> bool should_record(const Ts&... inputs) {
    return GradMode::is_enabled() && (inputs.requires_grad() || ...);
}

// A new node of type N whose next_edges point at the inputs' gradient edges, in order.
// In anomaly mode the inputs' dtypes and shapes go into node->anomaly_context.
template <typename N, typename... Ts> std::shared_ptr<N> make_node(const Ts&... inputs) {
    auto node = std::make_shared<N>();
    node->next_edges.reserve(sizeof...(inputs));
    (node->next_edges.push_back(gradient_edge(inputs)), ...);
    if (is_anomaly_enabled()) record_anomaly_inputs(*node, {&inputs...});
    return node;
}
template <typename N> std::shared_ptr<N> make_node_list(const std::vector<Tensor>& inputs) {
    auto node = std::make_shared<N>();
    node->next_edges.reserve(inputs.size());
    for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
    if (is_anomaly_enabled()) {
        std::vector<const Tensor*> ptrs;
        for (const Tensor& t : inputs) ptrs.push_back(&t);
        record_anomaly_inputs(*node, ptrs);
    }
    return node;
}

// Makes `out` the output number `output_nr` of `node`. `forward` is false when the engine
// re-links a saved output during a higher-order backward (not a new forward result). In
// anomaly mode a forward output is described in node->anomaly_context and checked for NaN.
void set_history(const Tensor& out, std::shared_ptr<Node> node, uint32_t output_nr = 0, bool forward = true);

// The node that adds a gradient into a leaf's .grad.
struct AccumulateGrad : Node {
    explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf(std::move(leaf)) {}
    const char* name() const override { return "AccumulateGrad"; }
    bool is_accumulate_grad() const override { return true; }
    std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override;
    std::shared_ptr<TensorImpl> leaf;
};

// Throws the error for an in-place op on a tensor whose history cannot be rewritten: a leaf
// that requires grad, or a view of a tensor that requires grad.
void check_inplace(const Tensor& self, const char* op);

}  // namespace tinydl::autograd
