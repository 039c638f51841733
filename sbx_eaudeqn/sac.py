"""EauDeSAC and PolyPruneSAC: SBX SAC with a pruned critic.

Both keep SBX's actor, entropy coefficient, target critic and SAC losses (``SAC.update_critic``,
``SAC.update_actor``, ``SAC.soft_update`` and ``SAC.update_temperature`` are called as they are). What
changes is the online critic: a population of twin critics (K for EauDe, 1 for PolyPrune) trained with
``jax.vmap`` (K > 1) on one minibatch against the shared Polyak target, masks re-applied after every step.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from gymnasium import spaces
from sbx import SAC
from sbx.common.type_aliases import ReplayBufferSamplesNp

from sbx_eaudeqn.common import EauDeMixin, PolyPruneMixin, PopulationMixin, check_action_space, first_member
from sbx_eaudeqn.population import PopulationState, check_period, init_population, map_members, set_learning_rate
from sbx_eaudeqn.pruning import apply_masks, dense_masks, grow_masks, weight_sparsity
from sbx_eaudeqn.schedules import check_polynomial_args, polynomial_sparsity


class _PopulationCriticSAC(PopulationMixin, SAC):
    """SBX SAC whose online critic is a population of masked twin critics (slot 0 acts as leader)."""

    def __init__(
        self,
        policy,
        env,
        actor_final_sparsity: float | None = None,
        actor_prune_start: float = 0.2,
        actor_prune_end: float = 0.8,
        actor_prune_exponent: float = 3.0,
        **sac_kwargs: Any,
    ) -> None:
        check_action_space(env, spaces.Box, type(self).__name__)
        if sac_kwargs.get("param_resets"):
            raise ValueError(f"param_resets is not supported by {type(self).__name__}")
        if actor_final_sparsity is not None:
            check_polynomial_args(actor_final_sparsity, actor_prune_start, actor_prune_end, actor_prune_exponent, "actor_")
        self.actor_schedule = (
            None if actor_final_sparsity is None
            else (float(actor_final_sparsity), float(actor_prune_start), float(actor_prune_end), float(actor_prune_exponent))
        )
        self.actor_masks = None
        self._actor_pruned_to = 0.0
        super().__init__(policy, env, **sac_kwargs)

    def _setup_model(self) -> None:
        self._setup_with_population(self._build_population)
        if self.actor_masks is None:
            self.actor_masks = dense_masks(self.policy.actor_state.params)

    @property
    def actor_sparsity(self) -> float:
        """Sparsity of the actor's weights (0 unless ``actor_final_sparsity`` is set)."""
        return float(weight_sparsity(self.policy.actor_state.params))

    def _fire_event(self) -> None:
        super()._fire_event()
        self._prune_actor()

    def _prune_actor(self) -> None:
        """Grow the actor's mask to its polynomial schedule (an option: the paper prunes the critic only)."""
        if self.actor_schedule is None:
            return
        t, _, total = self._event_context()
        target = polynomial_sparsity(t / total, *self.actor_schedule)
        if target <= self._actor_pruned_to:
            return
        self._actor_pruned_to = target
        actor_state = self.policy.actor_state
        self.actor_masks = grow_masks(actor_state.params, self.actor_masks, jnp.float32(target), self.prune_scope)
        self.policy.actor_state = actor_state.replace(params=apply_masks(actor_state.params, self.actor_masks))
        self._event_logs["train/actor_sparsity"] = self.actor_sparsity

    def _build_population(self) -> PopulationState:
        """K critics: member 0 is SBX's initial critic (the target's copy), the others fresh inits."""
        qf_state = self.policy.qf_state
        obs = jnp.asarray([self.observation_space.sample()])
        action = jnp.asarray([self.action_space.sample()])
        self.key, *member_keys = jax.random.split(self.key, self.population_size)
        others = [self.qf.init({"params": k, "dropout": k}, obs, action) for k in member_keys]
        stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), qf_state.params, *others)
        population = init_population(stacked, qf_state.tx)
        # policy.qf_state now only holds the leader's params and the shared target; the optimizer
        # states live in the population.
        self.policy.qf_state = qf_state.replace(opt_state=None)
        return population

    # ----- training ----------------------------------------------------------------------------
    def _numpy_batch(self, batch_size: int) -> ReplayBufferSamplesNp:
        """A replay sample as numpy arrays; SBX's ``SAC.train`` does this inline, so it cannot be reused."""
        data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)
        if isinstance(data.observations, dict):
            keys = list(self.observation_space.keys())
            obs = np.concatenate([data.observations[key].numpy() for key in keys], axis=1)
            next_obs = np.concatenate([data.next_observations[key].numpy() for key in keys], axis=1)
        else:
            obs, next_obs = data.observations.numpy(), data.next_observations.numpy()
        if data.discounts is None:
            discounts = np.full((batch_size,), self.gamma, dtype=np.float32)
        else:
            discounts = data.discounts.numpy().flatten()
        return ReplayBufferSamplesNp(
            obs, data.actions.numpy(), next_obs, data.dones.numpy().flatten(), data.rewards.numpy().flatten(), discounts
        )

    def train(self, gradient_steps: int, batch_size: int) -> None:
        data = self._numpy_batch(batch_size * gradient_steps)
        self._update_learning_rate(
            self.policy.actor_state.opt_state,
            learning_rate=self.lr_schedule(self._current_progress_remaining),
            name="learning_rate_actor",
        )
        critic_lr = self.initial_qf_learning_rate or self.lr_schedule(self._current_progress_remaining)
        set_learning_rate(self.population.opt_state, critic_lr)
        self.logger.record("train/learning_rate_critic", critic_lr)

        losses = {}

        def run_chunk(start: int, n_steps: int) -> None:
            chunk = jax.tree_util.tree_map(lambda x: x[start * batch_size : (start + n_steps) * batch_size], data)
            (
                self.population,
                self.policy.qf_state,
                self.policy.actor_state,
                self.ent_coef_state,
                self.key,
                losses["values"],
            ) = self._train_population(
                self.tau,
                self.target_entropy,
                n_steps,
                chunk,
                self.policy_delay,
                (self._n_updates + 1) % self.policy_delay,
                self.population,
                self.policy.qf_state,
                self.policy.actor_state,
                None if self.actor_schedule is None else self.actor_masks,  # a dense actor needs no masking
                self.ent_coef_state,
                self.key,
            )

        self._run_in_chunks(gradient_steps, run_chunk)
        keys = ("train/actor_loss", "train/critic_loss", "train/ent_coef_loss", "train/ent_coef")
        self._record_train_logs(keys, losses["values"])

    @classmethod
    @partial(jax.jit, static_argnames=["cls", "gradient_steps", "policy_delay", "policy_delay_offset"])
    def _train_population(cls, tau, target_entropy, gradient_steps, data, policy_delay, policy_delay_offset,
                          population, qf_state, actor_state, actor_masks, ent_coef_state, key):
        """``gradient_steps`` SAC updates: every member's critic, then Polyak, actor and entropy from slot 0.

        The actor's mask is re-applied after each actor step when the actor is pruned (else ``actor_masks`` is None).
        """
        batch_size = data.observations.shape[0] // gradient_steps
        zero = jnp.array(0.0)

        def one_update(i, carry):
            population, qf_state, actor_state, ent_coef_state, key, info = carry
            batch = jax.tree_util.tree_map(lambda x: jax.lax.dynamic_slice_in_dim(x, i * batch_size, batch_size), data)
            key, critic_key = jax.random.split(key)

            def member_update(params, opt_state, masks):
                member = qf_state.replace(params=params, opt_state=opt_state)
                member, (loss, ent_coef_value), _ = cls.update_critic(
                    actor_state, member, ent_coef_state, batch.observations, batch.actions,
                    batch.next_observations, batch.rewards, batch.dones, batch.discounts, critic_key,
                )
                # Re-applying the mask after the optimizer step keeps pruned weights exactly zero,
                # whatever Adam's moments hold; masks only grow, so no weight ever comes back.
                return apply_masks(member.params, masks), member.opt_state, loss, ent_coef_value

            params, opt_state, losses, ent_coef_values = map_members(
                member_update, population.params, population.opt_state, population.masks
            )
            population = population.replace(
                params=params, opt_state=opt_state, cumulated_losses=population.cumulated_losses + losses
            )
            qf_state = cls.soft_update(tau, qf_state.replace(params=first_member(params)))
            actor_state, qf_state, ent_coef_state, actor_loss, ent_coef_loss, key = jax.lax.cond(
                (policy_delay_offset + i) % policy_delay == 0,
                cls.update_actor_and_temperature,
                lambda *_: (actor_state, qf_state, ent_coef_state, info[0], info[2], key),
                actor_state, qf_state, ent_coef_state, batch.observations, target_entropy, key,
            )
            if actor_masks is not None:
                actor_state = actor_state.replace(params=apply_masks(actor_state.params, actor_masks))
            info = (actor_loss, losses[0], ent_coef_loss, ent_coef_values[0])
            return population, qf_state, actor_state, ent_coef_state, key, info

        carry = (population, qf_state, actor_state, ent_coef_state, key, (zero, zero, zero, zero))
        *states, info = jax.lax.fori_loop(0, gradient_steps, one_update, carry)
        return (*states, jnp.stack(info))  # stacked here: one transfer for the logs, no eager op


