// autograd.h — the tape: Node (a grad_fn), Edge, grad mode, the backward engine's entry points,
// user-defined differentiable functions, and gradcheck.
//
// When grad mode is on and an op's input requires grad, the op records a Node holding what its
// backward needs and one Edge per input pointing at that input's own Node. backward() walks
// these edges from the loss in reverse topological order. docs/autograd.md draws an example.
#pragma once

#include <any>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinydl/tensor.h"

namespace tinydl {

// ---- grad mode ---------------------------------------------------------------------------
// Thread-local: a NoGradGuard in one thread does not affect another.
struct GradMode {
    static bool is_enabled();
    static void set_enabled(bool enabled);
};

// Within its scope no op records a Node (inference, optimizer updates).
class NoGradGuard {
  public:
    NoGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
    ~NoGradGuard() { GradMode::set_enabled(prev_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

  private:
    bool prev_;
};

// Turns recording back on inside a NoGradGuard.
class EnableGradGuard {
  public:
    EnableGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(true); }
    ~EnableGradGuard() { GradMode::set_enabled(prev_); }
    EnableGradGuard(const EnableGradGuard&) = delete;
    EnableGradGuard& operator=(const EnableGradGuard&) = delete;

  private:
    bool prev_;
};

// ---- anomaly mode ----------------------------------------------------------------------------
// torch.autograd.set_detect_anomaly: a debugging mode, off by default. When on, every recorded
// node remembers where it was created (Node::anomaly_context), a recorded op whose output holds
// NaN throws at once, and backward throws as soon as a node returns a NaN or Inf gradient,
// naming the node and its creation context. GLOBAL, as in PyTorch (not thread-local): a guard in
// one thread turns it on for all. Off, it costs one relaxed atomic load per recorded op and per
// backward node. docs/reliability.md, "Anomaly mode", says exactly what is checked.
namespace autograd {
namespace detail {
inline std::atomic<bool> anomaly_enabled{false};
}
inline bool is_anomaly_enabled() { return detail::anomaly_enabled.load(std::memory_order_relaxed); }
inline void set_detect_anomaly(bool enabled) { detail::anomaly_enabled.store(enabled, std::memory_order_relaxed); }

// Turns anomaly mode on (or off) for its scope and restores the previous state after.
class DetectAnomalyGuard {
  public:
    explicit DetectAnomalyGuard(bool enabled = true) : prev_(is_anomaly_enabled()) { set_detect_anomaly(enabled); }
    ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
    DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
    DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

  private:
    bool prev_;
};

// Throws when `t` (a gradient node->name() returned as its output `index`) holds NaN or Inf.
// Called by the engine in anomaly mode; defined in src/autograd/anomaly.cpp.
void check_backward_output(const Node& node, const Tensor& t, size_t index);
}  // namespace autograd

// ---- the graph ------------------------------------------------------------------------------
// Where a gradient goes next: input slot `input_nr` of `node` (an output slot of the node that
// made the tensor). An empty node means the input needs no gradient.
struct Edge {
    std::shared_ptr<Node> node;
    uint32_t input_nr = 0;
    bool valid() const { return node != nullptr; }
};

// A tensor saved for backward. Note [Saving outputs]: a node that keeps its own output must not
// own it (the output owns the node: a cycle), so outputs are stored detached with a weak link
// back, and unpack() rebuilds the link when a higher-order graph needs it.
// Note [Version counter]: the storage's version at save time is recorded; unpack() refuses a
// tensor that an in-place op has modified since, because the gradient would silently be wrong.
class SavedVariable {
  public:
    // Registers with `owner`, so that the engine can free every saved tensor after backward.
    explicit SavedVariable(Node* owner);
    SavedVariable(const SavedVariable&) = delete;
    SavedVariable& operator=(const SavedVariable&) = delete;

    void save(const Tensor& t, bool is_output = false);
    Tensor unpack() const;  // throws if released or modified in place
    bool defined() const { return data_.defined(); }
    void release();

  private:
    Node* owner_;
    Tensor data_;
    uint32_t version_ = 0;
    bool is_output_ = false;
    bool requires_grad_ = false;
    bool released_ = false;
    uint32_t output_nr_ = 0;
};

// A recorded op: the backward half of one forward call.
struct Node : std::enable_shared_from_this<Node> {
    Node();
    virtual ~Node();  // iterative, so that a very deep graph dies without deep recursion
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // PyTorch's name for the node, e.g. "MulBackward0": what printing and graph dumps show.
    virtual const char* name() const = 0;
    // Given d(loss)/d(output k) for each output (Tensor{} for an output no gradient reached),
    // returns d(loss)/d(input i) for each next_edges[i]; Tensor{} means no gradient. Written with tinydl ops, so it runs on any device and can be
    // differentiated again.
    virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;

    std::vector<Edge> next_edges;  // one per differentiable input of the forward op
    uint32_t num_outputs = 1;
    uint64_t sequence_nr;          // creation order; later nodes run first among equals
    // Hooks on this node's outputs, i.e. on non-leaf tensors: (output_nr, hook).
    std::vector<std::pair<uint32_t, Tensor::Hook>> tensor_pre_hooks;

    // Frees the saved tensors (after a backward without retain_graph).
    void release_saved();

    // True only for AccumulateGrad, the node that writes a leaf's .grad.
    virtual bool is_accumulate_grad() const { return false; }

    // Engine scratch: this node's position in the current backward pass.
    int64_t topo_index_ = -1;

    // Anomaly mode only (else empty): where the node was made, e.g. "from inputs (float32 [2, 3])
    // giving output 0 (float32 [2, 3]), node #41". Shown in anomaly errors.
    std::string anomaly_context;

