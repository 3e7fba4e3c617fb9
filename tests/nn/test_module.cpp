// test_module.cpp — nn::Module (src/nn/module.cpp) and the containers (src/nn/container.cpp):
// dotted names and traversal order, train/eval, zero_grad, to() in place, state_dict round trips
// and load errors, printing, and registration errors.
//
// Not here: the layers' maths (test_layers.cpp) and nn::init (test_init.cpp).
#include <sstream>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

using ::tinydl::testing::allclose;

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
    std::vector<std::string> out;
    for (const auto& [name, t] : named) out.push_back(name);
    return out;
}

// A model with every kind of child: a layer, a Sequential, a ModuleList, a ModuleDict, and a
// buffer of its own.
struct Net : nn::Module {
    std::shared_ptr<nn::Linear> fc1;
    std::shared_ptr<nn::Sequential> layers;
    std::shared_ptr<nn::ModuleList> blocks;
    std::shared_ptr<nn::ModuleDict> heads;
    Tensor steps;
    Net() {
        fc1 = register_module("fc1", std::make_shared<nn::Linear>(4, 3));
        layers = register_module("layers", std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(3, 3, false),
                                                                            std::make_shared<nn::ReLU>(),
                                                                            std::make_shared<nn::Linear>(3, 3)));
        blocks = register_module("blocks", std::make_shared<nn::ModuleList>());
        blocks->push_back(std::make_shared<nn::Dropout>(0.1));
        heads = register_module("heads", std::make_shared<nn::ModuleDict>(std::initializer_list<nn::ModuleDict::Item>{
                                              {"a", std::make_shared<nn::Linear>(3, 2)},
                                              {"b", std::make_shared<nn::Linear>(3, 1)}}));
        steps = register_buffer("steps", zeros({}, kInt64));
    }
    Tensor forward(const Tensor& x) override {
        Tensor h = (*layers)((*fc1)(x));
        h = (*blocks->at(0))(h);
        return (*heads->at("a"))(h);
    }
};

std::shared_ptr<nn::Sequential> mlp() {
    return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::ReLU>(),
                                            std::make_shared<nn::Linear>(5, 3));
}

