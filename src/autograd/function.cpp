// function.cpp — user-defined differentiable functions (Function<T> in autograd.h).
#include <cstdlib>
#include <memory>

#if defined(__GNUG__)
#include <cxxabi.h>  // abi::__cxa_demangle, for readable node names
#endif

#include "src/autograd/record.h"
#include "tinydl/factory.h"

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

std::string function_node_name(const char* mangled_type_name) {
    std::string name = mangled_type_name;
#if defined(__GNUG__)
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled_type_name, nullptr, nullptr, &status),
                                                     std::free);
    if (status == 0 && demangled) name = demangled.get();
#endif
    // Keep the class name: drop the namespaces ("tinydl::(anonymous namespace)::Cube"), but not
    // the ones inside template arguments.
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i + 1 < name.size(); ++i) {
        const char c = name[i];
        if (c == '<' || c == '(') ++depth;
        else if (c == '>' || c == ')') --depth;
        else if (depth == 0 && c == ':' && name[i + 1] == ':') start = ++i + 1;
    }
    return name.substr(start) + "Backward";
}

void CppNodeBase::materialize_grads(std::vector<Tensor>& grad_outputs) const {
    for (size_t k = 0; k < grad_outputs.size() && k < output_shapes.size(); ++k)
        if (!grad_outputs[k].defined()) grad_outputs[k] = zeros(output_shapes[k], output_options[k]);
}

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
    for (const Tensor& out : outputs) {
        node->output_shapes.push_back(out.defined() ? DimVector(out.sizes()) : DimVector());
        node->output_options.push_back(out.defined() ? out.options() : TensorOptions());
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
        if (outputs[k].defined() && outputs[k].is_floating_point())
            autograd::set_history(outputs[k], node, static_cast<uint32_t>(k));
    }
    node->ctx.finalize(node.get(), outputs);
}
}  // namespace detail

}  // namespace tinydl
