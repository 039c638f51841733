"""Figures of the sparsity schedule and of the returns, from training logs.

``python -m sbx_eaudeqn.cli.plot LOGDIR`` finds every run under LOGDIR (RL Zoo run folders, folders of
``SparsityHistoryCallback`` or SB3 CSV logs) and writes ``sparsity_schedule.png`` and ``returns.png``
in LOGDIR. A run's sparsity comes from ``sparsity.csv`` or the ``train/sparsity`` column of an SB3
``progress.csv``; its returns from ``*.monitor.csv`` files.
"""

from __future__ import annotations

import csv
import pathlib
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_sparsity_history(
    history: Sequence[tuple[int, float, Sequence[float]]], path: str | pathlib.Path, title: str = "Sparsity schedule"
) -> pathlib.Path:
    """Plot the leader's sparsity (line) and every member's (dots) against environment steps as a PNG.

    :param history: ``(num_timesteps, sparsity, population_sparsities)`` tuples, as recorded by
        :class:`sbx_eaudeqn.integrations.callbacks.SparsityHistoryCallback`.
    :return: the path written.
    """
    if not history:
        raise ValueError("history is empty: nothing to plot")
    path = pathlib.Path(path)
    steps = [step for step, _, _ in history]
    figure, axis = plt.subplots(figsize=(6, 4))
    for step, _, members in history:
        axis.scatter([step] * len(members), members, s=6, color="tab:gray", alpha=0.5)
    axis.plot(steps, [sparsity for _, sparsity, _ in history], color="tab:blue", label="leader (acting network)")
    axis.set_xlabel("environment steps")
    axis.set_ylabel("sparsity")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(title)
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def read_sparsity(folder: pathlib.Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(steps, sparsity) of one run folder, or None when it has no sparsity log."""
    rows = []
    if (folder / "sparsity.csv").is_file():
        with (folder / "sparsity.csv").open() as handle:
            rows = [(float(r["timesteps"]), float(r["sparsity"])) for r in csv.DictReader(handle)]
    elif (folder / "progress.csv").is_file():
        with (folder / "progress.csv").open() as handle:
            rows = [(float(r["time/total_timesteps"]), float(r["train/sparsity"])) for r in csv.DictReader(handle)
                    if r.get("train/sparsity") and r.get("time/total_timesteps")]
    return (np.array([r[0] for r in rows]), np.array([r[1] for r in rows])) if rows else None


def read_returns(folder: pathlib.Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(cumulative env steps, episode return) from the Monitor files of a run folder, or None."""
    episodes = []
    for monitor in sorted(folder.glob("*.monitor.csv")):
        with monitor.open() as handle:
            next(handle)  # the Monitor's JSON header
            episodes += [(float(r["t"]), float(r["r"]), float(r["l"])) for r in csv.DictReader(handle)]
    if not episodes:
        return None
    episodes.sort()
    return np.cumsum([e[2] for e in episodes]), np.array([e[1] for e in episodes])


def _run_folders(logdir: pathlib.Path) -> list[pathlib.Path]:
    names = ("sparsity.csv", "progress.csv", "*.monitor.csv")
    folders = {path.parent for name in names for path in logdir.rglob(name)}
    return sorted(folders)


def plot_logs(logdir: str | pathlib.Path, window: int = 10) -> list[pathlib.Path]:
    """Write ``sparsity_schedule.png`` and ``returns.png`` for every run under ``logdir``; return the paths."""
    logdir = pathlib.Path(logdir)
    folders = _run_folders(logdir)
    if not folders:
        raise ValueError(f"no training logs (sparsity.csv, progress.csv, *.monitor.csv) under {logdir}")
    written = []
    for name, reader, ylabel in (("sparsity_schedule.png", read_sparsity, "sparsity of the acting network"),
                                 ("returns.png", read_returns, f"episode return (rolling mean of {window})")):
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for folder in folders:
            curve = reader(folder)
            if curve is None:
                continue
            x, y = curve
            if reader is read_returns and len(y) >= window:
                y = np.convolve(y, np.ones(window) / window, mode="valid")
                x = x[window - 1 :]
            axis.plot(x, y, label=str(folder.relative_to(logdir)) or ".")
        axis.set_xlabel("environment steps (gradient steps offline)")
        axis.set_ylabel(ylabel)
        if axis.lines:
            axis.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(logdir / name, dpi=100)
        plt.close(figure)
        written.append(logdir / name)
    return written
