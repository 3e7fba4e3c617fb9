// conv.cu — CUDA convolution kernels: cuDNN's forward, backward-data and backward-filter
// convolutions, and two small kernels of tinydl's own (the bias, the bias gradient).
//
// What this is: the CUDA twin of src/cpu/conv.cpp, with the same three products in conv2d's
// orientation (src/cpu/conv.h):
//   forward       y      = conv(x, w) (+ bias)          cudnnConvolutionForward
//   input grad    grad_x = conv^T(grad_y, w) (+ bias)   cudnnConvolutionBackwardData
//   weight grad   grad_w = sum_n grad_y[n] * x[n]      cudnnConvolutionBackwardFilter
// conv_transpose2d needs nothing extra: its forward *is* the input gradient kernel, its input
// gradient the forward kernel (Note [Transposed convolution] in src/ops/conv.cpp), and cuDNN
// computes each of them from the geometry alone, whichever op asked.
// The steps of one call: describe the tensors and the convolution to cuDNN (descriptors), pick
// an algorithm (Note [Choosing a cuDNN algorithm]), allocate its workspace from tinydl's caching
// allocator, run. Everything is on the legacy default stream, like the rest of tinydl.
// What cuDNN cannot do directly: tinydl's geometry allows more padding after the image than
// before (padding="same" with an even kernel), cuDNN's legacy API only symmetric padding; Note
// [Asymmetric padding] below bridges it with a zero-extended copy.
// Precision: float32 convolutions run with CUDNN_FMA_MATH (float32 FMAs, never TF32 tensor
// cores), so they agree with the CPU within float32 rounding, as the matmul does.
// What it is not: no NHWC, no fused conv+bias+activation, no half precision.
//
// Dimension legend: see src/cpu/conv.h.
#include "src/cuda/conv.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "src/cuda/handles.h"
#include "src/cuda/launch.cuh"
#include "tinydl/determinism.h"
#include "tinydl/factory.h"

namespace tinydl::cuda {

namespace {

// ---- tinydl's own kernels -------------------------------------------------------------------------
// out [N, C, HW] (contiguous) = (accumulate ? out : 0) + bias[c], bias == nullptr for none.
// One thread per element: the forward's bias, conv_transpose2d's bias, and the "empty sum" case.
template <typename T> __global__ void channel_bias_kernel(T* __restrict__ out, const T* __restrict__ bias,
                                                          int64_t C, int64_t HW, int64_t n, bool accumulate) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const T add = bias != nullptr ? bias[(i / HW) % C] : T(0);
        out[i] = accumulate ? out[i] + add : add;
    }
}

// dst [N, C, Hd, Wd] (contiguous) = src [N, C, Hs, Ws] (any strides) where both have the
// pixel, 0 where only dst has it: zero-extends (Hd >= Hs) or crops (Hd <= Hs) each image.
template <typename T> __global__ void window_copy_kernel(T* __restrict__ dst, const T* __restrict__ src,
                                                         int64_t C, int64_t Hd, int64_t Wd, int64_t Hs,
                                                         int64_t Ws, int64_t sn, int64_t sc, int64_t sh,
                                                         int64_t sw, int64_t n) {
    TINYDL_CUDA_KERNEL_LOOP(i, n) {
        const int64_t w = i % Wd, h = i / Wd % Hd, c = i / (Wd * Hd) % C, img = i / (Wd * Hd * C);
        dst[i] = h < Hs && w < Ws ? src[img * sn + c * sc + h * sh + w * sw] : T(0);
    }
}

