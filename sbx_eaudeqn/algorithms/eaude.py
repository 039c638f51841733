"""EauDe on top of the population mixin: selection of the lowest cumulated loss, tournaments, Eq. 3."""

from __future__ import annotations

import jax

from sbx_eaudeqn.algorithms.base import PopulationMixin
from sbx_eaudeqn.algorithms.config import EAUDE
from sbx_eaudeqn.algorithms.options import warn_short_selection_period
from sbx_eaudeqn.core.critic_state import critic_txs
from sbx_eaudeqn.core.population import select_and_explore
from sbx_eaudeqn.core.selection_log import SelectionLog


class EauDeMixin(PopulationMixin):
    """EauDe: selection of the member with the lowest cumulated loss, tournaments and Eq. 3 exploration.

    Its options (``population_size``, ``tournament_size``, ``sparsity_scale``, ``max_prune_fraction``,
    ``prune_scope``, ``prune_criterion``, ``population_init``, ``copy_optimizer``, ``tie_tolerance``,
    ``recovery_fraction`` and each family's period) are written once, with their meaning, check,
    default per family and the paper's value, in :data:`sbx_eaudeqn.algorithms.config.EAUDE_OPTIONS`;
    the model holds them in ``self.config``.
    """

    method = EAUDE

    def __init__(self, policy, env, **kwargs) -> None:
        super().__init__(policy, env, **kwargs)
        self.selection_log = SelectionLog(self.population_size)  # a loaded model's replaces it

    # The constructor arguments that set the gradient steps per selection, named in the warning.
    _period_settings = "selection_period"

    def _check_period(self) -> None:
        """Warn when a selection period holds fewer gradient steps than a pruned copy needs to recover."""
        warn_short_selection_period(type(self).__name__, self.period_clock.length, self._period_settings)

    def _select_or_prune(self) -> None:
        self._select()

    def _select(self) -> None:
        """Selection (see :func:`~sbx_eaudeqn.core.population.select_and_explore`); the leader ends in slot 0."""
        t, period, total = self._training_times()
        self.key, selection_key = jax.random.split(self.key)  # type: ignore[has-type]
        self.population, info = select_and_explore(
            self.population, selection_key, t, period, total, tx=critic_txs(self._critic()), config=self.config,
        )
        self._sync_leader_to_policy()
        info = jax.device_get(info)  # one transfer for all the values logged
        self.selection_log.record(self.num_timesteps, info)  # type: ignore[attr-defined]
        losses = {f"train/cumulated_loss_{k}": float(loss) for k, loss in enumerate(info["cumulated_losses"])}
        self._update_population_logs(losses | {"train/leader": int(info["leader"])} | self.selection_log.logger_values())
