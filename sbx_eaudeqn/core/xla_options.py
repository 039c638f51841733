"""XLA compiler options for convolutional networks on CPU.

XLA's CPU convolutions are slower than torch's oneDNN ones; letting XLA hand its dot fusions to
YNNPACK cut our Nature-CNN DQN train call (batch 32) from about 38 ms to 27 ms here (torch: 24-30 ms)
(benchmarks/cnn_step.py, studies/overhead/cnn_step.md). ``jax.jit`` takes such XLA options per function,
and their names change between XLA releases, so they are only used when the installed XLA accepts
them; nothing else in the process is affected.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jax
import jax.numpy as jnp

CPU_CNN_COMPILER_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_DOT"}


@cache
def cpu_cnn_compiler_options() -> dict[str, str] | None:
    """:data:`CPU_CNN_COMPILER_OPTIONS` when this XLA accepts them, else None (XLA's defaults)."""
    probe = jax.jit(lambda x: x @ x, compiler_options=CPU_CNN_COMPILER_OPTIONS)
    try:
        probe(jnp.ones((2, 2)))
    except jax.errors.JaxRuntimeError:
        return None
    return CPU_CNN_COMPILER_OPTIONS


def has_conv(params: Any) -> bool:
    """True when a parameter tree holds a convolution kernel (4 dimensions for 2-D convolutions)."""
    return any(leaf.ndim >= 4 for leaf in jax.tree_util.tree_leaves(params))


def trains_unrolled(params: Any) -> bool:
    """True when a population of networks with these parameters should train without ``lax.scan`` and
    ``vmap``: convolutional networks on CPU.

    XLA's CPU convolutions lose their fast path inside a rolled loop (a Nature-CNN step at batch 32
    took 240 ms inside a length-1 ``lax.scan`` against 27 ms jitted on its own, here) and when vmapped
    over members (see :func:`~sbx_eaudeqn.core.population.map_members`). MLPs, and any network on GPU,
    keep scan and vmap.
    """
    return has_conv(params) and jax.default_backend() == "cpu"
