#!/usr/bin/env python3
"""Differential test of lossc::keras against real Keras 3 (JAX backend, CPU, float32).

For every built-in loss class, parameter set and wrapper mode (the five reductions, sample
weights of each shape Keras broadcasts, masks, ignore_class, integer labels, rank-3 inputs,
axes), on seeded random and extreme inputs, Keras computes the reduced loss, the
reduction="none" values and jax.grad of the reduced loss; tests/keras/keras_diff (lossc) computes
the same from the same float32 inputs; this script compares them.

Tolerance: |lossc − keras| <= rtol·|keras| + rtol·scale, scale = the largest |keras| of the
compared tensor (so that an entry far smaller than its neighbours, e.g. a gradient component
of 1e-9 beside ones of 1, is judged at the tensor's precision), rtol = 1e-6, or 1e-5 for the
losses whose float32 clipping makes Keras itself coarse (docs/keras.md, float32 clip bounds).

Keras's references are cached (reference_cache.py: keyed by the cases' text and the Keras and
JAX versions) so that the builds of the test suite compute them once.

  differential.py --binary build/.../lossc_keras_diff [--cache DIR] [--list]
"""
import argparse
import os
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Eager JAX compiles each operation for each new shape, and those compiles were most of a cold
# run's time: LLVM's optimisations off and XLA's older elementwise emitters, which compile faster
# (XLA's own rewrites still run; float semantics unchanged: the same worst deviations printed).
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_cpu_use_fusion_emitters=false")

import numpy as np  # noqa: E402

from reference_cache import cached, keras_versions  # noqa: E402

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
# rtol 1e-5: the clipped-probability losses, Circle, whose gradient entries each sum a batch of
# float32 terms (≈ N·eps in Keras's own sums), and CTC, whose recursion runs T float32 steps in
# Keras (lossc's runs in double)
COARSE = {"BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
          "SparseCategoricalCrossentropy", "CategoricalFocalCrossentropy", "KLDivergence", "Circle", "CTC"}


class Case:
    def __init__(self, cls, y_true, y_pred, params=(), from_logits=False, reduction="sum_over_batch_size",
                 axis=-1, ignore_class=None, weight=None, mask=None, note="", rtol=None):
        self.cls, self.params, self.from_logits = cls, list(params), from_logits
        self.reduction, self.axis, self.ignore_class = reduction, axis, ignore_class
        self.y_true, self.y_pred = y_true, np.asarray(y_pred, np.float32)
        self.weight, self.mask, self.note = weight, mask, note
        self.rtol = rtol  # a case's own tolerance, where Keras's float32 answer is coarser
        self.id = ""

    def describe(self):
        shape = "x".join(map(str, self.y_pred.shape))
        w = "none" if self.weight is None else ("scalar" if np.isscalar(self.weight) else
                                                "x".join(map(str, np.shape(self.weight))))
        return (f"{self.cls}(logits={int(self.from_logits)}, params={self.params}, axis={self.axis}, "
                f"ignore={self.ignore_class}) {self.reduction} y_pred {shape} weight {w} "
                f"mask {'yes' if self.mask is not None else 'no'} {self.note}")


# ---- the cases ------------------------------------------------------------------------------------

def probabilities(rng, shape, extreme=False):
    p = rng.uniform(0.02, 1.0, shape).astype(np.float32)
    if extreme:  # exact 0 and 1, tiny values, rows that do not sum to 1
        flat = p.reshape(-1)
        flat[::5] = 0.0
        flat[1::7] = 1.0
        flat[2::11] = 1e-9
    return p


def one_hot(rng, shape):
    ids = rng.integers(0, shape[-1], shape[:-1])
    return np.eye(shape[-1], dtype=np.float32)[ids], ids


def logits(rng, shape, extreme=False):
    x = rng.normal(0, 3, shape).astype(np.float32)
    if extreme:
        flat = x.reshape(-1)
        flat[::4] = 100.0
        flat[1::6] = -100.0
        flat[2::9] = 30.0
    return x