// ---- names and traversal -----------------------------------------------------------------------------
TEST(Module, SequentialNamesFollowPositions) {
    auto model = mlp();
    EXPECT_EQ(names_of(model->named_parameters()),
              (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
    EXPECT_EQ(model->size(), 3u);
    auto first = model->at<nn::Linear>(0);
    EXPECT_TRUE(first->weight.is_same(model->parameters()[0]));
    EXPECT_TRUE(model->at<nn::Linear>(-1)->bias.is_same(model->parameters()[3]));
    EXPECT_EQ((*model)[1]->name(), "ReLU");

    // The other ways to build one: a braced list, push_back, and named entries.
    nn::Sequential braced{std::make_shared<nn::Linear>(2, 2), std::make_shared<nn::ReLU>()};
    braced.push_back(std::make_shared<nn::Linear>(2, 1));
    braced.push_back("head", std::make_shared<nn::Linear>(1, 1));
    EXPECT_EQ(names_of(braced.named_parameters()),
              (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "head.weight", "head.bias"}));
    EXPECT_EQ(braced.at<nn::Linear>(3)->in_features, 1);
    EXPECT_EQ(braced(ones({4, 2})).sizes(), IntArrayRef({4, 1}));
    auto from_list = std::make_shared<nn::Sequential>(
        std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Tanh>()});
    EXPECT_EQ(from_list->size(), 1u);
    auto moved = std::make_shared<nn::Sequential>(nn::Sequential{std::make_shared<nn::Linear>(3, 2)});
    EXPECT_EQ(names_of(moved->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
    EXPECT_TRUE(moved->at<nn::Linear>(0)->weight.is_same(moved->parameters()[0]));
}

TEST(Module, NestedNamesAndOrder) {
    auto net = std::make_shared<Net>();
    const std::vector<std::string> expected = {"fc1.weight",      "fc1.bias",      "layers.0.weight",
                                               "layers.2.weight", "layers.2.bias", "heads.a.weight",
                                               "heads.a.bias",    "heads.b.weight", "heads.b.bias"};
    EXPECT_EQ(names_of(net->named_parameters()), expected);
    // parameters() is the same list, as the very tensors the layers hold.
    const std::vector<Tensor> params = net->parameters();
    ASSERT_EQ(params.size(), expected.size());
    EXPECT_TRUE(params[0].is_same(net->fc1->weight));
    EXPECT_TRUE(params[3].is_same(net->layers->at<nn::Linear>(2)->weight));
    EXPECT_TRUE(params[8].is_same(net->heads->at<nn::Linear>("b")->bias));
    for (const Tensor& p : params) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
    // Not recursing: only the module's own.
    EXPECT_TRUE(net->named_parameters(false).empty());
    EXPECT_EQ(names_of(net->fc1->named_parameters(false)), (std::vector<std::string>{"weight", "bias"}));
    EXPECT_EQ(names_of(net->named_buffers()), (std::vector<std::string>{"steps"}));
    EXPECT_FALSE(net->buffers()[0].requires_grad());
}

TEST(Module, ChildrenAndModulesArePreOrder) {
    auto net = std::make_shared<Net>();
    std::vector<std::string> child_names;
    for (const auto& [name, m] : net->named_children()) child_names.push_back(name);
    EXPECT_EQ(child_names, (std::vector<std::string>{"fc1", "layers", "blocks", "heads"}));
    EXPECT_EQ(net->children().size(), 4u);
    EXPECT_TRUE(net->children()[1] == net->layers);

    std::vector<std::string> module_names, type_names;
    for (const auto& [name, m] : net->named_modules()) {
        module_names.push_back(name);
        type_names.push_back(m->name());
    }
    EXPECT_EQ(module_names, (std::vector<std::string>{"", "fc1", "layers", "layers.0", "layers.1", "layers.2", "blocks",
                                                      "blocks.0", "heads", "heads.a", "heads.b"}));
    EXPECT_EQ(type_names, (std::vector<std::string>{"Net", "Linear", "Sequential", "Linear", "ReLU", "Linear",
                                                    "ModuleList", "Dropout", "ModuleDict", "Linear", "Linear"}));
    EXPECT_TRUE(net->modules()[0].get() == net.get());
    EXPECT_EQ(net->modules().size(), 11u);
}

TEST(Module, ModulesWorksForAModuleNotInASharedPtr) {
    nn::Sequential seq(std::make_shared<nn::Linear>(2, 2));
    const auto all = seq.modules();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].get(), &seq);
    EXPECT_EQ(all[1]->name(), "Linear");
}

