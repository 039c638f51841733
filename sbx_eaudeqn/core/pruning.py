"""Magnitude pruning: binary masks over the prunable weights of a flax parameter tree.

A weight is *prunable* when it is a kernel (``nn.Dense`` or ``nn.Conv``); biases and normalisation
parameters are never pruned. A mask tree has the structure and shapes of the parameter tree, with
boolean leaves (``True`` = weight kept); non-prunable leaves are all ``True``.

Setting sparsity ``s`` zeroes the lowest-scored weights. Two ideas are kept apart, each a table of
functions: the *criterion* scores the weights (which go first: the smallest in magnitude by default,
:data:`PRUNE_CRITERIA`), and the *scope* spreads ``s`` over the layers (:data:`PRUNE_SCOPES`):

- ``"layerwise"``: ``round(s * n)`` of each layer of ``n`` weights (JaxPruner's uniform distribution);
- ``"global"``: ``round(s * N)`` of all ``N`` prunable weights together (one threshold);
- ``"erk"``: each layer to its Erdős–Rényi-Kernel density, proportional to the sum of the kernel's
  dimensions over their product (``(n_in + n_out) / (n_in * n_out)`` for a dense layer), scaled so that
  the network as a whole reaches ``s``; a layer whose density would exceed 1 stays dense and the others
  share the rest (Evci et al. 2020; Graesser et al. 2022 found it the best distribution for sparse deep RL).

In every scope, each output unit (the last axis of a kernel: a neuron, a conv channel, an action's
value) keeps its largest incoming weight, so no layer ever loses all its weights: a network asked for
more than that allows stops at the floor. Weights already masked count as the lowest, so masks only
grow. Ties in magnitude are broken by position (a stable sort), so the result is deterministic. ``s``
may be a traced value: ``jax.vmap(grow_masks, in_axes=(0, 0, 0))`` gives K stacked members K different
sparsities in one call.

JaxPruner offers the same distributions but targets its own optimizer wrapper and schedules; we only
need the mask computation, which vmaps over population members, so it is written here (a few lines).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# The score of the weight each output unit keeps: above any magnitude, so it is pruned last.
_PROTECTED = jnp.inf

Params = Any
Masks = Any


def is_prunable(path: tuple) -> bool:
    """True for the kernel of a Dense or Conv layer (the last key of its path is ``kernel``)."""
    return _key_name(path[-1]) == "kernel"


def _key_name(key: Any) -> Any:
    """The name in one step of a pytree path: a dict key, or a flax attribute name."""
    return getattr(key, "key", getattr(key, "name", key))


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
    """Keep all but the ``n_pruned`` lowest scores of a flat vector (stable sort: ties by position);
    protected scores are always kept."""
    n_pruned = jnp.minimum(n_pruned, jnp.sum(scores < _PROTECTED))
    order = jnp.argsort(scores, stable=True)
    ranks = jnp.zeros_like(order).at[order].set(jnp.arange(scores.size))
    return ranks >= n_pruned


def _n_to_prune(sparsity: jax.Array, n_weights: int) -> jax.Array:
    # jnp.round rounds half to even, like numpy; computed in float32 as the rest of the package.
    return jnp.round(jnp.asarray(sparsity, jnp.float32) * n_weights).astype(jnp.int32)


def _kernel_axes(shape: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """(members, kernel shape) of a kernel leaf. SBX stacks its twin critics with ``nn.vmap``, which puts
    a leading members axis on their kernels: a kernel with an odd number of axes is (members, in, out)
    or (members, kh, kw, in, out); an even one is a single dense (in, out) or conv (kh, kw, in, out)."""
    if len(shape) % 2 == 1:
        return shape[0], tuple(shape[1:])
    return 1, tuple(shape)


def magnitude(kernel: jax.Array, key: jax.Array) -> jax.Array:
    """|w|: the smallest weights go first (the paper's criterion, and JaxPruner's magnitude pruning)."""
    return jnp.abs(kernel)


def random_scores(kernel: jax.Array, key: jax.Array) -> jax.Array:
    """Uniform random scores: which weights go is drawn at random (the baseline of pruning criteria)."""
    return jax.random.uniform(key, kernel.shape)


# The pruning criteria, by the name ``prune_criterion`` takes: (kernel, PRNG key) -> a score >= 0 per
# weight; the lowest-scored live weights are pruned first. A new criterion is one function and one row
# here. (A gradient- or optimizer-based one, such as SNIP's |w * g|, would read the member's optimizer
# state as well: grow_masks would pass it beside the key.)
PRUNE_CRITERIA = {"magnitude": magnitude, "random": random_scores}


def _scores(kernel: jax.Array, mask: jax.Array, criterion: str, key: jax.Array) -> jax.Array:
    """The criterion's scores, flat. Masked weights score -1 (below any score), so they are pruned first and
    stay pruned; the highest-scored incoming weight of each output unit (of each stacked member) is protected."""
    members, shape = _kernel_axes(kernel.shape)
    scores = jnp.where(mask, PRUNE_CRITERIA[criterion](kernel, key), -1.0).reshape(members, -1, shape[-1])
    strongest = jnp.argmax(scores, axis=1)  # (members, out)
    protect = jnp.arange(scores.shape[1])[None, :, None] == strongest[:, None, :]
    return jnp.where(protect, _PROTECTED, scores).ravel()


def erk_densities(shapes: list[tuple[int, ...]], sparsity: jax.Array) -> jax.Array:
    """Erdős–Rényi-Kernel density of each kernel for an overall ``sparsity`` (may be traced).

    Density d_l = min(1, eps * sum(shape_l) / prod(shape_l)), with eps such that the kept weights add
    up to (1 - s) * N. Layers that would exceed 1 are made dense one round at a time (at most one
    round per layer) and eps is recomputed over the others.
    """
    sizes = jnp.asarray([np.prod(shape) for shape in shapes], jnp.float32)
    kernels = [_kernel_axes(shape)[1] for shape in shapes]  # a stacked member axis is not a kernel dimension
    raw = jnp.asarray([sum(kernel) / np.prod(kernel) for kernel in kernels], jnp.float32)
    kept = (1.0 - jnp.asarray(sparsity, jnp.float32)) * jnp.sum(sizes)
    dense = jnp.zeros(len(shapes), bool)
    for _ in shapes:
        budget = kept - jnp.sum(jnp.where(dense, sizes, 0.0))
        eps = budget / jnp.maximum(jnp.sum(jnp.where(dense, 0.0, raw * sizes)), 1e-12)
        dense = dense | (eps * raw > 1.0)
    return jnp.clip(jnp.where(dense, 1.0, eps * raw), 0.0, 1.0)


def _each_layer_to(scores: list, shapes: list, layer_sparsity: jax.Array) -> list:
    """Each kernel pruned to its own sparsity ``layer_sparsity[i]``, by its scores."""
    return [_keep_mask(score, _n_to_prune(layer_sparsity[i], score.size)).reshape(shape)
            for i, (score, shape) in enumerate(zip(scores, shapes))]


def _layerwise(scores: list, shapes: list, sparsity: jax.Array) -> list:
    """Every kernel to s (JaxPruner's uniform distribution)."""
    return _each_layer_to(scores, shapes, jnp.full(len(shapes), sparsity))


def _erk(scores: list, shapes: list, sparsity: jax.Array) -> list:
    """Every kernel to its Erdős–Rényi-Kernel share of s (:func:`erk_densities`)."""
    return _each_layer_to(scores, shapes, 1.0 - erk_densities(shapes, sparsity))


def _global(scores: list, shapes: list, sparsity: jax.Array) -> list:
    """One threshold over all kernels together."""
    all_scores = jnp.concatenate(scores)
    keep_all = _keep_mask(all_scores, _n_to_prune(sparsity, all_scores.size))
    keeps, offset = [], 0
    for score, shape in zip(scores, shapes):
        keeps.append(keep_all[offset : offset + score.size].reshape(shape))
        offset += score.size
    return keeps


# The pruning scopes, by the name ``prune_scope`` takes: (each kernel's flat scores, the kernels' shapes,
# s) -> the weights each kernel keeps (the old masks are applied after, so masks only grow). A new scope
# is one function and one row here.
PRUNE_SCOPES = {"layerwise": _layerwise, "global": _global, "erk": _erk}


def grow_masks(params: Params, masks: Masks, sparsity: jax.Array, prune_scope: str = "layerwise",
               prune_criterion: str = "magnitude", key: jax.Array | None = None) -> Masks:
    """Masks with at least ``sparsity`` of the prunable weights pruned.

    :param params: parameter tree (one network, no leading population axis).
    :param masks: current masks; weights they prune stay pruned.
    :param sparsity: target fraction s in [0, 1] (may be traced).
    :param prune_scope: a key of :data:`PRUNE_SCOPES` (how s is spread over the layers).
    :param prune_criterion: a key of :data:`PRUNE_CRITERIA` (which weights go first).
    :param key: a PRNG key for a criterion that draws (each kernel gets its own); magnitude ignores it.
    :return: new masks. Where ``round(s * n)`` is below the number already pruned, nothing changes;
        each output unit keeps its highest-scored weight whatever ``s`` asks.
    """
    paths_params = jax.tree_util.tree_leaves_with_path(params)
    mask_leaves = jax.tree_util.tree_leaves(masks)
    prunable = [is_prunable(path) for path, _ in paths_params]
    kernels = [leaf for (_, leaf), flag in zip(paths_params, prunable) if flag]
    kernel_masks = [mask for mask, flag in zip(mask_leaves, prunable) if flag]
    keys = jax.random.split(jax.random.PRNGKey(0) if key is None else key, len(kernels))
    scores = [_scores(kernel, mask, prune_criterion, kernel_key)
              for kernel, mask, kernel_key in zip(kernels, kernel_masks, keys)]
    keeps = iter(PRUNE_SCOPES[prune_scope](scores, [kernel.shape for kernel in kernels], sparsity))
    new_leaves = [next(keeps) & mask if flag else mask for mask, flag in zip(mask_leaves, prunable)]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(masks), new_leaves)


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


def layer_sparsities(params: Params) -> dict[str, float]:
    """Sparsity of each prunable kernel, measured from its weights and keyed by its path in ``params``
    (``"params/Conv_0/kernel"``): where a global threshold put the pruning."""
    sparsities = {}
    for path, leaf in jax.tree_util.tree_leaves_with_path(params):
        if is_prunable(path):
            name = "/".join(str(_key_name(key)) for key in path)
            sparsities[name] = float(jnp.mean(leaf == 0))
    return sparsities


_stacked_weight_sparsity = jax.jit(jax.vmap(weight_sparsity))


def stacked_weight_sparsity(stacked_params: Params) -> np.ndarray:
    """Per-member sparsity of parameters stacked on a leading population axis, as a numpy array.

    One compiled call and one transfer, since it runs at every selection or pruning step.
    """
    return np.asarray(_stacked_weight_sparsity(stacked_params), dtype=np.float64)


def n_prunable(params: Params) -> int:
    """Number of prunable weights in ``params``."""
    return int(sum(leaf.size for leaf in _prunable_leaves(params)))
