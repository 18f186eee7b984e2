"""First-call trace + compile time of jax.jit(value_and_grad) for three of the benchmark's losses
(the anchor of docs/compile-time.md). Prints one line per loss: name seconds."""
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_platforms", "cpu")


def focal(t, x):
    p = jax.nn.softmax(x, axis=1)
    return jnp.mean(-jnp.sum(t * (1 - p) ** 2 * jax.nn.log_softmax(x, axis=1), axis=1))


def cce(t, x):
    return jnp.mean(-jnp.sum(t * jax.nn.log_softmax(x, axis=1), axis=1))


def custom_mse(t, p):
    return jnp.mean(jnp.sum(jnp.square(p - t) * jnp.array([0.3, 0.7]), axis=1))


for name, f, cols in (("custom_mse", custom_mse, 2), ("cce_logits", cce, 10), ("focal", focal, 10)):
    t = jnp.ones((64, cols), jnp.float32)
    x = jnp.ones((64, cols), jnp.float32)
    start = time.perf_counter()
    value, grad = jax.jit(jax.value_and_grad(f, argnums=1))(t, x)
    grad.block_until_ready()
    print(name, round(time.perf_counter() - start, 3))
