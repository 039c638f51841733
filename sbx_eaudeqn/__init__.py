"""sbx-eaudeqn: adaptive sparse training for SBX (Eau De Q-Network, Vincent et al., RLC 2025)."""

from sbx_eaudeqn.cql import EauDeCQL, PolyPruneCQL
from sbx_eaudeqn.dqn import HEAD_SIZES, EauDeDQN, PolyPruneDQN
from sbx_eaudeqn.sac import EauDeSAC, PolyPruneSAC

__all__ = ["HEAD_SIZES", "EauDeCQL", "EauDeDQN", "EauDeSAC", "PolyPruneCQL", "PolyPruneDQN", "PolyPruneSAC"]
__version__ = "0.1.0"
