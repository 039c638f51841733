"""One runner for the benchmark grids: settings from the bundled ``hyperparams/*.yml``, one JSON per run.

A run is a :class:`RunSpec`: an algorithm (its RL Zoo name), an environment, a seed, a budget in
environment steps and keyword overrides. Its settings are the bundled YAML entry for that algorithm and
environment, so users (``rl_zoo3 train --algo eaudedqn --env CartPole-v1``) and results share one
source. A dense baseline (``dqn``, ``sac``) reads the EauDe file and keeps only the keywords of its SBX
class, so it differs from EauDe by the method alone.

Runs are resumable at two levels: a finished run is a file ``<out>/<run_id>.json`` and is never run
again; a run in progress saves a checkpoint (model, replay buffer, evaluations) at every evaluation,
in ``<out>/partial/``, and a later call continues it from there with ``learn(reset_num_timesteps=False)``.

Offline algorithms (EauDeCQL, PolyPruneCQL) run too: they have no RL Zoo entry, so their settings are
the constructor's defaults and the overrides, which name the dataset (``dataset=<path>``); the budget
and the evaluation steps count gradient steps, and a checkpoint holds no replay buffer (the model
reloads its dataset from that path).

Executors: ``process`` (a local process pool), ``submitit-local`` (submitit's local executor, the same
code path as a cluster) and ``slurm`` (submitit on Slurm; ``--slurm-partition`` etc.).

Statistics use rliable (Agarwal et al. 2021): IQM with stratified bootstrap confidence intervals.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import multiprocessing
import os
import pathlib
import platform
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.metadata import version
from typing import Any

import numpy as np

from sbx_eaudeqn.registry import BY_NAME, SBX_PARENTS, algorithm_class  # noqa: F401 (algorithm_class: the studies' import)

# RL Zoo keys that the zoo turns into a constructor argument (action_noise) once the env is known.
NOISE_KEYS = ("noise_type", "noise_std")
# Overrides that go into policy_kwargs (net_arch: a tuple of widths; optimizer_kwargs: a tuple of pairs).
POLICY_KEYS = {"net_arch", "optimizer_kwargs"}
EXECUTORS = ("process", "inline", "submitit-local", "slurm")
EVALUATIONS = 10  # greedy evaluations per run, every budget / EVALUATIONS steps
EVAL_EPISODES = 10
# A pruned copy's optimizer and judged part, the paper's (EauDeDQN and EauDeCQL's defaults before issue 26)
# and ours (every EauDe class's default since): the studies pin the one their runs were measured with.
PAPER_COPY = dict(copy_optimizer="reset", recovery_fraction=0.0)
INHERIT_JUDGED = dict(copy_optimizer="inherit", recovery_fraction=0.5)
# EauDeDQN and EauDeCQL as they were before issue 26: the paper's copies, a selection at every target update.
DQN_BEFORE_ISSUE_26 = dict(PAPER_COPY, target_updates_per_selection=1)


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One training run: ``algo`` (RL Zoo name), ``env``, ``seed``, ``budget`` (env steps) and overrides.

    :ivar group: a label shared by the seeds of one setting (the table's row).
    :ivar overrides: constructor keywords that replace the bundled ones (``net_arch`` and
        ``optimizer_kwargs`` go into ``policy_kwargs``).
    :ivar eval_episodes: episodes per greedy evaluation (fewer for a quick check of a pipeline).
    """

    group: str
    algo: str
    env: str
    seed: int
    budget: int
    overrides: tuple[tuple[str, Any], ...] = ()
    eval_episodes: int = EVAL_EPISODES

    @property
    def run_id(self) -> str:
        return f"{self.group}_seed{self.seed}"

    def kwargs(self) -> dict[str, Any]:
        """The constructor keywords: bundled settings, then the overrides (offline: the overrides alone)."""
        settings = bundled_settings(self.algo, self.env)
        overrides = dict(self.overrides)
        for key in POLICY_KEYS & overrides.keys():
            value = overrides.pop(key)
            value = list(value) if key == "net_arch" else dict(value)
            settings["policy_kwargs"] = dict(settings.get("policy_kwargs", {}), **{key: value})
        settings.update(overrides)
        if not is_offline(self.algo):  # offline, learning starts at once (the dataset is there)
            settings["learning_starts"] = min(settings.get("learning_starts", 100), self.budget // 4)
        return settings


# The dense SBX parent of each EauDe class, by RL Zoo name: a dense run reads the EauDe file's entry.
DENSE_ALGOS = tuple(SBX_PARENTS)


def is_offline(algo: str) -> bool:
    """Whether ``algo`` learns from a dataset (CQL): no RL Zoo entry, budget in gradient steps."""
    return algo in BY_NAME and not BY_NAME[algo].online


def bundled_settings(algo: str, env_id: str) -> dict[str, Any]:
    """Constructor keywords from the bundled YAML entry for ``env_id`` (dense: the EauDe file's, filtered;
    offline: none, as RL Zoo has no entry for them)."""
    from sbx_eaudeqn.hyperparams import accepted_keywords, bundled_hyperparams

    if is_offline(algo):
        return {}
    settings = bundled_hyperparams(f"eaude{algo}" if algo in DENSE_ALGOS else algo, env_id)
    noise = {key: settings.pop(key) for key in NOISE_KEYS if key in settings}
    return accepted_keywords(algorithm_class(algo), settings) | noise


def bundled_policy(algo: str, env_id: str) -> Any:
    """The policy of the bundled entry (``MlpPolicy`` unless it names another); MinAtar's as a class, so
    that SBX's dense DQN, which has no such alias, takes it too."""
    import yaml

    from sbx_eaudeqn.minatar import MinAtarPolicy
    from sbx_eaudeqn.hyperparams import hyperparams_path

    if is_offline(algo):
        return "MlpPolicy"
    name = f"eaude{algo}" if algo in DENSE_ALGOS else algo
    policy = yaml.safe_load(hyperparams_path(name).read_text()).get(env_id, {}).get("policy", "MlpPolicy")
    return MinAtarPolicy if policy == "MinAtarPolicy" else policy


def with_action_noise(settings: dict[str, Any], env: Any) -> dict[str, Any]:
    """Replace ``noise_type``/``noise_std`` with the ``action_noise`` RL Zoo would build for ``env``."""
    from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

    settings = dict(settings)
    noise_type, noise_std = settings.pop("noise_type", None), settings.pop("noise_std", 0.0)
    if noise_type is None:
        return settings
    kinds = {"normal": NormalActionNoise, "ornstein-uhlenbeck": OrnsteinUhlenbeckActionNoise}
    if noise_type not in kinds:
        raise ValueError(f"noise_type must be one of {sorted(kinds)}, got {noise_type!r}")
    shape = env.action_space.shape
    settings["action_noise"] = kinds[noise_type](mean=np.zeros(shape), sigma=noise_std * np.ones(shape))
    return settings


def _selection_summary(model: Any) -> dict[str, Any]:
    """What the selection log says about the run (EauDe only): shares overall and in the last quarter."""
    log = getattr(model, "selection_log", None)
    if log is None or not log.history:
        return {}
    rows = log.history
    last_quarter = rows[3 * len(rows) // 4 :]
    explored_wins = [row for row in rows if row["winner_explored"]]
    gain_by_age: dict[str, float] = {}  # sparsity the leader gained, by the winner's age (-1: never explored)
    for row in rows:
        age = str(row.get("winner_age", -1))
        gain_by_age[age] = gain_by_age.get(age, 0.0) + max(row.get("sparsity_gain", 0.0), 0.0)
    return {
        **_loss_gaps(rows),
        "selections": len(rows),
        "explored_win_share": log.explored_win_share,
        "explored_slot_share": log.explored_slot_share,
        "tie_decided_share": log.tie_decided_share,
        "explored_win_share_last_quarter": float(np.mean([row["winner_explored"] for row in last_quarter])),
        "mean_winning_jump": float(np.mean([row["winner_jump"] for row in explored_wins])) if explored_wins else 0.0,
        "sparsity_gain_by_winner_age": gain_by_age,
        "selection_trace": [[row["timesteps"], int(row["winner_explored"]), round(row["winner_jump"], 5),
                             round(row["leader_sparsity"], 5), row.get("winner_age", -1)] for row in rows],
    }


def _loss_gaps(rows: list[dict]) -> dict[str, list[float]]:
    """Per quarter of training, the medians of the leader's L_k and of (best L_k among fresh copies) /
    (best L_k among the others): how far the copies are from winning (below 1, a copy won), and how
    both change over training. Logs without ``explored_judged`` give empty lists.
    """
    points = []
    for row in rows:
        fresh = np.asarray(row.get("explored_judged", []), bool)
        losses = np.asarray(row["cumulated_losses"])
        if fresh.any() and (~fresh).any() and np.isfinite(losses).all():
            points.append((row["timesteps"], losses.min(), losses[fresh].min() / losses[~fresh].min()))
    if not points:
        return {"leader_loss_by_quarter": [], "fresh_loss_ratio_by_quarter": []}
    end = rows[-1]["timesteps"]
    quarters = [[p for p in points if min(int(4 * p[0] / end), 3) == q] for q in range(4)]
    median = lambda q, i: float(np.median([p[i] for p in q])) if q else float("nan")  # noqa: E731
    return {"leader_loss_by_quarter": [median(q, 1) for q in quarters],
            "fresh_loss_ratio_by_quarter": [median(q, 2) for q in quarters]}


# Constructor arguments that are not settings of the method (or are recorded elsewhere in a result).
NOT_SETTINGS = {"self", "policy", "env", "seed", "verbose", "device", "tensorboard_log", "stats_window_size",
                "_init_setup_model", "replay_buffer_class", "replay_buffer_kwargs", "dataset", "args", "kwargs"}


def effective_settings(model: Any) -> dict[str, Any]:
    """Every constructor argument the model holds, defaults included: the keywords of each ``__init__``
    along its class hierarchy (ours, SBX's, SB3's), read back from the model as it runs.

    A result records these, so that a run made before a default changed can be told from one made after.
    """
    import inspect

    names: list[str] = []
    for cls in type(model).__mro__:
        if "__init__" in vars(cls):
            names += [name for name in inspect.signature(cls.__init__).parameters if name not in names]
    return {name: _jsonable(getattr(model, name)) for name in names
            if name not in NOT_SETTINGS and hasattr(model, name)}


def _jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: numbers, strings, lists and dicts as they are, anything else as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return repr(value)


def _provenance() -> dict[str, str]:
    """The package version and the commit of the checkout that ran (``"unknown"`` outside a git clone)."""
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=pathlib.Path(__file__).resolve().parent).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "sbx_eaudeqn"],
                               capture_output=True, text=True, check=True,
                               cwd=pathlib.Path(__file__).resolve().parents[1]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    return {"package_version": version("sbx-eaudeqn"), "commit": commit + ("+changes" if dirty else "")}


