# Custom losses of the kinds people write for Keras, in the spellings real code uses.
import tensorflow as tf
from tensorflow.keras import backend as K

CASES = {
    "weighted_mse": {"shape": (9, 3)},
    "focal_loss": {"shape": (9, 4), "y_true": "onehot", "y_pred": "probabilities", "params": [(2.0, 0.25), (1.5, 0.5)]},
    "dice_per_sample": {"shape": (9, 6), "y_true": "binary", "y_pred": "unit"},
    "weighted_bce": {"shape": (9, 3), "y_true": "binary", "y_pred": "unit", "params": [(2.0,), (0.5,)]},
    "pinball": {"shape": (9, 2), "params": [(0.1,), (0.9,)]},
    "gaussian_nll": {"shape": (9, 2), "y_true": "column"},
    "log_cosh": {"shape": (9, 3)},
    "log_cosh_by_hand": {"shape": (9, 3)},
    "sinh_error": {"shape": (9, 2)},
    "clipped_above_only": {"shape": (9, 3), "y_pred": "unit"},
    "clipped_below_only": {"shape": (9, 3)},
    "masked_mse": {"shape": (9, 5), "y_true": "with_minus_one"},
    "head_and_tail": {"shape": (9, 4)},
    "batch_mean_mse": {"shape": (9, 3), "batch": "mean"},
    "softmax_ce": {"shape": (9, 5), "y_true": "onehot"},
    "centred_mse": {"shape": (9, 4)},
    # signatures beyond (y_true, y_pred): other names, and parameters with defaults
    "my_mse": {"shape": (9, 3)},
    "huber_loss": {"shape": (9, 3), "params": [(1.0,), (0.4,)], "extra_params": True},
    # cross-sample losses (lossc::batch_loss): statistics of the whole batch inside the formula
    "soft_dice": {"shape": (9, 4), "y_true": "binary", "y_pred": "unit", "batch": "whole"},
    "soft_dice_mean": {"shape": (9, 4), "y_true": "binary", "y_pred": "unit", "batch": "whole"},
    "pearson_loss": {"shape": (9, 3), "batch": "whole"},
    "per_column_mse": {"shape": (9, 3), "batch": "whole"},
    "normalised_mse": {"shape": (9, 3)},
    "batch_centred_mse": {"shape": (9, 4), "batch": "mean"},
}

CLASS_WEIGHTS = [1.0, 2.0, 0.5]


def weighted_mse(y_true, y_pred):
    """MSE with per-column weights from a module constant."""
    return K.mean(K.square(y_pred - y_true) * CLASS_WEIGHTS, axis=-1)


def focal_loss(gamma=2.0, alpha=0.25):
    def loss(y_true, y_pred):
        eps = K.epsilon()
        p = K.clip(y_pred, eps, 1.0 - eps)
        ce = -y_true * K.log(p)
        weight = alpha * y_true * K.pow(1 - p, gamma)
        return K.sum(weight * ce, axis=-1)
    return loss


def dice_per_sample(y_true, y_pred):
    smooth = 1.0
    intersection = K.sum(y_true * y_pred, axis=-1)
    return 1 - (2.0 * intersection + smooth) / (K.sum(y_true, axis=-1) + K.sum(y_pred, axis=-1) + smooth)


def weighted_bce(pos_weight=2.0):
    def loss(y_true, y_pred):
        p = tf.clip_by_value(y_pred, K.epsilon(), 1 - K.epsilon())
        terms = pos_weight * y_true * tf.math.log(p)
        terms += (1 - y_true) * tf.math.log(1 - p)
        return -tf.reduce_mean(terms, axis=-1)
    return loss


def pinball(q=0.5):
    def loss(y_true, y_pred):
        e = y_true - y_pred
        return tf.reduce_mean(tf.maximum(q * e, (q - 1) * e), axis=-1)
    return loss


def gaussian_nll(y_true, y_pred):
    """y_pred holds (mean, log-variance) in two columns."""
    mu = y_pred[:, 0]
    log_var = y_pred[:, 1]
    return 0.5 * (log_var + tf.square(y_true[:, 0] - mu) * tf.exp(-log_var))


