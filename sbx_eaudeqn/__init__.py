"""sbx-eaudeqn: adaptive sparse training for SBX (Eau De Q-Network, Vincent et al., RLC 2025)."""

from sbx_eaudeqn.sac import EauDeSAC, PolyPruneSAC

__all__ = ["EauDeSAC", "PolyPruneSAC"]
__version__ = "0.1.0"