def run_one(spec: RunSpec, out_dir: str) -> dict:
    """Train one run (resuming its checkpoint if there is one) and return its result.

    A run whose result file is already in ``out_dir`` is not trained again: the process pool fixes its
    list when it starts, and another runner on the same folder may have finished the run since.
    """
    finished = pathlib.Path(out_dir) / f"{spec.run_id}.json"
    if finished.exists():
        return json.loads(finished.read_text())
    import gymnasium as gym
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor

    from sbx_eaudeqn.minatar import register_minatar_envs

    register_minatar_envs()
    partial = pathlib.Path(out_dir) / "partial"
    partial.mkdir(parents=True, exist_ok=True)
    checkpoint, buffer_file, progress_file = (partial / f"{spec.run_id}{suffix}" for suffix in (".zip", "_buffer.pkl", ".json"))
    cls = algorithm_class(spec.algo)
    offline = is_offline(spec.algo)  # no buffer to save: the model reloads its dataset
    if progress_file.exists() and checkpoint.exists() and (offline or buffer_file.exists()):
        progress = json.loads(progress_file.read_text())
        model = cls.load(checkpoint, env=gym.make(spec.env))
        if not offline:
            model.load_replay_buffer(buffer_file)
    else:
        progress = {"history": [], "seconds": 0.0}
        env = gym.make(spec.env)
        model = cls(bundled_policy(spec.algo, spec.env), env, seed=spec.seed, **with_action_noise(spec.kwargs(), env))
    eval_env = Monitor(gym.make(spec.env))
    eval_env.reset(seed=10_000 + spec.seed)
    every = spec.budget // EVALUATIONS
    seconds_before, started = progress["seconds"], time.time()

    class EvaluateAndCheckpoint(BaseCallback):
        """Greedy return and sparsity every ``budget / 10`` steps (offline: gradient steps), then a checkpoint."""

        def _on_step(self) -> bool:
            if self.num_timesteps % every == 0:
                mean_return, _ = evaluate_policy(self.model, eval_env, n_eval_episodes=spec.eval_episodes, deterministic=True)
                sparsity = float(getattr(self.model, "sparsity", 0.0))
                progress["history"].append((self.num_timesteps, float(mean_return), sparsity))
                progress["seconds"] = seconds_before + time.time() - started
                if self.num_timesteps < spec.budget:
                    self.model.save(checkpoint)
                    if not offline:
                        self.model.save_replay_buffer(buffer_file)
                    progress_file.write_text(json.dumps(progress))
            return True

    progress.setdefault("settings", effective_settings(model))  # as constructed (a resumed run: as first built)
    progress.setdefault("provenance", _provenance())
    remaining = spec.budget - model.num_timesteps
    model.learn(remaining, callback=EvaluateAndCheckpoint(), reset_num_timesteps=model.num_timesteps == 0)
    history = progress["history"]
    result = dict(run_id=spec.run_id, group=spec.group, algo=spec.algo, env=spec.env, seed=spec.seed,
                  budget=spec.budget, overrides={k: v for k, v in spec.overrides}, history=history,
                  final_return=history[-1][1], sparsity=history[-1][2], seconds=progress["seconds"],
                  settings=progress["settings"], **progress["provenance"], **_selection_summary(model))
    if hasattr(model, "layer_sparsities"):  # the leader's, per kernel (dense SBX baselines have none)
        result["layer_sparsities"] = model.layer_sparsities
    if hasattr(model, "actor_sparsity"):  # actor-critic EauDe and PolyPrune (0 unless actor_final_sparsity is set)
        result["actor_sparsity"] = model.actor_sparsity
    for path in (checkpoint, buffer_file, progress_file):
        path.unlink(missing_ok=True)
    return result


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, jax {version('jax')}"


