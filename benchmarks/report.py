"""Reporting helpers that the study folders share: IQM statistics, markdown tables, figures.

Every function takes the runner's results (a list of the dicts it writes, one per run) and knows
nothing of a particular study. Statistics use rliable (Agarwal et al. 2021): IQM with stratified
bootstrap confidence intervals.
"""

from __future__ import annotations

import pathlib
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np


def iqm(values: Iterable[float]) -> float:
    """Interquartile mean (rliable's ``aggregate_iqm``: the mean of the middle 50%)."""
    from rliable import metrics

    return float(metrics.aggregate_iqm(np.asarray(list(values), dtype=np.float64)))


def iqm_with_ci(values: Iterable[float], reps: int = 2000) -> tuple[float, float, float]:
    """IQM and its 95% stratified bootstrap interval, with rliable (one task, runs as rows). The bootstrap
    is seeded, so that a report made again from the same runs is the same, digit for digit."""
    from rliable import library as rly
    from rliable import metrics

    values = list(values)
    if len(values) < 2:
        return float(np.mean(values)), float(np.min(values)), float(np.max(values))
    scores = {"runs": np.asarray(values, dtype=np.float64).reshape(-1, 1)}
    with warnings.catch_warnings():  # arch's notice that random_state, which rliable passes on, will change
        warnings.simplefilter("ignore", FutureWarning)
        point, interval = rly.get_interval_estimates(scores, lambda x: np.array([metrics.aggregate_iqm(x)]),
                                                     reps=reps, random_state=np.random.RandomState(0))
    return float(point["runs"][0]), float(interval["runs"][0, 0]), float(interval["runs"][1, 0])


def by_group(results: list[dict]) -> dict[str, list[dict]]:
    """The results of each group (a table's row), in the order given."""
    groups: dict[str, list[dict]] = {}
    for result in results:
        groups.setdefault(result["group"], []).append(result)
    return groups


def results_table(results: list[dict]) -> str:
    """Markdown table, one row per group: IQM final return and sparsity with 95% CIs, and for EauDe
    runs what the selection log says (explored win share, overall and in the last quarter)."""
    groups = by_group(results)
    lines = ["| setting | runs | IQM final return [95% CI] | IQM final sparsity [95% CI] | explored win share "
             "(last quarter) | explored slot share | mean winning jump | selections |",
             "|---|---|---|---|---|---|---|---|"]
    for group, runs in sorted(groups.items()):
        ret = iqm_with_ci([r["final_return"] for r in runs])
        spa = iqm_with_ci([r["sparsity"] for r in runs])
        row = f"| {group} | {len(runs)} | {ret[0]:.1f} [{ret[1]:.1f}, {ret[2]:.1f}] | {spa[0]:.3f} [{spa[1]:.3f}, {spa[2]:.3f}] |"
        if all("selections" in r for r in runs):
            mean = lambda key: float(np.mean([r[key] for r in runs]))  # noqa: E731
            row += (f" {mean('explored_win_share'):.2f} ({mean('explored_win_share_last_quarter'):.2f}) "
                    f"| {mean('explored_slot_share'):.2f} | {mean('mean_winning_jump'):.4f} | {mean('selections'):.0f} |")
        else:
            row += " | | | |"
        lines.append(row)
    return "\n".join(lines)


def seed_table(results: list[dict], sparsities: dict[str, str] | None = None) -> str:
    """Markdown table, one row per group: final return as mean ± std over seeds and seed by seed, each
    sparsity in ``sparsities`` (result key -> column title; default the leader's) as the mean and seed by
    seed, and the seconds per run."""
    sparsities = sparsities or {"sparsity": "sparsity"}
    groups = by_group(sorted(results, key=lambda r: r["seed"]))
    lines = ["| setting | final return (mean ± std over seeds) | per seed | "
             + " | ".join(f"{title} (per seed)" for title in sparsities.values()) + " | s per run |",
             "|---|---|---|" + "---|" * len(sparsities) + "---|"]
    for group, runs in sorted(groups.items()):
        returns = np.array([r["final_return"] for r in runs])
        cells = [f"{returns.mean():.1f} ± {returns.std():.1f}", ", ".join(f"{x:.0f}" for x in returns)]
        for key in sparsities:
            values = np.array([r.get(key, 0.0) for r in runs])
            cells.append(f"{values.mean():.3f} ({', '.join(f'{v:.2f}' for v in values)})")
        lines.append(f"| {group} | {' | '.join(cells)} | {np.mean([r['seconds'] for r in runs]):.0f} |")
    return "\n".join(lines)


def plot_seeds(ax: Any, curves: list[np.ndarray], colour: str, label: str | None) -> None:
    """Each seed's (x, y) curve thin, their mean (over the shortest length) thick, in one colour."""
    for curve in curves:
        ax.plot(curve[:, 0], curve[:, 1], color=colour, lw=0.5, alpha=0.4)
    length = min(len(c) for c in curves)
    mean = np.mean([c[:length] for c in curves], axis=0)
    ax.plot(mean[:, 0], mean[:, 1], color=colour, lw=2, label=label)


def return_and_sparsity_figures(results: list[dict], out: pathlib.Path) -> None:
    """Per environment: greedy return and leader sparsity against env steps, mean over seeds (thin lines:
    each seed), one colour per group (labelled by the last part of its name); written as ``<env>.png``."""
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
