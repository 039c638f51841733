"""Reduced-scale replication of the paper: {dense, PolyPrune, EauDe} x {small, medium network} x seeds.

DQN on CartPole-v1 and Acrobot-v1, SAC on Pendulum-v1 and HalfCheetah-v5, with short budgets. Settings
are the bundled entries (RL Zoo's for the dense parents), read by ``benchmarks/runner.py``; this study
only sets the network size, the budget, beta and, for SAC, a selection (or pruning) period of budget / 40
so that short runs still hold 40 selections. Each run is one JSON file (resumable), evaluated greedily
every ``budget / 10`` steps. The report gives the IQM of the final return with a 95% bootstrap interval
(rliable), the final sparsity, and three figures (return and sparsity against environment steps, final
sparsity per environment and network size).

Stages: one per environment (5 seeds; HalfCheetah-v5 3), at the budgets the committed runs used;
``beta``, EauDe at beta 1, 2 and 3 with its dense and PolyPrune twins on CartPole-v1 (3 seeds), whose
results live in ``beta/``; ``quick``, one short seed on CartPole-v1's small network, to check the pipeline.

    python -m benchmarks.runner studies/replicate --jobs 2                                   # hours on 2 cores
    python -m benchmarks.runner studies/replicate --stages cartpole pendulum --seeds 0 1 2
    python -m benchmarks.runner studies/replicate --stages beta --out studies/replicate/beta --jobs 2
    python -m benchmarks.runner studies/replicate --stages quick --out /tmp/replicate        # a minute

The runs committed here and in ``beta/`` predate the shared runner: they used the same DQN settings,
Pendulum with ``learning_starts=1000``, and 5 evaluation episodes instead of 10.
"""

from __future__ import annotations

import dataclasses
import pathlib

from benchmarks.report import iqm, iqm_with_ci
from benchmarks.runner import RunSpec, quick_check

DQN_ENVS = ("CartPole-v1", "Acrobot-v1")
NET_ARCH = {"dqn": {"small": (64,), "medium": (256,)}, "sac": {"small": (64, 64), "medium": (256, 256)}}
METHODS = ("dense", "polyprune", "eaude")
# Longest first, so that parallel workers finish together: rough cost of a step per family and method.
COST = {"dqn": 1.0, "sac": 5.0, "dense": 1.0, "polyprune": 1.2, "eaude": 3.0, "small": 1, "medium": 2}


