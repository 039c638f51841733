"""What sets the sparsity EauDe discovers: final sparsity and return against each driver (issue 12).

Drivers, each varied around the bundled settings (``hyperparams/eaudedqn.yml``, ``eaudesac.yml``):
gradient steps per selection (about 128, 512, 2048: DQN selects at target updates, so this is
``target_update_interval``), budget L, width, ``sparsity_scale`` (beta), the initial population, and for
SAC the ``selection_period``. Every run also records the selection log: how often a freshly explored
member won, and how large its jump was (see ``sbx_eaudeqn.core.selection_log``).

Stages run in order of the questions they answer; each run is one JSON file in this folder and runs
resume (see ``benchmarks/runner.py``), so the study can be stopped and restarted at will:

    python -m benchmarks.runner studies/sparsity_study --stages period --jobs 2   # then: width budget acrobot ...
    python -m benchmarks.runner studies/sparsity_study --report-only             # table and figures so far
"""

from __future__ import annotations

import pathlib

import numpy as np

from benchmarks.report import results_table
from benchmarks.runner import PAPER_COPY, RunSpec

# EauDeDQN as it was when these runs were made, pinned so that every group keeps its meaning after the
# defaults changed: the paper's pruned copy (a fresh optimizer state, judged on the whole period) and a
# selection at every target update (the gradient steps per selection are set by target_update_interval).
EAUDEDQN_AS_MEASURED = dict(PAPER_COPY, target_updates_per_selection=1)

# DQN: gradient steps per selection -> target_update_interval (env steps). CartPole trains 128 gradient
# steps every 256 env steps, Acrobot one per env step.
DQN_PERIODS = {"CartPole-v1": {128: 256, 256: 512, 512: 1024, 2048: 4096},
               "Acrobot-v1": {128: 128, 512: 512, 2048: 2048}}
SEEDS = (0, 1, 2)


def _dqn(group: str, algo: str, env: str, budget: int, period: int, width: int, **extra) -> list[RunSpec]:
    overrides = dict(target_update_interval=DQN_PERIODS[env][period], net_arch=(width, width), **extra)
    return [RunSpec(group, algo, env, seed, budget, tuple(sorted(overrides.items()))) for seed in SEEDS]


def _dqn_setting(env: str, budget: int = 50_000, period: int = 128, width: int = 256, beta: float = 1.0,
                 init: str | None = None, adam_eps: float | None = None, scope: str = "layerwise",
                 methods=("eaudedqn", "dqn")) -> list[RunSpec]:
    """EauDe and its dense baseline at one setting (the group name lists it)."""
    label = f"{env}_L{budget // 1000}k_p{period}_w{width}"
    specs = []
    for algo in methods:
        extra = {}
        name = f"{label}_{algo}"
        if algo == "eaudedqn":
            extra.update(EAUDEDQN_AS_MEASURED)
            extra["sparsity_scale"] = beta
            name += f"_b{beta:g}"
            if init is not None:
                extra["population_init"] = init
                name += f"_{init}"
            if adam_eps is not None:
                extra["optimizer_kwargs"] = (("eps", adam_eps),)
                name += f"_eps{adam_eps:g}"
        if algo == "polyprunedqn":
            extra["final_sparsity"] = 0.95
        if algo != "dqn":  # always explicit: the bundled CartPole entry now says "global"
            extra["prune_scope"] = scope
            name += "" if scope == "layerwise" else f"_{scope}"
        specs += _dqn(name, algo, env, budget, period, width, **extra)
    return specs


def _sac_setting(budget: int, selection_period: int, width: int = 256, beta: float = 1.0,
                 methods=("eaudesac", "sac"), **extra) -> list[RunSpec]:
    label = f"Pendulum-v1_L{budget // 1000}k_p{selection_period}_w{width}"
    specs = []
    for algo in methods:
        overrides = dict(net_arch=(width, width))
        name = f"{label}_{algo}"
        if algo == "eaudesac":
            overrides |= dict(selection_period=selection_period, sparsity_scale=beta, **extra)
            name += f"_b{beta:g}" + "".join(f"_{v}" for v in extra.values())
        specs += [RunSpec(name, algo, "Pendulum-v1", seed, budget, tuple(sorted(overrides.items()))) for seed in SEEDS]
    return specs


