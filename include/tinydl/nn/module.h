// module.h — nn::Module, the base class of every layer and model (torch.nn.Module in C++).
//
// A Module owns three ordered lists, filled by its constructor:
//   parameters  tensors the optimizer trains ("weight", "bias"), requires_grad on;
//   buffers     tensors that are state but not trained (BatchNorm's running_mean);
//   children    sub-modules ("fc1", "0", "layers").
// Everything else — dotted names ("layers.2.weight"), train()/eval(), to(), state_dict() — is a
// walk over that tree. A layer keeps each parameter twice, as a Tensor member (`weight`) for its
// forward and in the list for the walks; both are handles to one TensorImpl, so an optimizer
// step, an init function, to() or load_state_dict() is seen through either.
//
//   struct Net : nn::Module {
//       std::shared_ptr<nn::Linear> fc1, fc2;
//       Net() {
//           fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
//           fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));
//       }
//       Tensor forward(const Tensor& x) override { return (*fc2)(relu((*fc1)(x))); }
//   };
//   auto net = std::make_shared<Net>();   // modules live in shared_ptrs
//   net->named_parameters();              // fc1.weight, fc1.bias, fc2.weight, fc2.bias
//   std::cout << *net;                    // the tree, printed as PyTorch prints it
//
// What it is not: no forward/backward hooks, no parametrizations, no deep copy (clone), and no
// attribute magic: assigning `lin->weight = other` replaces the member but not the registered
// tensor, so change values in place (copy_, nn::init, load_state_dict) instead.
// Read next: nn/layers.h (Linear and friends), nn/container.h (Sequential), docs/modules-and-optimizers.md.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tinydl/state_dict.h"
#include "tinydl/tensor.h"

namespace tinydl::nn {

// What load_state_dict(strict = false) left alone: keys the model has but the state did not
// (missing) and keys the state has but the model does not (unexpected). PyTorch's
// _IncompatibleKeys.
struct IncompatibleKeys {
    std::vector<std::string> missing_keys;
    std::vector<std::string> unexpected_keys;
};

class Module : public std::enable_shared_from_this<Module> {
  public:
    Module() = default;
    virtual ~Module();
    // Copying would make two modules share (or silently not share) parameters: hold modules in
    // shared_ptrs instead. Moving is fine (members and registrations move together), which is
    // what std::make_shared<nn::Sequential>(nn::Sequential{...}) needs.
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    Module(Module&&) = default;
    Module& operator=(Module&&) = default;

    // ---- computing ---------------------------------------------------------------------------
    // The layer's computation. The default throws "<TypeName>: forward(Tensor) is not implemented".
    virtual Tensor forward(const Tensor& input);
    Tensor operator()(const Tensor& input) { return forward(input); }

    // ---- the tree --------------------------------------------------------------------------------
    // Registration order, children after the module's own; a tensor shared by two modules is
    // listed once (at its first name), as PyTorch's remove_duplicate=True.
    std::vector<Tensor> parameters(bool recurse = true) const;
    std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
    std::vector<Tensor> buffers(bool recurse = true) const;
    std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
    // Direct sub-modules only.
    std::vector<std::shared_ptr<Module>> children() const;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
    // Every module of the tree, pre-order, this one first (named ""). A module reached twice is
    // listed once. If this module is not owned by a shared_ptr, its entry is a non-owning pointer.
    std::vector<std::shared_ptr<Module>> modules() const;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;

    // ---- modes and housekeeping ----------------------------------------------------------
    // Training mode (the default) vs evaluation mode, for this module and all below it: only
    // layers that behave differently (Dropout, BatchNorm) look at it.
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // Forgets the gradients of every parameter: .grad becomes undefined (set_to_none, the
    // PyTorch 2 default, which also saves the memory) or is filled with zeros.
    void zero_grad(bool set_to_none = true);

    // Moves or converts every parameter and buffer *in place*: the Tensor handles the module,
    // an optimizer or the user hold stay valid and see the new data (TensorImpl::set_data).
    // Gradients are converted too. to(dtype) changes floating-point tensors only, so integer
    // buffers (counters, indices) keep their dtype, as in PyTorch.
    void to(Device device);
    void to(DType dtype);
    void to(Device device, DType dtype);

    // ---- saving and loading -----------------------------------------------------------------
    // Parameters and persistent buffers under PyTorch's key names ("0.weight", "fc1.bias"),
    // detached but sharing memory with the model (clone() them for a snapshot). A tensor
    // shared by two modules appears under both names, as in PyTorch.
    StateDict state_dict() const;
    // Copies values into the existing tensors (in place, under NoGradGuard, converting dtype and
    // device), so optimizers holding the parameters keep working. Nothing is copied unless every
    // check passes. Throws "Error(s) in loading state_dict for <Name>:" followed by one line per
    // problem, in PyTorch's words: Missing key(s), Unexpected key(s) (both only when strict) and
    // "size mismatch for <key>: ..." (always).
    IncompatibleKeys load_state_dict(const StateDict& state, bool strict = true);

    // ---- printing ------------------------------------------------------------------------------
    // The type name shown when printing: the C++ class name without namespaces ("Linear").
    virtual std::string name() const;
    // The options inside the parentheses: "in_features=784, out_features=512, bias=True".
    virtual std::string extra_repr() const;
    // The whole tree as PyTorch's repr() prints it (what operator<< writes).
    virtual std::string repr() const;

  protected:
    // Adds a parameter (requires_grad set as asked; a tensor with history is detached first,
    // since a parameter is a leaf) and returns the registered handle: keep it in a member.
    // An undefined tensor registers nothing (like PyTorch's `bias=None`).
    Tensor register_parameter(std::string name, Tensor t, bool requires_grad = true);
    // Adds a buffer; a non-persistent one is moved by to() but left out of state_dict().
    Tensor register_buffer(std::string name, Tensor t, bool persistent = true);
    template <typename M> std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
        static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
        add_child(std::move(name), module);
        return module;
    }
    // Puts `module` in place of the child called `name` (same position), or appends it: what
    // ModuleDict's assignment needs.
    void replace_module(const std::string& name, std::shared_ptr<Module> module);
    // Unregisters the child called `name` and returns it (nullptr when there is none).
    std::shared_ptr<Module> remove_module(const std::string& name);

  private:
    struct Buffer {
        std::string name;
        Tensor tensor;
        bool persistent;
    };
    void add_child(std::string name, std::shared_ptr<Module> module);
    void check_new_name(const char* what, const std::string& name) const;
    void convert(std::optional<Device> device, std::optional<DType> dtype);
    void save_to(StateDict& out, const std::string& prefix) const;
    void expected_keys(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix) const;
    std::shared_ptr<Module> self_ptr() const;

    std::vector<std::pair<std::string, Tensor>> parameters_;
    std::vector<Buffer> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

// Writes module.repr(): the tree, e.g.
//   Sequential(
//     (0): Linear(in_features=784, out_features=512, bias=True)
//     (1): ReLU()
//   )
std::ostream& operator<<(std::ostream& out, const Module& module);

}  // namespace tinydl::nn

namespace tinydl::detail {
// Python's repr of a float (0.5, 0.01, 1.0, 1e-05), Python's bool (True/False), and a Python
// tuple of ints ((2, 5), (3,)): the pieces of extra_repr() strings.
std::string py_float(double value);
inline const char* py_bool(bool value) { return value ? "True" : "False"; }
std::string py_tuple(IntArrayRef values);
}  // namespace tinydl::detail
