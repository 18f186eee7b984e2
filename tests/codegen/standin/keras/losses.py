"""keras.losses function forms used by the test cases (Keras's formulas)."""
import numpy as np

import _numpy_ops as o


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + label_smoothing / y_true.shape[-1]
    return o.categorical_crossentropy(y_true, y_pred, from_logits, axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + 0.5 * label_smoothing
    return np.mean(o.binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    e = y_pred - y_true
    a = np.abs(e)
    return np.mean(np.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta), axis=-1)
