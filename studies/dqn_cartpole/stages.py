"""EauDeDQN vs SBX DQN vs PolyPruneDQN on CartPole-v1 with RL Zoo's DQN hyperparameters.

RL Zoo's CartPole entry (target period 10 included) replaces the bundled one; EauDe keeps K=5 and
PolyPrune prunes to 0.95. Each run trains 50k steps through ``benchmarks/runner.py`` (one JSON per run
in this folder, resumable from its checkpoint), evaluated greedily over 10 episodes every 5k steps. The
report gives the runner's IQM table and, per setting, the mean ± std over seeds and each seed's final
return and sparsity. The ``quick`` stage (512 steps, one seed) checks the pipeline.

    python -m benchmarks.runner studies/dqn_cartpole --jobs 2
    python -m benchmarks.runner studies/dqn_cartpole --stages quick --out /tmp/dqn_cartpole   # a minute

The runs in ``before_runner/`` were made by an earlier script, before this runner (see the README).
"""

from __future__ import annotations

import pathlib

from benchmarks.report import results_table, seed_table
from benchmarks.runner import PAPER_COPY, RunSpec, quick_check

SEEDS = (0, 1, 2)
# RL Zoo 3 (2.9.2) hyperparams/dqn.yml, CartPole-v1.
ZOO_CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, net_arch=(256, 256),
)
# EauDeDQN as it was when the runs in before_runner/ were made, pinned so that this grid measures the same
# method after the defaults changed: the paper's pruned copy (a fresh optimizer state, judged on the whole
# period) and a selection at every target update.
EAUDEDQN_AS_MEASURED = dict(PAPER_COPY, target_updates_per_selection=1)
ALGOS = {"dqn": {}, "eaudedqn": dict(population_size=5, **EAUDEDQN_AS_MEASURED),
         "polyprunedqn": dict(final_sparsity=0.95)}


def specs(budget: int, seeds=SEEDS) -> list[RunSpec]:
    """Each algorithm with RL Zoo's settings, seed by seed; the group is ``CartPole-v1_L<budget>_zoo_<algo>``."""
    return [RunSpec(f"CartPole-v1_L{budget}_zoo_{algo}", algo, "CartPole-v1", seed, budget,
                    tuple(sorted({**ZOO_CARTPOLE, **extra}.items())))
            for seed in seeds for algo, extra in ALGOS.items()]


STAGES = {"cartpole": specs(50_000), "quick": quick_check(specs(512, seeds=(0,)))}  # 2 x train_freq: no step past the budget
DEFAULT_STAGES = ("cartpole",)  # quick checks the pipeline, into another folder (--out)


def report(results: list[dict], out: pathlib.Path) -> str:
    return (f"CartPole-v1, RL Zoo DQN hyperparameters, greedy evaluation over 10 episodes.\n\n"
            f"{results_table(results)}\n\n{seed_table(results)}")
