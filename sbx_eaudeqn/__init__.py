"""sbx-eaudeqn: adaptive sparse training for SBX (Eau De Q-Network, Vincent et al., RLC 2025).

Names are imported on first use (PEP 562), so that ``sbx_eaudeqn.deployment.sparse_policy`` can be used with
numpy alone and the RL Zoo start-up hook stays cheap.
"""

import importlib

from sbx_eaudeqn.registry import ALGORITHMS

# Public name -> defining module; the algorithms come from sbx_eaudeqn.registry.
_NAMES = {algorithm.class_name: algorithm.module for algorithm in ALGORITHMS} | {
    "HEAD_SIZES": "sbx_eaudeqn.algorithms.dqn",
    "MINATAR_HEAD_SIZES": "sbx_eaudeqn.envs.minatar",
    "MinAtarPolicy": "sbx_eaudeqn.envs.minatar",
    "export": "sbx_eaudeqn.deployment.exporting",
    "SparsePolicy": "sbx_eaudeqn.deployment.sparse_policy",
}

__all__ = sorted(_NAMES)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module 'sbx_eaudeqn' has no attribute {name!r}")
    value = getattr(importlib.import_module(_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
