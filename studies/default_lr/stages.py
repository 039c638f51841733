"""Discovered sparsity at SB3's default learning rate, and on tasks never tuned on (issue 26).

What decides whether a pruned copy that ties its parent wins a selection: parsimony among ties
(``tie_tolerance`` z: members within z paired standard errors of the lowest L_k tie, the sparsest
wins), and for DQN a selection at every k-th target update (``target_updates_per_selection``, chosen
so that a selection holds at least 500 gradient steps), so that DQN keeps RL Zoo's target period.

Stages, in the order they run (one JSON per run in this folder, resumable through ``benchmarks/runner.py``).
EauDeDQN runs outside ``dqn_recovery`` and ``held_out_recovery`` give a pruned copy the paper's fresh
optimizer state and whole-period loss (``PAPER_COPY``), its defaults when they ran; its defaults now are
those two stages' choices (``ACTOR_CRITIC_CHOICES``).

- ``sac_ties``: EauDeSAC on Pendulum-v1 at SB3's learning rate 3e-4, z = 1 (the one-standard-error
  rule of model selection) and z = 2, against dense SAC; 3 seeds. The later stages use the z chosen here.
  The paper's strict minimum (z = 0) at the same settings is in ``studies/sparsity_study/``
  (``Pendulum-v1_L20k_lr0.0003_eaudesac_polyak_inherit_recover``).
- ``dqn_ties``: EauDeDQN on CartPole-v1 with the bundled entry (as ``rl_zoo3 train --algo eaudedqn``),
  against dense DQN with the same settings; 3 seeds.
- ``acrobot_zoo``: RL Zoo's own DQN entry for Acrobot-v1, target period 250 included (k = 2 then,
  500 gradient steps per selection), EauDeDQN at z = 0 (its default, chosen after ``dqn_ties``) against
  dense DQN; 3 seeds.
- ``held_out``: the two tasks chosen before any result of this study was seen, one per family, reported
  whatever they show: **InvertedDoublePendulum-v5** (EauDeSAC against SAC, SB3's settings, 20k steps)
  and **MountainCar-v0** (EauDeDQN against DQN, RL Zoo's DQN entry, target period 600, 120k steps).
- ``families``: EauDeTD3 and EauDeTQC on Pendulum-v1 at 3e-4 against their dense parents; 3 seeds.
- ``length``: EauDeSAC on Pendulum-v1 at 3e-4 for 50k steps against dense SAC, 3 seeds: whether the
  level that 20k steps leave below 0.6 is reached with more interactions (the paper's Figure 11).
- ``length100k``: the same at 100k steps (about 45 minutes per EauDe run, two runs at a time on this 2-core CPU).
- ``widths``: EauDeSAC and SAC on Pendulum-v1 at 3e-4 with 64x64 networks (against the 256x256 of
  ``sac_ties``), 3 seeds: a smaller critic should end less sparse (1024 units: ``widths1024``).
- ``beta2``: EauDeSAC on Pendulum-v1 at 3e-4 with ``sparsity_scale=2`` (beta 2), z = 2, 3 seeds,
  against the dense runs of ``sac_ties`` (same settings and seeds).
- ``dqn_recovery``: EauDeDQN with the actor-critic family's choices (a pruned copy keeps its parent's
  Adam moments and is judged on the second half of each period: ``copy_optimizer="inherit"``,
  ``recovery_fraction=0.5``) at the strict minimum (z = 0), on CartPole-v1 with the bundled entry and
  on Acrobot-v1 with RL Zoo's entry, against the dense runs of ``dqn_ties`` and ``acrobot_zoo`` (same
  settings and seeds); 3 seeds each.
- ``held_out_defaults``: MountainCar-v0 as in ``held_out``, but with EauDeDQN at its actual defaults
  (z = 0: ``held_out`` ran it at z = 2, the candidate of the time), 3 seeds, against dense DQN.
- ``halfcheetah``: EauDeSAC against SAC on HalfCheetah-v5 for 100k steps with the bundled entry (RL Zoo's:
  SBX's settings, learning rate 3e-4, learning_starts 10000), every EauDe argument at its default; 3
  seeds. The EauDe runs are listed first, so that with two jobs the longest runs start first.
- ``crossq``: EauDeCrossQ against CrossQ on Pendulum-v1 at 3e-4 (the bundled entry: 256x256 critics), 3 seeds.
- ``cartpole_50k``: EauDeDQN at its defaults against DQN on CartPole-v1 for 50k steps (the bundled entry
  otherwise), 3 seeds: the short end of the training-length study (200k is ``dqn_ties`` and ``dqn_recovery``).
- ``polyprune``: PolyPruneCrossQ, PolyPruneTD3 and PolyPruneTQC with the settings of ``crossq`` and
  ``families`` and their bundled schedule (final sparsity 0.95), 3 seeds: the baseline beside each family.
- ``walker2d``: EauDeSAC against SAC on Walker2d-v5 for 100k steps with the bundled entry, seeds 0 and 1.
- ``widths1024``: EauDeSAC and SAC on Pendulum-v1 at 3e-4 with 1024x1024 networks, 3 seeds (on this
  2-core CPU about 11 times the time of a 256x256 run, about two hours per EauDe run two at a time: a
  sitting that cannot hold them all takes some seeds with ``--seeds``).
- ``held_out_recovery``: the held-out MountainCar-v0 (RL Zoo's entry) with EauDeDQN given the actor-critic
  family's choices, as in ``dqn_recovery``, 3 seeds, against the dense runs of ``held_out_defaults``.
- ``erk``: the Erdős–Rényi-Kernel scope (``prune_scope="erk"``) against the default global one, every
  other EauDe argument at its default: EauDeDQN on CartPole-v1 as in ``cartpole_50k`` and EauDeSAC on
  Pendulum-v1 as in ``sac_ties`` (z = 2), 3 seeds each, against those stages' runs.
- ``erk_held_out``: the same on the two held-out tasks, every other argument at its default:
  InvertedDoublePendulum-v5 (EauDeSAC; the global runs and SAC taken to 3 seeds) and MountainCar-v0
  (EauDeDQN, against ``held_out_recovery``), 3 seeds.

    python -m benchmarks.runner studies/default_lr --jobs 2
    python -m benchmarks.runner studies/default_lr --report-only
"""

