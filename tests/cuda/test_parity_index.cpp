// test_parity_index.cpp — the CUDA kernels of the indexing family (src/cuda/index.cu):
// index_select, index_add, gather, scatter_add, and the ops built on them (embedding,
// nn::Embedding, one_hot), against the CPU on the same random inputs (tests/support/cuda_parity.h),
// with gradients, several dtypes, non-contiguous operands, and both schemes of the adding kernels
// (deterministic columns and atomics; the file header of src/cuda/index.cu explains the choice).
// Then the errors: a bad index on a CUDA tensor is a tinydl::IndexError raised on the host, and
// the GPU stays usable; operands on two devices are an Error naming both.
//
// Every test skips itself without a GPU.
#include <cstdint>
#include <vector>

#include "tests/support/cuda_parity.h"

namespace tinydl {
namespace {

using namespace tinydl::testing;

using Dims = std::vector<int64_t>;

Tensor idx(std::vector<int64_t> values, DType dtype = kInt64) { return tensor(values).to(dtype); }

// Restores the global determinism switch however a test leaves.
struct DeterministicScope {
    bool before = is_deterministic();
    explicit DeterministicScope(bool on) { set_deterministic(on); }
    ~DeterministicScope() { set_deterministic(before); }
};

// ---- index_select / embedding ---------------------------------------------------------------------
TEST(CudaParityIndex, IndexSelectEveryDimWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        manual_seed(1);
        const Tensor x = randn({4, 5, 6}, dtype).requires_grad_();
        for (int64_t dim : {0, 1, 2, -1}) {
            SCOPED_TRACE(detail::str("dim ", dim, " ", dtype));
            // Repeated indices: the backward (index_add) accumulates.
            const Tensor index = idx({3, 0, 3, 1, 3}, dim == 0 ? kInt64 : kInt32);
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return index_select(in[0], dim, in[1]); }, {x, index}));
            // A transposed input.
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return in[0].transpose(0, 2).index_select(dim, in[1]); },
                {x, index}));
        }
    }
    // Every element size: a byte copy on the GPU as on the CPU.
    const Tensor index = idx({2, 2, 0});
    for (DType dtype : {kInt64, kInt32, kUInt8, kBool}) {
        SCOPED_TRACE(detail::str(dtype));
        const Tensor x = randint(0, 2, {3, 4}).to(dtype);
        EXPECT_TRUE(cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) { return index_select(in[0], 1, in[1]); }, {x, index}));
    }
    // A 0-dim input, and an empty index.
    EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, in[1]); },
                                 {tensor(2.5).requires_grad_(), idx({0})}));
    EXPECT_TRUE(cuda_matches_cpu([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, in[1]); },
                                 {randn({3, 2}).requires_grad_(), zeros({0}, kInt64)}));
}

TEST(CudaParityIndex, EmbeddingAndModule) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(2);
    // Many tokens over few rows: the backward (index_add along dim 0 with 8 columns) takes the
    // atomic path; with the determinism switch on, the column path.
    const Tensor weight = randn({10, 8}).requires_grad_();
    const Tensor tokens = randint(0, 10, {16, 40});
    for (bool deterministic : {false, true}) {
        SCOPED_TRACE(deterministic ? "deterministic" : "default");
        DeterministicScope scope(deterministic);
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return embedding(in[0], in[1]); },
                                     {weight, tokens}, {1e-5, 1e-4}));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return nn::functional::embedding(in[1], in[0]); },
            {weight.to(kFloat64).detach().requires_grad_(), tokens.to(kInt32)}, {1e-12, 1e-12}));
    }
    // The module, moved to the GPU.
    nn::Embedding cpu_emb(7, 3), gpu_emb(7, 3);
    {
        NoGradGuard no_grad;
        gpu_emb.weight.copy_(cpu_emb.weight);
    }
    gpu_emb.to(Device::cuda());
    const Tensor t = randint(0, 7, {4, 5});
    const Tensor y_cpu = cpu_emb(t), y_gpu = gpu_emb(t.cuda());
    EXPECT_TRUE(y_gpu.is_cuda());
    EXPECT_TRUE(allclose(y_gpu.cpu(), y_cpu, 0, 0));
    manual_seed(3);
    const Tensor g = randn(y_cpu.sizes());
    y_cpu.backward(g);
    y_gpu.backward(g.cuda());
    EXPECT_TRUE(allclose(gpu_emb.weight.grad().cpu(), cpu_emb.weight.grad(), 1e-5, 1e-5));
}

