"""What a Python expression in a loss evaluates to, at translation time, and its C++ spelling."""
import math  # noqa: F401

EPSILON = 1e-7  # keras.config.epsilon()


class Num:
    """A Python number known at translation time (finite: Translator.eval checks)."""
    def __init__(self, v):
        self.v = float(v)  # OverflowError for an int beyond double: Translator.eval locates it


class Lst:
    """A constant list of numbers (per-column weights)."""
    def __init__(self, vs):
        self.vs = [float(v) for v in vs]


class Param:
    """A factory's hyperparameter: a run-time double in C++ (code is a C++ double expression)."""
    def __init__(self, code, prec=10):
        self.code, self.prec = code, prec


class Str:
    def __init__(self, s):
        self.s = s


class Func:
    """A helper function of the same file, inlined where it is called."""
    def __init__(self, node, closure):
        self.node, self.closure = node, closure


class Expr:
    """A lossc expression. rank: 2 = one value per sample and column, 1 = one per sample,
    0 = the same for the whole batch (a constant). grad: depends on y_pred differentiably.
    batch: reduces over the batch axis somewhere. kind: 'mask' for 0/1 comparisons."""
    def __init__(self, code, rank, grad=False, pred=False, batch=False, prec=10, kind="", cols=None, node=None,
                 pyshape=None):
        self.code, self.rank, self.grad, self.pred, self.batch = code, rank, grad, pred, batch
        self.prec, self.kind, self.cols, self.node = prec, kind, cols, node
        # The shape the Python value has, for numpy's broadcasting: "NC" (batch, columns), "N1"
        # (a keepdims reduction), "N" (one per sample), "C" (one per column: a statistic of the
        # batch, reduced over axis 0), "" (a constant), "NN" (one per pair of samples), "CN" and
        # "1N" (a transposed "NC" or "N1").
        self.pyshape = pyshape if pyshape is not None else {2: "NC", 1: "N", 0: ""}[rank]
        # A (batch, batch) value ("NN"): code is its entry (i, j); swapped its entry (j, i), diag (i, i).
        self.swapped = self.diag = None

    def _pair(self, swapped, diag):
        self.swapped, self.diag = swapped, diag
        return self


def num_code(v):
    if math.isinf(v) or math.isnan(v):
        raise ValueError(v)
    r = repr(float(v))
    return r if ("e" in r or "." in r) else r + ".0"


def code_of(v, prec_needed=0):
    """C++ for a value used as an operand; parenthesised below the needed precedence."""
    if isinstance(v, Num):
        c, p = num_code(v.v), (10 if v.v >= 0 else 9)
    elif isinstance(v, Lst):
        c, p = "lossc::weights(" + ", ".join(num_code(x) for x in v.vs) + ")", 10
    elif isinstance(v, (Param, Expr)):
        c, p = v.code, v.prec
    else:
        raise TypeError(v)
    return f"({c})" if p < prec_needed else c


