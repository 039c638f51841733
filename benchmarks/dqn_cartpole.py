"""EauDeDQN vs SBX DQN vs PolyPruneDQN on CartPole-v1 with RL Zoo's DQN hyperparameters.

RL Zoo's CartPole entry (target period 10 included) replaces the bundled one; EauDe keeps K=5 and
PolyPrune prunes to 0.95. Each run trains 50k steps through ``benchmarks/runner.py`` (one JSON per run
in ``--out``, resumable from its checkpoint), evaluated greedily over 10 episodes every 5k steps. The
report gives the runner's IQM table and, per setting, the mean ± std over seeds and each seed's final
return and sparsity. The ``quick`` stage (512 steps, one seed) checks the pipeline.

    python -m benchmarks.dqn_cartpole --jobs 2
    python -m benchmarks.dqn_cartpole --stages quick --out /tmp/dqn_cartpole   # a minute
"""

from __future__ import annotations

import pathlib
import sys

# Run as a file (python benchmarks/<name>.py), Python puts benchmarks/ first on sys.path: put the
# repository root there instead, as python -m does, so that no module here hides an installed package
# and the imports below are this checkout's.
if not __package__:
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from benchmarks.runner import (  # noqa: E402
    DQN_BEFORE_ISSUE_26, RunSpec, quick_check, results_table, seed_table, stage_study_main,
)

SEEDS = (0, 1, 2)
# RL Zoo 3 (2.9.2) hyperparams/dqn.yml, CartPole-v1.
ZOO_CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, net_arch=(256, 256),
)
# EauDeDQN with its choices when docs/results/dqn_cartpole/ was made (before issue 26).
ALGOS = {"dqn": {}, "eaudedqn": dict(population_size=5, **DQN_BEFORE_ISSUE_26),
         "polyprunedqn": dict(final_sparsity=0.95)}


def specs(budget: int, seeds=SEEDS) -> list[RunSpec]:
    """Each algorithm with RL Zoo's settings, seed by seed; the group is ``CartPole-v1_L<budget>_zoo_<algo>``."""
    return [RunSpec(f"CartPole-v1_L{budget}_zoo_{algo}", algo, "CartPole-v1", seed, budget,
                    tuple(sorted({**ZOO_CARTPOLE, **extra}.items())))
            for seed in seeds for algo, extra in ALGOS.items()]


STAGES = {"cartpole": specs(50_000), "quick": quick_check(specs(512, seeds=(0,)))}  # 2 x train_freq: no step past the budget


def report(results: list[dict], out: pathlib.Path) -> str:
    return (f"CartPole-v1, RL Zoo DQN hyperparameters, greedy evaluation over 10 episodes.\n\n"
            f"{results_table(results)}\n\n{seed_table(results)}")


def main(argv: list[str] | None = None) -> None:
    stage_study_main(argv, __doc__, "benchmarks.dqn_cartpole", STAGES, "docs/results/dqn_cartpole/runner", report,
                     default_stages=["cartpole"])


if __name__ == "__main__":
    main()
