"""Every EauDe and PolyPrune option, written once: its meaning, its check, its default per family and the
paper's value.

A family is a set of algorithms that share defaults: ``"dqn"`` (EauDeDQN, EauDeCQL and their PolyPrune
twins) and ``"actor_critic"`` (SAC, TD3, TQC, CrossQ). A constructor takes the options as keyword
arguments, as SB3 takes its own, and builds a frozen configuration once (:meth:`Method.configure`);
the algorithm reads ``self.config`` and jitted code takes it as one static argument. The options
reference of the docs and each class's parameter table are generated from these tables
(:func:`write_reference`).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

from sbx_eaudeqn.core.pruning import PRUNE_CRITERIA, PRUNE_SCOPES

FAMILIES = ("dqn", "actor_critic")
NOT_STATED = "not stated"  # the paper's value where its tables lost their numbers
NOT_IN_PAPER = "not in the paper"  # the paper prunes the critics only


# ----- checks: each returns the value to hold, or raises a ValueError naming the option and its range -----
def _integer(low: int, none_allowed: bool = False) -> Callable[[str, Any, dict], Any]:
    def check(name: str, value: Any, _: dict) -> Any:
        if value is None and none_allowed:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            suffix = " or None" if none_allowed else ""
            raise ValueError(f"{name} must be an integer >= {low}{suffix}, got {value!r}")
        return value
    return check


def _number(low: float, high: float, low_open: bool = False, high_open: bool = False,
            none_allowed: bool = False) -> Callable[[str, Any, dict], Any]:
    closing = ")" if high_open or math.isinf(high) else "]"
    interval = f"{'(' if low_open else '['}{low:g}, {'inf' if math.isinf(high) else f'{high:g}'}{closing}"

    def check(name: str, value: Any, _: dict) -> Any:
        if value is None and none_allowed:
            return None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not (value > low if low_open else value >= low) or not (value < high if high_open else value <= high):
            raise ValueError(f"{name} must be in {interval}{' or None' if none_allowed else ''}, got {value!r}")
        return float(value)
    return check


def _choice(*allowed: str) -> Callable[[str, Any, dict], Any]:
    def check(name: str, value: Any, _: dict) -> Any:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        return value
    return check


def _tournament_size(name: str, value: Any, held: dict) -> int:
    size = held["population_size"]
    if value is None:
        return min(3, size)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= size:
        raise ValueError(f"{name} must be an integer in [1, population_size={size}], got {value!r}")
    return value


def _prune_end(prefix: str) -> Callable[[str, Any, dict], Any]:
    def check(name: str, value: Any, held: dict) -> float:
        value = _number(0.0, 1.0)(name, value, held)
        start = held[f"{prefix}prune_start"]
        if start >= value:
            raise ValueError(f"{prefix}prune_start must be < {name}, got {prefix}prune_start={start}, {name}={value}")
        return value
    return check


@dataclasses.dataclass(frozen=True)
class Option:
    """One constructor option of a method.

    :ivar defaults: the default of each family that takes the option (a family not named here does not).
    :ivar paper: the paper's value (:data:`NOT_STATED` where it did not reach us).
    :ivar why: why our default departs from the paper's, where it does.
    """

    name: str
    meaning: str
    check: Callable[[str, Any, dict], Any]
    defaults: Mapping[str, Any]
    paper: Any
    why: str = ""


def _each(value: Any) -> dict[str, Any]:
    """The same default for every family."""
    return dict.fromkeys(FAMILIES, value)


_PRUNE_SCOPE = Option(
    "prune_scope", "how a sparsity is spread over the layers: one magnitude threshold over all kernels "
    "(`global`), the same sparsity per layer (`layerwise`), or Erdős–Rényi-Kernel densities (`erk`)",
    _choice(*PRUNE_SCOPES), _each("global"), NOT_STATED,
    "layerwise stalls on CartPole; global reaches the paper's regime on CartPole, Acrobot and Pendulum")
_PRUNE_CRITERION = Option(
    "prune_criterion", "which weights go first: the smallest in magnitude (`magnitude`, the paper's), or "
    "another row of `sbx_eaudeqn.core.pruning.PRUNE_CRITERIA`",
    _choice(*PRUNE_CRITERIA), _each("magnitude"), "magnitude")
_ACTOR_PRUNING = (
    Option("actor_final_sparsity", "the actor's final sparsity on its own polynomial schedule, or None for a "
           "dense actor", _number(0.0, 1.0, high_open=True, none_allowed=True), {"actor_critic": None}, None),
    Option("actor_prune_start", "start of the actor's schedule, as a fraction of the training length",
           _number(0.0, 1.0), {"actor_critic": 0.2}, NOT_IN_PAPER),
    Option("actor_prune_end", "end of the actor's schedule, as a fraction of the training length (> start)",
           _prune_end("actor_"), {"actor_critic": 0.8}, NOT_IN_PAPER),
    Option("actor_prune_exponent", "steepness n of the actor's schedule", _number(0.0, math.inf, low_open=True),
           {"actor_critic": 3.0}, NOT_IN_PAPER),
)

EAUDE_OPTIONS: tuple[Option, ...] = (
    Option("population_size", "K, the number of online networks", _integer(1), _each(5), 5),
    Option("tournament_size", "members drawn per tournament, in [1, K] (None: min(3, K))", _tournament_size,
           _each(None), NOT_STATED),
    Option("sparsity_scale", "beta in Eq. 3: 1 normal, 2 ambitious, 3 aggressive",
           _number(0.0, math.inf, low_open=True), _each(1.0), 1.0),
    Option("max_prune_fraction", "cap on one jump, as a fraction of the weights still alive",
           _number(0.0, 1.0, low_open=True), _each(0.2), NOT_STATED),
    _PRUNE_SCOPE,
    _PRUNE_CRITERION,
    Option("population_init", "members 1..K-1 start as fresh random inits (`independent`) or as copies of "
           "the target (`copies`)", _choice("independent", "copies"), _each("independent"), "copies",
           "independent inits give the first tournaments members that differ"),
    Option("copy_optimizer", "a pruned copy keeps its parent's Adam moments (`inherit`) or starts from a "
           "fresh optimizer state (`reset`)", _choice("reset", "inherit"), _each("inherit"), "reset",
           "with a fresh Adam state a pruned copy loses its first selections and the sparsity stalls"),
    Option("tie_tolerance", "z >= 0: members within z standard errors of the lowest L_k tie, and the "
           "sparsest of the tied wins (0: the strict minimum)", _number(0.0, math.inf, high_open=True),
           {"dqn": 0.0, "actor_critic": 2.0}, 0.0,
           "actor-critic: the critic losses of a pruned copy and its parent differ by less than their noise; "
           "parsimony among ties lifts the sparsity to the paper's regime at the dense return"),
    Option("recovery_fraction", "share of each period whose losses are not counted in L_k, so that a "
           "pruned copy recovers before it is judged", _number(0.0, 1.0, high_open=True), _each(0.5), 0.0,
           "a copy is judged after it recovered, not on the loss spike that pruning causes"),
    Option("selection_period", "gradient steps between two selections", _integer(1),
           {"actor_critic": 1000}, NOT_STATED),
    Option("target_update", "the target critic follows the leader by Polyak averaging (`polyak`) or is "
           "copied from it at each selection and held (`selection`)", _choice("polyak", "selection"),
           {"actor_critic": "polyak"}, "polyak"),
    Option("target_updates_per_selection", "k: select at every k-th target update (None: the smallest k "
           "with 500 gradient steps per selection)", _integer(1, none_allowed=True), {"dqn": None}, 1,
           "DQN keeps its own target period, and a pruned copy still has 500 gradient steps to recover"),
    *_ACTOR_PRUNING,
)

POLYPRUNE_OPTIONS: tuple[Option, ...] = (
    Option("final_sparsity", "s_F, the sparsity the schedule ends at", _number(0.0, 1.0, high_open=True),
           _each(0.95), NOT_STATED),
    Option("prune_start", "t_start / L: where the schedule starts, as a fraction of the training length",
           _number(0.0, 1.0), _each(0.2), NOT_STATED),
    Option("prune_end", "t_end / L: where it reaches s_F (> prune_start)", _prune_end(""), _each(0.8), NOT_STATED),
    Option("prune_exponent", "n, the steepness of s(t) = s_F (1 - (1 - (t - t_start) / (t_end - t_start))^n)",
           _number(0.0, math.inf, low_open=True), _each(3.0), NOT_STATED),
    Option("prune_period", "gradient steps between pruning steps (DQN: None prunes at every target update, "
           "the paper's DistillQN)", _integer(1, none_allowed=True), {"dqn": None, "actor_critic": 1000},
           NOT_STATED),
    _PRUNE_SCOPE,
    _PRUNE_CRITERION,
    *_ACTOR_PRUNING,
)


@dataclasses.dataclass(frozen=True)
class Method:
    """A pruning method (EauDe or PolyPrune) and its options."""

    name: str
    options: tuple[Option, ...]

    def option_names(self, family: str) -> tuple[str, ...]:
        return tuple(option.name for option in self.options if family in option.defaults)

    def configure(self, family: str, given: dict[str, Any]) -> Config:
        """The configuration a constructor holds: each option of ``family`` checked, from ``given`` (whose
        entries are removed: what is left belongs to the SBX parent) or its default."""
        held: dict[str, Any] = {}
        for option in self.options:
            if family in option.defaults:
                held[option.name] = option.check(option.name, given.pop(option.name, option.defaults[family]), held)
        return Config(self.name, family, tuple(held.items()))

    def signature(self, family: str, parent: type, parent_defaults: Mapping[str, Any],
                  extras: Mapping[str, Any]) -> inspect.Signature:
        """A class's constructor signature: ``policy``, ``env``, our options with this family's defaults, the
        class's ``extras`` (name -> default), then every keyword argument of the SBX ``parent``
        (``parent_defaults`` replace some of its defaults)."""
        defaults = {name: self.default(name, family) for name in self.option_names(family)} | dict(extras)
        ours = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value) for name, value in defaults.items()]
        theirs = list(inspect.signature(parent.__init__).parameters.values())[1:]
        positional = [p for p in theirs if p.name in ("policy", "env")]
        rest = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY, default=parent_defaults.get(p.name, p.default))
                for p in theirs if p.name not in ("policy", "env") and p.kind is not inspect.Parameter.VAR_KEYWORD]
        return inspect.Signature([*positional, *ours, *rest])

    def default(self, name: str, family: str) -> Any:
        return next(option.defaults[family] for option in self.options if option.name == name)


EAUDE = Method("EauDe", EAUDE_OPTIONS)
POLYPRUNE = Method("PolyPrune", POLYPRUNE_OPTIONS)


@dataclasses.dataclass(frozen=True)
class Config:
    """The options one model holds (hashable: jitted code takes it as one static argument).

    Read an option as an attribute: ``model.config.tie_tolerance``.
    """

    method: str
    family: str
    values: tuple[tuple[str, Any], ...]

    def __getattr__(self, name: str) -> Any:
        for key, value in object.__getattribute__(self, "values"):
            if key == name:
                return value
        raise AttributeError(f"{self.method} ({self.family}) has no option {name!r}")

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def replace(self, **changes: Any) -> Config:
        """The same configuration with some values changed (unchecked: for experiments and tests)."""
        unknown = set(changes) - set(self.as_dict())
        if unknown:
            raise AttributeError(f"{self.method} ({self.family}) has no option {sorted(unknown)[0]!r}")
        return dataclasses.replace(self, values=tuple((self.as_dict() | changes).items()))


# ----- the reference, generated for the docs ------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is dataclasses.MISSING:
        return "—"
    return value if value in (NOT_STATED, NOT_IN_PAPER) else f"`{value!r}`"


def options_reference() -> str:
    """Markdown: for each method, every option with its meaning, its default per family, the paper's
    value and why we depart from it."""
    lines = []
    for method in (EAUDE, POLYPRUNE):
        lines += [f"## {method.name} options", "",
                  "| option | what it does | DQN family | actor-critic family | paper | why we depart |",
                  "|---|---|---|---|---|---|"]
        for option in method.options:
            defaults = [_cell(option.defaults.get(family, dataclasses.MISSING)) for family in FAMILIES]
            lines.append(f"| `{option.name}` | {option.meaning} | {' | '.join(defaults)} | {_cell(option.paper)} "
                         f"| {option.why} |")
        lines.append("")
    return "\n".join(lines)


def parameters_table(cls: type) -> str:
    """Markdown: every option a user can pass to ``cls``, with that class's default and its meaning (the
    SBX parent's keyword arguments follow, as SBX documents them)."""
    method, family = cls.method, cls.family
    lines = [f"Options of `{cls.__name__}` (every other keyword argument goes to its SBX parent, "
             f"`sbx.{cls.sbx_parent().__name__}`, with SBX's defaults):", "",
             "| parameter | default | what it does |", "|---|---|---|"]
    for option in method.options:
        if family in option.defaults:
            lines.append(f"| `{option.name}` | `{option.defaults[family]!r}` | {option.meaning} |")
    for name, (default, meaning) in getattr(cls, "extra_parameters", {}).items():
        lines.append(f"| `{name}` | `{default!r}` | {meaning} |")
    for name, default in cls._parent_defaults.items():
        lines.append(f"| `{name}` | `{default!r}` | SBX's keyword, with another default here (SBX: "
                     f"`{inspect.signature(cls.sbx_parent().__init__).parameters[name].default!r}`) |")
    return "\n".join(lines) + "\n"


def write_reference(folder: pathlib.Path) -> None:
    """Write ``options.md`` and ``parameters/<ClassName>.md`` for every class of the registry."""
    from sbx_eaudeqn.registry import ALGORITHMS

    (folder / "parameters").mkdir(parents=True, exist_ok=True)
    (folder / "options.md").write_text(options_reference())
    for algorithm in ALGORITHMS:
        (folder / "parameters" / f"{algorithm.class_name}.md").write_text(parameters_table(algorithm.cls()))