def _save(result: dict, out: pathlib.Path) -> None:
    result = dict(result, machine=_machine())
    (out / f"{result['run_id']}.json").write_text(json.dumps(result))
    print(json.dumps({k: v for k, v in result.items() if k not in ("history", "selection_trace")}), flush=True)


def run_missing(specs: Iterable[RunSpec], out: pathlib.Path, jobs: int = 2, executor: str = "process",
                slurm: dict[str, Any] | None = None) -> list[dict]:
    """Run every spec without a result file in ``out``, in the order given; return all results in ``out``.

    :param executor: ``process`` (local processes), ``inline`` (one after the other in this process: for
        tests and debugging, sharing its compiled functions), ``submitit-local`` or ``slurm`` (submitit).
    :param slurm: submitit parameters for Slurm (``slurm_partition``, ``timeout_min``, ...).
    """
    out.mkdir(parents=True, exist_ok=True)
    todo = missing(specs, out)
    if todo and executor == "inline":
        for spec in todo:
            _save(run_one(spec, str(out)), out)
    elif todo and executor == "process":
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for future in as_completed([pool.submit(run_one, spec, str(out)) for spec in todo]):
                _save(future.result(), out)
    elif todo:
        import submitit

        if executor not in ("submitit-local", "slurm"):
            raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
        cluster = "local" if executor == "submitit-local" else "slurm"
        submitter = submitit.AutoExecutor(folder=str(out / "submitit"), cluster=cluster)
        submitter.update_parameters(**({"timeout_min": 24 * 60} | (slurm or {})))
        with submitter.batch():
            submitted = [submitter.submit(run_one, spec, str(out)) for spec in todo]
        for job in submitted:
            _save(job.result(), out)
    return load_results(out)


