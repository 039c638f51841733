"""What the EauDe and PolyPrune algorithms share on top of their SBX parents.

Each algorithm keeps its online networks in a :class:`~sbx_eaudeqn.population.PopulationState`
(K members for EauDe, one for PolyPrune). Every ``event period`` gradient steps an *event* runs:
an EauDe selection or a PolyPrune pruning step. Gradient steps are run in jitted chunks that end
exactly on events, so an event never falls inside a compiled loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import jax
import numpy as np
from gymnasium import spaces

from sbx_eaudeqn.population import PopulationState, check_eaude_args, prune_population, select_and_explore
from sbx_eaudeqn.pruning import check_prune_scope, stacked_weight_sparsity
from sbx_eaudeqn.schedules import check_polynomial_args, polynomial_sparsity
from sbx_eaudeqn.selection_log import SelectionLog


def check_action_space(env: Any, allowed: type[spaces.Space], algorithm: str) -> None:
    """Raise a ValueError when ``env`` (an env, a VecEnv or an env id) has an unsupported action space."""
    if env is None:
        return
    if isinstance(env, str):
        probe = gym.make(env)
        action_space = probe.action_space
        probe.close()
    else:
        action_space = env.action_space
    if not isinstance(action_space, allowed):
        raise ValueError(
            f"{algorithm} supports only {allowed.__name__} action spaces (env action_space), "
            f"got {type(action_space).__name__}"
        )


class PopulationMixin:
    """Population bookkeeping shared by the algorithm classes (mixed in before the SBX class)."""

    population: PopulationState | None = None
    population_size: int = 1
    prune_scope: str = "layerwise"
    # The last train call's logged values, still on the device: (logger keys, stacked values).
    _pending_train_logs: tuple[tuple[str, ...], jax.Array] | None = None

    def _init_population_args(self, population_size: int, prune_scope: str) -> None:
        self.population_size = population_size
        self.prune_scope = check_prune_scope(prune_scope)
        self._steps_since_event = 0
        self._last_event_timestep = 0
        self._event_logs: dict[str, float] = {}
        self.population = None

    def learn(self, total_timesteps: int, callback=None, log_interval: int = 4, tb_log_name: str | None = None,
              reset_num_timesteps: bool = True, progress_bar: bool = False):
        """SB3's ``learn``; TensorBoard runs are named after the algorithm (``EauDeSAC_1``, ...)."""
        return super().learn(  # type: ignore[misc]
            total_timesteps, callback, log_interval, tb_log_name or type(self).__name__, reset_num_timesteps,
            progress_bar,
        )

    # ----- set-up and loading -----------------------------------------------------------------
    def _setup_with_population(self, build_population: Callable[[], PopulationState]) -> None:
        """Call the SBX ``_setup_model``; build the population, or keep the loaded one and its JAX key.

        SBX's ``_setup_model`` resets ``self.key`` from the seed, which on ``load`` would lose the
        learner's random state; a loaded population means a loaded model, so its key is kept.
        """
        loaded_population = self.population
        loaded_key = self.key
        super()._setup_model()  # type: ignore[misc]
        if loaded_population is None:
            self.population = build_population()
            self._update_event_logs()
            return
        if loaded_population.size != self.population_size:
            raise ValueError(
                f"population_size={self.population_size} was requested, but the saved model has a population "
                f"of {loaded_population.size}; load it with population_size={loaded_population.size}"
            )
        self.population = loaded_population
        self.key = loaded_key

    # ----- training loop -----------------------------------------------------------------------
    def _run_in_chunks(self, gradient_steps: int, run_chunk: Callable[[int, int], None]) -> None:
        """Run ``gradient_steps`` steps as ``run_chunk(start, n)`` calls that end exactly on events.

        Without a period in gradient steps (``_event_period`` is None: events come from the
        target updates instead), all steps run as one chunk.
        """
        done = 0
        while done < gradient_steps:
            n_steps = gradient_steps - done
            if self._event_period is not None:
                n_steps = min(n_steps, self._event_period - self._steps_since_event)
            run_chunk(done, n_steps)
            done += n_steps
            self._steps_since_event += n_steps
            self._n_updates += n_steps  # type: ignore[attr-defined]
            if self._event_period is not None and self._steps_since_event >= self._event_period:
                self._fire_event()

    def _fire_event(self) -> None:
        """Run the event (selection or pruning) and restart the period."""
        self._on_event()
        self._steps_since_event = 0
        self._last_event_timestep = self.num_timesteps  # type: ignore[attr-defined]

    @property
    def _event_period(self) -> int | None:  # pragma: no cover - overridden
        """Gradient steps between two events (the selection or pruning period), or None."""
        raise NotImplementedError

    def _on_event(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _event_context(self) -> tuple[int, int, int]:
        """(t, T, L) in environment steps: now, since the previous event, and the training length."""
        t = int(self.num_timesteps)  # type: ignore[attr-defined]
        total = int(max(self._total_timesteps, t))  # type: ignore[attr-defined]
        return t, t - self._last_event_timestep, total

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

    def _sync_leader_to_policy(self) -> None:
        """Make the policy's online network (what SBX acts and bootstraps with) the leader, slot 0."""
        qf_state = self.policy.qf_state  # type: ignore[attr-defined]
        self.policy.qf_state = qf_state.replace(params=first_member(self.population.params))  # type: ignore[attr-defined]

    def _update_event_logs(self, extra: dict[str, float] | None = None) -> None:
        sparsities = self.population_sparsities
        self._event_logs.update({"train/sparsity": sparsities[0], "train/population_sparsity": float(np.mean(sparsities))})
        if extra:
            self._event_logs.update(extra)

    def _record_event_logs(self) -> None:
        """Record the values measured at the last event (cached, so no device sync per step)."""
        for key, value in self._event_logs.items():
            self.logger.record(key, value)  # type: ignore[attr-defined]

    def _record_train_logs(self, keys: tuple[str, ...], values: jax.Array) -> None:
        """Log a train call's values (``values[i]`` under ``keys[i]``) and the last event's.

        The train values stay on the device until the logger dumps (:meth:`dump_logs`), which records
        the latest ones as SB3 would have: a train call then waits for nothing, so consecutive calls
        queue up on the device instead of syncing once each.
        """
        self._pending_train_logs = (keys, values)
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")  # type: ignore[attr-defined]
        self._record_event_logs()

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


@jax.jit
def first_member(stacked: Any) -> Any:
    """Member 0 of a stacked tree (one compiled call rather than one per leaf)."""
    return jax.tree_util.tree_map(lambda leaf: leaf[0], stacked)


def host_floats(values: jax.Array) -> list[float]:
    """A small device array as a list of Python floats (one transfer)."""
    return [float(v) for v in np.asarray(values)]


class EauDeMixin(PopulationMixin):
    """EauDe: selection of the member with the lowest cumulated loss, tournaments and Eq. 3 exploration."""

    def _init_eaude_args(self, population_size: int, tournament_size: int | None, sparsity_scale: float,
                         max_prune_fraction: float, prune_scope: str) -> None:
        self.tournament_size = check_eaude_args(population_size, tournament_size, sparsity_scale, max_prune_fraction)
        self.sparsity_scale = float(sparsity_scale)
        self.max_prune_fraction = float(max_prune_fraction)
        self.selection_log = SelectionLog(population_size)
        self._init_population_args(population_size, prune_scope)

    def _run_selection(self) -> None:
        """Selection (see :func:`~sbx_eaudeqn.population.select_and_explore`); the leader ends in slot 0."""
        t, period, total = self._event_context()
        self.key, selection_key = jax.random.split(self.key)  # type: ignore[has-type]
        self.population, info = select_and_explore(
            self.population,
            selection_key,
            t,
            period,
            total,
            tx=self.policy.qf_state.tx,  # type: ignore[attr-defined]
            tournament_size=self.tournament_size,
            sparsity_scale=self.sparsity_scale,
            max_prune_fraction=self.max_prune_fraction,
            prune_scope=self.prune_scope,
        )
        self._sync_leader_to_policy()
        info = jax.device_get(info)  # one transfer for all the values logged
        self.selection_log.record(self.num_timesteps, info)  # type: ignore[attr-defined]
        losses = {f"train/cumulated_loss_{k}": float(loss) for k, loss in enumerate(info["cumulated_losses"])}
        self._update_event_logs(losses | {"train/leader": int(info["leader"])} | self.selection_log.logger_values())


class PolyPruneMixin(PopulationMixin):
    """PolyPrune: one network, magnitude-pruned to the polynomial schedule's sparsity at each event."""

    def _init_polyprune_args(self, final_sparsity: float, prune_start: float, prune_end: float,
                             prune_exponent: float, prune_scope: str) -> None:
        check_polynomial_args(final_sparsity, prune_start, prune_end, prune_exponent)
        self.final_sparsity = float(final_sparsity)
        self.prune_start = float(prune_start)
        self.prune_end = float(prune_end)
        self.prune_exponent = float(prune_exponent)
        self._pruned_to = 0.0  # the last scheduled sparsity applied
        self._init_population_args(1, prune_scope)

    def _run_scheduled_pruning(self) -> None:
        """Grow the mask to s(t / L); the optimizer state is kept (Ceron et al. 2024)."""
        t, _, total = self._event_context()
        target = polynomial_sparsity(t / total, self.final_sparsity, self.prune_start, self.prune_end, self.prune_exponent)
        self._event_logs["train/scheduled_sparsity"] = target
        if target <= self._pruned_to:
            return  # masks only grow: nothing to do (before the start, after the end, or repeated events)
        self._pruned_to = target
        self.population = prune_population(self.population, np.float32(target), self.prune_scope)
        self._sync_leader_to_policy()
        self._update_event_logs()
