# Losses written with keras.ops, checked under real Keras 3 (JAX backend) as well.
import keras
from keras import ops

CASES = {
    "weighted_mse": {"shape": (10, 3)},
    "focal": {"shape": (10, 4), "y_true": "onehot", "y_pred": "probabilities", "params": [(2.0,), (1.0,)]},
    "smooth_l1": {"shape": (10, 3)},
    "logits_ce": {"shape": (10, 5), "y_true": "onehot"},
    "gaussian_nll": {"shape": (10, 2), "y_true": "column"},
    "bce_logits": {"shape": (10, 3), "y_true": "binary"},
}


def weighted_mse(y_true, y_pred):
    return ops.sum(ops.square(y_pred - y_true) * ops.convert_to_tensor([0.2, 0.3, 0.5]), axis=-1)


def focal(gamma=2.0):
    def loss(y_true, y_pred):
        p = ops.clip(y_pred, keras.config.epsilon(), 1.0 - keras.config.epsilon())
        return -ops.sum(y_true * ops.power(1.0 - p, gamma) * ops.log(p), axis=-1)
    return loss


def smooth_l1(y_true, y_pred):
    d = ops.abs(y_pred - y_true)
    return ops.mean(ops.where(d < 1.0, 0.5 * d ** 2, d - 0.5), axis=-1)


def logits_ce(y_true, y_pred):
    return -ops.sum(y_true * ops.log_softmax(y_pred, axis=-1), axis=-1)


def gaussian_nll(y_true, y_pred):
    mu, log_var = y_pred[:, 0], y_pred[:, 1]
    return 0.5 * (log_var + ops.square(y_true[:, 0] - mu) * ops.exp(-log_var))


def bce_logits(y_true, y_pred):
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=True), axis=-1)
