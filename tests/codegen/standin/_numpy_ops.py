"""A small numpy stand-in for the Keras backend, keras.ops and TensorFlow ops the codegen test
cases use: the original Python loss functions run on it (float64), and their values and
finite-difference gradients are compared with the C++ that lossc-keras generates. Written for
the tests; it implements what the cases call, with Keras's formulas (docs/keras.md)."""
import numpy as np

float32, float64 = "float32", "float64"
EPS = 1e-7


def epsilon():
    return EPS


def _axis(axis):
    return None if axis is None else int(axis)


def square(x): return np.square(x)
def abs(x): return np.abs(x)  # noqa: A001
def sqrt(x): return np.sqrt(x)
def exp(x): return np.exp(x)
def log(x): return np.log(x)
def log1p(x): return np.log1p(x)
def expm1(x): return np.expm1(x)
def tanh(x): return np.tanh(x)
def cosh(x): return np.cosh(x)
def sinh(x): return np.sinh(x)
def reciprocal(x): return 1.0 / np.asarray(x, dtype=float)
def rsqrt(x): return 1.0 / np.sqrt(x)
def log2(x): return np.log2(x)
def log10(x): return np.log10(x)
def atan(x): return np.arctan(x)
arctan = atan
def sign(x): return np.sign(x)
def sigmoid(x): return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
def softplus(x): return np.logaddexp(0.0, x)
def stop_gradient(x): return x
def maximum(x, y): return np.maximum(x, y)
def minimum(x, y): return np.minimum(x, y)
def pow(x, y): return np.power(x, y)  # noqa: A001
power = pow
def negative(x): return -np.asarray(x)
def clip(x, lo, hi): return np.clip(x, lo, hi)
def clip_by_value(t, clip_value_min, clip_value_max): return np.clip(t, clip_value_min, clip_value_max)
def where(c, x, y): return np.where(c, x, y)
def switch(c, x, y): return np.where(c, x, y)
def cast(x, dtype="float32"): return np.asarray(x, dtype=float)
def constant(v, dtype=None): return np.asarray(v, dtype=float)
def convert_to_tensor(v, dtype=None): return np.asarray(v, dtype=float)
def equal(x, y): return np.equal(x, y)
def not_equal(x, y): return np.not_equal(x, y)
def greater(x, y): return np.greater(x, y)
def less(x, y): return np.less(x, y)
def matmul(x, y): return np.matmul(x, y)
dot = matmul
def transpose(x, axes=None): return np.transpose(x, axes)
def diagonal(x): return np.diagonal(x).copy()
diag_part = diagonal
def eye(n, dtype=None): return np.eye(int(n))
def shape(x): return np.shape(x)


def mean(x, axis=None, keepdims=False): return np.mean(x, axis=_axis(axis), keepdims=keepdims)
def sum(x, axis=None, keepdims=False): return np.sum(x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def max(x, axis=None, keepdims=False): return np.max(x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001
def min(x, axis=None, keepdims=False): return np.min(x, axis=_axis(axis), keepdims=keepdims)  # noqa: A001


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=_axis(axis), keepdims=True)
    r = m + np.log(np.sum(np.exp(x - m), axis=_axis(axis), keepdims=True))
    return r if keepdims else np.squeeze(r, axis=_axis(axis))


reduce_mean, reduce_sum, reduce_max, reduce_min, reduce_logsumexp = mean, sum, max, min, logsumexp


def log_softmax(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    return np.exp(log_softmax(x, axis))


def _clip_p(p):
    return np.clip(p, EPS, 1 - EPS)


def binary_crossentropy(target, output, from_logits=False):
    if from_logits:
        return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
    q = _clip_p(output)
    return -(target * np.log(q) + (1 - target) * np.log(1 - q))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if from_logits:
        return -np.sum(target * log_softmax(output, axis), axis=axis)
    q = _clip_p(output / np.sum(output, axis=axis, keepdims=True))
    return -np.sum(target * np.log(q), axis=axis)
