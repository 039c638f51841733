"""Population selection: leader, tournament, exploration of duplicates, NaN members, K = 1."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from sbx_eaudeqn.core.population import acting_probabilities, init_population, select_and_explore
from sbx_eaudeqn.core.selection import choose_leader, choose_parents, duplicates
from sbx_eaudeqn.algorithms.config import EAUDE
from sbx_eaudeqn.core.pruning import weight_sparsity
from sbx_eaudeqn.core.selection_log import SelectionLog

TX = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)


def make_population(losses, seed=0):
    """A population of small MLPs with one optimizer step taken, so optimizer states are not fresh."""
    net = nn.Dense(8)
    size = len(losses)
    keys = jax.random.split(jax.random.PRNGKey(seed), size)
    params = jax.vmap(lambda k: net.init(k, jnp.ones((1, 6))))(keys)
    population = init_population(params, TX)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, opt_state = jax.vmap(TX.update)(grads, population.opt_state, params)
    params = jax.vmap(optax.apply_updates)(params, updates)
    return population.replace(params=params, opt_state=opt_state, cumulated_losses=jnp.asarray(losses, jnp.float32))


def eaude_config(**values):
    """The EauDe options of the DQN family with the given values (layerwise pruning, the paper's copies)."""
    given = dict(population_size=5, tournament_size=3, prune_scope="layerwise", copy_optimizer="reset",
                 recovery_fraction=0.0) | values
    return EAUDE.configure("dqn", given)


def select(population, seed=0, t=1000, period=1000, total=10_000, tournament_size=3, reset_copies=True):
    config = eaude_config(population_size=population.size, tournament_size=tournament_size,
                          copy_optimizer="reset" if reset_copies else "inherit")
    return select_and_explore(population, jax.random.PRNGKey(seed), t, period, total, tx=TX, config=config)


def leaves_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)))


def member(tree, index):
    return jax.tree_util.tree_map(lambda leaf: leaf[index], tree)


def test_leader_is_argmin_over_finite_losses():
    assert int(choose_leader(jnp.array([3.0, jnp.nan, 1.0, jnp.inf, 2.0]))) == 2
    assert int(choose_leader(jnp.array([jnp.nan, jnp.nan]))) == 0


def test_slot_zero_keeps_the_leader_bit_for_bit_with_its_optimizer_state():
    population = make_population([4.0, 3.0, 0.5, 2.0, 5.0])
    new, info = select(population)
    assert int(info["leader"]) == 2
    assert leaves_equal(member(new.params, 0), member(population.params, 2))
    assert leaves_equal(member(new.masks, 0), member(population.masks, 2))
    assert leaves_equal(member(new.opt_state, 0), member(population.opt_state, 2))


def test_tournament_winner_has_the_lowest_loss_of_its_draw():
    losses = jnp.array([4.0, 3.0, 0.5, 2.0, 5.0])
    for seed in range(20):
        parents = np.asarray(choose_parents(jax.random.PRNGKey(seed), losses, 3, 0.0))
        assert parents[0] == 2
        # With 3 of 5 drawn, the two worst members (0 and 4) can never win.
        assert not set(parents[1:]) & {0, 4}
    # With tournament size K every slot goes to the best member.
    np.testing.assert_array_equal(choose_parents(jax.random.PRNGKey(0), losses, 5, 0.0), [2] * 5)


def test_duplicates_are_later_repeats():
    np.testing.assert_array_equal(duplicates(jnp.array([2, 2, 3, 3, 1])), [False, True, False, True, False])


def test_duplicates_are_pruned_higher_with_fresh_optimizer_state_and_survivors_untouched():
    population = make_population([4.0, 3.0, 0.5, 2.0, 5.0])
    for seed in range(10):
        new, info = select(population, seed=seed)
        parents, is_dup = np.asarray(info["parents"]), np.asarray(info["duplicates"])
        fresh = TX.init(member(new.params, 0))
        for slot, (parent, dup) in enumerate(zip(parents, is_dup)):
            parent_sparsity = float(weight_sparsity(member(population.params, parent)))
            slot_sparsity = float(weight_sparsity(member(new.params, slot)))
            if dup:
                assert slot_sparsity >= parent_sparsity
                assert leaves_equal(member(new.opt_state, slot), fresh)
                # Masked weights are zero after pruning.
                kept = member(new.masks, slot)
                weights = member(new.params, slot)
                assert all(np.all(w[~m] == 0) for w, m in zip(jax.tree_util.tree_leaves(weights), jax.tree_util.tree_leaves(kept)))
            else:
                assert leaves_equal(member(new.params, slot), member(population.params, parent))
                assert leaves_equal(member(new.opt_state, slot), member(population.opt_state, parent))
        if is_dup.any():
            return
    pytest.fail("no duplicate in 10 selections")


