"""MinAtar (Young & Tian 2019): the CPU-scale stand-in for Atari, with its standard network.

MinAtar's five games (``MinAtar/Breakout-v1``, ``Asterix``, ``Freeway``, ``Seaquest``,
``SpaceInvaders``) observe a 10 x 10 x C grid of booleans. Its standard network is one 3 x 3 convolution
with 16 channels (stride 1, no padding), a dense layer (128 units in the original) and the Q-value head.
SBX has no such policy, so :class:`MinAtarPolicy` builds it as SBX's ``CnnPolicy`` builds the Nature
CNN; its dense layer is set the same way, ``policy_kwargs=dict(net_arch=[n_units])``, and the paper's
head ratio gives :data:`MINATAR_HEAD_SIZES`.

``pip install "sbx-eaudeqn[minatar]"``. Importing ``minatar`` does not register its Gymnasium ids;
:func:`register_minatar_envs` does (and ``rl_zoo3 train`` calls it through our zoo registration).
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
from sbx.common.type_aliases import RLTrainState
from sbx.dqn.policies import CNNPolicy
from stable_baselines3.common.type_aliases import Schedule

# Units of the dense layer after the convolution, in the paper's ratio (medium / 16, medium, 4 x medium)
# around MinAtar's 128.
MINATAR_HEAD_SIZES = {"small": 8, "medium": 128, "large": 512}
MINATAR_GAMES = ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders")


class MinAtarQNetwork(nn.Module):
    """Conv(16, 3 x 3, stride 1, valid) -> ReLU -> Dense(n_units) -> ReLU -> Dense(n_actions)."""

    n_actions: int
    n_units: int = 128
    activation_fn: Callable[[jnp.ndarray], jnp.ndarray] = nn.relu

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = jnp.asarray(x, jnp.float32)  # boolean channels
        x = self.activation_fn(nn.Conv(16, kernel_size=(3, 3), strides=(1, 1), padding="VALID")(x))
        x = x.reshape((x.shape[0], -1))
        x = self.activation_fn(nn.Dense(self.n_units)(x))
        return nn.Dense(self.n_actions)(x)


class MinAtarPolicy(CNNPolicy):
    """SBX's DQN policy with MinAtar's network (``net_arch=[n_units]`` sets the dense layer; default 128)."""

    def __init__(self, *args, net_arch: list[int] | None = None, **kwargs) -> None:
        super().__init__(*args, net_arch=net_arch or [MINATAR_HEAD_SIZES["medium"]], **kwargs)

    def build(self, key: jax.Array, lr_schedule: Schedule) -> jax.Array:
        key, qf_key = jax.random.split(key, 2)
        obs = jnp.array([self.observation_space.sample()])
        self.qf = MinAtarQNetwork(n_actions=int(self.action_space.n), n_units=self.n_units,
                                  activation_fn=self.activation_fn)
        self.qf_state = RLTrainState.create(
            apply_fn=self.qf.apply,
            params=self.qf.init({"params": qf_key}, obs),
            target_params=self.qf.init({"params": qf_key}, obs),
            tx=self.optimizer_class(learning_rate=lr_schedule(1), **self.optimizer_kwargs),  # type: ignore[call-arg]
        )
        self.qf.apply = jax.jit(self.qf.apply)  # type: ignore[method-assign]
        return key


def register_minatar_envs() -> bool:
    """Register MinAtar's Gymnasium ids if ``minatar`` is installed (idempotent); True if they are there."""
    import gymnasium as gym

    if "MinAtar/Breakout-v1" in gym.registry:
        return True
    try:
        from minatar.gym import register_envs
    except ImportError:
        return False
    register_envs()
    return True