// grad_bias[c] = sum over n, l of grad [N, C, HW] (contiguous). One block per channel (grid-
// stride over channels): thread t sums the elements t, t + 256, ... of the channel's N * HW in
// order, then the block adds its 256 partial sums by a tree in shared memory. No atomics, so the
// bits are the same on every run. Consecutive threads read consecutive pixels: coalesced.
template <typename T> __global__ void bias_grad_kernel(T* __restrict__ grad_bias, const T* __restrict__ grad,
                                                       int64_t N, int64_t C, int64_t HW) {
    __shared__ T partial[kThreadsPerBlock];
    const int tid = threadIdx.x;
    const int64_t count = N * HW;
    for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
        T sum = 0;
        for (int64_t j = tid; j < count; j += blockDim.x) {
            const int64_t n = j / HW, l = j % HW;
            sum += grad[(n * C + c) * HW + l];
        }
        partial[tid] = sum;
        __syncthreads();
        for (int s = kThreadsPerBlock / 2; s > 0; s >>= 1) {  // blockDim.x == kThreadsPerBlock, a power of 2
            if (tid < s) partial[tid] += partial[tid + s];
            __syncthreads();
        }
        if (tid == 0) grad_bias[c] = partial[0];
        __syncthreads();  // partial[0] is read before the next channel overwrites it
    }
}

