"""Wall time per environment step of the sparse algorithms against their dense parents, in one run.

Every model is built and warmed up first (JIT compilation, replay buffer past ``learning_starts``);
then timed rounds alternate over the models (A B C A B C ...), each round one ``learn`` call of
``--round-steps`` steps with ``reset_num_timesteps=False``. The table gives the median time per step
and its ratio to the dense SBX parent measured in the same run, plus peak RSS of the process.
Alternating rounds spread the machine's noise evenly over the algorithms.

    python -m benchmarks.overhead --tasks cartpole pong --rounds 7       # DQN family
    python -m benchmarks.overhead --tasks td3 tqc crossq --rounds 7      # TD3, TQC and CrossQ families on Pendulum-v1
    python -m benchmarks.overhead --quick                                # every task, under 5 minutes
    python -m benchmarks.overhead --sb3-device cuda                      # on a GPU machine (benchmarks/gpu_check.sh)

The tables made so far are in ``studies/overhead/`` (on a GPU: ``studies/gpu/``).

On a GPU the table also gives JAX's peak GPU memory after each task, and the Pong task adds EauDeDQN K=5
forced onto the unrolled training path that CPUs use, to check that scan + vmap is the better choice there.
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


def _actor_critic() -> dict:
    """256x256 actor-critic settings, a fresh dict per model: SBX's TQC writes its keys into policy_kwargs."""
    return dict(learning_starts=200, policy_kwargs=dict(net_arch=[256, 256]))


FAMILIES = {"td3": "TD3", "tqc": "TQC", "crossq": "CrossQ"}  # --tasks name: SBX class name


def _pong_env():
    from sbx_eaudeqn.envs.atari import make_atari

    return make_atari("PongNoFrameskip-v4", n_envs=1, seed=0)


SB3_DEVICE = "cpu"  # set by --sb3-device


def _unrolled(cls):
    """``cls`` with the CPU training path (one traced step per gradient step and member) forced on."""
    return type(f"Unrolled{cls.__name__}", (cls,), {"unrolled_training": True})


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
        models = {
            "SBX DQN": lambda: sbx.DQN("CnnPolicy", _pong_env(), seed=0, **PONG),
            "SB3 DQN (torch)": lambda: sb3.DQN("CnnPolicy", _pong_env(), seed=0, device=SB3_DEVICE, **PONG),
            "EauDeDQN K=1": lambda: ours.EauDeDQN("CnnPolicy", _pong_env(), population_size=1, seed=0, **PONG),
            "EauDeDQN K=5": lambda: ours.EauDeDQN("CnnPolicy", _pong_env(), population_size=5, seed=0, **PONG),
            "PolyPruneDQN": lambda: ours.PolyPruneDQN("CnnPolicy", _pong_env(), seed=0, **PONG),
        }
        if _gpu_peak_mib() is not None:
            models["EauDeDQN K=5 unrolled"] = lambda: _unrolled(ours.EauDeDQN)(
                "CnnPolicy", _pong_env(), population_size=5, seed=0, **PONG
            )
        return models
    if task == "halfcheetah":
        cheetah = "HalfCheetah-v5"
        return {
            "SBX SAC": lambda: sbx.SAC("MlpPolicy", cheetah, seed=0, **_actor_critic()),
            "SB3 SAC (torch)": lambda: sb3.SAC("MlpPolicy", cheetah, seed=0, device=SB3_DEVICE, **_actor_critic()),
            "EauDeSAC K=1": lambda: ours.EauDeSAC("MlpPolicy", cheetah, population_size=1, seed=0, **_actor_critic()),
            "EauDeSAC K=5": lambda: ours.EauDeSAC("MlpPolicy", cheetah, population_size=5, seed=0, **_actor_critic()),
            "PolyPruneSAC": lambda: ours.PolyPruneSAC("MlpPolicy", cheetah, seed=0, **_actor_critic()),
        }
    if task in FAMILIES:  # Pendulum-v1, 256x256, against the dense SBX parent
        name = FAMILIES[task]
        parent, eaude, polyprune = getattr(sbx, name), getattr(ours, f"EauDe{name}"), getattr(ours, f"PolyPrune{name}")
        return {
            f"SBX {name}": lambda: parent("MlpPolicy", "Pendulum-v1", seed=0, **_actor_critic()),
            f"EauDe{name} K=1": lambda: eaude("MlpPolicy", "Pendulum-v1", population_size=1, seed=0, **_actor_critic()),
            f"EauDe{name} K=5": lambda: eaude("MlpPolicy", "Pendulum-v1", population_size=5, seed=0, **_actor_critic()),
            f"PolyPrune{name}": lambda: polyprune("MlpPolicy", "Pendulum-v1", seed=0, **_actor_critic()),
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


def _backend() -> str:
    import jax

    return f"{jax.default_backend()} ({jax.devices()[0].device_kind})"


def _gpu_peak_mib() -> float | None:
    """JAX's peak memory on the first device when it is a GPU, else None."""
    import jax

    device = jax.devices()[0]
    stats = device.memory_stats() if device.platform == "gpu" else None
    return stats["peak_bytes_in_use"] / 2**20 if stats else None


def _wait_for_device(model) -> None:
    """Block until the JAX work a round queued is done, so that none of it is timed in the next round."""
    import jax

    jax.block_until_ready([getattr(model, "population", None), getattr(model.policy, "qf_state", None)])


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
            _wait_for_device(model)
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
    parser.add_argument("--sb3-device", default="cpu", help="torch device of the SB3 baselines (cuda on a GPU)")
    args = parser.parse_args()
    global SB3_DEVICE
    SB3_DEVICE = args.sb3_device
    steps = {"cartpole": (1500, 512), "pong": (300, 100), "halfcheetah": (300, 100), "td3": (300, 100),
             "tqc": (300, 100), "crossq": (300, 100)}
    rounds = 2 if args.quick else args.rounds
    if args.quick:
        steps = {"cartpole": (1100, 256), "pong": (250, 20), "halfcheetah": (250, 30), "td3": (250, 30),
                 "tqc": (250, 30), "crossq": (250, 30)}

    rows, memory = [], {}
    for task in args.tasks:
        warmup, round_steps = steps[task]
        task_rows = measure(task, warmup, round_steps, rounds)
        rows += task_rows
        gpu = _gpu_peak_mib()
        memory[task] = f"peak RSS {_peak_rss_mib():.0f} MiB" + ("" if gpu is None else f", JAX peak GPU memory {gpu:.0f} MiB")
        for row in task_rows:
            print(f"{task} {row['algo']}: {row['steps_per_sec']:.1f} steps/s, ratio {row['ratio']:.2f}", flush=True)
        print(f"{task} done, {memory[task]}", flush=True)
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, JAX backend {_backend()}, SB3 on {SB3_DEVICE}, "
        f"rounds={rounds}, alternating; "
        "ratio = time per step / the first algorithm of the task (lower is faster).",
        "",
        "| task | algorithm | steps/s | time ratio to dense SBX |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['task']} | {row['algo']} | {row['steps_per_sec']:.1f} | {row['ratio']:.2f} |")
    if "halfcheetah" in args.tasks:
        lines.append(f"\nBare vmapped SAC critic update, K=5 over K=1 (the FLOP cost): {_bare_critic_ratio(rounds):.2f}")
    lines.append("\nMemory of the benchmark process after each task (cumulative peaks): "
                 + "; ".join(f"{task}: {text}" for task, text in memory.items()))
    text = "\n".join(lines)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
