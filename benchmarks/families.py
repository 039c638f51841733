"""Return and sparsity of every actor-critic family on Pendulum-v1: dense SBX parent, EauDe, PolyPrune.

One group per algorithm, with the bundled ``hyperparams/*.yml`` settings for Pendulum-v1 (10k steps,
PolyPrune's final sparsity 0.95), 3 seeds, IQM with 95% stratified bootstrap intervals (rliable).
Runs go through ``benchmarks/runner.py``: one JSON per run in ``--out``, resumable, seeds in order so
that an interrupted sweep already holds whole seeds.

    python -m benchmarks.families --jobs 2                 # runs what is missing, then the table
    python -m benchmarks.families --families td3 --report-only
"""

from __future__ import annotations

import argparse
import pathlib
import sys

# Run as a file (python benchmarks/<name>.py), Python puts benchmarks/ first on sys.path: put the
# repository root there instead, as python -m does, so that no module here hides an installed package
# and the imports below are this checkout's.
if not __package__:
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from benchmarks.runner import EXECUTORS, RunSpec, results_table, run_missing  # noqa: E402

FAMILIES = ("td3", "tqc", "crossq", "sac")
BUDGET = 10_000  # half the bundled n_timesteps (20k): 3 seeds x 9 algorithms fit one session on 2 cores
SEEDS = (0, 1, 2)


def specs(families: tuple[str, ...], seeds: tuple[int, ...] = SEEDS, budget: int = BUDGET) -> list[RunSpec]:
    """Dense, EauDe and PolyPrune runs of each family, seed by seed."""
    algos = [algo for family in families for algo in (family, f"eaude{family}", f"polyprune{family}")]
    return [RunSpec(f"Pendulum-v1_L{budget // 1000}k_{algo}", algo, "Pendulum-v1", seed, budget)
            for seed in seeds for algo in algos]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES[:3]), choices=FAMILIES)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--executor", default="process", choices=EXECUTORS)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--out", default="docs/results/families_pendulum")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    results = run_missing([] if args.report_only else specs(tuple(args.families)), out, args.jobs, args.executor)
    if not results:
        raise SystemExit(f"no finished runs in {out}")
    text = results_table(results)
    command = f"python -m benchmarks.families --families {' '.join(args.families)}"
    (out / "table.md").write_text(f"Command: {command}\n\n{text}\n")
    print(text)


if __name__ == "__main__":
    main()
