#!/usr/bin/env python3
"""bench_gpu.py — workloads W1–W6 of /work/shared/BENCHMARKS.md in PyTorch eager (Python), the
comparison side of tinydl's GPU benchmarks (scripts/bench_gpu.sh). One subcommand per tinydl
program, with the same flags, the same workload and the same JSON keys ("framework":"pytorch"):

    python3 benchmarks/pytorch/bench_gpu.py train --model mlp --epochs 5     # W1   (bench_train)
    python3 benchmarks/pytorch/bench_gpu.py train --model cnn --epochs 3     # W2+W6 (bench_train)
    python3 benchmarks/pytorch/bench_gpu.py gemm --sizes 128,256,512,1024    # W3   (bench_gemm)
    python3 benchmarks/pytorch/bench_gpu.py overhead                         # W4   (bench_overhead)
    python3 benchmarks/pytorch/bench_gpu.py conv                             # W5   (bench_conv)

--device defaults to cuda here (cpu works too, for a look without a GPU). What is held equal
with the tinydl programs (read their header comments for the workloads themselves):

  * float32 everywhere, and no TF32: torch.backends.cuda.matmul / cudnn.conv run in IEEE float32
    (fp32_precision = "ieee" on PyTorch >= 2.9, allow_tf32 = False before), as tinydl's cuBLAS
    (CUBLAS_DEFAULT_MATH) and cuDNN (CUDNN_FMA_MATH) calls do.
  * cudnn.benchmark = False (the default; --cudnn-benchmark 1 turns it on): cuDNN's algorithm is
    then picked by its heuristics per shape, as tinydl's cudnnGet*Algorithm_v7 calls do. With
    benchmark on, PyTorch times the candidates at each new shape (during the warm-up here).
  * every clock read that opens or closes a timed region is preceded by torch.cuda.synchronize()
    (GPU work is asynchronous), and warm-up calls come first, as in the tinydl programs.
  * W1/W2: the same models (PyTorch's default initialisation, from torch.manual_seed(seed): the
    initial weights differ from tinydl's, as they do with the libtorch twins), optimizers,
    hyper-parameters, batch 128, loop (forward, cross-entropy, zero_grad(set_to_none=True),
    backward, step, loss.item()), and the same data in the same order: the IDX files found as
    bench_data.h finds them (the .gz file when there is one), pixels float32(byte) / 255, and the
    shuffle of bench_data.h replicated bit for bit (splitmix64 driving a Fisher–Yates shuffle
    seeded from (seed, epoch); checked against the C++ on the first indices, see
    benchmarks/README.md). Each batch is gathered on the CPU and moved with .to(device) inside the
    timed loop, as tinydl does. Two differences, both in PyTorch's favour and both small: the
    shuffle (pure Python, ~0.1 s per epoch) is computed before the epoch's clock starts, where
    tinydl's C++ shuffle (~1 ms) runs inside it; and the pixels are converted to float32 once,
    up front, so a step gathers float rows (one index_select) where tinydl gathers bytes and
    converts them (~0.1 ms per batch on one core).
  * the optimizers run PyTorch's default implementation for CUDA tensors (foreach, multi-tensor);
    --optim-impl foreach|fused|forloop picks another.

Output: one JSON line per result, the keys of the tinydl program's line first, then
torch_version, cuda, cudnn, gpu (the device's name), tf32, cudnn_benchmark, label, machine and
command.
"""
import argparse
import gzip
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import torch  # the GPU machine's PyTorch; nothing else is needed beyond the standard library

BATCH = 128
MIN_SAMPLE_SECONDS = 0.05  # bench_gemm / bench_conv: a sample repeats its call at least this long
MASK64 = (1 << 64) - 1


# ---- the data (bench_data.h) --------------------------------------------------------------------

