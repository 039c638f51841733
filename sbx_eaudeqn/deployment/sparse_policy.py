"""Numpy-only inference of an exported sparse agent: ``SparsePolicy.load(path).predict(obs)``.

This module imports numpy and scipy only (no jax, flax or torch), so that a trained sparse agent runs
wherever numpy does. Files are written by :func:`sbx_eaudeqn.export`.

File format (an ``.npz`` archive, ``FORMAT`` / ``VERSION`` below):

* ``meta``: JSON with the format name and version, ``kind`` (``"dqn"`` or ``"sac"``), the observation
  and action spaces, and the ordered ``layers`` (``image`` = channel-first uint8 frames to channel-last
  floats in [0, 1], ``float`` = channel-last observations as floats (version 2, MinAtar), ``flatten``,
  ``conv`` with ``stride``, ``kernel_size`` and ``activation`` (VALID padding), ``dense`` with
  ``activation``).
* for each weighted layer ``i``: its kernel as a CSR matrix of the transposed 2-D kernel (``i.data``
  float32 non-zeros, ``i.indices`` and ``i.indptr`` as the smallest unsigned integers that fit,
  ``i.shape``), and ``i.bias`` dense.

Inference. Every weighted layer is one product ``rows @ kernel``: a dense layer's rows are the batch, a
convolution's are its input patches (im2col, from numpy's sliding windows). A kernel multiplies as a CSR
matrix when it holds at least ``CSR_MIN_WEIGHTS`` weights and keeps at most ``csr_max_density`` of them,
and as a dense array otherwise: scipy's sparse product costs a call overhead (~15 us) plus one scalar
multiply-add per stored weight, BLAS's dense one several multiply-adds per cycle, so on a CPU the sparse
product wins only for large, very sparse kernels (``studies/inference/inference.md``, batch 1, 5% density: CSR
takes 0.54x BLAS's time on a 3136 x 2048 kernel, 0.9-1.3x on 3136 x 512, 1.7x on 1024 x 512, 4.8x on
256 x 256).
"""

from __future__ import annotations

import json
import pathlib
import zipfile
from typing import Any

import numpy as np
import scipy.sparse

FORMAT = "sbx-eaudeqn-sparse-policy"
VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 2 added the ``float`` layer
# Kernels of at least CSR_MIN_WEIGHTS weights that keep at most CSR_MAX_DENSITY of them multiply as CSR
# matrices (see above).
CSR_MAX_DENSITY = 0.05
CSR_MIN_WEIGHTS = 1_000_000


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


ACTIVATIONS = {"relu": _relu, None: lambda x: x}


def _conv_patches(x: np.ndarray, kernel_size: tuple[int, int], stride: int) -> np.ndarray:
    """(N, H, W, C) to (N * OH * OW, KH * KW * C) patches, VALID padding, in flax's kernel order."""
    kh, kw = kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # N, H', W', C, KH, KW
    windows = windows[:, ::stride, ::stride]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * x.shape[-1])


def _right_operand(weight: scipy.sparse.csr_matrix, csr_max_density: float) -> Any:
    """The (in x out) kernel of ``rows @ kernel``: the stored CSR matrix transposed (CSC) when it is large
    and at most ``csr_max_density`` dense, else a dense array."""
    n_weights = weight.shape[0] * weight.shape[1]
    if csr_max_density > 0 and n_weights >= CSR_MIN_WEIGHTS and weight.nnz <= csr_max_density * n_weights:
        return weight.T
    return np.ascontiguousarray(weight.toarray().T)


class SparsePolicy:
    """The acting network of a trained agent, stored sparse; ``predict`` mirrors SB3's for deterministic actions.

    DQN: greedy action of the leader's Q-network. SAC: the actor's mean squashed by tanh and rescaled
    to the action space (``model.predict(obs, deterministic=True)``).
    """

    def __init__(self, meta: dict[str, Any], weights: dict[str, scipy.sparse.csr_matrix], biases: dict[str, np.ndarray],
                 csr_max_density: float = CSR_MAX_DENSITY):
        if not 0.0 <= csr_max_density <= 1.0:
            raise ValueError(f"csr_max_density must be in [0, 1], got {csr_max_density}")
        self.meta = meta
        self.kind = meta["kind"]
        self.layers = meta["layers"]
        self.observation_shape = tuple(meta["observation_space"]["shape"])
        self.action_space = meta["action_space"]
        self.weights = weights
        self.biases = biases
        self.csr_max_density = csr_max_density
        # The right operand of each weighted layer's product.
        self.kernels = {key: _right_operand(weight, csr_max_density) for key, weight in weights.items()}

    @classmethod
    def load(cls, path: str | pathlib.Path, csr_max_density: float = CSR_MAX_DENSITY) -> "SparsePolicy":
        """Read a file written by :func:`sbx_eaudeqn.export`; a ValueError names what is wrong otherwise.

        :param csr_max_density: kernels of at least ``CSR_MIN_WEIGHTS`` weights that keep at most this
            share of them multiply as CSR matrices, the others as dense arrays (0: every product dense).
        """
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
        if meta.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"{path} has format version {meta.get('version')}; this reader supports {READABLE_VERSIONS}")
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
        return cls(meta, weights, biases, csr_max_density)

    def _forward(self, obs: np.ndarray) -> np.ndarray:
        x = obs
        for index, layer in enumerate(self.layers):
            kind, key = layer["type"], str(index)
            if kind == "image":
                x = np.transpose(x, (0, 2, 3, 1)).astype(np.float32) / 255.0
            elif kind == "float":
                x = x.astype(np.float32)
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1).astype(np.float32)
            elif kind == "dense":
                x = ACTIVATIONS[layer["activation"]](x @ self.kernels[key] + self.biases[key])
            elif kind == "conv":
                x = self._conv(x, key, layer)
            else:
                raise ValueError(f"unknown layer type {kind!r}")
        return x

    def _conv(self, x: np.ndarray, key: str, layer: dict[str, Any]) -> np.ndarray:
        """(N, H, W, C) -> (N, OH, OW, C_out): the patches times the kernel."""
        kernel_size, stride = tuple(layer["kernel_size"]), layer["stride"]
        out_h, out_w = (x.shape[1] - kernel_size[0]) // stride + 1, (x.shape[2] - kernel_size[1]) // stride + 1
        out = _conv_patches(x, kernel_size, stride) @ self.kernels[key] + self.biases[key]
        return ACTIVATIONS[layer["activation"]](out).reshape(x.shape[0], out_h, out_w, -1)

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