def test_with_reset_copies_false_a_pruned_copy_keeps_its_parents_optimizer_state():
    population = make_population([4.0, 3.0, 0.5, 2.0, 5.0])
    for seed in range(10):
        new, info = select(population, seed=seed, reset_copies=False)
        parents, is_dup = np.asarray(info["parents"]), np.asarray(info["duplicates"])
        for slot, parent in enumerate(parents):
            assert leaves_equal(member(new.opt_state, slot), member(population.opt_state, parent))
        if is_dup.any():
            assert any(float(weight_sparsity(member(new.params, slot))) > 0 for slot in np.flatnonzero(is_dup))
            return
    pytest.fail("no duplicate in 10 selections")


def test_exploration_late_in_training_raises_sparsity():
    population = make_population([1.0, 2.0, 3.0, 4.0, 5.0])
    # At the end of training (t = L) the jump is the cap: 0.2 of the remaining weights.
    new, info = select(population, t=10_000, period=100, total=10_000, tournament_size=5)
    sparsities = np.asarray(info["sparsities"])
    assert sparsities[0] == 0.0  # the leader is untouched
    np.testing.assert_allclose(sparsities[1:], np.round(0.2 * 48) / 48)  # every copy pruned to the cap


def test_cumulated_losses_are_reset():
    new, _ = select(make_population([4.0, 3.0, 0.5, 2.0, 5.0]))
    np.testing.assert_array_equal(new.cumulated_losses, np.zeros(5))


@pytest.mark.parametrize("bad", [jnp.nan, jnp.inf])
def test_a_nan_member_loses_every_selection(bad):
    for seed in range(10):
        _, info = select(make_population([bad, 3.0, 2.0, 2.5, 4.0]), seed=seed, tournament_size=1)
        assert 0 not in set(np.asarray(info["parents"]).tolist())


def test_all_nan_keeps_the_previous_leader():
    population = make_population([jnp.nan] * 4)
    new, info = select(population)
    assert int(info["leader"]) == 0
    assert leaves_equal(member(new.params, 0), member(population.params, 0))


def test_single_member_is_pruned_after_selection_and_keeps_its_optimizer():
    population = make_population([1.0])
    new, _ = select(population, t=10_000, period=1000, total=10_000, tournament_size=1)
    assert float(weight_sparsity(member(new.params, 0))) == pytest.approx(np.round(0.2 * 48) / 48)
    assert leaves_equal(member(new.opt_state, 0), member(population.opt_state, 0))


def test_acting_probabilities_are_inverse_to_losses_and_skip_nan():
    probabilities = np.asarray(acting_probabilities(jnp.array([1.0, 3.0, jnp.nan])))
    np.testing.assert_allclose(probabilities, [0.75, 0.25, 0.0], rtol=1e-4)
    np.testing.assert_array_equal(acting_probabilities(jnp.array([jnp.nan, jnp.nan])), [1.0, 0.0])