// ---- index_add --------------------------------------------------------------------------------------
TEST(CudaParityIndex, IndexAddWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        manual_seed(4);
        const Tensor x = randn({4, 5, 6}, dtype).requires_grad_();
        const Tensor index = idx({4, 0, 4, 2});
        for (int64_t dim : {0, 1, 2}) {
            SCOPED_TRACE(detail::str("dim ", dim, " ", dtype));
            Dims source_shape{4, 5, 6};
            source_shape[dim] = 4;
            const Tensor source = randn(source_shape, dtype).requires_grad_();
            const Tensor index_d = dim == 0 ? idx({3, 0, 3, 2}) : index;
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return index_add(in[0], dim, in[2], in[1]); },
                {x, source, index_d}));
            // Transposed operands.
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return index_add(in[0].transpose(0, 2), 2 - dim, in[2], in[1].transpose(0, 2));
                },
                {x, source, index_d}));
        }
    }
    // Integers are exact on both paths (few columns and a long walk: atomics).
    for (DType dtype : {kInt64, kInt32, kUInt8}) {
        SCOPED_TRACE(detail::str(dtype));
        manual_seed(5);
        const Tensor x = randint(0, 100, {6, 3}).to(dtype);
        const Tensor long_index = randint(0, 6, {500});
        const Tensor source = randint(0, 100, {500, 3}).to(dtype);
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return index_add(in[0], 0, in[1], in[2]); },
                             {x, long_index, source}));
        EXPECT_TRUE(
            cuda_matches_cpu([](const std::vector<Tensor>& in) { return index_add(in[0], 1, in[1], in[2]); },
                             {x, idx({2, 2, 0}), randint(0, 100, {6, 3}).to(dtype)}));
    }
}

// The column path adds in the CPU's order: with the determinism switch on, float sums match the
// CPU bit for bit, and two GPU runs match each other.
TEST(CudaParityIndex, DeterministicAddsMatchTheCpuExactly) {
    TINYDL_REQUIRE_CUDA();
    DeterministicScope scope(true);
    manual_seed(6);
    const Tensor x = randn({50, 4});
    const Tensor index = randint(0, 50, {3000});
    const Tensor source = randn({3000, 4}) * 100.0;
    const Tensor cpu = index_add(x, 0, index, source);
    const Tensor gpu1 = index_add(x.cuda(), 0, index.cuda(), source.cuda()).cpu();
    const Tensor gpu2 = index_add(x.cuda(), 0, index.cuda(), source.cuda()).cpu();
    EXPECT_TRUE(allclose(gpu1, cpu, 0, 0));
    EXPECT_TRUE(allclose(gpu2, gpu1, 0, 0));
    const Tensor scatter_index = randint(0, 7, {3, 2000});
    const Tensor src = randn({3, 2000}) * 100.0;
    const Tensor y = randn({3, 7});
    const Tensor scpu = scatter_add(y, 1, scatter_index, src);
    const Tensor sgpu = scatter_add(y.cuda(), 1, scatter_index.cuda(), src.cuda()).cpu();
    EXPECT_TRUE(allclose(sgpu, scpu, 0, 0));
}

// ---- gather / scatter_add ------------------------------------------------------------------------------
TEST(CudaParityIndex, GatherWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        manual_seed(7);
        const Tensor x = randn({4, 5, 6}, dtype).requires_grad_();
        for (int64_t dim : {0, 1, 2}) {
            SCOPED_TRACE(detail::str("dim ", dim, " ", dtype));
            // index smaller than x outside dim, larger along dim (repeats).
            Dims index_shape{3, 4, 5};
            index_shape[dim] = 9;
            const Tensor index = randint(0, x.size(dim), index_shape);
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return gather(in[0], dim, in[1]); }, {x, index}));
            // Strided x and index (int32).
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return in[0].transpose(0, 2).gather(2 - dim, in[1].transpose(0, 2));
                },
                {x, index.to(kInt32)}));
        }
    }
    // Other dtypes (a copy), a 0-dim input.
    for (DType dtype : {kInt64, kInt32, kUInt8, kBool}) {
        SCOPED_TRACE(detail::str(dtype));
        EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return gather(in[0], 1, in[1]); },
                                     {randint(0, 2, {3, 4}).to(dtype), randint(0, 4, {3, 6})}));
    }
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return gather(in[0], 0, in[1]); },
                                 {tensor(1.5).requires_grad_(), zeros({}, kInt64)}));
}

