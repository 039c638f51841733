"""One row per algorithm: the single list that the package, RL Zoo, export, the benchmarks read.

Adding an algorithm is one module (a thin file over :mod:`sbx_eaudeqn.algorithms.actor_critic` or
:mod:`sbx_eaudeqn.algorithms.dqn`), one row here and one ``hyperparams/<name>.yml``. Rows hold names only, so
reading the table imports nothing heavy; :meth:`Algorithm.cls` imports the module on first use.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

# SBX's dense algorithms that ours extend, by RL Zoo name: the parents and the benchmarks' baselines.
SBX_PARENTS = {"dqn": "DQN", "sac": "SAC", "td3": "TD3", "tqc": "TQC", "crossq": "CrossQ"}


@dataclasses.dataclass(frozen=True)
class Algorithm:
    """One of our algorithms.

    :ivar name: its RL Zoo name (``"eaudesac"``), also the name of its ``hyperparams/<name>.yml``.
    :ivar class_name: the class exported by ``sbx_eaudeqn`` (``"EauDeSAC"``).
    :ivar module: the module that defines it.
    :ivar parent: the RL Zoo name of its SBX parent (``"sac"``): the dense baseline, and the Optuna
        sampler that RL Zoo's tuning extends.
    :ivar family: ``"eaude"`` (a population, discovered sparsity) or ``"polyprune"`` (a schedule).
    :ivar online: False for the offline algorithms (CQL), which RL Zoo does not train.
    :ivar hyperparams: the path of its RL Zoo file, for an algorithm registered from outside the package
        (None: the bundled ``sbx_eaudeqn/integrations/hyperparams/<name>.yml``).
    """

    name: str
    class_name: str
    module: str
    parent: str
    family: str
    online: bool = True
    hyperparams: str | None = None

    def cls(self) -> type:
        """The class (its module imported on first use)."""
        return getattr(importlib.import_module(self.module), self.class_name)


def _pair(parent: str, module: str, suffix: str, online: bool = True) -> tuple[Algorithm, Algorithm]:
    """The EauDe and PolyPrune rows of one SBX parent."""
    return tuple(Algorithm(f"{family}{parent}", f"{prefix}{suffix}", module, "dqn" if parent == "cql" else parent,
                           family, online)
                 for family, prefix in (("eaude", "EauDe"), ("polyprune", "PolyPrune")))


ALGORITHMS: tuple[Algorithm, ...] = (
    *_pair("dqn", "sbx_eaudeqn.algorithms.dqn", "DQN"),
    *_pair("sac", "sbx_eaudeqn.algorithms.sac", "SAC"),
    *_pair("td3", "sbx_eaudeqn.algorithms.td3", "TD3"),
    *_pair("tqc", "sbx_eaudeqn.algorithms.tqc", "TQC"),
    *_pair("crossq", "sbx_eaudeqn.algorithms.crossq", "CrossQ"),
    *_pair("cql", "sbx_eaudeqn.algorithms.cql", "CQL", online=False),
)
BY_NAME = {algorithm.name: algorithm for algorithm in ALGORITHMS}


def register_algorithm(algorithm: Algorithm) -> None:
    """Add a row: an algorithm defined outside the package (one module, one row, one YAML) is then
    trained by RL Zoo (after ``sbx_eaudeqn.integrations.zoo.register()``), saved and loaded, exported and
    warmed from its dense parent like ours. Registering the same row again is a no-op."""
    global ALGORITHMS
    if BY_NAME.get(algorithm.name) == algorithm:
        return
    if algorithm.name in BY_NAME:
        raise ValueError(f"an algorithm named {algorithm.name!r} is registered already")
    ALGORITHMS = (*ALGORITHMS, algorithm)
    BY_NAME[algorithm.name] = algorithm


def zoo_algorithms() -> dict[str, type]:
    """RL Zoo name -> class, for every algorithm RL Zoo can train."""
    return {algorithm.name: algorithm.cls() for algorithm in ALGORITHMS if algorithm.online}


def algorithm_class(name: str) -> Any:
    """The class of an RL Zoo name: one of ours, or an SBX parent (``"dqn"``, ``"sac"``, ...)."""
    if name in BY_NAME:
        return BY_NAME[name].cls()
    if name in SBX_PARENTS:
        return getattr(importlib.import_module("sbx"), SBX_PARENTS[name])
    raise ValueError(f"algo must be one of {sorted([*BY_NAME, *SBX_PARENTS])}, got {name!r}")
