"""EauDeTD3 and PolyPruneTD3: SBX TD3 with a population of pruned twin critics.

SBX's ``TD3.update_critic``, ``TD3.soft_update`` and ``TD3.update_actor`` are called as they are. Every
member bootstraps from the shared target critic with the same target-policy noise (one key per step),
so the members differ only by their own critic; the leader (slot 0) drives the Polyak average of the
target critic and the deterministic actor's loss, and the target actor follows the actor as in TD3.
"""

from __future__ import annotations

from typing import Any

from sbx import TD3

from sbx_eaudeqn.algorithms.actor_critic import EauDeActorCritic, PolyPruneActorCritic, PopulationActorCritic


class _PopulationCriticTD3(PopulationActorCritic, TD3):
    """SBX TD3 whose online critic is a population of masked twin critics (slot 0 acts as leader)."""

    def _hyperparameters(self) -> dict[str, Any]:
        return {"tau": self.tau, "noise": self.target_policy_noise, "noise_clip": self.target_noise_clip}

    def _update_learning_rates(self) -> None:
        """None: SBX's TD3 keeps its learning rates constant (its optimizers have no injected rate)."""

    @classmethod
    def _update_member_critic(cls, critic, actor_state, ent_coef_state, batch, key, hyper, static_hyper):
        critic, loss, _ = cls.update_critic(
            actor_state, critic, batch.observations, batch.actions, batch.next_observations, batch.rewards,
            batch.dones, batch.discounts, hyper["noise"], hyper["noise_clip"], key,
        )
        return critic, loss, ()

    @classmethod
    def _update_targets(cls, critic, actor_state, hyper):
        return cls.soft_update(hyper["tau"], critic, actor_state)

    @classmethod
    def _update_actor(cls, actor_state, critic, ent_coef_state, observations, key, hyper, static_hyper):
        actor_state, critic, actor_loss, key = cls.update_actor(actor_state, critic, observations, key)
        return actor_state, critic, ent_coef_state, (actor_loss,), key


class EauDeTD3(EauDeActorCritic, _PopulationCriticTD3):
    """EauDeTD3: TD3 whose critic sparsity is discovered by a population (EauDe applied to TD3).

    As :class:`~sbx_eaudeqn.EauDeSAC`: K twin critics against one shared target; every
    ``selection_period`` gradient steps the member with the lowest cumulated critic loss becomes the
    leader, which drives the target critic's Polyak average and the actor. Takes EauDe's arguments
    (:class:`~sbx_eaudeqn.algorithms.actor_critic.EauDeActorCritic`), the actor-pruning option and every
    keyword argument of :class:`sbx.TD3`.
    """


class PolyPruneTD3(PolyPruneActorCritic, _PopulationCriticTD3):
    """PolyPruneTD3: TD3 with the critic magnitude-pruned on a polynomial schedule (Ceron et al. 2024).

    Takes PolyPrune's arguments (:class:`~sbx_eaudeqn.algorithms.actor_critic.PolyPruneActorCritic`), the
    actor-pruning option and every keyword argument of :class:`sbx.TD3`.
    """
