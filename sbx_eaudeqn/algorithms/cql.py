"""EauDeCQL and PolyPruneCQL: offline discrete-action CQL from a fixed dataset (paper, Section 5.2).

They are EauDeDQN and PolyPruneDQN with two changes: the loss adds CQL's conservative term
(Kumar et al. 2020), ``cql_alpha * (logsumexp_a Q(s, a) - Q(s, a_data))``, and ``learn(N)`` runs N
gradient steps on the dataset without ever stepping ``env`` (used for its spaces and for evaluation
callbacks). ``num_timesteps`` and the logger's x-axis count gradient steps; the target is updated
every ``target_update_interval`` gradient steps, and EauDe selects at every k-th target update (as
EauDeDQN: by default the smallest k with 500 gradient steps per selection).

Datasets: a replay buffer written by SB3's ``save_replay_buffer`` (a path, or the ``ReplayBuffer``
itself), or a Minari dataset that exists locally (``pip install "sbx-eaudeqn[offline]"``). ``python -m sbx_eaudeqn.cli.collect`` writes one from a
DQN agent. The buffer is shared by all members and sampled once per step, never copied per member.
Atari frames stay uint8: a 1M-transition dataset of 4x84x84 frames takes about 56 GB (observations
and next observations), 28 GB when saved with ``optimize_memory_usage=True``.
"""

from __future__ import annotations

import pathlib
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from gymnasium import spaces
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.save_util import load_from_pkl
from stable_baselines3.common.utils import get_device

from sbx_eaudeqn.algorithms.dqn import EauDeDQN, PolyPruneDQN


def _minari_dataset(dataset: Any) -> Any:
    """The Minari dataset that ``dataset`` names or is, if it is one that exists locally; else None."""
    try:
        import minari
    except ImportError:
        return None
    if isinstance(dataset, minari.MinariDataset):
        return dataset
    if isinstance(dataset, str) and dataset in minari.list_local_datasets():
        return minari.load_dataset(dataset)  # local only: no download
    return None


def _replay_buffer_from_minari(dataset: Any, observation_space: spaces.Space, action_space: spaces.Space) -> ReplayBuffer:
    """Copy the transitions of a Minari dataset into an SB3 replay buffer (terminations are the dones)."""
    size = int(dataset.total_steps)
    if size == 0:
        raise ValueError("dataset is empty: it holds no transition")
    buffer = ReplayBuffer(size, observation_space, action_space, device="cpu", handle_timeout_termination=False)
    position = 0
    for episode in dataset.iterate_episodes():
        steps = len(episode.actions)
        rows = slice(position, position + steps)
        observations = np.asarray(episode.observations)
        if observations.shape[1:] != observation_space.shape:
            raise ValueError(f"dataset observations {observations.shape[1:]} do not match the env's observation_space "
                             f"{observation_space.shape}")
        buffer.observations[rows, 0] = observations[:-1]
        buffer.next_observations[rows, 0] = observations[1:]
        buffer.actions[rows, 0] = np.asarray(episode.actions).reshape(steps, -1)
        buffer.rewards[rows, 0] = episode.rewards
        buffer.dones[rows, 0] = episode.terminations
        position += steps
    buffer.pos, buffer.full = position % size, position == size
    return buffer


def load_dataset(dataset: Any, observation_space: spaces.Space, action_space: spaces.Space) -> ReplayBuffer:
    """A replay buffer from ``dataset``, checked against the env's spaces.

    :param dataset: a ``save_replay_buffer`` file (path), an SB3 ``ReplayBuffer``, or a Minari dataset
        (a ``MinariDataset``, or the id of one that exists locally; nothing is downloaded).
    :raises FileNotFoundError: no such file, nor local Minari dataset.
    :raises ValueError: not a dataset, spaces that differ from the env's, or no transition.
    """
    minari_dataset = _minari_dataset(dataset)
    if minari_dataset is not None:
        dataset = _replay_buffer_from_minari(minari_dataset, observation_space, action_space)
    if isinstance(dataset, (str, pathlib.Path)):
        path = pathlib.Path(dataset)
        if not path.is_file() and path.with_suffix(".pkl").is_file():
            path = path.with_suffix(".pkl")
        if not path.is_file():
            raise FileNotFoundError(f"dataset file not found: {dataset} (nor a local Minari dataset; write one with "
                                    "save_replay_buffer or python -m sbx_eaudeqn.cli.collect)")
        dataset = load_from_pkl(path)
    if not isinstance(dataset, ReplayBuffer):
        raise ValueError(f"dataset must be an SB3 ReplayBuffer, a Minari dataset or the path of a replay buffer, "
                         f"got {type(dataset).__name__}")
    if dataset.obs_shape != observation_space.shape or dataset.observations.dtype != observation_space.dtype:
        raise ValueError(
            f"dataset observations ({dataset.obs_shape}, {dataset.observations.dtype}) do not match the env's "
            f"observation_space ({observation_space.shape}, {observation_space.dtype})"
        )
    if not isinstance(action_space, spaces.Discrete) or dataset.action_dim != 1 or (
        dataset.size() > 0 and int(dataset.actions[: dataset.size()].max()) >= action_space.n
    ):
        raise ValueError(f"dataset actions do not match the env's action_space {action_space}")
    if dataset.size() == 0:
        raise ValueError("dataset is empty: it holds no transition")
    dataset.device = get_device("cpu")  # sampled as CPU tensors, converted to numpy for JAX
    return dataset


