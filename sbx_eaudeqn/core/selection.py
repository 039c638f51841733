"""Who wins a selection: the leader psi (the lowest L_k, or the sparsest of the tied) and the tournament
winners that refill the population (steps 1 and 2 of :func:`sbx_eaudeqn.core.population.select_and_explore`).

Every function takes the members' cumulated losses L_k (NaN or inf: the member never wins) and is
traced inside the jitted selection step.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp


def finite_losses(cumulated_losses: jax.Array) -> jax.Array:
    """L_k with every NaN or inf replaced by +inf, so that such a member never wins."""
    return jnp.where(jnp.isfinite(cumulated_losses), cumulated_losses, jnp.inf)


def choose_leader(cumulated_losses: jax.Array) -> jax.Array:
    """argmin over finite L_k; slot 0 (the previous leader) when no loss is finite."""
    losses = finite_losses(cumulated_losses)
    return jnp.where(jnp.any(jnp.isfinite(cumulated_losses)), jnp.argmin(losses), 0)


def gaps_in_standard_errors(cumulated_losses: jax.Array, squared_losses: jax.Array, judged_steps: jax.Array,
                            best: jax.Array) -> jax.Array:
    """(L_j - L_best) / se_best for every member j: how far above the best L_k it lies, in standard errors.

    L_best sums n per-step losses, each on its own minibatch; another draw of minibatches would move it
    by about se_best = sqrt(n Var(l_best)) = sqrt(sum l^2 - L_best^2 / n), the noise of a cumulated loss
    (as the one-standard-error rule measures a model's error). A member with a positive gap and no noise
    lies infinitely far; ``best`` itself lies at 0.
    """
    gaps = finite_losses(cumulated_losses) - cumulated_losses[best]
    n = jnp.maximum(judged_steps, 1.0)
    variance = jnp.maximum(squared_losses[best] - jnp.square(cumulated_losses[best]) / n, 0.0)
    standard_error = jnp.sqrt(variance)
    safe_error = jnp.where(standard_error > 0, standard_error, 1.0)
    return jnp.where(gaps <= 0, 0.0, jnp.where(standard_error > 0, gaps / safe_error, jnp.inf))


def winner(candidates: jax.Array, cumulated_losses: jax.Array, sparsities: jax.Array, squared_losses: jax.Array,
           judged_steps: jax.Array, tie_tolerance: float) -> jax.Array:
    """The winner among the ``candidates`` (a boolean mask over members), by parsimony among ties.

    The member with the lowest finite L_k is the best. Every candidate within ``tie_tolerance`` standard
    errors of it (:func:`gaps_in_standard_errors`) ties with it, and the sparsest of the tied wins;
    between equally sparse members, the lower L_k. When pruning costs more loss than the noise, the best
    is the only tie and the strict minimum decides, as in the paper. No finite candidate: -1.
    """
    losses = jnp.where(candidates, finite_losses(cumulated_losses), jnp.inf)
    best = jnp.argmin(losses)
    gaps = gaps_in_standard_errors(losses, squared_losses, judged_steps, best)
    tied = jnp.isfinite(losses) & (gaps <= tie_tolerance)
    sparsest = jnp.max(jnp.where(tied, sparsities, -1.0))
    chosen = jnp.argmin(jnp.where(tied & (sparsities >= sparsest), losses, jnp.inf))
    return jnp.where(jnp.isfinite(losses[best]), chosen, -1)


def choose_parents(key: jax.Array, cumulated_losses: jax.Array, tournament_size: int, tie_tolerance: float,
                   sparsities: jax.Array | None = None, squared_losses: jax.Array | None = None,
                   judged_steps: jax.Array | None = None) -> jax.Array:
    """Parent index of each slot: the leader in slot 0, tournament winners in the others.

    With ``tie_tolerance`` 0 (the paper) every choice is the strict minimum of L_k; above 0, by
    :func:`winner` (which needs the members' ``sparsities`` and squared losses).
    """
    population_size = cumulated_losses.shape[0]
    losses = finite_losses(cumulated_losses)
    if tie_tolerance > 0 and squared_losses is not None:
        pick = partial(winner, cumulated_losses=cumulated_losses, sparsities=sparsities,
                       squared_losses=squared_losses, judged_steps=judged_steps, tie_tolerance=tie_tolerance)
        leader = jnp.maximum(pick(jnp.ones((population_size,), bool)), 0)
    else:
        pick = None
        leader = choose_leader(cumulated_losses)

    def tournament(slot_key: jax.Array) -> jax.Array:
        drawn = jax.random.choice(slot_key, population_size, (tournament_size,), replace=False)
        if pick is None:
            chosen = drawn[jnp.argmin(losses[drawn])]
        else:
            chosen = pick(jnp.zeros((population_size,), bool).at[drawn].set(True))
        return jnp.where((chosen >= 0) & jnp.isfinite(losses[chosen]), chosen, leader)

    winners = jax.vmap(tournament)(jax.random.split(key, population_size - 1))
    return jnp.concatenate([leader[None], winners]).astype(jnp.int32)


def duplicates(parents: jax.Array) -> jax.Array:
    """True for a slot whose parent already fills an earlier slot."""
    slots = jnp.arange(parents.shape[0])
    same_parent = parents[None, :] == parents[:, None]
    earlier = slots[None, :] < slots[:, None]
    return jnp.any(same_parent & earlier, axis=1)
