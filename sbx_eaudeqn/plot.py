"""Figures of the sparsity schedule."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_sparsity_history(
    history: Sequence[tuple[int, float, Sequence[float]]], path: str | pathlib.Path, title: str = "Sparsity schedule"
) -> pathlib.Path:
    """Plot the leader's sparsity (line) and every member's (dots) against environment steps as a PNG.

    :param history: ``(num_timesteps, sparsity, population_sparsities)`` tuples, as recorded by
        :class:`sbx_eaudeqn.callbacks.SparsityHistoryCallback`.
    :return: the path written.
    """
    if not history:
        raise ValueError("history is empty: nothing to plot")
    path = pathlib.Path(path)
    steps = [step for step, _, _ in history]
    figure, axis = plt.subplots(figsize=(6, 4))
    for step, _, members in history:
        axis.scatter([step] * len(members), members, s=6, color="tab:gray", alpha=0.5)
    axis.plot(steps, [sparsity for _, sparsity, _ in history], color="tab:blue", label="leader (acting critic)")
    axis.set_xlabel("environment steps")
    axis.set_ylabel("critic sparsity")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(title)
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
