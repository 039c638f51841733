"""Sparsify an agent you already trained: EauDeSAC.from_dense against one-shot magnitude pruning.

For each seed, a dense ``sbx.SAC`` is trained on Pendulum-v1 (20k steps), then
``EauDeSAC.from_dense`` fine-tunes it for 10k steps on its own replay buffer while pruning the
critic (sparsity discovered by EauDe) and the actor (schedule to 0.8). The baseline prunes a copy of
the dense model once, by layerwise magnitude, to the same sparsities, with no further training
(and, separately, its actor alone to 0.8). Greedy return over 10 evaluation episodes, eval env seeded.

    python -m benchmarks.warm_start --seeds 1 [--out studies/warm_start/warm_start.md]
"""

from __future__ import annotations

import argparse
import io
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sbx

# JAX, SBX and the package are imported where they are used, so that --help answers at once.

ENV_ID = "Pendulum-v1"
DENSE_STEPS, FINE_TUNE_STEPS, ACTOR_SPARSITY = 20_000, 10_000, 0.8
ROWS = ("dense", "EauDe fine-tuned", "one-shot pruned (actor + critic)", "one-shot pruned (actor only)")


def greedy_return(model, seed: int) -> float:
    """Mean deterministic return over 10 episodes on an eval env seeded with ``seed``."""
    import gymnasium as gym
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    env = DummyVecEnv([lambda: Monitor(gym.make(ENV_ID))])
    env.seed(seed)
    mean, _ = evaluate_policy(model, env, n_eval_episodes=10, deterministic=True)
    return float(mean)


def magnitude_pruned(params, sparsity: float):
    """``params`` with each kernel pruned to ``sparsity`` by magnitude (layerwise scope)."""
    import jax.numpy as jnp

    from sbx_eaudeqn.core.pruning import apply_masks, dense_masks, grow_masks

    if sparsity <= 0:
        return params
    return apply_masks(params, grow_masks(params, dense_masks(params), jnp.float32(sparsity), "layerwise"))


def one_shot(dense: sbx.SAC, actor_sparsity: float, critic_sparsity: float) -> sbx.SAC:
    """A copy of ``dense`` (saved and reloaded) with actor and critic magnitude-pruned once."""
    import sbx

    buffer = io.BytesIO()
    dense.save(buffer)
    buffer.seek(0)
    model = sbx.SAC.load(buffer)
    policy = model.policy
    policy.actor_state = policy.actor_state.replace(params=magnitude_pruned(policy.actor_state.params, actor_sparsity))
    policy.qf_state = policy.qf_state.replace(params=magnitude_pruned(policy.qf_state.params, critic_sparsity))
    return model


def sparsities(model) -> tuple[float, float]:
    """(critic, actor) sparsity of an SBX SAC, measured from its weights."""
    from sbx_eaudeqn.core.pruning import weight_sparsity

    return float(weight_sparsity(model.policy.qf_state.params)), float(weight_sparsity(model.policy.actor_state.params))


def run_seed(seed: int) -> dict[str, tuple[float, float, float, float]]:
    """Row name -> (return, critic sparsity, actor sparsity, seconds) for one seed."""
    import sbx

    from sbx_eaudeqn import EauDeSAC

    eval_seed = 10_000 + seed
    start = time.time()
    dense = sbx.SAC("MlpPolicy", ENV_ID, learning_rate=1e-3, seed=seed)
    dense.learn(DENSE_STEPS)
    rows = {"dense": (greedy_return(dense, eval_seed), *sparsities(dense), time.time() - start)}

    start = time.time()
    model = EauDeSAC.from_dense(dense, env=ENV_ID, replay_buffer=True, selection_period=500,
                                actor_final_sparsity=ACTOR_SPARSITY, learning_rate=1e-3, seed=seed)
    model.learn(FINE_TUNE_STEPS)
    critic_s, actor_s = model.sparsity, model.actor_sparsity
    rows["EauDe fine-tuned"] = (greedy_return(model, eval_seed), critic_s, actor_s, time.time() - start)

    for name, critic_target, actor_target in ((ROWS[2], critic_s, actor_s), (ROWS[3], 0.0, ACTOR_SPARSITY)):
        start = time.time()
        pruned = one_shot(dense, actor_target, critic_target)
        rows[name] = (greedy_return(pruned, eval_seed), *sparsities(pruned), time.time() - start)
    return rows


def table(per_seed: list[dict]) -> str:
    """Markdown table: mean (± std over seeds when more than one) of each column, per row."""

    def cell(values: list[float], fmt: str) -> str:
        text = format(np.mean(values), fmt)
        return text if len(values) == 1 else f"{text} ± {format(np.std(values), fmt)}"

    lines = ["| run | greedy return | critic sparsity | actor sparsity | seconds |", "|---|---|---|---|---|"]
    for name in ROWS:
        columns = list(zip(*(rows[name] for rows in per_seed)))
        lines.append(f"| {name} | " + " | ".join(cell(list(c), f) for c, f in zip(columns, (".1f", ".3f", ".3f", ".0f"))) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run the comparison for ``--seeds`` seeds (0, 1, ...) and print (and optionally write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="number of seeds (0 .. seeds-1)")
    parser.add_argument("--out", help="also write the table to this markdown file")
    args = parser.parse_args()
    per_seed = []
    for seed in range(args.seeds):
        per_seed.append(run_seed(seed))
        print(f"seed {seed}: {per_seed[-1]}", flush=True)
    text = table(per_seed)
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
