"""RL Zoo 3 integration: algorithm registration, Optuna samplers and the bundled hyperparameters.

``rl_zoo3 train --algo eaudesac ...`` works once the package is installed, through the start-up hook
``sbx_eaudeqn_zoo_hook`` (see its docstring). ``sbx-eaudeqn-zoo train --algo eaudesac ...`` is the
explicit route SBX documents: register, then run the zoo's command line.

RL Zoo's commands that only load a trained agent (``rl_zoo3 enjoy``, ``python -m rl_zoo3.enjoy``,
``python -m rl_zoo3.record_video`` and ``python -m rl_zoo3.push_to_hub``) give SB3's off-policy
algorithms a one-transition replay buffer, from lists of algorithm names written inside them. Ours
get the same: when the process runs one of these commands, the zoo's algorithm table holds versions
of our classes whose ``load`` defaults to ``buffer_size=1``. ``python -m rl_zoo3.load_from_hub`` only
downloads files and needs nothing but the registration.
"""

from __future__ import annotations

import functools
import pathlib
import sys
from typing import Any

from sbx_eaudeqn.integrations.bundled import ZOO_ONLY_KEYS, accepted_keywords, bundled_hyperparams, hyperparams_path  # noqa: F401
from sbx_eaudeqn.envs.minatar import register_minatar_envs
from sbx_eaudeqn.registry import BY_NAME, zoo_algorithms

ZOO_ALGOS = zoo_algorithms()  # RL Zoo name -> class, from sbx_eaudeqn.registry


def sample_eaude(trial: Any, base: dict[str, Any]) -> dict[str, Any]:
    """Add the EauDe parameters to hyperparameters sampled by the zoo's SAC or DQN sampler."""
    return base | {
        "population_size": trial.suggest_int("population_size", 2, 8),
        "sparsity_scale": trial.suggest_float("sparsity_scale", 0.5, 4.0, log=True),
        "max_prune_fraction": trial.suggest_float("max_prune_fraction", 0.05, 0.5, log=True),
    }


def sample_polyprune(trial: Any, base: dict[str, Any]) -> dict[str, Any]:
    """Add the polynomial schedule's parameters to hyperparameters sampled by the zoo's SAC or DQN sampler."""
    prune_start = trial.suggest_float("prune_start", 0.0, 0.5)
    return base | {
        "final_sparsity": trial.suggest_float("final_sparsity", 0.5, 0.99),
        "prune_start": prune_start,
        "prune_end": trial.suggest_float("prune_end", prune_start + 0.1, 1.0),
    }


def _sampler(base_sampler, extend):
    def sample(trial, n_actions, n_envs, additional_args):
        return extend(trial, base_sampler(trial, n_actions, n_envs, additional_args))

    return sample


def _without_tau(function):
    """An RL Zoo sampler or converter whose result drops ``tau`` (for CrossQ, which takes no ``tau``)."""

    def without_tau(*args):
        return {key: value for key, value in function(*args).items() if key != "tau"}

    return without_tau


def _convert_with(base_converter, names: tuple[str, ...]):
    """Converter for stored Optuna parameters: the zoo's own, with our parameters passed through."""

    def convert(params: dict[str, Any]) -> dict[str, Any]:
        ours = {name: params[name] for name in names if name in params}
        return base_converter({k: v for k, v in params.items() if k not in ours}) | ours

    return convert


def _default_config(init):
    """Wrap ``ExperimentManager.__init__`` so that our algorithms read our bundled YAML by default."""

    @functools.wraps(init)
    def wrapped(self, args, algo, *rest, **kwargs):
        if algo in ZOO_ALGOS and kwargs.get("config") is None:
            kwargs["config"] = str(hyperparams_path(algo))
        init(self, args, algo, *rest, **kwargs)

    wrapped._sbx_eaudeqn = True
    return wrapped


def _keep_saved_population(load_pretrained):
    """Wrap ``ExperimentManager._load_pretrained_agent`` (``-i``) so that the saved population wins.

    The zoo passes every hyperparameter of the YAML file to ``load``; a ``population_size`` that only
    comes from the file would clash with the saved model's. One given with ``--hyperparams`` is kept,
    so that a real mismatch still gets the algorithm's clear error.
    """

    @functools.wraps(load_pretrained)
    def wrapped(self, hyperparams, env):
        if self.algo in ZOO_ALGOS and "population_size" not in (self.custom_hyperparams or {}):
            hyperparams = {key: value for key, value in hyperparams.items() if key != "population_size"}
        return load_pretrained(self, hyperparams, env)

    wrapped._sbx_eaudeqn = True
    return wrapped


def _read_trial_zero(read_hyperparameters):
    """Wrap ``ExperimentManager.read_hyperparameters`` so that ``--trial-id 0`` loads trial 0.

    The zoo applies a stored trial only ``if self.trial_id``, which skips the first trial of a study.
    For our algorithms, trial 0's parameters are applied as the zoo applies any other trial's: over the
    YAML file, under ``--hyperparams``.
    """

    @functools.wraps(read_hyperparameters)
    def wrapped(self):
        if not (self.algo in ZOO_ALGOS and self.storage and self.study_name and self.trial_id == 0):
            return read_hyperparameters(self)
        custom = self.custom_hyperparams
        self.custom_hyperparams = self.load_trial(self.storage, self.study_name, 0) | (custom or {})
        try:
            return read_hyperparameters(self)
        finally:
            self.custom_hyperparams = custom

    wrapped._sbx_eaudeqn = True
    return wrapped