def quick_check(specs: Iterable[RunSpec]) -> list[RunSpec]:
    """The specs with one episode per evaluation: a stage that checks the pipeline, not the learning."""
    return [dataclasses.replace(spec, eval_episodes=1) for spec in specs]


def missing(specs: Iterable[RunSpec], out: pathlib.Path) -> list[RunSpec]:
    """The specs without a result file in ``out``, in the order given."""
    return [spec for spec in specs if not (out / f"{spec.run_id}.json").exists()]


def load_results(out: pathlib.Path) -> list[dict]:
    """Every finished run in ``out``."""
    return [json.loads(path.read_text()) for path in sorted(out.glob("*_seed*.json"))]


def _by_group(results: list[dict]) -> dict[str, list[dict]]:
    """The results of each group (a table's row), in the order given."""
    groups: dict[str, list[dict]] = {}
    for result in results:
        groups.setdefault(result["group"], []).append(result)
    return groups


def results_table(results: list[dict]) -> str:
    """Markdown table, one row per group: IQM final return and sparsity with 95% CIs, and for EauDe
    runs what the selection log says (explored win share, overall and in the last quarter)."""
    groups = _by_group(results)
    lines = ["| setting | runs | IQM final return [95% CI] | IQM final sparsity [95% CI] | explored win share "
             "(last quarter) | explored slot share | mean winning jump | selections |",
             "|---|---|---|---|---|---|---|---|"]
    for group, runs in sorted(groups.items()):
        ret = iqm_with_ci([r["final_return"] for r in runs])
        spa = iqm_with_ci([r["sparsity"] for r in runs])
        row = f"| {group} | {len(runs)} | {ret[0]:.1f} [{ret[1]:.1f}, {ret[2]:.1f}] | {spa[0]:.3f} [{spa[1]:.3f}, {spa[2]:.3f}] |"
        if all("selections" in r for r in runs):
            mean = lambda key: float(np.mean([r[key] for r in runs]))  # noqa: E731
            row += (f" {mean('explored_win_share'):.2f} ({mean('explored_win_share_last_quarter'):.2f}) "
                    f"| {mean('explored_slot_share'):.2f} | {mean('mean_winning_jump'):.4f} | {mean('selections'):.0f} |")
        else:
            row += " | | | |"
        lines.append(row)
    return "\n".join(lines)


