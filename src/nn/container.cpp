// container.cpp — Sequential, ModuleList and ModuleDict (see nn/container.h).
//
// Each keeps its own list of shared_ptrs for indexing and iteration, and registers every entry
// as a child too, which is what gives the parameters their dotted names.
#include "tinydl/nn/container.h"

namespace tinydl::nn {

namespace {
// i in [-size, size) -> [0, size), as Python indexing; IndexError otherwise.
size_t wrap_index(const std::string& who, int64_t i, size_t size) {
    const auto n = static_cast<int64_t>(size);
    TINYDL_CHECK_INDEX(i >= -n && i < n, who, "index ", i, " is out of range (it has ", n, " module",
                       n == 1 ? "" : "s", ")");
    return static_cast<size_t>(i < 0 ? i + n : i);
}

// "(0): Linear(...)" with the child's lines indented (PyTorch's _addindent).
std::string indent_lines(const std::string& s) {
    std::string out;
    for (char c : s) {
        out += c;
        if (c == '\n') out += "  ";
    }
    return out;
}
}  // namespace

// ---- Sequential ------------------------------------------------------------------------------------
Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
    for (const auto& m : modules) push_back(m);
}
Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) {
    for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void Sequential::push_back(const std::string& name, std::shared_ptr<Module> module) {
    register_module(name, module);
    modules_.push_back(std::move(module));
}

std::shared_ptr<Module> Sequential::at(int64_t i) const { return modules_[wrap_index("Sequential", i, size())]; }

void Sequential::check_cast(bool ok, int64_t i) const {
    TINYDL_CHECK_TYPE(ok, "Sequential", "module ", i, " is a ", at(i)->name(), ", not the type asked for");
}

Tensor Sequential::forward(const Tensor& input) {
    Tensor x = input;
    for (const auto& m : modules_) x = m->forward(x);
    return x;
}

// ---- ModuleList ------------------------------------------------------------------------------------
ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) {
    for (const auto& m : modules) push_back(m);
}
ModuleList::ModuleList(const std::vector<std::shared_ptr<Module>>& modules) { extend(modules); }

void ModuleList::push_back(std::shared_ptr<Module> module) {
    register_module(std::to_string(modules_.size()), module);
    modules_.push_back(std::move(module));
}

void ModuleList::extend(const std::vector<std::shared_ptr<Module>>& modules) {
    for (const auto& m : modules) push_back(m);
}

std::shared_ptr<Module> ModuleList::at(int64_t i) const { return modules_[wrap_index("ModuleList", i, size())]; }

void ModuleList::check_cast(bool ok, int64_t i) const {
    TINYDL_CHECK_TYPE(ok, "ModuleList", "module ", i, " is a ", at(i)->name(), ", not the type asked for");
}

Tensor ModuleList::forward(const Tensor&) {
    throw Error("ModuleList: forward(Tensor) is not implemented; a ModuleList only holds modules: call them "
                "in your own forward, or use Sequential for a pipeline");
}

std::string ModuleList::repr() const {
    if (modules_.empty()) return name() + "()";
    // Fold runs of consecutive modules that print the same into one "(a-b): n x ..." line.
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < modules_.size()) {
        const std::string block = modules_[start]->repr();
        size_t end = start;
        while (end + 1 < modules_.size() && modules_[end + 1]->repr() == block) ++end;
        const std::string line = start == end ? detail::str("(", start, "): ", block)
                                              : detail::str("(", start, "-", end, "): ", end - start + 1, " x ", block);
        lines.push_back(indent_lines(line));
        start = end + 1;
    }
    std::string out = name() + "(";
    for (const std::string& line : lines) out += "\n  " + line;
    return out + "\n)";
}

// ---- ModuleDict --------------------------------------------------------------------------------------
ModuleDict::ModuleDict(std::initializer_list<Item> items) {
    for (const auto& [key, m] : items) update(key, m);
}

void ModuleDict::update(const std::string& key, std::shared_ptr<Module> module) {
    TINYDL_CHECK(module != nullptr, "ModuleDict", "module \"", key, "\" is a null pointer");
    for (auto& [k, m] : items_) {
        if (k == key) {
            replace_module(key, module);
            m = std::move(module);
            return;
        }
    }
    register_module(key, module);
    items_.emplace_back(key, std::move(module));
}

std::shared_ptr<Module> ModuleDict::pop(const std::string& key) {
    std::shared_ptr<Module> m = at(key);
    remove_module(key);
    std::erase_if(items_, [&](const Item& item) { return item.first == key; });
    return m;
}

bool ModuleDict::contains(const std::string& key) const {
    for (const auto& [k, m] : items_)
        if (k == key) return true;
    return false;
}

std::shared_ptr<Module> ModuleDict::at(const std::string& key) const {
    for (const auto& [k, m] : items_)
        if (k == key) return m;
    std::string known;
    for (const auto& [k, m] : items_) known += (known.empty() ? "\"" : ", \"") + k + "\"";
    throw IndexError("ModuleDict: no module under key \"" + key + "\" (keys: " + (known.empty() ? "none" : known) + ")");
}

std::vector<std::string> ModuleDict::keys() const {
    std::vector<std::string> out;
    for (const auto& [k, m] : items_) out.push_back(k);
    return out;
}

std::vector<std::shared_ptr<Module>> ModuleDict::values() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& [k, m] : items_) out.push_back(m);
    return out;
}

Tensor ModuleDict::forward(const Tensor&) {
    throw Error("ModuleDict: forward(Tensor) is not implemented; a ModuleDict only holds modules: call them "
                "by key in your own forward");
}

}  // namespace tinydl::nn
