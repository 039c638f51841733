"""One clock for a period: how many gradient steps it holds, when judging starts, when it ends.

EauDe selects, and PolyPrune prunes, at the end of each period. A period ends either after a number of
gradient steps (the actor-critic family's ``selection_period`` and ``prune_period``, PolyPruneDQN's
``prune_period``) or at every k-th target update of a DQN (EauDeDQN's ``target_updates_per_selection``,
PolyPruneDQN's DistillQN with k = 1). Losses count in L_k once ``judging_starts`` gradient steps of the
period have passed (``recovery_fraction`` of it). The algorithms tell the clock what happened
(:meth:`PeriodClock.advance` for gradient steps, :meth:`PeriodClock.target_update` for a DQN target
update) and act on the events it returns, through one route.
"""

from __future__ import annotations

import dataclasses
import math

# Gradient steps a pruned copy needs to recover before it is judged: with 512 per selection EauDeDQN
# reaches the paper's regime on CartPole, with 256 the copies fall behind, with 128 it stalls.
MIN_STEPS_PER_SELECTION = 500

JUDGING = "judging"  # the recovery part of the period is over: reset every L_k
END = "end"  # the period is over: select or prune


def target_update_env_steps(model) -> int:
    """A DQN's target period in environment steps: ours store it; SBX's DQN keeps only the number of
    ``_on_step`` calls, one per step of all ``n_envs`` envs."""
    stored = model.__dict__.get("target_update_env_steps")
    return int(stored) if stored is not None else int(model.target_update_interval) * int(model.n_envs)


def gradient_steps_per_target_update(target_update_interval: int, train_freq: int, gradient_steps: int,
                                     n_envs: int = 1) -> float:
    """Gradient steps between two target updates of an SB3/SBX DQN.

    The target is updated every ``target_update_interval`` env steps; ``gradient_steps`` are taken every
    ``train_freq`` steps of each of the ``n_envs`` envs (-1: as many as env steps were collected).
    """
    steps_per_train = gradient_steps if gradient_steps >= 0 else train_freq * n_envs
    return target_update_interval / (train_freq * n_envs) * steps_per_train


def updates_per_period(requested: int | None, steps_per_update: float | None) -> int:
    """k, the target updates in a period: ``requested``, or (None) the smallest k that gives a period of at
    least :data:`MIN_STEPS_PER_SELECTION` gradient steps (1 where the settings do not fix the steps)."""
    if requested is not None:
        return requested
    return 1 if not steps_per_update else max(1, math.ceil(MIN_STEPS_PER_SELECTION / steps_per_update))


@dataclasses.dataclass
class PeriodClock:
    """Where the current period stands.

    :ivar length: gradient steps in a period, or None where the settings do not fix them (a period that
        ends on target updates counted in episodes).
    :ivar updates_per_period: k, target updates per period, or None when the period ends on gradient steps.
    :ivar judging_starts: gradient steps into a period after which losses count in L_k, or None (all).
    :ivar steps: gradient steps since the period started.
    :ivar updates: target updates counted since the period started.
    :ivar start: the environment step (``num_timesteps``) at which the period started.
    """

    length: float | None
    updates_per_period: int | None = None
    judging_starts: int | None = None
    steps: int = 0
    updates: int = 0
    start: int = 0

    @classmethod
    def in_gradient_steps(cls, length: int, recovery_fraction: float) -> PeriodClock:
        """A period of ``length`` gradient steps."""
        return cls(length, None, _judging_starts(length, recovery_fraction))

    @classmethod
    def in_target_updates(cls, k: int, steps_per_update: float | None, recovery_fraction: float) -> PeriodClock:
        """A period of ``k`` target updates, each ``steps_per_update`` gradient steps apart (None: unknown)."""
        length = None if steps_per_update is None else steps_per_update * k
        return cls(length, k, _judging_starts(length, recovery_fraction))

    @property
    def ends_on_gradient_steps(self) -> bool:
        return self.updates_per_period is None

    def steps_to_boundary(self) -> float:
        """Gradient steps to the next event (judging starts, or the period ends on gradient steps); inf if none."""
        boundaries = [self.length if self.ends_on_gradient_steps else math.inf]
        if self.judging_starts is not None and self.judging_starts > self.steps:
            boundaries.append(self.judging_starts)
        return min(boundaries) - self.steps

    def advance(self, n_steps: int) -> list[str]:
        """``n_steps`` gradient steps have run (never across a boundary); returns the events now due."""
        self.steps += n_steps
        events = [JUDGING] if self.steps == self.judging_starts else []
        if self.ends_on_gradient_steps and self.steps >= self.length:
            events.append(END)
        return events

    def target_update(self) -> list[str]:
        """A target update is coming; returns ``[END]`` at every k-th one (one with no gradient step since
        the period started does not count)."""
        if self.ends_on_gradient_steps or self.steps == 0:
            return []
        self.updates += 1
        if self.updates < self.updates_per_period:
            return []
        return [END]

    def restart(self, num_timesteps: int) -> None:
        """A new period starts at environment step ``num_timesteps``."""
        self.steps, self.updates, self.start = 0, 0, num_timesteps


def _judging_starts(length: float | None, recovery_fraction: float) -> int | None:
    steps = 0 if length is None else round(recovery_fraction * length)
    return steps if steps > 0 else None
