"""Helpers shared by the algorithm tests: tree comparison and a quiet logger."""

import jax
import numpy as np
from stable_baselines3.common.logger import configure


def trees_equal(a, b) -> bool:
    leaves_a, leaves_b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(leaves_a) == len(leaves_b) and all(
        np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True) for x, y in zip(leaves_a, leaves_b)
    )


def masked_weights_are_zero(population) -> bool:
    params = jax.tree_util.tree_leaves(population.params)
    masks = jax.tree_util.tree_leaves(population.masks)
    return all(np.all(np.asarray(p)[~np.asarray(m)] == 0) for p, m in zip(params, masks))


def quiet_logger():
    return configure(None, [""])


def read_csv_columns(path):
    import csv

    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return rows


def layerwise_sparsity_with_floor(kernel_shapes, sparsity) -> float:
    """The sparsity layerwise pruning reaches: round(s n) per kernel, but each output unit of each
    stacked member (a leading axis on odd-rank kernels, SBX's twin critics) keeps one weight."""
    pruned = total = 0
    for shape in kernel_shapes:
        size = int(np.prod(shape))
        members = shape[0] if len(shape) % 2 == 1 else 1
        pruned += min(int(np.round(np.float32(sparsity) * size)), size - members * shape[-1])
        total += size
    return pruned / total


def registry_classes(family: str, parents: tuple[str, ...]) -> list:
    """The classes of ``sbx_eaudeqn.registry`` of one method family (``"eaude"`` or ``"polyprune"``) over the
    given SBX parents, online only: test lists follow the registry, so a new row is tested too."""
    from sbx_eaudeqn.registry import ALGORITHMS

    return [row.cls() for row in ALGORITHMS if row.family == family and row.parent in parents and row.online]