// out [N, C, HW] = (accumulate ? out : 0) + bias per channel (bias.data == nullptr: none).
void channel_bias(const char* op, const TensorView& out, const TensorView& bias, int64_t N, int64_t C,
                  int64_t HW, bool accumulate) {
    const int64_t n = N * C * HW;
    if (n == 0 || (accumulate && bias.data == nullptr)) return;
    dispatch_floating(out.dtype, op, [&]<typename T>() {
        channel_bias_kernel<T>
            <<<blocks_for(n), kThreadsPerBlock>>>(out.ptr<T>(), bias.ptr<const T>(), C, HW, n, accumulate);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

// dst (contiguous 4-D) = src's common window, zeros elsewhere (window_copy_kernel).
void window_copy(const char* op, const TensorView& dst, const TensorView& src) {
    const int64_t n = dst.numel();
    if (n == 0) return;
    dispatch_floating(dst.dtype, op, [&]<typename T>() {
        window_copy_kernel<T><<<blocks_for(n), kThreadsPerBlock>>>(
            dst.ptr<T>(), src.ptr<const T>(), dst.sizes[1], dst.sizes[2], dst.sizes[3], src.sizes[2],
            src.sizes[3], src.strides[0], src.strides[1], src.strides[2], src.strides[3], n);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

// A new contiguous tensor on the current GPU, for intermediate results (caching allocator).
Tensor scratch(IntArrayRef shape, DType dtype) {
    return empty(shape, TensorOptions(dtype).device(Device::cuda(current_device())));
}

// ---- the problem as cuDNN sees it -------------------------------------------------------------------
// Note [Asymmetric padding]: cuDNN pads both sides of an image by the same p and makes
// oHc = (H + 2p - d(k-1) - 1) / s + 1 output rows. tinydl's geometry fixes the top padding pH and
// the output height oH, and the bottom padding is whatever that implies, so the two can differ:
//   - padding="same" with an even kernel pads one row more at the bottom: oH = H, but cuDNN
//     would make H - 1 rows;
//   - conv_transpose2d with output_padding >= stride (allowed when dilation is larger) has
//     an image taller than its conv2d input needs: cuDNN would make more than oH rows.
// Both come down to the image being read as if zero-extended (every read past row H-1 is a 0),
// so: let cuDNN see an image of Hc >= H rows, the real one plus zero rows, where Hc is the least
// height that gives at least oH output rows; and let it compute oHc >= oH output rows, of which
// the first oH are the answer (the rows above are the same reads of the same pixels). Forward:
// zero-extend x, crop y. The two gradients are the adjoints: zero-extend grad_y (the rows past oH
// had no effect), crop grad_x. Columns alike. In the common case Hc = H and oHc = oH: no copy.
struct CudnnShape {
    int64_t Hc, Wc;    // the image cuDNN reads (>= H, W)
    int64_t oHc, oWc;  // the output cuDNN writes (>= oH, oW)
    bool extend_image = false, extend_output = false;
};

// Output length cuDNN makes for an input of length `in` (0 when the kernel does not fit).
int64_t cudnn_output_length(int64_t in, int64_t p, int64_t k, int64_t d, int64_t s) {
    const int64_t span = in + 2 * p - d * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}

// The least image length >= in that gives at least `out` outputs, and the outputs it gives.
void fit_length(int64_t in, int64_t out, int64_t p, int64_t k, int64_t d, int64_t s, int64_t& in_c,
                int64_t& out_c) {
    in_c = in;
    if (cudnn_output_length(in, p, k, d, s) < out)
        in_c = (out - 1) * s - 2 * p + d * (k - 1) + 1;  // > in here
    out_c = cudnn_output_length(in_c, p, k, d, s);
}

CudnnShape cudnn_shape(const ConvGeometry& g) {
    CudnnShape c{};
    fit_length(g.H, g.oH, g.pH, g.kH, g.dH, g.sH, c.Hc, c.oHc);
    fit_length(g.W, g.oW, g.pW, g.kW, g.dW, g.sW, c.Wc, c.oWc);
    c.extend_image = c.Hc != g.H || c.Wc != g.W;
    c.extend_output = c.oHc != g.oH || c.oWc != g.oW;
    return c;
}

// True when every product sums nothing (no channels, no pixels, no batch, an empty kernel):
// cuDNN refuses zero-sized tensors, and the answer is known without it (zeros, plus the bias).
bool empty_sum(const ConvGeometry& g) {
    return g.N == 0 || g.C == 0 || g.H == 0 || g.W == 0 || g.O == 0 || g.oH == 0 || g.oW == 0 || g.kH == 0 ||
           g.kW == 0;
}

cudnnDataType_t cudnn_type(DType dtype, const char* op) {
    switch (dtype) {
        case DType::Float32:
            return CUDNN_DATA_FLOAT;
        case DType::Float64:
            return CUDNN_DATA_DOUBLE;
        default:
            break;
    }
    throw TypeError(detail::str(op, ": expected a floating-point tensor (float32 or float64), got ", dtype));
}

// True when v is laid out row-major without gaps (size-1 dims may have any stride).
bool contiguous(const TensorView& v) {
    int64_t expected = 1;
    for (int64_t k = v.ndim() - 1; k >= 0; --k) {
        if (v.sizes[k] != 1 && v.strides[k] != expected) return false;
        expected *= v.sizes[k];
    }
    return true;
}

// ---- descriptors -------------------------------------------------------------------------------------
// A cuDNN descriptor that destroys itself (Create/Destroy are the library's pair).
template <typename D, cudnnStatus_t (*Create)(D*), cudnnStatus_t (*Destroy)(D)> class Descriptor {
  public:
    Descriptor() { TINYDL_CUDNN_CHECK(Create(&d_), "cuDNN descriptor"); }
    ~Descriptor() { Destroy(d_); }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    D get() const { return d_; }

  private:
    D d_ = nullptr;
};
using TensorDescriptor =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor = Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                                         cudnnDestroyConvolutionDescriptor>;

// cuDNN's legacy API counts in int: every size, stride and parameter, and a tensor's whole
// extent, must stay below 2^31. `what` names the number's owner for the message.
template <typename What> int to_int(int64_t v, const char* op, const What& what) {
    TINYDL_CHECK(v >= 0 && v <= INT_MAX, op, "cuDNN's convolutions count in 32-bit ints, and ", what,
                 " goes past 2^31 - 1 (", v, "); split the batch into smaller ones");
    return static_cast<int>(v);
}

// Everything cuDNN is told about one convolution, and the key its algorithm choice is cached
// under (every number the descriptors hold).
struct ConvDescriptors {
    TensorDescriptor x, y;  // the image [N, C, Hc, Wc] and the output [N, O, oHc, oWc]
    FilterDescriptor w;     // [O, Cg, kH, kW], contiguous
    ConvolutionDescriptor conv;
    cudnnDataType_t type;
    std::vector<int64_t> key;
    std::string problem;  // for error messages: "image [...], weight [...], output [...], stride ..."

    ConvDescriptors(const char* op, DType dtype, const TensorView& image, const TensorView& output,
                    const TensorView& filter, const ConvGeometry& g)
        : type(cudnn_type(dtype, op)) {
        key = {static_cast<int64_t>(type), g.groups, g.kH, g.kW, g.pH, g.pW, g.sH, g.sW, g.dH, g.dW};
        problem = detail::str("image ", image.sizes, ", weight ", filter.sizes, ", output ", output.sizes,
                              ", stride (", g.sH, ", ", g.sW, "), padding (", g.pH, ", ", g.pW,
                              "), dilation (", g.dH, ", ", g.dW, "), groups ", g.groups, ", ", dtype);
        TINYDL_ASSERT(contiguous(filter) && filter.ndim() == 4, op,
                      ": the weight must be contiguous 4-D, got sizes ", filter.sizes, " strides ",
                      filter.strides);
        set_tensor(x, op, image);
        set_tensor(y, op, output);
        const int64_t Cg = g.Cg();
        to_int(g.O * Cg * g.kH * g.kW, op, detail::str("the weight ", filter.sizes));
        TINYDL_CUDNN_CHECK(
            cudnnSetFilter4dDescriptor(w.get(), type, CUDNN_TENSOR_NCHW, static_cast<int>(g.O),
                                       static_cast<int>(Cg), static_cast<int>(g.kH), static_cast<int>(g.kW)),
            op);
        const auto i = [&](int64_t v) {
            return to_int(v, op, "a stride, padding, dilation or groups value");
        };
        // Cross-correlation (no kernel flip), as tinydl's (and PyTorch's) conv2d computes; the
        // arithmetic in the data type itself.
        TINYDL_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv.get(), i(g.pH), i(g.pW), i(g.sH), i(g.sW),
                                                           i(g.dH), i(g.dW), CUDNN_CROSS_CORRELATION, type),
                           op);
        TINYDL_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv.get(), i(g.groups)), op);
        // float32: FMA kernels only. CUDNN_DEFAULT_MATH would let cuDNN pick TF32 tensor-core
        // kernels on Ampere and later (10-bit mantissa), far outside float32 rounding. float64
        // has no reduced-precision mode to avoid: tensor-core DMMA is exact float64 arithmetic.
        TINYDL_CUDNN_CHECK(cudnnSetConvolutionMathType(
                               conv.get(), type == CUDNN_DATA_FLOAT ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH),
                           op);
        // What cuDNN will make of it must be what Note [Asymmetric padding] planned.
        int n = 0, c = 0, h = 0, wd = 0;
        TINYDL_CUDNN_CHECK(
            cudnnGetConvolution2dForwardOutputDim(conv.get(), x.get(), w.get(), &n, &c, &h, &wd), op);
        TINYDL_ASSERT(
            n == output.sizes[0] && c == output.sizes[1] && h == output.sizes[2] && wd == output.sizes[3], op,
            ": cuDNN's output [", n, ", ", c, ", ", h, ", ", wd, "] differs from the planned ", output.sizes);
    }

  private:
    // A 4-D view as cuDNN's NCHW tensor with explicit strides. A dim of size 1 never moves, so
    // its stride is free: it gets the contiguous value, which cuDNN always accepts.
    void set_tensor(const TensorDescriptor& d, const char* op, const TensorView& v) {
        TINYDL_ASSERT(v.ndim() == 4, op, ": expected a 4-D view, got sizes ", v.sizes);
        int64_t strides[4];
        int64_t extent = 1;  // elements from the first to the last one the view reaches
        for (int k = 3; k >= 0; --k) {
            strides[k] = v.sizes[k] != 1 ? v.strides[k] : (k == 3 ? 1 : strides[k + 1] * v.sizes[k + 1]);
            extent += (v.sizes[k] - 1) * strides[k];
        }
        const std::string what = detail::str("a tensor of shape ", v.sizes);
        to_int(extent, op, what);
        int dims[4], st[4];
        for (int k = 0; k < 4; ++k) {
            dims[k] = to_int(v.sizes[k], op, what);
            st[k] = to_int(strides[k], op, what);
            key.push_back(v.sizes[k]);
            key.push_back(strides[k]);
        }
        TINYDL_CUDNN_CHECK(cudnnSetTensor4dDescriptorEx(d.get(), type, dims[0], dims[1], dims[2], dims[3],
                                                        st[0], st[1], st[2], st[3]),
                           op);
    }
};

// ---- algorithms -------------------------------------------------------------------------------------
// Note [Choosing a cuDNN algorithm]: cuDNN has several algorithms per pass (implicit GEMM,
// explicit GEMM, FFT, Winograd, ...), each fastest somewhere, some needing a workspace, some
// not applicable to a given shape, and some summing with atomics (so their bits vary from run to
// run). cudnnGet*Algorithm_v7 ranks them with cuDNN's heuristics, no trial runs, for one problem.
// Per problem (the descriptors' numbers, the pass, the GPU, the determinism switch) the ranked
// list is computed once and kept in a map:
//   - only algorithms the heuristics says can run (status SUCCESS),
//   - in deterministic mode (tinydl::set_deterministic(true)) only CUDNN_DETERMINISTIC ones,
//   - each with its workspace size for this problem (cudnnGet*WorkspaceSize).
// A call takes the first; if its workspace does not fit in GPU memory, or cuDNN answers "not
// supported" when it runs, it goes down the list, and moves the one that worked to the front.
// The workspace is a tinydl tensor: the caching allocator serves it, and frees it for the next op.
enum class Pass { Forward, BackwardData, BackwardFilter };

const char* pass_name(Pass pass) {
    switch (pass) {
        case Pass::Forward:
            return "cudnnConvolutionForward";
        case Pass::BackwardData:
            return "cudnnConvolutionBackwardData";
        case Pass::BackwardFilter:
            return "cudnnConvolutionBackwardFilter";
    }
    return "cudnnConvolution";
}

struct Candidate {
    int algo;
    size_t workspace;  // bytes
};

struct AlgorithmCache {
    std::mutex mutex;
    std::map<std::vector<int64_t>, std::vector<Candidate>> ranked;  // key -> candidates, best first
};

AlgorithmCache& algorithm_cache() {
    static AlgorithmCache* cache = new AlgorithmCache;  // never destroyed, like the handles
    return *cache;
}

// The three passes' perf structs have the same fields: one filter for all.
template <typename Perf> bool usable(const Perf& p, bool deterministic) {
    return p.status == CUDNN_STATUS_SUCCESS && (!deterministic || p.determinism == CUDNN_DETERMINISTIC);
}

void add_candidate(std::vector<Candidate>& out, int algo, size_t workspace) {
    for (const Candidate& c : out)
        if (c.algo == algo) return;  // the heuristics may list an algorithm once per math type
    out.push_back({algo, workspace});
}

std::vector<Candidate> rank_algorithms(Pass pass, cudnnHandle_t h, const ConvDescriptors& d,
                                       bool deterministic, const char* op) {
    std::vector<Candidate> out;
    int count = 0, got = 0;
    switch (pass) {
        case Pass::Forward: {
            TINYDL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &count), op);
            std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<size_t>(std::max(count, 1)));
            TINYDL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, d.x.get(), d.w.get(), d.conv.get(),
                                                                      d.y.get(), count, &got, perf.data()),
                               op);
            for (int i = 0; i < got; ++i) {
                size_t bytes = 0;
                if (!usable(perf[i], deterministic) ||
                    cudnnGetConvolutionForwardWorkspaceSize(h, d.x.get(), d.w.get(), d.conv.get(), d.y.get(),
                                                            perf[i].algo, &bytes) != CUDNN_STATUS_SUCCESS)
                    continue;
                add_candidate(out, perf[i].algo, bytes);
            }
            break;
        }
        case Pass::BackwardData: {
            TINYDL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &count), op);
            std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(static_cast<size_t>(std::max(count, 1)));
            TINYDL_CUDNN_CHECK(
                cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                            count, &got, perf.data()),
                op);
            for (int i = 0; i < got; ++i) {
                size_t bytes = 0;
                if (!usable(perf[i], deterministic) || cudnnGetConvolutionBackwardDataWorkspaceSize(
                                                           h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                           perf[i].algo, &bytes) != CUDNN_STATUS_SUCCESS)
                    continue;
                add_candidate(out, perf[i].algo, bytes);
            }
            break;
        }
        case Pass::BackwardFilter: {
            TINYDL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &count), op);
            std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(static_cast<size_t>(std::max(count, 1)));
            TINYDL_CUDNN_CHECK(
                cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x.get(), d.y.get(), d.conv.get(),
                                                              d.w.get(), count, &got, perf.data()),
                op);
            for (int i = 0; i < got; ++i) {
                size_t bytes = 0;
                if (!usable(perf[i], deterministic) || cudnnGetConvolutionBackwardFilterWorkspaceSize(
                                                           h, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                                                           perf[i].algo, &bytes) != CUDNN_STATUS_SUCCESS)
                    continue;
                add_candidate(out, perf[i].algo, bytes);
            }
            break;
        }
    }
    return out;
}

