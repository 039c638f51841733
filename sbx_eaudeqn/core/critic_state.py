"""SBX's critic states seen as members of a population: one critic state, or a tuple of them (TQC's two).

The population stores what differs between members (parameters, optimizer states, batch statistics);
these helpers take them out of, and put them back into, the flax ``TrainState`` that SBX's update
functions take.
"""

from __future__ import annotations

from typing import Any

import jax
from flax.training.train_state import TrainState

from sbx_eaudeqn.core.population import PopulationState


def is_state(node: Any) -> bool:
    """True for a flax ``TrainState`` (a critic state), to treat it as a leaf in a tree of critic states."""
    return isinstance(node, TrainState)


def critic_params(critic: Any) -> Any:
    """The parameters of a critic state, or a tuple of them for a tuple of states."""
    return jax.tree_util.tree_map(lambda state: state.params, critic, is_leaf=is_state)


def critic_opt_states(critic: Any) -> Any:
    """The optimizer state of a critic state, or a tuple of them for a tuple of states."""
    return jax.tree_util.tree_map(lambda state: state.opt_state, critic, is_leaf=is_state)


def critic_txs(critic: Any) -> Any:
    """The optimizer of a critic state, or a tuple of them for a tuple of states."""
    return jax.tree_util.tree_map(lambda state: state.tx, critic, is_leaf=is_state)


def critic_extra(critic: Any) -> Any:
    """The batch statistics of a critic state that has them (CrossQ), else None."""
    return getattr(critic, "batch_stats", None)


def member_critic(critic: Any, params: Any, opt_state: Any, extra: Any = None) -> Any:
    """The critic state(s) of one member: SBX's state with the member's parameters and optimizer state.

    The target parameters stay the shared ones.
    """
    member = jax.tree_util.tree_map(lambda state, p, o: state.replace(params=p, opt_state=o), critic, params, opt_state,
                                    is_leaf=is_state)
    return member if extra is None else member.replace(batch_stats=extra)


def with_leader(critic: Any, population: PopulationState) -> Any:
    """The critic state(s) with the parameters (and batch statistics) of slot 0, the leader."""
    critic = jax.tree_util.tree_map(lambda state, p: state.replace(params=p), critic, first_member(population.params),
                                    is_leaf=is_state)
    return critic if population.extra is None else critic.replace(batch_stats=first_member(population.extra))


@jax.jit
def first_member(stacked: Any) -> Any:
    """Member 0 of a stacked tree (one compiled call rather than one per leaf)."""
    return jax.tree_util.tree_map(lambda leaf: leaf[0], stacked)
