"""EauDeDQN vs SBX DQN vs PolyPruneDQN on CartPole-v1 with RL Zoo's DQN hyperparameters.

Each (algorithm, seed) run trains for ``--timesteps`` steps, then evaluates the greedy policy for 20
episodes. Runs go in parallel processes and write one JSON file each, so an interrupted benchmark
resumes where it stopped. Prints a markdown table and writes it next to the JSON files.

    python benchmarks/dqn_cartpole.py --seeds 3 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import pathlib
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

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
    result = dict(algo=algo, seed=seed, timesteps=timesteps, mean_return=float(mean_return),
                  sparsity=float(getattr(model, "sparsity", 0.0)), seconds=elapsed)
    path = pathlib.Path(out_dir) / f"{algo}_seed{seed}.json"
    path.write_text(json.dumps(result, indent=1))
    return result


def table(results: list[dict]) -> str:
    lines = ["| algorithm | final return (mean ± std over seeds) | per seed | sparsity | s per run |", "|---|---|---|---|---|"]
    for algo in ALGOS:
        rows = sorted((r for r in results if r["algo"] == algo), key=lambda r: r["seed"])
        if not rows:
            continue
        returns = np.array([r["mean_return"] for r in rows])
        sparsities = np.array([r["sparsity"] for r in rows])
        lines.append(
            f"| {algo} | {returns.mean():.1f} ± {returns.std():.1f} | {', '.join(f'{x:.0f}' for x in returns)} "
            f"| {sparsities.mean():.3f} ({', '.join(f'{s:.2f}' for s in sparsities)}) "
            f"| {np.mean([r['seconds'] for r in rows]):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--algos", nargs="+", default=list(ALGOS), choices=list(ALGOS))
    parser.add_argument("--out", default="docs/results/dqn_cartpole")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [(a, s) for a in args.algos for s in range(args.seeds) if not (out / f"{a}_seed{s}.json").exists()]
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for result in pool.map(run_one, *zip(*todo), [args.timesteps] * len(todo), [str(out)] * len(todo)) if todo else []:
            print(json.dumps(result), flush=True)
    results = [json.loads(p.read_text()) for p in sorted(out.glob("*_seed*.json"))]
    text = table(results)
    (out / "table.md").write_text(
        f"CartPole-v1, RL Zoo DQN hyperparameters, {args.timesteps} steps, greedy evaluation over 20 episodes.\n"
        f"Command: python benchmarks/dqn_cartpole.py --seeds {args.seeds} --timesteps {args.timesteps}\n\n{text}\n"
    )
    print(text)


if __name__ == "__main__":
    main()