class _OfflineCQL:
    """Offline CQL training, mixed in before EauDeDQN or PolyPruneDQN."""

    # The constructor arguments of the offline classes besides the method's options (for their docs).
    extra_parameters = {
        "dataset": (None, "a `save_replay_buffer` file, an SB3 `ReplayBuffer` or a local Minari dataset (or its id)"),
        "cql_alpha": (1.0, "weight of the conservative term, >= 0"),
    }

    def __init__(self, policy, env, dataset: Any = None, cql_alpha: float = 1.0, **dqn_kwargs: Any) -> None:
        if not cql_alpha >= 0:
            raise ValueError(f"cql_alpha must be >= 0, got {cql_alpha}")
        self.cql_alpha = float(cql_alpha)
        # Only a path or a Minari id is saved with the model; dataset objects are kept out of the zip.
        self.dataset = dataset if isinstance(dataset, (str, pathlib.Path)) else None
        self._dataset_object = dataset
        dqn_kwargs.setdefault("buffer_size", 1)  # the dataset replaces the online replay buffer
        dqn_kwargs.setdefault("learning_starts", 0)
        dqn_kwargs.setdefault("exploration_initial_eps", 0.0)
        dqn_kwargs.setdefault("exploration_final_eps", 0.0)
        super().__init__(policy, env, **dqn_kwargs)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_dataset_object", "_has_dataset"]

    def _setup_model(self) -> None:
        super()._setup_model()
        source = getattr(self, "_dataset_object", None)
        source = self.dataset if source is None else source
        self._has_dataset = source is not None
        if source is not None:
            self.replay_buffer = load_dataset(source, self.observation_space, self.action_space)
            self._dataset_object = None

    def _hyperparameters(self) -> dict[str, Any]:
        return {"cql_alpha": self.cql_alpha}

    _period_settings = "target_update_interval or target_updates_per_selection"

    def _gradient_steps_per_target_update(self) -> int:
        """Offline, the target is updated every ``target_update_interval`` gradient steps."""
        return self.target_update_interval

    @classmethod
    def _update_member(cls, member, batch, hyper):
        return cls.update_cql(
            member, batch.observations, batch.actions, batch.next_observations, batch.rewards, batch.dones,
            batch.discounts, hyper["cql_alpha"],
        )

    @staticmethod
    @jax.jit
    def update_cql(qf_state, observations, actions, next_observations, rewards, dones, discounts, cql_alpha):
        """One CQL step: SBX DQN's Huber TD loss plus ``cql_alpha * (logsumexp_a Q(s, a) - Q(s, a_data))``.

        SBX has no CQL, and ``DQN.update_qnetwork`` builds its loss inside, so this is written here.
        Returns the new state and (full loss, mean Q of the data actions).
        """
        next_q_values = qf_state.apply_fn(qf_state.target_params, next_observations).max(axis=1)[:, None]
        targets = rewards[:, None] + (1 - dones[:, None]) * discounts[:, None] * next_q_values

        def cql_loss(params):
            q_values = qf_state.apply_fn(params, observations)
            data_q_values = jnp.take_along_axis(q_values, actions, axis=1)
            td_loss = optax.huber_loss(data_q_values, targets).mean()
            conservative = (jax.nn.logsumexp(q_values, axis=1, keepdims=True) - data_q_values).mean()
            return td_loss + cql_alpha * conservative, data_q_values.mean()

        (loss, q_mean), grads = jax.value_and_grad(cql_loss, has_aux=True)(qf_state.params)
        return qf_state.apply_gradients(grads=grads), (loss, q_mean)

    def learn(self, total_timesteps: int, callback=None, log_interval: int = 1000, tb_log_name: str | None = None,
              reset_num_timesteps: bool = True, progress_bar: bool = False):
        """Run ``total_timesteps`` gradient steps on the dataset; ``env`` is never stepped.

        Callbacks see one ``on_step`` per gradient step; logs are written every ``log_interval`` steps.
        """
        if not self._has_dataset:
            raise ValueError(f"{type(self).__name__} has no dataset: pass dataset=... to the constructor or to load()")
        total_timesteps, callback = self._setup_learn(
            total_timesteps, callback, reset_num_timesteps, tb_log_name or type(self).__name__, progress_bar
        )
        callback.on_training_start(locals(), globals())
        while self.num_timesteps < total_timesteps:
            self._update_current_progress_remaining(self.num_timesteps, total_timesteps)
            previous = self._pending_train_logs
            self.train(batch_size=self.batch_size, gradient_steps=1)
            if previous is not None:  # the host prepares step n + 1 while the device runs step n, no further
                previous[1].block_until_ready()
            self.num_timesteps += 1
            self._on_step()
            callback.update_locals(locals())
            if not callback.on_step():
                break
            if log_interval and self.num_timesteps % log_interval == 0:
                self._fetch_train_logs()
                self.logger.record("time/gradient_steps", self.num_timesteps)
                self.logger.dump(step=self.num_timesteps)
        callback.on_training_end()
        return self


class EauDeCQL(_OfflineCQL, EauDeDQN):
    """EauDeCQL: offline CQL whose sparsity is discovered by a population (paper, Section 5.2).

    As :class:`~sbx_eaudeqn.EauDeDQN`, with the CQL loss and offline training; L_k cumulates the
    full loss. ``EauDeCQL("MlpPolicy", env, dataset="buffer.pkl", cql_alpha=1.0, population_size=5)``.

    :param dataset: a ``save_replay_buffer`` file, an SB3 ``ReplayBuffer`` or a local Minari dataset (or its id).
    :param cql_alpha: weight of the conservative term (>= 0).
    """


class PolyPruneCQL(_OfflineCQL, PolyPruneDQN):
    """PolyPruneCQL: offline CQL with the polynomial pruning schedule (pruned after each target update).

    :param dataset: a ``save_replay_buffer`` file, an SB3 ``ReplayBuffer`` or a local Minari dataset (or its id).
    :param cql_alpha: weight of the conservative term (>= 0).
    """