def build_cases():
    rng = np.random.default_rng(20261128)
    cases = []
    N, K = 6, 5
    mix = 0

    def add(cls, t, p, params=(), **kw):
        """One case per reduction and weight shape, cycling through them so that every loss sees
        each reduction, and every pair of reduction and weight shape occurs in the suite."""
        nonlocal mix
        n = np.asarray(p).shape[0]
        weights = [None, rng.uniform(0.1, 2.0, n).astype(np.float32),
                   rng.uniform(0.1, 2.0, (n, 1)).astype(np.float32), 0.7]
        for k, red in enumerate(REDUCTIONS):
            w = weights[(k + mix) % len(weights)] if kw.get("weights", True) else None
            args = {a: b for a, b in kw.items() if a != "weights"}
            cases.append(Case(cls, t, p, params, reduction=red, weight=w, **args))
        mix += 1

    def regression_inputs(extreme=False):
        t = rng.normal(0, 2, (N, K)).astype(np.float32)
        p = rng.normal(0, 2, (N, K)).astype(np.float32)
        if extreme:
            t[0] = 0.0
            p[1] = 0.0
            t[2] *= 1e4
            p[3] = t[3] + 50.0
        return t, p

    for cls, params in [("MeanSquaredError", ()), ("MeanAbsoluteError", ()), ("MeanAbsolutePercentageError", ()),
                        ("MeanSquaredLogarithmicError", ()), ("LogCosh", ()), ("Huber", (1.0,)), ("Huber", (0.35,)),
                        ("CosineSimilarity", ()), ("Poisson", ())]:
        for extreme in (False, True):
            t, p = regression_inputs(extreme)
            if cls == "Poisson":
                t, p = np.abs(t), np.abs(p) + (0.0 if extreme else 0.05)
            add(cls, t, p, params, note="extreme" if extreme else "")
    # rank 3: (N, T, K) → (N, T) losses; per-sample weights (N, 1), per-step weights (N, T)
    T = 3
    t3, p3 = rng.normal(0, 1, (N, T, K)).astype(np.float32), rng.normal(0, 1, (N, T, K)).astype(np.float32)
    for red in REDUCTIONS:
        for w in [None, rng.uniform(0.1, 2, (N, 1)).astype(np.float32), rng.uniform(0.1, 2, (N, T)).astype(np.float32),
                  rng.uniform(0.1, 2, (N, T, 1)).astype(np.float32)]:
            cases.append(Case("MeanSquaredError", t3, p3, reduction=red, weight=w, note="rank 3"))
    cases.append(Case("CosineSimilarity", t3, p3, axis=1, note="rank 3, axis 1"))
    cases.append(Case("CategoricalCrossentropy", np.abs(t3), logits(rng, (N, T, K)), (0.0,), True, axis=1, note="rank 3, axis 1"))
    # y_true (N,) against y_pred (N, 1): Keras's rank matching
    cases.append(Case("MeanSquaredError", rng.normal(0, 1, N).astype(np.float32), rng.normal(0, 1, (N, 1)), note="(N,) vs (N,1)"))
    cases.append(Case("BinaryCrossentropy", rng.integers(0, 2, N).astype(np.float32), probabilities(rng, (N, 1)), (0.0,), note="(N,) vs (N,1)"))

    # hinge family: 0/1 labels (converted), ±1 labels, and a batch with one 0.5 (no conversion)
    for cls in ("Hinge", "SquaredHinge"):
        zero_one = rng.integers(0, 2, (N, K)).astype(np.float32)
        signed = 2 * rng.integers(0, 2, (N, K)).astype(np.float32) - 1
        mixed = zero_one.copy()
        mixed[3, 2] = 0.5
        for t, note in ((zero_one, "0/1 labels"), (signed, "±1 labels"), (mixed, "one 0.5: no conversion")):
            add(cls, t, rng.normal(0, 1.5, (N, K)), note=note)
    oh, _ = one_hot(rng, (N, K))
    add("CategoricalHinge", oh, rng.normal(0, 1.5, (N, K)))
    add("CategoricalHinge", oh, -np.abs(rng.normal(0, 1.5, (N, K))), note="all non-targets negative")
    add("KLDivergence", probabilities(rng, (N, K)), probabilities(rng, (N, K)))
    add("KLDivergence", oh, probabilities(rng, (N, K), True), note="extreme")

    # binary cross-entropies
    for fl in (False, True):
        for ls in (0.0, 0.1):
            for extreme in (False, True):
                t = rng.integers(0, 2, (N, K)).astype(np.float32)
                p = logits(rng, (N, K), extreme) if fl else probabilities(rng, (N, K), extreme)
                add("BinaryCrossentropy", t, p, (ls,), from_logits=fl, note="extreme" if extreme else "")
            for acb, alpha, gamma in ((False, 0.25, 2.0), (True, 0.25, 2.0), (True, 0.6, 1.5)):
                t = rng.integers(0, 2, (N, K)).astype(np.float32)
                p = logits(rng, (N, K)) if fl else probabilities(rng, (N, K))
                add("BinaryFocalCrossentropy", t, p, (float(acb), alpha, gamma, ls), from_logits=fl)
    # the Keras test's float32 clip bounds: t = 0, p = 1 and t = 1, p = 0
    cases.append(Case("BinaryCrossentropy", np.array([[0, 1, 0, 1]], np.float32), np.array([[1, 0, 1e-9, 0.5]], np.float32), (0.0,), note="clip bounds"))
    cases.append(Case("BinaryCrossentropy", np.array([[0, 1], [1, 0]], np.float32), np.array([[0.5, 1.0], [1.0, 0.0]], np.float32), (0.0,), note="clip bounds"))

    # categorical cross-entropies
    for fl in (False, True):
        for ls in (0.0, 0.2):
            for extreme in (False, True):
                t, ids = one_hot(rng, (N, K))
                if ls:
                    t = probabilities(rng, (N, K))  # soft labels
                p = logits(rng, (N, K), extreme) if fl else probabilities(rng, (N, K), extreme)
                add("CategoricalCrossentropy", t, p, (ls,), from_logits=fl, note="extreme" if extreme else "")
                add("CategoricalFocalCrossentropy", t, p, (0.25, 2.0, ls), from_logits=fl, note="extreme" if extreme else "")
        add("CategoricalFocalCrossentropy", one_hot(rng, (N, K))[0], logits(rng, (N, K)) if fl else probabilities(rng, (N, K)),
            (0.6, 1.5, 0.1), from_logits=fl)
        # sparse: int32 and int64 labels, (N,) and (N, 1), ignore_class, rank 3 labels (N, T)
        for kind in ("int32", "int64"):
            ids = rng.integers(0, K, N).astype(kind)
            p = logits(rng, (N, K)) if fl else probabilities(rng, (N, K))
            add("SparseCategoricalCrossentropy", ids, p, from_logits=fl, note=kind)
            add("SparseCategoricalCrossentropy", ids.reshape(N, 1), p, from_logits=fl, note=kind + " (N,1)")
        ids = rng.integers(0, K, N).astype("int32")
        ids[[1, 4]] = 2
        p = logits(rng, (N, K)) if fl else probabilities(rng, (N, K))
        add("SparseCategoricalCrossentropy", ids, p, from_logits=fl, ignore_class=2, note="ignore_class 2")
        add("SparseCategoricalCrossentropy", np.full(N, 2, np.int32), p, from_logits=fl, ignore_class=2, note="everything ignored")
        if fl:  # Keras 3.15 zeroes the ignored rows of y_pred (ops.where): their NaN logits reach nothing
            p_nan = p.copy()
            p_nan[[1, 4]] = np.nan
            add("SparseCategoricalCrossentropy", ids, p_nan, from_logits=fl, ignore_class=2, note="NaN logits in ignored rows")
        add("SparseCategoricalCrossentropy", ids.astype(np.float32), p, from_logits=fl, note="float labels")
        ids3 = rng.integers(0, K, (N, T)).astype("int32")
        p3c = logits(rng, (N, T, K)) if fl else probabilities(rng, (N, T, K))
        add("SparseCategoricalCrossentropy", ids3, p3c, from_logits=fl, weights=False, note="rank 3")
        # channels first (Keras 3.15's axis): (N, K, T) logits, (N, T) and (N, 1, T) ids
        p3f = logits(rng, (N, K, T)) if fl else probabilities(rng, (N, T, K)).transpose(0, 2, 1).copy()
        add("SparseCategoricalCrossentropy", ids3, p3f, from_logits=fl, axis=1, weights=False, note="rank 3, axis 1")
        if fl:  # (the probability form's ignored rows are judged by the documented difference, class axis last)
            add("SparseCategoricalCrossentropy", ids3.reshape(N, 1, T).astype("int64"), p3f, from_logits=fl, axis=1,
                ignore_class=2, weights=False, note="rank 3, axis 1, (N, 1, T) ids, ignore_class")
    for q in (0.5, 0.7):
        add("CategoricalGeneralizedCrossEntropy", rng.integers(0, K, N).astype("int32"), probabilities(rng, (N, K)), (q,))

    # segmentation: axis None (one value for the batch), per sample, rank 3
    for cls, params in (("Dice", ()), ("Tversky", (0.5, 0.5)), ("Tversky", (0.3, 0.7))):
        t = rng.integers(0, 2, (N, K)).astype(np.float32)
        p = probabilities(rng, (N, K))
        for red in ("sum_over_batch_size", "sum", "none"):
            cases.append(Case(cls, t, p, params, reduction=red, axis=None, note="axis None"))
        add(cls, t, p, params, axis=(1,), note="per sample")
        t3b = rng.integers(0, 2, (N, T, K)).astype(np.float32)
        p3b = probabilities(rng, (N, T, K))
        add(cls, t3b, p3b, params, axis=(1, 2), note="rank 3, per sample")
        add(cls, t3b, p3b, params, axis=-1, weights=False, note="rank 3, last axis")

    # masks: partial, all masked; with and without weights; every reduction
    t, p = regression_inputs()
    m = np.array([1, 0, 1, 1, 0, 1], bool)
    for red in REDUCTIONS:
        for w in (None, rng.uniform(0.1, 2, N).astype(np.float32), 0.5):
            cases.append(Case("MeanSquaredError", t, p, reduction=red, weight=w, mask=m, note="mask"))
        cases.append(Case("MeanSquaredError", t, p, reduction=red, mask=np.zeros(N, bool), note="all masked"))
        cases.append(Case("MeanSquaredError", t, p, reduction=red, weight=np.zeros(N, np.float32), note="all weights 0"))
    m3 = rng.integers(0, 2, (N, T)).astype(bool)
    for red in REDUCTIONS:
        cases.append(Case("MeanSquaredError", t3, p3, reduction=red, weight=rng.uniform(0.1, 2, (N, 1)).astype(np.float32),
                          mask=m3, note="rank 3 mask, (N,1) weights"))
    # rank 4, segmentation: (N, H, W, C) and channels first (N, C, H, W); (N, H, W) losses with
    # per-sample (N, 1, 1), per-pixel (N, H, W) and (N, H, W, 1) weights, masks; per sample; axis None
    Hs, Ws = 2, 3
    t4, p4 = rng.normal(0, 1, (N, Hs, Ws, K)).astype(np.float32), rng.normal(0, 1, (N, Hs, Ws, K)).astype(np.float32)
    m4 = rng.integers(0, 2, (N, Hs, Ws)).astype(bool)
    for red in REDUCTIONS:
        for w in [None, rng.uniform(0.1, 2, (N, 1, 1)).astype(np.float32), rng.uniform(0.1, 2, (N, Hs, Ws)).astype(np.float32),
                  rng.uniform(0.1, 2, (N, Hs, Ws, 1)).astype(np.float32)]:
            cases.append(Case("MeanSquaredError", t4, p4, reduction=red, weight=w, note="rank 4"))
        cases.append(Case("MeanSquaredError", t4, p4, reduction=red, weight=rng.uniform(0.1, 2, (N, 1, 1)).astype(np.float32),
                          mask=m4, note="rank 4 mask, (N,1,1) weights"))
    ids4 = rng.integers(0, K, (N, Hs, Ws))
    oh4 = np.eye(K, dtype=np.float32)[ids4]
    for fl in (True, False):
        p4c = logits(rng, (N, Hs, Ws, K)) if fl else probabilities(rng, (N, Hs, Ws, K))
        add("CategoricalCrossentropy", oh4, p4c, (0.1,), from_logits=fl, weights=False, note="rank 4")
        add("SparseCategoricalCrossentropy", ids4.astype("int32"), p4c, from_logits=fl, weights=False, note="rank 4")
        p4f = np.ascontiguousarray(np.moveaxis(p4c, -1, 1))  # (N, K, H, W)
        add("CategoricalCrossentropy", np.ascontiguousarray(np.moveaxis(oh4, -1, 1)), p4f, (0.0,), from_logits=fl, axis=1,
            weights=False, note="rank 4, axis 1")
        add("SparseCategoricalCrossentropy", ids4.astype("int64"), p4f, from_logits=fl, axis=1, weights=False,
            note="rank 4, axis 1")
    tb4 = rng.integers(0, 2, (N, Hs, Ws, 1)).astype(np.float32)
    add("BinaryCrossentropy", tb4, probabilities(rng, (N, Hs, Ws, 1)), (0.0,), weights=False, note="rank 4, (N,H,W,1) masks")
    add("BinaryCrossentropy", tb4, logits(rng, (N, Hs, Ws, 1)), (0.05,), from_logits=True, weights=False,
        note="rank 4, (N,H,W,1) masks")
    for cls, params in (("Dice", ()), ("Tversky", (0.3, 0.7))):
        ts4 = rng.integers(0, 2, (N, Hs, Ws, K)).astype(np.float32)
        ps4 = probabilities(rng, (N, Hs, Ws, K))
        add(cls, ts4, ps4, params, axis=(1, 2, 3), note="rank 4, per sample")
        cases.append(Case(cls, ts4, ps4, params, axis=None, note="rank 4, axis None"))

    # Circle: (N, D) unit embeddings, int labels with repeats and a singleton (no positives: loss 0,
    # masked out of the mean); default and other γ/margin/remove_diagonal; weights, masks, float
    # and int64 labels, every reduction
    def embeddings(n, d):
        e = rng.normal(0, 1, (n, d))
        return (e / np.linalg.norm(e, axis=1, keepdims=True)).astype(np.float32)
    Nc, D = 9, 6
    lab = np.array([0, 1, 0, 2, 1, 1, 3, 0, 2], np.int32)
    for params in ((80.0, 0.4, 1.0), (16.0, 0.25, 0.0), (4.0, 0.6, 1.0)):
        add("Circle", lab, embeddings(Nc, D), params, note="circle")
    add("Circle", lab.astype("int64").reshape(Nc, 1), embeddings(Nc, D), (80.0, 0.4, 1.0), note="circle, (N, 1) int64")
    add("Circle", lab.astype(np.float32), embeddings(Nc, D), (32.0, 0.4, 1.0), note="circle, float labels")
    mc = np.array([1, 1, 0, 1, 1, 0, 1, 1, 1], bool)
    for red in REDUCTIONS:
        cases.append(Case("Circle", lab, embeddings(Nc, D), (80.0, 0.4, 1.0), reduction=red, mask=mc,
                          weight=rng.uniform(0.1, 2, Nc).astype(np.float32), note="circle, mask and weights"))
    cases.append(Case("Circle", np.arange(Nc, dtype=np.int32), embeddings(Nc, D), (80.0, 0.4, 1.0), note="circle, no positives"))
    cases.append(Case("Circle", np.zeros(Nc, np.int32), embeddings(Nc, D), (80.0, 0.4, 1.0), note="circle, no negatives"))
    cases.append(Case("Circle", rng.integers(0, 5, 300).astype(np.int32), embeddings(300, 3), (80.0, 0.4, 1.0),
                      reduction="none", note="circle, 300 rows (chunks)"))

    # CTC: (N, S) labels, 0 the blank and the padding; (N, T, K) logits. Repeats (a blank needed
    # between them), a literal 0 inside the label length, an empty label, an infeasible alignment
    # (Keras's log ε: about 1e5, not ∞), large logits; weights, masks, every reduction
    Tc, Kc = 7, 5
    lab_ctc = np.array([[1, 2, 3, 0], [2, 2, 0, 0], [4, 0, 1, 0], [0, 0, 0, 0], [3, 3, 3, 3], [1, 4, 2, 3]], np.int32)
    add("CTC", lab_ctc, logits(rng, (N, Tc, Kc)), note="ctc")
    add("CTC", lab_ctc.astype("int64"), logits(rng, (N, Tc, Kc), extreme=True), note="ctc, int64, extreme logits")
    add("CTC", lab_ctc.astype(np.float32), logits(rng, (N, 12, Kc)), note="ctc, float labels, T = 12")
    # an infeasible row's loss is about 2e5 (two ε moves); Keras's float32 recursion keeps about three
    # digits of the probabilities of its paths there, so its gradient is judged at rtol 2e-3
    add("CTC", lab_ctc, logits(rng, (N, 5, Kc)), note="ctc, T = 5: (3, 3, 3, 3) cannot be aligned", rtol=2e-3)
    for red in REDUCTIONS:
        cases.append(Case("CTC", lab_ctc, logits(rng, (N, Tc, Kc)), reduction=red, mask=m,
                          weight=rng.uniform(0.1, 2, N).astype(np.float32), note="ctc, mask and weights"))
    # 50 float32 steps in Keras: its gradient is within 6e-5 of exact here (lossc's double recursion
    # matches libtorch's double ctc_loss to 2e-13: tests/torch/adapter.cpp), so rtol 1e-4
    cases.append(Case("CTC", rng.integers(1, 30, (40, 9)).astype(np.int32), logits(rng, (40, 50, 30)), reduction="none",
                      note="ctc, 40 x 50 steps x 30 classes", rtol=1e-4))

    ids = rng.integers(0, K, N).astype("int32")
    ids[2] = 4
    for red in REDUCTIONS:
        cases.append(Case("SparseCategoricalCrossentropy", ids, logits(rng, (N, K)), from_logits=True, reduction=red,
                          ignore_class=4, mask=m, weight=rng.uniform(0.1, 2, N).astype(np.float32), note="ignore_class and mask"))

    # By name (lossc::keras::get / visit_loss against keras.losses.get, as model.compile(loss="…")
    # resolves it): every name the catalog has, on the inputs of its class's first default case.
    defaults = {"Huber": [1.0], "BinaryCrossentropy": [0.0], "CategoricalCrossentropy": [0.0],
                "BinaryFocalCrossentropy": [0.0, 0.25, 2.0, 0.0], "CategoricalFocalCrossentropy": [0.25, 2.0, 0.0],
                "Tversky": [0.5, 0.5], "Circle": [80.0, 0.4, 1.0]}
    for name, cls in BY_NAME.items():
        base = next(c for c in cases if c.cls == cls and c.params == defaults.get(cls, []) and not c.from_logits
                    and c.weight is None and c.mask is None and c.ignore_class is None
                    and c.axis == (None if cls in ("Dice", "Tversky") else -1))
        cases.append(Case("get:" + name, base.y_true, base.y_pred, note=f"keras.losses.get('{name}'), inputs of {cls}"))

    for i, c in enumerate(cases):
        c.id = f"c{i}"
    return cases