// The ranked candidates for this problem, from the cache or from the heuristics.
std::vector<Candidate> candidates_for(const std::vector<int64_t>& key, Pass pass, cudnnHandle_t h,
                                      const ConvDescriptors& d, bool deterministic, const char* op) {
    AlgorithmCache& cache = algorithm_cache();
    {
        std::lock_guard<std::mutex> lock(cache.mutex);
        const auto it = cache.ranked.find(key);
        if (it != cache.ranked.end()) return it->second;
    }
    std::vector<Candidate> ranked = rank_algorithms(pass, h, d, deterministic, op);  // outside the lock
    TINYDL_CHECK(!ranked.empty(), op, "cuDNN has no ", deterministic ? "deterministic " : "",
                 "algorithm for ", pass_name(pass), " with ", d.problem,
                 deterministic ? "; tinydl::set_deterministic(false) allows the non-deterministic ones" : "");
    std::lock_guard<std::mutex> lock(cache.mutex);
    return cache.ranked.emplace(key, std::move(ranked))
        .first->second;  // another thread's list if it was first
}

// After candidate `algo` ran where the first could not: put it first for the next call.
void promote(const std::vector<int64_t>& key, int algo) {
    AlgorithmCache& cache = algorithm_cache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    const auto it = cache.ranked.find(key);
    if (it == cache.ranked.end()) return;
    std::vector<Candidate>& list = it->second;
    const auto pos =
        std::find_if(list.begin(), list.end(), [&](const Candidate& c) { return c.algo == algo; });
    if (pos != list.end()) std::rotate(list.begin(), pos, pos + 1);
}

