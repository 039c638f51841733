"""The constructor options of the EauDe and PolyPrune algorithms: allowed values, checks, one warning.

Every argument check lives here, so that each option is checked once, at construction, with an error
naming the parameter and its allowed range. :func:`warn_short_selection_period` is the one warning.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from sbx_eaudeqn.pruning import PRUNE_SCOPES

# How members 1..K-1 start: independent random inits (as AdaQN's members), or copies of the target,
# as the paper describes EauDe's online networks (they then differ only after the first selection).
POPULATION_INITS = ("independent", "copies")


# What a pruned copy's optimizer starts from: a fresh state (the paper, after Asadi et al. 2023), or its
# parent's moments.
COPY_OPTIMIZERS = ("reset", "inherit")


# Gradient steps a pruned copy needs to recover before it is judged: with 512 per selection EauDeDQN
# reaches the paper's regime on CartPole, with 256 the copies fall behind, with 128 it stalls
# (docs/results/sparsity_study/, findings 3 and 10); EauDeSAC on Pendulum-v1 likewise (issue 19).
MIN_STEPS_PER_SELECTION = 500

# How the target critic follows the leader (issue 19's comparison, docs/design.md):
# "polyak": SBX's Polyak average towards the current leader after every gradient step (the paper's
# "soft target update");
# "selection": the leader copied into the target at each selection and held during the period, as
# DQN's hard target, so that every member fits the same fixed target until it is judged.
TARGET_UPDATES = ("polyak", "selection")
DEFAULT_TOURNAMENT_SIZE = 3


def warn_short_selection_period(algorithm: str, steps: float | None, settings: str) -> None:
    """Warn when a selection period holds fewer gradient steps than a pruned copy needs to recover.

    :param steps: gradient steps per selection, or None where the settings do not fix it (no warning).
    :param settings: the constructor arguments that set them, named in the warning.
    """
    if steps is not None and steps < MIN_STEPS_PER_SELECTION:
        warnings.warn(
            f"{algorithm}: one selection period holds {steps:g} gradient steps, fewer than the "
            f"{MIN_STEPS_PER_SELECTION} a pruned copy needs to recover before it is judged; pruned copies "
            f"will rarely win and the discovered sparsity will stall. Raise {settings} "
            f"so that a period holds at least {MIN_STEPS_PER_SELECTION} gradient steps.",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )


# ----- DQN's period arithmetic: gradient steps per target update ---------------------------------
def target_update_env_steps(model: Any) -> int:
    """A DQN's target period in environment steps: ours store it; SBX's DQN (and models saved before
    it was stored) keep only the number of ``_on_step`` calls, one per step of all ``n_envs`` envs."""
    stored = model.__dict__.get("target_update_env_steps")
    return int(stored) if stored is not None else int(model.target_update_interval) * int(model.n_envs)


def gradient_steps_per_target_update(target_update_interval: int, train_freq: int, gradient_steps: int,
                                     n_envs: int = 1) -> float:
    """Gradient steps between two target updates of an SB3/SBX DQN (EauDeDQN's selection period).

    The target is updated every ``target_update_interval`` env steps; ``gradient_steps`` are taken every
    ``train_freq`` steps of each of the ``n_envs`` envs (-1: as many as env steps were collected).
    """
    steps_per_train = gradient_steps if gradient_steps >= 0 else train_freq * n_envs
    return target_update_interval / (train_freq * n_envs) * steps_per_train


def _package_folder(module: Any) -> str:
    """The folder of an imported package, with a trailing separator."""
    return os.path.dirname(os.path.abspath(module.__file__)) + os.sep


def _library_folders() -> tuple[str, ...]:
    """The folders of the packages whose frames lie between a user's constructor call and our warnings:
    found from the packages themselves, so that a user's folder that happens to be named ``sbx`` (a clone
    of this repository, say) is not mistaken for SBX."""
    import sbx
    import stable_baselines3

    return tuple(_package_folder(module) for module in (sys.modules[__package__], sbx, stable_baselines3))


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside sbx_eaudeqn, SBX and SB3
    (Python 3.11 has no ``skip_file_prefixes``): the user's constructor call, not our setup code."""
    folders = _library_folders()
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(folders):
        frame, level = frame.f_back, level + 1
    return level


