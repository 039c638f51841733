"""The selection dynamics of EauDe on a toy problem, against the shapes docs/design.md predicts.

No environment: K = 5 members of one 100x100 layer go through 1000 selections (period 1000 steps,
L = 1M). Each member's cumulated loss is 1 + noise (sd 0.05), plus 0.1 for a member pruned at the
previous selection (its recovery cost), plus, with a capacity s*, 10 (s - s*) above it. This runs the
package's own ``select_and_explore`` and prints the leader's sparsity at 25/50/75/100% of training.

``--real`` uses the cost model measured on CartPole instead (issue 12; the runner's
``fresh_loss_ratio_by_quarter``): a fresh copy's cumulated loss is 1 - a + c * j, with j the share of its
remaining weights the jump removed, a the head start of a fresh optimizer and c the cost of the
removed weights. Early, Eq. 3's jumps are small and the head start wins; late, they approach the 20%
cap and the cost wins: the copies win early and lose late, as in the real runs. It prints the final
sparsity for the selection counts of the real 50k, 200k and 500k CartPole runs (512 steps each).

Expected (the toy simulation behind docs/design.md, "What to expect"): free pruning with beta = 1 grows about linearly (0.10, 0.22,
0.38 at 25/50/75%) to about 0.90 (0.99 with beta = 2); a capacity s* = 0.5 stalls just past it (0.54),
s* = 0.8 at about 0.79.

    python -m benchmarks.toy_selection

The measurements made so far: ``studies/toy_selection/toy_selection.md``.
"""

from __future__ import annotations

import numpy as np

# JAX and the package are imported in simulate(), so that --help answers at once.


def simulate(sparsity_scale: float = 1.0, capacity: float | None = None, seed: int = 0,
             selections: int = 1000, period: int = 1000, noise: float = 0.05, recovery_cost: float = 0.1,
             head_start: float = 0.0, jump_cost: float = 0.0) -> list[float]:
    """Leader sparsity after each selection.

    A member pruned at the previous selection pays ``recovery_cost - head_start + jump_cost * j``, with
    j the share of its remaining weights that pruning removed.
    """
    import flax.linen as nn
    import jax
    import jax.numpy as jnp
    import optax

    from sbx_eaudeqn.core.population import init_population, select_and_explore
    from sbx_eaudeqn.core.pruning import mask_sparsity

    tx = optax.adam(1e-3)
    rng = np.random.default_rng(seed)
    keys = jax.random.split(jax.random.PRNGKey(seed), 5)
    params = jax.vmap(lambda k: nn.Dense(100).init(k, jnp.ones((1, 100))))(keys)
    population = init_population(params, tx)
    fresh = np.zeros(5, bool)
    relative_jump = np.zeros(5)
    leader_sparsity = []
    total = selections * period
    for index in range(1, selections + 1):
        sparsities = np.asarray(jax.vmap(mask_sparsity)(population.masks))
        losses = 1.0 + rng.normal(0.0, noise, 5) + fresh * (recovery_cost - head_start + jump_cost * relative_jump)
        if capacity is not None:
            losses += 10.0 * np.maximum(sparsities - capacity, 0.0)
        population = population.replace(cumulated_losses=jnp.asarray(losses, jnp.float32))
        population, info = select_and_explore(
            population, jax.random.PRNGKey(seed * 100_003 + index), index * period, period, total, tx=tx,
            tournament_size=3, sparsity_scale=sparsity_scale, max_prune_fraction=0.2, prune_scope="layerwise",
        )
        fresh = np.asarray(info["duplicates"])
        parents = np.asarray(info["parent_sparsities"])
        relative_jump = (np.asarray(info["sparsities"]) - parents) / np.maximum(1.0 - parents, 1e-6)
        leader_sparsity.append(float(info["sparsities"][0]))
    return leader_sparsity


def quarters(history: list[float]) -> list[float]:
    n = len(history)
    return [history[n // 4 - 1], history[n // 2 - 1], history[3 * n // 4 - 1], history[-1]]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recovery-cost", type=float, default=0.1)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--selections", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="the cost model measured on CartPole (see above)")
    parser.add_argument("--head-start", type=float, default=0.06)
    parser.add_argument("--jump-cost", type=float, default=0.5)
    parser.add_argument("--beta", type=float, default=2.0)
    args = parser.parse_args()
    if args.real:
        print(f"noise sd {args.noise}, head start {args.head_start}, jump cost {args.jump_cost}, beta {args.beta}")
        print("| selections | leader sparsity at 25% | 50% | 75% | 100% |\n|---|---|---|---|---|")
        for selections in (48, 195, 487):
            values = np.mean([quarters(simulate(args.beta, None, seed, selections, 512, args.noise, 0.0, args.head_start,
                                                args.jump_cost)) for seed in range(args.seeds)], axis=0)
            print(f"| {selections} | " + " | ".join(f"{v:.2f}" for v in values) + " |", flush=True)
        return
    common = dict(noise=args.noise, recovery_cost=args.recovery_cost, selections=args.selections,
                  period=1_000_000 // args.selections)
    print(f"noise sd {args.noise}, recovery cost {args.recovery_cost}, {args.selections} selections, {args.seeds} seeds")
    print("| setting | leader sparsity at 25% | 50% | 75% | 100% |\n|---|---|---|---|---|")
    for label, kwargs in (("beta=1, free", {}), ("beta=2, free", {"sparsity_scale": 2.0}),
                          ("beta=1, s*=0.5", {"capacity": 0.5}), ("beta=1, s*=0.8", {"capacity": 0.8})):
        values = np.mean([quarters(simulate(seed=seed, **kwargs, **common)) for seed in range(args.seeds)], axis=0)
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |", flush=True)


if __name__ == "__main__":
    main()
