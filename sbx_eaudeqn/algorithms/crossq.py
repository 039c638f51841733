"""EauDeCrossQ and PolyPruneCrossQ: SBX CrossQ with a population of pruned batch-normalised critics.

CrossQ has no target network: each critic bootstraps from itself, in one joint forward pass over
(s, a) and (s', a') through its batch normalisation. A member is therefore a critic with its own batch
statistics (kept per member in ``PopulationState.extra``, never pruned), and its loss is its own TD error
against its own next-state values. What the leader drives: the actor's loss and the entropy coefficient
(SBX's ``update_actor_and_temperature`` with the leader's critic and statistics), and evaluation.

Why the selection rule still holds: EauDe picks the member whose critic best fits its own Bellman
targets over the period, which is the quantity AdaQN's argument rests on (the sum of approximation
errors); with no shared target, members are not judged against the same targets, so a member whose
targets are easier to fit can win. That caveat is ours to measure; the cumulated loss is the only
selection signal the paper defines, and it is kept as it is.

Pruning makes features that are constant over a minibatch, through which SBX's ``BatchRenorm`` gives
NaN gradients; the critic and actor states are guarded against that (:mod:`sbx_eaudeqn.algorithms.batch_norm`).
"""

from __future__ import annotations

from typing import Any

import jax
from sbx import CrossQ

from sbx_eaudeqn.algorithms.actor_critic import EauDeActorCritic, PolyPruneActorCritic, PopulationActorCritic
from sbx_eaudeqn.algorithms.batch_norm import guard_batch_renorm
from sbx_eaudeqn.algorithms.sac import SACSteps


class _PopulationCriticCrossQ(SACSteps, PopulationActorCritic, CrossQ):
    """SBX CrossQ whose critic, with its batch statistics, is a population (slot 0 acts as leader)."""

    _has_target_network = False

    def _setup_model(self) -> None:
        super()._setup_model()
        self.policy.qf_state = guard_batch_renorm(self.policy.qf_state)  # the members are copies of this state
        self.policy.actor_state = guard_batch_renorm(self.policy.actor_state)

    def _init_member(self, key: jax.Array, inputs: tuple) -> tuple[Any, Any]:
        variables = self.policy.qf.init({"params": key, "dropout": key, "batch_stats": key}, *inputs, train=False)
        return variables["params"], variables["batch_stats"]

    def _hyperparameters(self) -> dict[str, Any]:
        return {"target_entropy": self.target_entropy}

    def _update_learning_rates(self) -> None:
        """None: SBX's CrossQ keeps its learning rates constant (its optimizers have no injected rate)."""

    @classmethod
    def _update_targets(cls, critic, actor_state, hyper):
        return critic, actor_state  # no target network


class EauDeCrossQ(EauDeActorCritic, _PopulationCriticCrossQ):
    """EauDeCrossQ: CrossQ whose critic sparsity is discovered by a population (EauDe applied to CrossQ).

    See the module docstring for what the leader drives without a target network. Takes EauDe's
    arguments (:class:`~sbx_eaudeqn.algorithms.actor_critic.EauDeActorCritic`), the actor-pruning option and every
    keyword argument of :class:`sbx.CrossQ`.
    """


class PolyPruneCrossQ(PolyPruneActorCritic, _PopulationCriticCrossQ):
    """PolyPruneCrossQ: CrossQ with the critic magnitude-pruned on a polynomial schedule.

    Takes PolyPrune's arguments (:class:`~sbx_eaudeqn.algorithms.actor_critic.PolyPruneActorCritic`), the
    actor-pruning option and every keyword argument of :class:`sbx.CrossQ`.
    """
