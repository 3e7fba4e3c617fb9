#!/usr/bin/env python3
"""bench_table.py — the side-by-side table of scripts/bench.sh from its raw JSON lines.

    python3 benchmarks/bench_table.py results.jsonl
    python3 benchmarks/bench_table.py --gpu results.jsonl     # scripts/bench_gpu.sh's table

Each line is one result of a tinydl program (benchmarks/bench_*) or a libtorch twin
(benchmarks/libtorch/torch_*). Results of libtorch carry label "best" or "stock" (the
configurations of /work/shared/BENCHMARKS.md). Where a configuration ran several times, the
table shows the median of the runs' medians. Ratios are tinydl / libtorch best, so below 1.0
means tinydl is faster. W3 is GFLOP/s: there the ratio is tinydl / the best of libtorch (either
configuration) and OpenBLAS called directly, and above 1.0 means tinydl is faster.

The floor of an epoch is FLOPs per training sample x 60,000 / the best GEMM rate measured in the
same run at that thread count (max over tinydl, libtorch and OpenBLAS direct, N >= 512): the time the epoch would
take if every flop ran at the machine's best measured GEMM speed.
"""
import json
import statistics
import sys

# FLOPs per training sample (forward + both backward products, 2 per multiply-add; the first
# layer needs no input gradient). W1: 2 (784*512 + 512*256 + 256*10) = 1.07 M forward, x3 minus
# the first layer's input gradient (0.80 M) = 2.41 M. W2: conv1 0.45 M + conv2 7.23 M + fc 0.81 M
# = 8.48 M forward, x3 minus conv1's input gradient = 25.0 M.
FLOPS_PER_SAMPLE = {"W1": 2 * (3 * (784 * 512 + 512 * 256 + 256 * 10) - 784 * 512),
                    "W2": 2 * (3 * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 3136 * 128 + 128 * 10) - 28 * 28 * 32 * 9)}
TRAIN_IMAGES = 60000


STEPS_PER_EPOCH = (TRAIN_IMAGES + 127) // 128  # 469 batches of 128 (the last one 96)


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "ms_per_step" in r:  # a shortened epoch (--steps) is extrapolated to a full one
                    r["epoch_s"] = r["ms_per_step"] * STEPS_PER_EPOCH / 1e3
                rows.append(r)
    return rows


def config(r):
    if r.get("framework") in ("tinydl", "openblas"):
        return r["framework"]
    return "best" if r.get("label") == "best" else "stock"


def median_of(rows, key, **match):
    vals = [r[key] for r in rows if all(r.get(k) == v for k, v in match.items()) and key in r]
    return statistics.median(vals) if vals else None


def fmt(v, digits=3):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}g}" if abs(v) < 1 else f"{v:.2f}"


