"""Return and sparsity of every actor-critic family on Pendulum-v1: dense SBX parent, EauDe, PolyPrune.

One group per algorithm, with the bundled settings for Pendulum-v1 (10k steps, PolyPrune's final
sparsity 0.95), 3 seeds, IQM with 95% stratified bootstrap intervals (rliable). One stage per family
(TD3, TQC and CrossQ by default; SAC when asked). Runs go through ``benchmarks/runner.py``: one JSON per
run in this folder, resumable, seeds in order across the stages asked for, so that an interrupted sweep
already holds whole seeds.

    python -m benchmarks.runner studies/families_pendulum --jobs 2      # runs what is missing, then the table
    python -m benchmarks.runner studies/families_pendulum --report-only
"""

from __future__ import annotations

import pathlib

from benchmarks.runner import RunSpec

FAMILIES = ("td3", "tqc", "crossq", "sac")
BUDGET = 10_000  # half the bundled n_timesteps (20k): 3 seeds x 9 algorithms fit one session on 2 cores
SEEDS = (0, 1, 2)


def specs(family: str, seeds: tuple[int, ...] = SEEDS, budget: int = BUDGET) -> list[RunSpec]:
    """Dense, EauDe and PolyPrune runs of one family, seed by seed."""
    algos = (family, f"eaude{family}", f"polyprune{family}")
    return [RunSpec(f"Pendulum-v1_L{budget // 1000}k_{algo}", algo, "Pendulum-v1", seed, budget)
            for seed in seeds for algo in algos]


STAGES = {family: specs(family) for family in FAMILIES}
DEFAULT_STAGES = FAMILIES[:3]


def prepare(todo: list[RunSpec], out: pathlib.Path) -> list[RunSpec]:
    """The runs to make seed by seed (then family by family, as asked): whole seeds finish first."""
    return sorted(todo, key=lambda spec: spec.seed)