def seed_table(results: list[dict], sparsities: dict[str, str] | None = None) -> str:
    """Markdown table, one row per group: final return as mean ± std over seeds and seed by seed, each
    sparsity in ``sparsities`` (result key -> column title; default the leader's) as the mean and seed by
    seed, and the seconds per run."""
    sparsities = sparsities or {"sparsity": "sparsity"}
    groups = _by_group(sorted(results, key=lambda r: r["seed"]))
    lines = ["| setting | final return (mean ± std over seeds) | per seed | "
             + " | ".join(f"{title} (per seed)" for title in sparsities.values()) + " | s per run |",
             "|---|---|---|" + "---|" * len(sparsities) + "---|"]
    for group, runs in sorted(groups.items()):
        returns = np.array([r["final_return"] for r in runs])
        cells = [f"{returns.mean():.1f} ± {returns.std():.1f}", ", ".join(f"{x:.0f}" for x in returns)]
        for key in sparsities:
            values = np.array([r.get(key, 0.0) for r in runs])
            cells.append(f"{values.mean():.3f} ({', '.join(f'{v:.2f}' for v in values)})")
        lines.append(f"| {group} | {' | '.join(cells)} | {np.mean([r['seconds'] for r in runs]):.0f} |")
    return "\n".join(lines)


