from _numpy_ops import epsilon  # noqa: F401
