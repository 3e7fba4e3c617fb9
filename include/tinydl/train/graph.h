// graph.h — to_dot(output): the autograd graph behind a tensor, as Graphviz DOT, drawn the way
// torchviz's make_dot draws PyTorch graphs (szagoruyko/pytorchviz, torchviz/dot.py).
//
//   Tensor loss = cross_entropy(model->forward(x), y);
//   std::ofstream("step.dot") << train::to_dot(loss, model->named_parameters());
//   // then: dot -Tsvg step.dot -o step.svg     (Debian package graphviz)
//
// What the picture shows, with edges pointing the way data flowed in the forward pass:
//   gray boxes         one per backward Node, labelled with its name ("MulBackward0",
//                      "AccumulateGrad" for the node that writes a leaf's .grad);
//   light blue boxes   the leaf tensors, "name\n(sizes)" for those in named_params, else
//                      "(sizes)", each feeding its AccumulateGrad;
//   the green box      the output tensor (darkolivegreen1), fed by output.grad_fn().
// Nodes get counter ids (0 the output, then in visiting order) rather than addresses, so the
// same program always prints the same text and golden files stay stable. The walk is iterative
// (no recursion depth limit) and visits nodes in torchviz's depth-first order.
//
// Not here: saved tensors (torchviz's show_saved, orange), node attributes (show_attrs),
// views' base tensors. Read next: include/tinydl/autograd.h (Node, next_edges).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl::train {

// The graph that output.backward() would walk, as a DOT digraph. named_params labels leaves
// (matched by identity: the same tensor, not an equal one), e.g. model->named_parameters().
std::string to_dot(const Tensor& output, const std::vector<std::pair<std::string, Tensor>>& named_params = {});

}  // namespace tinydl::train
