// container.h — modules that hold other modules: Sequential (a pipeline), ModuleList (an
// indexable list) and ModuleDict (a name -> module map in insertion order).
//
//   auto model = std::make_shared<nn::Sequential>(
//       std::make_shared<nn::Linear>(784, 512), std::make_shared<nn::ReLU>(),
//       std::make_shared<nn::Linear>(512, 10));
//   Tensor logits = (*model)(x);              // each child's forward, in order
//   model->named_parameters();                // "0.weight", "0.bias", "2.weight", "2.bias"
//
// Children are registered under their position ("0", "1", ...) or the given key, so names and
// state_dict keys match PyTorch's. The containers keep the shared_ptrs you give them: a module
// added to two containers is one module (its parameters are shared).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tinydl/nn/module.h"

namespace tinydl::nn {

// Runs its children one after another: forward(x) = child_n(...child_1(x)).
class Sequential : public Module {
  public:
    Sequential() = default;
    Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
    explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);
    // Sequential(make_shared<Linear>(4, 3), make_shared<ReLU>()), which also works through
    // std::make_shared<Sequential>(...), where a braced list cannot be forwarded.
    template <typename... Ms>
        requires(sizeof...(Ms) > 0 && (std::is_base_of_v<Module, Ms> && ...))
    explicit Sequential(std::shared_ptr<Ms>... modules) {
        (push_back(std::move(modules)), ...);
    }

    // Appends under the next index ("3"), or under a name of your choice (PyTorch's
    // Sequential(OrderedDict(...))); named children still count as positions for indexing.
    void push_back(std::shared_ptr<Module> module);
    void push_back(const std::string& name, std::shared_ptr<Module> module);

    // The i-th module; negative i counts from the end. IndexError when out of range.
    std::shared_ptr<Module> operator[](int64_t i) const { return at(i); }
    std::shared_ptr<Module> at(int64_t i) const;
    // The i-th module as its concrete type: seq->at<Linear>(0)->weight. Error if it is not one.
    template <typename M> std::shared_ptr<M> at(int64_t i) const {
        auto m = std::dynamic_pointer_cast<M>(at(i));
        check_cast(m != nullptr, i);
        return m;
    }
    size_t size() const { return modules_.size(); }
    bool empty() const { return modules_.empty(); }
    auto begin() const { return modules_.begin(); }
    auto end() const { return modules_.end(); }

    Tensor forward(const Tensor& input) override;

  private:
    void check_cast(bool ok, int64_t i) const;
    std::vector<std::shared_ptr<Module>> modules_;
};

// A list of modules whose parameters the parent sees ("layers.2.weight"). It has no forward:
// the parent's forward decides how to use them (a loop, skip connections, ...).
class ModuleList : public Module {
  public:
    ModuleList() = default;
    ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);
    explicit ModuleList(const std::vector<std::shared_ptr<Module>>& modules);

    void push_back(std::shared_ptr<Module> module);
    void extend(const std::vector<std::shared_ptr<Module>>& modules);
    std::shared_ptr<Module> operator[](int64_t i) const { return at(i); }
    std::shared_ptr<Module> at(int64_t i) const;
    template <typename M> std::shared_ptr<M> at(int64_t i) const {
        auto m = std::dynamic_pointer_cast<M>(at(i));
        check_cast(m != nullptr, i);
        return m;
    }
    size_t size() const { return modules_.size(); }
    bool empty() const { return modules_.empty(); }
    auto begin() const { return modules_.begin(); }
    auto end() const { return modules_.end(); }

    // Throws: a ModuleList is not a pipeline (use Sequential for that).
    Tensor forward(const Tensor& input) override;
    // PyTorch's ModuleList printing: runs of identical modules are folded, "(0-2): 3 x Linear(...)".
    std::string repr() const override;

  private:
    void check_cast(bool ok, int64_t i) const;
    std::vector<std::shared_ptr<Module>> modules_;
};

// Named modules in insertion order; assigning an existing key replaces the module in place.
class ModuleDict : public Module {
  public:
    using Item = std::pair<std::string, std::shared_ptr<Module>>;
    ModuleDict() = default;
    ModuleDict(std::initializer_list<Item> items);

    // Adds `module` under `key`, or replaces the module already there (keeping its position).
    void update(const std::string& key, std::shared_ptr<Module> module);
    void insert(const std::string& key, std::shared_ptr<Module> module) { update(key, std::move(module)); }
    // Removes `key` and returns its module (PyTorch's pop). Error when the key is absent.
    std::shared_ptr<Module> pop(const std::string& key);
    // The module under `key`; an Error naming the known keys when it is absent.
    std::shared_ptr<Module> operator[](const std::string& key) const { return at(key); }
    std::shared_ptr<Module> at(const std::string& key) const;
    template <typename M> std::shared_ptr<M> at(const std::string& key) const {
        auto m = std::dynamic_pointer_cast<M>(at(key));
        TINYDL_CHECK_TYPE(m != nullptr, "ModuleDict", "the module under \"", key, "\" is a ", at(key)->name(),
                          ", not the type asked for");
        return m;
    }
    bool contains(const std::string& key) const;
    std::vector<std::string> keys() const;
    std::vector<std::shared_ptr<Module>> values() const;
    const std::vector<Item>& items() const { return items_; }
    size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

    // Throws: a ModuleDict has no forward of its own.
    Tensor forward(const Tensor& input) override;

  private:
    std::vector<Item> items_;
};

}  // namespace tinydl::nn
