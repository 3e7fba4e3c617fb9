// test_misuse.cpp — one table of user mistakes, each with the words its tinydl::Error must hold.
//
// Every row is a misuse a newcomer makes (a shape that does not fit, an index past the end, a
// second backward, a truncated checkpoint, ...): the call, and the substrings its message must
// contain, chosen so the message names the op and the shapes, dtypes or values at fault (and,
// where cheap, says what to do). A row passes only when the call throws tinydl::Error (or a
// subclass: ShapeError, IndexError, TypeError); a non-tinydl exception or no throw at all
// fails it, and a crash takes the whole executable down, which ctest reports.
//
// What this is not: the per-family tests (tests/<area>/test_*.cpp) check each op's errors in
// depth; this table is the cross-cutting sample the reliability issue asks for, one place that
// shows what a user sees when they get something wrong.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "tests/support/test_utils.h"

namespace tinydl {
namespace {

namespace fs = std::filesystem;

// A scratch directory for the file rows, removed at exit.
class TempDir {
  public:
    TempDir() {
        path_ = fs::temp_directory_path() / ("tinydl_misuse_" + std::to_string(::getpid()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    fs::path path_;
};

const TempDir& scratch() {
    static TempDir dir;
    return dir;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// An IDX file of uint8 (type code 0x08) with the given dims, its data all zeros.
void write_idx(const std::string& path, const std::vector<uint32_t>& dims) {
    std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
    size_t n = 1;
    for (uint32_t d : dims) {
        for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
        n *= d;
    }
    bytes.resize(bytes.size() + n, 0);
    write_bytes(path, bytes);
}

// A tiny model whose state dict has "0.weight" [3, 4], "0.bias" [3].
std::shared_ptr<nn::Sequential> tiny_model() {
    return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 3));
}

struct MisuseCase {
    const char* name;
    std::function<void()> misuse;
    std::vector<std::string> expected;  // substrings the message must contain
};

// ---- the table ---------------------------------------------------------------------------------
// Grouped as the issue lists them: tensors, ops, autograd, nn, losses, optimizers, data, checkpoints.
// clang-format off
std::vector<MisuseCase> misuse_table() {
    return {
        // -- tensors --
        {"view_incompatible_size", [] { zeros({2, 3}).view({4}); },
         {"view", "shape '[4]' is invalid for input of size 6"}},
        {"reshape_incompatible_size", [] { zeros({2, 3}).reshape({4}); },
         {"reshape", "shape '[4]' is invalid for input of size 6"}},
        {"view_of_transposed", [] { zeros({2, 3}).t().view({6}); },
         {"view", "[3, 2]", "reshape"}},
        {"size_dim_out_of_range", [] { (void)zeros({2, 3}).size(2); },
         {"size", "dimension out of range", "[-2, 1]", "but got 2"}},
        {"transpose_negative_dim", [] { zeros({2, 3}).transpose(0, -3); },
         {"transpose", "dimension out of range", "but got -3"}},
        {"sum_dim_out_of_range", [] { sum(zeros({2, 3}), {2}); },
         {"sum", "dimension out of range", "[-2, 1]", "but got 2"}},
        {"item_multi_element", [] { (void)zeros({2, 3}).item(); },
         {"item", "6 elements", "[2, 3]", "only one-element tensors"}},
        {"data_ptr_wrong_type",
         [] { (void)zeros({2}).data_ptr<double>(); },
         {"data_ptr", "float64", "float32"}},
        {"at_out_of_range", [] { (void)zeros({2, 3}).at<float>({1, 3}); },
         {"at", "index 3 is out of bounds for dim 1 with size 3", "[2, 3]"}},
        {"at_wrong_index_count", [] { (void)zeros({2, 3}).at<float>({1}); },
         {"at", "expected 2 indices", "[2, 3]"}},
        {"expand_incompatible", [] { zeros({2, 1}).expand({3, 4}); },
         {"expand", "expanded size of the tensor (3) must match the existing size (2)"}},
        {"cat_mismatched_shapes", [] { cat({zeros({2, 3}), zeros({2, 4})}, 0); },
         {"cat", "sizes of tensors must match except in dimension 0", "[2, 3]", "[2, 4]"}},
        {"stack_mismatched_shapes", [] { stack({zeros({2, 3}), zeros({3, 2})}); },
         {"stack", "[2, 3]", "[3, 2]"}},
        {"undefined_tensor_add", [] { add(Tensor{}, zeros({2})); }, {"add", "undefined"}},
        {"undefined_tensor_item", [] { (void)Tensor{}.item(); }, {"item", "undefined"}},
        {"select_out_of_range", [] { zeros({4, 5}).select(0, 4); },
         {"select", "index 4 out of range", "[4, 5]", "dimension 0"}},
        {"permute_wrong_count", [] { zeros({2, 3, 4}).permute({0, 1}); },
         {"permute", "[2, 3, 4]"}},
        {"narrow_past_end", [] { zeros({4, 5}).narrow(1, 3, 3); },
         {"narrow", "exceeds dimension size (5)"}},

        // -- ops --
        {"matmul_inner_dims", [] { matmul(zeros({2, 3}), zeros({4, 5})); },
         {"matmul", "[2, 3]", "[4, 5]", "3 vs 4"}},
        {"broadcast_2x3_with_4", [] { add(zeros({2, 3}), zeros({4})); },
         {"add", "[2, 3]", "[4]", "The size of tensor a (3) must match the size of tensor b (4)"}},
        {"mul_broadcast", [] { mul(zeros({2, 3}), zeros({4, 3})); },
         {"mul", "[2, 3]", "[4, 3]"}},
        {"conv2d_channels", [] { conv2d(zeros({1, 1, 28, 28}), zeros({8, 3, 3, 3})); },
         {"conv2d", "expected input[1, 1, 28, 28] to have 3 channels, but got 1 channels instead"}},
        {"conv2d_kernel_too_big", [] { conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})); },
         {"conv2d", "Kernel size can't be greater than actual input size"}},
        {"max_pool2d_output_too_small", [] { max_pool2d(zeros({1, 1, 2, 2}), 3); },
         {"max_pool2d", "Output size is too small"}},
        {"avg_pool2d_1d_input",
         [] { avg_pool2d(zeros({4}), 2); },
         {"avg_pool2d", "Expected 3D or 4D", "[4]"}},
        {"index_select_out_of_range", [] { index_select(zeros({5, 3}), 0, tensor({1, 7})); },
         {"index_select", "index 7 is out of bounds for dimension 0 with size 5"}},
        {"gather_out_of_range", [] { gather(zeros({5, 3}), 1, tensor({{0, 3}})); },
         {"gather", "index 3 is out of bounds for dimension 1 with size 3"}},
        {"embedding_out_of_range", [] { embedding(zeros({5, 2}), tensor({0, 5})); },
         {"embedding", "index 5 is out of bounds", "size 5"}},
        {"index_select_float_index", [] { index_select(zeros({5, 3}), 0, tensor({1.f})); },
         {"index_select", "int64 or int32", "float32"}},
        {"bool_sub", [] { sub(tensor({true}), tensor({false})); }, {"sub", "bool", "logical_xor"}},
        {"int_pow_negative", [] { pow(tensor({2, 3}), -1); },
         {"pow", "negative integer powers", "int64", "exponent -1", "floating-point"}},
        {"mean_of_int64", [] { mean(tensor({1, 2})); },
         {"mean", "could not infer output dtype", "int64"}},
        {"softmax_dim_out_of_range", [] { softmax(zeros({2, 3}), 2); },
         {"softmax", "dimension out of range", "but got 2"}},
        {"where_non_bool_condition",
         [] { where(tensor({1.0}), zeros({1}), zeros({1})); },
         {"where", "the condition must be a bool tensor, got float64"}},
        {"int_add_float_alpha", [] { add(tensor({1, 2}), tensor({1, 2}), 2.5); },
         {"add", "alpha must not be a floating point number"}},
        {"inplace_int_result_float", [] { tensor({1, 2}).div_(2); },
         {"div_", "result type float32 can't be cast to the desired output type int64"}},
        {"inplace_broadcast_output", [] { zeros({3}).add_(ones({2, 3})); },
         {"add_", "output with shape [3] doesn't match the broadcast shape [2, 3]"}},