from __future__ import annotations

from benchmarks.report import results_table, return_and_sparsity_figures
from benchmarks.runner import INHERIT_JUDGED, PAPER_COPY, RunSpec

SEEDS = (0, 1, 2)
TIES = 2.0  # z, in standard errors of the lowest L_k, for every stage after sac_ties (chosen there)

# RL Zoo 3's DQN entries (hyperparams/dqn.yml, rl-zoo3 2.9.2), as given there, target period included.
ZOO_ACROBOT = dict(learning_rate=6.3e-4, batch_size=128, buffer_size=50_000, learning_starts=0, gamma=0.99,
                   target_update_interval=250, train_freq=4, gradient_steps=-1, exploration_fraction=0.12,
                   exploration_final_eps=0.1, net_arch=(256, 256))
ZOO_MOUNTAINCAR = dict(learning_rate=4e-3, batch_size=128, buffer_size=10_000, learning_starts=1000, gamma=0.98,
                       target_update_interval=600, train_freq=16, gradient_steps=8, exploration_fraction=0.2,
                       exploration_final_eps=0.07, net_arch=(256, 256))

# SBX's own TD3 settings with SB3's learning rate (the bundled Pendulum entry is RL Zoo's: 400x300, noise).
SBX_TD3 = dict(learning_rate=3e-4, gamma=0.99, buffer_size=1_000_000, learning_starts=100, net_arch=(256, 256),
               noise_type=None, noise_std=0.0)

# The actor-critic family's choices for a pruned copy, tried on EauDeDQN at its strict minimum (z = 0);
# EauDeDQN's defaults since (chosen from dqn_recovery, checked on held_out_recovery). The DQN runs of the
# other stages were measured with the paper's (PAPER_COPY), and keep them when run again.
ACTOR_CRITIC_CHOICES = dict(INHERIT_JUDGED, tie_tolerance=0.0)


def _longest_first(specs: list[RunSpec]) -> list[RunSpec]:
    """The EauDe runs before the dense ones, each in seed order: with two jobs the long runs start first."""
    return sorted(specs, key=lambda spec: not spec.algo.startswith("eaude"))


def _pair(label: str, eaude: str, dense: str, env: str, budget: int, seeds=SEEDS, ties: tuple[float, ...] = (TIES,),
          eaude_settings: dict | None = None, **settings) -> list[RunSpec]:
    """EauDe at each ``tie_tolerance`` in ``ties`` (and ``eaude_settings``) and its dense parent, all with
    ``settings``, seed by seed."""
    specs = []
    for seed in seeds:
        for z in ties:
            overrides = tuple(sorted({**settings, **(eaude_settings or {}), "tie_tolerance": z}.items()))
            specs.append(RunSpec(f"{label}_{eaude}_z{z:g}", eaude, env, seed, budget, overrides))
        specs.append(RunSpec(f"{label}_{dense}", dense, env, seed, budget, tuple(sorted(settings.items()))))
    return specs