def gpu_table(rows):
    """tinydl on the GPU against PyTorch eager (framework "pytorch", benchmarks/pytorch/bench_gpu.py),
    one column each per device; ratios tinydl / PyTorch, so below 1.0 is tinydl faster (for W3's
    GFLOP/s, above 1.0). Goals of issue 5: W1 and W2 epochs no slower than PyTorch eager (<= 1.0),
    W4 overhead per op below PyTorch's (< 1.0); the other rows are reported without a goal."""
    gpu_rows = [r for r in rows if "device" in r]  # cuda:N; "cpu" too, for a dry run without a GPU
    by = {c: [r for r in gpu_rows if r.get("framework") == c] for c in ("tinydl", "pytorch")}
    out = ["| workload | device | tinydl | PyTorch eager | ratio | goal | met? |", "|---|---|---|---|---|---|---|"]

    def line(name, device, a, b, lower_is_better=True, goal=None, strict=False, text=None):
        ratio = a / b if a is not None and b else None
        met = "—"
        if ratio is not None and goal is not None:
            ok = (ratio < goal if strict else ratio <= goal) if lower_is_better else ratio >= goal
            met = "yes" if ok else "no"
        g = "—" if goal is None else f"{'<' if strict else '≤'} {goal}"
        a_txt, b_txt = text if text else (fmt(a), fmt(b))
        out.append(f"| {name} | {device} | {a_txt} | {b_txt} | {'—' if ratio is None else f'{ratio:.2f}'} | {g} | {met} |")

    for d in sorted({r["device"] for r in gpu_rows}):
        def med(c, key, **match):
            return median_of(by[c], key, device=d, **match)

        for w, model in (("W1", "mlp"), ("W2", "cnn")):
            a, b = med("tinydl", "epoch_s", workload=w), med("pytorch", "epoch_s", workload=w)
            if a is None and b is None:
                continue
            line(f"{w} {model} epoch, s", d, a, b, goal=1.0)
            accs = []
            for c in ("tinydl", "pytorch"):
                runs = [r for r in by[c] if r.get("workload") == w and r["device"] == d and r.get("test_accuracy")]
                if runs:
                    acc = max(runs, key=lambda r: r["epochs"])["test_accuracy"]
                    accs.append(f"{acc[0]:.3f}" + (f" → {acc[-1]:.3f} ({len(acc)} ep)" if len(acc) > 1 else ""))
                else:
                    accs.append("—")
            out.append(f"| {w} test accuracy | {d} | {accs[0]} | {accs[1]} | — | equal | — |")
        for n in sorted({r["n"] for r in gpu_rows if r.get("workload") == "W3"}):
            a, b = med("tinydl", "gflops_median", workload="W3", n=n), med("pytorch", "gflops_median", workload="W3", n=n)
            line(f"W3 GEMM N={n}, GFLOP/s", d, a, b, lower_is_better=False)
        for variant, name in (("autograd", "W4 µs/op, autograd"), ("forward_nograd", "W4 µs/op, no-grad forward")):
            a, b = med("tinydl", "us_per_op", workload="W4", variant=variant), med("pytorch", "us_per_op", workload="W4", variant=variant)
            if a is not None or b is not None:
                line(name, d, a, b, goal=1.0, strict=True)
        for case, desc in (("conv1", "1→32 @28²"), ("conv2", "32→64 @14²")):
            for p in ("fwd", "fwd_bwd"):
                a = med("tinydl", "ms_median", workload="W5", case=case, **{"pass": p})
                b = med("pytorch", "ms_median", workload="W5", case=case, **{"pass": p})
                if a is not None or b is not None:
                    line(f"W5 {desc} {p.replace('_', '+')}, ms", d, a, b)
        a, b = med("tinydl", "device_peak_mib", workload="W6"), med("pytorch", "device_peak_mib", workload="W6")
        if a is not None or b is not None:
            line("W6 GPU memory peak of W2, MiB", d, a, b)
        a, b = med("tinydl", "max_rss_mib", workload="W6"), med("pytorch", "max_rss_mib", workload="W6")
        if a is not None or b is not None:
            line("W6 host peak RSS of W2, MiB", d, a, b)

    print("\n".join(out))
    print()
    names = sorted({f"{r.get('gpu')} (PyTorch {r.get('torch_version')}, cuDNN {r.get('cudnn')}, TF32 {r.get('tf32')}, "
                    f"cudnn.benchmark {r.get('cudnn_benchmark')})" for r in by["pytorch"]})
    for n in names:
        print(f"GPU: {n}")
    if not gpu_rows:
        print("no results with a \"device\" key")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--gpu":
        gpu_table(load(args[1]))
        return
    rows = load(sys.argv[1])
    by = {c: [r for r in rows if config(r) == c] for c in ("tinydl", "best", "stock", "openblas")}
    threads = sorted({r["threads"] for r in rows if "threads" in r})

    # The best GEMM rate per thread count: max over every W3 result with N >= 512 and at most
    # that many threads (more threads can only be faster; on a busy machine a 2-thread sample
    # can come out below a 1-thread one taken at a quieter moment).
    best_gemm = {}
    for t in threads:
        rates = [r["gflops_median"] for r in rows if r.get("workload") == "W3" and r["threads"] <= t and r["n"] >= 512]
        best_gemm[t] = max(rates) if rates else None

    out = []
    head = "| workload | threads | tinydl | libtorch best | libtorch stock | ratio | target | met? | floor |"
    out += [head, "|---|---|---|---|---|---|---|---|---|"]

    def line(name, t, a, b, s, ratio, target, met, floor="—"):
        out.append(f"| {name} | {t} | {a} | {b} | {s} | {ratio} | {target} | {met} | {floor} |")

    def compare(name, t, values, lower_is_better, target, unit_fmt=fmt, floor="—"):
        a, b, s = values
        ratio = None
        if a is not None and b is not None and b > 0:
            ratio = a / b
        met = "—"
        if ratio is not None and target is not None:
            met = "yes" if (ratio <= target if lower_is_better else ratio >= target) else "no"
        tgt = "—" if target is None else (f"≤ {target}" if lower_is_better else f"≥ {target}")
        line(name, t, unit_fmt(a), unit_fmt(b), unit_fmt(s), "—" if ratio is None else f"{ratio:.2f}", tgt, met, floor)

    for w, model, target in (("W1", "mlp", 0.8), ("W2", "cnn", 0.7)):
        for t in threads:
            vals = [median_of(by[c], "epoch_s", workload=w, threads=t) for c in ("tinydl", "best", "stock")]
            if all(v is None for v in vals):
                continue
            floor = "—"
            if best_gemm.get(t):
                f = FLOPS_PER_SAMPLE[w] * TRAIN_IMAGES / (best_gemm[t] * 1e9)
                floor = f"{f:.2f} s" + (f" (tinydl {vals[0] / f:.1f}×)" if vals[0] else "")
            compare(f"{w} {model} epoch, s", t, vals, True, target, floor=floor)
            accs = []
            for c in ("tinydl", "best", "stock"):
                runs = [r for r in by[c] if r.get("workload") == w and r["threads"] == t and r.get("test_accuracy")]
                if runs:
                    r = max(runs, key=lambda r: r["epochs"])  # the longest run shows the most
                    acc = r["test_accuracy"]
                    accs.append(f"{acc[0]:.3f}" + (f" → {acc[-1]:.3f} ({len(acc)} ep)" if len(acc) > 1 else ""))
                else:
                    accs.append("—")
            line(f"{w} test accuracy", t, *accs, "—", "equal", "—")

    for t in threads:
        for n in (128, 256, 512, 1024, 2048):
            vals = [median_of(by[c], "gflops_median", workload="W3", threads=t, n=n) for c in ("tinydl", "best", "stock")]
            if all(v is None for v in vals):
                continue
            a, b, s = vals
            # The W3 target compares with the best of libtorch (either configuration) and OpenBLAS
            # called directly (blas_gemm), so the ratio here is against that best.
            blas = median_of(by["openblas"], "gflops_median", workload="W3", threads=t, n=n)
            others = [(v, who) for v, who in ((b, "libtorch"), (s, "libtorch stock"), (blas, "OpenBLAS")) if v is not None]
            best, who = max(others) if others else (None, "")
            ratio = a / best if a and best else None
            target = 0.95 if n >= 512 else None
            met = "—" if ratio is None or target is None else ("yes" if ratio >= target else "no")
            line(f"W3 GEMM N={n}, GFLOP/s", t, fmt(a), fmt(b), fmt(s), "—" if ratio is None else f"{ratio:.2f} of {who} {fmt(best)}",
                 "—" if target is None else "≥ 0.95", met)

    for t in threads:
        for variant, key, name in (("autograd", "us_per_op", "W4 µs/op, autograd"), ("forward_nograd", "us_per_op", "W4 µs/op, no-grad forward")):
            vals = [median_of(by[c], key, workload="W4", threads=t, variant=variant) for c in ("tinydl", "best", "stock")]
            if any(v is not None for v in vals):
                compare(name, t, vals, True, 0.25)

    for t in threads:
        for case, desc in (("conv1", "1→32 @28²"), ("conv2", "32→64 @14²")):
            for p in ("fwd", "fwd_bwd"):
                vals = [median_of(by[c], "ms_median", workload="W5", threads=t, case=case, **{"pass": p})
                        for c in ("tinydl", "best", "stock")]
                if any(v is not None for v in vals):
                    compare(f"W5 {desc} {p.replace('_', '+')}, ms", t, vals, True, 1.0 if p == "fwd_bwd" else None)

    for t in threads:
        vals = [median_of(by[c], "max_rss_mib", workload="W6", threads=t) for c in ("tinydl", "best", "stock")]
        if any(v is not None for v in vals):
            compare("W6 peak RSS of W2, MiB", t, vals, True, 1.0)

    print("\n".join(out))
    print()
    for t in threads:
        if best_gemm.get(t):
            print(f"best GEMM rate measured, {t} thread(s): {best_gemm[t]:.0f} GFLOP/s (max over tinydl, libtorch and OpenBLAS, N >= 512, <= {t} threads)")


if __name__ == "__main__":
    main()
