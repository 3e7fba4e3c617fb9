// optimizer.cpp — what every optimizer shares: param groups, checks, zero_grad, lr access, and
// state_dict / load_state_dict in PyTorch's layout (see optimizer.h for the keys).
//
// Note [Optimizer state by position]: state is kept by the parameter's flat index (group 0's
// parameters first, then group 1's, ...), which is also what the state_dict keys use, as in
// PyTorch's optimizer.state_dict(). So a fresh optimizer built over the same parameter list
// (a new process, a reloaded model) accepts a saved state without any tensor identity.
#include "tinydl/optim/optimizer.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <typeinfo>
#include <unordered_set>

#include "tinydl/autograd.h"
#include "tinydl/factory.h"
#include "tinydl/ops.h"

namespace tinydl::optim {

// ---- OptimizerOptions: generic access by name ---------------------------------------------------
namespace {
// Reads the value(s) behind one field as doubles.
std::vector<double> read_field(const OptionRef& f) {
    if (auto d = std::get_if<double*>(&f.value)) return {**d};
    if (auto b = std::get_if<bool*>(&f.value)) return {**b ? 1.0 : 0.0};
    auto p = std::get<std::pair<double, double>*>(f.value);
    return {p->first, p->second};
}
size_t field_arity(const OptionRef& f) {
    return std::holds_alternative<std::pair<double, double>*>(f.value) ? 2 : 1;
}
void write_field(const OptionRef& f, const std::vector<double>& v) {
    if (auto d = std::get_if<double*>(&f.value)) **d = v[0];
    else if (auto b = std::get_if<bool*>(&f.value)) **b = v[0] != 0.0;
    else *std::get<std::pair<double, double>*>(f.value) = {v[0], v[1]};
}
}  // namespace

// fields() hands out pointers that allow writing; the const readers below only read through
// them, which is why the const_cast is safe.
bool OptimizerOptions::has(std::string_view name) const {
    for (const OptionRef& f : const_cast<OptimizerOptions*>(this)->fields())
        if (name == f.name) return true;
    return false;
}

std::vector<double> OptimizerOptions::get(std::string_view name) const {
    for (const OptionRef& f : const_cast<OptimizerOptions*>(this)->fields())
        if (name == f.name) return read_field(f);
    throw Error(tinydl::detail::str("optimizer options: no option named '", name, "'"));
}

void OptimizerOptions::set(std::string_view name, const std::vector<double>& value) {
    for (const OptionRef& f : fields()) {
        if (name != f.name) continue;
        TINYDL_CHECK(value.size() == field_arity(f), "optimizer options", "option '", name, "' takes ",
                     field_arity(f), " value(s), got ", value.size());
        write_field(f, value);
        return;
    }
    throw Error(tinydl::detail::str("optimizer options: no option named '", name, "'"));
}

// ---- ParamGroup ---------------------------------------------------------------------------------------
ParamGroup::ParamGroup(const ParamGroup& other)
    : params(other.params), options(other.options ? other.options->clone() : nullptr), initial_lr(other.initial_lr) {}

ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
    if (this != &other) {
        params = other.params;
        options = other.options ? other.options->clone() : nullptr;
        initial_lr = other.initial_lr;
    }
    return *this;
}