def _runs(group: str, algo: str, env: str, budget: int, seeds=SEEDS, **settings) -> list[RunSpec]:
    """One algorithm with ``settings`` in ``group``, seed by seed (its dense twins come from another stage)."""
    return [RunSpec(group, algo, env, seed, budget, tuple(sorted(settings.items()))) for seed in seeds]


def _polyprune(label: str, algo: str, seeds=SEEDS, **settings) -> list[RunSpec]:
    """PolyPrune on Pendulum-v1 for 20k steps with ``settings`` and its bundled schedule (Ceron et al.'s
    final sparsity 0.95), seed by seed: the baseline beside an EauDe run and its dense parent."""
    return _runs(f"{label}_{algo}", algo, "Pendulum-v1", 20_000, seeds, **settings)


STAGES = {
    "sac_ties": _pair("Pendulum-v1_L20k_lr0.0003", "eaudesac", "sac", "Pendulum-v1", 20_000, ties=(1.0, 2.0),
                      learning_rate=3e-4),
    "dqn_ties": _pair("CartPole-v1_L200k_bundled", "eaudedqn", "dqn", "CartPole-v1", 200_000, eaude_settings=PAPER_COPY),
    # At EauDeDQN's default tie_tolerance (0: CartPole showed that z = 2 costs DQN return), so that
    # only the k-th-target-update selection differs from the paper.
    "acrobot_zoo": _pair("Acrobot-v1_L100k_zoo", "eaudedqn", "dqn", "Acrobot-v1", 100_000, ties=(0.0,),
                         eaude_settings=PAPER_COPY, **ZOO_ACROBOT),
    "held_out": (
        _pair("InvertedDoublePendulum-v5_L20k_sb3", "eaudesac", "sac", "InvertedDoublePendulum-v5", 20_000, seeds=(0,),
              learning_rate=3e-4)
        + _pair("MountainCar-v0_L120k_zoo", "eaudedqn", "dqn", "MountainCar-v0", 120_000, seeds=(0,),
                eaude_settings=PAPER_COPY, **ZOO_MOUNTAINCAR)
    ),
    "families": (
        _pair("Pendulum-v1_L20k_lr0.0003_sbx", "eaudetd3", "td3", "Pendulum-v1", 20_000, **SBX_TD3)
        + _pair("Pendulum-v1_L20k_lr0.0003", "eaudetqc", "tqc", "Pendulum-v1", 20_000, learning_rate=3e-4)
    ),
    "widths": _pair("Pendulum-v1_L20k_lr0.0003_w64", "eaudesac", "sac", "Pendulum-v1", 20_000, learning_rate=3e-4,
                    net_arch=(64, 64)),
    "beta2": _runs("Pendulum-v1_L20k_lr0.0003_eaudesac_z2_beta2", "eaudesac", "Pendulum-v1", 20_000,
                   learning_rate=3e-4, sparsity_scale=2.0, tie_tolerance=TIES),
    "length": _pair("Pendulum-v1_L50k_lr0.0003", "eaudesac", "sac", "Pendulum-v1", 50_000, learning_rate=3e-4),
    "length100k": _longest_first(_pair("Pendulum-v1_L100k_lr0.0003", "eaudesac", "sac", "Pendulum-v1", 100_000,
                                       learning_rate=3e-4)),
    "dqn_recovery": (
        _runs("CartPole-v1_L200k_bundled_eaudedqn_z0_inherit_judged", "eaudedqn", "CartPole-v1", 200_000,
              **ACTOR_CRITIC_CHOICES)
        + _runs("Acrobot-v1_L100k_zoo_eaudedqn_z0_inherit_judged", "eaudedqn", "Acrobot-v1", 100_000,
                **ZOO_ACROBOT, **ACTOR_CRITIC_CHOICES)
    ),
    "held_out_defaults": _longest_first(_pair("MountainCar-v0_L120k_zoo", "eaudedqn", "dqn", "MountainCar-v0", 120_000,
                                              ties=(0.0,), eaude_settings=PAPER_COPY, **ZOO_MOUNTAINCAR)),
    "halfcheetah": _longest_first(_pair("HalfCheetah-v5_L100k_bundled", "eaudesac", "sac", "HalfCheetah-v5", 100_000)),
    "crossq": _longest_first(_pair("Pendulum-v1_L20k_lr0.0003", "eaudecrossq", "crossq", "Pendulum-v1", 20_000,
                                   learning_rate=3e-4)),
    "cartpole_50k": _longest_first(_pair("CartPole-v1_L50k_bundled", "eaudedqn", "dqn", "CartPole-v1", 50_000,
                                         ties=(0.0,), eaude_settings=PAPER_COPY)),
    "polyprune": (_polyprune("Pendulum-v1_L20k_lr0.0003", "polyprunecrossq", learning_rate=3e-4)
                  + _polyprune("Pendulum-v1_L20k_lr0.0003_sbx", "polyprunetd3", **SBX_TD3)
                  + _polyprune("Pendulum-v1_L20k_lr0.0003", "polyprunetqc", learning_rate=3e-4)),
    "walker2d": _longest_first(_pair("Walker2d-v5_L100k_bundled", "eaudesac", "sac", "Walker2d-v5", 100_000,
                                     seeds=(0, 1))),
    "widths1024": _longest_first(_pair("Pendulum-v1_L20k_lr0.0003_w1024", "eaudesac", "sac", "Pendulum-v1", 20_000,
                                       learning_rate=3e-4, net_arch=(1024, 1024))),
    # The held-out DQN task with the actor-critic family's choices; the dense twins are held_out_defaults'.
    "held_out_recovery": _runs("MountainCar-v0_L120k_zoo_eaudedqn_z0_inherit_judged", "eaudedqn", "MountainCar-v0",
                               120_000, **ZOO_MOUNTAINCAR, **ACTOR_CRITIC_CHOICES),
    # The dense twins are those of cartpole_50k and sac_ties (same settings and seeds).
    "erk": (
        _runs("CartPole-v1_L50k_bundled_eaudedqn_z0_erk", "eaudedqn", "CartPole-v1", 50_000, **PAPER_COPY,
              prune_scope="erk", tie_tolerance=0.0)
        + _runs("Pendulum-v1_L20k_lr0.0003_eaudesac_z2_erk", "eaudesac", "Pendulum-v1", 20_000, learning_rate=3e-4,
                prune_scope="erk", tie_tolerance=TIES)
    ),
    # ERK on the two held-out tasks, at every other default; InvertedDoublePendulum's global runs and dense
    # twins taken to 3 seeds (held_out ran seed 0).
    "erk_held_out": _longest_first(
        _runs("InvertedDoublePendulum-v5_L20k_sb3_eaudesac_z2_erk", "eaudesac", "InvertedDoublePendulum-v5", 20_000,
              learning_rate=3e-4, prune_scope="erk", tie_tolerance=TIES)
        + _pair("InvertedDoublePendulum-v5_L20k_sb3", "eaudesac", "sac", "InvertedDoublePendulum-v5", 20_000,
                seeds=(1, 2), learning_rate=3e-4)
        + _runs("MountainCar-v0_L120k_zoo_eaudedqn_z0_inherit_judged_erk", "eaudedqn", "MountainCar-v0", 120_000,
                **ZOO_MOUNTAINCAR, **ACTOR_CRITIC_CHOICES, prune_scope="erk")),
}


