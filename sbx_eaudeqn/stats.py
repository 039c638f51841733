"""Aggregate statistics for reporting returns over seeds: IQM with bootstrap confidence intervals.

The interquartile mean (IQM, Agarwal et al. 2021) is the mean of the middle 50% of the values. rliable
computes it with stratified bootstraps over tasks; here one task at a time is enough, so the few lines
are written here instead of adding a dependency.
"""

from __future__ import annotations

import numpy as np


def iqm(values) -> float:
    """Mean of the values between the 25th and 75th percentiles (each end trimmed by 25%, as
    ``scipy.stats.trim_mean(values, 0.25)``)."""
    ordered = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if ordered.size == 0:
        raise ValueError("iqm of no values")
    cut = int(0.25 * ordered.size)
    return float(ordered[cut : ordered.size - cut].mean())


def bootstrap_ci(values, statistic=iqm, n_resamples: int = 2000, confidence: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``statistic`` over resamples (with replacement)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("bootstrap of no values")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    resamples = rng.choice(values, size=(n_resamples, values.size), replace=True)
    stats = np.array([statistic(sample) for sample in resamples])
    tail = 100 * (1 - confidence) / 2
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))