# Every name keras.losses.get takes (Keras 3.15.1's ALL_OBJECTS_DICT without the abstract Loss and
# LossFunctionWrapper), with the class whose inputs its case borrows; NOT_IN_CATALOG are Keras
# losses lossc does not have yet. main() checks both against Keras and against keras_diff --names.
BY_NAME = {}
for _cls, _names in {
        "MeanSquaredError": ["mean_squared_error", "mse", "MSE"], "MeanAbsoluteError": ["mean_absolute_error", "mae", "MAE"],
        "MeanAbsolutePercentageError": ["mean_absolute_percentage_error", "mape", "MAPE"],
        "MeanSquaredLogarithmicError": ["mean_squared_logarithmic_error", "msle", "MSLE"],
        "CosineSimilarity": ["cosine_similarity"], "Huber": ["huber"], "LogCosh": ["log_cosh"], "Hinge": ["hinge"],
        "SquaredHinge": ["squared_hinge"], "CategoricalHinge": ["categorical_hinge"], "KLDivergence": ["kl_divergence", "kld", "KLD"],
        "Poisson": ["poisson"], "BinaryCrossentropy": ["binary_crossentropy", "bce", "BCE"],
        "BinaryFocalCrossentropy": ["binary_focal_crossentropy"], "CategoricalCrossentropy": ["categorical_crossentropy"],
        "SparseCategoricalCrossentropy": ["sparse_categorical_crossentropy"],
        "CategoricalFocalCrossentropy": ["categorical_focal_crossentropy"], "Dice": ["dice"], "Tversky": ["tversky"],
        "Circle": ["circle"], "CTC": ["ctc"]}.items():
    for _n in [_cls] + _names:
        BY_NAME[_n] = _cls
