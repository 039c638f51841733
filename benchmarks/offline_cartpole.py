"""Offline CartPole-v1: EauDeCQL vs dense CQL vs PolyPruneCQL from a dataset collected by SBX DQN.

The dataset is the replay of an SBX DQN agent trained with RL Zoo's CartPole hyperparameters for 50k
steps (``sbx_eaudeqn.collect``); it is collected once, into ``--out``, before the first run that reads
it. Each run performs 20k gradient steps on it through ``benchmarks/runner.py``, never stepping the
environment (one JSON per run, resumable from its checkpoint), evaluated greedily over 10 episodes
every 2k gradient steps. Dense CQL is PolyPruneCQL with ``final_sparsity=0``. The report gives the
runner's IQM table and, per setting, the mean ± std over seeds and each seed's final return and
sparsity. The ``copy_choices`` stage runs EauDeCQL with the paper's choices for a pruned copy and with
the actor-critic family's (issue 26) beside dense CQL. The ``quick`` stage (a 500-transition dataset,
200 gradient steps, one seed) checks the pipeline.

    python -m benchmarks.offline_cartpole --jobs 2
    python -m benchmarks.offline_cartpole --stages quick --out /tmp/offline_cartpole   # a minute
"""

from __future__ import annotations

import dataclasses
import pathlib
import sys

# Run as a file (python benchmarks/<name>.py), Python puts benchmarks/ first on sys.path: put the
# repository root there instead, as python -m does, so that no module here hides an installed package
# and the imports below are this checkout's.
if not __package__:
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from benchmarks.runner import (  # noqa: E402
    DQN_BEFORE_ISSUE_26, INHERIT_JUDGED, PAPER_COPY, RunSpec, quick_check, results_table, seed_table, stage_study_main,
)

SEEDS = (0, 1, 2)
COMMON = dict(net_arch=(256, 256), learning_rate=1e-3, batch_size=64, target_update_interval=100, cql_alpha=1.0)
ALGOS = {  # group suffix -> (algorithm, its settings)
    "cql": ("polyprunecql", dict(final_sparsity=0.0)),
    "eaudecql": ("eaudecql", dict(population_size=5, **DQN_BEFORE_ISSUE_26)),  # as when the JSON files here were made
    "polyprunecql": ("polyprunecql", dict(final_sparsity=0.95)),
}


def dataset_name(steps: int) -> str:
    """The dataset file (in ``--out``) of a DQN agent trained ``steps`` env steps, all of them kept."""
    return f"dataset_dqn{steps}.pkl"


def specs(gradient_steps: int, dataset_steps: int, seeds=SEEDS, algos=ALGOS) -> list[RunSpec]:
    """Each of ``algos`` on the dataset of ``dataset_steps`` transitions, seed by seed. The ``dataset``
    override names the file; :func:`prepare` makes it in ``--out`` and gives the runs its path."""
    label = f"CartPole-v1_D{dataset_steps}_G{gradient_steps}"
    return [RunSpec(f"{label}_{name}", algo, "CartPole-v1", seed, gradient_steps,
                    tuple(sorted({**COMMON, **extra, "dataset": dataset_name(dataset_steps)}.items())))
            for seed in seeds for name, (algo, extra) in algos.items()]


# EauDeCQL with the paper's choices for a pruned copy (a fresh optimizer state, judged on the whole period)
# and with the actor-critic family's (its parent's Adam moments, judged on the second half): issue 26.
COPY_CHOICES = {
    "cql": ALGOS["cql"],
    "eaudecql_reset_whole": ("eaudecql", dict(population_size=5, **PAPER_COPY)),
    "eaudecql_inherit_judged": ("eaudecql", dict(population_size=5, **INHERIT_JUDGED)),
}

STAGES = {"cartpole": specs(20_000, 50_000), "copy_choices": specs(20_000, 50_000, algos=COPY_CHOICES),
          "quick": quick_check(specs(200, 500, seeds=(0,)))}


def prepare(todo: list[RunSpec], out: pathlib.Path) -> list[RunSpec]:
    """Collect each dataset the runs to make read, once (a file already there is kept), into ``out``;
    return the runs with their ``dataset`` as that file's path."""
    ready = []
    for spec in todo:
        overrides = dict(spec.overrides)
        path = out / overrides["dataset"]
        if not path.is_file():
            from sbx_eaudeqn.collect import collect

            steps = int(path.stem.removeprefix("dataset_dqn"))
            out.mkdir(parents=True, exist_ok=True)
            collect("CartPole-v1", steps, steps, path)
        overrides["dataset"] = str(path)
        ready.append(dataclasses.replace(spec, overrides=tuple(sorted(overrides.items()))))
    return ready


def report(results: list[dict], out: pathlib.Path) -> str:
    return (f"Offline CartPole-v1 from transitions collected by SBX DQN (RL Zoo hyperparameters); "
            f"greedy evaluation over 10 episodes.\n\n{results_table(results)}\n\n{seed_table(results)}")


def main(argv: list[str] | None = None) -> None:
    stage_study_main(argv, __doc__, "benchmarks.offline_cartpole", STAGES, "docs/results/offline_cartpole/runner",
                     report, default_stages=["cartpole"], prepare=prepare)


if __name__ == "__main__":
    main()
