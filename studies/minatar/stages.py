"""The paper's convolutional claims at CPU scale (issue 20): dense DQN, EauDeDQN and PolyPruneDQN (0.95)
on MinAtar, with three head sizes in the paper's ratio (medium / 16, medium, 4 x medium: 8, 128, 512).

The claims (paper, Atari, Nature CNN with heads 32 / 512 / 2048):
1. EauDeDQN keeps dense-level returns at every head size;
2. larger heads end sparser;
3. PolyPrune at 0.95 fails the small head.

Every run goes through ``benchmarks/runner.py`` with the bundled ``MinAtar/...`` entry of
``hyperparams/eaudedqn.yml`` (``polyprunedqn.yml`` for PolyPrune; dense DQN reads the EauDe entry), only
the head changed. One JSON per run in this folder; runs go seed by seed, so an interrupted study holds whole
seeds, and a later call (another session, another machine) runs only what is missing.

    python -m benchmarks.runner studies/minatar --jobs 2          # the whole grid, about 12 min a run on 2 cores
    python -m benchmarks.runner studies/minatar --report-only     # table.md, and the figure of each game
"""

from __future__ import annotations

import functools
import pathlib

import numpy as np

from benchmarks.report import iqm_with_ci, plot_seeds
from benchmarks.runner import PAPER_COPY, RunSpec

GAMES = ("MinAtar/Breakout-v1", "MinAtar/SpaceInvaders-v1")
HEADS = (8, 128, 512)  # the paper's small / medium / large ratio over MinAtar's 128
ALGOS = ("dqn", "eaudedqn", "polyprunedqn")
SEEDS = (0, 1, 2)
BUDGET = 500_000  # the minimum
# A run's return: the mean greedy return of its last evaluations (400k, 450k and 500k steps), since one
# evaluation of 10 episodes swings by a factor of 2 on these games.
LATE_EVALUATIONS = 3


def group_name(env: str, head: int, algo: str) -> str:
    return f"{env.split('/')[1].split('-')[0]}_L{BUDGET // 1000}k_h{head}_{algo}"


def heads_runs(seeds=SEEDS) -> list[RunSpec]:
    """Seed by seed, then game, head and algorithm."""
    paper_copy = tuple(PAPER_COPY.items())  # what the bundled entry held when these ran
    return [RunSpec(group_name(env, head, algo), algo, env, seed, BUDGET,
                    (("net_arch", (head,)),) + (paper_copy if algo == "eaudedqn" else ()))
            for seed in seeds for env in GAMES for head in HEADS for algo in ALGOS]


def defaults_runs(seeds=SEEDS) -> list[RunSpec]:
    """EauDeDQN at today's defaults (the bundled entry as it is), MinAtar's own 128-unit head."""
    return [RunSpec(group_name(env, 128, "eaudedqn") + "_defaults", "eaudedqn", env, seed, BUDGET,
                    (("net_arch", (128,)),)) for seed in seeds for env in GAMES]


STAGES = {"heads": heads_runs(), "heads_seed0": heads_runs(seeds=(0,)), "defaults": defaults_runs()}


def sparsity_curve(result: dict) -> np.ndarray:
    """(env steps, leader sparsity): at every selection for EauDe, at every evaluation otherwise."""
    trace = result.get("selection_trace")
    if trace:
        return np.asarray([[row[0], row[3]] for row in trace], dtype=float)
    return np.asarray(result["history"], dtype=float)[:, [0, 2]]


def late_return(result: dict) -> float:
    """The mean greedy return of the run's last ``LATE_EVALUATIONS`` evaluations."""
    return float(np.mean([row[1] for row in result["history"][-LATE_EVALUATIONS:]]))


def normalised_returns(results: list[dict]) -> dict[str, list[float]]:
    """Per group: each run's late return divided by the mean late return of dense DQN on the same game
    and head (a game-level score, as the paper normalises returns by the dense baseline's)."""
    dense: dict[tuple[str, int], list[float]] = {}
    for r in results:
        if r["algo"] == "dqn":
            dense.setdefault((r["env"], _head(r)), []).append(late_return(r))
    scores: dict[str, list[float]] = {}
    for r in results:
        reference = dense.get((r["env"], _head(r)))
        if reference and abs(np.mean(reference)) > 1e-8:
            scores.setdefault(r["group"], []).append(late_return(r) / float(np.mean(reference)))
    return scores


def _head(result: dict) -> int:
    return int(result["overrides"]["net_arch"][0])


def table(results: list[dict]) -> str:
    """One row per game, head and method: runs, IQM return, IQM return / dense, IQM sparsity (95% CIs)."""
    scores = normalised_returns(results)
    lines = [f"Budget: {BUDGET:,} env steps per run (one gradient step every 4). IQM over seeds, 95% "
             f"stratified bootstrap CI (rliable). Return: mean greedy return (10 episodes each) of the last "
             f"{LATE_EVALUATIONS} evaluations; normalised: divided by dense DQN's mean on the same game and "
             "head. Sparsity: at the end of training.", "",
             "| game | head | method | runs | IQM return [95% CI] | IQM return / dense [95% CI] | IQM sparsity [95% CI] |",
             "|---|---|---|---|---|---|---|"]
    # One row per group: the heads study's runs (the paper's pruned copy) and the defaults stage apart.
    groups = sorted({(r["env"], _head(r), r["algo"], r["group"]) for r in results},
                    key=lambda g: (g[0], g[1], ALGOS.index(g[2]), g[3]))
    for env, head, algo, group in groups:
        runs = [r for r in results if r["group"] == group]
        method = algo + (" (today's defaults)" if group.endswith("_defaults") else "")
        lines.append(f"| {env.split('/')[1]} | {head} | {method} | {len(runs)} | {_iqm_cell([late_return(r) for r in runs], 1)} "
                     f"| {_iqm_cell(scores.get(group, []), 2)} | {_iqm_cell([r['sparsity'] for r in runs], 3)} |")
    return "\n".join(lines)