def test_selection_log_says_whether_the_winner_was_just_explored_and_its_jump():
    log = SelectionLog(5)
    population = make_population([4.0, 3.0, 0.5, 2.0, 5.0])
    # At t = L every copy jumps by the cap, so explored members are sparser than their parents.
    new, first = select(population, t=10_000, period=100, total=10_000)
    row = log.record(100, jax.device_get(first))
    assert not row["winner_explored"] and row["explored_slots"] == 0  # the initial members were never explored
    explored = np.asarray(first["explored"])
    assert explored.any()
    slot = int(np.flatnonzero(explored)[0])
    losses = np.full(5, 5.0, np.float32)
    losses[slot] = 0.1  # the explored copy wins the next selection
    _, second = select(new.replace(cumulated_losses=jnp.asarray(losses)), seed=1, t=10_000, period=100, total=10_000)
    row = log.record(200, jax.device_get(second))
    assert row["leader_slot"] == slot and row["winner_explored"] and row["winner_age"] == 0
    assert row["sparsity_gain"] == pytest.approx(float(second["sparsities"][0]) - float(first["sparsities"][0]))
    parent = float(first["parent_sparsities"][slot])
    assert row["winner_parent_sparsity"] == pytest.approx(parent)
    assert row["winner_jump"] == pytest.approx(float(first["sparsities"][slot]) - parent)
    assert row["winner_jump"] > 0
    assert log.explored_win_share == 0.5
    assert log.explored_slot_share == pytest.approx(explored.sum() / 10)
    assert log.logger_values()["train/winner_explored"] == 1.0


# ----- parsimony among ties (tie_tolerance) ---------------------------------------------------------
def tied_population(losses, squared_losses, sparsities, steps=100.0):
    """A population whose members have the given L_k, sum of squared losses and mask sparsities."""
    population = make_population(losses)
    masks = jax.tree_util.tree_map(
        lambda m: jnp.stack([jnp.arange(m[0].size).reshape(m[0].shape) >= int(s * m[0].size) for s in sparsities])
        if m.ndim == 3 else m, population.masks)
    return population.replace(masks=masks, squared_losses=jnp.asarray(squared_losses, jnp.float32),
                              judged_steps=jnp.asarray(steps, jnp.float32))


def test_the_sparsest_member_within_the_tolerance_of_the_best_wins():
    # L_best = 100 over 100 steps with per-step std 1: se = sqrt(100 * 1) = 10.
    squared = [100 * (1.0 + 1.0)] * 5  # sum l^2 = n (mean^2 + var) with mean 1, var 1
    population = tied_population([100.0, 105.0, 125.0, 108.0, jnp.nan], squared, [0.1, 0.3, 0.9, 0.5, 0.95])
    sparsities = jax.vmap(lambda m: 1 - jnp.mean(m["params"]["kernel"]))(population.masks)
    parents = choose_parents(jax.random.PRNGKey(0), population.cumulated_losses, 5, 1.0, sparsities,
                             population.squared_losses, population.judged_steps)
    assert int(parents[0]) == 3  # within one se (108 - 100 <= 10) and sparser than member 1; 125 is not tied
    strict = choose_parents(jax.random.PRNGKey(0), population.cumulated_losses, 5, 0.0, sparsities,
                            population.squared_losses, population.judged_steps)
    assert int(strict[0]) == 0  # the paper's strict minimum
    assert 4 not in np.asarray(parents).tolist()  # a NaN member never wins, however sparse


def test_ties_never_pick_a_member_outside_the_tournament_or_a_clearly_worse_one():
    squared = [100 * 2.0] * 5
    population = tied_population([100.0, 300.0, 400.0, 500.0, 600.0], squared, [0.0, 0.9, 0.9, 0.9, 0.9])
    new, info = select_and_explore(population, jax.random.PRNGKey(1), 1000, 1000, 10_000, tx=TX,
                                   config=eaude_config(tournament_size=5, tie_tolerance=1.0))
    assert np.asarray(info["parents"]).tolist() == [0] * 5  # every other member lies 20+ se above the best
    assert np.asarray(info["gaps_in_se"]).tolist() == pytest.approx([0.0, 20.0, 30.0, 40.0, 50.0])
    assert float(new.judged_steps) == 0 and not np.any(np.asarray(new.squared_losses))  # reset for the next period


def test_tie_tolerance_zero_selects_as_the_paper_bit_for_bit():
    population = make_population([4.0, 3.0, 0.5, 2.0, 5.0])
    plain, plain_info = select(population)
    zero, zero_info = select_and_explore(population, jax.random.PRNGKey(0), 1000, 1000, 10_000, tx=TX,
                                         config=eaude_config(tie_tolerance=0.0))
    assert leaves_equal(plain.params, zero.params) and leaves_equal(plain.masks, zero.masks)
    assert np.array_equal(plain_info["parents"], zero_info["parents"])