def read_idx_bytes(path, ndims):
    """The payload and dims of an unsigned-byte IDX file; gzip'd or not (as zlib's gzread)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    header = 4 + 4 * ndims
    if len(raw) < header or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != ndims:
        raise ValueError(f"{path}: not an unsigned-byte IDX file with {ndims} dims")
    dims = struct.unpack(">" + "I" * ndims, raw[4:header])
    if len(raw) != header + math.prod(dims):
        raise ValueError(f"{path}: size does not match its header")
    return raw[header:], dims


def idx_path(base):
    """The .gz file if there is one, else the plain file (bench_data.h's pick)."""
    return base + ".gz" if os.path.exists(base + ".gz") else base


def load_mnist_bytes(data_dir, train):
    """(image bytes, label bytes, count, rows, cols) of the training or test half."""
    prefix = os.path.join(data_dir, "train" if train else "t10k")
    images, image_dims = read_idx_bytes(idx_path(prefix + "-images-idx3-ubyte"), 3)
    labels, label_dims = read_idx_bytes(idx_path(prefix + "-labels-idx1-ubyte"), 1)
    if image_dims[0] != label_dims[0]:
        raise ValueError(prefix + ": image and label counts differ")
    return images, labels, image_dims[0], image_dims[1], image_dims[2]


def bytes_to_uint8_tensor(payload):
    try:
        import numpy as np
        return torch.from_numpy(np.frombuffer(payload, dtype=np.uint8).copy())
    except ImportError:  # torch.frombuffer needs a writable buffer to avoid a warning
        return torch.frombuffer(bytearray(payload), dtype=torch.uint8)


def load_mnist(data_dir, train):
    """Pixels as float32 [count, rows*cols] (byte / 255, exactly as bench_data.h's gather_batch
    computes static_cast<float>(byte) / 255.0f) and int64 labels, on the CPU."""
    images, labels, count, rows, cols = load_mnist_bytes(data_dir, train)
    # float32(k) / 255.0f, correctly rounded: k / 255.0 in float64 rounded once more to float32
    # gives the same value (double rounding is exact for division when 53 >= 2 * 24 + 2).
    lut = torch.tensor([k / 255.0 for k in range(256)], dtype=torch.float32)
    pixels = lut[bytes_to_uint8_tensor(images).long()].view(count, rows * cols)
    return pixels, bytes_to_uint8_tensor(labels).long(), count, rows, cols


def splitmix64(state):
    """(new state, output) of splitmix64, as bench_data.h's splitmix64."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def epoch_order(n, seed, epoch):
    """bench_data.h's epoch_order: a Fisher–Yates shuffle of 0..n-1 driven by splitmix64 seeded
    from (seed, epoch), with C++'s uint64 wrap-around (seed * 0x100000001B3 + epoch mod 2^64)."""
    order = list(range(n))
    state = (seed * 0x100000001B3 + epoch) & MASK64
    for i in range(n - 1, 0, -1):
        state, z = splitmix64(state)
        j = z % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


# ---- shared ----------------------------------------------------------------------------------------

def machine_name():
    """/proc/cpuinfo's model name, as bench_common.h's machine_name()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() or "unknown"
    except OSError:
        pass
    return "unknown"


class Bench:
    """The device, its clock boundary and the keys every line ends with."""

    def __init__(self, args):
        self.device = torch.device(args.device)
        if self.device.type == "cuda":
            if not torch.cuda.is_available():
                sys.exit(f"bench_gpu.py: error: --device {args.device}: torch.cuda.is_available() is False")
            index = self.device.index if self.device.index is not None else torch.cuda.current_device()
            torch.cuda.set_device(index)
            self.device = torch.device("cuda", index)
        self.tf32 = set_no_tf32()
        torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
        self.label = args.label
        self.tail = {
            "torch_version": torch.__version__,
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
            "gpu": torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else None,
            "tf32": self.tf32,
            "cudnn_benchmark": bool(args.cudnn_benchmark),
            "label": args.label,
            "machine": machine_name(),
            "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        }

    def device_str(self):
        """"cuda:0" or "cpu", as tinydl's Device::str()."""
        return str(self.device)

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def now(self):
        """The clock at a timing boundary: after the GPU's queued work."""
        self.sync()
        return time.perf_counter()

    def emit(self, fields):
        line = dict(framework="pytorch")
        line.update(fields)
        line.update(self.tail)
        print(json.dumps(line, separators=(",", ":")), flush=True)


def set_no_tf32():
    """float32 matmuls and convolutions in IEEE float32 (no TF32); says how it was set."""
    cudnn = torch.backends.cudnn
    new_api = [(torch.backends.cuda.matmul, "fp32_precision"), (cudnn, "fp32_precision"),
               (getattr(cudnn, "conv", None), "fp32_precision"), (getattr(cudnn, "rnn", None), "fp32_precision")]
    if all(obj is not None and hasattr(obj, name) for obj, name in new_api):
        # PyTorch >= 2.9: the new API, and every cuDNN flag alike (PyTorch rejects a mix of the
        # legacy and the new API, and cuDNN conv and rnn flags that differ).
        try:
            for obj, name in new_api:
                setattr(obj, name, "ieee")
            return "off (fp32_precision=ieee)"
        except (RuntimeError, ValueError, AttributeError):
            pass
    torch.backends.cuda.matmul.allow_tf32 = False
    cudnn.allow_tf32 = False
    return "off (allow_tf32=False)"


def stats(values):
    return statistics.median(values), min(values), max(values)


def r4(x):
    return round(x, 4)


def int_list(text):
    return [int(v) for v in text.split(",")]


# ---- W1, W2, W6 (bench_train) ---------------------------------------------------------------------

def make_model(name):
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def optimizer_kwargs(impl):
    return {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}, "forloop": {"foreach": False}}[impl]


