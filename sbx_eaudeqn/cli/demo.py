"""The README's first command: train EauDeDQN on CartPole-v1 for a few minutes on CPU, then report.

Uses the bundled settings (``hyperparams/eaudedqn.yml``, what ``rl_zoo3 train --algo eaudedqn --env
CartPole-v1`` uses) with a shorter budget: 50k steps instead of 200k. Prints the greedy return over 10
episodes, next to a dense SBX DQN with the same settings when ``--dense`` is given, and the sparsity
the population discovered; writes the sparsity schedule to ``demo_output/sparsity_schedule.png``.
Run ``python -m sbx_eaudeqn.cli.demo --help`` for options.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import gymnasium as gym
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

from sbx_eaudeqn import EauDeDQN
from sbx_eaudeqn.integrations.callbacks import SparsityHistoryCallback
from sbx_eaudeqn.integrations.plot import plot_sparsity_history
from sbx_eaudeqn.integrations.bundled import accepted_keywords, bundled_hyperparams


def greedy_return(model, env_id: str) -> tuple[float, float]:
    """Mean and standard deviation of the deterministic return over 10 episodes."""
    return evaluate_policy(model, Monitor(gym.make(env_id)), n_eval_episodes=10, deterministic=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1", help="an environment with an entry in hyperparams/eaudedqn.yml")
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dense", action="store_true", help="also train SBX DQN with the same settings")
    parser.add_argument("--output", default="demo_output")
    args = parser.parse_args(argv)

    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    settings = bundled_hyperparams("eaudedqn", args.env)
    model = EauDeDQN("MlpPolicy", args.env, seed=args.seed, **settings)
    history = SparsityHistoryCallback(every=1000)
    start = time.time()
    model.learn(args.timesteps, callback=history)
    elapsed = time.time() - start
    mean_return, std_return = greedy_return(model, args.env)
    model.save(output / "eaudedqn_model")
    figure = plot_sparsity_history(history.history, output / "sparsity_schedule.png", title=f"EauDeDQN on {args.env}")
    log = model.selection_log
    print(f"EauDeDQN on {args.env}: {args.timesteps} steps in {elapsed:.0f} s ({args.timesteps / elapsed:.0f} steps/s), "
          f"{len(log.history)} selections")
    print(f"greedy return over 10 episodes: {mean_return:.1f} +/- {std_return:.1f}")
    print(f"discovered sparsity (leader): {model.sparsity:.3f}; population: "
          f"{', '.join(f'{s:.3f}' for s in model.population_sparsities)}")
    print(f"selections won by a freshly pruned copy: {log.explored_win_share:.0%}")
    if args.dense:
        import sbx

        dense_settings = accepted_keywords(sbx.DQN, settings)
        dense = sbx.DQN("MlpPolicy", args.env, seed=args.seed, **dense_settings).learn(args.timesteps)
        print(f"dense SBX DQN, same settings: greedy return {greedy_return(dense, args.env)[0]:.1f}")
    print(f"sparsity schedule: {figure}; model: {output / 'eaudedqn_model.zip'}")


if __name__ == "__main__":
    main()
