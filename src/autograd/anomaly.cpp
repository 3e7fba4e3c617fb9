// anomaly.cpp — anomaly mode (torch.autograd.set_detect_anomaly): the creation context a node
// records, and the NaN/Inf checks of forward outputs and backward gradients.
//
// Not here: the switch itself (inline in autograd.h, a global atomic bool) and the two call
// sites (set_history in node.cpp, run_backward in engine.cpp). docs/reliability.md describes
// the behaviour.
//
// Why no stack trace: C++ has no cheap traceback, the user's call site (std::source_location)
// is not reachable through the op API, and GCC 12's <stacktrace> needs -lstdc++_libbacktrace,
// which is not a stable, always-present library. What is cheap and still points at the culprit
// is the node's name, its inputs' and outputs' dtypes and shapes, and its creation number.
#include <limits>
#include <sstream>
#include <string>

#include "src/autograd/record.h"
#include "tinydl/ops.h"

namespace tinydl::autograd {

namespace {

void describe(std::ostringstream& os, const Tensor& t) {
    if (!t.defined()) os << "undefined";
    else os << t.dtype() << " " << t.sizes();
}

// Counts of NaN and of ±Inf entries in t, computed with tinydl ops (so on any device) and
// outside the graph (a check must not record nodes when backward runs with create_graph).
struct NonFinite {
    int64_t nan = 0, inf = 0;
};
NonFinite count_non_finite(const Tensor& t) {
    NonFinite r;
    if (!t.defined() || !t.is_floating_point() || t.numel() == 0) return r;
    NoGradGuard no_grad;
    const Tensor d = t.detach();
    r.nan = static_cast<int64_t>(ne(d, d).sum().item<double>());  // NaN is the one value != itself
    r.inf = static_cast<int64_t>(eq(abs(d), std::numeric_limits<double>::infinity()).sum().item<double>());
    return r;
}

std::string context_of(const Node& node) {
    if (node.anomaly_context.empty())
        return " (no creation context: the node was created while anomaly mode was off)";
    return " The node was created " + node.anomaly_context + ".";
}

}  // namespace

void record_anomaly_inputs(Node& node, const std::vector<const Tensor*>& inputs) {
    std::ostringstream os;
    os << "in forward (node #" << node.sequence_nr << ") from inputs (";
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (i) os << ", ";
        describe(os, *inputs[i]);
    }
    os << ")";
    node.anomaly_context = os.str();
}

// Forward rule: the output of every recorded op is checked for NaN (not Inf: -inf is a normal
// forward value, e.g. an attention mask before softmax). Ops run without recording (NoGradGuard,
// no input requiring grad) are not checked.
void record_anomaly_output(Node& node, const Tensor& out, uint32_t output_nr) {
    // An in-place op hands the node's output to another tensor (rebase_history): described once.
    const std::string tag = "output " + std::to_string(output_nr) + " (";
    if (node.anomaly_context.find(tag) == std::string::npos) {
        std::ostringstream os;
        if (node.anomaly_context.empty()) os << "in forward (node #" << node.sequence_nr << ")";
        os << (node.anomaly_context.find(" giving ") == std::string::npos ? " giving " : ", ") << tag;
        describe(os, out);
        os << ")";
        node.anomaly_context += os.str();
    }
    const NonFinite bad = count_non_finite(out);
    TINYDL_CHECK(bad.nan == 0, "anomaly mode",
                 "the forward op recorded as '", node.name(), "' produced nan values in its ", output_nr,
                 "th output (", bad.nan, " of ", out.numel(), " entries).", context_of(node));
}

void check_backward_output(const Node& node, const Tensor& t, size_t index) {
    const NonFinite bad = count_non_finite(t);
    if (bad.nan == 0 && bad.inf == 0) return;
    // PyTorch's wording, then what tinydl adds: how many entries, and where the node came from.
    TINYDL_CHECK(false, "anomaly mode",
                 "Function '", node.name(), "' returned ", bad.nan ? "nan" : "inf", " values in its ", index,
                 "th output. (", bad.nan, " nan and ", bad.inf, " inf of ", t.numel(), " entries, in a ", t.dtype(),
                 " gradient of shape ", t.sizes(), ".)", context_of(node));
}

}  // namespace tinydl::autograd
