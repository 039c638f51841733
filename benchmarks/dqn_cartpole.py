"""EauDeDQN vs SBX DQN vs PolyPruneDQN on CartPole-v1 with RL Zoo's DQN hyperparameters.

Each (algorithm, seed) run trains for ``--timesteps`` steps, then evaluates the greedy policy for 20
episodes. Runs go in parallel processes and write one JSON file each, so an interrupted benchmark
resumes where it stopped. Prints a markdown table and writes it next to the JSON files.

    python -m benchmarks.dqn_cartpole --seeds 3 --jobs 2
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

# Run as a file (python benchmarks/<name>.py), Python puts benchmarks/ first on sys.path: put the
# repository root there instead, as python -m does, so that no module here hides an installed package
# and the imports below are this checkout's.
if not __package__:
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from benchmarks.runs import results_table, run_missing  # noqa: E402

# RL Zoo 3 (2.9.2) hyperparams/dqn.yml, CartPole-v1.
ZOO_CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, policy_kwargs=dict(net_arch=[256, 256]),
)
ALGOS = {
    "dqn": ("sbx", "DQN", {}),
    "eaudedqn": ("sbx_eaudeqn", "EauDeDQN", dict(population_size=5)),
    "polyprunedqn": ("sbx_eaudeqn", "PolyPruneDQN", dict(final_sparsity=0.95)),
}


def run_one(algo: str, seed: int, timesteps: int, out_dir: str) -> dict:
    import importlib

    import gymnasium as gym
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    module, name, extra = ALGOS[algo]
    cls = getattr(importlib.import_module(module), name)
    model = cls("MlpPolicy", "CartPole-v1", seed=seed, **ZOO_CARTPOLE, **extra)
    start = time.time()
    model.learn(timesteps)
    elapsed = time.time() - start
    mean_return, _ = evaluate_policy(model, Monitor(gym.make("CartPole-v1")), n_eval_episodes=20, deterministic=True)
    return dict(algo=algo, seed=seed, timesteps=timesteps, mean_return=float(mean_return),
                sparsity=float(getattr(model, "sparsity", 0.0)), seconds=elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--algos", nargs="+", default=list(ALGOS), choices=list(ALGOS))
    parser.add_argument("--out", default="docs/results/dqn_cartpole")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    jobs = [(algo, seed, args.timesteps) for algo in args.algos for seed in range(args.seeds)]
    text = results_table(run_missing(run_one, jobs, out, args.jobs), list(ALGOS))
    (out / "table.md").write_text(
        f"CartPole-v1, RL Zoo DQN hyperparameters, {args.timesteps} steps, greedy evaluation over 20 episodes.\n"
        f"Command: python -m benchmarks.dqn_cartpole --seeds {args.seeds} --timesteps {args.timesteps}\n\n{text}\n"
    )
    print(text)


if __name__ == "__main__":
    main()
