"""EauDeTQC and PolyPruneTQC: SBX TQC with a population of pruned quantile critics.

SBX's TQC keeps two critic states (``policy.qf1_state`` and ``policy.qf2_state``), updated together by
``TQC.update_critic``: a member is the pair, its masks cover both, and its cumulated loss L_k adds the
two critics' quantile Huber losses. SBX's ``update_critic``, ``soft_update`` and
``update_actor_and_temperature`` are called as they are; the leader drives the Polyak targets, the
actor and the entropy coefficient, as in :class:`~sbx_eaudeqn.EauDeSAC`.
"""

from __future__ import annotations

from typing import Any

import jax
from sbx import TQC

from sbx_eaudeqn.algorithms.actor_critic import EauDeActorCritic, PolyPruneActorCritic, PopulationActorCritic


class _PopulationCriticTQC(PopulationActorCritic, TQC):
    """SBX TQC whose two quantile critic states form one population member (slot 0 acts as leader)."""

    _actor_log_keys = ("train/actor_loss", "train/ent_coef_loss")
    _critic_log_keys = ("train/critic_loss", "train/ent_coef")

    @staticmethod
    def _critic_of(policy: Any) -> tuple:
        return policy.qf1_state, policy.qf2_state

    def _set_critic(self, critic: tuple) -> None:
        self.policy.qf1_state, self.policy.qf2_state = critic

    def _init_member(self, key: jax.Array, inputs: tuple) -> tuple[Any, None]:
        first, second = jax.random.split(key)
        return tuple(self.policy.qf.init({"params": k, "dropout": k}, *inputs) for k in (first, second)), None

    def _hyperparameters(self) -> dict[str, Any]:
        return {"tau": self.tau, "target_entropy": self.target_entropy}

    def _static_hyperparameters(self) -> tuple:
        return (self.policy.n_target_quantiles,)

    @classmethod
    def _update_member_critic(cls, critic, actor_state, ent_coef_state, batch, key, hyper, static_hyper):
        critic, (loss_1, loss_2, ent_coef_value), _ = cls.update_critic(
            static_hyper[0], actor_state, *critic, ent_coef_state, batch.observations, batch.actions,
            batch.next_observations, batch.rewards, batch.dones, batch.discounts, key,
        )
        return critic, loss_1 + loss_2, (ent_coef_value,)

    @classmethod
    def _update_targets(cls, critic, actor_state, hyper):
        return cls.soft_update(hyper["tau"], *critic), actor_state

    @classmethod
    def _update_actor(cls, actor_state, critic, ent_coef_state, observations, key, hyper, static_hyper):
        actor_state, critic, ent_coef_state, actor_loss, ent_coef_loss, key = cls.update_actor_and_temperature(
            actor_state, *critic, ent_coef_state, observations, hyper["target_entropy"], key
        )
        return actor_state, critic, ent_coef_state, (actor_loss, ent_coef_loss), key


class EauDeTQC(EauDeActorCritic, _PopulationCriticTQC):
    """EauDeTQC: TQC whose critic sparsity is discovered by a population (EauDe applied to TQC).

    Each member is TQC's pair of quantile critics. Takes EauDe's arguments
    (:class:`~sbx_eaudeqn.algorithms.actor_critic.EauDeActorCritic`), the actor-pruning option and every
    keyword argument of :class:`sbx.TQC`.
    """


class PolyPruneTQC(PolyPruneActorCritic, _PopulationCriticTQC):
    """PolyPruneTQC: TQC with both quantile critics magnitude-pruned on a polynomial schedule.

    Takes PolyPrune's arguments (:class:`~sbx_eaudeqn.algorithms.actor_critic.PolyPruneActorCritic`), the
    actor-pruning option and every keyword argument of :class:`sbx.TQC`.
    """
