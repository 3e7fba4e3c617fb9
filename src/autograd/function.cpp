// function.cpp — user-defined differentiable functions (Function<T> in autograd.h).
#include "src/autograd/record.h"

namespace tinydl {

std::vector<Tensor> AutogradContext::get_saved_variables() const {
    std::vector<Tensor> out;
    out.reserve(saved_.size());
    for (const auto& s : saved_) out.push_back(s->unpack());
    return out;
}

void AutogradContext::finalize(Node* node, const std::vector<Tensor>& outputs) {
    for (const Tensor& t : to_save_) {
        auto saved = std::make_unique<SavedVariable>(node);
        bool is_output = false;
        for (const Tensor& o : outputs) is_output = is_output || (t.defined() && o.is_same(t));
        saved->save(t, is_output);
        saved_.push_back(std::move(saved));
    }
    to_save_.clear();
}

namespace detail {
void wire_function(const std::shared_ptr<CppNodeBase>& node, const std::vector<const Tensor*>& tensor_args,
                   const std::vector<int>& arg_positions, std::vector<Tensor>& outputs) {
    bool record = GradMode::is_enabled();
    bool any = false;
    for (const Tensor* t : tensor_args) any = any || t->requires_grad();
    record = record && any;
    for (Tensor& out : outputs) {
        // forward may return one of its inputs (or a view of it): give the output its own handle,
        // so that setting its history does not rewrite the input's.
        for (const Tensor* t : tensor_args)
            if (out.is_same(*t)) out = out.detach();
    }
    if (!record) {
        node->ctx.finalize(node.get(), outputs);
        return;
    }
    for (size_t i = 0; i < tensor_args.size(); ++i) {
        node->next_edges.push_back(gradient_edge(*tensor_args[i]));
        node->tensor_arg_of_edge.push_back(arg_positions[i]);
    }
    node->num_outputs = static_cast<uint32_t>(outputs.size());
    for (size_t k = 0; k < outputs.size(); ++k) {
        if (outputs[k].defined() && outputs[k].is_floating_point())
            autograd::set_history(outputs[k], node, static_cast<uint32_t>(k));
    }
    node->ctx.finalize(node.get(), outputs);
}
}  // namespace detail

}  // namespace tinydl
