"""Where the Atari time goes on CPU: one DQN ``train`` call (batch 32, one gradient step) and one batch-32
Nature-CNN forward pass, SB3 (torch) against SBX and our EauDeDQN K=1 / PolyPruneDQN (XLA), alternating.

The gap between JAX and torch in ``benchmarks/overhead.py``'s Pong task comes from here: the network
itself, not the population code around it.

    python -m benchmarks.cnn_step --repeats 30

The measurements made so far, with their reading: ``studies/overhead/cnn_step.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

PONG = dict(buffer_size=2_000, learning_starts=100, batch_size=32, train_freq=4, gradient_steps=1,
            target_update_interval=1000, learning_rate=1e-4)


def _models() -> dict:
    import sbx
    import stable_baselines3 as sb3

    import sbx_eaudeqn as ours
    from sbx_eaudeqn.envs.atari import make_atari

    def env():
        return make_atari("PongNoFrameskip-v4", n_envs=1, seed=0)

    return {
        "SB3 DQN (torch)": sb3.DQN("CnnPolicy", env(), seed=0, device="cpu", **PONG),
        "SBX DQN": sbx.DQN("CnnPolicy", env(), seed=0, **PONG),
        "EauDeDQN K=1": ours.EauDeDQN("CnnPolicy", env(), population_size=1, seed=0, **PONG),
        "PolyPruneDQN": ours.PolyPruneDQN("CnnPolicy", env(), seed=0, **PONG),
    }


def _forward(model, observations: np.ndarray):
    """A callable running the model's online Q-network on ``observations`` and waiting for the result."""
    if hasattr(model, "q_net"):  # SB3
        import torch

        tensor = torch.as_tensor(observations)

        def run():
            with torch.no_grad():
                model.q_net(tensor)

        return run
    import jax

    state = model.policy.qf_state
    return lambda: jax.block_until_ready(state.apply_fn(state.params, observations))


def _wait(model, _=None) -> None:
    """Block until the model's queued JAX work is done (our train calls do not sync; SB3's do)."""
    if not hasattr(model, "q_net"):
        import jax

        jax.block_until_ready([getattr(model, "population", None), model.policy.qf_state])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    models = _models()
    for model in models.values():
        model.learn(300)  # fills the buffer past learning_starts and compiles every path
    observations = models["SBX DQN"].replay_buffer.observations[:32, 0]
    calls = {}
    for name, model in models.items():
        calls[name, "train"] = lambda model=model: _wait(model, model.train(gradient_steps=1, batch_size=32))
        calls[name, "forward"] = _forward(model, observations)
    samples = {key: [] for key in calls}
    for _ in range(args.repeats):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            samples[key].append(1000 * (time.perf_counter() - start))
    print("| algorithm | train call, batch 32 (ms) | forward, batch 32 (ms) |\n|---|---|---|")
    for name in models:
        print(f"| {name} | {statistics.median(samples[name, 'train']):.1f} | {statistics.median(samples[name, 'forward']):.1f} |")


if __name__ == "__main__":
    main()
