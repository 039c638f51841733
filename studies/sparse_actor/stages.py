"""What pruning the SAC actor costs in return: EauDeSAC with a dense actor vs actor sparsity 0.8 and 0.9.

EauDeSAC (the bundled entry, K=5) prunes the critic; ``actor_final_sparsity`` adds a polynomial schedule
on the actor (from 20% to 80% of training). 10k steps on Pendulum-v1 and on HalfCheetah-v5 (one stage
each), with ``learning_starts=1000`` and ``selection_period=500``, 3 seeds, through
``benchmarks/runner.py`` (one JSON per run in this folder, resumable from its checkpoint), evaluated
greedily over 10 episodes every 1k steps. The report gives the runner's IQM table (its sparsity is the
critic's) and, per setting, the mean ± std over seeds and each seed's final return, actor sparsity and
critic sparsity. The ``quick`` stage (Pendulum-v1, 300 steps, actor sparsity 0 and 0.9, a selection every 25, one
seed) checks the pipeline.

    python -m benchmarks.runner studies/sparse_actor --jobs 2
    python -m benchmarks.runner studies/sparse_actor --stages pendulum --jobs 2
    python -m benchmarks.runner studies/sparse_actor --stages quick --out /tmp/sparse_actor   # a minute

The runs in ``Pendulum-v1/`` and ``HalfCheetah-v5/`` were made by an earlier script, before this runner
(see the README).
"""

from __future__ import annotations

import pathlib

from benchmarks.report import results_table, seed_table
from benchmarks.runner import RunSpec, quick_check

SEEDS = (0, 1, 2)
ACTOR_SPARSITY = {"actor0": None, "actor0.8": 0.8, "actor0.9": 0.9}  # group suffix -> actor_final_sparsity
SETTINGS = {  # on top of the bundled entry (Pendulum-v1's learning rate is 1e-3 there too)
    "Pendulum-v1": dict(learning_rate=1e-3, learning_starts=1000, selection_period=500),
    "HalfCheetah-v5": dict(learning_starts=1000, selection_period=500),
}


def specs(env: str, budget: int, seeds=SEEDS, **settings) -> list[RunSpec]:
    """EauDeSAC at each actor sparsity, seed by seed, with ``SETTINGS[env]`` updated by ``settings``;
    the group is ``<env>_L<budget>_<actor>``."""
    return [RunSpec(f"{env}_L{budget}_{name}", "eaudesac", env, seed, budget,
                    tuple(sorted({**SETTINGS[env], **settings, "actor_final_sparsity": sparsity}.items())))
            for seed in seeds for name, sparsity in ACTOR_SPARSITY.items()]


STAGES = {"pendulum": specs("Pendulum-v1", 10_000), "halfcheetah": specs("HalfCheetah-v5", 10_000),
          "quick": quick_check([spec for spec in specs("Pendulum-v1", 300, seeds=(0,), selection_period=25)
                                if not spec.group.endswith("actor0.8")])}  # the actor is pruned at selections
DEFAULT_STAGES = ("pendulum", "halfcheetah")  # quick checks the pipeline, into another folder (--out)


def report(results: list[dict], out: pathlib.Path) -> str:
    return (f"EauDeSAC (K=5), greedy evaluation over 10 episodes; the IQM table's sparsity is the critic's "
            f"(the leader's).\n\n{results_table(results)}\n\n"
            f"{seed_table(results, {'actor_sparsity': 'actor sparsity', 'sparsity': 'critic sparsity'})}")
