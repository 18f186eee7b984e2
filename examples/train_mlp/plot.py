#!/usr/bin/env python3
"""Plots the trainer's log (train_mlp --log CSV: epoch, loss, train and test accuracy) to a PNG.

  plot.py LOG.csv OUT.png           (the Python of build/keras-venv, which has matplotlib)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="ascii") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print(f"plot.py: {sys.argv[1]} holds no epochs", file=sys.stderr)
        return 1
    epoch = [int(r["epoch"]) for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epoch, [float(r["loss"]) for r in rows], color="tab:red")
    left.set(xlabel="epoch", ylabel="loss (digit + 0.2 aux)", title="training loss (lossc)")
    right.plot(epoch, [float(r["train_accuracy"]) for r in rows], label="train")
    right.plot(epoch, [float(r["test_accuracy"]) for r in rows], label="held back")
    right.set(xlabel="epoch", ylabel="accuracy", title="digits, 2-layer MLP", ylim=(0.8, 1.0))
    right.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    print(f"plot.py: wrote {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