def check_population_args(population_size: int, tournament_size: int | None) -> int:
    """Validate K and the tournament size; return the tournament size to use.

    ``tournament_size=None`` means the default, min(3, K).
    """
    if isinstance(population_size, bool) or not isinstance(population_size, int) or population_size < 1:
        raise ValueError(f"population_size must be an integer >= 1, got {population_size!r}")
    if tournament_size is None:
        return min(DEFAULT_TOURNAMENT_SIZE, population_size)
    if isinstance(tournament_size, bool) or not isinstance(tournament_size, int):
        raise ValueError(f"tournament_size must be an integer in [1, population_size={population_size}], got {tournament_size!r}")
    if not 1 <= tournament_size <= population_size:
        raise ValueError(f"tournament_size must be in [1, population_size={population_size}], got {tournament_size}")
    return tournament_size


def check_period(name: str, value: int) -> int:
    """Raise a ValueError unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` or raise a ValueError naming ``name`` and the allowed values."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_eaude_args(
    population_size: int, tournament_size: int | None, sparsity_scale: float, max_prune_fraction: float
) -> int:
    """All EauDe constructor checks in one call; returns the tournament size to use."""
    check_sampler_args(sparsity_scale, max_prune_fraction)
    return check_population_args(population_size, tournament_size)


def check_tie_tolerance(tie_tolerance: float) -> float:
    """Return ``tie_tolerance`` as a float, or raise a ValueError unless it is a finite number >= 0."""
    if isinstance(tie_tolerance, bool) or not isinstance(tie_tolerance, (int, float)) or not 0 <= tie_tolerance < float("inf"):
        raise ValueError(f"tie_tolerance must be a number >= 0 (standard errors of the lowest L_k; 0: the strict "
                         f"minimum), got {tie_tolerance!r}")
    return float(tie_tolerance)


def check_recovery_fraction(recovery_fraction: float) -> float:
    """Return ``recovery_fraction`` as a float, or raise a ValueError unless it is in [0, 1)."""
    if isinstance(recovery_fraction, bool) or not isinstance(recovery_fraction, (int, float)) \
            or not 0.0 <= recovery_fraction < 1.0:
        raise ValueError(f"recovery_fraction must be in [0, 1), got {recovery_fraction!r}")
    return float(recovery_fraction)


def check_polynomial_args(
    final_sparsity: float, prune_start: float, prune_end: float, prune_exponent: float, prefix: str = ""
) -> None:
    """Raise a ValueError naming the parameter when a polynomial-schedule argument is out of range.

    :param prefix: prepended to the parameter names in messages (``"actor_"`` for the actor's schedule).
    """
    if not 0.0 <= final_sparsity < 1.0:
        raise ValueError(f"{prefix}final_sparsity must be in [0, 1), got {final_sparsity}")
    for name, value in (("prune_start", prune_start), ("prune_end", prune_end)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{prefix}{name} must be in [0, 1] (a fraction of the training length), got {value}")
    if prune_start >= prune_end:
        raise ValueError(
            f"{prefix}prune_start must be < {prefix}prune_end, got {prefix}prune_start={prune_start}, "
            f"{prefix}prune_end={prune_end}"
        )
    if not prune_exponent > 0:
        raise ValueError(f"{prefix}prune_exponent must be > 0, got {prune_exponent}")


def check_sampler_args(sparsity_scale: float, max_prune_fraction: float) -> None:
    """Raise a ValueError naming the parameter when an Eq. 3 argument is out of range."""
    if not sparsity_scale > 0:
        raise ValueError(f"sparsity_scale must be > 0, got {sparsity_scale}")
    if not 0.0 < max_prune_fraction <= 1.0:
        raise ValueError(f"max_prune_fraction must be in (0, 1], got {max_prune_fraction}")


def check_prune_scope(prune_scope: str) -> str:
    """Return ``prune_scope`` or raise a ValueError naming the allowed values."""
    if prune_scope not in PRUNE_SCOPES:
        raise ValueError(f"prune_scope must be one of {tuple(PRUNE_SCOPES)}, got {prune_scope!r}")
    return prune_scope


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
