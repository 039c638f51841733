"""Optional pruning of the actor on a polynomial schedule, for the actor-critic algorithms.

The paper prunes the critic only and names pruning the actor with a hand-designed schedule as future
work; this option does that, so that the deployed policy is sparse too. The actor's mask grows to
s(t / L) of the polynomial schedule at the end of every selection or pruning period, and the mask is
re-applied after every actor step.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from sbx_eaudeqn.core.clock import END
from sbx_eaudeqn.core.pruning import apply_masks, dense_masks, grow_masks, weight_sparsity
from sbx_eaudeqn.core.schedules import polynomial_sparsity


class ActorPruningMixin:
    """Prunes ``policy.actor_state`` on its own polynomial schedule (mixed in before the population mixins).

    :ivar actor_masks: the actor's masks (all ``True`` while it is dense).
    """

    actor_masks: Any = None

    _actor_pruned_to = 0.0  # the last scheduled sparsity applied to the actor

    @property
    def actor_schedule(self) -> tuple[float, float, float, float] | None:
        """None (a dense actor, as in the paper) or the actor's (s_F, start, end, exponent)."""
        config = self.config  # type: ignore[attr-defined]
        if config.actor_final_sparsity is None:
            return None
        return (config.actor_final_sparsity, config.actor_prune_start, config.actor_prune_end,
                config.actor_prune_exponent)

    def _setup_actor_masks(self) -> None:
        """Dense masks for a new actor; a loaded model keeps its saved ones."""
        if self.actor_masks is None:
            self.actor_masks = dense_masks(self.policy.actor_state.params)  # type: ignore[attr-defined]

    @property
    def actor_sparsity(self) -> float:
        """Sparsity of the actor's weights (0 unless ``actor_final_sparsity`` is set)."""
        return float(weight_sparsity(self.policy.actor_state.params))  # type: ignore[attr-defined]

    @property
    def _actor_masks_for_training(self) -> Any:
        """The masks to re-apply after each actor step, or None for a dense actor (no masking on the hot path)."""
        return None if self.actor_schedule is None else self.actor_masks

    def _on_clock_events(self, events: list[str]) -> None:
        super()._on_clock_events(events)  # type: ignore[misc]
        if END in events:
            self._prune_actor()

    def _prune_actor(self) -> None:
        """Grow the actor's mask to its schedule's sparsity now."""
        if self.actor_schedule is None:
            return
        t, _, total = self._training_times()  # type: ignore[attr-defined]
        target = polynomial_sparsity(t / total, *self.actor_schedule)
        if target <= self._actor_pruned_to:
            return
        self._actor_pruned_to = target
        actor_state = self.policy.actor_state  # type: ignore[attr-defined]
        self.actor_masks = grow_masks(actor_state.params, self.actor_masks, jnp.float32(target),  # type: ignore[attr-defined]
                                      self.config.prune_scope)  # type: ignore[attr-defined]
        self.policy.actor_state = actor_state.replace(params=apply_masks(actor_state.params, self.actor_masks))  # type: ignore[attr-defined]
        self._population_logs["train/actor_sparsity"] = self.actor_sparsity  # type: ignore[attr-defined]
