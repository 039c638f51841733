"""The population bookkeeping that every EauDe and PolyPrune algorithm shares on top of its SBX parent.

Each algorithm keeps its online networks in a :class:`~sbx_eaudeqn.core.population.PopulationState`
(K members for EauDe, one for PolyPrune). At the end of every period (a number of gradient steps, or
k target updates for the DQN family: :class:`~sbx_eaudeqn.core.clock.PeriodClock`) EauDe selects and
PolyPrune prunes. Gradient steps run in jitted chunks that end exactly on the clock's boundaries, so
that a selection or pruning never falls inside a compiled loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from gymnasium import spaces
from sbx.common.type_aliases import ReplayBufferSamplesNp

from sbx_eaudeqn.persistence.checkpoints import CheckpointMixin
from sbx_eaudeqn.core.critic_state import critic_extra, critic_params, critic_txs, is_state, with_leader
from sbx_eaudeqn.core.clock import END, JUDGING, PeriodClock
from sbx_eaudeqn.core.population import PopulationState, init_population, with_losses_reset
from sbx_eaudeqn.core.pruning import layer_sparsities, stacked_weight_sparsity
from sbx_eaudeqn.persistence.warm_start import WarmStartMixin


class PopulationMixin(CheckpointMixin, WarmStartMixin):
    """Population bookkeeping shared by the algorithm classes (mixed in before the SBX class).

    The population stands for SBX's online critic: :meth:`_critic` and :meth:`_set_critic` give the
    critic state(s) SBX's update functions take (``policy.qf_state``; a tuple for an algorithm with
    several, as TQC's two; :meth:`_critic_of` names them on any SBX policy of the parent, a dense
    model's too), and :meth:`_init_member` builds one member's fresh parameters.
    """

    population: PopulationState | None = None
    # The last train call's logged values, still on the device: (logger keys, stacked values).
    _pending_train_logs: tuple[tuple[str, ...], jax.Array] | None = None
    # The family whose defaults the options take (``"dqn"`` or ``"actor_critic"``), set by each family's
    # class, and the method (``sbx_eaudeqn.algorithms.config.EAUDE`` or ``POLYPRUNE``), set by its mixin.
    family: str
    method: Any
    # SBX keyword arguments whose default this family changes (shown in the signature too).
    _parent_defaults: dict[str, Any] = {}

    def __init__(self, policy, env, **kwargs: Any) -> None:
        """Build the configuration once: the method's options (this family's defaults) leave ``kwargs``,
        the rest goes to the SBX parent."""
        self.config = self.method.configure(self.family, kwargs)
        kwargs = self._parent_defaults | kwargs
        self._population_logs: dict[str, float] = {}  # values measured at the last selection or pruning
        self.period_clock: PeriodClock | None = None
        self.population = None
        super().__init__(policy, env, **kwargs)  # type: ignore[call-arg]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class with both a family and a method shows its real constructor signature (our options with
        this family's defaults, then the SBX parent's keywords): for ``help()``, IDEs and the docs."""
        super().__init_subclass__(**kwargs)
        if getattr(cls, "method", None) is not None and getattr(cls, "family", None) is not None:
            extras = {name: default for name, (default, _) in getattr(cls, "extra_parameters", {}).items()}
            cls.__signature__ = cls.method.signature(cls.family, cls.sbx_parent(), cls._parent_defaults, extras)

    @classmethod
    def sbx_parent(cls) -> type:
        """The SBX algorithm class this one extends (``sbx.SAC`` for EauDeSAC, ...)."""
        return next(klass for klass in cls.__mro__ if klass.__module__.split(".")[0] == "sbx")

    @property
    def population_size(self) -> int:
        """K, the number of members (1 for PolyPrune)."""
        return getattr(self.config, "population_size", 1)

    def learn(self, total_timesteps: int, callback=None, log_interval: int = 4, tb_log_name: str | None = None,
              reset_num_timesteps: bool = True, progress_bar: bool = False):
        """SB3's ``learn``; TensorBoard runs are named after the algorithm (``EauDeSAC_1``, ...)."""
        return super().learn(  # type: ignore[misc]
            total_timesteps, callback, log_interval, tb_log_name or type(self).__name__, reset_num_timesteps,
            progress_bar,
        )

    # ----- the critic the population stands for ----------------------------------------------
    @staticmethod
    def _critic_of(policy: Any) -> Any:
        """The online critic state(s) of an SBX policy of this algorithm's parent (``policy.qf_state`` here).

        The one place that names them: :meth:`_critic` reads this model's, ``from_dense`` a dense model's.
        """
        return policy.qf_state

    def _critic(self) -> Any:
        """SBX's online critic state(s): what its update functions take."""
        return self._critic_of(self.policy)  # type: ignore[attr-defined]

    def _set_critic(self, critic: Any) -> None:
        self.policy.qf_state = critic  # type: ignore[attr-defined]

    def _example_inputs(self) -> tuple:
        """One example input of the critic, to initialise members (observation, and action for a Q(s, a) critic)."""
        raise NotImplementedError  # pragma: no cover - overridden

    def _init_member(self, key: jax.Array, inputs: tuple) -> tuple[Any, Any]:
        """Fresh parameters of one member, and its extra state (batch statistics) or None."""
        raise NotImplementedError  # pragma: no cover - overridden

    # ----- set-up and loading -----------------------------------------------------------------
    def _setup_with_population(self) -> None:
        """Call the SBX ``_setup_model``; build the population, or keep the loaded one and its JAX key.

        SBX's ``_setup_model`` resets ``self.key`` from the seed, which on ``load`` would lose the
        learner's random state; a loaded population means a loaded model, so its key is kept.
        """
        loaded_population = self.population
        loaded_key = self.key  # type: ignore[has-type]
        super()._setup_model()  # type: ignore[misc]
        if loaded_population is not None:
            self.population = loaded_population
            self.key = loaded_key
            return
        self.population = self._build_population()
        self._update_population_logs()
        self.period_clock = self._new_clock()
        self._check_period()

    def _new_clock(self) -> PeriodClock:  # pragma: no cover - overridden
        """The clock of this algorithm's periods, from its settings (once, at construction)."""
        raise NotImplementedError

    def _check_period(self) -> None:
        """Warn about a period that keeps the method from working (EauDe: too short to recover)."""

    def _build_population(self) -> PopulationState:
        """K members: member 0 is SBX's initial critic (the target's copy), the others fresh inits, or
        copies of member 0 with ``population_init="copies"``.

        The critic state(s) kept by the policy then only hold the leader's parameters and the
        shared target; the optimizer states live in the population.
        """
        critic = self._critic()
        inputs = self._example_inputs()
        self.key, *member_keys = jax.random.split(self.key, self.population_size)  # type: ignore[has-type]
        leader = (critic_params(critic), critic_extra(critic))
        if getattr(self.config, "population_init", "independent") == "copies":
            members = [leader] * self.population_size
        else:
            members = [leader] + [self._init_member(k, inputs) for k in member_keys]
        stack = lambda *trees: jax.tree_util.tree_map(lambda *leaves: jax.numpy.stack(leaves), *trees)  # noqa: E731
        extras = [extra for _, extra in members]
        population = init_population(
            stack(*(params for params, _ in members)), critic_txs(critic), None if extras[0] is None else stack(*extras)
        )
        self._set_critic(jax.tree_util.tree_map(lambda state: state.replace(opt_state=None), critic, is_leaf=is_state))
        return population

    # ----- training loop -----------------------------------------------------------------------
    def _numpy_batch(self, n_samples: int) -> ReplayBufferSamplesNp:
        """A replay sample as numpy arrays, as SBX's ``train`` methods convert it (inline there, so not reusable).

        Observations keep the buffer's dtype (uint8 frames stay uint8); dict observations are
        concatenated; discrete actions become integers.
        """
        data = self.replay_buffer.sample(n_samples, env=self._vec_normalize_env)  # type: ignore[attr-defined]
        if isinstance(data.observations, dict):
            keys = list(self.observation_space.keys())  # type: ignore[attr-defined]
            obs = np.concatenate([data.observations[key].numpy() for key in keys], axis=1)
            next_obs = np.concatenate([data.next_observations[key].numpy() for key in keys], axis=1)
        else:
            obs, next_obs = data.observations.numpy(), data.next_observations.numpy()
        if isinstance(self.action_space, spaces.Discrete):  # type: ignore[attr-defined]
            actions = data.actions.long().numpy()
        else:
            actions = data.actions.numpy()
        if data.discounts is None:
            discounts = np.full((n_samples,), self.gamma, dtype=np.float32)  # type: ignore[attr-defined]
        else:
            discounts = data.discounts.numpy().flatten()
        return ReplayBufferSamplesNp(obs, actions, next_obs, data.dones.numpy().flatten(), data.rewards.numpy().flatten(),
                                     discounts)

    def _run_in_chunks(self, data: ReplayBufferSamplesNp, batch_size: int, gradient_steps: int,
                       train_chunk: Callable[[ReplayBufferSamplesNp, int], Any]) -> Any:
        """Run ``gradient_steps`` steps as ``train_chunk(minibatches, n_steps)`` calls that end exactly on
        the clock's boundaries (judging starts, a period ends), so that none falls inside a compiled
        loop; returns the last call's result."""
        done, result = 0, None
        while done < gradient_steps:
            n_steps = int(min(gradient_steps - done, self.period_clock.steps_to_boundary()))
            chunk = jax.tree_util.tree_map(lambda x: x[done * batch_size : (done + n_steps) * batch_size], data)
            result = train_chunk(chunk, n_steps)
            done += n_steps
            self._n_updates += n_steps  # type: ignore[attr-defined]
            self._on_clock_events(self.period_clock.advance(n_steps))
        return result

    def _on_clock_events(self, events: list[str]) -> None:
        """The one route from the clock to the method: judging starts (every L_k back to 0, the losses
        of the recovery part do not count), or the period ends (select or prune, a new period starts)."""
        if JUDGING in events:
            self.population = with_losses_reset(self.population)
        if END in events:
            self._select_or_prune()
            self.period_clock.restart(self.num_timesteps)  # type: ignore[attr-defined]

    def _select_or_prune(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _training_times(self) -> tuple[int, int, int]:
        """(t, T, L) in environment steps: now, since the previous selection or pruning, and the training length."""
        t = int(self.num_timesteps)  # type: ignore[attr-defined]
        total = int(max(self._total_timesteps, t))  # type: ignore[attr-defined]
        return t, t - self.period_clock.start, total

    # ----- reporting ---------------------------------------------------------------------------
    @property
    def sparsity(self) -> float:
        """Sparsity of the network the agent acts with (slot 0: the leader), measured from its weights."""
        return self.population_sparsities[0]

    @property
    def population_sparsities(self) -> list[float]:
        """Sparsity of each member, measured from the weights (K floats)."""
        assert self.population is not None
        return [float(s) for s in stacked_weight_sparsity(self.population.params)]

    @property
    def layer_sparsities(self) -> dict[str, float]:
        """Sparsity of each kernel of the leader (slot 0), keyed by its path (``"params/Conv_0/kernel"``)."""
        assert self.population is not None
        return layer_sparsities(self.population.member(0)[0])

    def _sync_leader_to_policy(self) -> None:
        """Make the policy's online critic (what SBX acts and bootstraps with) the leader, slot 0."""
        self._set_critic(with_leader(self._critic(), self.population))

    def _update_population_logs(self, extra: dict[str, float] | None = None) -> None:
        sparsities = self.population_sparsities
        self._population_logs.update({"train/sparsity": sparsities[0], "train/population_sparsity": float(np.mean(sparsities))})
        if extra:
            self._population_logs.update(extra)

    def _record_population_logs(self) -> None:
        """Record the values measured at the last selection or pruning (cached, so no device sync per step)."""
        for key, value in self._population_logs.items():
            self.logger.record(key, value)  # type: ignore[attr-defined]

    def _record_train_logs(self, keys: tuple[str, ...], values: jax.Array) -> None:
        """Log a train call's values (``values[i]`` under ``keys[i]``) and the last selection's or pruning's.

        The train values stay on the device until the logger dumps (:meth:`dump_logs`), which records
        the latest ones as SB3 would have: a train call then waits for nothing, so consecutive calls
        queue up on the device instead of syncing once each.
        """
        self._pending_train_logs = (keys, values)
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")  # type: ignore[attr-defined]
        self._record_population_logs()

    def _fetch_train_logs(self) -> None:
        """Record the pending train values in the logger (one transfer)."""
        if self._pending_train_logs is not None:
            keys, values = self._pending_train_logs
            for key, value in zip(keys, host_floats(values)):
                self.logger.record(key, value)  # type: ignore[attr-defined]
            self._pending_train_logs = None

    def dump_logs(self) -> None:
        """SB3's ``dump_logs``, with the pending train values fetched first."""
        self._fetch_train_logs()
        super().dump_logs()  # type: ignore[misc]

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_pending_train_logs"]  # type: ignore[misc]


def host_floats(values: jax.Array) -> list[float]:
    """A small device array as a list of Python floats (one transfer)."""
    return [float(v) for v in np.asarray(values)]


