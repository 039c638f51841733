"""Offline CartPole-v1: EauDeCQL vs dense CQL vs PolyPruneCQL from a dataset collected by SBX DQN.

The dataset is the replay of an SBX DQN agent trained with RL Zoo's CartPole hyperparameters
(``python -m sbx_eaudeqn.collect``). Each (algorithm, seed) run performs ``--gradient-steps`` steps
on it, never stepping the environment, then evaluates the greedy policy over 20 episodes. Dense CQL
is PolyPruneCQL with ``final_sparsity=0``. Runs are resumable (one JSON file each).

    python -m benchmarks.offline_cartpole --seeds 3 --jobs 2
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

COMMON = dict(policy_kwargs=dict(net_arch=[256, 256]), learning_rate=1e-3, batch_size=64, target_update_interval=100,
              cql_alpha=1.0)
ALGOS = {
    "cql": ("PolyPruneCQL", dict(final_sparsity=0.0)),
    "eaudecql": ("EauDeCQL", dict(population_size=5)),
    "polyprunecql": ("PolyPruneCQL", dict(final_sparsity=0.95)),
}


def run_one(algo: str, seed: int, gradient_steps: int, dataset: str, out_dir: str) -> dict:
    import gymnasium as gym
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    import sbx_eaudeqn

    name, extra = ALGOS[algo]
    model = getattr(sbx_eaudeqn, name)("MlpPolicy", "CartPole-v1", dataset=dataset, seed=seed, **COMMON, **extra)
    start = time.time()
    model.learn(gradient_steps)
    elapsed = time.time() - start
    mean_return, _ = evaluate_policy(model, Monitor(gym.make("CartPole-v1")), n_eval_episodes=20, deterministic=True)
    return dict(algo=algo, seed=seed, gradient_steps=gradient_steps, mean_return=float(mean_return),
                sparsity=model.sparsity, seconds=elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--gradient-steps", type=int, default=20_000)
    parser.add_argument("--dataset-steps", type=int, default=50_000, help="env steps of the collecting DQN")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="docs/results/offline_cartpole")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dataset = out / "dataset.pkl"
    if not dataset.exists():
        from sbx_eaudeqn.collect import collect

        collect("CartPole-v1", args.dataset_steps, args.dataset_steps, dataset)
    jobs = [(algo, seed, args.gradient_steps, str(dataset)) for algo in ALGOS for seed in range(args.seeds)]
    text = results_table(run_missing(run_one, jobs, out, args.jobs), list(ALGOS))
    (out / "table.md").write_text(
        f"Offline CartPole-v1 from {args.dataset_steps} transitions collected by SBX DQN (RL Zoo hyperparameters); "
        f"{args.gradient_steps} gradient steps; greedy evaluation over 20 episodes.\n"
        f"Command: python -m benchmarks.offline_cartpole --seeds {args.seeds} --gradient-steps {args.gradient_steps}\n\n"
        f"{text}\n"
    )
    print(text)


if __name__ == "__main__":
    main()
