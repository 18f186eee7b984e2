"""Keras's answers kept between the test suite's builds (build/keras-ref/), for the Keras
differential test and codegen's keras.ops cases: keyed by the text that decides them and the
installed Keras and JAX versions, read without importing either (the import is 5 s)."""
import hashlib
import os
from importlib import metadata

import numpy as np


def keras_versions():
    return f"keras {metadata.version('keras')}, jax {metadata.version('jax')}"


def cached(cache_dir, prefix, key_text, compute):
    """compute()'s dict, from cache_dir/PREFIX-KEY.npz when a run before made it (no cache_dir:
    computed every time)."""
    key = hashlib.sha256((key_text + keras_versions()).encode()).hexdigest()[:16]
    path = os.path.join(cache_dir, f"{prefix}-{key}.npz") if cache_dir else None
    if path and os.path.exists(path):
        with np.load(path, allow_pickle=True) as stored:
            if "value" in stored.files:  # else written by an older form of this file: computed again
                return stored["value"].item()
    value = compute()
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        np.savez(path, value=np.array(value, dtype=object))
    return value
