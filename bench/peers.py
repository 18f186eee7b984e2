"""The compiler-fused peers of the lossc benchmarks: jax.jit of jax.value_and_grad and
torch.compile of forward + backward, on the workloads and sizes of bench_losses.cpp, float32,
one thread. Prints JSON: {"benchmarks": [{"name", "ns_per_call", "elements", "bytes"}]}.

Run by bench/run.sh inside the virtual environment it creates (pinned versions there)."""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

WORKLOADS = [("mse2", "mse", 2), ("cce10", "cce", 10), ("cce1000", "cce", 1000), ("bce1", "bce", 1)]
LARGE_BYTES = 200e6


def rows_for(cols, large):
    return int(LARGE_BYTES / (3.0 * 4.0 * cols)) if large else 64


def make_data(kind, n, c):
    rng = np.random.default_rng(42)
    p = rng.uniform(-3, 3, size=(n, c)).astype(np.float32)
    if kind == "cce":
        t = np.zeros((n, c), np.float32)
        t[np.arange(n), (np.arange(n) * 7) % c] = 1
    elif kind == "bce":
        t = ((np.arange(n)[:, None] + np.arange(c)[None, :]) % 2).astype(np.float32)
    else:
        t = rng.uniform(-3, 3, size=(n, c)).astype(np.float32)
    return t, p


def timed(fn, min_time=0.5, min_reps=5):
    fn()  # compile / warm up
    fn()
    samples, start = [], time.perf_counter()
    while len(samples) < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples)


def jax_peer(kind, t, p):
    import jax
    import jax.numpy as jnp

    w = jnp.array([0.3, 0.7], jnp.float32)

    def per_sample(x, y):
        if kind == "mse":
            return jnp.sum(jnp.square(x - y) * w, axis=1)
        if kind == "cce":
            return -jnp.sum(y * jax.nn.log_softmax(x, axis=1), axis=1)
        return jnp.mean(jnp.maximum(x, 0) - x * y + jnp.log1p(jnp.exp(-jnp.abs(x))), axis=1)

    def mean_loss(x, y):
        ps = per_sample(x, y)
        return jnp.mean(ps), ps

    step = jax.jit(jax.value_and_grad(mean_loss, has_aux=True))
    x, y = jnp.asarray(p), jnp.asarray(t)
    return lambda: jax.block_until_ready(step(x, y))


def torch_peer(kind, t, p):
    import torch

    torch.set_num_threads(1)
    w = torch.tensor([0.3, 0.7])

    def per_sample(x, y):
        if kind == "mse":
            return ((x - y) ** 2 * w).sum(1)
        if kind == "cce":
            return -(y * torch.log_softmax(x, 1)).sum(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none").mean(1)

    compiled = torch.compile(per_sample)
    y = torch.from_numpy(t)
    p_t = torch.from_numpy(p)

    def step():
        x = p_t.detach().requires_grad_(True)
        ps = compiled(x, y)
        ps.mean().backward()
        return x.grad

    return step


def main():
    peers = sys.argv[1:] or ["jax", "torch"]
    out = []
    for name, kind, c in WORKLOADS:
        for large in (False, True):
            n = rows_for(c, large)
            t, p = make_data(kind, n, c)
            for peer in peers:
                make = jax_peer if peer == "jax" else torch_peer
                try:
                    ns = timed(make(kind, t, p), min_time=1.0 if large else 0.3)
                except Exception as e:  # a peer that cannot run here is reported, not fatal
                    print(f"{peer} {name}: {type(e).__name__}: {e}", file=sys.stderr)
                    continue
                bench = f"{name}/{'large' if large else '64'}/{peer}"
                out.append({"name": bench, "ns_per_call": ns, "elements": n * c, "bytes": n * c * 3 * 4})
                print(f"{bench}: {ns / 1e3:.1f} us", file=sys.stderr)
    json.dump({"benchmarks": out}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
