// test_graph.cpp — train::to_dot (src/train/graph.cpp): the exact DOT text of a small graph
// (torchviz's node order, colours and labels), counts for an MLP step, robustness on deep
// graphs, and, when Graphviz is installed, that `dot -Tsvg` accepts the output.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/test_utils.h"
#include "tinydl/train.h"

namespace tinydl {
namespace {

int64_t count(const std::string& text, const std::string& what) {
    int64_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
    return n;
}

TEST(ToDot, ExactTextForSmallGraph) {
    const Tensor a = randn({2, 3}).requires_grad_(true);
    const Tensor b = randn({2, 3}).requires_grad_(true);
    const Tensor c = randn({3}).requires_grad_(true);
    const Tensor y = (a * b + c).relu().sum();
    // Edges point from input to user, as data flowed; a leaf feeds its AccumulateGrad node.
    const std::string expected =
        "digraph {\n"
        "\tgraph [size=\"12,12\"]\n"
        "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n"
        "\t0 [label=\"()\" fillcolor=darkolivegreen1]\n"
        "\t1 [label=\"SumBackward0\"]\n"
        "\t2 -> 1\n"
        "\t2 [label=\"ReluBackward0\"]\n"
        "\t3 -> 2\n"
        "\t3 [label=\"AddBackward0\"]\n"
        "\t4 -> 3\n"
        "\t4 [label=\"MulBackward0\"]\n"
        "\t5 -> 4\n"
        "\t5 [label=\"AccumulateGrad\"]\n"
        "\t6 [label=\"a\\n(2, 3)\" fillcolor=lightblue]\n"
        "\t6 -> 5\n"
        "\t7 -> 4\n"
        "\t7 [label=\"AccumulateGrad\"]\n"
        "\t8 [label=\"b\\n(2, 3)\" fillcolor=lightblue]\n"
        "\t8 -> 7\n"
        "\t9 -> 3\n"
        "\t9 [label=\"AccumulateGrad\"]\n"
        "\t10 [label=\"c\\n(3)\" fillcolor=lightblue]\n"
        "\t10 -> 9\n"
        "\t1 -> 0\n"
        "}\n";
    EXPECT_EQ(train::to_dot(y, {{"a", a}, {"b", b}, {"c", c}}), expected);
    // Unnamed leaves show their sizes only; the text does not depend on addresses.
    const std::string unnamed = train::to_dot(y);
    EXPECT_NE(unnamed.find("\t6 [label=\"(2, 3)\" fillcolor=lightblue]\n"), std::string::npos) << unnamed;
    EXPECT_EQ(train::to_dot(y), unnamed);
}

TEST(ToDot, SharedNodesAppearOnceWithOneEdgePerUse) {
    const Tensor a = randn({3}).requires_grad_(true);
    const Tensor h = a.exp();
    const Tensor y = (h * h).sum();  // h's node feeds MulBackward0 twice
    const std::string dot = train::to_dot(y, {{"a", a}});
    EXPECT_EQ(count(dot, "[label=\"ExpBackward0\"]"), 1) << dot;
    EXPECT_EQ(count(dot, "\t3 -> 2\n"), 2) << dot;  // ExpBackward0 (3) -> MulBackward0 (2), twice
    EXPECT_EQ(count(dot, "fillcolor=lightblue"), 1);
}

TEST(ToDot, MlpStepCounts) {
    manual_seed(1);
    nn::Sequential model{std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::ReLU>(),
                         std::make_shared<nn::Linear>(8, 3)};
    const Tensor x = randn({5, 4});
    const Tensor target = tensor(std::vector<int64_t>{0, 2, 1, 1, 0});
    const Tensor loss = nn::functional::cross_entropy(model.forward(x), target);
    const auto params = model.named_parameters();
    const std::string dot = train::to_dot(loss, params);
    // Every parameter is a named light-blue leaf behind its own AccumulateGrad; x needs no grad.
    EXPECT_EQ(count(dot, "fillcolor=lightblue"), 4) << dot;
    EXPECT_EQ(count(dot, "[label=\"AccumulateGrad\"]"), 4);
    for (const char* label : {"\"0.weight\\n(8, 4)\"", "\"0.bias\\n(8)\"", "\"2.weight\\n(3, 8)\"", "\"2.bias\\n(3)\""})
        EXPECT_NE(dot.find(label), std::string::npos) << label << " missing in\n" << dot;
    EXPECT_EQ(count(dot, "[label=\"ReluBackward0\"]"), 1);
    EXPECT_EQ(count(dot, "fillcolor=darkolivegreen1"), 1);
    // Each parameter is used once and each op's result once, so the graph is a tree:
    // edges = nodes - 1.
    const int64_t nodes = count(dot, " [label=");
    const int64_t edges = count(dot, " -> ");
    EXPECT_EQ(edges, nodes - 1) << dot;
    // output, 4 leaves, 4 AccumulateGrads, the loss, ReLU, and per Linear (x W^T + b as tinydl
    // records it): TransposeBackward0, MmBackward0, AddBackward0. Update if Linear becomes addmm.
    EXPECT_EQ(nodes, 1 + 4 + 4 + 1 + 1 + 2 * 3) << dot;
    EXPECT_EQ(count(dot, "[label=\"MmBackward0\"]"), 2);
    EXPECT_EQ(count(dot, "[label=\"CrossEntropyLossBackward0\"]"), 1);
}

TEST(ToDot, LeafOutputAndDeepGraph) {
    const Tensor w = randn({2}).requires_grad_(true);
    EXPECT_EQ(train::to_dot(w, {{"w", w}}),
              "digraph {\n\tgraph [size=\"12,12\"]\n"
              "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n"
              "\t0 [label=\"w\\n(2)\" fillcolor=darkolivegreen1]\n}\n");
    // 20,000 chained ops: the iterative walk needs no deep recursion.
    Tensor h = w;
    for (int i = 0; i < 20000; ++i) h = h * 1.0;
    const std::string dot = train::to_dot(h.sum());
    EXPECT_EQ(count(dot, "[label=\"MulBackward0\"]"), 20000);
    EXPECT_ERROR(train::to_dot(Tensor{}), "to_dot", "undefined");
}

TEST(ToDot, GraphvizAcceptsIt) {
    if (std::system("command -v dot > /dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz `dot` is not installed";
    const Tensor a = randn({2, 3}).requires_grad_(true);
    const Tensor y = (a * 2.0).tanh().sum();
    const std::string path = ::testing::TempDir() + "tinydl_to_dot_test.dot";
    std::ofstream(path) << train::to_dot(y, {{"a", a}});
    const std::string cmd = "dot -Tsvg " + path + " -o " + path + ".svg";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream svg(path + ".svg");
    const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("<svg"), std::string::npos);
    EXPECT_NE(text.find("TanhBackward0"), std::string::npos);
    std::remove(path.c_str());
    std::remove((path + ".svg").c_str());
}

}  // namespace
}  // namespace tinydl
