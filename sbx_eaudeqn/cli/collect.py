"""Collect an offline dataset: train (or load) an SBX DQN agent and save its replay buffer.

As in the paper's offline setting, the dataset is what a DQN agent collected while learning. The
buffer keeps the last ``--size`` transitions (first in, first out).

    python -m sbx_eaudeqn.cli.collect --env CartPole-v1 --steps 50000 --size 50000 --out cartpole_dqn.pkl
    python -m sbx_eaudeqn.cli.collect --env CartPole-v1 --model dqn.zip --steps 10000 --size 10000 --out more.pkl
"""

from __future__ import annotations

import argparse
import pathlib

import gymnasium as gym
from sbx import DQN

# RL Zoo 3's DQN hyperparameters for CartPole-v1, used when no --model is given.
CARTPOLE_DQN = dict(
    learning_rate=2.3e-3, batch_size=64, learning_starts=1000, gamma=0.99, target_update_interval=10,
    train_freq=256, gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
    policy_kwargs=dict(net_arch=[256, 256]),
)


def collect(env_id: str, steps: int, size: int, out: str | pathlib.Path, model_path: str | None = None,
            seed: int = 0) -> pathlib.Path:
    """Train a DQN (or continue a saved one) for ``steps`` env steps; save its last ``size`` transitions."""
    if size < 1 or steps < 1:
        raise ValueError(f"size and steps must be >= 1, got size={size}, steps={steps}")
    if model_path is not None:
        model = DQN.load(model_path, env=gym.make(env_id), buffer_size=size)
    else:
        hyperparams = CARTPOLE_DQN if env_id == "CartPole-v1" else {}
        model = DQN("MlpPolicy", env_id, buffer_size=size, seed=seed, **hyperparams)
    model.learn(steps, reset_num_timesteps=model_path is None)
    out = pathlib.Path(out)
    model.save_replay_buffer(out)
    return out if out.suffix == ".pkl" else out.with_suffix(".pkl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=50_000, help="environment steps of the DQN agent")
    parser.add_argument("--size", type=int, default=50_000, help="transitions kept in the dataset")
    parser.add_argument("--model", default=None, help="a saved SBX DQN to continue from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    path = collect(args.env, args.steps, args.size, args.out, args.model, args.seed)
    print(f"dataset written: {path}")


if __name__ == "__main__":
    main()
