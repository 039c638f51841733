"""Evidence at MuJoCo scale (issue 19): dense SAC, EauDeSAC and PolyPruneSAC with the bundled settings,
and "larger critics end sparser" on Pendulum-v1.

Every run goes through ``benchmarks/runner.py`` (bundled ``hyperparams/eaudesac.yml`` entry, one JSON per
run in ``--out``, resumable from its checkpoint). EauDe runs use the constructor defaults, apart from
what the bundled entry sets, so that they show what a user gets without tuning.

    python -m benchmarks.mujoco_study --stages halfcheetah_dense halfcheetah --jobs 2
    python -m benchmarks.mujoco_study --report-only
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

# Run as a file (python benchmarks/<name>.py), Python puts benchmarks/ first on sys.path: put the
# repository root there instead, as python -m does, so that no module here hides an installed package
# and the imports below are this checkout's.
if not __package__:
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from benchmarks.runner import RunSpec, plot_seeds, results_table, stage_study_main  # noqa: E402

SEEDS = (0, 1, 2)
CHEETAH_BUDGET = 50_000  # the minimum; about 10 min dense, 25 min EauDe K=5 on this CPU


def _runs(env: str, algos: tuple[str, ...], budget: int, seeds=SEEDS, width: int | None = None) -> list[RunSpec]:
    """Seed by seed, so that an interrupted stage already holds whole seeds."""
    overrides = () if width is None else (("net_arch", (width, width)),)
    suffix = "" if width is None else f"_w{width}"
    return [RunSpec(f"{env}_L{budget // 1000}k{suffix}_{algo}", algo, env, seed, budget, overrides)
            for seed in seeds for algo in algos]


def stages() -> dict[str, list[RunSpec]]:
    """The runs, by stage."""
    return {
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


def figure(results: list[dict], out: pathlib.Path) -> None:
    """Per environment: greedy return and leader sparsity against env steps, mean over seeds (thin lines:
    each seed), one colour per method; written as ``<env>.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for env in sorted({r["env"] for r in results}):
        runs = [r for r in results if r["env"] == env]
        fig, (ret_ax, sparsity_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
        for index, group in enumerate(sorted({r["group"] for r in runs})):
            histories = [np.asarray(r["history"]) for r in runs if r["group"] == group]
            colour = f"C{index}"
            plot_seeds(ret_ax, [h[:, [0, 1]] for h in histories], colour, f"{group.split('_')[-1]} ({len(histories)} seeds)")
            plot_seeds(sparsity_ax, [h[:, [0, 2]] for h in histories], colour, None)
        ret_ax.set(xlabel="environment steps", ylabel="greedy return", title=env)
        sparsity_ax.set(xlabel="environment steps", ylabel="critic sparsity (leader)", ylim=(0, 1))
        ret_ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / f"{env.replace('/', '-')}.png", dpi=100)
        plt.close(fig)


def report(results: list[dict], out: pathlib.Path) -> str:
    """The results table, and one figure per environment."""
    figure(results, out)
    return results_table(results)


def main(argv: list[str] | None = None) -> None:
    stage_study_main(argv, __doc__, "benchmarks.mujoco_study", stages(), "docs/results/mujoco", report)


if __name__ == "__main__":
    main()
