"""Why the discovered sparsity is what it is: a record of every EauDe selection.

The leader's sparsity only grows when a freshly explored member (a copy pruned to a sampled sparsity at
the previous selection) wins a selection. With Eq. 3, the final sparsity is set by how often such copies
win and by how large their jumps were. :class:`SelectionLog` keeps, per selection, whether the winner
had been explored, its jump (sparsity after exploration minus its parent's) and its parent's sparsity,
how many selections ago the winner was last explored (its age: a copy may survive a selection or more
before it wins) and the sparsity the leader gained, plus running shares for the SB3 logger:

- ``explored_win_share``: wins by explored members / selections;
- ``explored_slot_share``: explored members / members judged; a winner drawn at random would give
  ``explored_win_share == explored_slot_share``, so the gap between the two measures how strongly the
  selection favours (or penalises) a fresh pruning;
- ``tie_decided_share``: selections whose leader is not the strict minimum of L_k (the tie rule,
  ``tie_tolerance`` > 0, chose a sparser member). Near 1, the run followed Eq. 3's draws rather than
  its losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SELECTION_FIELDS = (
    "timesteps", "leader_slot", "winner_explored", "winner_jump", "winner_parent_sparsity", "leader_sparsity",
    "explored_slots", "cumulated_losses", "winner_age", "sparsity_gain",
)
NEVER_EXPLORED = -1  # the age of a member no selection has explored yet


class SelectionLog:
    """Per-selection history and running shares of an EauDe population of ``population_size`` members.

    Host-side bookkeeping only (numpy and Python floats), saved with the model.
    """

    def __init__(self, population_size: int) -> None:
        self.explored = np.zeros(population_size, bool)  # slot pruned to a sampled sparsity at the last selection
        self.jumps = np.zeros(population_size, np.float32)  # that slot's sampled increase in sparsity
        self.parent_sparsities = np.zeros(population_size, np.float32)  # its parent's sparsity
        self.ages = np.full(population_size, NEVER_EXPLORED)  # selections since each slot's lineage was explored
        self.history: list[dict[str, Any]] = []
        self.explored_wins = 0
        self.tie_decided_selections = 0
        self.explored_slots_judged = 0
        self.slots_judged = 0

    def record(self, timesteps: int, info: dict[str, np.ndarray]) -> dict[str, Any]:
        """Record one selection from :func:`~sbx_eaudeqn.core.population.select_and_explore`'s info (on the host).

        The winner is judged on the state left by the previous selection; the slots explored now are
        remembered for the next one. Returns the row added to :attr:`history`.
        """
        leader = int(info["leader"])
        ages = self.ages
        previous_sparsity = self.history[-1]["leader_sparsity"] if self.history else 0.0
        row = {
            "timesteps": int(timesteps),
            "leader_slot": leader,
            "winner_explored": bool(self.explored[leader]),
            "winner_jump": float(self.jumps[leader]),
            "winner_parent_sparsity": float(self.parent_sparsities[leader]),
            "leader_sparsity": float(info["sparsities"][0]),
            "explored_slots": int(self.explored.sum()),
            "explored_judged": [bool(flag) for flag in self.explored],
            "cumulated_losses": [float(loss) for loss in info["cumulated_losses"]],
            "gaps_in_se": [float(gap) for gap in info.get("gaps_in_se", [])],
            "winner_age": int(ages[leader]),
            "sparsity_gain": float(info["sparsities"][0]) - previous_sparsity,
            "tie_decided": leader != _strict_minimum(info["cumulated_losses"], leader),
        }
        self.history.append(row)
        self.explored_wins += row["winner_explored"]
        self.tie_decided_selections += row["tie_decided"]
        self.explored_slots_judged += row["explored_slots"]
        self.slots_judged += len(self.explored)
        self.explored = np.asarray(info["explored"], bool).copy()
        inherited = ages[np.asarray(info["parents"])]
        self.ages = np.where(self.explored, 0, np.where(inherited == NEVER_EXPLORED, NEVER_EXPLORED, inherited + 1))
        self.parent_sparsities = np.asarray(info["parent_sparsities"], np.float32).copy()
        self.jumps = np.where(self.explored, np.asarray(info["sparsities"]) - self.parent_sparsities, 0.0).astype(np.float32)
        return row

    @property
    def explored_win_share(self) -> float:
        """Share of selections won by a member explored at the previous selection (0 before any)."""
        return self.explored_wins / len(self.history) if self.history else 0.0

    @property
    def explored_slot_share(self) -> float:
        """Share of the members judged that had been explored at the previous selection."""
        return self.explored_slots_judged / self.slots_judged if self.slots_judged else 0.0

    @property
    def tie_decided_share(self) -> float:
        """Share of selections whose leader is not the strict minimum of L_k (0 with ``tie_tolerance=0``)."""
        return self.tie_decided_selections / len(self.history) if self.history else 0.0

    def logger_values(self) -> dict[str, float]:
        """SB3 logger keys (``train/...``) for the last selection and the running shares."""
        if not self.history:
            return {}
        last = self.history[-1]
        return {
            "train/explored_win_share": self.explored_win_share,
            "train/explored_slot_share": self.explored_slot_share,
            "train/tie_decided_share": self.tie_decided_share,
            "train/winner_explored": float(last["winner_explored"]),
            "train/winner_jump": last["winner_jump"],
            "train/winner_parent_sparsity": last["winner_parent_sparsity"],
        }

    @staticmethod
    def csv_row(row: dict[str, Any]) -> list[str]:
        """One history row as CSV fields, in :data:`SELECTION_FIELDS` order."""
        losses = " ".join(f"{loss:.6g}" for loss in row["cumulated_losses"])
        return [str(row["timesteps"]), str(row["leader_slot"]), str(int(row["winner_explored"])),
                f"{row['winner_jump']:.6f}", f"{row['winner_parent_sparsity']:.6f}", f"{row['leader_sparsity']:.6f}",
                str(row["explored_slots"]), losses, str(row["winner_age"]), f"{row['sparsity_gain']:.6f}"]


def _strict_minimum(cumulated_losses: np.ndarray, fallback: int) -> int:
    """The member with the lowest finite L_k (the paper's leader), or ``fallback`` when none is finite."""
    losses = np.asarray(cumulated_losses, dtype=float)
    finite = np.isfinite(losses)
    return int(np.argmin(np.where(finite, losses, np.inf))) if finite.any() else fallback
