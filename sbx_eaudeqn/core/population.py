"""The population of K online networks (AdaQN, Vincent et al. 2025) and EauDe's selection step.

Members are stacked on a leading axis K and trained with ``jax.vmap``. Each member k holds params,
mask, optimizer state and the cumulated loss L_k (sum of its losses since the last selection).

Selection (``select_and_explore``), every selection period:

1. Leader psi = argmin of the finite L_k (all non-finite: the previous leader, slot 0). With a
   ``tie_tolerance`` z > 0, parsimony among ties (the one-standard-error rule of model selection): every
   member whose L_k lies within z standard errors of the lowest one ties with it, and the sparsest of
   the tied wins (:func:`sbx_eaudeqn.core.selection.winner`).
2. Exploitation: slot 0 keeps psi bit for bit (params, mask, optimizer state). Every other slot is the
   winner of a tournament: ``tournament_size`` members drawn without replacement, won as the selection
   (a non-finite winner is replaced by psi, so a NaN member loses every selection).
3. Exploration: every duplicate (a member already placed in an earlier slot) is pruned to a sparsity
   sampled with Eq. 3 from its parent's, and gets a fresh optimizer state (Asadi et al. 2023; or, with
   ``copy_optimizer="inherit"``, its parent's). Members chosen once keep theirs. With K = 1 there is no
   duplicate: the single member is pruned to a sampled sparsity after each selection and keeps its
   optimizer state (DistillQN with Eq. 3).
4. All L_k are reset to 0.

After a selection the leader is always in slot 0, which is the member the algorithms act and
bootstrap with.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax

from sbx_eaudeqn.core.pruning import apply_masks, dense_masks, grow_masks, mask_sparsity
from sbx_eaudeqn.core.schedules import sample_sparsity
from sbx_eaudeqn.core.selection import choose_parents, duplicates, finite_losses, gaps_in_standard_errors


class PopulationState(flax.struct.PyTreeNode):
    """Stacked state of K members (every leaf has a leading axis K).

    :ivar params: network parameters, masked weights exactly zero. For an algorithm with several
        critic states (TQC's two), a tuple with one entry per state.
    :ivar opt_state: optimizer states (optax), one per member (a tuple when ``params`` is one).
    :ivar masks: boolean masks, ``True`` = weight kept (see :mod:`sbx_eaudeqn.core.pruning`).
    :ivar cumulated_losses: L_k, float32 (K,).
    :ivar extra: per-member state that is trained but not pruned (CrossQ's batch statistics), or None.
    :ivar squared_losses: (K,), sum of each member's squared per-step losses over the judged steps, for
        the standard error of L_k (:func:`gaps_in_standard_errors`); None in a population assembled by
        hand without them (it then judges by the strict minimum).
    :ivar judged_steps: the number of steps summed in L_k (float32 scalar), or None as above.
    """

    params: Any
    opt_state: Any
    masks: Any
    cumulated_losses: jax.Array
    extra: Any = None
    squared_losses: Any = None
    judged_steps: Any = None

    @property
    def size(self) -> int:
        """K, the number of members."""
        return int(self.cumulated_losses.shape[0])

    def member(self, index: int) -> tuple[Any, Any, Any]:
        """(params, opt_state, masks) of one member, without the population axis."""
        pick = partial(_take, index=index)
        return pick(self.params), pick(self.opt_state), pick(self.masks)


def _take(tree: Any, index: Any) -> Any:
    return jax.tree_util.tree_map(lambda leaf: leaf[index], tree)


def init_opt_state(tx: Any, params: Any) -> Any:
    """``tx.init(params)``; with a tuple of transformations (one per critic state), one state per entry."""
    if isinstance(tx, optax.GradientTransformation):
        return tx.init(params)
    return tuple(part_tx.init(part) for part_tx, part in zip(tx, params))


def init_population(stacked_params: Any, tx: Any, stacked_extra: Any = None) -> PopulationState:
    """A dense population from parameters stacked on a leading axis K.

    :param tx: the optimizer, or a tuple of optimizers when ``stacked_params`` is a tuple of critic states' params.
    :param stacked_extra: per-member state that is not pruned (batch statistics), stacked, or None.
    """
    population_size = jax.tree_util.tree_leaves(stacked_params)[0].shape[0]
    return PopulationState(
        params=stacked_params,
        opt_state=jax.vmap(partial(init_opt_state, tx))(stacked_params),
        masks=jax.vmap(dense_masks)(stacked_params),
        cumulated_losses=jnp.zeros((population_size,), jnp.float32),
        extra=stacked_extra,
        squared_losses=jnp.zeros((population_size,), jnp.float32),
        judged_steps=jnp.zeros((), jnp.float32),
    )


def with_losses_reset(population: PopulationState) -> PopulationState:
    """The population with every L_k, the squared losses and the step count back to 0."""
    return population.replace(
        cumulated_losses=jnp.zeros_like(population.cumulated_losses),
        squared_losses=jnp.zeros_like(population.cumulated_losses),
        judged_steps=jnp.zeros((), jnp.float32),
    )


def map_members(fn: Any, *stacked: Any, unrolled: bool = False) -> Any:
    """Apply ``fn`` to each member of stacked trees and stack the results.

    ``unrolled=False`` uses ``jax.vmap``. ``unrolled=True`` traces one call per member instead: on CPU,
    XLA turns a vmapped convolution into a grouped one that runs about 1.5x slower than K separate
    convolutions (measured with the Nature CNN at batch 32, K = 5), so CNN populations use it there.
    A population of one is never vmapped: XLA turns its matrix products into batched ones, which cost
    more on CPU than the plain products SBX's single network gets.
    """
    size = jax.tree_util.tree_leaves(stacked[0])[0].shape[0]
    if not unrolled and size > 1:
        return jax.vmap(fn)(*stacked)
    outputs = [fn(*(_take(tree, k) for tree in stacked)) for k in range(size)]
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *outputs)


def population_step(population: PopulationState, member_update: Any, unrolled: bool = False) -> tuple[PopulationState, jax.Array, Any]:
    """One gradient step of every member on one minibatch (the inner loop of Algorithm 1).

    ``member_update(params, opt_state, extra) -> (params, opt_state, extra, loss, logs)`` is one member's
    step of the algorithm (SBX's own critic update, called as it is, with the minibatch and the shared
    target closed over). Masks are re-applied after the optimizer step, so pruned weights stay exactly
    zero whatever Adam's moments hold; masks only grow, so no weight ever comes back. Each loss is
    added to the member's L_k.

    :param unrolled: trace one call per member instead of ``vmap`` (see :func:`map_members`).
    :return: the new population, each member's loss (K,) and the leader's (slot 0's) logs.
    """

    def update(params, opt_state, masks, extra):
        params, opt_state, extra, loss, logs = member_update(params, opt_state, extra)
        return apply_masks(params, masks), opt_state, extra, loss, logs

    params, opt_state, extra, losses, logs = map_members(
        update, population.params, population.opt_state, population.masks, population.extra, unrolled=unrolled
    )
    population = population.replace(
        params=params, opt_state=opt_state, extra=extra, cumulated_losses=population.cumulated_losses + losses
    )
    if population.squared_losses is not None:
        population = population.replace(
            squared_losses=population.squared_losses + jnp.square(losses),
            judged_steps=population.judged_steps + 1.0,
        )
    return population, losses, _take(logs, 0)


def _where_member(flags: jax.Array, if_true: Any, if_false: Any) -> Any:
    """Per-member choice between two stacked trees."""

    def choose(a: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.where(flags.reshape((-1,) + (1,) * (a.ndim - 1)), a, b)

    return jax.tree_util.tree_map(choose, if_true, if_false)


@partial(jax.jit, static_argnames=("tx", "config"))
def select_and_explore(
    population: PopulationState,
    key: jax.Array,
    t: jax.Array,
    period: jax.Array,
    total: jax.Array,
    *,
    tx: Any,
    config: Any,
) -> tuple[PopulationState, dict[str, jax.Array]]:
    """One EauDe selection (see the module docstring).

    :param t: current time; :param period: T, time since the previous selection; :param total: L.
    :param tx: the optimizer that re-initialises the duplicates' states (a tuple: one per critic state).
    :param config: the EauDe options (``sbx_eaudeqn.algorithms.config``; hashable, so a static argument):
        ``tournament_size``, ``sparsity_scale`` (beta), ``max_prune_fraction``, ``prune_scope``,
        ``prune_criterion``, ``copy_optimizer`` (``"reset"``, the paper, gives every copy a fresh
        optimizer state; ``"inherit"`` lets it keep its parent's: Adam is elementwise, so the moments of
        pruned weights only ever move those weights, which the mask sets back to zero) and
        ``tie_tolerance`` (z, in standard errors of the best L_k: 0, the paper, selects by the strict
        minimum; above 0 the sparsest member tied with the best wins, :func:`sbx_eaudeqn.core.selection.winner`).
    :return: the new population and a dict with ``leader`` (index before reordering), ``parents``,
        ``duplicates``, ``explored`` (slots pruned to a sampled sparsity), ``cumulated_losses`` (the L_k
        judged), ``gaps_in_se`` (each L_k's distance above the lowest, in its standard errors; NaN
        without the squared losses), ``parent_sparsities`` (each slot's before exploration) and ``sparsities`` (after).
    """
    population_size = population.size
    tournament_key, sampler_key = jax.random.split(key)
    member_sparsities = jax.vmap(mask_sparsity)(population.masks)
    parents = choose_parents(tournament_key, population.cumulated_losses, config.tournament_size,
                             config.tie_tolerance, member_sparsities, population.squared_losses,
                             population.judged_steps)
    is_duplicate = duplicates(parents)
    explore = is_duplicate if population_size > 1 else jnp.ones((1,), bool)

    params = _take(population.params, parents)
    masks = _take(population.masks, parents)
    opt_state = _take(population.opt_state, parents)
    extra = _take(population.extra, parents)

    parent_sparsity = jax.vmap(mask_sparsity)(masks)
    new_sparsity = sample_sparsity(sampler_key, parent_sparsity, t, period, total, config.sparsity_scale,
                                   config.max_prune_fraction)
    criterion_keys = jax.random.split(jax.random.fold_in(key, 1), population_size)  # drawn by a random criterion only
    grow = partial(grow_masks, prune_scope=config.prune_scope, prune_criterion=config.prune_criterion)
    grown = jax.vmap(grow)(params, masks, new_sparsity, key=criterion_keys)
    masks = _where_member(explore, grown, masks)
    params = jax.vmap(apply_masks)(params, masks)
    if config.copy_optimizer == "reset":
        opt_state = _where_member(is_duplicate, jax.vmap(partial(init_opt_state, tx))(params), opt_state)

    new_population = with_losses_reset(PopulationState(
        params=params, opt_state=opt_state, masks=masks, cumulated_losses=population.cumulated_losses, extra=extra
    ))
    info = {
        "leader": parents[0],
        "parents": parents,
        "duplicates": is_duplicate,
        "explored": explore,
        "cumulated_losses": population.cumulated_losses,
        "gaps_in_se": _gaps_in_se(population),
        "parent_sparsities": parent_sparsity,
        "sparsities": jax.vmap(mask_sparsity)(masks),
    }
    return new_population, info


def _gaps_in_se(population: PopulationState) -> jax.Array:
    """Each L_k's distance above the lowest, in its standard errors (NaN without the squared losses)."""
    if population.squared_losses is None:
        return jnp.full_like(population.cumulated_losses, jnp.nan)
    best = jnp.argmin(finite_losses(population.cumulated_losses))
    return gaps_in_standard_errors(population.cumulated_losses, population.squared_losses, population.judged_steps, best)


@partial(jax.jit, static_argnames=("prune_scope", "prune_criterion"))
def prune_population(population: PopulationState, sparsity: jax.Array, prune_scope: str,
                     prune_criterion: str = "magnitude", key: jax.Array | None = None) -> PopulationState:
    """Grow every member's mask to ``sparsity`` (PolyPrune); optimizer states are kept.

    :param key: a PRNG key for a criterion that draws (:data:`sbx_eaudeqn.core.pruning.PRUNE_CRITERIA`).
    """
    grow = partial(grow_masks, sparsity=sparsity, prune_scope=prune_scope, prune_criterion=prune_criterion, key=key)
    masks = jax.vmap(lambda p, m: grow(p, m))(population.params, population.masks)
    return population.replace(masks=masks, params=jax.vmap(apply_masks)(population.params, masks))


def acting_probabilities(cumulated_losses: jax.Array) -> jax.Array:
    """P(member b) proportional to 1 / (L_b + 1e-6); non-finite members get 0 (all non-finite: slot 0)."""
    finite = jnp.isfinite(cumulated_losses)
    weights = jnp.where(finite, 1.0 / (jnp.where(finite, cumulated_losses, 0.0) + 1e-6), 0.0)
    total = jnp.sum(weights)
    fallback = jnp.zeros_like(weights).at[0].set(1.0)
    return jnp.where(total > 0, weights / jnp.where(total > 0, total, 1.0), fallback)


def set_learning_rate(opt_state: Any, learning_rate: float) -> None:
    """Set the injected learning rate of a stacked ``optax.inject_hyperparams`` state, in place.

    SBX's ``_update_learning_rate`` writes a scalar; the stacked state needs one value per member.
    A tuple of states (one per critic state) gets the rate in each.
    """
    if not hasattr(opt_state, "hyperparams"):
        for part in opt_state:
            set_learning_rate(part, learning_rate)
        return
    current = opt_state.hyperparams["learning_rate"]
    # A host array: the jitted update takes it as an argument, so no eager device op runs per call.
    opt_state.hyperparams["learning_rate"] = np.full(np.shape(current), learning_rate, dtype=np.float32)
