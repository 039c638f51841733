"""The README's first command: train EauDeSAC on Pendulum-v1 for a few minutes on CPU, then report.

Prints the mean evaluation return and the discovered sparsity, and writes the sparsity schedule as
``demo_output/sparsity_schedule.png``. Run ``python -m sbx_eaudeqn.demo --help`` for options.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import gymnasium as gym
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

from sbx_eaudeqn import EauDeSAC
from sbx_eaudeqn.callbacks import SparsityHistoryCallback
from sbx_eaudeqn.plot import plot_sparsity_history


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="Pendulum-v1")
    parser.add_argument("--timesteps", type=int, default=12_000)
    parser.add_argument("--population-size", type=int, default=5)
    parser.add_argument("--selection-period", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="demo_output")
    args = parser.parse_args(argv)

    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    model = EauDeSAC(
        "MlpPolicy",
        args.env,
        population_size=args.population_size,
        selection_period=args.selection_period,
        learning_rate=1e-3,
        learning_starts=1000,
        seed=args.seed,
    )
    history = SparsityHistoryCallback(every=args.selection_period)
    start = time.time()
    model.learn(args.timesteps, callback=history, progress_bar=False)
    elapsed = time.time() - start
    mean_return, std_return = evaluate_policy(model, Monitor(gym.make(args.env)), n_eval_episodes=10, deterministic=True)
    model.save(output / "eaudesac_model")
    figure = plot_sparsity_history(history.history, output / "sparsity_schedule.png", title=f"EauDeSAC on {args.env}")
    print(f"EauDeSAC on {args.env}: {args.timesteps} steps in {elapsed:.0f} s ({args.timesteps / elapsed:.0f} steps/s)")
    print(f"mean return over 10 episodes: {mean_return:.1f} +/- {std_return:.1f}")
    print(f"discovered critic sparsity (leader): {model.sparsity:.3f}")
    print(f"population sparsities: {', '.join(f'{s:.3f}' for s in model.population_sparsities)}")
    print(f"sparsity schedule: {figure}; model: {output / 'eaudesac_model.zip'}")


if __name__ == "__main__":
    main()
