"""Reduced-scale replication of the paper: {dense, PolyPrune, EauDe} x {small, medium network} x seeds.

DQN on CartPole-v1 and Acrobot-v1 (RL Zoo hyperparameters), SAC on Pendulum-v1 and HalfCheetah-v5,
with short budgets. Every run evaluates the greedy policy every ``budget / 10`` steps and records the
sparsity of the acting network; each run is one JSON file, so the benchmark resumes where it stopped
and runs in parallel processes. The report gives the IQM of the final return with a 95% bootstrap
interval, the final sparsity, and three figures (return and sparsity against environment steps, final
sparsity per environment and network size).

    python benchmarks/replicate.py --seeds 5 --jobs 2              # hours on 2 cores
    python benchmarks/replicate.py --envs CartPole-v1 Pendulum-v1 --seeds 3
    python benchmarks/replicate.py --quick --envs CartPole-v1 --sizes small --out /tmp/replicate  # a minute
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from runs import run_missing  # noqa: E402

DQN_ZOO = {
    "CartPole-v1": dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
                        target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
                        exploration_final_eps=0.04),
    "Acrobot-v1": dict(learning_rate=6.3e-4, batch_size=128, buffer_size=50_000, learning_starts=0, gamma=0.99,
                       target_update_interval=250, train_freq=4, gradient_steps=-1, exploration_fraction=0.12,
                       exploration_final_eps=0.1),
}
SAC_SETTINGS = {
    "Pendulum-v1": dict(learning_rate=1e-3, learning_starts=1000),
    "HalfCheetah-v5": dict(learning_starts=5000),
}
BUDGETS = {"CartPole-v1": 50_000, "Acrobot-v1": 50_000, "Pendulum-v1": 20_000, "HalfCheetah-v5": 50_000}
QUICK_BUDGETS = {"CartPole-v1": 1500, "Acrobot-v1": 1500, "Pendulum-v1": 600, "HalfCheetah-v5": 600}
NET_ARCH = {"dqn": {"small": [64], "medium": [256]}, "sac": {"small": [64, 64], "medium": [256, 256]}}
METHODS = ("dense", "polyprune", "eaude")


def _model(method: str, env_id: str, size: str, seed: int, budget: int, sparsity_scale: float):
    import sbx

    import sbx_eaudeqn

    family = "dqn" if env_id in DQN_ZOO else "sac"
    kwargs = dict(DQN_ZOO.get(env_id) or SAC_SETTINGS[env_id], seed=seed,
                  policy_kwargs=dict(net_arch=NET_ARCH[family][size]))
    kwargs["learning_starts"] = min(kwargs["learning_starts"], budget // 4)
    if family == "dqn":
        classes = {"dense": sbx.DQN, "polyprune": sbx_eaudeqn.PolyPruneDQN, "eaude": sbx_eaudeqn.EauDeDQN}
    else:
        classes = {"dense": sbx.SAC, "polyprune": sbx_eaudeqn.PolyPruneSAC, "eaude": sbx_eaudeqn.EauDeSAC}
        if method != "dense":
            kwargs["selection_period" if method == "eaude" else "prune_period"] = max(budget // 40, 10)
    if method == "eaude":
        kwargs["sparsity_scale"] = sparsity_scale
    return classes[method]("MlpPolicy", env_id, **kwargs)


def _expected_cost(job: tuple) -> float:
    """Rough relative run time of a job (name, seed, method, env, size, budget, scale), to order the queue."""
    _, _, method, env_id, size, budget, _ = job
    family_cost = 1.0 if env_id in DQN_ZOO else 5.0
    return budget * family_cost * {"dense": 1.0, "polyprune": 1.2, "eaude": 3.0}[method] * {"small": 1, "medium": 2}[size]


def run_one(name: str, seed: int, method: str, env_id: str, size: str, budget: int, sparsity_scale: float,
            out_dir: str) -> dict:
    import gymnasium as gym
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    model = _model(method, env_id, size, seed, budget, sparsity_scale)
    eval_env = Monitor(gym.make(env_id))
    history, start = [], time.time()

    class Evaluate(BaseCallback):
        """Greedy return (5 episodes) and sparsity every tenth of the budget."""

        def _on_step(self) -> bool:
            if self.num_timesteps % (budget // 10) == 0:
                mean_return, _ = evaluate_policy(self.model, eval_env, n_eval_episodes=5, deterministic=True)
                history.append((self.num_timesteps, float(mean_return), float(getattr(self.model, "sparsity", 0.0))))
            return True

    model.learn(budget, callback=Evaluate())
    return dict(algo=name, seed=seed, method=method, env=env_id, size=size, sparsity_scale=sparsity_scale,
                budget=budget, history=history, mean_return=history[-1][1], sparsity=history[-1][2],
                seconds=time.time() - start)


def report(results: list[dict], out: pathlib.Path) -> str:
    """Markdown table (IQM of final return with 95% CI, final sparsity) and the three figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sbx_eaudeqn.stats import bootstrap_ci, iqm

    groups: dict[tuple, list[dict]] = {}
    for result in results:
        key = (result["env"], result["size"], result["method"], result["sparsity_scale"])
        groups.setdefault(key, []).append(result)
    lines = ["| env | network | method | seeds | IQM final return [95% CI] | final sparsity (IQM) |", "|---|---|---|---|---|---|"]
    for (env, size, method, scale), runs in sorted(groups.items()):
        returns = [r["mean_return"] for r in runs]
        low, high = bootstrap_ci(returns)
        label = method if method != "eaude" or scale == 1.0 else f"eaude (beta={scale:g})"
        lines.append(f"| {env} | {size} | {label} | {len(runs)} | {iqm(returns):.1f} [{low:.1f}, {high:.1f}] "
                     f"| {iqm([r['sparsity'] for r in runs]):.3f} |")
    machines: dict[str, int] = {}
    for result in results:
        machine = result.get("machine", "the project's 2-core machine (untagged, before machine tags)")
        machines[machine] = machines.get(machine, 0) + 1
    lines.append("\nRuns per machine: " + "; ".join(f"{count} on {machine}" for machine, count in sorted(machines.items())))
    envs = sorted({key[0] for key in groups})
    for column, name, ylabel in ((1, "returns.png", "IQM of greedy return"), (2, "sparsity.png", "sparsity (IQM)")):
        figure, axes = plt.subplots(1, len(envs), figsize=(4.5 * len(envs), 3.8), squeeze=False)
        for axis, env in zip(axes[0], envs):
            for (group_env, size, method, scale), runs in sorted(groups.items()):
                if group_env != env or (column == 2 and method == "dense"):
                    continue
                steps = [point[0] for point in runs[0]["history"]]
                curve = [iqm([r["history"][i][column] for r in runs]) for i in range(len(steps))]
                style = "--" if size == "small" else "-"
                axis.plot(steps, curve, style, label=f"{method} {size}" + ("" if scale == 1.0 else f" b={scale:g}"))
            axis.set_title(env)
            axis.set_xlabel("environment steps")
            axis.set_ylabel(ylabel)
            axis.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(out / name, dpi=100)
        plt.close(figure)
    figure, axis = plt.subplots(figsize=(6, 3.8))
    labels, values = [], []
    for (env, size, method, scale), runs in sorted(groups.items()):
        if method == "eaude" and scale == 1.0:
            labels.append(f"{env}\n{size}")
            values.append(iqm([r["sparsity"] for r in runs]))
    axis.bar(range(len(values)), values, color="tab:blue")
    axis.set_xticks(range(len(values)), labels, fontsize=7)
    axis.set_ylabel("final sparsity discovered by EauDe (IQM)")
    figure.tight_layout()
    figure.savefig(out / "final_sparsity.png", dpi=100)
    plt.close(figure)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    parser.add_argument("--sizes", nargs="+", default=["small", "medium"], choices=["small", "medium"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sparsity-scales", type=float, nargs="+", default=[1.0],
                        help="EauDe beta values; 1 2 3 for the ablation")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budgets", nargs="+", default=[], metavar="ENV=STEPS", help="override budgets, e.g. Pendulum-v1=12000")
    parser.add_argument("--quick", action="store_true", help="tiny budgets and 1 seed, to check the pipeline")
    parser.add_argument("--report-only", action="store_true", help="report the runs already in --out, run nothing")
    parser.add_argument("--out", default="docs/results/replicate")
    args = parser.parse_args(argv)
    budgets = dict(QUICK_BUDGETS if args.quick else BUDGETS)
    budgets.update({item.split("=")[0]: int(item.split("=")[1]) for item in args.budgets})
    envs = args.envs
    seeds = 1 if args.quick else args.seeds
    out = pathlib.Path(args.out)
    jobs = []
    for env_id in envs:
        for size in args.sizes:
            for method in METHODS:
                for scale in (args.sparsity_scales if method == "eaude" else [1.0]):
                    name = f"{env_id}_{size}_{method}" + ("" if scale == 1.0 else f"_beta{scale:g}")
                    jobs += [(name, seed, method, env_id, size, budgets[env_id], scale) for seed in range(seeds)]
    jobs.sort(key=_expected_cost, reverse=True)  # longest runs first: parallel workers finish together
    results = run_missing(run_one, [] if args.report_only else jobs, out, args.jobs)
    results = [r for r in results if r["env"] in envs and r["size"] in args.sizes]
    if not results:
        raise SystemExit(f"no finished runs in {out} for these environments and sizes")
    text = report(results, out)
    (out / "table.md").write_text(f"Command: python benchmarks/replicate.py {' '.join(argv or sys.argv[1:])}\n\n{text}\n")
    print(text)
    print(json.dumps({"figures": [str(out / n) for n in ("returns.png", "sparsity.png", "final_sparsity.png")]}))


if __name__ == "__main__":
    main()
