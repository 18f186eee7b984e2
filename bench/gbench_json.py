"""Google Benchmark JSON as the render scripts read it: each benchmark's median over its
repetitions (its one run without them), in microseconds, by name without the /real_time,
/min_time and repetition suffixes; and the run's context."""
import json
import re


def medians(path):
    rows = {}
    with open(path) as f:
        data = json.load(f)
    with_medians = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median" if not with_medians else None) != "median":
            continue
        name = b.get("run_name", b["name"])
        name = re.sub(r"(/min_time:[0-9.]+)?(/real_time)?(/[0-9]+)?(_median)?$", "", name)
        rows[name] = b["real_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    return rows, data.get("context", {})
