"""Optional pruning of the actor on a polynomial schedule, for the actor-critic algorithms.

The paper prunes the critic only and names pruning the actor with a hand-designed schedule as future
work; this option does that, so that the deployed policy is sparse too. The actor's mask grows to
s(t / L) of the polynomial schedule at the end of every selection or pruning period, and the mask is
re-applied after every actor step.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from sbx_eaudeqn.pruning import apply_masks, dense_masks, grow_masks, weight_sparsity
from sbx_eaudeqn.options import check_polynomial_args
from sbx_eaudeqn.schedules import polynomial_sparsity


class ActorPruningMixin:
    """Prunes ``policy.actor_state`` on its own polynomial schedule (mixed in before the population mixins).

    :ivar actor_schedule: None (dense actor, as in the paper) or (s_F, start, end, exponent).
    :ivar actor_masks: the actor's masks (all ``True`` while it is dense).
    """

    actor_schedule: tuple[float, float, float, float] | None = None
    actor_masks: Any = None

    def _init_actor_pruning(self, final_sparsity: float | None, prune_start: float, prune_end: float,
                            prune_exponent: float) -> None:
        if final_sparsity is not None:
            check_polynomial_args(final_sparsity, prune_start, prune_end, prune_exponent, "actor_")
            self.actor_schedule = (float(final_sparsity), float(prune_start), float(prune_end), float(prune_exponent))
        self.actor_masks = None
        self._actor_pruned_to = 0.0

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

    def _end_period(self) -> None:
        super()._end_period()  # type: ignore[misc]
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
        self.actor_masks = grow_masks(actor_state.params, self.actor_masks, jnp.float32(target), self.prune_scope)  # type: ignore[attr-defined]
        self.policy.actor_state = actor_state.replace(params=apply_masks(actor_state.params, self.actor_masks))  # type: ignore[attr-defined]
        self._population_logs["train/actor_sparsity"] = self.actor_sparsity  # type: ignore[attr-defined]
