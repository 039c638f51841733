"""Sparsity schedules: the polynomial schedule of PolyPrune and the EauDe sparsity sampler (Eq. 3).

Both take times in one unit; the algorithms use environment steps throughout (t = ``num_timesteps``,
L = the ``total_timesteps`` of ``learn``), so nothing is converted between units.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def polynomial_sparsity(
    progress: float, final_sparsity: float, prune_start: float, prune_end: float, prune_exponent: float = 3.0
) -> float:
    """Zhu & Gupta (2018) schedule, as used by Ceron et al. (2024).

    s(t) = 0 before t_start; s_F * (1 - (1 - (t - t_start) / (t_end - t_start))^n) between; s_F after.

    :param progress: t / L, the fraction of training done (any float; clipped by the schedule).
    :param final_sparsity: s_F.
    :param prune_start: t_start / L.
    :param prune_end: t_end / L.
    :param prune_exponent: n.
    """
    if progress < prune_start:
        return 0.0
    if progress >= prune_end:
        return float(final_sparsity)
    fraction = (progress - prune_start) / (prune_end - prune_start)
    return float(final_sparsity * (1.0 - (1.0 - fraction) ** prune_exponent))


def sample_sparsity(
    key: jax.Array,
    parent_sparsity: jax.Array,
    t: jax.Array,
    period: jax.Array,
    total: jax.Array,
    sparsity_scale: float,
    max_prune_fraction: float,
) -> jax.Array:
    """EauDe exploration (Eq. 3): a new sparsity for a copy of a member with sparsity s_t.

    s_new = s_t + min(U * beta * (1 - s_t) * T / (L - t), max_prune_fraction * (1 - s_t)),  U ~ U[0, 1].

    The line from (t, s_t) to (L, 1) gives the slope, ``sparsity_scale`` (beta) scales it, and the cap
    keeps each jump below ``max_prune_fraction`` of the remaining weights. Past the end of training
    (L <= t) the slope is infinite and the cap applies. The result lies in
    [s_t, s_t + max_prune_fraction * (1 - s_t)] and never exceeds 1.

    :param key: JAX PRNG key; ``parent_sparsity`` may be a vector (one U per entry).
    :param parent_sparsity: s_t.
    :param t: current time. :param period: T, time since the previous selection.
    :param total: L, the training length. All three in the same unit.
    """
    parent_sparsity = jnp.asarray(parent_sparsity, jnp.float32)
    uniform = jax.random.uniform(key, jnp.shape(parent_sparsity))
    remaining = 1.0 - parent_sparsity
    time_left = jnp.asarray(total, jnp.float32) - jnp.asarray(t, jnp.float32)
    along_line = uniform * sparsity_scale * remaining * period / jnp.maximum(time_left, 1e-12)
    cap = max_prune_fraction * remaining
    increment = jnp.where(time_left > 0, jnp.minimum(along_line, cap), cap)
    return jnp.clip(parent_sparsity + increment, parent_sparsity, 1.0)
