"""A toy algorithm added from outside the package, as a user would: EauDe over SBX's DDPG, one class
(the population, the selection, the critic hooks and everything else come from the TD3 family)."""

from sbx import DDPG

from sbx_eaudeqn.algorithms.actor_critic import EauDeActorCritic
from sbx_eaudeqn.algorithms.td3 import _PopulationCriticTD3


class EauDeDDPG(EauDeActorCritic, _PopulationCriticTD3, DDPG):
    """EauDeDDPG: DDPG (TD3 without delay or target noise) whose critic sparsity is discovered by a population."""