def rss_current_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024.0
    return 0.0


def cmd_train(args):
    b = Bench(args)
    torch.set_num_threads(args.threads)
    mlp = args.model == "mlp"
    dev = b.device
    warmup = args.warmup if args.warmup >= 0 else (3 if dev.type == "cuda" else 0)
    train_x, train_y, count, rows, cols = load_mnist(args.data, True)
    test_x, test_y, test_count, _, _ = load_mnist(args.data, False)

    def shaped(x):
        return x if mlp else x.view(x.shape[0], 1, rows, cols)

    torch.manual_seed(args.seed)
    model = make_model(args.model).to(dev)
    kwargs = optimizer_kwargs(args.optim_impl)
    if mlp:
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, **kwargs)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, **kwargs)
    rss_before = rss_current_mib()
    cross_entropy = torch.nn.functional.cross_entropy

    steps = (count + BATCH - 1) // BATCH
    if args.steps > 0:
        steps = min(steps, args.steps)
    images_per_epoch = min(steps * BATCH, count)
    # The orders of every epoch, before any clock starts (pure Python: ~0.1 s each).
    orders = [torch.tensor(epoch_order(count, args.seed, e), dtype=torch.int64) for e in range(args.epochs)]

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad():
            for start in range(0, test_count, 1000):
                n = min(1000, test_count - start)
                logits = model(shaped(test_x[start:start + n]).to(dev))
                correct += int((logits.argmax(1) == test_y[start:start + n].to(dev)).sum().item())
        model.train()
        return correct / test_count

    # Warm-up as bench_train's: forward and backward without opt.step() on the first batches of
    # epoch 0's order, plus one batch of the epoch's last size; the parameters, the optimizer
    # state and the generator stay as they were.
    if warmup > 0:
        order = orders[0] if orders else torch.tensor(epoch_order(count, args.seed, 0), dtype=torch.int64)
        sizes = [min(BATCH, count)] * warmup + ([count % BATCH] if count % BATCH else [])
        for i, n in enumerate(sizes):
            start = min(i * BATCH, count - n)
            idx = order[start:start + n]
            x = shaped(train_x.index_select(0, idx)).to(dev)
            y = train_y.index_select(0, idx).to(dev)
            loss = cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            loss.item()
        opt.zero_grad(set_to_none=True)
        b.sync()

    epoch_seconds, accuracy, train_loss = [], [], []
    for epoch in range(args.epochs):
        order = orders[epoch]
        t0 = b.now()
        loss_sum = 0.0
        for step in range(steps):
            start = step * BATCH
            n = min(BATCH, count - start)
            idx = order[start:start + n]
            x = shaped(train_x.index_select(0, idx)).to(dev)
            y = train_y.index_select(0, idx).to(dev)
            loss = cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * n
        epoch_seconds.append(b.now() - t0)
        train_loss.append(loss_sum / images_per_epoch)
        if args.eval:
            accuracy.append(evaluate())

    med, lo, hi = stats(epoch_seconds)
    fields = dict(workload="W1" if mlp else "W2", model=args.model, threads=args.threads, device=b.device_str(),
                  epochs=args.epochs, epoch_s_median=r4(med), epoch_s_min=r4(lo), epoch_s_max=r4(hi),
                  samples_per_s=round(images_per_epoch / med, 1), ms_per_step=r4(med * 1e3 / steps),
                  test_accuracy=[r4(a) for a in accuracy], train_loss=[r4(v) for v in train_loss], batch=BATCH,
                  steps_per_epoch=steps, seed=args.seed)
    if warmup > 0:
        fields["warmup_steps"] = warmup
    fields["optim_impl"] = args.optim_impl
    b.emit(fields)
    if not mlp:
        fields = dict(workload="W6", model="cnn", threads=args.threads, device=b.device_str(), epochs=args.epochs,
                      max_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
                      rss_before_training_mib=round(rss_before, 1))
        if dev.type == "cuda":
            fields["device_peak_mib"] = round(torch.cuda.max_memory_allocated(dev) / (1024.0 * 1024.0), 1)
        b.emit(fields)
    return 0


# ---- W3 (bench_gemm) --------------------------------------------------------------------------------