def _log_cosh(x):
    return x + tf.nn.softplus(-2.0 * x) - tf.math.log(2.0)


def log_cosh(y_true, y_pred):
    return tf.reduce_mean(_log_cosh(y_pred - y_true), axis=-1)


def log_cosh_by_hand(y_true, y_pred):
    """Log-cosh as real code often writes it (lossc rewrites log(cosh(x)) to its stable log_cosh)."""
    return K.mean(tf.math.log(tf.math.cosh(y_pred - y_true)), axis=-1)


def sinh_error(y_true, y_pred):
    return K.sum(tf.math.sinh(y_pred - y_true) * (y_pred - y_true), axis=-1)


def clipped_above_only(y_true, y_pred):
    """A one-sided clip (K.clip with max None: Keras 2's backend takes it as infinity)."""
    return -K.mean(y_true * K.log(K.clip(y_pred, K.epsilon(), None)), axis=-1)


def clipped_below_only(y_true, y_pred):
    return K.mean(K.square(K.clip(y_pred - y_true, None, 0.5)), axis=-1)


def masked_mse(y_true, y_pred):
    mask = K.cast(K.not_equal(y_true, -1), "float32")
    return K.sum(K.square(y_pred - y_true) * mask, axis=-1) / K.maximum(K.sum(mask, axis=-1), 1.0)


def head_and_tail(y_true, y_pred):
    head = K.square(y_pred[:, 0] - y_true[:, 0])
    tail = K.mean(K.abs(y_pred[..., 1:] - y_true[..., 1:]), axis=-1)
    return head + 0.5 * tail


def batch_mean_mse(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true))


def softmax_ce(y_true, y_pred):
    return -tf.reduce_sum(y_true * tf.nn.log_softmax(y_pred), axis=-1)


def centred_mse(y_true, y_pred):
    """Squared error of the row-centred prediction (keepdims keeps the per-sample mean a column)."""
    centred = y_pred - K.mean(y_pred, axis=-1, keepdims=True)
    return K.mean(K.square(centred - y_true), axis=-1)


def my_mse(yTrue, yPred):
    return K.mean(K.square(yPred - yTrue), axis=-1)


def huber_loss(y_true, y_pred, clip_delta=1.0):
    error = y_pred - y_true
    small = K.abs(error) <= clip_delta
    return K.mean(K.switch(small, 0.5 * K.square(error), clip_delta * (K.abs(error) - 0.5 * clip_delta)), axis=-1)


def soft_dice(y_true, y_pred):
    """Dice over the whole batch, as segmentation code often writes it: one value per batch."""
    inter = K.sum(y_true * y_pred)
    return 1.0 - (2.0 * inter + 1.0) / (K.sum(y_true) + K.sum(y_pred) + 1.0)


def soft_dice_mean(y_true, y_pred):
    """K.mean of a value already one number for the batch (numpy returns it unchanged)."""
    inter = K.sum(y_true * y_pred)
    return K.mean(1.0 - (2.0 * inter + 1.0) / (K.sum(y_true) + K.sum(y_pred) + 1.0))


def pearson_loss(y_true, y_pred):
    xm = y_pred - K.mean(y_pred, axis=0)
    ym = y_true - K.mean(y_true, axis=0)
    r = K.sum(xm * ym, axis=0) / K.sqrt(K.sum(K.square(xm), axis=0) * K.sum(K.square(ym), axis=0) + K.epsilon())
    return 1.0 - K.mean(r)


def per_column_mse(y_true, y_pred):
    return K.sum(K.mean(K.square(y_pred - y_true), axis=0))


def normalised_mse(y_true, y_pred):
    return K.sum(K.square(y_pred - y_true), axis=-1) / K.sum(y_true * y_true)


def batch_centred_mse(y_true, y_pred):
    return K.mean(K.square(y_pred - K.mean(y_pred, axis=0) - y_true))
