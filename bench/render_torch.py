#!/usr/bin/env python3
"""Renders docs/benchmarks-torch.md from lossc_bench_torch's Google Benchmark JSON (medians of
the repetitions): the libtorch adapter against the raw kernel and libtorch's own loss, a
training step with either loss, and Keras's CTC against libtorch's ctc_loss.

    render_torch.py torch.json docs/benchmarks-torch.md
"""
from gbench_json import medians
import platform
import sys


def main():
    rows, ctx = medians(sys.argv[1])
    r = lambda k: rows[k]
    us = lambda v: f"{v:.2f} µs" if v < 100 else f"{v:.0f} µs"
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    kernel_fb = r("cce10/64/kernel/forward_backward")
    out = []
    out.append("# lossc::torch — benchmarks\n")
    out.append("Rendered by `bench/render_torch.py` from one run of `lossc_bench_torch` (`bench/run.sh` builds and runs it "
               "where libtorch is installed). Medians of 3 repetitions, interleaved; one thread "
               f"(`torch::set_num_threads(1)`); -O3 -march=native; {cpu}, libtorch {ctx.get('torch', 'of Debian 12 (1.13)')}.\n")
    out.append("The loss: label-smoothed cross-entropy from logits (ε = 0.1), batch 64 × 10 classes, float; lossc's is the "
               "expression `-(1 − ε)·sum<1>(y_true·log_softmax<1>(y_pred)) − ε·mean<1>(log_softmax<1>(y_pred))` on one-hot "
               "targets, libtorch's `cross_entropy(logits, ids, label_smoothing=0.1)`.\n")
    out.append("| call | lossc | libtorch | libtorch ÷ lossc |")
    out.append("|---|---:|---:|---:|")
    for mode, what in (("values", "values only (NoGradGuard)"), ("forward", "forward with autograd (graph built)"),
                       ("forward+backward", "forward + `backward()`")):
        a, b = r(f"cce10/64/adapter/{mode}"), r(f"cce10/64/libtorch/{mode}")
        out.append(f"| {what} | {us(a)} | {us(b)} | {b / a:.1f}× |")
    out.append("")
    out.append("**The adapter against the raw kernel** (the same loss on preallocated Eigen buffers, "
               "`forward_backward(t, p, lossc::discard, g)`, or `forward` for values):\n")
    out.append("| | raw kernel | adapter | adapter ÷ kernel | overhead |")
    out.append("|---|---:|---:|---:|---:|")
    kv, av = r("cce10/64/kernel/values"), r("cce10/64/adapter/values")
    af = r("cce10/64/adapter/forward")
    out.append(f"| values only | {us(kv)} | {us(av)} | {av / kv:.2f}× | {us(av - kv)} |")
    out.append(f"| loss and gradient (forward call) | {us(kernel_fb)} | {us(af)} | {af / kernel_fb:.2f}× | {us(af - kernel_fb)} |")
    out.append("")
    out.append("`forward + backward()` adds libtorch's autograd engine (a graph walk, the gradient's accumulation into "
               "`.grad`), which any loss pays: it is the forward call's time plus about "
               f"{us(r('cce10/64/adapter/forward+backward') - af)} here.\n")
    ls, ts = r("mlp_step/64/lossc"), r("mlp_step/64/libtorch")
    lb, tb = r("cce10/64/adapter/forward+backward"), r("cce10/64/libtorch/forward+backward")
    out.append("**A training step** of a `torch::nn` MLP (64 → 128 → 10, ReLU) on a batch of 64: `zero_grad`, forward, "
               "loss, `backward()`, SGD with momentum.\n")
    out.append("| step with | time | the loss's share (its forward + backward ÷ the step) |")
    out.append("|---|---:|---:|")
    out.append(f"| libtorch's `cross_entropy` | {us(ts)} | {100 * tb / ts:.1f}% |")
    out.append(f"| lossc's loss through `lossc::torch` | {us(ls)} | {100 * lb / ls:.1f}% |")
    out.append(f"\nThe step with lossc's loss takes {ls / ts:.2f}× the step with libtorch's.\n")
    if "ctc/16x100x32/lossc/values" in rows:
        out.append("**CTC** (`lossc::keras::CTC`, Keras's semantics) against libtorch's `ctc_loss` after `log_softmax`: 16 "
                   "sequences × 100 steps × 32 classes, labels of 10 to 20, float, reduction sum; lossc on the tensors' "
                   "buffers (values; values and the gradient into a preallocated buffer), libtorch under NoGradGuard "
                   "(values) and forward + `backward()` (the logits' gradient through `log_softmax`).\n")
        out.append("| call | lossc | libtorch | libtorch ÷ lossc |")
        out.append("|---|---:|---:|---:|")
        for mode, what in (("values", "values only"), ("forward+backward", "loss and the logits' gradient")):
            a, b = r(f"ctc/16x100x32/lossc/{mode}"), r(f"ctc/16x100x32/libtorch/{mode}")
            out.append(f"| {what} | {us(a)} | {us(b)} | {b / a:.1f}× |")
        out.append("")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
