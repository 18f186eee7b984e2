"""numpy stand-in for `tensorflow` (tests/codegen): tf.*, tf.math, tf.nn, tf.keras.backend."""
from _numpy_ops import *  # noqa: F401,F403
from . import math, nn, keras  # noqa: F401
