// module.cpp — nn::Module: registration, the walks over the module tree (names, modes,
// conversion, state_dict) and PyTorch-style printing.
//
// Every walk follows registration order, which is what makes the names stable: a
// Sequential's third child is "2" because it was registered third, and the optimizer sees
// parameters() in the same order every run. See docs/modules-and-optimizers.md.
#include "tinydl/nn/module.h"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>
#include <typeinfo>
#include <unordered_set>

#include "tinydl/autograd.h"  // NoGradGuard; detail::function_node_name (the demangler)

namespace tinydl::nn {

namespace {
std::string join_name(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

Module::~Module() = default;

Tensor Module::forward(const Tensor&) {
    throw Error(name() + ": forward(Tensor) is not implemented; override Tensor forward(const Tensor&) in " + name());
}

// ---- registration ----------------------------------------------------------------------------------
void Module::check_new_name(const char* what, const std::string& name) const {
    const std::string op = this->name() + "." + what;
    TINYDL_CHECK(!name.empty(), op, "the name must not be empty");
    TINYDL_CHECK(name.find('.') == std::string::npos, op, "name can't contain \".\", got \"", name,
                 "\" (dots separate the levels of a dotted name)");
    bool taken = false;
    for (const auto& [n, t] : parameters_) taken |= n == name;
    for (const Buffer& b : buffers_) taken |= b.name == name;
    for (const auto& [n, m] : children_) taken |= n == name;
    TINYDL_CHECK(!taken, op, "attribute '", name, "' already exists (a parameter, buffer or submodule of ",
                 this->name(), " has that name)");
}

Tensor Module::register_parameter(std::string name, Tensor t, bool requires_grad) {
    check_new_name("register_parameter", name);
    if (!t.defined()) return t;
    // A parameter is a leaf: gradients must accumulate into it, not flow through it.
    if (!t.is_leaf()) t = t.detach();
    t.requires_grad_(requires_grad);
    parameters_.emplace_back(std::move(name), t);
    return t;
}

Tensor Module::register_buffer(std::string name, Tensor t, bool persistent) {
    check_new_name("register_buffer", name);
    if (!t.defined()) return t;
    buffers_.push_back({std::move(name), t, persistent});
    return t;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
    check_new_name("register_module", name);
    TINYDL_CHECK(module != nullptr, this->name() + ".register_module", "module \"", name, "\" is a null pointer");
    TINYDL_CHECK(module.get() != this, this->name() + ".register_module", "a module cannot be its own child (\"",
                 name, "\")");
    children_.emplace_back(std::move(name), std::move(module));
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> module) {
    for (auto& [n, m] : children_) {
        if (n == name) {
            TINYDL_CHECK(module != nullptr, this->name(), "module \"", name, "\" is a null pointer");
            m = std::move(module);
            return;
        }
    }
    add_child(name, std::move(module));
}

std::shared_ptr<Module> Module::remove_module(const std::string& name) {
    for (auto it = children_.begin(); it != children_.end(); ++it) {
        if (it->first == name) {
            std::shared_ptr<Module> m = std::move(it->second);
            children_.erase(it);
            return m;
        }
    }
    return nullptr;
}

// ---- the tree ------------------------------------------------------------------------------------------
std::shared_ptr<Module> Module::self_ptr() const {
    auto self = std::const_pointer_cast<Module>(weak_from_this().lock());
    if (self) return self;
    // Not owned by a shared_ptr (a module on the stack): a non-owning pointer (aliasing an
    // empty owner), valid as long as the module itself.
    return std::shared_ptr<Module>(std::shared_ptr<Module>(), const_cast<Module*>(this));
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
    std::unordered_set<const Module*> seen;
    // Pre-order with an explicit stack of (prefix, module), children pushed in reverse so that
    // they come out in registration order.
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{{"", self_ptr()}};
    while (!stack.empty()) {
        auto [prefix, m] = std::move(stack.back());
        stack.pop_back();
        if (!seen.insert(m.get()).second) continue;
        for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
            stack.emplace_back(join_name(prefix, it->first), it->second);
        out.emplace_back(std::move(prefix), std::move(m));
    }
    return out;
}

std::vector<std::shared_ptr<Module>> Module::modules() const {
    std::vector<std::shared_ptr<Module>> out;
    for (auto& [name, m] : named_modules()) out.push_back(std::move(m));
    return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const { return children_; }

std::vector<std::shared_ptr<Module>> Module::children() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& [name, m] : children_) out.push_back(m);
    return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
    std::vector<std::pair<std::string, Tensor>> out;
    std::unordered_set<const TensorImpl*> seen;
    auto add_from = [&](const std::string& prefix, const Module& m) {
        for (const auto& [name, t] : m.parameters_)
            if (seen.insert(t.impl()).second) out.emplace_back(join_name(prefix, name), t);
    };
    if (!recurse) {
        add_from("", *this);
        return out;
    }
    for (const auto& [prefix, m] : named_modules()) add_from(prefix, *m);
    return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& [name, t] : named_parameters(recurse)) out.push_back(std::move(t));
    return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
    std::vector<std::pair<std::string, Tensor>> out;
    std::unordered_set<const TensorImpl*> seen;
    auto add_from = [&](const std::string& prefix, const Module& m) {
        for (const Buffer& b : m.buffers_)
            if (seen.insert(b.tensor.impl()).second) out.emplace_back(join_name(prefix, b.name), b.tensor);
    };
    if (!recurse) {
        add_from("", *this);
        return out;
    }
    for (const auto& [prefix, m] : named_modules()) add_from(prefix, *m);
    return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
    std::vector<Tensor> out;
    for (auto& [name, t] : named_buffers(recurse)) out.push_back(std::move(t));
    return out;
}

// ---- modes and housekeeping ------------------------------------------------------------------------
void Module::train(bool on) {
    for (const auto& m : modules()) m->training_ = on;
}

void Module::zero_grad(bool set_to_none) {
    for (const Tensor& p : parameters()) {
        if (!p.grad().defined()) continue;
        if (set_to_none) {
            p.set_grad(Tensor());
            continue;
        }
        // As PyTorch: a gradient that carries a graph (create_graph=True) is cut from it first.
        Tensor& g = p.mutable_grad();
        if (g.grad_fn()) g = g.detach();
        else g.requires_grad_(false);
        NoGradGuard no_grad;
        g.zero_();
    }
}

void Module::convert(std::optional<Device> device, std::optional<DType> dtype) {
    NoGradGuard no_grad;
    std::vector<Tensor> tensors = parameters();
    for (Tensor& b : buffers()) tensors.push_back(std::move(b));
    for (const Tensor& t : tensors) {
        const Device to_device = device.value_or(t.device());
        const DType to_dtype = dtype && t.is_floating_point() ? *dtype : t.dtype();
        if (to_device == t.device() && to_dtype == t.dtype()) continue;
        // Convert into fresh memory, then swap it into the existing impl: every handle (the
        // layer's member, the registration, an optimizer's list) sees the new tensor.
        const Tensor converted = t.detach().to(to_device, to_dtype);
        t.impl()->set_data(*converted.impl());
        if (t.grad().defined()) t.set_grad(t.grad().detach().to(to_device, to_dtype));
    }
}

void Module::to(Device device) { convert(device, std::nullopt); }
void Module::to(Device device, DType dtype) {
    TINYDL_CHECK_TYPE(is_floating(dtype), name() + ".to", "only floating-point dtypes are accepted, got ", dtype,
                      " (integer buffers keep their dtype anyway)");
    convert(device, dtype);
}
void Module::to(DType dtype) {
    TINYDL_CHECK_TYPE(is_floating(dtype), name() + ".to", "only floating-point dtypes are accepted, got ", dtype,
                      " (integer buffers keep their dtype anyway)");
    convert(std::nullopt, dtype);
}

// ---- saving and loading ------------------------------------------------------------------------------
// Both walk the children without skipping repeats (unlike named_parameters), as PyTorch's
// _save_to_state_dict / _load_from_state_dict do: a shared layer has one key per place.
void Module::expected_keys(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix) const {
    for (const auto& [name, t] : parameters_) out.emplace_back(prefix + name, t);
    for (const Buffer& b : buffers_)
        if (b.persistent) out.emplace_back(prefix + b.name, b.tensor);
    for (const auto& [name, m] : children_) m->expected_keys(out, prefix + name + ".");
}

void Module::save_to(StateDict& out, const std::string& prefix) const {
    std::vector<std::pair<std::string, Tensor>> entries;
    expected_keys(entries, prefix);
    for (auto& [key, t] : entries) out[key] = t.detach();
}

StateDict Module::state_dict() const {
    StateDict out;
    save_to(out, "");
    return out;
}

IncompatibleKeys Module::load_state_dict(const StateDict& state, bool strict) {
    std::vector<std::pair<std::string, Tensor>> targets;
    expected_keys(targets, "");

    // First every check, then every copy: a failed load leaves the model untouched.
    IncompatibleKeys result;
    std::vector<std::string> size_errors;
    std::set<std::string> known;
    for (const auto& [key, t] : targets) {
        known.insert(key);
        auto it = state.find(key);
        if (it == state.end()) {
            result.missing_keys.push_back(key);
            continue;
        }
        TINYDL_CHECK(it->second.defined(), name() + ".load_state_dict", "the tensor for key \"", key,
                     "\" is undefined");
        if (!(it->second.sizes() == t.sizes()))
            size_errors.push_back(tinydl::detail::str("size mismatch for ", key, ": copying a param with shape ",
                                              it->second.sizes(), " from checkpoint, the shape in current model is ",
                                              t.sizes(), "."));
    }
    for (const auto& [key, t] : state)
        if (!known.count(key)) result.unexpected_keys.push_back(key);

    // The message PyTorch builds: missing, then unexpected, then size mismatches.
    auto quoted_list = [](const std::vector<std::string>& keys) {
        std::string s;
        for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
        return s;
    };
    std::vector<std::string> errors;
    if (strict && !result.missing_keys.empty())
        errors.push_back("Missing key(s) in state_dict: " + quoted_list(result.missing_keys) + ". ");
    if (strict && !result.unexpected_keys.empty())
        errors.push_back("Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ". ");
    errors.insert(errors.end(), size_errors.begin(), size_errors.end());
    if (!errors.empty()) {
        std::string msg = "Error(s) in loading state_dict for " + name() + ":";
        for (const std::string& e : errors) msg += "\n\t" + e;
        throw Error(msg);
    }

    // In place, so that optimizers holding these tensors keep working; copy_ converts the dtype
    // and device of the checkpoint to the model's.
    NoGradGuard no_grad;
    for (auto& [key, t] : targets) {
        auto it = state.find(key);
        if (it != state.end()) t.copy_(it->second);
    }
    return result;
}

// ---- printing ----------------------------------------------------------------------------------------------
std::string Module::name() const {
    std::string n = tinydl::detail::function_node_name(typeid(*this).name());  // "LinearBackward"
    return n.substr(0, n.size() - std::string("Backward").size());
}

std::string Module::extra_repr() const { return ""; }

namespace {
// PyTorch's _addindent: every line but the first gets `spaces` more spaces.
std::string add_indent(const std::string& s, int spaces) {
    std::string out;
    for (char c : s) {
        out += c;
        if (c == '\n') out.append(static_cast<size_t>(spaces), ' ');
    }
    return out;
}
}  // namespace

std::string Module::repr() const {
    // Mirrors torch.nn.Module.__repr__: extra_repr's lines, then "(name): child" lines.
    std::vector<std::string> extra_lines, child_lines;
    std::istringstream extra(extra_repr());
    for (std::string line; std::getline(extra, line);) extra_lines.push_back(line);
    for (const auto& [n, m] : children_) child_lines.push_back("(" + n + "): " + add_indent(m->repr(), 2));
    std::string out = name() + "(";
    if (extra_lines.size() == 1 && child_lines.empty()) {
        out += extra_lines[0];
    } else if (!extra_lines.empty() || !child_lines.empty()) {
        for (const auto* lines : {&extra_lines, &child_lines})
            for (const std::string& line : *lines) out += "\n  " + line;
        out += "\n";
    }
    return out + ")";
}

std::ostream& operator<<(std::ostream& out, const Module& module) { return out << module.repr(); }

}  // namespace tinydl::nn

namespace tinydl::detail {
std::string py_float(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    // Python's repr: the shortest digits that read back exactly, written positionally when the
    // decimal exponent is in [-5, 16) and in scientific notation (1e-05) otherwise.
    char buf[64];
    auto sci = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    const std::string s(buf, sci.ptr);
    const int exponent = std::stoi(s.substr(s.find('e') + 1));
    if (exponent < -4 || exponent >= 16) return s;
    auto fixed = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    std::string f(buf, fixed.ptr);
    if (f.find('.') == std::string::npos) f += ".0";
    return f;
}

std::string py_tuple(IntArrayRef values) {
    std::string out = "(";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + (values.size() == 1 ? ",)" : ")");
}
}  // namespace tinydl::detail
