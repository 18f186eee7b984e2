"""The op table: the library's elementwise functions (op_table.json, printed from
include/lossc/expr/ops.hpp by tests/tools/op_table.cpp), Keras's spellings of ops and its
built-in losses."""
import json
import pathlib

# Canonical names; every spelling (K.*, keras.ops.*, tf.*, tf.math.*, tf.nn.*, tf.keras.backend.*)
# is mapped to one of these by resolve(). The library's elementwise functions and what is known of
# them come from its op table (op_table.json beside this file, printed from include/lossc/expr/ops.hpp
# by tests/tools/op_table.cpp): a function the library gains is translated without a change here.

def load_op_table():
    with open(pathlib.Path(__file__).resolve().with_name("op_table.json"), encoding="utf-8") as f:
        return json.load(f)


OP_TABLE = load_op_table()
# lossc's own functions that no Keras/TF spelling names (log(cosh(x)) becomes log_cosh in the library).
LOSSC_ONLY = {"log_cosh"}
# Unary functions the translator builds itself (a parameter, or a rewrite it spells out).
UNARY_SPECIAL = {"pow", "clip"}


def unary_functions(table):
    """name → C++ function of every unary table op written f(x), and the non-differentiable ones."""
    fns, cut = {}, set()
    for op in table["unary"]:
        fn = op["function"]
        if fn is None or fn in LOSSC_ONLY or fn in UNARY_SPECIAL:
            continue
        fns[fn] = f"lossc::{fn}"
        if not op["differentiable"]:
            cut.add(fn)
    return fns, cut


UNARY, NON_DIFFERENTIABLE = unary_functions(OP_TABLE)
ALIASES = {"absolute": "abs", "negative": "neg", "neg": "neg", "add": "add", "subtract": "sub", "multiply": "mul",
           "divide": "div", "true_divide": "div", "truediv": "div", "pow": "pow", "power": "pow",
           "maximum": "maximum", "minimum": "minimum", "reduce_mean": "mean", "reduce_sum": "sum",
           "reduce_max": "max", "reduce_min": "min", "reduce_logsumexp": "logsumexp", "amax": "max", "amin": "min",
           "clip_by_value": "clip", "switch": "where", "greater": "gt", "greater_equal": "ge", "less": "lt",
           "less_equal": "le", "equal": "eq", "not_equal": "ne", "squared_difference": "squared_difference",
           "log_sigmoid": "log_sigmoid", "l2_normalize": "l2_normalize", "normalize": "l2_normalize",
           "arctan": "atan", "dot": "matmul", "diag_part": "diagonal", "diag": "diagonal"}
REDUCTIONS = {"mean", "sum", "max", "min", "logsumexp"}
KERAS_LOSSES = {
    # keras.losses function name → (lossc name, [(keyword, default)], takes from_logits)
    "mean_squared_error": ("mean_squared_error", [], False), "mse": ("mean_squared_error", [], False),
    "mean_absolute_error": ("mean_absolute_error", [], False), "mae": ("mean_absolute_error", [], False),
    "mean_absolute_percentage_error": ("mean_absolute_percentage_error", [], False),
    "mape": ("mean_absolute_percentage_error", [], False),
    "mean_squared_logarithmic_error": ("mean_squared_logarithmic_error", [], False),
    "msle": ("mean_squared_logarithmic_error", [], False),
    "cosine_similarity": ("cosine_similarity", [], False), "huber": ("huber", [("delta", 1.0)], False),
    "log_cosh": ("log_cosh", [], False), "logcosh": ("log_cosh", [], False),
    "categorical_hinge": ("categorical_hinge", [], False), "kl_divergence": ("kl_divergence", [], False),
    "kld": ("kl_divergence", [], False), "kullback_leibler_divergence": ("kl_divergence", [], False),
    "poisson": ("poisson", [], False),
    "binary_crossentropy": ("binary_crossentropy", [("label_smoothing", 0.0)], True),
    "binary_focal_crossentropy": ("binary_focal_crossentropy",
                                  [("apply_class_balancing", 0.0), ("alpha", 0.25), ("gamma", 2.0),
                                   ("label_smoothing", 0.0)], True),
    "categorical_crossentropy": ("categorical_crossentropy", [("label_smoothing", 0.0)], True),
    "sparse_categorical_crossentropy": ("sparse_categorical_crossentropy", [], True),
    "categorical_focal_crossentropy": ("categorical_focal_crossentropy",
                                       [("alpha", 0.25), ("gamma", 2.0), ("label_smoothing", 0.0)], True),
    "categorical_generalized_cross_entropy": ("categorical_generalized_cross_entropy", [("q", 0.5)], False),
}
FLOAT_DTYPES = {"float32", "float64", "float16", "float", "floatx", "tf.float32", "tf.float64"}

SUPPORTED = ("supported: mean/sum/max/min/logsumexp (and reduce_*) with axis=-1 or 1 (sum and mean also over the batch), "
             + " ".join(UNARY) + " pow ** clip maximum minimum where comparisons cast epsilon softmax log_softmax, "
             "column slices, matmul(a, transpose(b)) (a @ b.T) with its rows' reductions, diagonal, eye, "
             "keras.losses.* (docs/codegen.md)")

