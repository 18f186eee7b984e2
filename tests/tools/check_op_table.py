#!/usr/bin/env python3
"""The op table (include/lossc/expr/ops.hpp) against its copies: codegen/lossc_keras/op_table.json
(what tests/tools/op_table.cpp prints), the op tables of docs/dsl.md (rendered from it), codegen,
which must translate every Keras spelling of a table op, and docs/codegen.md's list of them.

    check_op_table.py --tool build/test-gcc/tests/lossc_op_table [--write]

--write rewrites the JSON and the docs instead of comparing them."""
import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JSON_PATH = ROOT / "codegen" / "lossc_keras" / "op_table.json"
DOCS_PATH = ROOT / "docs" / "dsl.md"


def cell(text):
    return text.replace("|", "\\|")


def spelling_cell(spelling):
    """`pow(a, p)` (p a number): the code in backticks, a note after it as prose."""
    if " (" in spelling:
        code, note = spelling.rsplit(" (", 1)
        return f"`{code}` ({note}"
    return f"`{spelling}`"


def function_of(op):
    """The DSL function that builds the op (`exp` for `exp(x)`), or None for an operator."""
    return op["function"]


def render(table):
    """docs/dsl.md's two tables: operators (and binary functions), elementwise functions."""
    binary = table["binary"]
    binary_names = {op["name"] for op in binary}
    unary_ops = [op for op in table["unary"] if function_of(op) is None or op["name"] in binary_names]
    functions = [op for op in table["unary"] if op not in unary_ops]
    rows = []
    infix = [op for op in binary if op["infix"] and op["differentiable"]]
    rows += infix + [op for op in unary_ops if function_of(op) is None]
    for op in binary:
        if op in infix:
            continue
        rows += [u for u in unary_ops if u["name"] == op["name"] and u not in rows] + [op]
    operators = ["| spelling | value | derivative to a, b |", "|---|---|---|"]
    operators += [f"| {spelling_cell(op['doc']['spelling'])} | {cell(op['doc']['value'])} | {cell(op['doc']['derivative'])} |"
                  for op in rows]
    functions.sort(key=lambda op: not op["differentiable"])
    fns = ["| spelling | value | derivative | stable form used |", "|---|---|---|---|"]
    fns += [f"| {spelling_cell(op['doc']['spelling'])} | {cell(op['doc']['value'])} | {cell(op['doc']['derivative'])} | "
            f"{cell(op['doc']['stable'])} |".replace("|  |", "| |") for op in functions]
    return {"operators": "\n".join(operators), "functions": "\n".join(fns)}


def replace_blocks(text, blocks):
    for name, body in blocks.items():
        begin, end = f"<!-- op-table: {name} (rendered by tests/tools/check_op_table.py) -->", "<!-- /op-table -->"
        a = text.index(begin) + len(begin)
        b = text.index(end, a)
        text = text[:a] + "\n" + body + "\n" + text[b:]
    return text


def load_codegen():
    """codegen's op table module, (re)loaded: it reads op_table.json when imported."""
    if str(ROOT / "codegen") not in sys.path:
        sys.path.insert(0, str(ROOT / "codegen"))
    import lossc_keras.optable as optable
    return importlib.reload(optable)


def codegen_misses(table):
    """Every table op with a function spelling that Keras has too, written as keras.ops.<fn>, must
    translate to lossc::<fn> (the package's translator, in this process)."""
    cg = load_codegen()
    import lossc_keras.translate as translate
    from lossc_keras.errors import TranslationError
    translate = importlib.reload(translate)  # its call table comes from the op table just read
    misses = []
    ops = [(op, 1) for op in table["unary"]] + [(op, 2) for op in table["binary"]]
    for op, arity in ops:
        fn = function_of(op)
        if fn is None or fn in cg.LOSSC_ONLY:
            continue
        args = {1: "y_pred", 2: "y_pred, y_true"}[arity]
        if op["parameters"]:
            args = {"pow": "y_pred, 2.5", "clip": "y_pred, -1.0, 1.0"}.get(fn, args)
        source = f"import keras\n\ndef loss(y_true, y_pred):\n    return keras.ops.sum(keras.ops.{fn}({args}) * y_pred, axis=-1)\n"
        try:
            tr = translate.Translator("<op_table>", source)
            _, expr = tr.translate(*tr.losses()[0])
        except TranslationError as e:
            misses.append(f"{fn}: codegen rejects keras.ops.{fn}: {e.what} — {e.alternative}")
            continue
        if f"lossc::{fn}(" not in expr.code:
            misses.append(f"{fn}: codegen does not emit lossc::{fn}: {expr.code}")
    return misses


def codegen_docs(text, cg):
    """docs/codegen.md with its row of plain functions naming every function codegen takes from
    the table (stop_gradient has a row of its own)."""
    lines = text.splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith("| `square "))
    names = " ".join(fn for fn in cg.UNARY if fn != "stop_gradient")
    head, _, rest = lines[i].split("`", 2)
    lines[i] = f"{head}`{names}`{rest}"
    return "".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, help="the built tests/tools/op_table.cpp")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    printed = subprocess.run([a.tool], check=True, capture_output=True, text=True).stdout
    table = json.loads(printed)
    docs = DOCS_PATH.read_text()
    rendered = replace_blocks(docs, render(table))
    codegen_md = ROOT / "docs" / "codegen.md"
    if a.write:
        JSON_PATH.write_text(printed)
        DOCS_PATH.write_text(rendered)
        # codegen reads the JSON just written
        codegen_md.write_text(codegen_docs(codegen_md.read_text(), load_codegen()))
        print(f"wrote {JSON_PATH.relative_to(ROOT)} and the op tables of {DOCS_PATH.relative_to(ROOT)}")
        return 0
    failures = []
    if JSON_PATH.read_text() != printed:
        failures.append(f"{JSON_PATH.relative_to(ROOT)} differs from the library's op table: rerun with --write")
    if rendered != docs:
        failures.append(f"the op tables of {DOCS_PATH.relative_to(ROOT)} differ from the library's: rerun with --write")
    failures += codegen_misses(table)
    if codegen_docs(codegen_md.read_text(), load_codegen()) != codegen_md.read_text():
        failures.append("docs/codegen.md's op table does not name every function codegen translates: rerun with --write")
    for f in failures:
        print("FAIL:", f)
    n = len(table["unary"]) + len(table["binary"])
    print(f"{n} ops: JSON, docs and codegen {'agree' if not failures else 'disagree'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
