"""Property-based fuzzing of codegen/lossc-keras (Hypothesis): generated Python loss sources,
hostile names, constants, calls with wrong arguments and odd bytes. The property, for every
input: the tool either exits 0 with a header, or exits 1 with at least one located
`FILE:LINE:COL: what — alternative` message; it never raises (a traceback) and never exits
otherwise. The headers it accepts are compiled together at the end (g++ -fsyntax-only: every
static_assert of every accepted loss). Derandomised, so a CI run is reproducible.

    tests/codegen/fuzz_codegen.py --tool codegen/lossc-keras --include include --work build/x [--examples N]
"""
import argparse
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import re
import subprocess
import sys

from hypothesis import HealthCheck, given, settings, strategies as st

NAMES = ["custom", "loss", "my_loss", "run", "shape", "y_true", "grad", "int", "delete", "this", "main", "std",
         "lossc", "exp", "log", "namespace", "__weird", "_Upper", "ok", "label"]
OPS1 = ["K.square", "K.abs", "K.exp", "K.log", "K.sqrt", "K.sigmoid", "K.softplus", "K.tanh", "K.relu",
        "tf.math.cosh", "K.sign", "K.stop_gradient", "ops.log1p", "K.cumsum"]
REDUCE = ["K.mean", "K.sum", "K.max", "K.min", "K.logsumexp", "tf.reduce_mean"]
CONSTS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
                   st.sampled_from(["1e999", "10 ** 400", "(-8) ** 0.5", "K.epsilon()", "'text'", "None", "2 ** 64",
                                    "0 * 1e999", "1.5", "0.5", "2"]))


def expressions():
    leaves = st.one_of(st.sampled_from(["y_true", "y_pred", "t", "p"]), CONSTS)

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "<=", ">", "=="]), inner).map(
                lambda x: f"({x[0]} {x[1]} {x[2]})"),
            st.tuples(st.sampled_from(OPS1), inner).map(lambda x: f"{x[0]}({x[1]})"),
            st.tuples(st.sampled_from(REDUCE), inner,
                      st.sampled_from(["", ", axis=-1", ", axis=1", ", axis=0", ", axis=None", ", axis=-1, keepdims=True",
                                       ", axis=2", ", foo=1", ", axis='x'"])).map(lambda x: f"{x[0]}({x[1]}{x[2]})"),
            st.tuples(inner, inner, st.sampled_from(["", ", y_pred", ", 1.0, 2.0"])).map(
                lambda x: f"K.switch({x[0]} > 0, {x[1]}{x[2]})"),
            st.tuples(st.sampled_from(["y_pred", "y_true", "p"]),
                      st.sampled_from(["0", "1", "-1", "2 ** 64", "1.5", "0:2", "1:", ":", "::2", "'a'"])).map(
                lambda x: f"{x[0]}[:, {x[1]}]"),
            st.tuples(inner, st.sampled_from(["0.5", "2.5", "2 ** 64", "-1", "'x'"])).map(
                lambda x: f"keras.losses.sparse_categorical_crossentropy(y_true, {x[0]}, from_logits=True, ignore_class={x[1]})"),
            st.sampled_from(["float()", "K.mean(axis=-1)", "K.square()", "K.clip(y_pred, 0.1, None)",
                             "keras.losses.mean_squared_error(y_true, y_pred)", "K.mean(K.square(y_pred - y_true), axis=-1)"]),
        )
    return st.recursive(leaves, extend, max_leaves=12)


def benign():
    """Expressions the translator should take: element-wise ops of y_true, y_pred and finite numbers."""
    leaves = st.one_of(st.sampled_from(["y_true", "y_pred"]),
                       st.floats(min_value=-100, max_value=100, allow_nan=False).map(repr))

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda x: f"({x[0]} {x[1]} {x[2]})"),
            st.tuples(st.sampled_from(["K.square", "K.abs", "K.tanh", "K.sigmoid", "K.softplus", "tf.math.cosh"]),
                      inner).map(lambda x: f"{x[0]}({x[1]})"),
            st.tuples(inner, inner, inner).map(lambda x: f"K.switch({x[0]} > 0, {x[1]}, {x[2]})"),
        )
    return st.recursive(leaves, extend, max_leaves=8)


