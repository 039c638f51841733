"""IQM and bootstrap intervals used by the benchmark reports."""

import numpy as np
import pytest
from scipy.stats import trim_mean

from sbx_eaudeqn.stats import bootstrap_ci, iqm


@pytest.mark.parametrize("n", [1, 4, 5, 8, 10, 13])
def test_iqm_matches_the_quarter_trimmed_mean(n):
    values = np.random.default_rng(n).normal(size=n)
    assert iqm(values) == pytest.approx(trim_mean(values, 0.25))


def test_iqm_ignores_the_outer_quartiles():
    assert iqm([1, 2, 3, 4, 5, 6, 7, 1000]) == pytest.approx(4.5)


def test_bootstrap_interval_contains_the_statistic_and_narrows_with_more_data():
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=10), rng.normal(size=1000)
    low, high = bootstrap_ci(small)
    assert low <= iqm(small) <= high
    large_low, large_high = bootstrap_ci(large, n_resamples=500)
    assert large_high - large_low < high - low
    assert bootstrap_ci([3.0, 3.0, 3.0]) == (3.0, 3.0)


def test_bad_input():
    with pytest.raises(ValueError, match="no values"):
        iqm([])
    with pytest.raises(ValueError, match="confidence must be in"):
        bootstrap_ci([1.0], confidence=1.5)
