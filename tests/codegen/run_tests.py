#!/usr/bin/env python3
"""Tests of codegen/lossc-keras (run by the README's test command through CTest).

For each file in cases/: translate it (header and C ABI), build the C ABI into a shared library,
load it with ctypes, and compare every loss with the original Python function run on a numpy
stand-in for K / keras.ops / tf (standin/; with --keras, on real Keras 3 with the JAX backend):
per-sample values in float64 and float32, and the gradient of the summed loss against central
finite differences of the Python function (numpy) or jax.grad (Keras). Then the C ABI's error
codes, and every file in bad/: a non-zero exit and each `# expect:` text, located FILE:LINE:COL.

  run_tests.py --tool codegen/lossc-keras --cxx g++ [--cxx-flags "..."] --include include --eigen /usr/include/eigen3
               --work DIR
               [--keras [--cache DIR]] [--cases seed.py,custom.py]
"""
import argparse
import ctypes
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL", msg)


def load_module(path, keras_real):
    if not keras_real:
        sys.path.insert(0, os.path.join(HERE, "standin"))
    name = "case_" + os.path.basename(path)[:-3] + ("_keras" if keras_real else "")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not keras_real:
        sys.path.pop(0)
    return mod


def inputs(spec, rng):
    n, c = spec["shape"]
    kind_t, kind_p = spec.get("y_true", "normal"), spec.get("y_pred", "normal")

    def make(kind, cols):
        if kind == "normal":
            return rng.normal(0, 1.5, (n, cols))
        if kind == "onehot":
            return np.eye(cols)[rng.integers(0, cols, n)]
        if kind == "binary":
            return rng.integers(0, 2, (n, cols)).astype(float)
        if kind == "unit":
            return rng.uniform(0.05, 0.95, (n, cols))
        if kind == "positive":
            return rng.uniform(0.2, 3.0, (n, cols))
        if kind == "probabilities":
            p = rng.uniform(0.05, 1.0, (n, cols))
            return p / p.sum(axis=1, keepdims=True)
        if kind == "with_minus_one":
            x = rng.normal(0, 1, (n, cols))
            x[rng.uniform(size=(n, cols)) < 0.3] = -1.0
            return x
        if kind == "column":
            return rng.normal(0, 1, (n, 1))
        raise ValueError(kind)
    return make(kind_t, c), make(kind_p, c)


class Library:
    def __init__(self, path, prefix):
        self.lib = ctypes.CDLL(path)
        self.prefix = prefix
        self._last_error = getattr(self.lib, prefix + "last_error")
        self._last_error.restype = ctypes.c_char_p

    def call(self, name, t, p, params=(), dtype=np.float64, grad=True, reduction=1, weight=None):
        t, p = np.ascontiguousarray(t, dtype), np.ascontiguousarray(p, dtype)
        T = ctypes.c_double if dtype == np.float64 else ctypes.c_float
        suffix = "f64" if dtype == np.float64 else "f32"
        fn = self.lib[f"{self.prefix}{name}_{'forward_backward' if grad else 'forward'}_{suffix}"]
        ps = np.zeros(p.shape[0], dtype)
        g = np.zeros(p.shape, dtype)
        loss = T(0)
        par = (ctypes.c_double * max(len(params), 1))(*params)
        ptr = lambda a: a.ctypes.data_as(ctypes.POINTER(T)) if a is not None else None  # noqa: E731
        args = [ptr(t), ptr(p), ctypes.c_int64(p.shape[0]), ctypes.c_int64(t.shape[1]), ctypes.c_int64(p.shape[1]),
                ptr(weight), ctypes.c_int(reduction), par if params else None, ctypes.c_int64(len(params)), ptr(ps)]
        if grad:
            args.append(ptr(g))
        args.append(ctypes.byref(loss))
        status = fn(*args)
        return status, ps, g, loss.value

    def last_error(self):
        return self._last_error().decode()