// ---- Optimizer ---------------------------------------------------------------------------------------
Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, const OptimizerOptions& defaults,
                     OptionsCheck check_options)
    : name_(std::move(name)), check_options_(check_options), defaults_(defaults.clone()) {
    check_options_(*defaults_);
    size_t count = 0;
    for (const ParamGroup& g : groups) count += g.params.size();
    TINYDL_CHECK(count > 0, name_, "optimizer got an empty parameter list");
    for (ParamGroup& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
    const size_t g = groups_.size();
    if (group.options) {
        const OptimizerOptions& given = *group.options;
        const OptimizerOptions& expected = *defaults_;
        TINYDL_CHECK(typeid(given) == typeid(expected), name_, "param group ", g,
                     " has options of another optimizer; give it ", name_, "Options");
        check_options_(*group.options);
    } else {
        group.options = defaults_->clone();
    }
    std::unordered_set<const TensorImpl*> seen;
    for (const ParamGroup& other : groups_)
        for (const Tensor& p : other.params) seen.insert(p.impl());
    for (size_t i = 0; i < group.params.size(); ++i) {
        const Tensor& p = group.params[i];
        TINYDL_CHECK(p.defined(), name_, "parameter ", i, " of param group ", g, " is an undefined tensor");
        TINYDL_CHECK(p.is_leaf(), name_, "can't optimize a non-leaf Tensor (parameter ", i, " of param group ", g,
                     ", shape ", p.sizes(), ", made by ", p.is_leaf() ? "" : p.grad_fn()->name(),
                     "); optimize the leaf it was computed from, or detach() it");
        TINYDL_CHECK(p.requires_grad(), name_, "parameter ", i, " of param group ", g, " (shape ", p.sizes(),
                     ") does not require grad, so it would never change; call requires_grad_(true) "
                     "or leave it out");
        TINYDL_CHECK(p.is_floating_point(), name_, "parameter ", i, " of param group ", g,
                     " has dtype ", p.dtype(), "; only floating-point parameters can be optimized");
        TINYDL_CHECK(seen.insert(p.impl()).second, name_,
                     "some parameters appear in more than one parameter group (or twice in one): parameter ",
                     i, " of param group ", g, ", shape ", p.sizes());
    }
    state_.resize(state_.size() + group.params.size());
    groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
    for (ParamGroup& group : groups_) {
        for (Tensor& p : group.params) {
            Tensor& grad = p.mutable_grad();
            if (!grad.defined()) continue;
            if (set_to_none) {
                grad = Tensor();
            } else {
                // As PyTorch: a gradient that is itself part of a graph (create_graph=true) is cut
                // from it first, so zeroing it in place records nothing.
                if (grad.grad_fn()) grad.detach_();
                else grad.requires_grad_(false);
                grad.zero_();
            }
        }
    }
}

std::vector<Tensor> Optimizer::parameters() const {
    std::vector<Tensor> all;
    for (const ParamGroup& group : groups_) all.insert(all.end(), group.params.begin(), group.params.end());
    return all;
}

double Optimizer::get_lr(size_t group) const {
    TINYDL_CHECK_INDEX(group < groups_.size(), name_ + ".get_lr", "param group ", group,
                       " does not exist (the optimizer has ", groups_.size(), ")");
    return groups_[group].options->lr();
}

void Optimizer::set_lr(double lr) {
    for (ParamGroup& group : groups_) group.options->set_lr(lr);
}

void Optimizer::set_lr(size_t group, double lr) {
    TINYDL_CHECK_INDEX(group < groups_.size(), name_ + ".set_lr", "param group ", group,
                       " does not exist (the optimizer has ", groups_.size(), ")");
    groups_[group].options->set_lr(lr);
}

const ParamState& Optimizer::state(size_t index) const {
    TINYDL_CHECK_INDEX(index < state_.size(), name_ + ".state", "parameter ", index,
                       " does not exist (the optimizer has ", state_.size(), ")");
    return state_[index];
}

ParamState& Optimizer::mutable_state(size_t index) {
    TINYDL_ASSERT(index < state_.size(), "state index ", index, " of ", state_.size());
    return state_[index];
}

void Optimizer::check_grad(const Tensor& p, size_t index) const {
    const Tensor& g = p.grad();
    TINYDL_CHECK(g.device() == p.device(), name_ + ".step", "the gradient of parameter ", index, " is on ",
                 g.device(), " but the parameter is on ", p.device());
    TINYDL_CHECK_SHAPE(g.sizes() == p.sizes(), name_ + ".step", "the gradient of parameter ", index,
                       " has shape ", g.sizes(), " but the parameter has shape ", p.sizes());
}

void Optimizer::check_param_count(const char* method) const {
    size_t count = 0;
    for (const ParamGroup& group : groups_) count += group.params.size();
    TINYDL_CHECK(count == state_.size(), name_ + "." + method, "the param groups now hold ", count,
                 " parameters, but the optimizer was given ", state_.size(),
                 "; add parameters with add_param_group(), not by editing param_groups()");
}

// ---- state_dict --------------------------------------------------------------------------------------
namespace {
Tensor f64_scalar(double v) { return scalar_tensor(v, TensorOptions(kFloat64)); }

std::string group_key(size_t g, const std::string& name) { return "param_groups." + std::to_string(g) + "." + name; }
std::string state_key(size_t i, const std::string& name) { return "state." + std::to_string(i) + "." + name; }

// Parses "<prefix><number>.<rest>"; false when the key has another form.
bool parse_key(const std::string& key, std::string_view prefix, size_t& number, std::string& rest) {
    if (key.rfind(prefix, 0) != 0) return false;
    const char* begin = key.data() + prefix.size();
    const char* end = key.data() + key.size();
    auto [ptr, ec] = std::from_chars(begin, end, number);
    if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.' || ptr + 1 == end) return false;
    rest.assign(ptr + 1, end);
    return true;
}
}  // namespace

StateDict Optimizer::state_dict() const {
    check_param_count("state_dict");
    StateDict out;
    NoGradGuard no_grad;
    size_t index = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
        const ParamGroup& group = groups_[g];
        for (const OptionRef& f : group.options->fields()) {
            const std::vector<double> v = read_field(f);
            out[group_key(g, f.name)] = v.size() == 1 ? f64_scalar(v[0]) : tensor(v, TensorOptions(kFloat64));
        }
        if (group.initial_lr) out[group_key(g, "initial_lr")] = f64_scalar(*group.initial_lr);
        std::vector<int64_t> ids(group.params.size());
        for (auto& id : ids) id = static_cast<int64_t>(index++);
        out[group_key(g, "params")] = tensor(ids, TensorOptions(kInt64));
    }
    // Copies, not aliases: the dict is a snapshot that later steps must not change.
    for (size_t i = 0; i < state_.size(); ++i)
        for (const auto& [name, t] : state_[i]) out[state_key(i, name)] = t.detach().clone();
    return out;
}

