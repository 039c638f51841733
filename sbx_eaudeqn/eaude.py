"""EauDe on top of the population mixin: selection of the lowest cumulated loss, tournaments, Eq. 3."""

from __future__ import annotations

import jax

from sbx_eaudeqn.common import PopulationMixin
from sbx_eaudeqn.critic_state import critic_txs
from sbx_eaudeqn.options import (
    COPY_OPTIMIZERS,
    POPULATION_INITS,
    check_choice,
    check_eaude_args,
    check_recovery_fraction,
    check_tie_tolerance,
    warn_short_selection_period,
)
from sbx_eaudeqn.population import select_and_explore
from sbx_eaudeqn.selection_log import SelectionLog


class EauDeMixin(PopulationMixin):
    """EauDe: selection of the member with the lowest cumulated loss, tournaments and Eq. 3 exploration.

    The options every EauDe algorithm takes (each documented here only; docs/design.md gives the
    measurements behind the defaults):

    :param population_size: K, the number of online networks (>= 1).
    :param tournament_size: members drawn per tournament, in [1, K]; default min(3, K).
    :param sparsity_scale: beta in Eq. 3 (> 0): 1 normal, 2 ambitious, 3 aggressive.
    :param max_prune_fraction: cap on one jump, as a fraction of the remaining weights, in (0, 1].
    :param prune_scope: how a sparsity is spread over the layers: a key of
        :data:`sbx_eaudeqn.pruning.PRUNE_SCOPES` (``"global"``, ``"layerwise"``, ``"erk"``).
    :param population_init: ``"independent"`` (members 1..K-1 are fresh random inits) or ``"copies"``
        (every member starts as a copy of the target, as the paper describes).
    :param copy_optimizer: ``"reset"`` (a pruned copy starts with a fresh optimizer state, as in the
        paper) or ``"inherit"`` (it keeps its parent's Adam moments).
    :param tie_tolerance: z >= 0, in standard errors of the lowest L_k: members within z of it tie,
        and the sparsest of them wins (parsimony among ties); 0 is the paper's strict minimum.
    :param recovery_fraction: share of each selection period, in [0, 1), whose losses are not counted
        in L_k: a pruned copy recovers first and is judged on the rest of the period only; 0 is the
        paper's whole period.
    """

    # The constructor arguments that set the gradient steps per selection, named in the warning.
    _selection_period_settings = "selection_period"
    # Models saved before an option existed load with the behaviour they were trained with (the paper's).
    copy_optimizer = "reset"
    tie_tolerance = 0.0
    recovery_fraction = 0.0

    def _gradient_steps_per_selection(self) -> float | None:
        """Gradient steps in one selection period, or None where the settings do not fix it."""
        raise NotImplementedError  # pragma: no cover - overridden

    @property
    def _judging_starts(self) -> int | None:
        """Gradient steps into the period after which losses count in L_k (None: from the start)."""
        period = self._gradient_steps_per_selection()
        steps = 0 if period is None else round(self.recovery_fraction * period)
        return steps if steps > 0 else None

    def _check_selection_period(self) -> None:
        """Warn when one selection period gives fewer gradient steps than a pruned copy needs to recover."""
        warn_short_selection_period(type(self).__name__, self._gradient_steps_per_selection(),
                                    self._selection_period_settings)

    def _init_eaude_args(self, population_size: int, tournament_size: int | None, sparsity_scale: float,
                         max_prune_fraction: float, prune_scope: str, population_init: str = "independent",
                         copy_optimizer: str = "reset", tie_tolerance: float = 0.0,
                         recovery_fraction: float = 0.0) -> None:
        self.tournament_size = check_eaude_args(population_size, tournament_size, sparsity_scale, max_prune_fraction)
        self.tie_tolerance = check_tie_tolerance(tie_tolerance)
        self.recovery_fraction = check_recovery_fraction(recovery_fraction)
        self.population_init = check_choice("population_init", population_init, POPULATION_INITS)
        self.copy_optimizer = check_choice("copy_optimizer", copy_optimizer, COPY_OPTIMIZERS)
        self.sparsity_scale = float(sparsity_scale)
        self.max_prune_fraction = float(max_prune_fraction)
        self.selection_log = SelectionLog(population_size)
        self._init_population_args(population_size, prune_scope)

    def _select_or_prune(self) -> None:
        self._select()

    def _select(self) -> None:
        """Selection (see :func:`~sbx_eaudeqn.population.select_and_explore`); the leader ends in slot 0."""
        t, period, total = self._training_times()
        self.key, selection_key = jax.random.split(self.key)  # type: ignore[has-type]
        self.population, info = select_and_explore(
            self.population,
            selection_key,
            t,
            period,
            total,
            tx=critic_txs(self._critic()),
            tournament_size=self.tournament_size,
            sparsity_scale=self.sparsity_scale,
            max_prune_fraction=self.max_prune_fraction,
            prune_scope=self.prune_scope,
            reset_copies=self.copy_optimizer == "reset",
            tie_tolerance=self.tie_tolerance,
        )
        self._sync_leader_to_policy()
        info = jax.device_get(info)  # one transfer for all the values logged
        self.selection_log.record(self.num_timesteps, info)  # type: ignore[attr-defined]
        losses = {f"train/cumulated_loss_{k}": float(loss) for k, loss in enumerate(info["cumulated_losses"])}
        self._update_population_logs(losses | {"train/leader": int(info["leader"])} | self.selection_log.logger_values())
