"""The population of critics for every SBX actor-critic algorithm (SAC, TD3, TQC, CrossQ).

One gradient step, as SBX's own ``_train`` loops do it, with the online critic replaced by a population:

1. every member's critic takes SBX's critic step on the same minibatch against the shared target
   (:func:`~sbx_eaudeqn.core.population.population_step`), adding its loss to L_k;
2. the leader (slot 0) becomes the policy's online critic and the targets move as SBX moves them;
3. every ``policy_delay`` steps, SBX's actor (and entropy coefficient) step uses the leader.

An algorithm gives SBX's functions through three hooks: :meth:`_update_member_critic`,
:meth:`_update_targets` and :meth:`_update_actor`. Everything else (sampling, chunks that end on
selections, learning rates, logs, actor pruning) is here, so a new algorithm is a short file.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from gymnasium import spaces

from sbx_eaudeqn.algorithms.actor_pruning import ActorPruningMixin
from sbx_eaudeqn.algorithms.base import PopulationMixin
from sbx_eaudeqn.core.critic_state import critic_extra, critic_opt_states, critic_params, is_state, member_critic, with_leader
from sbx_eaudeqn.algorithms.eaude import EauDeMixin
from sbx_eaudeqn.algorithms.options import check_action_space
from sbx_eaudeqn.algorithms.polyprune import PolyPruneMixin
from sbx_eaudeqn.core.clock import PeriodClock
from sbx_eaudeqn.core.population import population_step, set_learning_rate
from sbx_eaudeqn.core.pruning import apply_masks


class Learner(NamedTuple):
    """Everything one gradient step changes: the population, SBX's critic state(s) holding the leader and
    the targets, the actor, the entropy coefficient (None for TD3) and the JAX key."""

    population: Any
    critic: Any
    actor_state: Any
    ent_coef_state: Any
    key: Any


@dataclasses.dataclass(frozen=True)
class StepRhythm:
    """What a compiled run of gradient steps is traced for: how many steps, the actor's delay (TD3's
    ``policy_delay``) and where the run starts in it, whether the target is held, and the algorithm's
    hashable hyperparameters (TQC's number of target quantiles)."""

    gradient_steps: int
    policy_delay: int
    policy_delay_offset: int
    hold_target: bool
    static_hyper: tuple


class PopulationActorCritic(ActorPruningMixin, PopulationMixin):
    """An SBX actor-critic algorithm whose online critic is a population (mixed in before the SBX class).

    The family's options include the actor's pruning (``actor_final_sparsity``: None, a dense actor as in
    the paper, or the final sparsity of the actor's polynomial schedule).
    """

    family = "actor_critic"

    # Logger keys of the actor's step logs (kept between delayed actor steps) and of the leader's critic logs.
    _actor_log_keys: tuple[str, ...] = ("train/actor_loss",)
    _critic_log_keys: tuple[str, ...] = ("train/critic_loss",)
    # False for CrossQ, which has no target network (EauDe's target_update does not apply).
    _has_target_network = True
    # SBX keywords that cannot work with a population, with the reason given in the error.
    _unsupported_kwargs: dict[str, str] = {"param_resets": "resets would undo the pruning masks"}

    def __init__(self, policy, env, **kwargs: Any) -> None:
        check_action_space(env, spaces.Box, type(self).__name__)
        for name, reason in self._unsupported_kwargs.items():
            if kwargs.get(name):
                raise ValueError(f"{name} is not supported by {type(self).__name__}: {reason}")
        super().__init__(policy, env, **kwargs)

    def _setup_model(self) -> None:
        self._setup_with_population()
        self._setup_actor_masks()

    @property
    def _holds_target(self) -> bool:
        """True when the target critic is held between selections (EauDe's ``target_update="selection"``)."""
        return False

    def _example_inputs(self) -> tuple:
        """A batch of one (observation, action), the observation as SBX's policy prepares it: a Dict
        observation ("MultiInputPolicy") is concatenated in the space's key order, as the replay samples are."""
        observation, _ = self.policy.prepare_obs(self.observation_space.sample())
        return jnp.asarray(observation), jnp.asarray([self.action_space.sample()])

    def _init_member(self, key: jax.Array, inputs: tuple) -> tuple[Any, Any]:
        return self.policy.qf.init({"params": key, "dropout": key}, *inputs), None

    # ----- training ----------------------------------------------------------------------------
    def _hyperparameters(self) -> dict[str, Any]:
        """Traced values the hooks need (``tau`` and the algorithm's own)."""
        return {"tau": self.tau}

    def _static_hyperparameters(self) -> tuple:
        """Hashable values the hooks need at trace time (TQC's number of target quantiles)."""
        return ()

    def _ent_coef_state(self) -> Any:
        """The entropy coefficient state, or None for an algorithm without one (TD3)."""
        return getattr(self, "ent_coef_state", None)

    def _set_ent_coef_state(self, state: Any) -> None:
        if state is not None:
            self.ent_coef_state = state

    def _update_learning_rates(self) -> None:
        """SBX's learning rates for the actor and, one per member, the critics."""
        self._update_learning_rate(
            self.policy.actor_state.opt_state,
            learning_rate=self.lr_schedule(self._current_progress_remaining),
            name="learning_rate_actor",
        )
        critic_lr = getattr(self, "initial_qf_learning_rate", None) or self.lr_schedule(self._current_progress_remaining)
        set_learning_rate(self.population.opt_state, critic_lr)
        self.logger.record("train/learning_rate_critic", critic_lr)

    def train(self, gradient_steps: int, batch_size: int) -> None:
        data = self._numpy_batch(batch_size * gradient_steps)
        self._update_learning_rates()

        def train_chunk(chunk, n_steps: int):
            rhythm = StepRhythm(n_steps, self.policy_delay, (self._n_updates + 1) % self.policy_delay,
                                self._holds_target, self._static_hyperparameters())
            learner = Learner(self.population, self._critic(), self.policy.actor_state, self._ent_coef_state(),
                              self.key)
            learner, logs = self._train_population(rhythm, self._hyperparameters(), chunk, learner,
                                                   self._actor_masks_for_training)
            self.population, self.policy.actor_state, self.key = learner.population, learner.actor_state, learner.key
            self._set_critic(learner.critic)
            self._set_ent_coef_state(learner.ent_coef_state)
            return logs

        logs = self._run_in_chunks(data, batch_size, gradient_steps, train_chunk)
        self._record_train_logs(self._actor_log_keys + self._critic_log_keys, logs)

    @classmethod
    @partial(jax.jit, static_argnames=["cls", "rhythm"])
    def _train_population(cls, rhythm: StepRhythm, hyper: dict, data: Any, learner: Learner, actor_masks: Any):
        """``rhythm.gradient_steps`` steps (see the module docstring); returns the learner and the logs.

        With ``rhythm.hold_target`` the target critic(s) stay as they are (SBX's update still moves the
        target actor, TD3's). The actor's mask is re-applied after each step when the actor is pruned
        (else ``actor_masks`` is None).
        """
        static_hyper = rhythm.static_hyper
        batch_size = data.observations.shape[0] // rhythm.gradient_steps
        zeros = lambda keys: tuple(jnp.array(0.0) for _ in keys)  # noqa: E731

        def one_update(i, carry):
            population, critic, actor_state, ent_coef_state, key, actor_logs, _ = carry
            batch = jax.tree_util.tree_map(lambda x: jax.lax.dynamic_slice_in_dim(x, i * batch_size, batch_size), data)
            key, critic_key = jax.random.split(key)

            def member_update(params, opt_state, extra):
                member = member_critic(critic, params, opt_state, extra)
                member, loss, logs = cls._update_member_critic(
                    member, actor_state, ent_coef_state, batch, critic_key, hyper, static_hyper
                )
                return critic_params(member), critic_opt_states(member), critic_extra(member), loss, logs

            population, losses, leader_logs = population_step(population, member_update)
            critic = with_leader(critic, population)
            moved_critic, actor_state = cls._update_targets(critic, actor_state, hyper)
            critic = with_targets_of(moved_critic, critic) if rhythm.hold_target else moved_critic
            actor_state, critic, ent_coef_state, actor_logs, key = jax.lax.cond(
                (rhythm.policy_delay_offset + i) % rhythm.policy_delay == 0,
                partial(cls._update_actor, hyper=hyper, static_hyper=static_hyper),
                lambda actor_state, critic, ent_coef_state, *_: (actor_state, critic, ent_coef_state, actor_logs, key),
                actor_state, critic, ent_coef_state, batch.observations, key,
            )
            if actor_masks is not None:
                actor_state = actor_state.replace(params=apply_masks(actor_state.params, actor_masks))
            return population, critic, actor_state, ent_coef_state, key, actor_logs, (losses[0], *leader_logs)

        carry = (*learner, zeros(cls._actor_log_keys), zeros(cls._critic_log_keys))
        *states, actor_logs, critic_logs = jax.lax.fori_loop(0, rhythm.gradient_steps, one_update, carry)
        return Learner(*states), jnp.stack(actor_logs + critic_logs)  # stacked here: one transfer for the logs

    # ----- the algorithm's own steps (SBX's functions, called as they are) ----------------------
    @classmethod
    def _update_member_critic(cls, critic, actor_state, ent_coef_state, batch, key, hyper, static_hyper):
        """One member's critic step: returns (critic, loss added to L_k, tuple of logs after the loss)."""
        raise NotImplementedError  # pragma: no cover - overridden

    @classmethod
    def _update_targets(cls, critic, actor_state, hyper):
        """Move the target networks after the critic step (Polyak averaging towards the leader)."""
        raise NotImplementedError  # pragma: no cover - overridden

    @classmethod
    def _update_actor(cls, actor_state, critic, ent_coef_state, observations, key, hyper, static_hyper):
        """The actor's (and entropy coefficient's) step with the leader's critic.

        Returns (actor_state, critic, ent_coef_state, actor logs as a tuple, key).
        """
        raise NotImplementedError  # pragma: no cover - overridden


def with_targets_of(critic: Any, source: Any) -> Any:
    """The critic state(s) ``critic`` with the target parameters of ``source`` (a held target)."""
    return jax.tree_util.tree_map(lambda state, held: state.replace(target_params=held.target_params), critic, source,
                                  is_leaf=is_state)


def targets_from_online(critic: Any) -> Any:
    """The critic state(s) with their online parameters copied into their targets (a hard update)."""
    return jax.tree_util.tree_map(lambda state: state.replace(target_params=state.params), critic, is_leaf=is_state)


class EauDeActorCritic(EauDeMixin):
    """EauDe for an actor-critic algorithm (mixed in before its population class): a selection every
    ``selection_period`` gradient steps, judged after ``recovery_fraction`` of it, and the target critic
    moved by Polyak averaging or (``target_update="selection"``) copied from the leader at each
    selection and held (no effect on CrossQ, which has no target network)."""

    def _new_clock(self) -> PeriodClock:
        return PeriodClock.in_gradient_steps(self.config.selection_period, self.config.recovery_fraction)

    @property
    def _holds_target(self) -> bool:
        return self._has_target_network and self.config.target_update == "selection"

    def _select(self) -> None:
        super()._select()
        if self._holds_target:
            self._set_critic(targets_from_online(self._critic()))


class PolyPruneActorCritic(PolyPruneMixin):
    """PolyPrune for an actor-critic algorithm (mixed in before its population class): a pruning step
    every ``prune_period`` gradient steps."""

    def _new_clock(self) -> PeriodClock:
        return PeriodClock.in_gradient_steps(self.config.prune_period, 0.0)  # PolyPrune judges nothing
