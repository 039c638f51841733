"""Magnitude pruning: binary masks over the prunable weights of a flax parameter tree.

A weight is *prunable* when it is a kernel (``nn.Dense`` or ``nn.Conv``); biases and normalisation
parameters are never pruned. A mask tree has the structure and shapes of the parameter tree, with
boolean leaves (``True`` = weight kept); non-prunable leaves are all ``True``.

Setting sparsity ``s`` zeroes the ``round(s * n)`` lowest-magnitude weights of each layer of ``n``
weights (``"layerwise"`` scope, JaxPruner's uniform distribution) or of all ``n`` prunable weights
together (``"global"`` scope, one threshold). Weights already masked count as the lowest, so masks
only grow. Ties in magnitude are broken by position (a stable sort), so the result is deterministic.
``s`` may be a traced value: ``jax.vmap(grow_masks, in_axes=(0, 0, 0))`` gives K stacked members K
different sparsities in one call.

JaxPruner offers the same idea but targets its own optimizer wrapper and schedules; we only need the
mask computation, which vmaps over population members, so it is written here (a few lines).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

PRUNE_SCOPES = ("layerwise", "global")

Params = Any
Masks = Any


def is_prunable(path: tuple) -> bool:
    """True for the kernel of a Dense or Conv layer (the last key of its path is ``kernel``)."""
    last = path[-1]
    name = getattr(last, "key", getattr(last, "name", None))
    return name == "kernel"


def check_prune_scope(prune_scope: str) -> str:
    """Return ``prune_scope`` or raise a ValueError naming the allowed values."""
    if prune_scope not in PRUNE_SCOPES:
        raise ValueError(f"prune_scope must be one of {PRUNE_SCOPES}, got {prune_scope!r}")
    return prune_scope


def dense_masks(params: Params) -> Masks:
    """An all-``True`` mask tree for ``params`` (sparsity 0)."""
    return jax.tree_util.tree_map(lambda leaf: jnp.ones(jnp.shape(leaf), dtype=bool), params)


def apply_masks(params: Params, masks: Masks) -> Params:
    """Zero every masked weight: ``params * masks`` leaf by leaf (dtype kept)."""
    return jax.tree_util.tree_map(lambda p, m: jnp.where(m, p, jnp.zeros_like(p)), params, masks)


def _prunable_leaves(tree: Any) -> list:
    leaves_with_path = jax.tree_util.tree_leaves_with_path(tree)
    return [leaf for path, leaf in leaves_with_path if is_prunable(path)]


def _keep_mask(scores: jax.Array, n_pruned: jax.Array) -> jax.Array:
    """Keep all but the ``n_pruned`` lowest scores of a flat vector (stable sort: ties by position)."""
    order = jnp.argsort(scores, stable=True)
    ranks = jnp.zeros_like(order).at[order].set(jnp.arange(scores.size))
    return ranks >= n_pruned


def _n_to_prune(sparsity: jax.Array, n_weights: int) -> jax.Array:
    # jnp.round rounds half to even, like numpy; computed in float32 as the rest of the package.
    return jnp.round(jnp.asarray(sparsity, jnp.float32) * n_weights).astype(jnp.int32)


def _scores(params_leaf: jax.Array, mask_leaf: jax.Array) -> jax.Array:
    # Masked weights score -1 (below any magnitude), so they are pruned first and stay pruned.
    return jnp.where(mask_leaf, jnp.abs(params_leaf), -1.0).ravel()


def grow_masks(params: Params, masks: Masks, sparsity: jax.Array, prune_scope: str = "layerwise") -> Masks:
    """Masks with at least ``sparsity`` of the prunable weights pruned, by magnitude.

    :param params: parameter tree (one network, no leading population axis).
    :param masks: current masks; weights they prune stay pruned.
    :param sparsity: target fraction s in [0, 1] (may be traced).
    :param prune_scope: ``"layerwise"`` (each kernel leaf to s) or ``"global"`` (one threshold).
    :return: new masks. Where ``round(s * n)`` is below the number already pruned, nothing changes.
    """
    check_prune_scope(prune_scope)
    paths_params = jax.tree_util.tree_leaves_with_path(params)
    mask_leaves = jax.tree_util.tree_leaves(masks)
    treedef = jax.tree_util.tree_structure(masks)
    prunable = [is_prunable(path) for path, _ in paths_params]
    param_leaves = [leaf for _, leaf in paths_params]

    if prune_scope == "layerwise":
        new_leaves = []
        for keep_old, p, flag in zip(mask_leaves, param_leaves, prunable):
            if not flag:
                new_leaves.append(keep_old)
                continue
            keep = _keep_mask(_scores(p, keep_old), _n_to_prune(sparsity, p.size)).reshape(p.shape)
            new_leaves.append(keep & keep_old)
        return jax.tree_util.tree_unflatten(treedef, new_leaves)

    kernels = [(p, m) for p, m, flag in zip(param_leaves, mask_leaves, prunable) if flag]
    all_scores = jnp.concatenate([_scores(p, m) for p, m in kernels])
    keep_all = _keep_mask(all_scores, _n_to_prune(sparsity, all_scores.size))
    new_leaves, offset = [], 0
    for keep_old, p, flag in zip(mask_leaves, param_leaves, prunable):
        if not flag:
            new_leaves.append(keep_old)
            continue
        keep = keep_all[offset : offset + p.size].reshape(p.shape)
        offset += p.size
        new_leaves.append(keep & keep_old)
    return jax.tree_util.tree_unflatten(treedef, new_leaves)


def mask_sparsity(masks: Masks) -> jax.Array:
    """Fraction of prunable weights that ``masks`` prunes (jit- and vmap-friendly)."""
    leaves = _prunable_leaves(masks)
    n_total = sum(leaf.size for leaf in leaves)
    n_pruned = sum(jnp.sum(~leaf) for leaf in leaves)
    return n_pruned / n_total


def weight_sparsity(params: Params) -> jax.Array:
    """Fraction of prunable weights that are exactly zero, measured from the weights (jit/vmap-friendly)."""
    leaves = _prunable_leaves(params)
    n_total = sum(leaf.size for leaf in leaves)
    n_zero = sum(jnp.sum(leaf == 0) for leaf in leaves)
    return n_zero / n_total


_stacked_weight_sparsity = jax.jit(jax.vmap(weight_sparsity))


def stacked_weight_sparsity(stacked_params: Params) -> np.ndarray:
    """Per-member sparsity of parameters stacked on a leading population axis, as a numpy array.

    One compiled call and one transfer, since it runs at every selection or pruning step.
    """
    return np.asarray(_stacked_weight_sparsity(stacked_params), dtype=np.float64)


def n_prunable(params: Params) -> int:
    """Number of prunable weights in ``params``."""
    return int(sum(leaf.size for leaf in _prunable_leaves(params)))
