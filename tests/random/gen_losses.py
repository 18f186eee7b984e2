#!/usr/bin/env python3
"""Writes random well-formed lossc losses as a C++ test file (differential testing).

    gen_losses.py --seed 1 --count 40 -o losses.cpp

Every loss is built from the whole vocabulary (elementwise ops, comparisons and where,
reductions, softmax/log_softmax/l2_normalize, column selection, weights, run-time parameters)
with widths tracked so that it is shape-correct for inputs of C >= 4 columns. Arguments of
ops with a restricted domain are kept inside it (log(abs(x) + 0.5), ...), and values bounded
(tanh, clip) so that finite differences are meaningful. Each loss is checked by
tests/support/differential.hpp. The seed is written into the file."""
import argparse
import json
import random
from pathlib import Path

UNARY_ANY = ["square", "abs", "tanh", "sigmoid", "softplus", "log_cosh", "-"]


def table_functions():
    """(name, lo, hi) of every differentiable unary function f(x) of the library's op table
    (codegen/lossc_keras/op_table.json, printed from include/lossc/expr/ops.hpp), with its test domain."""
    path = Path(__file__).resolve().parents[2] / "codegen" / "lossc_keras" / "op_table.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    return [(op["function"], *op["domain"]) for op in table["unary"]
            if op["differentiable"] and not op["parameters"] and op["function"] is not None]