def spot_check(a, b, c, n):
    """bench_gemm's check: 16 entries of c = a b (CPU tensors) against float64 dot products,
    within 1e-4 sum_k |a_ik b_kj|."""
    for k in range(16):
        i, j = (k * 7919) % n, (k * 104729 + 3) % n
        terms = a[i].double() * b[:, j].double()
        exact, magnitude = float(terms.sum()), float(terms.abs().sum())
        got = float(c[i, j])
        if not abs(got - exact) <= 1e-4 * magnitude + 1e-6:
            print(f"error: mm({n} x {n}): C[{i}, {j}] = {got:.9g}, expected {exact:.9g}", file=sys.stderr)
            return False
    return True


def cmd_gemm(args):
    b = Bench(args)
    torch.manual_seed(0)
    status = 0
    for n in int_list(args.sizes):
        a_cpu, b_cpu = torch.randn(n, n), torch.randn(n, n)
        a, bb = a_cpu.to(b.device), b_cpu.to(b.device)
        flops = 2.0 * n * n * n
        for threads in int_list(args.threads):
            torch.set_num_threads(threads)
            t0 = b.now()
            c = torch.mm(a, bb)
            first = b.now() - t0
            ok = spot_check(a_cpu, b_cpu, c.cpu(), n)
            if not ok:
                status = 1
            if first <= args.budget:
                t0 = b.now()
                c = torch.mm(a, bb)
                first = min(first, b.now() - t0)
            reps = max(1, math.ceil(MIN_SAMPLE_SECONDS / max(first, 1e-9)))
            ms = []
            start = b.now()
            if first > args.budget:
                ms.append(first * 1e3)
            else:
                while len(ms) < args.samples and (not ms or b.now() - start < args.budget):
                    t0 = b.now()
                    for _ in range(reps):
                        c = torch.mm(a, bb)
                    ms.append((b.now() - t0) * 1e3 / reps)
            med, lo, hi = stats(ms)
            b.emit(dict(workload="W3", n=n, threads=threads, device=b.device_str(),
                        gflops_median=round(flops / (med * 1e6), 2), gflops_min=round(flops / (hi * 1e6), 2),
                        gflops_max=round(flops / (lo * 1e6), 2), ms_median=r4(med), ms_min=r4(lo), ms_max=r4(hi),
                        samples=len(ms), reps_per_sample=reps, check="ok" if ok else "FAILED"))
    return status


# ---- W4 (bench_overhead) ----------------------------------------------------------------------------

OPS_PER_ITER = 4  # mul, add, relu, sum


def cmd_overhead(args):
    b = Bench(args)
    variants = args.variants.split(",")
    for v in variants:
        if v not in ("autograd", "forward_nograd"):
            print(f"error: unknown variant '{v}'", file=sys.stderr)
            return 2
    set_to_none = args.zero == "none"
    torch.manual_seed(0)
    a = torch.randn(4).to(b.device).requires_grad_(True)
    bb = torch.randn(4).to(b.device).requires_grad_(True)
    c = torch.randn(4).to(b.device).requires_grad_(True)

    def step_autograd():
        y = (a * bb + c).relu().sum()
        y.backward()
        for t in (a, bb, c):
            if set_to_none:
                t.grad = None
            else:
                t.grad.zero_()

    def step_forward():
        y = (a * bb + c).relu().sum()
        del y

    # The iterations of a sample queue up on the GPU; the sample ends when it has run them all.
    def time_samples(step):
        for _ in range(args.warmup):
            step()
        us = []
        for _ in range(args.samples):
            t0 = b.now()
            for _ in range(args.iters):
                step()
            us.append((b.now() - t0) * 1e6 / args.iters)
        return us

    # Sanity check before timing, as bench_overhead's.
    (a * bb + c).relu().sum().backward()
    if a.grad is None or a.grad.numel() != 4:
        print("error: backward produced no gradient for a", file=sys.stderr)
        return 1
    a.grad = bb.grad = c.grad = None

    def report(variant, threads, us):
        med, lo, hi = stats(us)
        b.emit(dict(workload="W4", variant=variant, threads=threads, device=b.device_str(),
                    us_per_iter_median=r4(med), us_per_iter_min=r4(lo), us_per_iter_max=r4(hi),
                    us_per_op=r4(med / OPS_PER_ITER), ops_per_iter=OPS_PER_ITER, samples=args.samples,
                    iters_per_sample=args.iters, zero_grad="set_to_none" if set_to_none else "zero_"))

    for threads in int_list(args.threads):
        torch.set_num_threads(threads)
        if "autograd" in variants:
            report("autograd", threads, time_samples(step_autograd))
            a.grad = bb.grad = c.grad = None
        if "forward_nograd" in variants:
            with torch.no_grad():
                report("forward_nograd", threads, time_samples(step_forward))
    return 0