        // -- autograd --
        {"backward_twice",
         [] {
             Tensor x = ones({3}, kFloat64).requires_grad_(true);
             Tensor y = (x * x).sum();
             y.backward();
             y.backward();
         },
         {"Backward", "backward through the graph a second time", "retain_graph=true"}},
        {"inplace_on_saved_tensor",
         [] {
             Tensor x = ones({3}, kFloat64).requires_grad_(true);
             Tensor h = x * 2;
             Tensor z = (h * h).sum();  // MulBackward0 saves h (at version 0)
             h.add_(1);                 // h is now at version 1
             z.backward();
         },
         {"MulBackward0", "modified by an in-place operation", "[3]", "version", "clone()"}},
        {"backward_non_scalar",
         [] {
             Tensor x = ones({2, 3}, kFloat64).requires_grad_(true);
             (x * 2).backward();
         },
         {"backward", "grad can be implicitly created only for scalar outputs", "[2, 3]"}},
        {"backward_nothing_requires_grad",
         [] { ones({3}).sum().backward(); },
         {"backward", "does not require grad", "did you forget requires_grad_(true)"}},
        {"grad_nothing_requires_grad",
         [] { grad({ones({3}).sum()}, {ones({3})}); },
         {"grad", "does not require grad"}},
        {"requires_grad_on_int", [] { tensor({1, 2}).requires_grad_(true); },
         {"requires_grad_", "floating", "int64"}},
        {"inplace_on_leaf",
         [] { ones({3}).requires_grad_(true).mul_(2); },
         {"mul_", "leaf", "requires grad"}},
        {"backward_gradient_wrong_shape",
         [] {
             Tensor x = ones({2, 3}, kFloat64).requires_grad_(true);
             (x * 2).backward(ones({3}, kFloat64));
         },
         {"backward", "gradient has shape [3] but the tensor has shape [2, 3]"}},

