"""Checkpoints that survive faults, and loads that refuse another algorithm's file.

:class:`CheckpointMixin` is mixed into every algorithm of the package (through ``PopulationMixin``).

* ``save`` and ``save_replay_buffer`` are atomic when given a path: the file is written to a temporary
  file beside the target (``.<name>.<random>.tmp``, a name that no ``*.zip`` or ``*.pkl`` pattern of
  SB3 or RL Zoo matches), flushed to disk, then renamed over the target. A save that fails or is
  killed part-way leaves the previous file as it was, which RL Zoo's ``CheckpointCallback`` and
  ``-i`` resume rely on. A file object given instead of a path is written in place, as SB3 does.
* ``save`` records which of our algorithms wrote the file (a small ``sbx_eaudeqn_algorithm`` entry
  in the zip, ignored by SB3), and ``load`` reads it first: loading an EauDeSAC file with
  ``EauDeDQN.load``, or a dense SBX model with ``EauDeSAC.load``, raises a :class:`WrongAlgorithmError`
  that names both classes, instead of returning a broken model. Dense SBX and SB3 files are
  recognised from their saved attributes.
* The entry also records the format version (:data:`FORMAT_VERSION`); a file of another version, or
  none (written to a write-only stream, where the entry cannot be appended), gets a clear error.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from stable_baselines3.common.save_util import open_path

ALGORITHM_ENTRY = "sbx_eaudeqn_algorithm"
# The version of what a saved model holds beyond SB3's own entries (the configuration, the period clock,
# the population). A file of another version is refused with a clear error, never half-read.
FORMAT_VERSION = 1


class UnknownFormatError(ValueError):
    """A model file was written by a version of sbx-eaudeqn whose format this one cannot read."""


class WrongAlgorithmError(ValueError):
    """A model file was saved by another algorithm than the class asked to load it."""


def algorithm_name(cls: type) -> str:
    """The public algorithm a class is (``"EauDeSAC"`` for EauDeSAC and for any subclass of it).

    That is the first class of its MRO that the package exports, so a user's subclass of EauDeSAC
    reads and writes EauDeSAC files, and shared helper classes (``SACSteps``) never name a file.
    """
    from sbx_eaudeqn.registry import ALGORITHMS

    public = {algorithm.class_name: algorithm.module for algorithm in ALGORITHMS}
    for klass in cls.__mro__:
        if public.get(klass.__name__) == klass.__module__:
            return klass.__name__
    return cls.__name__


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: pathlib.Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def target_path(path: str | os.PathLike, suffix: str) -> pathlib.Path:
    """The file SB3 writes for ``path``: ``.<suffix>`` added when the path has no suffix."""
    path = pathlib.Path(path)
    return path.with_name(f"{path.name}.{suffix}") if path.suffix == "" else path


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None], suffix: str) -> pathlib.Path:
    """Write a file atomically: ``write(file)`` fills a temporary file beside the target, then it is renamed.

    The temporary file is flushed and synced before the rename, so the target is either the previous
    file or the complete new one, never a part of it. On any exception (KeyboardInterrupt included)
    the temporary file is removed and the exception propagates; after a hard kill a stray
    ``.<name>.<random>.tmp`` may remain beside the target, which nothing reads.

    :param path: the target; ``.<suffix>`` is added when it has no suffix, as SB3 does.
    :param write: writes the whole file into the binary file object it is given (readable, seekable).
    :param suffix: the suffix SB3 would add (``"zip"`` or ``"pkl"``).
    :return: the path written.
    """
    target = target_path(path, suffix)
    if target.is_dir():
        raise IsADirectoryError(f"cannot save to {str(target)!r}: it is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp creates 0600; a plain save would not
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)
    return target


def _is_path(path: Any) -> bool:
    return isinstance(path, (str, os.PathLike))


@contextlib.contextmanager
def opened_zip(path: str | os.PathLike | io.BufferedIOBase) -> Iterator[zipfile.ZipFile]:
    """The model zip SB3's ``load`` would read (``path`` or ``path.zip``); a file object's position is restored."""
    if _is_path(path):
        with open_path(pathlib.Path(path), "r", verbose=0, suffix="zip") as file, zipfile.ZipFile(file) as archive:
            yield archive
        return
    position = path.tell()
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    finally:
        path.seek(position)


def _describe_foreign_file(data: dict[str, Any]) -> str:
    """Which algorithm wrote a zip without our entry, from its saved attributes (best effort)."""
    policy = data.get("policy_class")
    policy_module = policy.get("__module__", "") if isinstance(policy, dict) else ""
    policy_name = ""
    if isinstance(policy, dict):
        init = str(policy.get("__init__", ""))  # "<function SACPolicy.__init__ at 0x...>"
        if ".__init__" in init:
            policy_name = init.split()[1].split(".__init__")[0]
    if "population" in data:
        return "a file of sbx-eaudeqn without its algorithm entry (written to a write-only stream, or by another version)"
    from sbx_eaudeqn.registry import SBX_PARENTS

    # The algorithm's folder in SBX or SB3 (sbx.sac.policies, stable_baselines3.ppo.policies), by its zoo name.
    folder = policy_module.split(".")[1] if policy_module.count(".") >= 1 else ""
    family = SBX_PARENTS.get(folder, folder.upper())
    library = "SBX" if policy_module.startswith("sbx.") else "SB3" if policy_module.startswith("stable_baselines3.") else ""
    where = f" (policy {policy_module}.{policy_name})" if policy_module and policy_name else ""
    name = " ".join(part for part in (library, family) if part) or "another algorithm"
    return f"a dense {name} model{where}"


def saved_algorithm(path: str | os.PathLike | io.BufferedIOBase) -> str:
    """The algorithm that saved a model zip: ``"EauDeSAC"``, ..., or a description of a foreign model.

    Reads only the small entry our ``save`` writes; files without it (SBX or SB3
    models) are recognised from their saved attributes.
    """
    with opened_zip(path) as archive:
        names = archive.namelist()
        if ALGORITHM_ENTRY in names:
            return json.loads(archive.read(ALGORITHM_ENTRY))["algorithm"]
        if "data" not in names:
            return "an unknown writer (the zip has no SB3 data entry)"
        return _describe_foreign_file(json.loads(archive.read("data")))


def check_saved_format(path: str | os.PathLike | io.BufferedIOBase) -> None:
    """Raise :class:`UnknownFormatError` unless ``path`` was written in this version's format."""
    with opened_zip(path) as archive:
        entry = json.loads(archive.read(ALGORITHM_ENTRY)) if ALGORITHM_ENTRY in archive.namelist() else {}
    found = entry.get("format")
    if found != FORMAT_VERSION:
        written = "no format version" if found is None else f"format version {found}"
        raise UnknownFormatError(f"cannot load {os.fspath(path) if _is_path(path) else 'the given file'}: it records "
                                 f"{written}, and this sbx-eaudeqn reads format version {FORMAT_VERSION}; load it "
                                 "with the version of sbx-eaudeqn that saved it")


