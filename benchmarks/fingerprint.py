"""Fingerprints of short seeded runs, to check that a refactor changes no result.

Each algorithm trains briefly with a fixed seed; the script prints a JSON line per algorithm with the
final sparsities, the sum and a hash of every population parameter, the cumulated losses and a greedy
return. Run it before and after a change and compare the two outputs (``--out`` writes them to a file):

    python -m benchmarks.fingerprint --out /tmp/before.jsonl
    ... change the code ...
    python -m benchmarks.fingerprint --out /tmp/after.jsonl && diff /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json

import numpy as np

DQN_SMALL = dict(policy_kwargs=dict(net_arch=[32, 32]), learning_starts=200, batch_size=32, buffer_size=5000,
                 target_update_interval=100, train_freq=4, gradient_steps=2, exploration_fraction=0.2)
SAC_SMALL = dict(policy_kwargs=dict(net_arch=[32, 32]), learning_starts=200, batch_size=32, buffer_size=5000)


def _cases() -> dict[str, tuple]:
    """name -> (class, env id, keyword arguments, env steps), one per row of ``sbx_eaudeqn.registry``."""
    from sbx_eaudeqn.registry import ALGORITHMS

    cases = {}
    for algorithm in ALGORITHMS:
        eaude = algorithm.family == "eaude"
        if not algorithm.online:  # CQL: offline, from a small dataset
            kwargs = {k: v for k, v in DQN_SMALL.items() if k != "exploration_fraction"}
            kwargs |= dict(dataset=_cartpole_dataset(), cql_alpha=1.0) | (dict(population_size=3) if eaude else {})
            cases[algorithm.class_name] = (algorithm.cls(), "CartPole-v1", kwargs, 600)
        elif algorithm.parent == "dqn":
            cases[algorithm.class_name] = (algorithm.cls(), "CartPole-v1",
                                           DQN_SMALL | (dict(population_size=3) if eaude else {}), 2000)
        else:
            extra = dict(population_size=3, selection_period=100) if eaude else dict(prune_period=100)
            cases[algorithm.class_name] = (algorithm.cls(), "Pendulum-v1", SAC_SMALL | extra, 800)
    return cases


def _cartpole_dataset():
    """A replay buffer of 1500 CartPole transitions from a seeded SBX DQN."""
    import sbx

    collector = sbx.DQN("MlpPolicy", "CartPole-v1", seed=0, learning_starts=500, buffer_size=1500)
    collector.learn(1500)
    return collector.replay_buffer


def fingerprint(cls, env_id: str, kwargs: dict, steps: int) -> dict:
    """Train ``steps`` env steps with seed 0 and summarise the learner's state."""
    import gymnasium as gym
    import jax
    from stable_baselines3.common.evaluation import evaluate_policy

    # A copy: SBX's TQC writes into policy_kwargs, which would reach the next case's constructor.
    model = cls("MlpPolicy", env_id, seed=0, **copy.deepcopy(kwargs))
    model.learn(steps)
    leaves = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(model.population.params)]
    digest = hashlib.sha256(b"".join(leaf.tobytes() for leaf in leaves)).hexdigest()[:16]
    env = gym.make(env_id)
    env.reset(seed=123)
    mean_return, _ = evaluate_policy(model, env, n_eval_episodes=3, deterministic=True)
    return {
        "sparsities": [round(s, 6) for s in model.population_sparsities],
        "param_sum": float(sum(leaf.astype(np.float64).sum() for leaf in leaves)),
        "param_hash": digest,
        "cumulated_losses": [float(x) for x in np.asarray(model.population.cumulated_losses)],
        "greedy_return": float(mean_return),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="algorithm names (default: all)")
    parser.add_argument("--out", help="also write the JSON lines to this file")
    args = parser.parse_args()
    lines = []
    for name, (cls, env_id, kwargs, steps) in _cases().items():
        if args.only and name not in args.only:
            continue
        line = json.dumps({"algo": name} | fingerprint(cls, env_id, kwargs, steps))
        print(line, flush=True)
        lines.append(line)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