def _dense_twin(result: dict, results: list[dict]) -> dict | None:
    """The dense run with the same settings and seed as an EauDe run (same label, the parent algorithm)."""
    label = result["group"].rsplit(f"_{result['algo']}", 1)[0]
    parent = result["algo"].removeprefix("eaude")
    return next((r for r in results if r["group"] == f"{label}_{parent}" and r["seed"] == result["seed"]), None)


def _sparsity_at(result: dict, fraction: float) -> float:
    """The leader's sparsity at the last evaluation at or before ``fraction`` of the budget."""
    before = [sparsity for step, _, sparsity in result["history"] if step <= fraction * result["budget"]]
    return before[-1] if before else 0.0


def _last_three(result: dict) -> float:
    """The mean greedy return of the last three evaluations: steadier than the last one alone on tasks
    whose greedy return swings between evaluations (CartPole-v1)."""
    return sum(ret for _, ret, _ in result["history"][-3:]) / len(result["history"][-3:])


def seeds_table(results: list[dict]) -> str:
    """One row per EauDe run: its sparsity at each quarter of the budget (the schedule in numbers), the
    copies' win share, and its greedy return against the dense run with the same settings and seed (at
    the end, and over the last three evaluations)."""
    lines = ["| setting | seed | sparsity at 1/4, 1/2, 3/4, 1 | copies' win share (last quarter) | return (last 3) "
             "| dense return (last 3) |",
             "|---|---|---|---|---|---|"]
    for result in sorted(results, key=lambda r: (r["group"], r["seed"])):
        if not result["algo"].startswith("eaude"):
            continue
        dense = _dense_twin(result, results)
        quarters = ", ".join(f"{_sparsity_at(result, q / 4):.2f}" for q in (1, 2, 3, 4))
        dense_return = f"{dense['final_return']:.1f} ({_last_three(dense):.1f})" if dense else "not run"
        lines.append(f"| {result['group']} | {result['seed']} | {quarters} | {result['explored_win_share']:.2f} "
                     f"({result['explored_win_share_last_quarter']:.2f}) | {result['final_return']:.1f} "
                     f"({_last_three(result):.1f}) | {dense_return} |")
    return "\n".join(lines)


