"""Atari environments as in the paper: ALE v5 ids with Machado et al. (2018) settings, frames stacked.

Sticky actions (``repeat_action_probability=0.25``, the v5 default), episodes ending on game over (not
on life loss), no frame skip inside the emulator so that SB3's ``AtariWrapper`` does the 4-frame skip
with max pooling, 84x84 grayscale frames (uint8) and 4 frames stacked. The ROMs ship with ale-py.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from stable_baselines3.common.env_util import make_atari_env
from stable_baselines3.common.vec_env import VecEnv, VecFrameStack


def make_atari(env_id: str = "ALE/Pong-v5", n_envs: int = 1, seed: int | None = None, frame_stack: int = 4,
               **env_kwargs: Any) -> VecEnv:
    """A vectorised Atari env for ``CnnPolicy`` (see the module docstring for the settings).

    :param env_id: an ALE id, ``"ALE/<Game>-v5"`` (Machado settings) or ``"<Game>NoFrameskip-v4"``.
    :param env_kwargs: passed to ``gym.make`` (for instance ``repeat_action_probability``).
    """
    try:
        import ale_py
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError("Atari needs the atari extra: pip install 'sbx-eaudeqn[atari]'") from error
    gym.register_envs(ale_py)
    if env_id.startswith("ALE/"):
        env_kwargs = {"frameskip": 1, **env_kwargs}
    env = make_atari_env(
        env_id, n_envs=n_envs, seed=seed, env_kwargs=env_kwargs, wrapper_kwargs={"terminal_on_life_loss": False}
    )
    return VecFrameStack(env, n_stack=frame_stack)