void Optimizer::load_state_dict(const StateDict& sd) {
    const std::string op = name_ + ".load_state_dict";
    check_param_count("load_state_dict");
    const size_t n_params = state_.size();
    std::vector<Tensor> params = parameters();

    // 1. Sort the keys into groups and per-parameter state; anything else is unexpected.
    std::map<size_t, std::map<std::string, Tensor>> group_entries;
    std::map<size_t, std::map<std::string, Tensor>> state_entries;
    for (const auto& [key, value] : sd) {
        size_t number = 0;
        std::string rest;
        TINYDL_CHECK(value.defined(), op, "the tensor under '", key, "' is undefined");
        if (parse_key(key, "param_groups.", number, rest)) group_entries[number][rest] = value;
        else if (parse_key(key, "state.", number, rest)) state_entries[number][rest] = value;
        else throw Error(tinydl::detail::str(op, ": Unexpected key(s) in state_dict: \"", key,
                                     "\" (expected \"state.<i>.<name>\" or \"param_groups.<g>.<option>\")"));
    }

    // 2. The groups must match in number and size; their options replace the current ones.
    TINYDL_CHECK(group_entries.size() == groups_.size(), op,
                 "loaded state dict has a different number of parameter groups (", group_entries.size(),
                 " in the state dict vs ", groups_.size(), " in the optimizer)");
    std::vector<std::unique_ptr<OptimizerOptions>> new_options;
    std::vector<std::optional<double>> new_initial_lr;
    size_t offset = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
        TINYDL_CHECK(group_entries.count(g), op, "Missing key(s) in state_dict: \"", group_key(g, "params"),
                     "\" (param group ", g, " is absent)");
        std::map<std::string, Tensor> entries = group_entries[g];
        const size_t size = groups_[g].params.size();
        auto it = entries.find("params");
        TINYDL_CHECK(it != entries.end(), op, "Missing key(s) in state_dict: \"", group_key(g, "params"), "\"");
        const Tensor ids = it->second;
        TINYDL_CHECK(ids.dim() == 1 && !ids.is_floating_point(), op, "\"", group_key(g, "params"),
                     "\" must be a 1-D integer tensor, got ", ids.dtype(), " of shape ", ids.sizes());
        TINYDL_CHECK(static_cast<size_t>(ids.numel()) == size, op,
                     "loaded state dict contains a parameter group that doesn't match the size of optimizer's group: \"",
                     group_key(g, "params"), "\" lists ", ids.numel(), " parameters, param group ", g, " has ", size);
        const std::vector<int64_t> id_values = ids.to_vector<int64_t>();
        for (size_t k = 0; k < size; ++k)
            TINYDL_CHECK(id_values[k] == static_cast<int64_t>(offset + k), op, "\"", group_key(g, "params"),
                         "\" entry ", k, " is ", id_values[k], ", expected ", offset + k,
                         " (parameters are numbered in group order)");
        offset += size;
        entries.erase(it);

        std::unique_ptr<OptimizerOptions> options = groups_[g].options->clone();
        for (const OptionRef& f : options->fields()) {
            auto e = entries.find(f.name);
            TINYDL_CHECK(e != entries.end(), op, "Missing key(s) in state_dict: \"", group_key(g, f.name), "\"");
            const Tensor& v = e->second;
            TINYDL_CHECK(static_cast<size_t>(v.numel()) == field_arity(f), op, "\"", group_key(g, f.name),
                         "\" has ", v.numel(), " element(s) (shape ", v.sizes(), "), expected ", field_arity(f));
            write_field(f, v.to_vector<double>());
            entries.erase(e);
        }
        std::optional<double> initial_lr;
        if (auto e = entries.find("initial_lr"); e != entries.end()) {
            TINYDL_CHECK(e->second.numel() == 1, op, "\"", group_key(g, "initial_lr"), "\" must hold one number, got shape ",
                         e->second.sizes());
            initial_lr = e->second.to_vector<double>()[0];
            entries.erase(e);
        }
        TINYDL_CHECK(entries.empty(), op, "Unexpected key(s) in state_dict: \"", group_key(g, entries.begin()->first),
                     "\" (", name_, " has no such option)");
        check_options_(*options);
        new_options.push_back(std::move(options));
        new_initial_lr.push_back(initial_lr);
    }

    // 3. Per-parameter state: known names, complete sets, matching shapes. Copied into each
    // parameter's dtype and device, except "step" (float64 on the CPU, read every step).
    std::vector<size_t> group_of(n_params);
    for (size_t g = 0, i = 0; g < groups_.size(); ++g)
        for (size_t k = 0; k < groups_[g].params.size(); ++k) group_of[i++] = g;
    std::vector<ParamState> new_state(n_params);
    NoGradGuard no_grad;
    for (const auto& [i, entries] : state_entries) {
        TINYDL_CHECK_INDEX(i < n_params, op, "\"", state_key(i, entries.begin()->first), "\" refers to parameter ", i,
                           ", but the optimizer has ", n_params, " parameters");
        const OptimizerOptions& options = *new_options[group_of[i]];
        const std::vector<std::string> allowed = state_names(options);
        for (const auto& [name, value] : entries) {
            TINYDL_CHECK(std::find(allowed.begin(), allowed.end(), name) != allowed.end(), op,
                         "Unexpected key(s) in state_dict: \"", state_key(i, name), "\" (", name_,
                         " keeps no state named '", name, "' with these options)");
        }
        for (const std::string& name : required_state_names(options))
            TINYDL_CHECK(entries.count(name), op, "Missing key(s) in state_dict: \"", state_key(i, name), "\"");
        const Tensor& p = params[i];
        for (const auto& [name, value] : entries) {
            if (name == "step") {
                TINYDL_CHECK(value.numel() == 1, op, "\"", state_key(i, name), "\" must hold one number, got shape ",
                             value.sizes());
                new_state[i][name] = detail::make_step(value.to_vector<double>()[0]);
            } else {
                TINYDL_CHECK_SHAPE(value.sizes() == p.sizes(), op, "size mismatch for \"", state_key(i, name),
                                   "\": the state dict has shape ", value.sizes(), ", parameter ", i, " has shape ",
                                   p.sizes());
                Tensor copy = empty(p.sizes(), p.options());
                copy.copy_(value);
                new_state[i][name] = copy;
            }
        }
    }

    // 4. Everything checked: commit.
    for (size_t g = 0; g < groups_.size(); ++g) {
        groups_[g].options = std::move(new_options[g]);
        groups_[g].initial_lr = new_initial_lr[g];
    }
    state_ = std::move(new_state);
}

namespace detail {
double step_value(const Tensor& step) { return step.item<double>(); }  // any device and dtype
Tensor make_step(double value) { return scalar_tensor(value, TensorOptions(kFloat64)); }
}  // namespace detail

}  // namespace tinydl::optim