def _acrobot_regime() -> list[RunSpec]:
    """Acrobot-v1 at the settings that gave CartPole its regime (one global threshold, 512 gradient steps
    per selection): beta 1 and 2 at 256 units first, then the width comparison at beta 2, with PolyPrune
    at 0.95 on the small network."""
    specs = []
    for width, betas, baselines in ((256, (1.0, 2.0), ("dqn",)), (64, (2.0,), ("dqn", "polyprunedqn")),
                                    (1024, (2.0,), ("dqn",))):
        for beta in betas:
            specs += _dqn_setting("Acrobot-v1", period=512, width=width, beta=beta, scope="global",
                                  methods=("eaudedqn",))
        specs += _dqn_setting("Acrobot-v1", period=512, width=width, scope="global", methods=baselines)
    return specs


# Actor-critic target and optimizer designs (issue 19), each with the global threshold and 1000 gradient
# steps per selection (the constructor's selection_period).
AC_DESIGNS = {  # every option explicit, so that a later change of the constructor's defaults changes no group
    name: dict(target_update=target, copy_optimizer=optimizer, recovery_fraction=recovery, selection_period=period)
    for name, (target, optimizer, recovery, period) in {
        "polyak": ("polyak", "reset", 0.0, 1000),
        "held": ("selection", "reset", 0.0, 1000),
        "held_inherit": ("selection", "inherit", 0.0, 1000),
        "held_recover": ("selection", "reset", 0.5, 1000),
        "held_inherit_recover": ("selection", "inherit", 0.5, 1000),
        "polyak_inherit": ("polyak", "inherit", 0.0, 1000),
        "polyak_recover": ("polyak", "reset", 0.5, 1000),
        "polyak_inherit_recover": ("polyak", "inherit", 0.5, 1000),
        "polyak_inherit_p500": ("polyak", "inherit", 0.0, 500),
    }.items()
}
HELD_DESIGNS = ("polyak", "held", "held_inherit", "held_recover", "held_inherit_recover")
POLYAK_DESIGNS = ("polyak_inherit", "polyak_recover", "polyak_inherit_recover")
CHOICE_DESIGNS = ("polyak_inherit_recover", "polyak")


def _ac_design(learning_rate: float, designs=HELD_DESIGNS, budget: int = 20_000, env: str = "Pendulum-v1",
               algo: str = "eaudesac", dense: str | None = "sac", seeds=SEEDS) -> list[RunSpec]:
    """EauDe under each target/optimizer design and its dense parent at one learning rate, seed by seed."""
    label = f"{env}_L{budget // 1000}k_lr{learning_rate:g}"
    specs = [RunSpec(f"{label}_{dense}", dense, env, seed, budget, (("learning_rate", learning_rate),))
             for seed in seeds if dense]
    for design in designs:
        overrides = dict(AC_DESIGNS[design], learning_rate=learning_rate, prune_scope="global")
        specs += [RunSpec(f"{label}_{algo}_{design}", algo, env, seed, budget, tuple(sorted(overrides.items())))
                  for seed in seeds]
    return sorted(specs, key=lambda spec: spec.seed)