// alpha = 1, beta = 0 in the type cuDNN wants: double for double data, float otherwise.
struct Scaling {
    float f;
    double d;
    const void* get(cudnnDataType_t type) const {
        return type == CUDNN_DATA_DOUBLE ? static_cast<const void*>(&d) : static_cast<const void*>(&f);
    }
};
constexpr Scaling kOne{1.0f, 1.0}, kZero{0.0f, 0.0};

// Runs one pass: image/output/filter pointers as the descriptors describe them; the pass
// overwrites its result (beta = 0). Note [Choosing a cuDNN algorithm].
void run_pass(Pass pass, const char* op, const ConvDescriptors& d, const void* image, const void* output,
              const void* filter, void* result) {
    cudnnHandle_t h = cudnn_handle();
    const int device = current_device();
    const bool deterministic = is_deterministic();
    std::vector<int64_t> key = d.key;
    key.push_back(static_cast<int64_t>(pass));
    key.push_back(deterministic ? 1 : 0);
    key.push_back(device);
    const std::vector<Candidate> candidates = candidates_for(key, pass, h, d, deterministic, op);

    const void* one = kOne.get(d.type);
    const void* zero = kZero.get(d.type);
    std::exception_ptr out_of_memory;
    cudnnStatus_t last = CUDNN_STATUS_NOT_SUPPORTED;
    for (size_t i = 0; i < candidates.size(); ++i) {
        const Candidate& c = candidates[i];
        Tensor workspace;  // freed (back to the cache) when this iteration ends
        if (c.workspace > 0) {
            try {
                workspace = empty({static_cast<int64_t>(c.workspace)},
                                  TensorOptions(kUInt8).device(Device::cuda(device)));
            } catch (const OutOfMemoryError&) {
                out_of_memory = std::current_exception();  // a smaller workspace further down may fit
                continue;
            }
        }
        void* ws = c.workspace > 0 ? workspace.data_ptr() : nullptr;
        cudnnStatus_t status = CUDNN_STATUS_SUCCESS;
        switch (pass) {
            case Pass::Forward:  // output = conv(image, filter)
                status = cudnnConvolutionForward(h, one, d.x.get(), image, d.w.get(), filter, d.conv.get(),
                                                 static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), ws,
                                                 c.workspace, zero, d.y.get(), result);
                break;
            case Pass::BackwardData:  // image-shaped result = conv^T(output, filter)
                status =
                    cudnnConvolutionBackwardData(h, one, d.w.get(), filter, d.y.get(), output, d.conv.get(),
                                                 static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), ws,
                                                 c.workspace, zero, d.x.get(), result);
                break;
            case Pass::BackwardFilter:  // filter-shaped result = sum_n output[n] * image[n]
                status =
                    cudnnConvolutionBackwardFilter(h, one, d.x.get(), image, d.y.get(), output, d.conv.get(),
                                                   static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), ws,
                                                   c.workspace, zero, d.w.get(), result);
                break;
        }
        if (status == CUDNN_STATUS_SUCCESS) {
            if (i > 0) promote(key, c.algo);
            return;
        }
        if (CUDNN_STATUS_CATEGORY(status) != CUDNN_STATUS_NOT_SUPPORTED)
            cuda_detail::throw_cudnn_error(status, op, pass_name(pass), __FILE__, __LINE__);
        last = status;  // this algorithm cannot do it after all: try the next
    }
    if (out_of_memory) std::rethrow_exception(out_of_memory);
    cuda_detail::throw_cudnn_error(last, op, pass_name(pass), __FILE__, __LINE__);
}