        // -- nn --
        {"linear_wrong_features",
         [] {
             nn::Linear fc(4, 3);
             fc(zeros({2, 5}));
         },
         {"Linear", "input has 5 features, expected 4", "[2, 5]", "[3, 4]"}},
        {"conv2d_module_channels",
         [] {
             nn::Conv2d conv(3, 8, {3, 3});
             conv(zeros({1, 1, 28, 28}));
         },
         {"conv2d", "expected input[1, 1, 28, 28] to have 3 channels"}},
        {"load_state_dict_missing_key",
         [] {
             auto m = tiny_model();
             m->load_state_dict({{"0.weight", zeros({3, 4})}});
         },
         {"Error(s) in loading state_dict for Sequential", "Missing key(s) in state_dict: \"0.bias\""}},
        {"load_state_dict_wrong_shape",
         [] {
             auto m = tiny_model();
             m->load_state_dict({{"0.weight", zeros({3, 5})}, {"0.bias", zeros({3})}});
         },
         {"Error(s) in loading state_dict for Sequential", "size mismatch for 0.weight", "[3, 5]", "[3, 4]"}},
        {"load_state_dict_unexpected_key",
         [] {
             auto m = tiny_model();
             m->load_state_dict(
                 {{"0.weight", zeros({3, 4})}, {"0.bias", zeros({3})}, {"1.weight", zeros({1})}});
         },
         {"Error(s) in loading state_dict for Sequential", "Unexpected key(s) in state_dict: \"1.weight\""}},
        {"sequential_index_out_of_range",
         [] { (void)(*tiny_model())[3]; },
         {"Sequential", "3", "out of range"}},
        {"batchnorm2d_3d_input",
         [] {
             nn::BatchNorm2d bn(3);
             bn(zeros({2, 3, 4}));
         },
         {"BatchNorm2d", "expected 4D input (got 3D input)", "[2, 3, 4]", "[N, C, H, W]"}},
        {"batchnorm2d_wrong_channels",
         [] {
             nn::BatchNorm2d bn(3);
             bn(zeros({2, 4, 5, 5}));
         },
         {"BatchNorm2d", "expected input with 3 channels", "got 4 channels", "[2, 4, 5, 5]"}},
        {"layernorm_wrong_shape", [] { layer_norm(zeros({2, 5}), {10}); },
         {"layer_norm", "[*, 10]", "[2, 5]"}},

