"""Evidence at MuJoCo scale (issue 19): dense SAC, EauDeSAC and PolyPruneSAC with the bundled settings,
and "larger critics end sparser" on Pendulum-v1.

Every run goes through ``benchmarks/runner.py`` (bundled ``hyperparams/eaudesac.yml`` entry, one JSON per
run in this folder, resumable from its checkpoint). EauDe runs use the constructor defaults, apart from
what the bundled entry sets, so that they show what a user gets without tuning.

    python -m benchmarks.runner studies/mujoco --stages halfcheetah_dense halfcheetah --jobs 2
    python -m benchmarks.runner studies/mujoco --report-only
"""

from __future__ import annotations

import pathlib

from benchmarks.report import results_table, return_and_sparsity_figures
from benchmarks.runner import RunSpec

SEEDS = (0, 1, 2)
CHEETAH_BUDGET = 50_000  # the minimum; about 10 min dense, 25 min EauDe K=5 on this CPU


def _runs(env: str, algos: tuple[str, ...], budget: int, seeds=SEEDS, width: int | None = None) -> list[RunSpec]:
    """Seed by seed, so that an interrupted stage already holds whole seeds."""
    overrides = () if width is None else (("net_arch", (width, width)),)
    suffix = "" if width is None else f"_w{width}"
    return [RunSpec(f"{env}_L{budget // 1000}k{suffix}_{algo}", algo, env, seed, budget, overrides)
            for seed in seeds for algo in algos]


STAGES = {
    "halfcheetah_dense": _runs("HalfCheetah-v5", ("sac",), CHEETAH_BUDGET),
    "halfcheetah": (_runs("HalfCheetah-v5", ("eaudesac",), CHEETAH_BUDGET)
                    + _runs("HalfCheetah-v5", ("polyprunesac",), CHEETAH_BUDGET)),
    "halfcheetah_polyprune": _runs("HalfCheetah-v5", ("polyprunesac",), CHEETAH_BUDGET),
    "walker": _runs("Walker2d-v5", ("sac", "eaudesac", "polyprunesac"), CHEETAH_BUDGET, seeds=(0,)),
    "pendulum_widths": [spec for width in (64, 256, 512)
                        for spec in _runs("Pendulum-v1", ("eaudesac",), 20_000, width=width)],
    "pendulum_widths_seed0": [spec for width in (64, 512)
                              for spec in _runs("Pendulum-v1", ("eaudesac",), 20_000, seeds=(0,), width=width)],
}


def report(results: list[dict], out: pathlib.Path) -> str:
    """The results table, and one figure per environment."""
    return_and_sparsity_figures(results, out)
    return results_table(results)
