#!/usr/bin/env python3
"""Renders docs/benchmarks-batch.md from lossc_bench_batch's Google Benchmark JSON, one file per
instruction set (medians of the repetitions): cross-sample losses (lossc::batch_loss) against
hand-written passes, libtorch eager and the floor of the hand algorithm's memory traffic.

    render_batch.py docs/benchmarks-batch.md batch_native.json [batch_x86_64_v3.json]
"""
from gbench_json import medians
import sys

WORKLOADS = [
    ("dice16", "whole-batch soft Dice, 16 columns", 1,
     "1 read pass (Σ t·p, Σ t, Σ p) + 1 pass reading t, writing the gradient (one value for the batch: no per-sample pass)"),
    ("pearson8", "1 − Pearson correlation per column, averaged, 8 columns", 2,
     "2 read passes (the means; the centred sums) + 1 pass reading t and p, writing the gradient"),
    ("nmse16", "squared error over the batch's mean square of y_true, 16 columns", 1,
     "1 read pass of t (Σ t²) + 1 pass reading t and p, writing the per-sample losses and the gradient"),
]
ISA = {"isa_avx512": "AVX-512 (-march=native)", "isa_avx2_fma": "AVX2 + FMA (-march=x86-64-v3)"}


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def main():
    out_path, inputs = sys.argv[1], sys.argv[2:]
    out = ["# Cross-sample losses (`lossc::batch_loss`) — benchmarks\n",
           f"Rendered by `bench/render_batch.py` from one run of `lossc_bench_batch_*` (`bench/run.sh`). {cpu()}, one "
           "thread, -O3, float, row-major; medians of 3 repetitions, interleaved. Every implementation writes the "
           "per-sample losses and d(mean)/d y_pred. Batches: 4096 rows, and *large* (y_true + y_pred + grad ≈ 200 MB). "
           "`hand`: the passes a careful C++ programmer writes (sums in double, then the gradient, the derivative "
           "worked out by hand); `torch`: libtorch eager with autograd (one thread); `floor`: the hand algorithm's "
           "memory traffic alone (its read passes, each over both arrays, then a pass reading two arrays and writing one) — what any "
           "implementation of that algorithm pays beyond the caches.\n",
           "| workload | the hand algorithm's passes |", "|---|---|"]
    for key, what, _, passes in WORKLOADS:
        out.append(f"| `{key}`: {what} | {passes} |")
    out.append("")
    for path in inputs:
        rows, ctx = medians(path)
        out.append(f"## {ISA.get(ctx.get('lossc_isa', ''), ctx.get('lossc_isa', ''))}\n")
        out.append("| workload | batch | lossc | hand | torch | floor | lossc ÷ floor | hand ÷ lossc | torch ÷ lossc |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for key, _, _, _ in WORKLOADS:
            for batch in ("4096", "large"):
                r = {impl: rows.get(f"{key}/{batch}/{impl}") for impl in ("lossc", "hand", "torch", "floor")}
                if r["lossc"] is None:
                    continue
                fmt = lambda v: "—" if v is None else (f"{v:.1f} µs" if v < 1000 else f"{v / 1000:.1f} ms")
                ratio = lambda a, b: "—" if a is None or b is None else f"{a / b:.2f}×"
                out.append(f"| {key} | {batch} | {fmt(r['lossc'])} | {fmt(r['hand'])} | {fmt(r['torch'])} | {fmt(r['floor'])} | "
                           f"{ratio(r['lossc'], r['floor'])} | {ratio(r['hand'], r['lossc'])} | {ratio(r['torch'], r['lossc'])} |")
        out.append("")
    out.append("## In-batch similarity (pair reductions)\n")
    out.append("Losses over the N² pairs of a batch of 1024 embeddings of 128 floats (y_true + y_pred: 1 MB, in the "
               "caches: the work is arithmetic, N²·C multiply-adds per walk, not memory traffic). `infonce128`: InfoNCE "
               "with in-batch negatives, keys in y_true, τ = 0.1; `triplet128`: batch-hard triplet over Euclidean "
               "distances, 64 classes. `hand`: fused loops over the pairs with Eigen's vectorised row operations (the "
               "triplet's gradient touches three rows per anchor); `gemm`: InfoNCE through the similarity matrix, "
               "S = P·Tᵀ and the gradient (softmax(S) − I)·T by Eigen's matrix product, as frameworks compute it; "
               "`torch`: libtorch eager, the same matrix formulation (the triplet's distances from one `mm`).\n")
    out.append("| ISA | workload | lossc | hand | gemm | torch | hand ÷ lossc | gemm ÷ lossc | torch ÷ lossc |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for path in inputs:
        rows, ctx = medians(path)
        isa = ISA.get(ctx.get("lossc_isa", ""), ctx.get("lossc_isa", ""))
        for key in ("infonce128", "triplet128"):
            r = {impl: rows.get(f"{key}/1024/{impl}") for impl in ("lossc", "hand", "gemm", "torch")}
            if r["lossc"] is None:
                continue
            fmt = lambda v: "—" if v is None else f"{v / 1000:.1f} ms"
            ratio = lambda a, b: "—" if a is None or b is None else f"{a / b:.2f}×"
            out.append(f"| {isa} | {key} | {fmt(r['lossc'])} | {fmt(r['hand'])} | {fmt(r['gemm'])} | {fmt(r['torch'])} | "
                       f"{ratio(r['hand'], r['lossc'])} | {ratio(r['gemm'], r['lossc'])} | {ratio(r['torch'], r['lossc'])} |")
    out.append("")
    out.append("How lossc walks a pass, and its passes per loss: docs/dsl.md, *Cross-sample losses*. Reproduce: "
               "`bench/run.sh` (all benchmarks), or build `lossc_bench_batch_native` / `_x86_64_v3` with "
               "`-DLOSSC_BUILD_BENCH=ON` and run them.\n")
    with open(out_path, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
