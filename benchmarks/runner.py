"""The benchmark runner: each study folder's grid of runs, one JSON per run, resumable; its command line.

A study is a folder under ``studies/`` whose ``stages.py`` names its runs; its results live beside it::

    python -m benchmarks.runner studies/<name> [--stages ...] [--seeds ...] [--jobs 2] [--executor ...]
                                               [--report-only] [--out DIR]

runs every run of the chosen stages that has no result yet, then writes ``table.md`` (headed by that
command) into ``--out`` (default: the study folder). ``python -m benchmarks.runner studies/<name> --help``
lists the study's stages.

A stage file is a plain module. It defines ``STAGES: dict[str, list[RunSpec]]`` and may define
``DEFAULT_STAGES`` (the stages run without ``--stages``; default: all), ``report(results, out) -> str``
(markdown, figures too; default :func:`benchmarks.report.results_table`) and ``prepare(specs, out) ->
specs`` (given the runs without a result yet, before they run: makes what they read, a dataset, and
returns the runs to make). Stage files import this module and :mod:`benchmarks.report`, never another study.

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

Executors: ``process`` (a local process pool), ``inline`` (one run after the other in this process),
``submitit-local`` (submitit's local executor, the same code path as a cluster) and ``slurm``
(submitit on Slurm).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import json
import multiprocessing
import os
import pathlib
import platform
import sys
import time
import types
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.metadata import version
from typing import Any

import numpy as np

from benchmarks.report import results_table
from sbx_eaudeqn.registry import BY_NAME, SBX_PARENTS, algorithm_class

# RL Zoo keys that the zoo turns into a constructor argument (action_noise) once the env is known.
NOISE_KEYS = ("noise_type", "noise_std")
# Overrides that go into policy_kwargs (net_arch: a tuple of widths; optimizer_kwargs: a tuple of pairs).
POLICY_KEYS = {"net_arch", "optimizer_kwargs"}
EXECUTORS = ("process", "inline", "submitit-local", "slurm")
EVALUATIONS = 10  # greedy evaluations per run, every budget / EVALUATIONS steps
EVAL_EPISODES = 10
# Two choices for an EauDe pruned copy, for the stages that pin one: the paper's (a fresh optimizer state,
# judged on the selection period's whole cumulated loss) and the alternative the package offers (its
# parent's Adam moments, judged on the second half of the period, after it has recovered).
PAPER_COPY = dict(copy_optimizer="reset", recovery_fraction=0.0)
INHERIT_JUDGED = dict(copy_optimizer="inherit", recovery_fraction=0.5)
# The studies' folders: each holds a stage file, stages.py, and the results of its runs.
STUDIES = pathlib.Path(__file__).resolve().parents[1] / "studies"


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
    from sbx_eaudeqn.integrations.bundled import accepted_keywords, bundled_hyperparams

    if is_offline(algo):
        return {}
    settings = bundled_hyperparams(f"eaude{algo}" if algo in DENSE_ALGOS else algo, env_id)
    noise = {key: settings.pop(key) for key in NOISE_KEYS if key in settings}
    return accepted_keywords(algorithm_class(algo), settings) | noise


def bundled_policy(algo: str, env_id: str) -> Any:
    """The policy of the bundled entry (``MlpPolicy`` unless it names another); MinAtar's as a class, so
    that SBX's dense DQN, which has no such alias, takes it too."""
    import yaml

    from sbx_eaudeqn.envs.minatar import MinAtarPolicy
    from sbx_eaudeqn.integrations.bundled import hyperparams_path

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
    """Every constructor argument the model holds, defaults included: the method's options as configured
    (``model.config``, EauDe and PolyPrune), then the keywords of each ``__init__`` along the class
    hierarchy (SBX's, SB3's), read back from the model as it runs.

    A result records these, so that a run made before a default changed can be told from one made after.
    """
    import inspect

    config = getattr(model, "config", None)
    settings = {name: _jsonable(value) for name, value in config.values} if config is not None else {}
    for cls in type(model).__mro__:
        if "__init__" in vars(cls):
            for name in inspect.signature(cls.__init__).parameters:
                if name not in settings and name not in NOT_SETTINGS and hasattr(model, name):
                    settings[name] = _jsonable(getattr(model, name))
    clock = getattr(model, "period_clock", None)
    if clock is not None:  # the period as derived from the settings (DQN's k, the judged part)
        settings["period"] = {"gradient_steps": clock.length, "target_updates": clock.updates_per_period,
                              "judging_starts": clock.judging_starts}
    return settings


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

    from sbx_eaudeqn.envs.minatar import register_minatar_envs

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


