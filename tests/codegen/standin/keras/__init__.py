"""numpy stand-in for `keras` (tests/codegen): backend, ops, losses, config."""
from . import backend, ops, losses, config  # noqa: F401