TEST(Module, SharedModuleIsListedOnceButSavedUnderEachName) {
    auto shared = std::make_shared<nn::Linear>(2, 2);
    auto seq = std::make_shared<nn::Sequential>(shared, std::make_shared<nn::Tanh>(), shared);
    EXPECT_EQ(names_of(seq->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
    EXPECT_EQ(seq->modules().size(), 3u);  // Sequential, the Linear once, Tanh
    const StateDict sd = seq->state_dict();
    EXPECT_EQ(sd.size(), 4u);
    EXPECT_TRUE(sd.count("2.weight"));
}

TEST(Module, ModuleDictKeepsInsertionOrderAndReplacesInPlace) {
    nn::ModuleDict dict;
    dict.update("z", std::make_shared<nn::Linear>(1, 1));
    dict.update("a", std::make_shared<nn::ReLU>());
    dict.update("m", std::make_shared<nn::Linear>(2, 1));
    EXPECT_EQ(dict.keys(), (std::vector<std::string>{"z", "a", "m"}));
    dict.update("z", std::make_shared<nn::Linear>(3, 1));  // replaced, keeps its place
    EXPECT_EQ(dict.keys(), (std::vector<std::string>{"z", "a", "m"}));
    EXPECT_EQ(dict.at<nn::Linear>("z")->in_features, 3);
    EXPECT_EQ(names_of(dict.named_parameters()), (std::vector<std::string>{"z.weight", "z.bias", "m.weight", "m.bias"}));
    EXPECT_EQ(dict.at<nn::Linear>("z")->weight.size(1), 3);
    EXPECT_TRUE(dict.contains("a"));
    auto popped = dict.pop("a");
    EXPECT_EQ(popped->name(), "ReLU");
    EXPECT_EQ(dict.keys(), (std::vector<std::string>{"z", "m"}));
    EXPECT_EQ(dict.children().size(), 2u);
    size_t n = 0;
    for (const auto& [key, m] : dict) n += key.size() + (m != nullptr);
    EXPECT_EQ(n, 4u);
}

TEST(Module, ModuleListIndexingAndIteration) {
    nn::ModuleList list{std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::Linear>(3, 4)};
    list.push_back(std::make_shared<nn::Linear>(4, 5));
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(list.at<nn::Linear>(-1)->out_features, 5);
    int64_t features = 2;
    Tensor x = randn({1, 2});
    for (const auto& m : list) {
        x = (*m)(x);
        features += 1;
        EXPECT_EQ(x.size(1), features);
    }
    EXPECT_EQ(names_of(list.named_parameters())[4], "2.weight");
}

// ---- modes -----------------------------------------------------------------------------------------------
TEST(Module, TrainAndEvalReachEveryModule) {
    auto net = std::make_shared<Net>();
    for (const auto& m : net->modules()) EXPECT_TRUE(m->is_training());
    net->eval();
    for (const auto& m : net->modules()) EXPECT_FALSE(m->is_training()) << m->name();
    net->train();
    for (const auto& m : net->modules()) EXPECT_TRUE(m->is_training()) << m->name();
    net->layers->eval();  // a subtree only
    EXPECT_TRUE(net->is_training());
    EXPECT_FALSE(net->layers->at(1)->is_training());
}

TEST(Module, DropoutFollowsTheMode) {
    auto seq = std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(0.25));
    Tensor x = ones({20000});
    manual_seed(3);
    Tensor y = (*seq)(x);
    const std::vector<float> v = y.to_vector<float>();
    int64_t zeros_seen = 0;
    for (float e : v) {
        if (e == 0.0f) ++zeros_seen;
        else EXPECT_FLOAT_EQ(e, 1.0f / 0.75f);
    }
    EXPECT_NEAR(static_cast<double>(zeros_seen) / v.size(), 0.25, 0.02);
    seq->eval();
    EXPECT_TRUE((*seq)(x).is_same(x));
}

TEST(Module, ZeroGrad) {
    auto model = mlp();
    Tensor x = randn({2, 4});
    (*model)(x).sum().backward();
    for (const Tensor& p : model->parameters()) EXPECT_TRUE(p.grad().defined());
    model->zero_grad(/*set_to_none=*/false);
    for (const Tensor& p : model->parameters()) {
        ASSERT_TRUE(p.grad().defined());
        EXPECT_EQ(p.grad().abs().sum().item<double>(), 0.0);
    }
    (*model)(x).sum().backward();  // accumulates into the zeroed grads
    EXPECT_GT(model->parameters()[3].grad().abs().sum().item<double>(), 0.0);
    model->zero_grad();
    for (const Tensor& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
}

// ---- to() ------------------------------------------------------------------------------------------------
TEST(Module, ToDtypeConvertsInPlace) {
    auto net = std::make_shared<Net>();
    Tensor w = net->fc1->weight;  // a handle an optimizer would hold
    const std::vector<double> before = w.to_vector<double>();
    Tensor x = randn({2, 4});
    (*net)(x).sum().backward();
    net->to(kFloat64);
    EXPECT_TRUE(w.is_same(net->fc1->weight));
    EXPECT_TRUE(w.is_same(net->parameters()[0]));
    EXPECT_EQ(w.dtype(), kFloat64);
    EXPECT_TRUE(w.requires_grad() && w.is_leaf());
    EXPECT_EQ(w.to_vector<double>(), before);  // float32 -> float64 is exact
    EXPECT_EQ(w.grad().dtype(), kFloat64);     // gradients follow
    for (const Tensor& p : net->parameters()) EXPECT_EQ(p.dtype(), kFloat64);
    EXPECT_EQ(net->steps.dtype(), kInt64);  // integer buffers keep their dtype
    Tensor y = (*net)(x.to(kFloat64));
    EXPECT_EQ(y.dtype(), kFloat64);
    y.sum().backward();  // the graph reaches the converted leaves
    EXPECT_EQ(w.grad().dtype(), kFloat64);
    net->to(Device::cpu());  // a no-op here
    EXPECT_TRUE(w.is_same(net->fc1->weight));
    EXPECT_ERROR(net->to(kInt64), "Net.to", "floating-point", "int64");
}

// ---- state_dict --------------------------------------------------------------------------------------------
TEST(Module, StateDictRoundTrip) {
    manual_seed(1);
    auto a = std::make_shared<Net>();
    manual_seed(2);
    auto b = std::make_shared<Net>();
    a->steps.fill_(7);
    a->eval();
    b->eval();
    Tensor x = randn({3, 4});
    EXPECT_FALSE(allclose((*a)(x), (*b)(x)));

    const StateDict sd = a->state_dict();
    std::vector<std::string> keys;
    for (const auto& [k, t] : sd) {
        keys.push_back(k);
        EXPECT_FALSE(t.requires_grad()) << k;
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"fc1.bias", "fc1.weight", "heads.a.bias", "heads.a.weight",
                                              "heads.b.bias", "heads.b.weight", "layers.0.weight", "layers.2.bias",
                                              "layers.2.weight", "steps"}));
    Tensor handle = b->fc1->weight;
    const nn::IncompatibleKeys result = b->load_state_dict(sd);
    EXPECT_TRUE(result.missing_keys.empty() && result.unexpected_keys.empty());
    EXPECT_TRUE(handle.is_same(b->fc1->weight));  // copied in place
    EXPECT_TRUE(allclose((*a)(x), (*b)(x), 0, 0));
    EXPECT_EQ(b->steps.item<int64_t>(), 7);
    EXPECT_TRUE(b->fc1->weight.requires_grad());
}

