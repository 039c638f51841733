"""Callbacks for sparse agents."""

from __future__ import annotations

import csv
import pathlib

from stable_baselines3.common.callbacks import BaseCallback

from sbx_eaudeqn.core.selection_log import SELECTION_FIELDS, SelectionLog

SPARSITY_FILE = "sparsity.csv"
SELECTIONS_FILE = "selections.csv"


def _monitor_folder(training_env) -> pathlib.Path | None:
    """Folder of the training env's Monitor file, where RL Zoo keeps a run's logs (None if unknown)."""
    try:
        writers = training_env.get_attr("results_writer")
        return pathlib.Path(writers[0].file_handler.name).parent
    except Exception:  # no Monitor, or one that writes no file
        return None


class SparsityHistoryCallback(BaseCallback):
    """Record the agent's sparsity (and each member's, for EauDe) every ``every`` environment steps.

    ``history`` holds ``(num_timesteps, sparsity, population_sparsities)`` tuples, measured from the
    weights. They are also appended to ``sparsity.csv`` in ``log_path``, or, without it, beside the
    training env's Monitor file (an RL Zoo run folder) when there is one; ``python -m sbx_eaudeqn.cli.plot``
    draws them. For EauDe models, every selection (whether the winner had just been explored, its jump
    and its parent's sparsity; see :mod:`sbx_eaudeqn.core.selection_log`) goes to ``selections.csv`` beside it.
    """

    def __init__(self, every: int = 1000, log_path: str | None = None, verbose: int = 0) -> None:
        super().__init__(verbose)
        if every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every}")
        self.every = every
        self.log_path = log_path
        self.history: list[tuple[int, float, list[float]]] = []
        self._csv_path: pathlib.Path | None = None
        self._selections_path: pathlib.Path | None = None
        self._selections_written = 0

    def _record(self) -> None:
        row = (self.num_timesteps, self.model.sparsity, list(self.model.population_sparsities))
        self.history.append(row)
        if self._csv_path is not None:
            with self._csv_path.open("a", newline="") as handle:
                csv.writer(handle).writerow([row[0], f"{row[1]:.6f}", " ".join(f"{s:.6f}" for s in row[2])])

    def _write_selections(self) -> None:
        """Append the selections made since the last call to ``selections.csv``."""
        log: SelectionLog | None = getattr(self.model, "selection_log", None)
        if self._selections_path is None or log is None or len(log.history) <= self._selections_written:
            return
        with self._selections_path.open("a", newline="") as handle:
            csv.writer(handle).writerows(SelectionLog.csv_row(row) for row in log.history[self._selections_written :])
        self._selections_written = len(log.history)

    def _on_training_start(self) -> None:
        folder = pathlib.Path(self.log_path) if self.log_path else _monitor_folder(self.training_env)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._csv_path = folder / SPARSITY_FILE
            if not self._csv_path.exists():
                self._csv_path.write_text("timesteps,sparsity,population_sparsities\n")
            log: SelectionLog | None = getattr(self.model, "selection_log", None)
            if log is not None:
                self._selections_path = folder / SELECTIONS_FILE
                if not self._selections_path.exists():
                    self._selections_path.write_text(",".join(SELECTION_FIELDS) + "\n")
                    self._selections_written = 0
                else:  # a resumed run: the rows already written are in the saved log
                    self._selections_written = len(log.history)
        self._record()

    def _on_step(self) -> bool:
        if self.num_timesteps % self.every < self.training_env.num_envs:
            self._record()
            self._write_selections()
        return True

    def _on_training_end(self) -> None:
        if not self.history or self.history[-1][0] != self.num_timesteps:
            self._record()
        self._write_selections()