def plot_seeds(ax: Any, curves: list[np.ndarray], colour: str, label: str | None) -> None:
    """Each seed's (x, y) curve thin, their mean (over the shortest length) thick, in one colour."""
    for curve in curves:
        ax.plot(curve[:, 0], curve[:, 1], color=colour, lw=0.5, alpha=0.4)
    length = min(len(c) for c in curves)
    mean = np.mean([c[:length] for c in curves], axis=0)
    ax.plot(mean[:, 0], mean[:, 1], color=colour, lw=2, label=label)


def iqm(values: Iterable[float]) -> float:
    """Interquartile mean (rliable's ``aggregate_iqm``: the mean of the middle 50%)."""
    from rliable import metrics

    return float(metrics.aggregate_iqm(np.asarray(list(values), dtype=np.float64)))


def iqm_with_ci(values: Iterable[float], reps: int = 2000) -> tuple[float, float, float]:
    """IQM and its 95% stratified bootstrap interval, with rliable (one task, runs as rows)."""
    from rliable import library as rly
    from rliable import metrics

    values = list(values)
    if len(values) < 2:
        return float(np.mean(values)), float(np.min(values)), float(np.max(values))
    scores = {"runs": np.asarray(values, dtype=np.float64).reshape(-1, 1)}
    point, interval = rly.get_interval_estimates(scores, lambda x: np.array([metrics.aggregate_iqm(x)]), reps=reps)
    return float(point["runs"][0]), float(interval["runs"][0, 0]), float(interval["runs"][1, 0])


def stage_study_main(argv: list[str] | None, description: str, module: str, stages: dict[str, list[RunSpec]],
                     default_out: str, report: Any = None, default_stages: Iterable[str] | None = None,
                     prepare: Any = None) -> None:
    """The command line of a study made of named stages (``--stages``, ``--seeds``, ``--jobs``,
    ``--executor``, ``--report-only``, ``--out``): run what is missing, then write ``table.md`` with the
    command. ``--seeds`` keeps only those seeds of the stages' runs: on a 2-core machine, the runs that
    fit in the time at hand (the table still reports every finished run in ``--out``).

    :param report: ``report(results, out) -> markdown`` (figures too); default :func:`results_table`.
    :param default_stages: the stages run without ``--stages`` (default: all; leave out, say, a quick check).
    :param prepare: ``prepare(specs, out) -> specs``, given the runs that have no result in ``out`` yet,
        before they run (not with ``--report-only``): makes what they read (a dataset) and returns the
        runs to make.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", nargs="+", default=list(default_stages or stages), choices=list(stages))
    parser.add_argument("--seeds", nargs="+", type=int, help="run only these seeds (default: every seed)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--executor", default="process", choices=EXECUTORS)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    specs = [] if args.report_only else [spec for stage in args.stages for spec in stages[stage]
                                         if args.seeds is None or spec.seed in args.seeds]
    if prepare is not None:
        specs = missing(specs, out)
        specs = prepare(specs, out) if specs else specs
    results = run_missing(specs, out, args.jobs, args.executor)
    if not results:
        raise SystemExit(f"no finished runs in {out}")
    text = report(results, out) if report else results_table(results)
    (out / "table.md").write_text(f"Command: python -m {module} {' '.join(argv or sys.argv[1:])}\n\n{text}\n")
    print(text)
