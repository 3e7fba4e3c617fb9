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

// Grad mode is on and some input requires grad.
template <typename... Ts> bool should_record(const Ts&... inputs) {
    return GradMode::is_enabled() && (inputs.requires_grad() || ...);
}

// A new node of type N whose next_edges point at the inputs' gradient edges, in order.
template <typename N, typename... Ts> std::shared_ptr<N> make_node(const Ts&... inputs) {
    auto node = std::make_shared<N>();
    node->next_edges.reserve(sizeof...(inputs));
    (node->next_edges.push_back(gradient_edge(inputs)), ...);
    return node;
}
template <typename N> std::shared_ptr<N> make_node_list(const std::vector<Tensor>& inputs) {
    auto node = std::make_shared<N>();
    node->next_edges.reserve(inputs.size());
    for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
    return node;
}

// Makes `out` the output number `output_nr` of `node`.
void set_history(const Tensor& out, std::shared_ptr<Node> node, uint32_t output_nr = 0);

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