def check_saved_algorithm(cls: type, path: str | os.PathLike | io.BufferedIOBase) -> None:
    """Raise :class:`WrongAlgorithmError` unless ``path`` was saved by ``cls``'s algorithm (or a subclass)."""
    expected = algorithm_name(cls)
    found = saved_algorithm(path)
    if found == expected:
        return
    where = f"{os.fspath(path)!r}" if _is_path(path) else "the given file"
    if found.startswith("a file of sbx-eaudeqn"):
        raise WrongAlgorithmError(f"{expected}.load cannot load {where}: it is {found}")
    if found.startswith("a dense "):
        hint = f"; to sparsify a dense model, start from it with {expected}.from_dense(path, env)"
        raise WrongAlgorithmError(f"{expected}.load cannot load {where}: it holds {found}, not {expected}{hint}")
    hint = f"; load it with {found}.load" if found.isidentifier() else ""
    raise WrongAlgorithmError(
        f"{expected}.load cannot load {where}: it was saved by {found}, not {expected}{hint}"
    )


class CheckpointMixin:
    """Atomic ``save`` / ``save_replay_buffer`` and a ``load`` that checks which algorithm saved the file.

    Mixed in before the SB3/SBX algorithm class (see :class:`sbx_eaudeqn.algorithms.base.PopulationMixin`).
    """

    def save(self, path: str | os.PathLike | io.BufferedIOBase, exclude=None, include=None) -> None:
        """SB3's ``save``, atomic when ``path`` is a path (see :func:`atomic_write`).

        The zip also records the algorithm (``sbx_eaudeqn_algorithm``), which ``load`` checks.
        """
        save = super().save  # type: ignore[misc]
        entry = json.dumps({"algorithm": algorithm_name(type(self)), "format": FORMAT_VERSION,
                            "class": f"{type(self).__module__}.{type(self).__qualname__}"})

        def write(file: BinaryIO) -> None:
            start = file.tell()
            save(file, exclude=exclude, include=include)
            file.seek(start)
            with zipfile.ZipFile(file, "a") as archive:
                archive.writestr(ALGORITHM_ENTRY, entry)

        if _is_path(path):
            atomic_write(path, write, "zip")
        elif path.readable() and path.seekable():
            write(path)
        else:  # a write-only stream: SB3's save alone, which this package's load refuses (no format entry)
            save(path, exclude=exclude, include=include)

    def save_replay_buffer(self, path: str | os.PathLike | io.BufferedIOBase) -> None:
        """SB3's ``save_replay_buffer``, atomic when ``path`` is a path."""
        save_buffer = super().save_replay_buffer  # type: ignore[misc]
        if _is_path(path):
            atomic_write(path, save_buffer, "pkl")
        else:
            save_buffer(path)

    @classmethod
    def load(cls, path, env=None, device="auto", custom_objects=None, print_system_info=False, force_reset=True,
             **kwargs):
        """SB3's ``load``, after checking that ``path`` holds a model of this algorithm.

        :raises WrongAlgorithmError: the file was saved by another algorithm (both are named).
        """
        check_saved_algorithm(cls, path)
        check_saved_format(path)
        requested = {name: kwargs.pop(name) for name in cls.method.option_names(cls.family) if name in kwargs}
        model = super().load(  # type: ignore[misc]
            path, env=env, device=device, custom_objects=custom_objects, print_system_info=print_system_info,
            force_reset=force_reset, **kwargs,
        )
        for name, value in requested.items():
            saved = getattr(model.config, name)
            if value != saved:
                raise ValueError(f"{name}={value!r} was requested, but the saved model holds {name}={saved!r}; "
                                 f"load it with {name}={saved!r} (or without {name})")
        return model
