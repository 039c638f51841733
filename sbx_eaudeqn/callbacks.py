"""Callbacks for sparse agents."""

from __future__ import annotations

from stable_baselines3.common.callbacks import BaseCallback


class SparsityHistoryCallback(BaseCallback):
    """Record the agent's sparsity (and each member's, for EauDe) every ``every`` environment steps.

    ``history`` holds ``(num_timesteps, sparsity, population_sparsities)`` tuples, measured from the
    weights; plot them with :func:`sbx_eaudeqn.plot.plot_sparsity_history`.
    """

    def __init__(self, every: int = 500, verbose: int = 0) -> None:
        super().__init__(verbose)
        if every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every}")
        self.every = every
        self.history: list[tuple[int, float, list[float]]] = []

    def _record(self) -> None:
        self.history.append((self.num_timesteps, self.model.sparsity, list(self.model.population_sparsities)))

    def _on_training_start(self) -> None:
        self._record()

    def _on_step(self) -> bool:
        if self.num_timesteps % self.every < self.training_env.num_envs:
            self._record()
        return True
