"""Schedules: property tests of the polynomial schedule and of the EauDe sampler (Eq. 3)."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbx_eaudeqn.core.schedules import polynomial_sparsity, sample_sparsity

fractions = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    parent=st.floats(0.0, 1.0, allow_nan=False),
    t=st.integers(0, 2_000_000),
    period=st.integers(1, 20_000),
    total=st.integers(1, 2_000_000),
    scale=st.floats(0.01, 5.0),
    cap=st.floats(0.001, 1.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_sampled_sparsity_stays_in_its_interval(parent, t, period, total, scale, cap, seed):
    new = float(sample_sparsity(jax.random.PRNGKey(seed), parent, t, period, total, scale, cap))
    parent32 = float(np.float32(parent))
    assert parent32 - 1e-6 <= new <= parent32 + cap * (1 - parent32) + 1e-6
    assert new <= 1.0


def test_sampler_follows_the_line_to_full_sparsity_early_in_training():
    # Far from the end the cap is inactive: E[s_new - s_t] = beta * (1 - s_t) * T / (L - t) / 2.
    keys = jax.random.split(jax.random.PRNGKey(0), 4000)
    draws = np.asarray(jax.vmap(lambda k: sample_sparsity(k, 0.2, 0, 1000, 100_000, 2.0, 0.2))(keys))
    assert draws.mean() - 0.2 == pytest.approx(2.0 * 0.8 * 1000 / 100_000 / 2, rel=0.05)


def test_sampler_applies_the_cap_after_the_end_of_training():
    new = float(sample_sparsity(jax.random.PRNGKey(1), 0.5, 1000, 100, 1000, 1.0, 0.2))
    assert new == pytest.approx(0.5 + 0.2 * 0.5)


@settings(max_examples=60, deadline=None)
@given(final=st.floats(0.0, 0.999), start=fractions, length=st.floats(0.01, 1.0), n=st.floats(0.5, 5.0))
def test_polynomial_schedule_shape(final, start, length, n):
    end = min(start + length, 1.0)
    if end <= start:
        return
    assert polynomial_sparsity(start / 2 if start > 0 else -0.1, final, start, end, n) == 0.0
    assert polynomial_sparsity(end, final, start, end, n) == pytest.approx(final)
    assert polynomial_sparsity(1.5, final, start, end, n) == pytest.approx(final)
    grid = np.linspace(start, end, 50)
    values = [polynomial_sparsity(p, final, start, end, n) for p in grid]
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))