def run_spec(env_id: str, size: str, method: str, seed: int, budget: int, sparsity_scale: float) -> RunSpec:
    """One replication run; its group is ``<env>_<size>_<method>[_beta<b>]`` (the table's row)."""
    family = "dqn" if env_id in DQN_ENVS else "sac"
    algo = family if method == "dense" else f"{method}{family}"
    overrides = {"net_arch": NET_ARCH[family][size]}
    if family == "sac" and method != "dense":
        overrides["selection_period" if method == "eaude" else "prune_period"] = max(budget // 40, 10)
    if method == "eaude":
        overrides["sparsity_scale"] = sparsity_scale
    group = f"{env_id}_{size}_{method}" + ("" if sparsity_scale == 1.0 else f"_beta{sparsity_scale:g}")
    return RunSpec(group, algo, env_id, seed, budget, tuple(sorted(overrides.items())))


def _grid(env_id: str, budget: int, seeds, sizes=("small", "medium"), sparsity_scales=(1.0,)) -> list[RunSpec]:
    """Every method at each network size (EauDe at each beta), seed by seed."""
    return [run_spec(env_id, size, method, seed, budget, scale) for seed in seeds for size in sizes
            for method in METHODS for scale in (sparsity_scales if method == "eaude" else (1.0,))]


STAGES = {
    "cartpole": _grid("CartPole-v1", 50_000, range(5)),
    "acrobot": _grid("Acrobot-v1", 50_000, range(5)),
    "pendulum": _grid("Pendulum-v1", 10_000, range(5)),
    "halfcheetah": _grid("HalfCheetah-v5", 15_000, range(3)),
    "beta": _grid("CartPole-v1", 50_000, range(3), sparsity_scales=(1.0, 2.0, 3.0)),  # into beta/ (--out)
    # Its own groups (suffix _quick), so that a check of the pipeline never stands for a run of the study.
    "quick": quick_check([dataclasses.replace(spec, group=f"{spec.group}_quick")
                          for spec in _grid("CartPole-v1", 1500, (0,), sizes=("small",))]),
}
DEFAULT_STAGES = ("cartpole", "acrobot", "pendulum", "halfcheetah")


def prepare(todo: list[RunSpec], out: pathlib.Path) -> list[RunSpec]:
    """The runs to make, longest first, so that parallel workers finish together."""
    return sorted(todo, key=_expected_cost, reverse=True)


def _expected_cost(spec: RunSpec) -> float:
    env, size, method = spec.group.split("_")[:3]
    return spec.budget * COST["dqn" if env in DQN_ENVS else "sac"] * COST[method] * COST[size]


def _row(result: dict) -> tuple[tuple, float]:
    """(env, size, method, beta) and the final return of a result (also from the older result files)."""
    group = result.get("group", result.get("algo"))
    env, size, method = group.split("_")[:3]
    beta = float(group.split("_beta")[1]) if "_beta" in group else 1.0
    return (env, size, method, beta), result.get("final_return", result.get("mean_return"))


def report(results: list[dict], out: pathlib.Path) -> str:
    """Markdown table (IQM of final return with 95% CI, final sparsity) and the three figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[tuple, list[dict]] = {}
    for result in results:
        key, final_return = _row(result)
        groups.setdefault(key, []).append(dict(result, final_return=final_return))
    lines = ["| env | network | method | seeds | IQM final return [95% CI] | final sparsity (IQM) |", "|---|---|---|---|---|---|"]
    for (env, size, method, scale), runs in sorted(groups.items()):
        point, low, high = iqm_with_ci([r["final_return"] for r in runs])
        label = method if method != "eaude" or scale == 1.0 else f"eaude (beta={scale:g})"
        lines.append(f"| {env} | {size} | {label} | {len(runs)} | {point:.1f} [{low:.1f}, {high:.1f}] "
                     f"| {iqm([r['sparsity'] for r in runs]):.3f} |")
    machines: dict[str, int] = {}
    for result in results:
        machine = result.get("machine", "the project's 2-core machine (untagged, before machine tags)")
        machines[machine] = machines.get(machine, 0) + 1
    lines.append("\nRuns per machine: " + "; ".join(f"{count} on {machine}" for machine, count in sorted(machines.items())))
    envs = sorted({key[0] for key in groups})
    for column, name, ylabel in ((1, "returns.png", "IQM of greedy return"), (2, "sparsity.png", "sparsity (IQM)")):
        figure, axes = plt.subplots(1, len(envs), figsize=(4.5 * len(envs), 3.8), squeeze=False)
        for axis, env in zip(axes[0], envs):
            for (group_env, size, method, scale), runs in sorted(groups.items()):
                if group_env != env or (column == 2 and method == "dense"):
                    continue
                steps = [point[0] for point in runs[0]["history"]]
                curve = [iqm([r["history"][i][column] for r in runs]) for i in range(len(steps))]
                style = "--" if size == "small" else "-"
                axis.plot(steps, curve, style, label=f"{method} {size}" + ("" if scale == 1.0 else f" b={scale:g}"))
            axis.set_title(env)
            axis.set_xlabel("environment steps")
            axis.set_ylabel(ylabel)
            axis.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(out / name, dpi=100)
        plt.close(figure)
    figure, axis = plt.subplots(figsize=(6, 3.8))
    labels, values = [], []
    for (env, size, method, scale), runs in sorted(groups.items()):
        if method == "eaude" and scale == 1.0:
            labels.append(f"{env}\n{size}")
            values.append(iqm([r["sparsity"] for r in runs]))
    axis.bar(range(len(values)), values, color="tab:blue")
    axis.set_xticks(range(len(values)), labels, fontsize=7)
    axis.set_ylabel("final sparsity discovered by EauDe (IQM)")
    figure.tight_layout()
    figure.savefig(out / "final_sparsity.png", dpi=100)
    plt.close(figure)
    return "\n".join(lines)
