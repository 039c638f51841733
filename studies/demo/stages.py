"""Which task and budget the demo (``make demo``) takes: EauDeDQN against its dense SBX parent, chosen so
that on 2 CPU cores both agents train within a few minutes, the EauDe agent ends where the task's users
call it solved, inside the dense agent's range, at a sparsity of 0.6 or more.

Acrobot-v1 (solved at -100), RL Zoo's DQN entry with two changes for speed: 50k env steps, and the
gradient steps taken in chunks of 32 every 64 env steps (RL Zoo: every step, ``gradient_steps=-1``),
the same ratio of gradient steps to env steps as the bundled CartPole entry, half of RL Zoo's Acrobot;
one compiled call per chunk instead of one per 4 steps. The target period stays RL Zoo's 250 env steps
(125 gradient steps); EauDeDQN then selects every 4th target update (500 gradient steps).

Seed 0 decided between two candidates: EauDeDQN at its defaults (beta 1) ends at 0.58, below the 0.6
asked; beta 2 (``sparsity_scale=2``) at 0.70 at the dense return. The demo takes beta 2; seeds 1 and 2
check it (``beta2_seeds``).

    python -m benchmarks.runner studies/demo --jobs 2                 # the candidates on seed 0, then 3 seeds
    python -m benchmarks.runner studies/demo --report-only
"""

from __future__ import annotations

from benchmarks.runner import RunSpec

ENV = "Acrobot-v1"
BUDGET = 50_000
# RL Zoo 3's Acrobot-v1 entry for DQN (rl-zoo3 2.9.2), with gradient steps in chunks (see above).
ACROBOT = (("learning_rate", 6.3e-4), ("batch_size", 128), ("buffer_size", 50_000), ("learning_starts", 0),
           ("gamma", 0.99), ("target_update_interval", 250), ("train_freq", 64), ("gradient_steps", 32),
           ("exploration_fraction", 0.12), ("exploration_final_eps", 0.1), ("net_arch", (256, 256)))
# What the candidates change on EauDeDQN (its defaults otherwise).
CANDIDATES = {"defaults": (), "beta2": (("sparsity_scale", 2.0),)}


# RL Zoo's 250 gradient steps per target update (its target period of 250 env steps at one gradient step
# per env step), with the chunks: a target update every 500 env steps; EauDeDQN selects at every 2nd.
ZOO_TARGET_STEPS = (("target_update_interval", 500),)


def runs(candidates: tuple[str, ...], seeds: tuple[int, ...], target: tuple = (), tag: str = "chunks") -> list[RunSpec]:
    """Each seed's dense DQN twin, then each candidate's EauDeDQN (``target``: overrides of the target period)."""
    specs = []
    for seed in seeds:
        specs.append(RunSpec(f"{ENV}_L50k_{tag}_dqn", "dqn", ENV, seed, BUDGET, ACROBOT + target))
        specs += [RunSpec(f"{ENV}_L50k_{tag}_eaudedqn_{name}", "eaudedqn", ENV, seed, BUDGET,
                          ACROBOT + target + CANDIDATES[name]) for name in candidates]
    return specs


STAGES = {
    "candidates": runs(tuple(CANDIDATES), (0,)),
    "defaults_seeds": runs(("defaults",), (1, 2)),
    "beta2_seeds": runs(("beta2",), (1, 2)),
    "target500": runs(("beta2",), (0, 1, 2), ZOO_TARGET_STEPS, "target500"),
}
DEFAULT_STAGES = ("candidates",)