TEST(Module, StateDictSharesMemoryAndConvertsOnLoad) {
    auto model = mlp();
    StateDict sd = model->state_dict();
    {
        NoGradGuard no_grad;
        model->at<nn::Linear>(0)->weight.fill_(0.5);
    }
    EXPECT_EQ(sd.at("0.weight").at<float>({0, 0}), 0.5f);  // detached, not copied (as PyTorch)

    // A float64 checkpoint loads into a float32 model: values are converted, dtypes kept.
    StateDict wide;
    for (const auto& [k, t] : sd) wide[k] = full(t.sizes(), 0.25, kFloat64);
    model->load_state_dict(wide);
    EXPECT_EQ(model->at<nn::Linear>(2)->bias.dtype(), kFloat32);
    EXPECT_EQ(model->at<nn::Linear>(2)->bias.at<float>({1}), 0.25f);
}

TEST(Module, LoadStateDictErrorsListEveryProblem) {
    auto model = mlp();
    StateDict sd = model->state_dict();
    const std::vector<float> before = model->at<nn::Linear>(0)->weight.to_vector<float>();
    sd.erase("0.bias");
    sd.erase("2.bias");
    sd["3.weight"] = zeros({1});
    sd["0.weight"] = zeros({5, 6});
    const std::string expected =
        "Error(s) in loading state_dict for Sequential:\n"
        "\tMissing key(s) in state_dict: \"0.bias\", \"2.bias\". \n"
        "\tUnexpected key(s) in state_dict: \"3.weight\". \n"
        "\tsize mismatch for 0.weight: copying a param with shape [5, 6] from checkpoint, the shape in current model "
        "is [5, 4].";
    try {
        model->load_state_dict(sd);
        ADD_FAILURE() << "did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), expected);
    }
    // Nothing was copied: not even the keys that matched.
    EXPECT_EQ(model->at<nn::Linear>(0)->weight.to_vector<float>(), before);

    // strict = false forgives missing and unexpected keys, never a size mismatch.
    EXPECT_ERROR(model->load_state_dict(sd, false), "size mismatch for 0.weight");
    sd.erase("0.weight");
    StateDict fresh = mlp()->state_dict();
    sd["2.weight"] = fresh.at("2.weight");
    const nn::IncompatibleKeys r = model->load_state_dict(sd, /*strict=*/false);
    EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"0.weight", "0.bias", "2.bias"}));
    EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"3.weight"}));
    EXPECT_TRUE(allclose(model->at<nn::Linear>(2)->weight, fresh.at("2.weight"), 0, 0));
    EXPECT_EQ(model->at<nn::Linear>(0)->weight.to_vector<float>(), before);

    StateDict undefined_value = model->state_dict();
    undefined_value["0.bias"] = Tensor();
    EXPECT_ERROR(model->load_state_dict(undefined_value), "0.bias", "undefined");
}

