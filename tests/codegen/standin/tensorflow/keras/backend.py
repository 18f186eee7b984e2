from _numpy_ops import *  # noqa: F401,F403