        // -- losses --
        {"cross_entropy_target_too_big",
         [] {
             nn::CrossEntropyLoss ce;
             ce(zeros({2, 10}), tensor({1, 10}));
         },
         {"cross_entropy", "Target 10 is out of bounds.", "[0, 10)"}},
        {"cross_entropy_target_negative",
         [] {
             nn::CrossEntropyLoss ce;
             ce(zeros({2, 10}), tensor({-5, 1}));
         },
         {"Target -5 is out of bounds."}},
        {"cross_entropy_batch_mismatch",
         [] {
             nn::CrossEntropyLoss ce;
             ce(zeros({2, 10}), tensor({1, 2, 3}));
         },
         {"cross_entropy", "[2, 10]", "[3]"}},
        {"cross_entropy_float_target_wrong_shape",
         [] {
             nn::CrossEntropyLoss ce;
             ce(zeros({2, 10}), zeros({2, 5}));
         },
         {"cross_entropy", "[2, 10]", "[2, 5]"}},
        {"mse_shape_mismatch",
         [] {
             nn::MSELoss mse;
             mse(zeros({2, 3}), zeros({4}));
         },
         {"mse_loss", "[2, 3]", "[4]"}},

        // -- optimizers --
        {"optimizer_no_parameters",
         [] { optim::SGD(std::vector<Tensor>{}); },
         {"SGD", "optimizer got an empty parameter list"}},
        {"adam_no_parameters",
         [] { optim::Adam(std::vector<Tensor>{}); },
         {"Adam", "optimizer got an empty parameter list"}},
        {"negative_lr",
         [] { optim::SGD({ones({2}).requires_grad_(true)}, optim::SGDOptions(-0.1)); },
         {"SGD", "Invalid learning rate: -0.1"}},
        {"frozen_parameter",
         [] { optim::SGD({ones({2})}); },
         {"SGD", "does not require grad", "requires_grad_(true)"}},
        {"adam_bad_beta",
         [] { optim::Adam({ones({2}).requires_grad_(true)}, optim::AdamOptions(0.1).betas({1.0, 0.999})); },
         {"Adam", "Invalid beta parameter at index 0: 1"}},
        {"steplr_zero_step",
         [] {
             optim::SGD sgd({ones({2}).requires_grad_(true)}, optim::SGDOptions(0.1));
             optim::StepLR(sgd, 0);
         },
         {"StepLR", "step_size must be positive, got 0"}},
        {"onecycle_stepped_too_far",
         [] {
             optim::SGD sgd({ones({2}).requires_grad_(true)}, optim::SGDOptions(0.1).momentum(0.9));
             optim::OneCycleLR sched(sgd, 0.1, 2);
             for (int i = 0; i < 3; ++i) sched.step();
         },
         {"OneCycleLR", "Tried to step 3 times. The specified number of total steps is 2"}},
        {"optimizer_missing_param_group",
         [] {
             optim::SGD sgd({ones({2}).requires_grad_(true)}, optim::SGDOptions(0.1));
             (void)sgd.get_lr(2);
         },
         {"param group 2 does not exist"}},

        // -- data --
        {"dataloader_batch_size_0",
         [] {
             auto ds = std::make_shared<data::TensorDataset>(zeros({4, 2}), zeros({4}));
             data::DataLoader loader(ds, {.batch_size = 0});
         },
         {"DataLoader", "batch_size should be a positive integer value, but got batch_size=0"}},
        {"tensor_dataset_size_mismatch", [] { data::TensorDataset(zeros({4, 2}), zeros({5})); },
         {"TensorDataset", "Size mismatch between tensors", "[4, 2]", "[5]"}},
        {"tensor_dataset_index_out_of_range", [] { (void)data::TensorDataset(zeros({4, 2})).get(4); },
         {"TensorDataset", "index 4 is out of range for a data set of size 4"}},
        {"idx_label_count_differs",
         [] {
             const std::string root = scratch().file("mnist_mismatch");
             fs::create_directories(root);
             write_idx(root + "/train-images-idx3-ubyte", {5, 2, 2});
             write_idx(root + "/train-labels-idx1-ubyte", {4});
             data::datasets::MNIST ds(root);
         },
         {"MNIST", "has 5 images", "has 4 labels"}},
        {"idx_truncated",
         [] {
             const std::string path = scratch().file("short.idx");
             write_bytes(path, {0, 0, 0x08, 1, 0, 0, 0, 9, 1, 2});  // says 9 bytes, holds 2
             data::read_idx(path);
         },
         {"read_idx", "short.idx", "expected 9 bytes", "found 2"}},
        {"idx_missing_file",
         [] { data::read_idx(scratch().file("nowhere.idx")); },
         {"read_idx", "nowhere.idx"}},

