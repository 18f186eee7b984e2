#!/usr/bin/env python3
"""Writes scikit-learn's handwritten digits (load_digits: 1797 images of 8x8 pixels 0..16 and their
labels) to CSV, one sample per line: 64 pixels, then the label. The trainer (train_mlp.cpp) reads it.

  export_digits.py OUT.csv          (the Python of build/keras-venv, which has scikit-learn)
"""
import sys

from sklearn.datasets import load_digits


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = load_digits()
    with open(sys.argv[1], "w", encoding="ascii") as f:
        f.write(f"# scikit-learn load_digits: {d.data.shape[0]} samples, 64 pixels (0..16), label\n")
        for x, y in zip(d.data, d.target):
            f.write(",".join(str(int(v)) for v in x) + f",{int(y)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