# ---- W5 (bench_conv) --------------------------------------------------------------------------------

def cmd_conv(args):
    b = Bench(args)
    cases = []
    if "conv1" in args.cases:
        cases.append(("conv1", 128, 1, 32, 28, False))
    if "conv2" in args.cases:
        cases.append(("conv2", 128, 32, 64, 14, True))
    conv2d = torch.nn.functional.conv2d
    torch.manual_seed(0)
    for name, batch, c_in, c_out, size, input_grad in cases:
        x = torch.randn(batch, c_in, size, size).to(b.device).requires_grad_(input_grad)
        w = (torch.randn(c_out, c_in, 3, 3) * 0.1).to(b.device).requires_grad_(True)
        bias = (torch.randn(c_out) * 0.1).to(b.device).requires_grad_(True)
        g = torch.randn(batch, c_out, size, size).to(b.device)
        product_flops = 2.0 * batch * size * size * c_in * 9 * c_out

        def forward():
            conv2d(x, w, bias, 1, 1)

        def forward_backward():
            conv2d(x, w, bias, 1, 1).backward(g)
            x.grad = w.grad = bias.grad = None

        def time_ms(fn):
            for _ in range(3):
                fn()
            t0 = b.now()
            fn()
            once = b.now() - t0
            reps = max(1, math.ceil(MIN_SAMPLE_SECONDS / max(once, 1e-9)))
            ms = []
            for _ in range(args.samples):
                t0 = b.now()
                for _ in range(reps):
                    fn()
                ms.append((b.now() - t0) * 1e3 / reps)
            return ms

        for threads in int_list(args.threads):
            torch.set_num_threads(threads)
            for with_backward in (False, True):
                med, lo, hi = stats(time_ms(forward_backward if with_backward else forward))
                flops = product_flops * ((3 if input_grad else 2) if with_backward else 1)
                b.emit({"workload": "W5", "case": name, "pass": "fwd_bwd" if with_backward else "fwd",
                        "threads": threads, "device": b.device_str(), "ms_median": r4(med), "ms_min": r4(lo),
                        "ms_max": r4(hi), "gflops_median": round(flops / (med * 1e6), 2), "samples": args.samples,
                        "shape": f"[{batch}, {c_in}, {size}, {size}] -> {c_out} channels"})
    return 0


# ---- command line -----------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    common.add_argument("--label", default="", help="free text copied into the output")
    common.add_argument("--cudnn-benchmark", type=int, default=0, choices=(0, 1),
                        help="torch.backends.cudnn.benchmark (default 0: cuDNN's heuristics, as tinydl)")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("train", parents=[common], help="W1 (mlp), W2 and W6 (cnn): bench_train")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (the CPU side)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--steps", type=int, default=0, help="stop each epoch after this many batches (0: all)")
    p.add_argument("--eval", type=int, default=1, choices=(0, 1))
    p.add_argument("--warmup", type=int, default=-1, help="untimed forward+backward steps; -1: 3 on cuda, 0 on cpu")
    p.add_argument("--optim-impl", choices=("default", "foreach", "fused", "forloop"), default="default")
    p.set_defaults(fn=cmd_train)

    p = sub.add_parser("gemm", parents=[common], help="W3: bench_gemm")
    p.add_argument("--sizes", default="128,256,512,1024,2048")
    p.add_argument("--threads", default="1")
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--budget", type=float, default=4.0)
    p.set_defaults(fn=cmd_gemm)

    p = sub.add_parser("overhead", parents=[common], help="W4: bench_overhead")
    p.add_argument("--threads", default="1")
    p.add_argument("--iters", type=int, default=20000)
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2000)
    p.add_argument("--zero", choices=("none", "zero"), default="none")
    p.add_argument("--variants", default="autograd,forward_nograd")
    p.set_defaults(fn=cmd_overhead)

    p = sub.add_parser("conv", parents=[common], help="W5: bench_conv")
    p.add_argument("--threads", default="1")
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--cases", default="conv1,conv2")
    p.set_defaults(fn=cmd_conv)

    args = parser.parse_args(argv)
    bad = [name for name in ("epochs", "samples", "iters") if getattr(args, name, 1) < 1]
    if bad or getattr(args, "warmup", 0) < -1 or (args.cmd == "train" and args.threads < 1):
        parser.error("bad flag value: " + ", ".join(bad or ["warmup/threads"]))
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
