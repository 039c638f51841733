"""EauDeSAC and PolyPruneSAC: SBX SAC with a pruned critic.

Both keep SBX's actor, entropy coefficient, target critic and SAC losses (``SAC.update_critic``,
``SAC.update_actor``, ``SAC.soft_update`` and ``SAC.update_temperature`` are called as they are). What
changes is the online critic: a population of twin critics (K for EauDe, 1 for PolyPrune) trained with
``jax.vmap`` (K > 1) on one minibatch against the shared target, masks re-applied after every step.
"""

from __future__ import annotations

from typing import Any

from sbx import SAC

from sbx_eaudeqn.algorithms.actor_critic import EauDeActorCritic, PolyPruneActorCritic, PopulationActorCritic


class SACSteps:
    """SBX's SAC-style critic and actor steps as population hooks (SAC and CrossQ share their signatures)."""

    _actor_log_keys = ("train/actor_loss", "train/ent_coef_loss")
    _critic_log_keys = ("train/critic_loss", "train/ent_coef")

    @classmethod
    def _update_member_critic(cls, critic, actor_state, ent_coef_state, batch, key, hyper, static_hyper):
        critic, (loss, ent_coef_value), _ = cls.update_critic(
            actor_state, critic, ent_coef_state, batch.observations, batch.actions, batch.next_observations,
            batch.rewards, batch.dones, batch.discounts, key,
        )
        return critic, loss, (ent_coef_value,)

    @classmethod
    def _update_actor(cls, actor_state, critic, ent_coef_state, observations, key, hyper, static_hyper):
        actor_state, critic, ent_coef_state, actor_loss, ent_coef_loss, key = cls.update_actor_and_temperature(
            actor_state, critic, ent_coef_state, observations, hyper["target_entropy"], key
        )
        return actor_state, critic, ent_coef_state, (actor_loss, ent_coef_loss), key


class _PopulationCriticSAC(SACSteps, PopulationActorCritic, SAC):
    """SBX SAC whose online critic is a population of masked twin critics (slot 0 acts as leader)."""

    def _hyperparameters(self) -> dict[str, Any]:
        return {"tau": self.tau, "target_entropy": self.target_entropy}

    @classmethod
    def _update_targets(cls, critic, actor_state, hyper):
        return cls.soft_update(hyper["tau"], critic), actor_state


class EauDeSAC(EauDeActorCritic, _PopulationCriticSAC):
    """EauDeSAC: SAC whose critic sparsity is discovered by a population (Vincent et al., RLC 2025).

    K twin critics with different sparsities train on one minibatch against one shared Polyak target.
    Every ``selection_period`` gradient steps the member with the lowest cumulated critic loss over the
    judged part of the period becomes the leader (slot 0): it drives the Polyak target, the actor loss
    and the entropy coefficient; the other slots are refilled by tournament and the copies pruned to
    sparsities sampled with Eq. 3. A copy keeps its parent's Adam moments and is judged only after
    half a period of recovery (``copy_optimizer``, ``recovery_fraction``; docs/design.md says why).
    Only the critics are pruned by default, as in the paper; ``actor_final_sparsity`` also prunes the
    actor, on a polynomial schedule (the paper's future work), so that the deployed policy is sparse.

    With ``population_size=1`` there is nothing to select: the single critic is pruned after every
    selection period to a sparsity sampled with Eq. 3 (DistillQN-like distillation with a sampled
    schedule), so its sparsity always grows.

    The EauDe options: :class:`~sbx_eaudeqn.algorithms.eaude.EauDeMixin` (population, Eq. 3, ties) and
    :class:`~sbx_eaudeqn.algorithms.actor_critic.EauDeActorCritic` (period, target, recovery).

    :param actor_final_sparsity: None (dense actor, as in the paper) or the final sparsity of a
        polynomial schedule for the actor, applied at each selection; ``actor_prune_start``,
        ``actor_prune_end`` and ``actor_prune_exponent`` shape it as for PolyPrune.
    :param sac_kwargs: every keyword argument of :class:`sbx.SAC`.
    """


class PolyPruneSAC(PolyPruneActorCritic, _PopulationCriticSAC):
    """PolyPruneSAC: SAC with the critic magnitude-pruned on a polynomial schedule (Ceron et al. 2024).

    Every ``prune_period`` gradient steps the critic is pruned to
    s(t) = s_F (1 - (1 - (t - t_start) / (t_end - t_start))^n) with t in environment steps and
    t_start, t_end given as fractions of the ``total_timesteps`` of ``learn``. Only the critic is
    pruned, as in the paper; the optimizer state is kept across pruning steps.

    :param final_sparsity: s_F in [0, 1).
    :param prune_start: t_start / L in [0, 1]. :param prune_end: t_end / L in [0, 1], > prune_start.
    :param prune_exponent: n (> 0). :param prune_period: gradient steps between pruning steps.
    :param prune_scope: a key of :data:`sbx_eaudeqn.core.pruning.PRUNE_SCOPES` (default ``"global"``).
    :param actor_final_sparsity: None (dense actor) or the actor's final sparsity, on its own
        polynomial schedule (``actor_prune_start``, ``actor_prune_end``, ``actor_prune_exponent``).
    :param sac_kwargs: every keyword argument of :class:`sbx.SAC`.
    """