class EauDeSAC(EauDeMixin, _PopulationCriticSAC):
    """EauDeSAC: SAC whose critic sparsity is discovered by a population (Vincent et al., RLC 2025).

    K twin critics with different sparsities train on one minibatch against one shared Polyak target.
    Every ``selection_period`` gradient steps the member with the lowest cumulated critic loss becomes
    the leader (slot 0): it drives the Polyak target, the actor loss and the entropy coefficient; the
    other slots are refilled by tournament and the copies pruned to sparsities sampled with Eq. 3.
    Only the critics are pruned by default, as in the paper; ``actor_final_sparsity`` also prunes the
    actor, on a polynomial schedule (the paper's future work), so that the deployed policy is sparse.

    With ``population_size=1`` there is nothing to select: the single critic is pruned after every
    selection period to a sparsity sampled with Eq. 3 (DistillQN-like distillation with a sampled
    schedule), so its sparsity always grows.

    :param population_size: K, number of online critics (>= 1).
    :param tournament_size: members drawn per tournament, in [1, K]; default min(3, K).
    :param selection_period: gradient steps between selections (>= 1).
    :param sparsity_scale: beta in Eq. 3 (> 0): 1 normal, 2 ambitious, 3 aggressive.
    :param max_prune_fraction: cap on one jump, as a fraction of the remaining weights, in (0, 1].
    :param prune_scope: ``"layerwise"`` or ``"global"`` magnitude pruning.
    :param actor_final_sparsity: None (dense actor, as in the paper) or the final sparsity of a
        polynomial schedule for the actor, applied at each selection; ``actor_prune_start``,
        ``actor_prune_end`` and ``actor_prune_exponent`` shape it as for PolyPrune.
    :param sac_kwargs: every keyword argument of :class:`sbx.SAC`.
    """

    def __init__(
        self,
        policy,
        env,
        population_size: int = 5,
        tournament_size: int | None = None,
        selection_period: int = 1000,
        sparsity_scale: float = 1.0,
        max_prune_fraction: float = 0.2,
        prune_scope: str = "layerwise",
        **sac_kwargs: Any,
    ) -> None:
        self._init_eaude_args(population_size, tournament_size, sparsity_scale, max_prune_fraction, prune_scope)
        self.selection_period = check_period("selection_period", selection_period)
        super().__init__(policy, env, **sac_kwargs)

    @property
    def _event_period(self) -> int:
        return self.selection_period

    def _on_event(self) -> None:
        """Selection; the new leader drives the Polyak average from now on."""
        self._run_selection()



