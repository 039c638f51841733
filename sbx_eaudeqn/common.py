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

from sbx_eaudeqn.population import PopulationState
from sbx_eaudeqn.pruning import check_prune_scope, stacked_weight_sparsity, weight_sparsity


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

    def _init_population_args(self, population_size: int, prune_scope: str) -> None:
        self.population_size = population_size
        self.prune_scope = check_prune_scope(prune_scope)
        self._steps_since_event = 0
        self._last_event_timestep = 0
        self._event_logs: dict[str, float] = {}
        self.population = None

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
        """Run ``gradient_steps`` steps as ``run_chunk(start, n)`` calls that end exactly on events."""
        done = 0
        while done < gradient_steps:
            n_steps = min(gradient_steps - done, self._event_period - self._steps_since_event)
            run_chunk(done, n_steps)
            done += n_steps
            self._steps_since_event += n_steps
            self._n_updates += n_steps  # type: ignore[attr-defined]
            if self._steps_since_event >= self._event_period:
                self._on_event()
                self._steps_since_event = 0
                self._last_event_timestep = self.num_timesteps  # type: ignore[attr-defined]
                self._update_event_logs()

    @property
    def _event_period(self) -> int:  # pragma: no cover - overridden
        """Gradient steps between two events (the selection or pruning period)."""
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
        assert self.population is not None
        return float(weight_sparsity(self.population.member(0)[0]))

    @property
    def population_sparsities(self) -> list[float]:
        """Sparsity of each member, measured from the weights (K floats)."""
        assert self.population is not None
        return [float(s) for s in stacked_weight_sparsity(self.population.params)]

    def _update_event_logs(self, extra: dict[str, float] | None = None) -> None:
        sparsities = self.population_sparsities
        self._event_logs.update({"train/sparsity": sparsities[0], "train/population_sparsity": float(np.mean(sparsities))})
        if extra:
            self._event_logs.update(extra)

    def _record_event_logs(self) -> None:
        """Record the values measured at the last event (cached, so no device sync per step)."""
        for key, value in self._event_logs.items():
            self.logger.record(key, value)  # type: ignore[attr-defined]


def host_floats(values: jax.Array) -> list[float]:
    """A small device array as a list of Python floats (one transfer)."""
    return [float(v) for v in np.asarray(values)]
