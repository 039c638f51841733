"""sbx-eaudeqn: adaptive sparse training for SBX (Eau De Q-Network, Vincent et al., RLC 2025).

Names are imported on first use (PEP 562), so that ``sbx_eaudeqn.sparse_policy`` can be used with
numpy alone and the RL Zoo start-up hook stays cheap.
"""

import importlib

_NAMES = {
    "EauDeSAC": "sbx_eaudeqn.sac",
    "PolyPruneSAC": "sbx_eaudeqn.sac",
    "EauDeDQN": "sbx_eaudeqn.dqn",
    "PolyPruneDQN": "sbx_eaudeqn.dqn",
    "HEAD_SIZES": "sbx_eaudeqn.dqn",
    "MINATAR_HEAD_SIZES": "sbx_eaudeqn.minatar",
    "MinAtarPolicy": "sbx_eaudeqn.minatar",
    "EauDeTD3": "sbx_eaudeqn.td3",
    "PolyPruneTD3": "sbx_eaudeqn.td3",
    "EauDeTQC": "sbx_eaudeqn.tqc",
    "PolyPruneTQC": "sbx_eaudeqn.tqc",
    "EauDeCrossQ": "sbx_eaudeqn.crossq",
    "PolyPruneCrossQ": "sbx_eaudeqn.crossq",
    "EauDeCQL": "sbx_eaudeqn.cql",
    "PolyPruneCQL": "sbx_eaudeqn.cql",
    "export": "sbx_eaudeqn.exporting",
    "SparsePolicy": "sbx_eaudeqn.sparse_policy",
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
