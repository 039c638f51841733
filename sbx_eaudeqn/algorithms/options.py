"""Checks of what a constructor is given besides the method's options (those are written once, with their
checks, in :mod:`sbx_eaudeqn.algorithms.config`): the action space, SBX's target period, and the one
warning, :func:`warn_short_selection_period`.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from sbx_eaudeqn.core.clock import MIN_STEPS_PER_SELECTION


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


def check_period(name: str, value: int) -> int:
    """Raise a ValueError unless ``value`` is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


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
