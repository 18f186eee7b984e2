# Keras's built-in losses written as Python, and called by name.
import keras
from keras import backend as K

CASES = {
    "mse": {"shape": (8, 3)},
    "mae": {"shape": (8, 3)},
    "huber": {"shape": (8, 3), "params": [(1.0,), (0.4,)]},
    "bce": {"shape": (8, 3), "y_true": "binary", "y_pred": "unit"},
    "cce": {"shape": (8, 4), "y_true": "onehot", "y_pred": "probabilities"},
    "kld": {"shape": (8, 4), "y_true": "probabilities", "y_pred": "probabilities"},
    "poisson": {"shape": (8, 3), "y_true": "unit", "y_pred": "positive"},
    "categorical_hinge": {"shape": (8, 4), "y_true": "onehot"},
    "cce_smoothed_builtin": {"shape": (8, 4), "y_true": "onehot", "y_pred": "probabilities", "ref": "cce_smoothed"},
    "bce_logits_builtin": {"shape": (8, 3), "y_true": "binary", "ref": "bce_logits"},
    "huber_builtin": {"shape": (8, 3), "ref": "huber_default"},
}


def mse(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mae(y_true, y_pred):
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def huber(delta=1.0):
    def loss(y_true, y_pred):
        error = y_pred - y_true
        small = K.abs(error) <= delta
        return K.mean(K.switch(small, 0.5 * K.square(error), delta * K.abs(error) - 0.5 * delta ** 2), axis=-1)
    return loss


def bce(y_true, y_pred):
    p = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
    return K.mean(-(y_true * K.log(p) + (1 - y_true) * K.log(1 - p)), axis=-1)


def cce(y_true, y_pred):
    p = y_pred / K.sum(y_pred, axis=-1, keepdims=True)
    p = K.clip(p, K.epsilon(), 1 - K.epsilon())
    return -K.sum(y_true * K.log(p), axis=-1)


def kld(y_true, y_pred):
    t = K.clip(y_true, K.epsilon(), 1)
    p = K.clip(y_pred, K.epsilon(), 1)
    return K.sum(t * K.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def categorical_hinge(y_true, y_pred):
    pos = K.sum(y_true * y_pred, axis=-1)
    neg = K.max((1.0 - y_true) * y_pred, axis=-1)
    return K.maximum(neg - pos + 1.0, 0.0)


def cce_smoothed_builtin(y_true, y_pred):
    return keras.losses.categorical_crossentropy(y_true, y_pred, label_smoothing=0.1)


def bce_logits_builtin(y_true, y_pred):
    return keras.losses.binary_crossentropy(y_true, y_pred, from_logits=True)


def huber_builtin(y_true, y_pred):
    return keras.losses.huber(y_true, y_pred)


# Losses over class ids, for the C ABI's label checks (run_tests.py: check_abi_labels): an id out of
# range, negative, fractional or NaN is status 2 (lossc::label_error), never a loss of 0. Not in
# CASES: their values are checked by the Keras catalog's own tests.
def sparse_ce(y_true, y_pred):
    return K.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)


def sparse_ce_void(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True, ignore_class=255)
