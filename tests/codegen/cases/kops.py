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
    "log_cosh_ops": {"shape": (10, 3)},
    "psnr_style": {"shape": (10, 3)},
    "scaled_by_rsqrt": {"shape": (10, 3)},
    "angle_error": {"shape": (10, 3)},
    # cross-sample losses (lossc::batch_loss): statistics of the whole batch inside the formula
    "batch_dice": {"shape": (10, 4), "y_true": "binary", "y_pred": "unit", "batch": "whole"},
    "pearson": {"shape": (10, 3), "batch": "whole"},
    "batch_normalised_mse": {"shape": (10, 3)},
    # losses over pairs of samples (pair reductions): a (batch, batch) matrix reduced along its rows
    "info_nce": {"shape": (10, 4)},
    "clip_symmetric": {"shape": (10, 4)},
    "supervised_contrastive": {"shape": (10, 3), "y_true": "onehot"},
    "batch_hard_triplet": {"shape": (10, 3), "y_true": "onehot"},
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


def log_cosh_ops(y_true, y_pred):
    return ops.mean(ops.log(ops.cosh(y_pred - y_true)) + 0.1 * ops.sinh(y_pred - y_true), axis=-1)


def psnr_style(y_true, y_pred):
    """Image-quality losses in decibels and bits: log10, log2 and reciprocal."""
    mse = ops.mean(ops.square(y_pred - y_true), axis=-1)
    return 10.0 * ops.log10(mse + 1e-3) + 0.1 * ops.mean(ops.log2(1.0 + ops.reciprocal(1.0 + ops.square(y_pred))), axis=-1)


def scaled_by_rsqrt(y_true, y_pred):
    return ops.sum(ops.square(y_pred - y_true) * ops.rsqrt(ops.square(y_true) + 1.0), axis=-1)


def angle_error(y_true, y_pred):
    """An angle or aspect-ratio term (CIoU's v): keras.ops.arctan."""
    return ops.mean(ops.square(ops.arctan(y_pred) - ops.arctan(y_true)), axis=-1) * (4.0 / 3.141592653589793 ** 2)


def batch_dice(y_true, y_pred):
    inter = ops.sum(y_true * y_pred)
    return 1.0 - 2.0 * inter / (ops.sum(y_true) + ops.sum(y_pred) + 1e-6)


def pearson(y_true, y_pred):
    xm = y_pred - ops.mean(y_pred, axis=0)
    ym = y_true - ops.mean(y_true, axis=0)
    r = ops.sum(xm * ym, axis=0) / ops.sqrt(ops.sum(ops.square(xm), axis=0) * ops.sum(ops.square(ym), axis=0))
    return 1.0 - ops.mean(r)


def batch_normalised_mse(y_true, y_pred):
    return ops.sum(ops.square(y_pred - y_true), axis=-1) / ops.mean(ops.square(y_true))


def info_nce(y_true, y_pred):
    """InfoNCE with in-batch negatives: queries in y_pred, their keys in y_true."""
    logits = ops.matmul(y_pred, ops.transpose(y_true)) / 0.5
    return ops.logsumexp(logits, axis=1) - ops.diagonal(logits)


def supervised_contrastive(y_true, y_pred):
    """Khosla et al.'s loss, one-hot labels: the anchor leaves its own denominator."""
    sim = ops.matmul(y_pred, ops.transpose(y_pred)) / 0.5
    eye = ops.eye(ops.shape(y_pred)[0])
    positive = ops.matmul(y_true, ops.transpose(y_true)) * (1.0 - eye)
    denominator = ops.logsumexp(sim - 1e9 * eye, axis=1)
    return denominator - ops.sum(positive * sim, axis=1) / ops.maximum(ops.sum(positive, axis=1), 1.0)


def batch_hard_triplet(y_true, y_pred):
    """The farthest positive against the closest negative, distances from one matrix product."""
    sq = ops.sum(ops.square(y_pred), axis=1, keepdims=True)
    d = ops.sqrt(ops.maximum(sq + ops.transpose(sq) - 2.0 * ops.matmul(y_pred, ops.transpose(y_pred)), 0.0) + 1e-9)
    same = ops.matmul(y_true, ops.transpose(y_true))
    return ops.maximum(ops.max(same * d, axis=1) - ops.min(d + 1e6 * same, axis=1) + 0.5, 0.0)


def clip_symmetric(y_true, y_pred):
    """CLIP's loss: each image against every text (rows) and each text against every image (columns)."""
    logits = ops.matmul(y_pred, y_true.T) * 2.0
    return 0.5 * (ops.logsumexp(logits, axis=1) + ops.logsumexp(logits, axis=0)) - ops.diagonal(logits)
