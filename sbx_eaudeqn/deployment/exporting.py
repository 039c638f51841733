"""Export the acting network of a trained agent in the compact sparse format of :mod:`sbx_eaudeqn.deployment.sparse_policy`.

DQN family: the leader's Q-network (``MlpPolicy``, ``CnnPolicy`` or ``MinAtarPolicy``). SAC and TQC: the actor's
deterministic path (mean, tanh, rescaling); TD3: its deterministic actor; CrossQ: the same as SAC, with
the actor's batch normalisation folded into the dense layers that follow it. The command line form
(``python -m sbx_eaudeqn.cli.export --algo eaudesac MODEL.zip OUT.npz``) does the same from a saved
model, RL Zoo ones included.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import flax.linen as nn
import numpy as np
import scipy.sparse
from gymnasium import spaces

from sbx_eaudeqn.deployment.sparse_policy import FORMAT, VERSION


def _space_meta(space: spaces.Space) -> dict[str, Any]:
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    if isinstance(space, spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "dtype": str(space.dtype),
                "low": np.asarray(space.low, dtype=np.float64).tolist(), "high": np.asarray(space.high, dtype=np.float64).tolist()}
    raise ValueError(f"cannot export a policy for a {type(space).__name__} space")


def _smallest_uint(values: np.ndarray) -> np.ndarray:
    top = int(values.max()) if values.size else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.uint64)


def _sparse_arrays(key: str, kernel_2d: np.ndarray, bias: np.ndarray) -> dict[str, np.ndarray]:
    """CSR arrays of the transposed kernel (out x in), so that inference computes ``W @ x``."""
    matrix = scipy.sparse.csr_matrix(np.asarray(kernel_2d, dtype=np.float32).T)
    return {
        f"{key}.data": matrix.data.astype(np.float32),
        f"{key}.indices": _smallest_uint(matrix.indices),
        f"{key}.indptr": _smallest_uint(matrix.indptr),
        f"{key}.shape": np.asarray(matrix.shape, dtype=np.int64),
        f"{key}.bias": np.asarray(bias, dtype=np.float32),
    }


def _check_relu(policy: Any) -> None:
    activation = getattr(policy, "activation_fn", nn.relu)
    # Compared by name: a loaded model holds an unpickled copy of jax.nn.relu, not the same object.
    if activation is not nn.relu and getattr(activation, "__name__", None) != "relu":
        raise ValueError(f"export supports ReLU networks only, got activation_fn={activation}")


def _dqn_layers(model: Any) -> tuple[list[dict], list[tuple[np.ndarray, np.ndarray]]]:
    params = model.policy.qf_state.params["params"]  # the leader's
    layers, weights = [], []
    if "NatureCNN_0" in params:
        cnn = params["NatureCNN_0"]
        layers.append({"type": "image"})
        for index, (size, stride) in enumerate(((8, 4), (4, 2), (3, 1))):
            conv = cnn[f"Conv_{index}"]
            kernel = np.asarray(conv["kernel"])
            layers.append({"type": "conv", "kernel_size": [size, size], "stride": stride, "activation": "relu"})
            weights.append((kernel.reshape(-1, kernel.shape[-1]), np.asarray(conv["bias"])))
        layers += [{"type": "flatten"}, {"type": "dense", "activation": "relu"}, {"type": "dense", "activation": None}]
        weights += [(np.asarray(cnn["Dense_0"]["kernel"]), np.asarray(cnn["Dense_0"]["bias"]))]
        weights += [(np.asarray(params["Dense_0"]["kernel"]), np.asarray(params["Dense_0"]["bias"]))]
        return layers, weights
    if "Conv_0" in params:  # MinAtarPolicy: boolean channel-last grid, one 3 x 3 convolution
        kernel = np.asarray(params["Conv_0"]["kernel"])
        layers += [{"type": "float"}, {"type": "conv", "kernel_size": list(kernel.shape[:2]), "stride": 1, "activation": "relu"}]
        weights.append((kernel.reshape(-1, kernel.shape[-1]), np.asarray(params["Conv_0"]["bias"])))
    names = sorted((name for name in params if name.startswith("Dense_")), key=lambda name: int(name.split("_")[1]))
    layers.append({"type": "flatten"})
    for position, name in enumerate(names):
        last = position == len(names) - 1
        layers.append({"type": "dense", "activation": None if last else "relu"})
        weights.append((np.asarray(params[name]["kernel"]), np.asarray(params[name]["bias"])))
    return layers, weights


def _actor_layers(model: Any, n_heads: int) -> tuple[list[dict], list[tuple[np.ndarray, np.ndarray]]]:
    """The actor's hidden layers and its mean (or, for TD3, its action) layer, squashed by tanh when run.

    :param n_heads: output layers after the hidden ones: 2 for SAC and TQC (mean, log-std), 1 for TD3.
    """
    params = model.policy.actor_state.params
    params = params.get("params", params)  # CrossQ's actor state holds its params unwrapped
    n_hidden = sum(name.startswith("Dense_") for name in params) - n_heads
    layers, weights = [{"type": "flatten"}], []
    for index in range(n_hidden + 1):
        dense = params[f"Dense_{index}"]
        layers.append({"type": "dense", "activation": "relu" if index < n_hidden else None})
        weights.append((np.asarray(dense["kernel"]), np.asarray(dense["bias"])))
    return layers, weights


def _fold_batch_norm(kernel: np.ndarray, bias: np.ndarray, stats: dict, norm: dict, epsilon: float):
    """``Dense(BatchRenorm(x))`` at inference as one dense layer, so that the file format stays an MLP.

    With its running statistics, SBX's ``BatchRenorm`` is the affine map ``x * a + b`` with
    ``a = scale / sqrt(var + epsilon)`` and ``b = bias - mean * a``; then ``(x * a + b) @ W + c =
    x @ (a[:, None] * W) + (b @ W + c)``. Scaling the rows of W keeps its zeros: the sparsity is unchanged.
    """
    scale = np.asarray(norm["scale"], np.float64) / np.sqrt(np.asarray(stats["var"], np.float64) + epsilon)
    shift = np.asarray(norm["bias"], np.float64) - np.asarray(stats["mean"], np.float64) * scale
    kernel = np.asarray(kernel, np.float64)
    folded_bias = shift @ kernel + np.asarray(bias, np.float64)
    return (scale[:, None] * kernel).astype(np.float32), folded_bias.astype(np.float32)


def _crossq_actor_layers(model: Any) -> tuple[list[dict], list[tuple[np.ndarray, np.ndarray]]]:
    """SAC's actor layers, each preceded in CrossQ by a ``BatchRenorm`` (when ``batch_norm_actor``) that is
    folded into it here (SBX has no inference-time fusion of its own)."""
    from sbx.common.jax_layers import BatchRenorm

    layers, weights = _actor_layers(model, n_heads=2)
    if not model.policy.batch_norm_actor:  # SBX then still creates one unused BatchRenorm_0
        return layers, weights
    params, stats = model.policy.actor_state.params, model.policy.actor_state.batch_stats
    folded = [_fold_batch_norm(kernel, bias, stats[f"BatchRenorm_{index}"], params[f"BatchRenorm_{index}"],
                               BatchRenorm.epsilon)
              for index, (kernel, bias) in enumerate(weights)]
    return layers, folded


# How each SBX algorithm acts, by the name of its class: (kind of policy, its layers). A model is exported
# by the first class of its MRO found here, so ours (EauDeSAC extends sbx.SAC) and any subclass of an SBX
# algorithm (sbx.DDPG extends sbx.TD3) need no entry of their own.
EXPORTERS = {
    "DQN": ("dqn", _dqn_layers),
    "SAC": ("sac", lambda model: _actor_layers(model, n_heads=2)),
    "TQC": ("sac", lambda model: _actor_layers(model, n_heads=2)),
    "TD3": ("sac", lambda model: _actor_layers(model, n_heads=1)),  # deterministic: tanh of its last layer
    "CrossQ": ("sac", _crossq_actor_layers),
}


def _exporter(model: Any) -> tuple[str, Any]:
    for klass in type(model).__mro__:
        if klass.__module__.split(".")[0] == "sbx" and klass.__name__ in EXPORTERS:
            return EXPORTERS[klass.__name__]
    raise ValueError(f"export supports SBX {', '.join(EXPORTERS)} models (and ours), got {type(model).__name__}")


def export(model: Any, path: str | pathlib.Path) -> pathlib.Path:
    """Write the acting network of ``model`` (SBX DQN, SAC, TD3, TQC or CrossQ, sparse or not) to ``path`` (.npz).

    :return: the path written. Load it with ``SparsePolicy.load`` (numpy and scipy only).
    """
    kind, layers_of = _exporter(model)
    _check_relu(model.policy)
    layers, weights = layers_of(model)
    meta = {
        "format": FORMAT, "version": VERSION, "kind": kind, "algorithm": type(model).__name__,
        "observation_space": _space_meta(model.observation_space), "action_space": _space_meta(model.action_space),
        "layers": layers,
    }
    arrays = {"meta": np.asarray(json.dumps(meta))}
    weighted = [index for index, layer in enumerate(layers) if layer["type"] in ("dense", "conv")]
    for index, (kernel, bias) in zip(weighted, weights):
        arrays.update(_sparse_arrays(str(index), kernel, bias))
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    np.savez_compressed(path, **arrays)
    return path