@st.composite
def sources(draw):
    if draw(st.booleans()):  # a loss that should translate: its C++ must compile
        name = draw(st.sampled_from(["custom", "loss", "my_loss", "run", "shape", "ok", "label", "grad", "y_true"]))
        body = draw(benign())
        return (f"from keras import backend as K\nimport tensorflow as tf\n\n\ndef {name}(y_true, y_pred):\n"
                f"    return K.mean(y_pred * ({body}), axis=-1)\n").encode()
    name = draw(st.sampled_from(NAMES))
    args = draw(st.sampled_from(["y_true, y_pred", "t, p", "y_true, y_pred, delta=1.0", "a, b, c", "y_true",
                                 "y_true, y_pred, int=2.0"]))
    env = "t, p = y_true, y_pred\n    " if args.startswith("y_true, y_pred") else ""
    body = draw(expressions())
    header = draw(st.sampled_from(["from keras import backend as K\nimport keras\nfrom keras import ops\nimport tensorflow as tf\n",
                                   "# -*- coding: latin-1 -*-\nfrom keras import backend as K\nimport keras\n",
                                   "import keras.backend as K\nimport keras\nfrom keras import ops\nimport tensorflow as tf\nX = 1e999\n"]))
    text = f"{header}\n\ndef {name}({args}):\n    {env}return {body}\n"
    if draw(st.integers(0, 19)) == 0:  # 10 000 chained additions
        text = f"{header}\n\ndef deep(y_true, y_pred):\n    return " + " + ".join(["y_pred"] * 10000) + "\n"
    raw = text.encode("latin-1" if "latin-1" in header else "utf-8", errors="replace")
    tail = draw(st.sampled_from([b"", b"\x00", b"\xff\xfe", b"\n# \xe9\n"]))
    return raw + tail


def load_tool(path):
    loader = importlib.machinery.SourceFileLoader("lossc_keras_tool", path)
    spec = importlib.util.spec_from_loader("lossc_keras_tool", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--eigen", default="/usr/include/eigen3")
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--cxx-flags", default="", help="more flags for the compile, space-separated")
    ap.add_argument("--work", required=True)
    ap.add_argument("--examples", type=int, default=300)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    tool = load_tool(args.tool)
    path = os.path.join(args.work, "fuzz_case.py")
    located = re.compile(r"^" + re.escape(path) + r":\d+:\d+: .+ — .+", re.M)
    accepted = []
    counts = {0: 0, 1: 0}

    @settings(max_examples=args.examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(sources())
    def property_(raw):
        with open(path, "wb") as f:
            f.write(raw)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = tool.main([path, "--namespace", f"fz{len(accepted)}"])
            except SystemExit as e:  # argparse only
                code = e.code
        assert code in (0, 1), f"exit status {code}:\n{raw!r}\n{err.getvalue()}"
        counts[code] += 1
        if code == 1:
            assert located.search(err.getvalue()), f"no located message:\n{raw!r}\n{err.getvalue()}"
        else:
            assert "inline constexpr auto" in out.getvalue() or "constexpr auto" in out.getvalue(), raw
            accepted.append(out.getvalue())

    property_()
    # Everything accepted must compile: one TU, each header in its own namespace.
    tu = os.path.join(args.work, "fuzz_accepted.cpp")
    with open(tu, "w", encoding="utf-8") as f:
        for text in accepted:
            f.write(text.replace("#pragma once", ""))
    if accepted:
        run = subprocess.run([args.cxx, "-std=c++20", "-fsyntax-only", "-w", *args.cxx_flags.split(), "-I", args.include,
                              "-isystem", args.eigen, tu], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"codegen fuzz: the accepted headers do not compile ({tu}):\n{run.stderr[-4000:]}")
            return 1
    print(f"codegen fuzz: {args.examples} sources, {counts[0]} translated (compiled together), {counts[1]} refused with "
          f"located messages, no traceback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