def _iqm_cell(values: list[float], digits: int, with_count: bool = False) -> str:
    """``IQM [low, high]`` of ``values`` (and the run count, if asked), or ``n/a`` when there are none."""
    if not values:
        return "n/a"
    centre, low, high = iqm_with_ci(values)
    return f"{centre:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]" + (f" ({len(values)})" if with_count else "")


def claims_table(results: list[dict]) -> str:
    """The three claims side by side, one row per game and head: EauDe's return / dense and discovered
    sparsity, and PolyPrune's return / dense (IQM [95% CI], runs in brackets)."""
    scores = normalised_returns(results)
    cell = functools.partial(_iqm_cell, with_count=True)
    lines = ["| game | head | EauDeDQN return / dense | EauDeDQN sparsity | PolyPrune (0.95) return / dense |",
             "|---|---|---|---|---|"]
    for env in sorted({r["env"] for r in results}):
        for head in HEADS:
            eaude = group_name(env, head, "eaudedqn")
            sparsities = [r["sparsity"] for r in results if r["group"] == eaude]
            lines.append(f"| {env.split('/')[1]} | {head} | {cell(scores.get(eaude, []), 2)} | {cell(sparsities, 3)} "
                         f"| {cell(scores.get(group_name(env, head, 'polyprunedqn'), []), 2)} |")
    return "\n".join(lines)


def sparsity_at(result: dict, step: float) -> float:
    """The leader's sparsity at the last selection (or evaluation) at or before ``step`` env steps."""
    curve = sparsity_curve(result)
    before = curve[curve[:, 0] <= step]
    return float(before[-1, 1]) if len(before) else 0.0


def schedule_table(results: list[dict]) -> str:
    """EauDeDQN's sparsity schedule in numbers, one row per game and head (means over seeds): the
    sparsity at the end of each quarter of the budget, and the share of selections a freshly pruned copy
    won (all selections, last quarter). Eq. 3's jumps grow as t nears L, so a schedule keeps rising
    until its copies stop winning; a high last-quarter share means no level has been reached yet."""
    lines = ["| game | head | runs | sparsity at 1/4, 1/2, 3/4, 1 of the budget | copies' win share | in the last quarter |",
             "|---|---|---|---|---|---|"]
    for env in sorted({r["env"] for r in results}):
        for head in HEADS:
            runs = [r for r in results if r["group"] == group_name(env, head, "eaudedqn")]
            if not runs:
                continue
            quarters = [np.mean([sparsity_at(r, BUDGET * q / 4) for r in runs]) for q in (1, 2, 3, 4)]
            win_share = np.mean([r["explored_win_share"] for r in runs])
            late_share = np.mean([r["explored_win_share_last_quarter"] for r in runs])
            lines.append(f"| {env.split('/')[1]} | {head} | {len(runs)} | {', '.join(f'{q:.2f}' for q in quarters)} "
                         f"| {win_share:.0%} | {late_share:.0%} |")
    return "\n".join(lines)


def figure(results: list[dict], out: pathlib.Path) -> None:
    """The paper's layout, one figure per game: one column per head size, greedy return (top) and
    sparsity (bottom) against env steps; thin lines each seed, thick lines the mean over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for env in sorted({r["env"] for r in results}):
        fig, axes = plt.subplots(2, len(HEADS), figsize=(4 * len(HEADS), 6), sharex=True, squeeze=False)
        for column, head in enumerate(HEADS):
            for index, algo in enumerate(ALGOS):
                runs = [r for r in results if r["group"] == group_name(env, head, algo)]  # the heads study's
                if not runs:
                    continue
                colour = f"C{index}"
                returns = [np.asarray(r["history"], dtype=float)[:, :2] for r in runs]
                plot_seeds(axes[0, column], returns, colour, f"{algo} ({len(runs)} seeds)")
                plot_seeds(axes[1, column], [sparsity_curve(r) for r in runs], colour, None)
            axes[0, column].set(title=f"{env.split('/')[1]}, head {head}", ylabel="greedy return")
            axes[1, column].set(xlabel="environment steps", ylabel="sparsity", ylim=(0, 1))
            if axes[0, column].lines:
                axes[0, column].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / f"{env.replace('/', '-')}.png", dpi=100)
        plt.close(fig)


def report(results: list[dict], out: pathlib.Path) -> str:
    figure(results, out)
    return (f"{table(results)}\n\n## The claims side by side\n\n{claims_table(results)}\n\n"
            f"## EauDeDQN's sparsity schedule\n\n{schedule_table(results)}")