// ---- printing -------------------------------------------------------------------------------------------
TEST(Module, PrintsLikePyTorch) {
    auto net = std::make_shared<Net>();
    std::ostringstream out;
    out << *net;
    EXPECT_EQ(out.str(),
              "Net(\n"
              "  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
              "  (layers): Sequential(\n"
              "    (0): Linear(in_features=3, out_features=3, bias=False)\n"
              "    (1): ReLU()\n"
              "    (2): Linear(in_features=3, out_features=3, bias=True)\n"
              "  )\n"
              "  (blocks): ModuleList(\n"
              "    (0): Dropout(p=0.1, inplace=False)\n"
              "  )\n"
              "  (heads): ModuleDict(\n"
              "    (a): Linear(in_features=3, out_features=2, bias=True)\n"
              "    (b): Linear(in_features=3, out_features=1, bias=True)\n"
              "  )\n"
              ")");
    EXPECT_EQ(nn::Sequential().repr(), "Sequential()");
    EXPECT_EQ(nn::ModuleList().repr(), "ModuleList()");
}

TEST(Module, ModuleListFoldsRepeatedModules) {
    nn::ModuleList list;
    for (int i = 0; i < 3; ++i) list.push_back(std::make_shared<nn::Linear>(2, 2));
    list.push_back(std::make_shared<nn::ReLU>());
    list.push_back(std::make_shared<nn::Sequential>(std::make_shared<nn::Tanh>()));
    list.push_back(std::make_shared<nn::Sequential>(std::make_shared<nn::Tanh>()));
    EXPECT_EQ(list.repr(),
              "ModuleList(\n"
              "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
              "  (3): ReLU()\n"
              "  (4-5): 2 x Sequential(\n"
              "    (0): Tanh()\n"
              "  )\n"
              ")");
}

// extra_repr with several lines goes on its own lines, as in PyTorch.
struct TwoLines : nn::Module {
    std::string extra_repr() const override { return "alpha=1\nbeta=2"; }
};

TEST(Module, MultiLineExtraRepr) {
    EXPECT_EQ(TwoLines().repr(), "TwoLines(\n  alpha=1\n  beta=2\n)");
}

