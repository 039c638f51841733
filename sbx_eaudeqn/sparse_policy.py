"""Numpy-only inference of an exported sparse agent: ``SparsePolicy.load(path).predict(obs)``.

This module imports numpy and scipy only (no jax, flax or torch), so that a trained sparse agent runs
wherever numpy does. Files are written by :func:`sbx_eaudeqn.export`.

File format (an ``.npz`` archive, ``FORMAT`` / ``VERSION`` below):

* ``meta``: JSON with the format name and version, ``kind`` (``"dqn"`` or ``"sac"``), the observation
  and action spaces, and the ordered ``layers`` (``image`` = channel-first uint8 frames to channel-last
  floats in [0, 1], ``flatten``, ``conv`` with ``stride``, ``kernel_size`` and ``activation``, ``dense``
  with ``activation``).
* for each weighted layer ``i``: its kernel as a CSR matrix of the transposed 2-D kernel (``i.data``
  float32 non-zeros, ``i.indices`` and ``i.indptr`` as the smallest unsigned integers that fit,
  ``i.shape``), and ``i.bias`` dense.
"""

from __future__ import annotations

import json
import pathlib
import zipfile
from typing import Any

import numpy as np
import scipy.sparse

FORMAT = "sbx-eaudeqn-sparse-policy"
VERSION = 1


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


ACTIVATIONS = {"relu": _relu, None: lambda x: x}


def _conv_patches(x: np.ndarray, kernel_size: tuple[int, int], stride: int) -> np.ndarray:
    """(N, H, W, C) to (N, OH, OW, KH * KW * C) patches, VALID padding, in flax's kernel order."""
    kh, kw = kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # N, H', W', C, KH, KW
    windows = windows[:, ::stride, ::stride]
    n, oh, ow = windows.shape[:3]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n, oh, ow, -1)


class SparsePolicy:
    """The acting network of a trained agent, stored sparse; ``predict`` mirrors SB3's for deterministic actions.

    DQN: greedy action of the leader's Q-network. SAC: the actor's mean squashed by tanh and rescaled
    to the action space (``model.predict(obs, deterministic=True)``).
    """

    def __init__(self, meta: dict[str, Any], weights: dict[str, scipy.sparse.csr_matrix], biases: dict[str, np.ndarray]):
        self.meta = meta
        self.kind = meta["kind"]
        self.layers = meta["layers"]
        self.observation_shape = tuple(meta["observation_space"]["shape"])
        self.action_space = meta["action_space"]
        self.weights = weights
        self.biases = biases
        # Conv kernels are small (at most a few 10k weights) but multiply many patches: a dense BLAS
        # product beats a sparse one there, so they are densified once here. Dense layers stay CSR.
        self.conv_kernels = {
            str(index): np.ascontiguousarray(weights[str(index)].toarray().T)
            for index, layer in enumerate(self.layers) if layer["type"] == "conv"
        }

    @classmethod
    def load(cls, path: str | pathlib.Path) -> "SparsePolicy":
        """Read a file written by :func:`sbx_eaudeqn.export`; a ValueError names what is wrong otherwise."""
        path = pathlib.Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no sparse policy file at {path}")
        try:
            archive = np.load(path, allow_pickle=False)
            meta = json.loads(str(archive["meta"]))
        except (zipfile.BadZipFile, ValueError, KeyError, OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not a sparse policy file written by sbx_eaudeqn.export") from error
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path} is not a sparse policy file (format {meta.get('format')!r})")
        if meta.get("version") != VERSION:
            raise ValueError(f"{path} has format version {meta.get('version')}; this reader supports {VERSION}")
        try:
            weights, biases = {}, {}
            for index, layer in enumerate(meta["layers"]):
                if layer["type"] in ("dense", "conv"):
                    key = str(index)
                    weights[key] = scipy.sparse.csr_matrix(
                        (archive[f"{key}.data"], archive[f"{key}.indices"], archive[f"{key}.indptr"]),
                        shape=tuple(archive[f"{key}.shape"]),
                    )
                    biases[key] = archive[f"{key}.bias"]
        except (KeyError, ValueError) as error:
            raise ValueError(f"{path} is corrupt: {error}") from error
        return cls(meta, weights, biases)

    def _forward(self, obs: np.ndarray) -> np.ndarray:
        x = obs
        for index, layer in enumerate(self.layers):
            kind = layer["type"]
            if kind == "image":
                x = np.transpose(x, (0, 2, 3, 1)).astype(np.float32) / 255.0
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1).astype(np.float32)
            elif kind == "dense":
                x = np.asarray((self.weights[str(index)] @ x.T).T) + self.biases[str(index)]
                x = ACTIVATIONS[layer["activation"]](x)
            elif kind == "conv":
                patches = _conv_patches(x, tuple(layer["kernel_size"]), layer["stride"])
                n, oh, ow, k = patches.shape
                out = patches.reshape(-1, k) @ self.conv_kernels[str(index)] + self.biases[str(index)]
                x = ACTIVATIONS[layer["activation"]](out.reshape(n, oh, ow, -1))
            else:
                raise ValueError(f"unknown layer type {kind!r}")
        return x

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        """Deterministic actions for one observation or a batch, as ``(actions, None)`` like SB3."""
        obs = np.asarray(observation)
        single = obs.shape == self.observation_shape
        if single:
            obs = obs[None]
        elif obs.shape[1:] != self.observation_shape:
            raise ValueError(f"observation shape {obs.shape} does not match {self.observation_shape} (or a batch)")
        outputs = self._forward(obs)
        if self.kind == "dqn":
            actions = outputs.argmax(axis=1)
        else:
            low, high = (np.asarray(self.action_space[k], dtype=np.float32) for k in ("low", "high"))
            squashed = np.clip(np.tanh(outputs), -1.0, 1.0)
            actions = (low + 0.5 * (squashed + 1.0) * (high - low)).reshape((-1, *self.action_space["shape"]))
        return (actions[0] if single else actions), None
