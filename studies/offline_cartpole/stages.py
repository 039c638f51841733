"""Offline CartPole-v1: EauDeCQL vs dense CQL vs PolyPruneCQL from a dataset collected by SBX DQN.

The dataset is the replay of an SBX DQN agent trained with RL Zoo's CartPole hyperparameters for 50k
steps (``sbx_eaudeqn.cli.collect``); it is collected once, into the results folder (``--out``), before
the first run that reads it. Each run performs 20k gradient steps on it through ``benchmarks/runner.py``,
never stepping the environment (one JSON per run in this folder, resumable from its checkpoint),
evaluated greedily over 10 episodes every 2k gradient steps. Dense CQL is PolyPruneCQL with ``final_sparsity=0``. The report gives the
runner's IQM table and, per setting, the mean ± std over seeds and each seed's final return and
sparsity. The ``copy_choices`` stage runs EauDeCQL with the paper's choices for a pruned copy and with
the actor-critic family's beside dense CQL. The ``quick`` stage (a 500-transition dataset,
200 gradient steps, one seed) checks the pipeline.

    python -m benchmarks.runner studies/offline_cartpole --jobs 2
    python -m benchmarks.runner studies/offline_cartpole --stages copy_choices --jobs 2
    python -m benchmarks.runner studies/offline_cartpole --stages quick --out /tmp/offline_cartpole   # a minute

The runs in ``before_runner/`` were made by an earlier script, before this runner (see the README).
"""

from __future__ import annotations

import dataclasses
import pathlib

from benchmarks.report import results_table, seed_table
from benchmarks.runner import INHERIT_JUDGED, PAPER_COPY, RunSpec, quick_check

SEEDS = (0, 1, 2)
# EauDeCQL as it was when the runs in before_runner/ were made, pinned so that the ``cartpole`` stage measures
# the same method after the defaults changed: the paper's pruned copy (a fresh optimizer state, judged on
# the whole period) and a selection at every target update.
EAUDECQL_AS_MEASURED = dict(PAPER_COPY, target_updates_per_selection=1)
COMMON = dict(net_arch=(256, 256), learning_rate=1e-3, batch_size=64, target_update_interval=100, cql_alpha=1.0)
ALGOS = {  # group suffix -> (algorithm, its settings)
    "cql": ("polyprunecql", dict(final_sparsity=0.0)),
    "eaudecql": ("eaudecql", dict(population_size=5, **EAUDECQL_AS_MEASURED)),
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
# and with the actor-critic family's (its parent's Adam moments, judged on the second half).
COPY_CHOICES = {
    "cql": ALGOS["cql"],
    "eaudecql_reset_whole": ("eaudecql", dict(population_size=5, **PAPER_COPY)),
    "eaudecql_inherit_judged": ("eaudecql", dict(population_size=5, **INHERIT_JUDGED)),
}

STAGES = {"cartpole": specs(20_000, 50_000), "copy_choices": specs(20_000, 50_000, algos=COPY_CHOICES),
          "quick": quick_check(specs(200, 500, seeds=(0,)))}
DEFAULT_STAGES = ("cartpole",)  # copy_choices when asked; quick checks the pipeline, into another folder (--out)


def prepare(todo: list[RunSpec], out: pathlib.Path) -> list[RunSpec]:
    """Collect each dataset the runs to make read, once (a file already there is kept), into ``out``;
    return the runs with their ``dataset`` as that file's path."""
    ready = []
    for spec in todo:
        overrides = dict(spec.overrides)
        path = out / overrides["dataset"]
        if not path.is_file():
            from sbx_eaudeqn.cli.collect import collect

            steps = int(path.stem.removeprefix("dataset_dqn"))
            out.mkdir(parents=True, exist_ok=True)
            collect("CartPole-v1", steps, steps, path)
        overrides["dataset"] = str(path)
        ready.append(dataclasses.replace(spec, overrides=tuple(sorted(overrides.items()))))
    return ready


def report(results: list[dict], out: pathlib.Path) -> str:
    return (f"Offline CartPole-v1 from transitions collected by SBX DQN (RL Zoo hyperparameters); "
            f"greedy evaluation over 10 episodes.\n\n{results_table(results)}\n\n{seed_table(results)}")