TEST(CudaParityIndex, ScatterAddWithGradients) {
    TINYDL_REQUIRE_CUDA();
    for (DType dtype : {kFloat32, kFloat64}) {
        manual_seed(8);
        const Tensor x = randn({4, 5, 6}, dtype).requires_grad_();
        for (int64_t dim : {0, 1, 2}) {
            SCOPED_TRACE(detail::str("dim ", dim, " ", dtype));
            // src larger than index (its extra elements get zero gradient), repeated targets.
            Dims index_shape{3, 4, 5};
            index_shape[dim] = 7;
            const Tensor index = randint(0, x.size(dim), index_shape);
            const Tensor src = randn({8, 8, 8}, dtype).requires_grad_();
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) { return scatter_add(in[0], dim, in[1], in[2]); },
                {x, index, src}));
            EXPECT_TRUE(cuda_matches_cpu(
                [&](const std::vector<Tensor>& in) {
                    return in[0].transpose(0, 2).scatter_add(2 - dim, in[1].transpose(0, 2),
                                                             in[2].transpose(0, 2));
                },
                {x, index, src}));
        }
    }
    // The atomic path: few columns, long walks along dim; floats to a tolerance, integers exact
    // (uint8 wraps around on both devices).
    manual_seed(9);
    const Tensor index = randint(0, 5, {2, 3000});
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return scatter_add(in[0], 1, in[1], in[2]); },
        {randn({2, 5}).requires_grad_(), index, randn({2, 3000}).requires_grad_()}, {1e-4, 1e-3}));
    for (DType dtype : {kInt64, kInt32, kUInt8}) {
        SCOPED_TRACE(detail::str(dtype));
        EXPECT_TRUE(cuda_matches_cpu(
            [](const std::vector<Tensor>& in) { return scatter_add(in[0], 1, in[1], in[2]); },
            {randint(0, 100, {2, 5}).to(dtype), index, randint(0, 100, {2, 3000}).to(dtype)}));
    }
}

// gather's backward (scatter_add) and scatter_add's backward (gather), differentiated again.
TEST(CudaParityIndex, DoubleBackward) {
    TINYDL_REQUIRE_CUDA();
    manual_seed(10);
    const Tensor x = randn({4, 6}, kFloat64).requires_grad_();
    const Tensor index = randint(0, 6, {4, 9});
    const Tensor g = randn({4, 9}, kFloat64).requires_grad_();
    EXPECT_TRUE(cuda_matches_cpu(
        [](const std::vector<Tensor>& in) {
            const Tensor y = gather(in[0], 1, in[1]);
            return grad({y}, {in[0]}, {in[2]}, /*retain_graph=*/true, /*create_graph=*/true)[0];
        },
        {x, index, g}));
}

TEST(CudaParityIndex, OneHot) {
    TINYDL_REQUIRE_CUDA();
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return one_hot(in[0], 5); },
                                 {randint(0, 5, {3, 4})}));
    EXPECT_TRUE(cuda_matches_cpu([](const std::vector<Tensor>& in) { return one_hot(in[0]); },
                                 {idx({0, 3, 2}, kInt32)}));
}

// ---- errors -------------------------------------------------------------------------------------------
// Checked on the host before any kernel runs: an IndexError naming the op, no device-side
// assert, and the GPU works afterwards.
TEST(CudaParityIndex, BadIndicesThrowAndTheGpuStaysUsable) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = randn({5, 3}).cuda();
    EXPECT_ERROR(index_select(x, 0, idx({1, 7}).cuda()), "index_select", "index 7 is out of bounds",
                 "dimension 0 with size 5");
    EXPECT_ERROR(index_select(x, 1, idx({-1}, kInt32).cuda()), "index_select", "index -1");
    EXPECT_ERROR(index_add(x, 0, idx({5}).cuda(), randn({1, 3}).cuda()), "index_add", "index 5");
    EXPECT_ERROR(gather(x, 1, tensor({{0, 3}}).cuda()), "gather", "index 3", "dimension 1 with size 3");
    EXPECT_ERROR(scatter_add(x, 0, tensor({{9}}).cuda(), randn({1, 1}).cuda()), "scatter_add", "index 9");
    EXPECT_ERROR(embedding(x, tensor({{0, 5}}).cuda()), "embedding", "index 5");
    EXPECT_ERROR(one_hot(tensor({0, 3}).cuda(), 3), "one_hot", "smaller than num_classes (3)");
    EXPECT_THROW(gather(x, 0, tensor({{-1}}).cuda()), IndexError);
    // The context is healthy: kernels run and results come back.
    EXPECT_NO_THROW(cuda::synchronize());
    EXPECT_TRUE(
        allclose(index_select(x, 0, idx({4, 0}).cuda()).cpu(), index_select(x.cpu(), 0, idx({4, 0})), 0, 0));
}

TEST(CudaParityIndex, OperandsOnTwoDevices) {
    TINYDL_REQUIRE_CUDA();
    const Tensor x = randn({5, 3}).cuda();
    EXPECT_ERROR(index_select(x, 0, idx({1})), "index_select", "cuda:0", "cpu");
    EXPECT_ERROR(gather(x, 0, tensor({{1}})), "gather", "cuda:0", "cpu");
    EXPECT_ERROR(scatter_add(x, 0, tensor({{1}}).cuda(), randn({1, 1})), "scatter_add", "cuda:0", "cpu");
    EXPECT_ERROR(index_add(x.cpu(), 0, idx({1}).cuda(), randn({1, 3}).cuda()), "index_add", "cuda:0", "cpu");
    EXPECT_ERROR(embedding(x, tensor({1})), "embedding", "cuda:0", "cpu");
}

}  // namespace
}  // namespace tinydl