CARTPOLE = "CartPole-v1"
STAGES = {
    # 1. gradient steps per selection x beta, at the bundled budget and width
    "period": [spec for period in (128, 512, 2048) for beta in (1.0, 2.0)
               for spec in _dqn_setting(CARTPOLE, period=period, beta=beta,
                                        methods=("eaudedqn", "dqn") if beta == 1.0 else ("eaudedqn",))],
    # 2. width, at a period long enough to recover, with PolyPrune at 0.95 for the comparison
    "width": [spec for width in (64, 1024, 256) for beta in (1.0, 2.0)
              for spec in _dqn_setting(CARTPOLE, period=512, width=width, beta=beta,
                                       methods=("eaudedqn", "dqn", "polyprunedqn") if beta == 1.0 else ("eaudedqn",))],
    # 3. the initial population: copies of the target instead of independent inits
    "init": _dqn_setting(CARTPOLE, period=512, beta=2.0, init="copies", methods=("eaudedqn",)),
    # 4. Acrobot-v1, the same questions
    "acrobot": [spec for period in (128, 512) for width in (64, 256) for beta in (1.0, 2.0)
                for spec in _dqn_setting("Acrobot-v1", period=period, width=width, beta=beta,
                                         methods=("eaudedqn", "dqn") if beta == 1.0 else ("eaudedqn",))],
    # 5. budget
    "budget": [spec for budget in (200_000, 500_000) for spec in
               _dqn_setting(CARTPOLE, budget=budget, period=512, beta=2.0, methods=("eaudedqn",))],
    # 6. Why copies lose late (a fresh Adam's first steps): the paper's Atari Adam epsilon
    "optimizer": _dqn_setting(CARTPOLE, period=512, beta=2.0, adam_eps=1.5e-4, methods=("eaudedqn",)),
    # 7. Which weights a jump removes: one global magnitude threshold instead of the same share per
    #    layer (the 4-input first layer and the 2-action head are pruned as hard as the hidden one)
    "scope": _dqn_setting(CARTPOLE, period=512, beta=2.0, scope="global", methods=("eaudedqn",)),
    # 8. The regime with global pruning: a larger budget (the dense 200k baseline beside it), then width
    "regime": (_dqn_setting(CARTPOLE, budget=200_000, period=512, beta=2.0, scope="global", methods=("eaudedqn",))
               + _dqn_setting(CARTPOLE, budget=200_000, period=512, methods=("dqn",))),
    "scope_period": [spec for period, beta in ((128, 1.0), (512, 1.0), (128, 2.0)) for spec in
                     _dqn_setting(CARTPOLE, period=period, beta=beta, scope="global", methods=("eaudedqn",))],
    "regime_b1": _dqn_setting(CARTPOLE, budget=200_000, period=512, beta=1.0, scope="global", methods=("eaudedqn",)),
    "scope_width": [spec for width in (1024, 64) for spec in
                    _dqn_setting(CARTPOLE, period=512, width=width, beta=2.0, scope="global", methods=("eaudedqn",))],
    # between the two: 256 gradient steps per selection, with its dense baseline
    "scope_p256": _dqn_setting(CARTPOLE, period=256, beta=2.0, scope="global"),
    # PolyPrune at 0.95 with the same global threshold, on the small network
    "scope_polyprune": _dqn_setting(CARTPOLE, period=512, width=64, scope="global", methods=("polyprunedqn",)),
    # 11. Acrobot-v1 with CartPole's regime settings
    "acrobot_global": _acrobot_regime(),
    # 10. SAC's target (the leader copied at selections vs Polyak) and the pruning scope, seed by seed
    "sac_target": sorted([spec for target, scope in (("polyak", "layerwise"), ("selection", "layerwise"),
                                                     ("selection", "global"))
                          for spec in _sac_setting(20_000, 500, methods=("eaudesac",), target_update=target,
                                                   prune_scope=scope)]
                         + _sac_setting(20_000, 500, methods=("sac",)), key=lambda spec: spec.seed),
    # 12. Issue 19: the actor-critic target and the copies' optimizer, at the bundled and SB3's learning rate
    "ac_design_lr1e-3": _ac_design(1e-3),
    "ac_design_lr3e-4": _ac_design(3e-4),
    "ac_design_polyak_seed0": _ac_design(1e-3, POLYAK_DESIGNS, dense=None, seeds=(0,)),
    # the candidate from the screen above and the paper's design, 3 seeds at both learning rates
    "ac_choice_lr1e-3": _ac_design(1e-3, CHOICE_DESIGNS[:1]) + _ac_design(1e-3, CHOICE_DESIGNS[1:], dense=None),
    "ac_choice_lr3e-4": _ac_design(3e-4, CHOICE_DESIGNS[:1]) + _ac_design(3e-4, CHOICE_DESIGNS[1:], dense=None),
    "ac_design_p500_seed0": _ac_design(1e-3, ("polyak_inherit_p500",), dense=None, seeds=(0,)),
    # 9. SAC on Pendulum-v1: selection period and budget
    "sac": [spec for budget, period in ((20_000, 250), (20_000, 1000), (50_000, 500), (50_000, 2000))
            for spec in _sac_setting(budget, period)],
}


def report(results: list[dict], out: pathlib.Path) -> str:
    """Markdown table per group (see ``benchmarks.report.results_table``) and the figure sparsity vs. explored win share."""
    _figure(results, out)
    return results_table(results)


def _figure(results: list[dict], out: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eaude = [r for r in results if "selections" in r]
    if not eaude:
        return
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for r in eaude:
        marker = "o" if r["env"] == "CartPole-v1" else ("s" if r["env"] == "Acrobot-v1" else "^")
        axes[0].scatter(r["explored_win_share_last_quarter"], r["sparsity"], marker=marker, s=18)
        trace = np.asarray(r["selection_trace"])
        axes[1].plot(trace[:, 0] / r["budget"], trace[:, 3], lw=0.7)
    axes[0].set_xlabel("share of selections won by an explored member (last quarter)")
    axes[0].set_ylabel("final leader sparsity")
    axes[1].set_xlabel("t / L")
    axes[1].set_ylabel("leader sparsity")
    figure.tight_layout()
    figure.savefig(out / "sparsity_vs_wins.png", dpi=100)
    plt.close(figure)