def gap_table(results: list[dict]) -> str:
    """Per EauDe setting, each seed's return minus its dense twin's, at the end and over the last three
    evaluations, and the mean of the latter: what pruning cost in return, steadier than one evaluation."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for result in sorted(results, key=lambda r: (r["group"], r["seed"])):
        dense = _dense_twin(result, results) if result["algo"].startswith("eaude") else None
        if dense is not None:
            groups.setdefault(result["group"], []).append((result["final_return"] - dense["final_return"],
                                                           _last_three(result) - _last_three(dense)))
    lines = ["| setting | gap at the end, per seed | gap over the last 3, per seed | mean gap over the last 3 |",
             "|---|---|---|---|"]
    for group, gaps in groups.items():
        final, last_three = (", ".join(f"{gap[i]:+.1f}" for gap in gaps) for i in (0, 1))
        lines.append(f"| {group} | {final} | {last_three} | {sum(gap[1] for gap in gaps) / len(gaps):+.1f} |")
    return "\n".join(lines)


def _guide(result: dict) -> dict[str, float]:
    """Issue 26's rough guide, 1 - s = (T / L)^(w u beta), checked against one run's selection trace.

    Read from the leader's sparsity at each selection: w is the share of selections at which it rose
    (a pruned copy won, fresh or older), u the mean draw of those steps, each (gain / (1 - s before)) /
    (beta T / (L - t + T)), the uniform U of Eq. 3 for a copy made one period before (smaller where the
    20% cap binds or an older copy won). ``slope_w`` weighs each selection by its slope T / (L - t + T):
    the share of the schedule's steepness that pruned copies won.
    """
    trace, budget = result["selection_trace"], result["budget"]
    beta = result["overrides"].get("sparsity_scale", 1.0)
    period = trace[1][0] - trace[0][0]
    slopes, draws, won_slope = [], [], 0.0
    before = 0.0
    for step, _, _, after, _ in trace:
        slope = period / max(budget - step + period, period)
        slopes.append(slope)
        if after > before + 1e-6:
            draws.append((after - before) / (1.0 - before) / (beta * slope))
            won_slope += slope
        before = after
    w = len(draws) / len(trace)
    u = sum(draws) / len(draws) if draws else 0.0
    slope_w = won_slope / sum(slopes)
    return {"w": w, "slope_w": slope_w, "u": u, "guide": 1 - (period / budget) ** (w * u * beta),
            "slope_guide": 1 - (period / budget) ** (slope_w * u * beta)}


def guide_table(results: list[dict]) -> str:
    """The guide against the measured sparsity, one row per EauDe run with a selection trace."""
    lines = ["| setting | seed | selections | w | slope-weighted w | u | guide | guide, slope-weighted w | sparsity |",
             "|---|---|---|---|---|---|---|---|---|"]
    for result in sorted(results, key=lambda r: (r["group"], r["seed"])):
        if len(result.get("selection_trace", [])) < 2:
            continue
        guide = _guide(result)
        lines.append(f"| {result['group']} | {result['seed']} | {result['selections']} | {guide['w']:.2f} | "
                     f"{guide['slope_w']:.2f} | {guide['u']:.2f} | {guide['guide']:.2f} | {guide['slope_guide']:.2f} "
                     f"| {result['sparsity']:.2f} |")
    return "\n".join(lines)


def report(results: list[dict], out) -> str:
    """The IQM table, every EauDe run against its dense twin (per seed, then the gaps), the guide against
    each run, and one figure per environment."""
    return_and_sparsity_figures(results, out)
    return (f"{results_table(results)}\n\n## Every EauDe run\n\n{seeds_table(results)}\n\n"
            f"## Return against the dense twin\n\n{gap_table(results)}\n\n"
            f"## The guide against each run\n\n{guide_table(results)}")
