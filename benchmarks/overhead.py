"""Wall time per environment step of the sparse algorithms against their dense parents, in one run.

Every model is built and warmed up first (JIT compilation, replay buffer past ``learning_starts``);
then timed rounds alternate over the models (A B C A B C ...), each round one ``learn`` call of
``--round-steps`` steps with ``reset_num_timesteps=False``. The table gives the median time per step
and its ratio to the dense SBX parent measured in the same run, plus peak RSS of the process.
Alternating rounds spread the machine's noise evenly over the algorithms.

    python benchmarks/overhead.py --tasks cartpole pong --rounds 5       # DQN family (issues 3 and 5)
    python benchmarks/overhead.py --quick                                # every task, under 5 minutes
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np

CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, policy_kwargs=dict(net_arch=[256, 256]),
)
PONG = dict(
    buffer_size=10_000, learning_starts=200, batch_size=32, train_freq=4, gradient_steps=1,
    target_update_interval=1000, exploration_fraction=0.1, exploration_final_eps=0.01, learning_rate=1e-4,
)
CHEETAH = dict(learning_starts=200, policy_kwargs=dict(net_arch=[256, 256]))


def _pong_env():
    from sbx_eaudeqn.atari import make_atari

    return make_atari("PongNoFrameskip-v4", n_envs=1, seed=0)


def _models(task: str) -> dict[str, Callable[[], object]]:
    """Constructors of the models compared on ``task``; the first one is the baseline of the ratios."""
    import sbx
    import stable_baselines3 as sb3

    import sbx_eaudeqn as ours

    if task == "cartpole":
        return {
            "SBX DQN": lambda: sbx.DQN("MlpPolicy", "CartPole-v1", seed=0, **CARTPOLE),
            "EauDeDQN K=1": lambda: ours.EauDeDQN("MlpPolicy", "CartPole-v1", population_size=1, seed=0, **CARTPOLE),
            "EauDeDQN K=5": lambda: ours.EauDeDQN("MlpPolicy", "CartPole-v1", population_size=5, seed=0, **CARTPOLE),
            "PolyPruneDQN": lambda: ours.PolyPruneDQN("MlpPolicy", "CartPole-v1", seed=0, **CARTPOLE),
        }
    if task == "pong":
        return {
            "SBX DQN": lambda: sbx.DQN("CnnPolicy", _pong_env(), seed=0, **PONG),
            "SB3 DQN (torch)": lambda: sb3.DQN("CnnPolicy", _pong_env(), seed=0, device="cpu", **PONG),
            "EauDeDQN K=1": lambda: ours.EauDeDQN("CnnPolicy", _pong_env(), population_size=1, seed=0, **PONG),
            "EauDeDQN K=5": lambda: ours.EauDeDQN("CnnPolicy", _pong_env(), population_size=5, seed=0, **PONG),
            "PolyPruneDQN": lambda: ours.PolyPruneDQN("CnnPolicy", _pong_env(), seed=0, **PONG),
        }
    if task == "halfcheetah":
        return {
            "SBX SAC": lambda: sbx.SAC("MlpPolicy", "HalfCheetah-v5", seed=0, **CHEETAH),
            "SB3 SAC (torch)": lambda: sb3.SAC("MlpPolicy", "HalfCheetah-v5", seed=0, device="cpu", **CHEETAH),
            "EauDeSAC K=1": lambda: ours.EauDeSAC("MlpPolicy", "HalfCheetah-v5", population_size=1, seed=0, **CHEETAH),
            "EauDeSAC K=5": lambda: ours.EauDeSAC("MlpPolicy", "HalfCheetah-v5", population_size=5, seed=0, **CHEETAH),
            "PolyPruneSAC": lambda: ours.PolyPruneSAC("MlpPolicy", "HalfCheetah-v5", seed=0, **CHEETAH),
        }
    raise ValueError(f"unknown task {task!r}")


def _bare_critic_ratio(rounds: int) -> float:
    """Time of a bare vmapped K=5 SAC critic update over a K=1 one (256x256, batch 256): the FLOP cost."""
    import jax
    import jax.numpy as jnp
    import optax
    from sbx.common.policies import VectorCritic

    critic = VectorCritic(net_arch=[256, 256], n_critics=2)
    obs, act, target = jnp.ones((256, 17)), jnp.ones((256, 6)), jnp.ones((256, 1))
    tx = optax.adam(3e-4)

    def step(params, opt_state):
        loss = lambda p: ((critic.apply(p, obs, act) - target) ** 2).mean()  # noqa: E731
        grads = jax.grad(loss)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    times = {}
    for size in (1, 5):
        keys = jax.random.split(jax.random.PRNGKey(0), size)
        params = jax.vmap(lambda k: critic.init(k, obs, act))(keys)
        state = (params, jax.vmap(tx.init)(params))
        update = jax.jit(jax.vmap(step))
        jax.block_until_ready(update(*state))
        samples = []
        for _ in range(rounds * 20):
            start = time.perf_counter()
            jax.block_until_ready(update(*state))
            samples.append(time.perf_counter() - start)
        times[size] = statistics.median(samples)
    return times[5] / times[1]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(task: str, warmup: int, round_steps: int, rounds: int) -> list[dict]:
    """Median seconds per env step of each model of ``task``, rounds alternating between models."""
    models = {}
    for name, build in _models(task).items():
        model = build()
        model.learn(warmup)
        models[name] = model
    samples: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            model.learn(round_steps, reset_num_timesteps=False)
            samples[name].append((time.perf_counter() - start) / round_steps)
    baseline = statistics.median(next(iter(samples.values())))
    return [
        dict(task=task, algo=name, sec_per_step=statistics.median(times), steps_per_sec=1 / statistics.median(times),
             ratio=statistics.median(times) / baseline)
        for name, times in samples.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["cartpole", "pong", "halfcheetah"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="few short rounds on every task (< 5 min)")
    parser.add_argument("--out", default=None, help="write the markdown table to this file")
    args = parser.parse_args()
    steps = {"cartpole": (1500, 512), "pong": (300, 100), "halfcheetah": (300, 100)}
    rounds = 2 if args.quick else args.rounds
    if args.quick:
        steps = {"cartpole": (1100, 256), "pong": (250, 20), "halfcheetah": (250, 30)}

    rows = []
    for task in args.tasks:
        warmup, round_steps = steps[task]
        rows += measure(task, warmup, round_steps, rounds)
        print(f"{task} done, peak RSS {_peak_rss_mib():.0f} MiB", flush=True)
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, rounds={rounds}, alternating; "
        "ratio = time per step / the first algorithm of the task (lower is faster).",
        "",
        "| task | algorithm | steps/s | time ratio to dense SBX |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['task']} | {row['algo']} | {row['steps_per_sec']:.1f} | {row['ratio']:.2f} |")
    if "halfcheetah" in args.tasks:
        lines.append(f"\nBare vmapped SAC critic update, K=5 over K=1 (the FLOP cost): {_bare_critic_ratio(rounds):.2f}")
    lines.append(f"\nPeak RSS of the benchmark process: {_peak_rss_mib():.0f} MiB")
    text = "\n".join(lines)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
