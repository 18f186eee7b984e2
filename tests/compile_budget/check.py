"""Compile-budget test: one translation unit of bench/compile_time/tu.hpp (one typical loss, or one
Keras function form) compiled at -O2 -march=native with the compiler under test; fails when its
user CPU time exceeds the loss's budget. Usage:
    check.py --cxx CXX --include DIR --eigen DIR --tu FILE (--index I | --range FIRST LAST)
             [--keras [--compiled]] --name NAME --budgets FILE
--compiled compiles the TU as a program linking lossc::keras_compiled does (LOSSC_KERAS_COMPILED).
--range compiles the losses FIRST..LAST together in one TU: within the budget, each of them alone
(a part of that program) is too.
The budgets file holds the goal (`default SECONDS`) and, for the losses known to be over it, their
measured ceiling (`NAME SECONDS`), or a group's (`GROUP SECONDS`, GROUP the part of NAME before its
first dot): a loss that gets slower than its line fails. `anchor SECONDS` is the include-only TU's
time when the lines were measured: a loss over its line is measured against the anchor compiled
now, and its line scaled by how much slower the machine runs (a shared machine's speed drifts by
half within hours), so that only a loss slower than the machine fails."""
import argparse
import os
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--cxx", required=True)
ap.add_argument("--include", required=True)
ap.add_argument("--eigen", required=True)
ap.add_argument("--tu", required=True)
which = ap.add_mutually_exclusive_group(required=True)
which.add_argument("--index", type=int)
which.add_argument("--range", type=int, nargs=2, metavar=("FIRST", "LAST"))
ap.add_argument("--keras", action="store_true")
ap.add_argument("--compiled", action="store_true")
ap.add_argument("--name", required=True)
ap.add_argument("--budgets", required=True)
a = ap.parse_args()

budgets = {}
for line in open(a.budgets):
    line = line.split("#", 1)[0].split()
    if len(line) == 2:
        budgets[line[0]] = float(line[1])
# A line for the loss, else for its group (the name's part before the first dot), else `default`.
budget = budgets.get(a.name, budgets.get(a.name.split(".")[0], budgets["default"]))

selected = [f"-DLOSSC_CT_ONLY={a.index}"] if a.range is None else \
    [f"-DLOSSC_CT_FIRST={a.range[0]}", f"-DLOSSC_CT_LAST={a.range[1]}"]
base = [a.cxx, "-std=c++20", "-O2", "-march=native", "-w", "-I" + a.include, "-I" + a.eigen, "-x", "c++"]
output_args = ["-c", a.tu, "-o", os.devnull]
cmd = base + selected + (["-DLOSSC_CT_KERAS"] if a.keras else []) + \
    (["-DLOSSC_KERAS_COMPILED"] if a.compiled else []) + output_args
# The anchor: the same TU with no loss selected and no Keras option, the include alone, as `anchor`
# in the budgets file was measured.
anchor_cmd = base + output_args


def compile_once(command=cmd):
    """(user CPU seconds, peak MB) of one compilation; exits if it fails."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stdout.write(output.decode(errors="replace")[-4000:])
        sys.exit(f"{a.name}: did not compile")
    return usage.ru_utime, usage.ru_maxrss / 1024


# The fastest of up to three compilations: the tests beside it on a 2-core machine only ever slow
# a compilation down (one ran 4.07 s against a quiet 2.75 s), so a time over the budget is
# measured again before it fails.
times = []
for _ in range(3):
    user, peak_mb = compile_once()
    times.append(user)
    if user <= budget:
        break
user = min(times)
tries = "" if len(times) == 1 else f" (fastest of {', '.join(f'{t:.2f}' for t in times)})"
print(f"{a.name}: {user:.2f} s user CPU{tries}, {peak_mb:.0f} MB peak (budget {budget:.1f} s) with {a.cxx} -O2 -march=native")
if user > budget and "anchor" in budgets:
    anchor = min(compile_once(anchor_cmd)[0] for _ in range(2))  # the fastest of two, now
    slower = anchor / budgets["anchor"]
    print(f"{a.name}: the include alone took {anchor:.2f} s against {budgets['anchor']:.2f} s when the budgets were set")
    if slower > 1:
        budget *= slower
        print(f"{a.name}: budget scaled by {slower:.2f} to {budget:.1f} s")
if user > budget:
    sys.exit(f"{a.name}: {user:.2f} s is over its compile-time budget of {budget:.1f} s")