def _loader_without_buffer(cls):
    """``cls`` whose ``load`` defaults to ``buffer_size=1``, as ``rl_zoo3 enjoy`` does for SB3's off-policy algorithms."""

    def load(_, path, **kwargs):
        return cls.load(path, **({"buffer_size": 1} | kwargs))

    return type(cls.__name__, (cls,), {"load": classmethod(load)})


# RL Zoo modules that, run as a program, only load an agent to run it (never to train it further).
LOAD_ONLY_COMMANDS = ("rl_zoo3.enjoy", "rl_zoo3.record_video", "rl_zoo3.push_to_hub")
def main_module(argv: list[str] | None = None) -> str | None:
    """The module a Python command line runs as its program, from ``sys.orig_argv`` by default.

    ``python -m rl_zoo3.record_video ...`` gives ``"rl_zoo3.record_video"`` (interpreter options such
    as ``-u`` or ``-W error`` before it are skipped); a script path inside the ``rl_zoo3`` package
    (``python .../rl_zoo3/record_video.py``) gives the same; anything else (``-c``, another script, a
    console script such as ``rl_zoo3``) gives None.
    """
    argv = list(getattr(sys, "orig_argv", []) if argv is None else argv)
    arguments = iter(argv[1:])
    for argument in arguments:
        if argument == "--":
            argument = next(arguments, "")
        elif argument.startswith("--"):  # --check-hash-based-pycs takes a value; the others do not
            if argument == "--check-hash-based-pycs":
                next(arguments, None)
            continue
        elif argument.startswith("-") and len(argument) > 1:
            flags = argument[1:]
            for position, flag in enumerate(flags):
                rest = flags[position + 1 :]
                if flag == "m":
                    return rest or next(arguments, None)
                if flag == "c":
                    return None
                if flag in "WX":  # options that take a value, attached or next
                    if not rest:
                        next(arguments, None)
                    break
            continue
        if argument in ("", "-"):
            return None
        script = pathlib.PurePath(argument)
        if script.parent.name == "rl_zoo3" and script.suffix == ".py":
            return f"rl_zoo3.{script.stem}"
        return None
    return None


def _enjoy_off_policy(enjoy):
    """Wrap ``rl_zoo3.enjoy.enjoy`` so that it loads our (off-policy) agents with a 1-transition buffer.

    ``enjoy`` keeps its list of off-policy algorithms in a local variable, so it cannot be extended.
    """

    @functools.wraps(enjoy)
    def wrapped():
        import rl_zoo3

        saved = {name: rl_zoo3.ALGOS[name] for name in ZOO_ALGOS}
        rl_zoo3.ALGOS.update({name: _loader_without_buffer(cls) for name, cls in ZOO_ALGOS.items()})
        try:
            return enjoy()
        finally:
            rl_zoo3.ALGOS.update(saved)

    wrapped._sbx_eaudeqn = True
    return wrapped


def register() -> None:
    """Register our algorithms, their samplers, converters and default YAML with RL Zoo 3 (idempotent)."""
    import rl_zoo3
    import rl_zoo3.enjoy
    import rl_zoo3.exp_manager
    import rl_zoo3.hyperparams_opt as opt

    ZOO_ALGOS.update(zoo_algorithms())  # rows registered since import (sbx_eaudeqn.registry.register_algorithm)
    rl_zoo3.ALGOS.update(ZOO_ALGOS)  # the dict that rl_zoo3.utils, train, exp_manager and enjoy share
    register_minatar_envs()  # MinAtar/<Game>-v1, when the minatar extra is installed: no --gym-packages
    if main_module() in LOAD_ONLY_COMMANDS:
        # This process runs a command that loads an agent to run it: no replay buffer (see above).
        rl_zoo3.ALGOS.update({name: _loader_without_buffer(cls) for name, cls in ZOO_ALGOS.items()})
    eaude_names = ("population_size", "sparsity_scale", "max_prune_fraction")
    polyprune_names = ("final_sparsity", "prune_start", "prune_end")
    for name in ZOO_ALGOS:  # the SBX parent's sampler, extended with the family's parameters
        eaude = BY_NAME[name].family == "eaude"
        base = BY_NAME[name].parent
        extend, names = (sample_eaude, eaude_names) if eaude else (sample_polyprune, polyprune_names)
        if base == "crossq":  # RL Zoo has no CrossQ sampler: SAC's, without tau (CrossQ has no target network)
            base_sampler = _without_tau(opt.HYPERPARAMS_SAMPLER["sac"])
            base_converter = _without_tau(opt.HYPERPARAMS_CONVERTER["sac"])
        else:
            base_sampler, base_converter = opt.HYPERPARAMS_SAMPLER[base], opt.HYPERPARAMS_CONVERTER[base]
        opt.HYPERPARAMS_SAMPLER[name] = _sampler(base_sampler, extend)
        opt.HYPERPARAMS_CONVERTER[name] = _convert_with(base_converter, names)
    manager = rl_zoo3.exp_manager.ExperimentManager
    if not getattr(manager.__init__, "_sbx_eaudeqn", False):
        manager.__init__ = _default_config(manager.__init__)
    if not getattr(manager.read_hyperparameters, "_sbx_eaudeqn", False):
        manager.read_hyperparameters = _read_trial_zero(manager.read_hyperparameters)
    if not getattr(manager._load_pretrained_agent, "_sbx_eaudeqn", False):
        manager._load_pretrained_agent = _keep_saved_population(manager._load_pretrained_agent)
    if not getattr(rl_zoo3.enjoy.enjoy, "_sbx_eaudeqn", False):
        rl_zoo3.enjoy.enjoy = _enjoy_off_policy(rl_zoo3.enjoy.enjoy)