TEST(Module, PythonStyleNumbers) {
    EXPECT_EQ(detail::py_float(0.5), "0.5");
    EXPECT_EQ(detail::py_float(0.01), "0.01");
    EXPECT_EQ(detail::py_float(1.0), "1.0");
    EXPECT_EQ(detail::py_float(0.0001), "0.0001");
    EXPECT_EQ(detail::py_float(1e-5), "1e-05");
    EXPECT_EQ(detail::py_float(1e16), "1e+16");
    EXPECT_EQ(detail::py_float(123.25), "123.25");
    EXPECT_EQ(detail::py_float(-0.1), "-0.1");
    EXPECT_EQ(detail::py_tuple({2, 5}), "(2, 5)");
    EXPECT_EQ(detail::py_tuple({3}), "(3,)");
}

// ---- registration and errors ---------------------------------------------------------------------------
struct BadNames : nn::Module {
    explicit BadNames(int which) {
        register_parameter("w", zeros({2}));
        if (which == 0) register_parameter("w", zeros({2}));
        if (which == 1) register_buffer("w", zeros({2}));
        if (which == 2) register_module("a.b", std::make_shared<nn::ReLU>());
        if (which == 3) register_parameter("", zeros({1}));
        if (which == 4) register_module("m", std::shared_ptr<nn::ReLU>());
    }
};

TEST(Module, RegistrationErrors) {
    EXPECT_ERROR(BadNames(0), "BadNames.register_parameter", "attribute 'w' already exists");
    EXPECT_ERROR(BadNames(1), "BadNames.register_buffer", "attribute 'w' already exists");
    EXPECT_ERROR(BadNames(2), "BadNames.register_module", "can't contain \".\"", "a.b");
    EXPECT_ERROR(BadNames(3), "must not be empty");
    EXPECT_ERROR(BadNames(4), "null pointer");
}

struct Detaching : nn::Module {
    Tensor p;
    explicit Detaching(const Tensor& t) { p = register_parameter("p", t * 2); }
};

TEST(Module, ParameterFromAnExpressionBecomesALeaf) {
    Tensor t = ones({2}, TensorOptions().requires_grad(true));
    Detaching m(t);
    EXPECT_TRUE(m.p.is_leaf());
    EXPECT_TRUE(m.p.requires_grad());
    EXPECT_TRUE(m.parameters()[0].is_same(m.p));
}

TEST(Module, ForwardAndIndexingErrors) {
    EXPECT_ERROR(TwoLines().forward(zeros({1})), "TwoLines: forward(Tensor) is not implemented");
    nn::ModuleList list{std::make_shared<nn::ReLU>()};
    EXPECT_ERROR(list(zeros({1})), "ModuleList: forward(Tensor) is not implemented");
    EXPECT_ERROR(nn::ModuleDict()(zeros({1})), "ModuleDict: forward(Tensor) is not implemented");
    auto model = mlp();
    EXPECT_ERROR(model->at(3), "Sequential", "index 3 is out of range");
    EXPECT_ERROR(model->at(-4), "Sequential", "index -4 is out of range");
    EXPECT_ERROR(model->at<nn::Linear>(1), "Sequential", "module 1 is a ReLU");
    EXPECT_ERROR(list.at(1), "ModuleList", "index 1 is out of range");
    nn::ModuleDict dict{{"x", std::make_shared<nn::ReLU>()}};
    EXPECT_ERROR(dict.at("y"), "ModuleDict", "\"y\"", "keys: \"x\"");
    EXPECT_ERROR(dict.at<nn::Linear>("x"), "ModuleDict", "is a ReLU");
    EXPECT_ERROR(model->push_back("0", std::make_shared<nn::ReLU>()), "attribute '0' already exists");
    EXPECT_EQ(nn::Sequential()(ones({2})).numel(), 2);  // an empty Sequential passes its input through
}

}  // namespace
}  // namespace tinydl