        // -- checkpoints --
        {"safetensors_missing_file",
         [] { io::load_safetensors(scratch().file("missing.safetensors")); },
         {"load_safetensors", "missing.safetensors", "cannot open"}},
        {"safetensors_truncated",
         [] {
             const std::string path = scratch().file("truncated.safetensors");
             io::save_safetensors({{"w", ones({16, 16})}}, path);
             fs::resize_file(path, fs::file_size(path) - 100);
             io::load_safetensors(path);
         },
         {"load_safetensors", "truncated.safetensors", "[0, 1024]", "924 bytes"}},
        {"safetensors_bad_header",
         [] {
             const std::string path = scratch().file("bad_header.safetensors");
             const std::string header = "{not json";
             std::vector<uint8_t> bytes(8, 0);
             bytes[0] = static_cast<uint8_t>(header.size());
             bytes.insert(bytes.end(), header.begin(), header.end());
             write_bytes(path, bytes);
             io::load_safetensors(path);
         },
         {"load_safetensors", "bad_header.safetensors", "header"}},
        {"safetensors_header_length_too_big",
         [] {
             const std::string path = scratch().file("huge_header.safetensors");
             write_bytes(path, {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'});
             io::load_safetensors(path);
         },
         {"load_safetensors", "huge_header.safetensors", "header length 4294967295"}},
        {"checkpoint_missing_file",
         [] { io::load_checkpoint(scratch().file("missing.ckpt")); },
         {"load_checkpoint", "missing.ckpt", "cannot open"}},
        {"module_load_wrong_shape",
         [] {
             const std::string path = scratch().file("model.safetensors");
             nn::Sequential other(std::make_shared<nn::Linear>(5, 3));
             io::save(other, path);
             auto m = tiny_model();
             io::load(*m, path);
         },
         {"size mismatch for 0.weight", "[3, 5]", "[3, 4]"}},
    };
}
// clang-format on

// gtest prints a failing parameter; show the row's name, not its bytes.
void PrintTo(const MisuseCase& c, std::ostream* os) { *os << c.name; }

class Misuse : public ::testing::TestWithParam<MisuseCase> {};

TEST_P(Misuse, ThrowsTinydlErrorWithMessage) {
    const MisuseCase& c = GetParam();
    try {
        c.misuse();
        ADD_FAILURE() << c.name << ": did not throw";
    } catch (const tinydl::Error& e) {
        const std::string what = e.what();
        // TINYDL_MISUSE_PRINT=1 lists every message, to review the wording as a whole.
        if (std::getenv("TINYDL_MISUSE_PRINT")) std::cout << "[" << c.name << "] " << what << "\n";
        for (const std::string& part : c.expected)
            EXPECT_NE(what.find(part), std::string::npos)
                << c.name << ": message \"" << what << "\" lacks \"" << part << "\"";
    } catch (const std::exception& e) {
        ADD_FAILURE() << c.name << ": threw a non-tinydl exception: " << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Table, Misuse, ::testing::ValuesIn(misuse_table()),
                         [](const ::testing::TestParamInfo<MisuseCase>& info) {
                             return std::string(info.param.name);
                         });

// The issue asks for at least 60 distinct cases; keep the count honest as rows are edited.
TEST(MisuseTable, HasAtLeastSixtyDistinctCases) {
    const std::vector<MisuseCase> table = misuse_table();
    EXPECT_GE(table.size(), 60u);
    std::set<std::string> names;
    for (const MisuseCase& c : table) {
        EXPECT_FALSE(c.expected.empty()) << c.name << " asserts nothing";
        EXPECT_TRUE(names.insert(c.name).second) << "duplicate row " << c.name;
    }
}

}  // namespace
}  // namespace tinydl