class PolyPruneSAC(PolyPruneMixin, _PopulationCriticSAC):
    """PolyPruneSAC: SAC with the critic magnitude-pruned on a polynomial schedule (Ceron et al. 2024).

    Every ``prune_period`` gradient steps the critic is pruned to
    s(t) = s_F (1 - (1 - (t - t_start) / (t_end - t_start))^n) with t in environment steps and
    t_start, t_end given as fractions of the ``total_timesteps`` of ``learn``. Only the critic is
    pruned, as in the paper; the optimizer state is kept across pruning steps.

    :param final_sparsity: s_F in [0, 1).
    :param prune_start: t_start / L in [0, 1]. :param prune_end: t_end / L in [0, 1], > prune_start.
    :param prune_exponent: n (> 0). :param prune_period: gradient steps between pruning steps.
    :param prune_scope: ``"layerwise"`` or ``"global"``.
    :param actor_final_sparsity: None (dense actor) or the actor's final sparsity, on its own
        polynomial schedule (``actor_prune_start``, ``actor_prune_end``, ``actor_prune_exponent``).
    :param sac_kwargs: every keyword argument of :class:`sbx.SAC`.
    """

    def __init__(
        self,
        policy,
        env,
        final_sparsity: float = 0.95,
        prune_start: float = 0.2,
        prune_end: float = 0.8,
        prune_exponent: float = 3.0,
        prune_period: int = 1000,
        prune_scope: str = "layerwise",
        **sac_kwargs: Any,
    ) -> None:
        self._init_polyprune_args(final_sparsity, prune_start, prune_end, prune_exponent, prune_scope)
        self.prune_period = check_period("prune_period", prune_period)
        super().__init__(policy, env, **sac_kwargs)

    @property
    def _event_period(self) -> int:
        return self.prune_period

    def _on_event(self) -> None:
        """Grow the critic's mask to the schedule's sparsity at the current time."""
        self._run_scheduled_pruning()