def translate_and_build(args, jobs):
    """Translates each (case_file, tag), then builds the C ABIs two at a time (the compiles are
    most of this test's time). Returns {case_file: (Library or None, the tool's stderr)}."""
    out, builds = {}, []
    for case_file, tag in jobs:
        if args.libs:  # built by the numpy run of the same files (the translation is the same)
            lib = os.path.join(args.libs, os.path.basename(case_file)[:-3] + ".so")
            if os.path.exists(lib):
                out[case_file] = (Library(lib, "gen_"), "")
            else:
                out[case_file] = (None, "")
                fail(f"{case_file}: no library {lib} (the codegen test builds it)")
            continue
        base = os.path.join(args.work, tag)
        header, abi, lib = base + ".hpp", base + "_abi.cpp", base + ".so"
        run = subprocess.run([sys.executable, args.tool, case_file, "-o", header, "--namespace", "gen"],
                             capture_output=True, text=True)
        out[case_file] = (None, run.stderr)
        if run.returncode != 0:
            fail(f"{case_file}: lossc-keras failed:\n{run.stderr}")
            continue
        subprocess.run([sys.executable, args.tool, case_file, "--emit", "c-abi", "-o", abi, "--header", header,
                        "--namespace", "gen", "--prefix", "gen_"], check=True, capture_output=True)
        builds.append((case_file, lib, [args.cxx, "-std=c++20", "-O0", "-shared", "-fPIC", "-fvisibility=hidden",
                                        *args.cxx_flags.split(), "-I", args.include, "-isystem", args.eigen, abi,
                                        "-o", lib]))
    while builds:
        batch, builds = builds[:2], builds[2:]
        procs = [(f, lib, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
                 for f, lib, cmd in batch]
        for f, lib, proc in procs:
            log = proc.communicate()[0]
            if proc.returncode != 0:
                fail(f"{f}: the generated C++ does not compile:\n{log[-3000:]}")
            else:
                out[f] = (Library(lib, "gen_"), out[f][1])
    return out


def python_loss(mod, name, spec, params):
    fn = getattr(mod, spec.get("ref", name)) if spec.get("ref") and hasattr(mod, spec["ref"]) else getattr(mod, name)
    if params is not None and spec.get("extra_params"):  # def f(y_true, y_pred, a=…): the parameters follow
        base = fn
        fn = lambda t, p: base(t, p, *params)  # noqa: E731
    elif params is not None:
        fn = fn(*params)
    return fn


def check_numpy(mod, lib, name, spec, rng):
    for params in spec.get("params", [None]):
        t, p = inputs(spec, rng)
        fn = python_loss(mod, name, spec, params)
        ref_name = spec.get("ref")
        if ref_name and not hasattr(mod, ref_name):  # keras.losses.* called by name: the stand-in's formula
            fn = getattr(mod, name) if params is None else getattr(mod, name)(*params)
        ref = np.asarray(fn(t, p), float)
        c_params = tuple(params or ())
        status, ps, g, total = lib.call(name, t, p, c_params)
        what = f"{name}{'' if params is None else list(params)}"
        if status != 0:
            fail(f"{what}: status {status}: {lib.last_error()}")
            continue
        batch = spec.get("batch")
        if batch == "mean":  # the original reduced over the batch: its value is the mean of lossc's per-sample values
            ok = np.isclose(ps.mean(), ref, rtol=1e-10, atol=1e-12)
        elif batch == "whole":  # one value for the batch (a batch_loss): lossc gives it to every sample
            ok = ref.shape == () and np.allclose(ps, ref, rtol=1e-10, atol=1e-12)
        else:
            ok = ref.shape == ps.shape and np.allclose(ps, ref, rtol=1e-10, atol=1e-12)
        if not ok:
            fail(f"{what}: values differ:\n lossc {ps}\n python {ref}")
        # gradient of Σ L_i against central differences of the Python function
        fd = np.zeros_like(p)
        for i in range(p.shape[0]):
            for j in range(p.shape[1]):
                h = 1e-6 * max(1.0, abs(p[i, j]))
                pp, pm = p.copy(), p.copy()
                pp[i, j] += h
                pm[i, j] -= h
                fp, fm = np.sum(np.asarray(fn(t, pp), float)), np.sum(np.asarray(fn(t, pm), float))
                fd[i, j] = (fp - fm) / (2 * h)
        if batch in ("mean", "whole"):
            fd = fd * p.shape[0]  # d(one value for the batch) → d(Σ per sample)
        if not np.allclose(g, fd, rtol=1e-5, atol=1e-6 * (1 + np.max(np.abs(fd)))):
            k = int(np.argmax(np.abs(g - fd)))
            fail(f"{what}: gradient differs at {np.unravel_index(k, g.shape)}: lossc {g.flat[k]} finite difference {fd.flat[k]}")
        # float32: the same values to float precision
        status, ps32, g32, _ = lib.call(name, t, p, c_params, dtype=np.float32)
        if status != 0 or not np.allclose(ps32, ps, rtol=2e-5, atol=2e-6 * (1 + np.max(np.abs(ps)))):
            fail(f"{what}: float32 values differ from float64: {ps32} vs {ps}")


def keras_references(mod, name, spec, rng):
    """[(params, y_true, y_pred, values, gradient of their sum)] for each parameter set, float32
    inputs, as real Keras (JAX) computes them."""
    import jax
    import jax.numpy as jnp
    out = []
    for params in spec.get("params", [None]):
        t, p = inputs(spec, rng)
        t32, p32 = t.astype(np.float32), p.astype(np.float32)
        fn = python_loss(mod, name, spec, params)
        ref = np.asarray(fn(jnp.asarray(t32), jnp.asarray(p32)), np.float64)
        grad = np.asarray(jax.grad(lambda q: jnp.sum(fn(jnp.asarray(t32), q)))(jnp.asarray(p32)), np.float64)
        out.append((params, t32, p32, ref, grad))
    return out


def check_keras(lib, name, spec, references):
    for params, t32, p32, ref, grad in references:
        status, ps, g, _ = lib.call(name, t32, p32, tuple(params or ()), dtype=np.float32)
        what = f"{name}{'' if params is None else list(params)} (keras)"
        if status != 0:
            fail(f"{what}: status {status}: {lib.last_error()}")
            continue
        scale = 1 + np.max(np.abs(ref))
        if spec.get("batch") in ("mean", "whole"):  # one value for the batch: see check_numpy
            grad = grad * p32.shape[0]
            ps = ps.mean() if spec["batch"] == "mean" else ps
        if not np.allclose(ps, ref, rtol=1e-5, atol=1e-6 * scale):
            fail(f"{what}: values differ:\n lossc {ps}\n keras {ref}")
        if not np.allclose(g, grad, rtol=1e-4, atol=1e-5 * (1 + np.max(np.abs(grad)))):
            k = int(np.argmax(np.abs(g - grad)))
            fail(f"{what}: gradient differs at {k}: lossc {g.flat[k]} jax {grad.flat[k]}")


def keras_cases(path, rng, cache_dir):
    """{name: (spec, keras_references)} of a case file under real Keras, kept in cache_dir (keyed by
    the case file and this script, tests/keras/reference_cache.py): a run that finds them imports
    neither Keras nor JAX."""
    sys.path.insert(0, os.path.join(HERE, "..", "keras"))
    from reference_cache import cached

    def compute():
        mod = load_module(path, True)
        return {name: (spec, keras_references(mod, name, spec, rng)) for name, spec in mod.CASES.items()}

    key_text = open(path, encoding="utf-8").read() + open(__file__, encoding="utf-8").read()
    return cached(cache_dir, "codegen-" + os.path.basename(path)[:-3], key_text, compute)


def check_abi_errors(lib):
    t = np.zeros((3, 2))
    p = np.ones((3, 2))
    status, *_ = lib.call("custom_mse", t, p, params=(1.0,))
    if status != 3 or "takes no parameters" not in lib.last_error():
        fail(f"C ABI: a parameter to a plain loss gave status {status} ({lib.last_error()})")
    status, *_ = lib.call("custom_mse", t, np.ones((3, 3)))
    if status != 1 or "lossc:" not in lib.last_error():
        fail(f"C ABI: a shape mismatch gave status {status} ({lib.last_error()})")
    status, *_ = lib.call("custom_mse", t, p, reduction=7)
    if status != 3:
        fail(f"C ABI: an unknown reduction gave status {status}")
    status, ps, g, total = lib.call("custom_mse", t, p, reduction=0)
    if status != 0 or lib.last_error() != "" or not np.isclose(total, 1.0):
        fail(f"C ABI: a good call gave status {status}, loss {total}, message '{lib.last_error()}'")
    w = np.array([1.0, 0.0, 3.0])
    status, ps, g, total = lib.call("custom_mse", t, p, reduction=2, weight=w)
    if status != 0 or not np.isclose(total, 1.0) or not np.allclose(g[1], 0):
        fail(f"C ABI: weighted mean gave status {status}, loss {total}")


def check_abi_labels(lib):
    """Class ids through the C ABI: out of range, negative, fractional or NaN is status 2 and a
    message naming the sample; the ignored class is skipped; nothing is written on an error."""
    p = np.zeros((3, 4))
    for bad in (4.0, -1.0, 1.5, float("nan")):
        t = np.array([[0.0], [bad], [2.0]])
        status, ps, g, total = lib.call("sparse_ce", t, p)
        if status != 2 or "sample 1" not in lib.last_error():
            fail(f"C ABI: label {bad} gave status {status} ({lib.last_error()}), loss {total}")
        if np.any(ps != 0) or np.any(g != 0):
            fail(f"C ABI: label {bad}: outputs were written before the error")
    t = np.array([[0.0], [255.0], [2.0]])
    status, ps, g, total = lib.call("sparse_ce_void", t, p)
    if status != 0 or ps[1] != 0 or not np.isclose(ps[0], np.log(4.0)):
        fail(f"C ABI: the ignored class gave status {status} ({lib.last_error()}), values {ps}")
    status, *_ = lib.call("sparse_ce", t, p)
    if status != 2:
        fail(f"C ABI: 255 without ignore_class gave status {status}")
    # rows near 2^62 against small buffers: status 1 before any label is read
    P = ctypes.POINTER(ctypes.c_double)
    t3, p3, ps3, g3, loss = np.zeros((3, 1)), np.zeros((3, 4)), np.zeros(3), np.zeros((3, 4)), ctypes.c_double(0)
    fn = lib.lib[lib.prefix + "sparse_ce_forward_backward_f64"]
    status = fn(t3.ctypes.data_as(P), p3.ctypes.data_as(P), ctypes.c_int64(1 << 62), ctypes.c_int64(1), ctypes.c_int64(4),
                None, ctypes.c_int(1), None, ctypes.c_int64(0), ps3.ctypes.data_as(P), g3.ctypes.data_as(P), ctypes.byref(loss))
    if status != 1 or "address space" not in lib.last_error():
        fail(f"C ABI: rows = 2^62 gave status {status} ({lib.last_error()})")


def check_diagnostics(args):
    bad = sorted(f for f in os.listdir(os.path.join(HERE, "bad")) if f.endswith(".py"))
    for f in bad:
        path = os.path.join(HERE, "bad", f)
        expects = [ln[len("# expect: "):].strip() for ln in open(path, encoding="utf-8") if ln.startswith("# expect: ")]
        run = subprocess.run([sys.executable, args.tool, path, "-o", os.path.join(args.work, "bad.hpp")],
                             capture_output=True, text=True)
        if run.returncode == 0:
            fail(f"bad/{f}: translated, but it must be rejected")
            continue
        if os.path.exists(os.path.join(args.work, "bad.hpp")):
            os.remove(os.path.join(args.work, "bad.hpp"))
            fail(f"bad/{f}: a header was written despite the error")
        if not re.search(r"^" + re.escape(path) + r":\d+:\d+: .+ — .+", run.stderr, re.M):
            fail(f"bad/{f}: no located 'FILE:LINE:COL: what — alternative' message:\n{run.stderr}")
        for e in expects:
            if e not in run.stderr:
                fail(f"bad/{f}: expected '{e}' in:\n{run.stderr}")
    return len(bad)


def check_cli(args):
    """Standard input in, standard output out: the same header as from the file."""
    path = os.path.join(HERE, "cases", "seed.py")
    from_file = subprocess.run([sys.executable, args.tool, path], capture_output=True, text=True, check=True).stdout
    with open(path, encoding="utf-8") as f:
        from_stdin = subprocess.run([sys.executable, args.tool, "-"], stdin=f, capture_output=True, text=True,
                                    check=True).stdout
    if from_stdin.replace("<stdin>", path) != from_file:
        fail("lossc-keras: the header from standard input differs from the one from the file")
    for needle in ("inline constexpr auto custom_mse = ", "static_assert(lossc::depends_on_y_pred<decltype(custom_mse)>",
                   f"// {path}:10: def custom_mse(y_true, y_pred)"):
        if needle not in from_file:
            fail(f"lossc-keras: '{needle}' missing from the header:\n{from_file}")


def check_hostile_options(args):
    """Options and file names are pasted into C++: invalid ones are refused (status 2), and a file
    name with a newline cannot inject code into the generated header's comments."""
    seed = os.path.join(HERE, "cases", "seed.py")
    for opt in (["--namespace", "gen; int x"], ["--namespace", "delete"], ["--prefix", "a b"],
                ["--emit", "c-abi", "--header", 'x.hpp"\n#include "evil.h']):
        run = subprocess.run([sys.executable, args.tool, seed] + opt, capture_output=True, text=True)
        if run.returncode != 2 or run.stdout:
            fail(f"lossc-keras {' '.join(opt)!r}: status {run.returncode}, output {len(run.stdout)} characters")
    odd = os.path.join(args.work, "evil\n#include <nothing>\nname.py")
    with open(seed, encoding="utf-8") as f, open(odd, "w", encoding="utf-8") as g:
        g.write(f.read())
    out = subprocess.run([sys.executable, args.tool, odd], capture_output=True, text=True)
    if out.returncode != 0 or any(line.startswith("#include <nothing>") for line in out.stdout.splitlines()):
        fail("lossc-keras: a newline in the file's name reached the generated header as code")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--cxx-flags", default="", help="more flags for the compiles, space-separated")
    ap.add_argument("--include", required=True)
    ap.add_argument("--eigen", default="/usr/include/eigen3")
    ap.add_argument("--work", required=True)
    ap.add_argument("--keras", action="store_true", help="check keras.ops cases under real Keras (JAX)")
    ap.add_argument("--cases", default="")
    ap.add_argument("--libs", default="", help="load the cases' C ABI libraries from this directory instead of building them")
    ap.add_argument("--cache", default="", help="with --keras: keep Keras's references in this directory")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(7)
    files = args.cases.split(",") if args.cases else (["kops.py"] if args.keras else
                                                      ["seed.py", "custom.py", "builtins.py", "kops.py"])
    checked = 0
    built = translate_and_build(args, [(os.path.join(HERE, "cases", f), f[:-3] + ("_keras" if args.keras else ""))
                                       for f in files])
    for f in files:
        path = os.path.join(HERE, "cases", f)
        lib, notes = built[path]
        if lib is None:
            continue
        if args.keras:
            for name, (spec, references) in keras_cases(path, rng, args.cache).items():
                check_keras(lib, name, spec, references)
                checked += 1
        else:
            mod = load_module(path, False)
            for name, spec in mod.CASES.items():
                check_numpy(mod, lib, name, spec, rng)
                checked += 1
        if f == "seed.py" and not args.keras:
            check_abi_errors(lib)
        if f == "builtins.py" and not args.keras:
            check_abi_labels(lib)
        if f == "custom.py" and "batch_mean_mse" not in notes:
            fail("custom.py: no note for batch_mean_mse's batch reduction")
    n_bad = 0 if args.keras else check_diagnostics(args)
    if not args.keras:
        check_cli(args)
        check_hostile_options(args)
    print(f"codegen: {checked} losses from {len(files)} files checked against "
          f"{'real Keras' if args.keras else 'the numpy stand-in'}, {n_bad} diagnostics, {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