// The image/output views cuDNN reads or writes: the given ones, or zero-extended scratch copies
// (Note [Asymmetric padding]). `keep` owns the scratch tensors.
TensorView extended(const char* op, const TensorView& v, int64_t H, int64_t W, bool copy,
                    std::vector<Tensor>& keep) {
    keep.push_back(scratch({v.sizes[0], v.sizes[1], H, W}, v.dtype));
    const TensorView big = view_of(keep.back());
    if (copy) window_copy(op, big, v);
    return big;
}

}  // namespace

// ---- the kernels ---------------------------------------------------------------------------------------
void conv2d_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias,
                    const ConvGeometry& g) {
    const char* op = "conv2d";
    cudnn_type(y.dtype, op);
    if (empty_sum(g)) return channel_bias(op, y, bias, g.N, g.O, g.oH * g.oW, /*accumulate=*/false);
    const CudnnShape s = cudnn_shape(g);
    std::vector<Tensor> keep;
    const TensorView xs = s.extend_image ? extended(op, x, s.Hc, s.Wc, /*copy=*/true, keep) : x;
    const TensorView ys = s.extend_output ? extended(op, y, s.oHc, s.oWc, /*copy=*/false, keep) : y;
    const ConvDescriptors d(op, y.dtype, xs, ys, w, g);
    run_pass(Pass::Forward, op, d, xs.data, nullptr, w.data, ys.data);
    if (s.extend_output) window_copy(op, y, ys);  // the first oH x oW outputs
    channel_bias(op, y, bias, g.N, g.O, g.oH * g.oW, /*accumulate=*/true);
}

