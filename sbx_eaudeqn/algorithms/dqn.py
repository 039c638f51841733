"""EauDeDQN and PolyPruneDQN: SBX DQN with pruned Q-networks (MlpPolicy, the Nature CNN, MinAtar's network).

Both keep SBX's policies, replay buffer, exploration schedule and loss (``DQN.update_qnetwork`` is
called as it is, under ``jax.vmap``). The online Q-networks form a population (K for EauDe, 1 for
PolyPrune) trained on one minibatch against one shared target; masks are re-applied after every step.
The head's first linear layer is set as in SBX: ``policy_kwargs=dict(net_arch=[n_units])``.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from gymnasium import spaces
from sbx import DQN
from stable_baselines3.common.type_aliases import TrainFrequencyUnit

from sbx_eaudeqn.algorithms.base import PopulationMixin
from sbx_eaudeqn.algorithms.eaude import EauDeMixin
from sbx_eaudeqn.envs.minatar import MinAtarPolicy
from sbx_eaudeqn.algorithms.options import check_action_space, check_period
from sbx_eaudeqn.core.clock import (
    PeriodClock,
    gradient_steps_per_target_update,
    target_update_env_steps,
    updates_per_period,
)
from sbx_eaudeqn.algorithms.polyprune import PolyPruneMixin
from sbx_eaudeqn.core.population import acting_probabilities, population_step
from sbx_eaudeqn.core.xla_options import CPU_CNN_COMPILER_OPTIONS, cpu_cnn_compiler_options, trains_unrolled  # noqa: F401

# Head widths (units of the first linear layer after the Nature CNN torso) used to compare network
# sizes; the paper varies only this layer. Pass one as policy_kwargs=dict(net_arch=[HEAD_SIZES["large"]]).
HEAD_SIZES = {"small": 32, "medium": 512, "large": 2048}
# EauDeDQN's target_update_interval when none is given: with SBX's train_freq=4 and gradient_steps=1,
# 500 gradient steps per selection, what a pruned copy needs to recover (SBX's own 1000 gives 250).
DEFAULT_TARGET_UPDATE_INTERVAL = 2000


def population_steps(cls, gradient_steps, data, population, qf_state, hyper, unrolled):
    """``gradient_steps`` updates of every member on consecutive minibatches of ``data`` (traced): each
    member takes ``cls._update_member`` (SBX's DQN step) against the shared target. Returns the
    population, the policy's Q-state holding the leader (slot 0), and the leader's last loss and mean Q.

    :param hyper: traced values the loss needs (CQL's ``cql_alpha``; none for DQN).
    :param unrolled: steps and members unrolled instead of ``lax.scan`` and ``vmap`` (CNNs on CPU).
    """
    batch_size = data.observations.shape[0] // gradient_steps

    def one_update(population, i):
        batch = jax.tree_util.tree_map(lambda x: jax.lax.dynamic_slice_in_dim(x, i * batch_size, batch_size), data)

        def member_update(params, opt_state, extra):
            member = qf_state.replace(params=params, opt_state=opt_state)
            member, (loss, q_mean) = cls._update_member(member, batch, hyper)
            return member.params, member.opt_state, extra, loss, q_mean

        population, losses, leader_q_mean = population_step(population, member_update, unrolled=unrolled)
        return population, (losses[0], leader_q_mean)

    if unrolled:
        for i in range(gradient_steps):
            population, info = one_update(population, i)
    else:
        population, infos = jax.lax.scan(one_update, population, jnp.arange(gradient_steps))
        info = jax.tree_util.tree_map(lambda x: x[-1], infos)
    qf_state = qf_state.replace(params=jax.tree_util.tree_map(lambda leaf: leaf[0], population.params))
    return population, qf_state, jnp.stack(info)  # stacked here: one transfer for the logs, no eager op


@cache
def compiled_population_steps(unrolled: bool):
    """:func:`population_steps`, compiled; the unrolled path (CNNs on CPU) with
    :func:`~sbx_eaudeqn.core.xla_options.cpu_cnn_compiler_options`."""
    options = cpu_cnn_compiler_options() if unrolled else None
    return jax.jit(population_steps, static_argnames=("cls", "gradient_steps", "unrolled"), compiler_options=options)


class _PopulationQDQN(PopulationMixin, DQN):
    """SBX DQN whose online Q-network is a population of masked networks (slot 0 is the leader)."""

    family = "dqn"
    # SBX's MlpPolicy and CnnPolicy, and MinAtar's standard network (sbx_eaudeqn.envs.minatar).
    policy_aliases: ClassVar[dict[str, type]] = {**DQN.policy_aliases, "MinAtarPolicy": MinAtarPolicy}

    def __init__(self, policy, env, **dqn_kwargs: Any) -> None:
        check_action_space(env, spaces.Discrete, type(self).__name__)
        if "target_update_interval" in dqn_kwargs:  # SBX accepts 0 and dies in learn (modulo by zero)
            check_period("target_update_interval", dqn_kwargs["target_update_interval"])
        super().__init__(policy, env, **dqn_kwargs)

    def _setup_model(self) -> None:
        if self.population is None:  # constructed, not loaded: the user's target period, stored once
            self.target_update_env_steps = int(self.target_update_interval)
        self._setup_with_population()
        # SBX counts target updates in calls of _on_step, one per step of all n_envs envs, and divides
        # its attribute by n_envs in _setup_model, which a load would repeat on the divided value:
        # derive it from the environment steps instead, at construction and at load alike.
        self.target_update_interval = max(target_update_env_steps(self) // self.n_envs, 1)

    def _gradient_steps_per_target_update(self) -> float | None:
        """Gradient steps between two target updates, or None where the settings do not fix it."""
        if self.train_freq.unit != TrainFrequencyUnit.STEP:
            return None  # train_freq counts episodes
        return gradient_steps_per_target_update(target_update_env_steps(self), self.train_freq.frequency,
                                                self.gradient_steps, self.n_envs)

    def _example_inputs(self) -> tuple:
        return (jnp.asarray([self.observation_space.sample()]),)

    def _init_member(self, key: jax.Array, inputs: tuple) -> tuple[Any, None]:
        return self.policy.qf.init({"params": key}, *inputs), None

    # ----- training ----------------------------------------------------------------------------
    def train(self, batch_size: int, gradient_steps: int) -> None:
        """SBX DQN's ``train`` for the population: the gradient steps in chunks that end on selections or prunings."""
        data = self._numpy_batch(batch_size * gradient_steps)
        unrolled = self.unrolled_training

        train_steps = compiled_population_steps(unrolled)

        def train_chunk(chunk, n_steps: int) -> jax.Array:
            self.population, self.policy.qf_state, logs = train_steps(
                type(self), n_steps, chunk, self.population, self.policy.qf_state, self._hyperparameters(),
                unrolled=unrolled,
            )
            return logs

        logs = self._run_in_chunks(data, batch_size, gradient_steps, train_chunk)
        self._record_train_logs(("train/critic_loss", "train/qf_mean_value"), logs)

    @property
    def unrolled_training(self) -> bool:
        """True when gradient steps and members run unrolled instead of in ``lax.scan`` and ``vmap``
        (convolutional networks on CPU: see :func:`~sbx_eaudeqn.core.xla_options.trains_unrolled`)."""
        return trains_unrolled(self.policy.qf_state.params)

    def _hyperparameters(self) -> dict[str, Any]:
        """Traced values the loss needs (CQL's alpha); DQN's needs none."""
        return {}

    @classmethod
    def _update_member(cls, member, batch, hyper):
        """One gradient step of one member: SBX's DQN update, as it is."""
        return cls.update_qnetwork(
            member, batch.observations, batch.actions, batch.next_observations, batch.rewards, batch.dones,
            batch.discounts,
        )

    def _is_target_update_step(self) -> bool:
        """True when the coming ``_on_step`` call updates the target (SBX counts calls in ``_n_calls``)."""
        return (self._n_calls + 1) % self.target_update_interval == 0


class EauDeDQN(EauDeMixin, _PopulationQDQN):
    """EauDeDQN: DQN whose Q-network sparsity is discovered by a population (Vincent et al., RLC 2025).

    K online Q-networks with different sparsities train on one minibatch against one shared target.
    A selection comes at every k-th target update (``target_updates_per_selection``; by default the
    smallest k that gives 500 gradient steps per selection, so k = 1 with the default
    ``target_update_interval=2000`` and ``train_freq=4``, and k = 2 with RL Zoo's Acrobot entry): the
    member with the lowest cumulated loss becomes the target (a hard copy, mask included, with the
    default ``tau=1``) and moves to slot 0; the other slots are refilled by tournament and the copies
    pruned to sparsities sampled with Eq. 3. Between selections the leader still becomes the target at
    each target update. A target update with no gradient step since the last selection is not counted.

    Acting: with probability epsilon a random action; otherwise member b, drawn with probability
    proportional to 1 / (L_b + 1e-6), acts greedily. ``predict(deterministic=True)``, evaluation and
    the saved policy use the leader. With ``population_size=1`` the single network is pruned at each
    selection to a sparsity sampled with Eq. 3 (DistillQN with a sampled schedule).

    Its options and their defaults (a pruned copy keeps its parent's Adam moments and is judged on the
    second half of each period; selection by the paper's strict minimum): the docs' options reference,
    generated from :data:`sbx_eaudeqn.algorithms.config.EAUDE_OPTIONS`. Every other keyword argument is
    :class:`sbx.DQN`'s; ``target_update_interval`` defaults to 2000 here (SBX: 1000). A period of fewer
    than 500 gradient steps warns.
    """

    _period_settings = "target_update_interval, gradient_steps or target_updates_per_selection (or lower train_freq)"
    # 500 gradient steps per selection with SBX's train_freq=4 (SBX's own 1000 gives 250).
    _parent_defaults = {"target_update_interval": DEFAULT_TARGET_UPDATE_INTERVAL}

    def _new_clock(self) -> PeriodClock:
        """k target updates per selection: the requested k, or the smallest with 500 gradient steps."""
        per_update = self._gradient_steps_per_target_update()
        k = updates_per_period(self.config.target_updates_per_selection, per_update)
        return PeriodClock.in_target_updates(k, per_update, self.config.recovery_fraction)

    def _on_step(self) -> None:
        """Select before SBX copies the online network (now the leader) into the target, every k-th update."""
        if self._is_target_update_step():
            self._on_clock_events(self.period_clock.target_update())
        super()._on_step()

    def predict(self, observation, state=None, episode_start=None, deterministic: bool = False):
        """Epsilon-greedy on a member drawn by inverse cumulated loss; greedy leader if deterministic."""
        if deterministic or self.population_size == 1:  # one member: it is the leader
            return super().predict(observation, state, episode_start, deterministic)
        observation, vectorized = self.policy.prepare_obs(observation)
        n_batch = observation.shape[0]
        if np.random.rand() < self.exploration_rate:
            actions = np.array([self.action_space.sample() for _ in range(n_batch)])
        else:
            self.key, actions = _member_greedy_actions(
                self.policy.qf_state, self.population.params, self.population.cumulated_losses, self.key, observation
            )
            actions = np.asarray(actions)
        if not vectorized:
            actions = actions.squeeze(axis=0)
        return actions, state


@jax.jit
def _member_greedy_actions(qf_state, stacked_params, cumulated_losses, key, observations):
    """Greedy actions of member b ~ P(b) proportional to 1 / (L_b + 1e-6); returns (new key, actions)."""
    key, member_key = jax.random.split(key)
    member = jax.random.choice(member_key, cumulated_losses.shape[0], p=acting_probabilities(cumulated_losses))
    params = jax.tree_util.tree_map(lambda leaf: leaf[member], stacked_params)
    return key, jnp.argmax(qf_state.apply_fn(params, observations), axis=1).reshape(-1)


class PolyPruneDQN(PolyPruneMixin, _PopulationQDQN):
    """PolyPruneDQN: DQN with the Q-network magnitude-pruned on a polynomial schedule (Ceron et al. 2024).

    With the default ``prune_period=None`` the network is pruned right after every target update, so
    the online network is a pruned copy of the target: this is the paper's DistillQN (PolyPruneQN with
    its pruning period synchronised with the target updates). An integer ``prune_period`` prunes every
    that many gradient steps instead. s(t) = s_F (1 - (1 - (t - t_start) / (t_end - t_start))^n),
    t in environment steps, t_start and t_end as fractions of the ``total_timesteps`` of ``learn``.

    Its options and their defaults: :data:`sbx_eaudeqn.algorithms.config.POLYPRUNE_OPTIONS`; every other
    keyword argument is :class:`sbx.DQN`'s.
    """

    def _new_clock(self) -> PeriodClock:
        if self.config.prune_period is None:
            return PeriodClock.in_target_updates(1, self._gradient_steps_per_target_update(), 0.0)  # PolyPrune judges nothing
        return PeriodClock.in_gradient_steps(self.config.prune_period, 0.0)  # PolyPrune judges nothing

    def _on_step(self) -> None:
        """DistillQN: after SBX copies the online network into the target, prune the online network."""
        events = self.period_clock.target_update() if self._is_target_update_step() else []
        super()._on_step()
        self._on_clock_events(events)
