"""What pruning the SAC actor costs in return: EauDeSAC with a dense actor vs actor sparsity 0.8 and 0.9.

EauDeSAC (K=5) prunes the critic; ``actor_final_sparsity`` adds a polynomial schedule on the actor
(from 20% to 80% of training). Short budgets on Pendulum-v1 and HalfCheetah-v5, greedy evaluation
over 10 episodes at the end, 3 seeds. Runs are resumable (one JSON file each).

    python -m benchmarks.sparse_actor --env Pendulum-v1 --timesteps 10000
    python -m benchmarks.sparse_actor --env HalfCheetah-v5 --timesteps 10000
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

ACTOR_SPARSITY = {"dense_actor": None, "actor_0.8": 0.8, "actor_0.9": 0.9}
SETTINGS = {
    "Pendulum-v1": dict(learning_rate=1e-3, learning_starts=1000, selection_period=500),
    "HalfCheetah-v5": dict(learning_starts=1000, selection_period=500),
}


def run_one(algo: str, seed: int, env_id: str, timesteps: int, out_dir: str) -> dict:
    import gymnasium as gym
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    from sbx_eaudeqn import EauDeSAC

    model = EauDeSAC("MlpPolicy", env_id, actor_final_sparsity=ACTOR_SPARSITY[algo], seed=seed, **SETTINGS[env_id])
    start = time.time()
    model.learn(timesteps)
    elapsed = time.time() - start
    mean_return, _ = evaluate_policy(model, Monitor(gym.make(env_id)), n_eval_episodes=10, deterministic=True)
    return dict(algo=algo, seed=seed, env=env_id, timesteps=timesteps, mean_return=float(mean_return),
                sparsity=model.actor_sparsity, critic_sparsity=model.sparsity, seconds=elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="Pendulum-v1", choices=list(SETTINGS))
    parser.add_argument("--timesteps", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    out = pathlib.Path("docs/results/sparse_actor") / args.env
    jobs = [(algo, seed, args.env, args.timesteps) for algo in ACTOR_SPARSITY for seed in range(args.seeds)]
    results = run_missing(run_one, jobs, out, args.jobs)
    text = results_table(results, list(ACTOR_SPARSITY)).replace("sparsity (per seed)", "actor sparsity (per seed)")
    critic = ", ".join(f"{r['algo']} s{r['seed']}: {r['critic_sparsity']:.2f}" for r in results)
    (out / "table.md").write_text(
        f"EauDeSAC (K=5) on {args.env}, {args.timesteps} steps, greedy evaluation over 10 episodes.\n"
        f"Command: python -m benchmarks.sparse_actor --env {args.env} --timesteps {args.timesteps}\n\n{text}\n\n"
        f"Critic sparsity discovered by EauDe: {critic}\n"
    )
    print(text)


if __name__ == "__main__":
    main()