TABLE_FUNCTIONS = table_functions()
assert {fn for fn in UNARY_ANY if fn != "-"} <= {fn for fn, _, _ in TABLE_FUNCTIONS}, "UNARY_ANY names an op the table lacks"
BINARY = ["+", "-", "*", "maximum", "minimum"]


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.batch = False  # batch statistics allowed (cross-sample losses)
        self.pair = False  # inside a pair reduction: other(...) and same_sample allowed

    def num(self, lo=-2.0, hi=2.0):
        return f"{self.rng.uniform(lo, hi):.3f}"

    def leaf(self, width):
        """A rank-2 operand of the given width ('C', 2 or 3); inside a pair reduction, sometimes
        the other sample's."""
        if self.pair and self.rng.random() < 0.4:
            self.pair = False
            x = self.leaf(width)
            self.pair = True
            return f"other({x})"
        r = self.rng
        if width == "C":
            return r.choice(["y_pred", "y_pred", "y_true"])
        f = r.randint(0, 4 - width)  # C >= 4: cols<f, width> fits
        src = r.choice(["y_pred", "y_pred", "y_true"])
        if r.random() < 0.25:
            w = ", ".join(self.num(0.1, 2.0) for _ in range(width))
            return f"(cols<{f}, {width}>({src}) * weights({w}))"
        return f"cols<{f}, {width}>({src})"

    def full(self, width, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.2:
            return self.leaf(width)
        if self.batch and r.random() < 0.15:  # a statistic of the batch, one per column
            return f"batch_{r.choice(['sum', 'mean'])}({self.full(width, depth - 1)})"
        k = r.random()
        a = self.full(width, depth - 1)
        if k < 0.30:
            op = r.choice(UNARY_ANY)
            return f"-({a})" if op == "-" else f"{op}({a})"
        if k < 0.42:
            # Ops with a restricted domain, each with its operand mapped into that domain.
            guarded = {
                "log": lambda: f"log(abs({a}) + 0.5)",
                "sqrt": lambda: f"sqrt(abs({a}) + 0.1)",
                "exp": lambda: f"exp(tanh({a}))",
                "log1p": lambda: f"log1p(abs({a}))",
                "expm1": lambda: f"expm1(tanh({a}))",
                "cosh": lambda: f"cosh(tanh({a}))",
                "sinh": lambda: f"sinh(tanh({a}))",
                "pow": lambda: f"pow(abs({a}) + 0.5, {self.num(-1.5, 2.5)})",
                "clip": lambda: f"clip({a}, {self.num(-2, -0.5)}, {self.num(0.5, 2)})",
            }
            # A table op without a guard above: its operand mapped into its test domain.
            for fn, lo, hi in TABLE_FUNCTIONS:
                if fn not in guarded and fn not in UNARY_ANY:
                    guarded[fn] = lambda fn=fn, lo=lo, hi=hi: f"{fn}({lo} + {hi - lo} * sigmoid({a}))"
            return guarded[r.choice(list(guarded))]()
        if k < 0.70:
            b = self.full(width, depth - 1) if r.random() < 0.6 else (self.per_row(depth - 1) if r.random() < 0.5 else self.num())
            op = r.choice(BINARY + ["/"])
            if op == "/":
                return f"(({a}) / (abs({b}) + 0.5))"
            if op in ("maximum", "minimum"):
                return f"{op}({a}, {b})"
            return f"(({a}) {op} ({b}))"
        if k < 0.80:
            c = self.full(width, depth - 1)
            cmp = r.choice(["<", ">", "<=", ">="])
            b = self.full(width, depth - 1)
            return f"where(({c}) {cmp} {self.num(-1, 1)}, {a}, {b})"
        if k < 0.90:
            op = r.choice(["softmax<1>", "log_softmax<1>", "l2_normalize<-1>"])
            return f"{op}(tanh({a}))" if op != "l2_normalize<-1>" else f"{op}({a})"
        return f"(({a}) * stop_gradient({self.full(width, depth - 1)}))"

    def per_row(self, depth):
        r = self.rng
        k = r.random()
        if depth <= 0 or k < 0.15:
            x = f"col<{r.randint(0, 3)}>({r.choice(['y_pred', 'y_true'])})"
            return f"other({x})" if self.pair and r.random() < 0.4 else x
        if self.pair and r.random() < 0.1:  # the pair of a sample with itself
            return f"where(same_sample, {self.num()}, {self.per_row(depth - 1)})"
        if self.batch and r.random() < 0.15:  # a statistic of the batch, one number
            return f"batch_{r.choice(['sum', 'mean'])}(tanh({self.per_row(depth - 1)}))"
        if k < 0.75:
            red = r.choice(["sum<1>", "mean<1>", "max<1>", "min<1>", "logsumexp<1>", "mean<-1>"])
            width = r.choice(["C", "C", 2, 3])
            inner = self.full(width, depth - 1)
            return f"{red}(tanh({inner}))" if red.startswith("logsumexp") else f"{red}({inner})"
        a = self.per_row(depth - 1)
        if k < 0.88:
            op = r.choice(UNARY_ANY)
            return f"-({a})" if op == "-" else f"{op}({a})"
        b = self.per_row(depth - 1)
        op = r.choice(BINARY)
        return f"{op}({a}, {b})" if op in ("maximum", "minimum") else f"(({a}) {op} ({b}))"

    def loss(self, depth):
        # The reduction that makes it per-sample, over a random rank-2 body; y_pred is added
        # differentiably when the body might not use it (rule 1).
        body = f"sum<1>({self.full(self.rng.choice(['C', 'C', 2, 3]), depth)})"
        extra = self.per_row(depth - 1)
        return f"{body} + {extra} + 0.25 * mean<1>(square(y_pred))"

    def batch_loss(self, depth):
        """A cross-sample loss: the same vocabulary with batch_sum/batch_mean among it, at least
        one of them reading y_pred."""
        self.batch = True
        body = self.loss(depth)
        self.batch = False
        stat = f"batch_mean({self.full('C', 1)} * y_pred)"
        return f"batch_loss({body} + 0.5 * sum<1>(tanh(y_pred - {stat})))"


    def pair_loss(self, depth):
        """A loss over pairs of samples: a per-sample loss plus pair reductions of per-pair values
        built from the same vocabulary (other(...) reading sample j), one of them reading y_pred of
        both samples."""
        r = self.rng
        body = self.loss(depth - 1)
        self.pair = True
        terms = []
        for _ in range(r.randint(1, 2)):
            red = r.choice(["pair_sum", "pair_mean", "pair_max", "pair_min", "pair_logsumexp"])
            f = self.per_row(depth - 1)
            terms.append(f"{self.num(0.2, 1.0)} * {red}(tanh({f}))")
        self.pair = False
        both = f"pair_{r.choice(['mean', 'logsumexp', 'max'])}(tanh(sum<1>(y_pred * other({self.full('C', 1)}))))"
        return f"batch_loss({body} + {' + '.join(terms)} + 0.5 * {both})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--batch", type=int, default=0, help="cross-sample losses (batch_loss) after the others")
    ap.add_argument("--pairs", type=int, default=0, help="losses over pairs of samples (pair_sum ...) after those")
    ap.add_argument("--name", default="random_losses")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    gen = Gen(random.Random(args.seed))
    out = [f"// Generated by tests/random/gen_losses.py --seed {args.seed} --count {args.count} "
           f"--depth {args.depth}: do not edit.",
           '#include "differential.hpp"', "", "using namespace lossc::dsl;", ""]
    out.append(f'TEST_CASE("{args.name}: seed {args.seed}, {args.count} random losses") {{')
    for i in range(args.count):
        expr = gen.loss(args.depth)
        out.append(f"    {{  // loss {i}")
        out.append(f"        constexpr auto loss = {expr};")
        out.append(f'        lossc_test::differential(loss, {args.seed * 1000 + i});')
        out.append("    }")
    out.append("}")
    if args.batch:
        out.append(f'TEST_CASE("{args.name}: seed {args.seed}, {args.batch} random cross-sample losses") {{')
        for i in range(args.batch):
            out.append(f"    {{  // batch loss {i}")
            out.append(f"        constexpr auto loss = {gen.batch_loss(args.depth)};")
            out.append(f'        lossc_test::batch_differential(loss, {args.seed * 1000 + 500 + i});')
            out.append("    }")
        out.append("}")
    if args.pairs:
        out.append(f'TEST_CASE("{args.name}: seed {args.seed}, {args.pairs} random losses over pairs of samples") {{')
        for i in range(args.pairs):
            out.append(f"    {{  // pair loss {i}")
            out.append(f"        constexpr auto loss = {gen.pair_loss(args.depth)};")
            out.append(f'        lossc_test::batch_differential(loss, {args.seed * 1000 + 700 + i});')
            out.append("    }")
        out.append("}")
    with open(args.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