def load_study(folder: str | os.PathLike) -> types.ModuleType:
    """The stage file ``<folder>/stages.py`` as a module, loaded from its path (the study folders are no package)."""
    path = pathlib.Path(folder) / "stages.py"
    if not path.is_file():
        raise SystemExit(f"{folder} holds no stages.py; the study folders with one: {', '.join(study_names())}")
    name = f"stages_{path.resolve().parent.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "STAGES", None), dict):
        raise SystemExit(f"{path} defines no STAGES (a dict: stage name -> list of RunSpec)")
    return module


def study_names() -> list[str]:
    """The folders under ``studies/`` that hold a stage file."""
    return sorted(path.parent.name for path in STUDIES.glob("*/stages.py"))


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.runner studies/<name> [options]``: run what is missing of the study's chosen
    stages, then write ``table.md`` with the command and, for a folder under ``studies/``, the results
    page and README's table (:mod:`benchmarks.results_page`). ``--seeds`` keeps only those seeds of the stages'
    runs: on a 2-core machine, the runs that fit in the time at hand (the table still reports every
    finished run in ``--out``).
    """
    import argparse

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runner",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", help="a study folder (studies/<name>): its stages.py names the runs, "
                                      "its results go there")
    if not argv or argv[0].startswith("-"):  # no study given: the runner's own help
        parser.description = __doc__
        parser.epilog = f"Studies: {', '.join(study_names())}."
        parser.parse_args(argv)
        return
    study = load_study(argv[0])
    stages = study.STAGES
    default = list(getattr(study, "DEFAULT_STAGES", None) or stages)
    width = max(len(stage) for stage in stages)
    parser.description = study.__doc__
    parser.epilog = "stages and their runs (*: run without --stages):\n" + "\n".join(
        f"  {stage:<{width}} {'*' if stage in default else ' '} {len(specs)}" for stage, specs in stages.items())
    parser.add_argument("--stages", nargs="+", default=default, choices=list(stages), metavar="STAGE",
                        help="the stages to run (listed below)")
    parser.add_argument("--seeds", nargs="+", type=int, help="run only these seeds (default: every seed)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--executor", default="process", choices=EXECUTORS)
    parser.add_argument("--report-only", action="store_true", help="write table.md from the runs in --out, run nothing")
    parser.add_argument("--out", default=argv[0], help="where the results are (default: the study folder)")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    specs = [] if args.report_only else [spec for stage in args.stages for spec in stages[stage]
                                         if args.seeds is None or spec.seed in args.seeds]
    specs = list({spec.run_id: spec for spec in specs}.values())  # a run in two stages asked for runs once
    prepare = getattr(study, "prepare", None)
    if prepare is not None:
        specs = missing(specs, out)
        specs = prepare(specs, out) if specs else specs
    results = run_missing(specs, out, args.jobs, args.executor)
    if not results:
        raise SystemExit(f"no finished runs in {out}")
    report = getattr(study, "report", None)
    text = report(results, out) if report else results_table(results)
    (out / "table.md").write_text(f"Command: python -m benchmarks.runner {' '.join(argv)}\n\n{text}\n")
    print(text)
    if out.resolve().is_relative_to(STUDIES):  # a study of the repository: its results page and README follow
        from benchmarks import results_page

        results_page.main([])


if __name__ == "__main__":
    # Through the importable module, so that the stage files, the worker processes and this call share
    # one RunSpec class.
    from benchmarks.runner import main as runner_main

    runner_main()
