// summary.cpp — the torchinfo-style model table: walk the module tree, run a dry forward to
// learn output shapes, then format rows and the footer.
//
// Read first: include/tinydl/train/summary.h (what is shown and how shapes are observed).
#include "tinydl/train/summary.h"

#include <cstdio>
#include <vector>

#include "tinydl/autograd.h"
#include "tinydl/factory.h"
#include "tinydl/nn/container.h"
#include "tinydl/nn/module.h"
#include "tinydl/random.h"

namespace tinydl::train {

namespace {

// torchinfo's layout: the name column is 40 wide and the others 25, each followed by a space;
// the rules are 90 '=' (40 + 2 x 25).
constexpr size_t kNameWidth = 40 + 1;
constexpr size_t kColumnWidth = 25 + 1;
const std::string kRule(90, '=');

struct Row {
    const nn::Module* module;
    int depth;           // 0 for the model itself
    int index;           // torchinfo's idx: counts the rows of each depth across the whole table
    std::string shape;   // "[1, 512]", or "--" when the walk cannot observe it
};

size_t display_width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++w;  // count code points, not bytes ("├─" is 2 columns)
    return w;
}

std::string pad(const std::string& s, size_t width) {
    const size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

// 401920 -> "401,920".
std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string megabytes(double bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", bytes / 1e6);
    return buf;
}

int64_t count(const std::vector<Tensor>& params) {
    int64_t n = 0;
    for (const Tensor& p : params) n += p.numel();
    return n;
}

class Walker {
  public:
    std::vector<Row> rows;
    double leaf_output_bytes = 0;  // sum of the outputs of the modules run as a whole

    // Runs `module` on x, adding rows for everything below it; returns its output.
    Tensor run(nn::Module& module, const Tensor& x, int depth) {
        auto* seq = dynamic_cast<nn::Sequential*>(&module);
        if (seq != nullptr) {
            // A pipeline: running the children one by one is the same computation, and shows
            // each one's output.
            // Its own list (not children(), which lists a module added twice only once).
            Tensor h = x;
            for (const auto& child : *seq) {
                const size_t r = add_row(*child, depth + 1);
                h = run(*child, h, depth + 1);
                rows[r].shape = shape_str(h.sizes());
            }
            return h;
        }
        Tensor out;
        try {
            out = module.forward(x);
        } catch (const Error& e) {
            throw Error(detail::str("summary: ", module.name(), " failed on an input of shape ",
                                    shape_str(x.sizes()), ": ", e.what()));
        }
        // A module run as a whole counts as one layer of the pass; what happens inside an opaque
        // forward is not seen, so its children get "--" rows.
        leaf_output_bytes += static_cast<double>(out.nbytes());
        for (const auto& child : module.children()) list(*child, depth + 1);
        return out;
    }

    size_t add_row(const nn::Module& m, int depth) {
        if (static_cast<int>(counters_.size()) <= depth) counters_.resize(static_cast<size_t>(depth) + 1, 0);
        rows.push_back({&m, depth, ++counters_[static_cast<size_t>(depth)], "--"});
        return rows.size() - 1;
    }

  private:
    // Rows for a module (and its subtree) whose output we cannot see.
    void list(const nn::Module& m, int depth) {
        add_row(m, depth);
        for (const auto& child : m.children()) list(*child, depth + 1);
    }
    std::vector<int> counters_;
};

// "├─Linear: 1-1" at depth 1, "│    └─ReLU: 2-3" at depth 2, the bare name for the model.
std::string row_name(const Row& r) {
    if (r.depth == 0) return r.module->name();
    std::string prefix;
    for (int d = 1; d < r.depth; ++d) prefix += "│    ";
    prefix += r.depth == 1 ? "├─" : "└─";
    return prefix + r.module->name() + ": " + std::to_string(r.depth) + "-" + std::to_string(r.index);
}

}  // namespace

std::string summary(const nn::Module& model_const, IntArrayRef input_shape, SummaryOptions options) {
    // forward() is not const, but the dry run leaves the model as it found it (see below).
    auto& model = const_cast<nn::Module&>(model_const);
    const std::vector<Tensor> params = model.parameters();

    DType dtype = DType::Float32;
    Device device = Device::cpu();
    for (const Tensor& p : params) {
        if (p.is_floating_point()) {
            dtype = p.dtype();
            device = p.device();
            break;
        }
    }
    if (options.input_dtype) dtype = *options.input_dtype;

    // Dry run: no graph, eval mode (no dropout draws), and the global generator put back, so a
    // summary in the middle of a seeded program changes nothing that follows.
    Walker walker;
    Tensor input = zeros(input_shape, TensorOptions(dtype).device(device));
    {
        NoGradGuard no_grad;
        const std::vector<uint8_t> rng = get_rng_state();
        const auto modules = model.modules();
        std::vector<bool> training;
        for (const auto& m : modules) training.push_back(m->is_training());
        model.eval();
        auto restore = [&] {
            // Pre-order: a parent's train() resets its subtree, then each child sets its own flag.
            for (size_t i = 0; i < modules.size(); ++i) modules[i]->train(training[i]);
            set_rng_state(rng);
        };
        try {
            walker.add_row(model, 0);
            const Tensor out = walker.run(model, input, 0);
            walker.rows[0].shape = shape_str(out.sizes());
        } catch (...) {
            restore();
            throw;
        }
        restore();
    }

    int64_t total = 0, trainable = 0;
    double param_bytes = 0;
    for (const Tensor& p : params) {
        total += p.numel();
        if (p.requires_grad()) trainable += p.numel();
        param_bytes += static_cast<double>(p.nbytes());
    }

    std::string s;
    auto line = [&s](const std::string& text) {
        size_t end = text.find_last_not_of(' ');
        s += (end == std::string::npos ? "" : text.substr(0, end + 1)) + "\n";
    };
    line(kRule);
    line(pad("Layer (type:depth-idx)", kNameWidth) + pad("Output Shape", kColumnWidth) + "Param #");
    line(kRule);
    for (size_t i = 0; i < walker.rows.size(); ++i) {
        const Row& r = walker.rows[i];
        if (r.depth > options.depth) continue;
        // Own parameters; a row at the depth limit whose children are hidden shows its subtree's.
        const bool hides_children = r.depth == options.depth && !r.module->children().empty();
        const int64_t n = count(r.module->parameters(/*recurse=*/hides_children));
        line(pad(row_name(r), kNameWidth) + pad(r.shape, kColumnWidth) + (n > 0 ? with_commas(n) : "--"));
    }
    line(kRule);
    line("Total params: " + with_commas(total));
    line("Trainable params: " + with_commas(trainable));
    line("Non-trainable params: " + with_commas(total - trainable));
    line(kRule);
    const double input_bytes = static_cast<double>(input.nbytes());
    const double pass_bytes = 2 * walker.leaf_output_bytes;  // activations + their gradients
    line("Input size (MB): " + megabytes(input_bytes));
    line("Forward/backward pass size (MB): " + megabytes(pass_bytes));
    line("Params size (MB): " + megabytes(param_bytes));
    line("Estimated Total Size (MB): " + megabytes(input_bytes + pass_bytes + param_bytes));
    line(kRule);
    return s;
}

}  // namespace tinydl::train