void conv2d_input_grad(const TensorView& grad_x, const TensorView& grad_y, const TensorView& w,
                       const TensorView& bias, const ConvGeometry& g) {
    const char* op = "conv2d (input gradient)";
    cudnn_type(grad_x.dtype, op);
    if (empty_sum(g)) return channel_bias(op, grad_x, bias, g.N, g.C, g.H * g.W, /*accumulate=*/false);
    const CudnnShape s = cudnn_shape(g);
    std::vector<Tensor> keep;
    const TensorView gys = s.extend_output ? extended(op, grad_y, s.oHc, s.oWc, /*copy=*/true, keep) : grad_y;
    const TensorView gxs = s.extend_image ? extended(op, grad_x, s.Hc, s.Wc, /*copy=*/false, keep) : grad_x;
    const ConvDescriptors d(op, grad_x.dtype, gxs, gys, w, g);
    run_pass(Pass::BackwardData, op, d, nullptr, gys.data, w.data, gxs.data);
    if (s.extend_image) window_copy(op, grad_x, gxs);  // the real image's pixels
    channel_bias(op, grad_x, bias, g.N, g.C, g.H * g.W, /*accumulate=*/true);
}

bool conv2d_weight_grad(const TensorView& grad_w, const TensorView& grad_y, const TensorView& x,
                        const ConvGeometry& g, const TensorView& /*grad_bias: see conv.h*/) {
    const char* op = "conv2d (weight gradient)";
    cudnn_type(grad_w.dtype, op);
    if (empty_sum(g)) {  // nothing to sum: zeros
        const int64_t n = grad_w.numel();
        if (n > 0)
            TINYDL_CUDA_CHECK(
                cudaMemsetAsync(grad_w.data, 0, static_cast<size_t>(n) * itemsize(grad_w.dtype), 0), op);
        return false;
    }
    const CudnnShape s = cudnn_shape(g);
    std::vector<Tensor> keep;
    const TensorView xs = s.extend_image ? extended(op, x, s.Hc, s.Wc, /*copy=*/true, keep) : x;
    const TensorView gys = s.extend_output ? extended(op, grad_y, s.oHc, s.oWc, /*copy=*/true, keep) : grad_y;
    const ConvDescriptors d(op, grad_w.dtype, xs, gys, grad_w, g);
    run_pass(Pass::BackwardFilter, op, d, xs.data, gys.data, nullptr, grad_w.data);
    return false;
}

void conv2d_bias_grad(const TensorView& grad_bias, const TensorView& grad, int64_t N, int64_t C, int64_t HW) {
    const char* op = "conv2d (bias gradient)";
    if (C == 0) return;
    dispatch_floating(grad_bias.dtype, op, [&]<typename T>() {
        const unsigned int blocks = static_cast<unsigned int>(std::min<int64_t>(C, 65535));
        bias_grad_kernel<T><<<blocks, kThreadsPerBlock>>>(grad_bias.ptr<T>(), grad.ptr<const T>(), N, C, HW);
        TINYDL_CUDA_LAUNCH_CHECK(op);
    });
}

}  // namespace tinydl::cuda