  private:
    friend class SavedVariable;
    std::vector<SavedVariable*> saved_;
};

// The edge a gradient for `t` should follow: t's grad_fn, a leaf's AccumulateGrad node, or
// none when t does not require grad.
Edge gradient_edge(const Tensor& t);

// ---- running backward --------------------------------------------------------------------------
// Computes d(sum of outputs·grad_outputs)/d(input) for each input and returns them, without
// touching .grad (torch.autograd.grad). grad_outputs may be empty for scalar outputs.
// allow_unused: an input the outputs do not depend on gives Tensor{} instead of an Error.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false);

// Accumulates into .grad of every leaf reachable from `tensors` (torch.autograd.backward).
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// ---- user-defined functions -------------------------------------------------------------------
// What forward() hands to backward(): saved tensors (checked for in-place edits like any op's)
// and free-form data.
class AutogradContext {
  public:
    void save_for_backward(const std::vector<Tensor>& tensors) { to_save_ = tensors; }
    std::vector<Tensor> get_saved_variables() const;
    std::map<std::string, std::any> saved_data;

    // Internal: turns to_save_ into SavedVariables once the outputs are known.
    void finalize(Node* node, const std::vector<Tensor>& outputs);

  private:
    std::vector<Tensor> to_save_;
    std::vector<std::unique_ptr<SavedVariable>> saved_;
};

namespace detail {
struct CppNodeBase : Node {
    AutogradContext ctx;
    std::vector<int> tensor_arg_of_edge;  // which forward argument each edge belongs to
    std::string name_;
    std::vector<DimVector> output_shapes;       // of each output, to make zero gradients
    std::vector<TensorOptions> output_options;  // their dtype and device
    const char* name() const override { return name_.c_str(); }
    // Replaces the gradient of an output that the loss did not reach by zeros, as PyTorch's
    // materialize_grads does, so that backward can use every grad_outputs[k].
    void materialize_grads(std::vector<Tensor>& grad_outputs) const;
};
// "CubeBackward" for struct Cube: the demangled class name without namespaces, plus "Backward".
std::string function_node_name(const char* mangled_type_name);
template <typename T> struct CppNode : CppNodeBase {
    std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override {
        materialize_grads(grad_outputs);
        std::vector<Tensor> grads = T::backward(&ctx, grad_outputs);
        std::vector<Tensor> out;
        for (int arg : tensor_arg_of_edge) {
            TINYDL_CHECK(arg < static_cast<int>(grads.size()), name_,
                         "backward returned ", grads.size(),
                         " gradients; it must return one per forward argument");
            out.push_back(grads[arg]);
        }
        return out;
    }
};
// Wires a CppNode between the tensor arguments and the outputs; defined in src/autograd/function.cpp.
void wire_function(const std::shared_ptr<CppNodeBase>& node, const std::vector<const Tensor*>& tensor_args,
                   const std::vector<int>& arg_positions, std::vector<Tensor>& outputs);
template <typename A> void collect_tensor(std::vector<const Tensor*>& tensors, std::vector<int>& pos, int i, const A& a) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) {
        tensors.push_back(&a);
        pos.push_back(i);
    }
}
}  // namespace detail

// A differentiable function written by the user (torch::autograd::Function):
//
//   struct Cube : Function<Cube> {
//       static Tensor forward(AutogradContext* ctx, const Tensor& x) {
//           ctx->save_for_backward({x});
//           return x * x * x;
//       }
//       static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_out) {
//           Tensor x = ctx->get_saved_variables()[0];
//           return {grad_out[0] * 3 * x * x};  // one gradient per forward argument
//       }
//   };
//   Tensor y = Cube::apply(x);
//
// forward runs with grad mode off; its result is a Tensor or a std::vector<Tensor>.
template <typename T> struct Function {
    template <typename... Args> static auto apply(Args&&... args) {
        auto node = std::make_shared<detail::CppNode<T>>();
        node->name_ = detail::function_node_name(typeid(T).name());
        std::vector<const Tensor*> tensor_args;
        std::vector<int> positions;
        int i = 0;
        (detail::collect_tensor(tensor_args, positions, i++, args), ...);
        using Out = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
        std::vector<Tensor> outputs;
        if constexpr (std::is_same_v<Out, Tensor>) {
            {
                NoGradGuard no_grad;
                outputs.push_back(T::forward(&node->ctx, std::forward<Args>(args)...));
            }
            detail::wire_function(node, tensor_args, positions, outputs);
            return outputs[0];
        } else {
            {
                NoGradGuard no_grad;
                outputs = T::forward(&node->ctx, std::forward<Args>(args)...);
            }
            detail::wire_function(node, tensor_args, positions, outputs);
            return outputs;
        }
    }
};

// ---- gradcheck -----------------------------------------------------------------------------------
struct GradcheckOptions {
    double eps = 1e-6;   // central-difference step
    double atol = 1e-5;  // |analytical - numerical| <= atol + rtol * |numerical|
    double rtol = 1e-3;
    uint64_t seed = 1234;  // for the random upstream gradient
};

struct GradcheckResult {
    bool ok = true;
    std::string message;  // names the worst input and element when !ok
    double max_abs_error = 0.0;
    explicit operator bool() const { return ok; }
};

// Compares the gradient backward() computes for fn at `inputs` with central finite differences
// of <v, fn(inputs)> for a random upstream gradient v (not all ones, which hides transposes and
// broadcasting bugs). Inputs that require grad are checked; they should be float64.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// Checks the gradient of the gradient (create_graph=true), by running gradcheck on the map
// (inputs, v) -> d<v, fn(inputs)>/d(inputs).
GradcheckResult gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                              const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace tinydl