NOT_IN_CATALOG = set()


def keras_loss_names():
    """The loss names Keras resolves (keras.losses.get)."""
    from keras.src.losses import ALL_OBJECTS_DICT
    return set(ALL_OBJECTS_DICT) - {"Loss", "LossFunctionWrapper"}


def check_names(binary, keras_names):
    """The names Keras resolves, this script's cases and lossc's table (keras_diff --names) agree."""
    out = subprocess.run([binary, "--names"], capture_output=True, text=True, check=True).stdout.split("\n")
    lossc_all = {line.split()[0] for line in out if line}
    lossc_missing = {line.split()[0] for line in out if line.endswith(" missing")}
    problems = []
    if keras_names != set(BY_NAME) | NOT_IN_CATALOG:
        problems.append(f"Keras's names differ from the test's: Keras only {sorted(keras_names - set(BY_NAME) - NOT_IN_CATALOG)}, "
                        f"test only {sorted(set(BY_NAME) | NOT_IN_CATALOG - keras_names)}")
    if lossc_all != keras_names:
        problems.append(f"lossc's names differ from Keras's: lossc only {sorted(lossc_all - keras_names)}, "
                        f"Keras only {sorted(keras_names - lossc_all)}")
    if lossc_missing != NOT_IN_CATALOG:
        problems.append(f"lossc resolves {sorted(NOT_IN_CATALOG - lossc_missing)} / does not resolve "
                        f"{sorted(lossc_missing - NOT_IN_CATALOG)}")
    for p in problems:
        print("FAIL names:", p)
    return len(problems)


