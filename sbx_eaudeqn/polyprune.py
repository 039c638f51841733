"""PolyPrune on top of the population mixin: one network, magnitude-pruned on the polynomial schedule."""

from __future__ import annotations

import numpy as np

from sbx_eaudeqn.common import PopulationMixin
from sbx_eaudeqn.options import check_polynomial_args
from sbx_eaudeqn.population import prune_population
from sbx_eaudeqn.schedules import polynomial_sparsity


class PolyPruneMixin(PopulationMixin):
    """PolyPrune: one network, magnitude-pruned to the polynomial schedule's sparsity at the end of each period."""

    def _init_polyprune_args(self, final_sparsity: float, prune_start: float, prune_end: float,
                             prune_exponent: float, prune_scope: str) -> None:
        check_polynomial_args(final_sparsity, prune_start, prune_end, prune_exponent)
        self.final_sparsity = float(final_sparsity)
        self.prune_start = float(prune_start)
        self.prune_end = float(prune_end)
        self.prune_exponent = float(prune_exponent)
        self._pruned_to = 0.0  # the last scheduled sparsity applied
        self._init_population_args(1, prune_scope)

    def _select_or_prune(self) -> None:
        self._prune()

    def _prune(self) -> None:
        """Grow the mask to s(t / L); the optimizer state is kept (Ceron et al. 2024)."""
        t, _, total = self._training_times()
        target = polynomial_sparsity(t / total, self.final_sparsity, self.prune_start, self.prune_end, self.prune_exponent)
        self._population_logs["train/scheduled_sparsity"] = target
        if target <= self._pruned_to:
            return  # masks only grow: nothing to do (before the start, after the end, or repeated prunings)
        self._pruned_to = target
        self.population = prune_population(self.population, np.float32(target), self.prune_scope)
        self._sync_leader_to_policy()
        self._update_population_logs()
