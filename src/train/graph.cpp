// graph.cpp — to_dot (train/graph.h): the autograd graph as Graphviz DOT, in torchviz's layout.
//
// torchviz's make_dot recurses: add_nodes(fn) writes fn's node, then for each next function u
// writes the edge u -> fn and recurses into u (once per node), and for an AccumulateGrad writes
// its leaf tensor after the children. Here the same order comes from an explicit stack of
// frames (node, next edge to look at), so a graph thousands of ops deep cannot overflow the C++
// stack.
#include "tinydl/train/graph.h"

#include <sstream>
#include <unordered_map>

#include "src/autograd/record.h"  // AccumulateGrad and its leaf

namespace tinydl::train {

namespace {
// torchviz's size_to_str: "(2, 3)", "(3)", "()".
std::string size_to_str(IntArrayRef sizes) {
    std::string s = "(";
    for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + ")";
}

// A DOT double-quoted string; "\n" inside a label is DOT's own line-break escape.
std::string quoted(const std::string& text) {
    std::string s = "\"";
    for (char c : text) {
        if (c == '"') s += "\\\"";
        else s += c;
    }
    return s + "\"";
}
}  // namespace

std::string to_dot(const Tensor& output, const std::vector<std::pair<std::string, Tensor>>& named_params) {
    TINYDL_CHECK(output.defined(), "to_dot", "the output tensor is undefined (a default-constructed Tensor)");
    std::unordered_map<const TensorImpl*, std::string> param_names;
    for (const auto& [name, t] : named_params)
        if (t.defined()) param_names.emplace(t.impl(), name);
    auto var_label = [&](const TensorImpl* t) {
        auto it = param_names.find(t);
        const std::string sizes = size_to_str(t->sizes());
        return quoted(it == param_names.end() ? sizes : it->second + "\\n" + sizes);
    };

    std::ostringstream dot;
    dot << "digraph {\n"
        << "\tgraph [size=\"12,12\"]\n"
        << "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n";
    int64_t next_id = 0;
    const int64_t output_id = next_id++;
    dot << '\t' << output_id << " [label=" << var_label(output.impl()) << " fillcolor=darkolivegreen1]\n";

    const std::shared_ptr<Node>& root = output.grad_fn();
    if (root != nullptr) {
        std::unordered_map<const Node*, int64_t> ids;  // the nodes seen so far
        struct Frame {
            Node* node;
            int64_t id;
            size_t next_edge;
        };
        std::vector<Frame> stack;
        auto open = [&](Node* node) {  // torchviz's add_nodes(fn), up to its loop
            const int64_t id = next_id++;
            ids.emplace(node, id);
            dot << '\t' << id << " [label=" << quoted(node->name()) << "]\n";
            stack.push_back({node, id, 0});
        };
        open(root.get());
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next_edge < top.node->next_edges.size()) {
                const Edge& e = top.node->next_edges[top.next_edge++];
                if (!e.valid()) continue;  // an input that needs no gradient
                auto seen = ids.find(e.node.get());
                if (seen != ids.end()) {
                    dot << '\t' << seen->second << " -> " << top.id << '\n';
                } else {
                    dot << '\t' << next_id << " -> " << top.id << '\n';  // the id open() will give
                    open(e.node.get());
                }
                continue;
            }
            // All inputs done: an AccumulateGrad also shows the leaf it writes.
            if (top.node->is_accumulate_grad()) {
                const auto* acc = static_cast<const autograd::AccumulateGrad*>(top.node);
                const int64_t id = next_id++;
                dot << '\t' << id << " [label=" << var_label(acc->leaf.get()) << " fillcolor=lightblue]\n";
                dot << '\t' << id << " -> " << top.id << '\n';
            }
            stack.pop_back();
        }
        dot << '\t' << ids.at(root.get()) << " -> " << output_id << '\n';
    }
    dot << "}\n";
    return dot.str();
}

}  // namespace tinydl::train