# ---- Keras ----------------------------------------------------------------------------------------

class ChannelsFirst:
    """A last-axis Keras loss applied to (N, K, T…) logits and (N, T…) or (N, 1, T…) ids: the class
    axis moved last first. Only __call__ is used (cases without masks)."""
    def __init__(self, loss):
        self.loss = loss

    def __call__(self, t, p, sample_weight=None):
        import jax.numpy as jnp
        t = np.asarray(t)
        if t.ndim == np.ndim(p):  # (N, 1, T…) ids: the class axis 1 dropped
            t = t.reshape(t.shape[:1] + t.shape[2:])
        return self.loss(t, jnp.moveaxis(p, 1, -1), sample_weight=sample_weight)


def keras_loss(c, reduction):
    import keras
    L = keras.losses
    red = None if reduction == "none" else reduction
    q, fl = c.params, c.from_logits
    axis = c.axis
    simple = {"MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
              "LogCosh", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson"}
    if c.cls.startswith("get:"):  # as model.compile(loss=name): a function is wrapped with the default reduction
        obj = L.get(c.cls[4:])
        if isinstance(obj, L.Loss):
            cfg = obj.get_config()
            cfg["reduction"] = red
            return type(obj).from_config(cfg)
        from keras.src.losses.losses import LossFunctionWrapper
        return LossFunctionWrapper(obj, reduction=red)
    if c.cls in simple:
        return getattr(L, c.cls)(reduction=red)
    if c.cls == "CosineSimilarity":
        return L.CosineSimilarity(axis=axis, reduction=red)
    if c.cls == "Huber":
        return L.Huber(delta=q[0], reduction=red)
    if c.cls == "BinaryCrossentropy":
        return L.BinaryCrossentropy(from_logits=fl, label_smoothing=q[0], axis=axis, reduction=red)
    if c.cls == "BinaryFocalCrossentropy":
        return L.BinaryFocalCrossentropy(apply_class_balancing=bool(q[0]), alpha=q[1], gamma=q[2], from_logits=fl,
                                         label_smoothing=q[3], axis=axis, reduction=red)
    if c.cls == "CategoricalCrossentropy":
        return L.CategoricalCrossentropy(from_logits=fl, label_smoothing=q[0], axis=axis, reduction=red)
    if c.cls == "SparseCategoricalCrossentropy" and axis == 1 and np.ndim(c.y_pred) >= 3:
        # Keras 3.15's JAX backend rejects a class axis other than the last (its shape check assumes
        # it, the rest of the code takes axis); its TF and torch backends compute the loss of the
        # transposed (N, T, K) logits over the last axis, which is the reference here.
        return ChannelsFirst(L.SparseCategoricalCrossentropy(from_logits=fl, ignore_class=c.ignore_class, reduction=red))
    if c.cls == "SparseCategoricalCrossentropy":
        return L.SparseCategoricalCrossentropy(from_logits=fl, ignore_class=c.ignore_class, reduction=red, axis=axis)
    if c.cls == "CategoricalFocalCrossentropy":
        return L.CategoricalFocalCrossentropy(alpha=q[0], gamma=q[1], from_logits=fl, label_smoothing=q[2], axis=axis,
                                              reduction=red)
    if c.cls == "CategoricalGeneralizedCrossEntropy":
        return L.CategoricalGeneralizedCrossEntropy(q=q[0], reduction=red)
    if c.cls == "Dice":
        return L.Dice(reduction=red, axis=axis)
    if c.cls == "Tversky":
        return L.Tversky(alpha=q[0], beta=q[1], reduction=red, axis=axis)
    if c.cls == "Circle":
        return L.Circle(gamma=q[0], margin=q[1], remove_diagonal=bool(q[2]), reduction=red)
    if c.cls == "CTC":
        return L.CTC(reduction=red)
    raise ValueError(c.cls)


def keras_reference(c):
    """(reduced loss, reduction="none" values, d(reduced)/d(y_pred)) as Keras computes them."""
    import jax
    import jax.numpy as jnp
    from keras.src import backend
    from keras.src.losses.loss import reduce_weighted_values
    obj = keras_loss(c, c.reduction)
    none = keras_loss(c, "none")
    t = c.y_true
    w = None if c.weight is None else (np.float32(c.weight) if np.isscalar(c.weight) else c.weight)

    def reduced(o, p):
        if c.mask is None:
            return o(t, p, sample_weight=w)
        # Loss.__call__ with an input mask (Keras reads it from y_pred's _keras_mask): the same
        # steps, the mask given directly.
        losses = o.call(jnp.asarray(t, jnp.float32) if t.dtype.kind == "f" else jnp.asarray(t), p)
        out_mask = backend.get_keras_mask(losses)
        mask = jnp.asarray(c.mask) if out_mask is None else (jnp.asarray(c.mask) & out_mask)
        return reduce_weighted_values(losses, sample_weight=w, mask=mask, reduction=o.reduction, dtype="float32")

    def outputs(p):
        values = reduced(none, p)
        if c.reduction == "none":
            return values, reduced(obj, p), jax.grad(lambda p: jnp.sum(reduced(obj, p)))(p)
        # the loss and its gradient from one trace (eager JAX: each evaluation costs)
        return (values, *jax.value_and_grad(lambda p: reduced(obj, p))(p))

    # CTC's recursion is a lax.scan, which eager JAX compiles anew at every call: one compiled
    # program per case instead (8.8 s -> 5.9 s for the CTC cases; the others compile faster eagerly,
    # each operation once per shape; the same values to 1e-7).
    values, reduced_value, grad = (jax.jit(outputs) if c.cls == "CTC" else outputs)(jnp.asarray(c.y_pred))
    value = float(np.sum(np.asarray(reduced_value, np.float64)))  # reduction none: the values' sum
    return value, np.asarray(values, np.float64).reshape(-1), np.asarray(grad, np.float64).reshape(-1)


# ---- the exchange with keras_diff -----------------------------------------------------------------

def tensor_text(a, fmt="%.9g"):
    a = np.asarray(a)
    dims = " ".join(str(d) for d in a.shape)
    flat = a.reshape(-1)
    if a.dtype == bool:
        body = " ".join("1" if v else "0" for v in flat)
    elif a.dtype.kind in "iu":
        body = " ".join(str(int(v)) for v in flat)
    else:
        body = " ".join(fmt % float(v) for v in flat.astype(np.float32))
    return f"{a.ndim} {dims} {body}".replace("  ", " ")


def case_text(c, n_values):
    axis = "all" if c.axis is None else (f"1 {c.axis}" if isinstance(c.axis, int) else f"{len(c.axis)} " + " ".join(map(str, c.axis)))
    t = np.asarray(c.y_true)
    kind = "f" if t.dtype.kind == "f" else ("i" if t.dtype == np.int32 else "l")
    if kind == "f":
        t = t.astype(np.float32)
    if c.weight is None:
        w = "none"
    elif np.isscalar(c.weight):
        w = "scalar %.9g" % float(np.float32(c.weight))
    else:
        w = "tensor " + tensor_text(c.weight)
    m = "none" if c.mask is None else "tensor " + tensor_text(c.mask)
    params = " ".join("%.17g" % v for v in c.params)
    ignore = "none" if c.ignore_class is None else str(c.ignore_class)
    return (f"{c.id} {c.cls} {int(c.from_logits)} {len(c.params)} {params} {c.reduction} {axis} {ignore} "
            f"{kind} {tensor_text(t)} {tensor_text(c.y_pred)} {w} {m} {n_values}\n")


WORST = {}


def close(a, b, rtol, tag=""):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False, "shape"
    both_nan = np.isnan(a) & np.isnan(b)
    scale = np.max(np.abs(b[np.isfinite(b)]), initial=0.0)
    finite = np.isfinite(a) & np.isfinite(b)
    if finite.any():
        err = float(np.max(np.abs(a - b)[finite] / (np.abs(b)[finite] + scale + 1e-30)))
        WORST[tag] = max(WORST.get(tag, 0.0), err)
    ok = both_nan | (a == b) | (np.abs(a - b) <= rtol * np.abs(b) + rtol * scale)
    if ok.all():
        return True, ""
    k = int(np.argmax(~ok))
    return False, f"element {k}: lossc {a.reshape(-1)[k]:.9g} keras {b.reshape(-1)[k]:.9g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    cases = build_cases()
    if args.list:
        for c in cases:
            print(c.id, c.describe())
        return 0

    def keras_side():
        return {"refs": {c.id: keras_reference(c) for c in cases}, "names": keras_loss_names()}

    stored = cached(args.cache, "keras-ref", "".join(case_text(c, 0) for c in cases), keras_side)
    refs, keras_names = stored["refs"], stored["names"]

    text = "".join(case_text(c, len(refs[c.id][1])) for c in cases)
    out = subprocess.run([args.binary], input=text, capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout[-2000:], out.stderr[-4000:])
        print("keras_diff failed with", out.returncode)
        return 1
    results = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        results[parts[0]] = parts[1:]

    failures = check_names(args.binary, keras_names)
    skipped = 0
    compared = {"value": 0, "values": 0, "grad": 0}
    for c in cases:
        ref_value, ref_values, ref_grad = refs[c.id]
        res = results.get(c.id)
        cls = BY_NAME[c.cls[4:]] if c.cls.startswith("get:") else c.cls
        rtol = c.rtol or (1e-5 if cls in COARSE else 1e-6)
        if res is None or res[0] != "ok":
            failures += 1
            print(f"FAIL {c.id} {c.describe()}: lossc {' '.join(res or ['no output'])}")
            continue
        vals = res[1:]
        value = float(vals[0])
        nv = int(vals[1])
        values = np.array(vals[2:2 + nv], np.float64)
        ng = int(vals[2 + nv])
        grad = np.array(vals[3 + nv:3 + nv + ng], np.float64)
        # Two documented differences (docs/keras.md), checked for lossc's own answer instead:
        # 1. a gradient exactly at a clip bound (KLDivergence's p = 1): JAX's clip gives half of
        #    it (a tie in maximum/minimum), TF and torch all of it, as lossc does;
        # 2. ignore_class with probabilities: Keras zeroes the ignored rows of y_pred and then
        #    renormalises 0/0, so JAX's gradient there is NaN; lossc's is 0 (the row is masked).
        skip = np.zeros(grad.shape, bool)
        if cls == "KLDivergence":
            skip |= (c.y_pred.reshape(-1) == 1.0)[:len(skip)]
        if cls == "SparseCategoricalCrossentropy" and c.ignore_class is not None and not c.from_logits:
            rows = (np.asarray(c.y_true).reshape(-1) == c.ignore_class)
            ignored = np.repeat(rows, c.y_pred.shape[-1])
            if not np.all(grad[ignored] == 0):
                failures += 1
                print(f"FAIL {c.id} grad at ignored rows is not 0: {c.describe()}")
            skip |= ignored
        skipped += int(skip.sum())
        grad, ref_grad = grad[~skip], ref_grad[~skip]
        for what, a, b in (("value", [value], [ref_value]), ("values", values, ref_values), ("grad", grad, ref_grad)):
            ok, why = close(a, b, rtol, f"{what} (rtol {rtol:g})")
            compared[what] += 1
            if not ok:
                failures += 1
                print(f"FAIL {c.id} {what} {c.describe()}: {why}")
    print(f"keras differential: {len(cases)} cases, {sum(compared.values())} comparisons "
          f"({keras_versions()}), {skipped} gradient entries judged by the documented "
          f"differences instead, {failures} failures")
    for tag in sorted(WORST):
        print(f"  worst {tag}: {WORST[tag]:.2e} of |keras| + max|keras|")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
