"""PolyPrune on top of the population mixin: one network, pruned on the polynomial schedule."""

from __future__ import annotations

import jax
import numpy as np

from sbx_eaudeqn.algorithms.base import PopulationMixin
from sbx_eaudeqn.algorithms.config import POLYPRUNE
from sbx_eaudeqn.core.population import prune_population
from sbx_eaudeqn.core.schedules import polynomial_sparsity


class PolyPruneMixin(PopulationMixin):
    """PolyPrune: one network, pruned to the polynomial schedule's sparsity at the end of each period.

    Its options (``final_sparsity``, ``prune_start``, ``prune_end``, ``prune_exponent``, ``prune_period``,
    ``prune_scope``, ``prune_criterion``) are written once in
    :data:`sbx_eaudeqn.algorithms.config.POLYPRUNE_OPTIONS`; the model holds them in ``self.config``.
    """

    method = POLYPRUNE
    _pruned_to = 0.0  # the last scheduled sparsity applied

    def _select_or_prune(self) -> None:
        self._prune()

    def _prune(self) -> None:
        """Grow the mask to s(t / L); the optimizer state is kept (Ceron et al. 2024)."""
        config = self.config
        t, _, total = self._training_times()
        target = polynomial_sparsity(t / total, config.final_sparsity, config.prune_start, config.prune_end,
                                     config.prune_exponent)
        self._population_logs["train/scheduled_sparsity"] = target
        if target <= self._pruned_to:
            return  # masks only grow: nothing to do (before the start, after the end, or repeated prunings)
        self._pruned_to = target
        key = None
        if config.prune_criterion != "magnitude":  # a criterion that draws: magnitude keeps the key stream as it is
            self.key, key = jax.random.split(self.key)  # type: ignore[has-type]
        self.population = prune_population(self.population, np.float32(target), config.prune_scope,
                                           config.prune_criterion, key)
        self._sync_leader_to_policy()
        self._update_population_logs()
