"""The bundled RL Zoo files (``hyperparams/<algorithm>.yml``) as constructor keywords.

Read by RL Zoo (through :mod:`sbx_eaudeqn.integrations.zoo`), the demo and the benchmarks' runner, so that users and
results share one source. Imports no algorithm.
"""

from __future__ import annotations

import pathlib
from typing import Any


# The bundled files, package data beside this module.
HYPERPARAMS_FOLDER = pathlib.Path(__file__).parent / "hyperparams"


def hyperparams_path(algo: str) -> pathlib.Path:
    """The RL Zoo file of ``algo``: the bundled ``hyperparams/<algo>.yml``, or the file its registry row names."""
    from sbx_eaudeqn.registry import BY_NAME

    row = BY_NAME.get(algo)
    path = pathlib.Path(row.hyperparams) if row is not None and row.hyperparams else HYPERPARAMS_FOLDER / f"{algo}.yml"
    if not path.is_file():
        raise FileNotFoundError(f"no bundled hyperparameter file for {algo!r}")
    return path


# RL Zoo keys that configure the zoo's own set-up, not the algorithm's constructor.
ZOO_ONLY_KEYS = {"n_timesteps", "policy", "callback", "n_envs", "normalize", "env_wrapper", "frame_stack"}


def bundled_hyperparams(algo: str, env_id: str) -> dict[str, Any]:
    """Constructor keywords of the bundled ``hyperparams/<algo>.yml`` entry for ``env_id``.

    The zoo-only keys are left out and ``policy_kwargs`` (a string in the zoo's format) is evaluated,
    so ``ZOO_ALGOS[algo]("MlpPolicy", env_id, **bundled_hyperparams(algo, env_id))`` is what
    ``rl_zoo3 train`` builds. The action-noise keys (``noise_type``, ``noise_std``) are kept as they are:
    the zoo turns them into ``action_noise`` once it has the environment, and so must the caller.
    """
    import yaml

    entries = yaml.safe_load(hyperparams_path(algo).read_text())
    if env_id not in entries:
        raise ValueError(f"hyperparams/{algo}.yml has no entry for {env_id!r}; add one to run it")
    settings = {key: value for key, value in entries[env_id].items() if key not in ZOO_ONLY_KEYS}
    if isinstance(settings.get("policy_kwargs"), str):
        settings["policy_kwargs"] = eval(settings["policy_kwargs"], {"dict": dict})  # the zoo's own format
    return settings


def accepted_keywords(cls: type, settings: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``settings`` that ``cls``'s constructor takes (all of them if it takes ``**kwargs``):
    a dense SBX parent run with an EauDe file's settings, without the population's keywords."""
    import inspect

    accepted = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return dict(settings)
    return {key: value for key, value in settings.items() if key in accepted}
