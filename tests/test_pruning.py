"""Magnitude pruning: exact counts, scopes (layerwise, global, ERK), the per-unit floor, determinism,
growth only, vmap over members."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sbx_eaudeqn.core.pruning import (
    PRUNE_SCOPES,
    apply_masks,
    dense_masks,
    erk_densities,
    grow_masks,
    mask_sparsity,
    n_prunable,
    weight_sparsity,
)


class SmallNet(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Conv(4, (3, 3))(x)
        x = x.reshape((x.shape[0], -1))
        x = nn.Dense(7)(x)
        return nn.Dense(3)(x)


@pytest.fixture(scope="module")
def params():
    return SmallNet().init(jax.random.PRNGKey(0), jnp.ones((1, 5, 5, 2)))


def kernels(tree):
    return [leaf for path, leaf in jax.tree_util.tree_leaves_with_path(tree) if path[-1].key == "kernel"]


def biases(tree):
    return [leaf for path, leaf in jax.tree_util.tree_leaves_with_path(tree) if path[-1].key == "bias"]


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0])
def test_layerwise_prunes_exactly_round_s_n_per_layer_down_to_one_weight_per_unit(params, sparsity):
    masks = grow_masks(params, dense_masks(params), sparsity, "layerwise")
    for kernel_mask in kernels(masks):
        n_units = kernel_mask.shape[-1]
        expected = min(int(np.round(np.float32(sparsity) * kernel_mask.size)), kernel_mask.size - n_units)
        assert int((~kernel_mask).sum()) == expected


def test_layerwise_prunes_the_lowest_magnitudes(params):
    masks = grow_masks(params, dense_masks(params), 0.5, "layerwise")
    for weights, keep in zip(kernels(params), kernels(masks)):
        assert np.abs(weights[~keep]).max() <= np.abs(weights[keep]).min()


def test_biases_are_never_pruned(params):
    masks = grow_masks(params, dense_masks(params), 0.9, "global")
    assert all(bool(m.all()) for m in biases(masks))
    pruned = apply_masks(params, masks)
    for before, after in zip(biases(params), biases(pruned)):
        np.testing.assert_array_equal(before, after)


def test_global_scope_uses_one_threshold(params):
    masks = grow_masks(params, dense_masks(params), 0.6, "global")
    all_weights = np.concatenate([np.abs(np.asarray(w)).ravel() for w in kernels(params)])
    all_keep = np.concatenate([np.asarray(m).ravel() for m in kernels(masks)])
    assert (~all_keep).sum() == int(np.round(np.float32(0.6) * all_weights.size))
    assert all_weights[~all_keep].max() <= all_weights[all_keep].min()
    # Layers are pruned unevenly: the global threshold is not a per-layer quota.
    per_layer = [float((~np.asarray(m)).mean()) for m in kernels(masks)]
    assert max(per_layer) - min(per_layer) > 0.01


def test_conv_kernels_are_pruned(params):
    masks = grow_masks(params, dense_masks(params), 0.5)
    conv_mask = masks["params"]["Conv_0"]["kernel"]
    assert float((~conv_mask).mean()) == pytest.approx(0.5, abs=0.01)


def test_ties_are_broken_deterministically_by_position():
    tied = {"params": {"Dense_0": {"kernel": jnp.ones((4, 5)), "bias": jnp.zeros(5)}}}
    first = grow_masks(tied, dense_masks(tied), 0.5)
    second = grow_masks(tied, dense_masks(tied), 0.5)
    np.testing.assert_array_equal(first["params"]["Dense_0"]["kernel"], second["params"]["Dense_0"]["kernel"])
    flat = np.asarray(first["params"]["Dense_0"]["kernel"]).ravel()
    # Row 0 holds each column's first largest weight (kept by the floor); then positions 5..14 go.
    np.testing.assert_array_equal(flat, (np.arange(20) < 5) | (np.arange(20) >= 15))


@pytest.mark.parametrize("scope", sorted(PRUNE_SCOPES))  # every row of the table
def test_masks_only_grow(params, scope):
    high = grow_masks(params, dense_masks(params), 0.7, scope)
    # Change the weights so that magnitudes would now choose other weights: pruned ones stay pruned.
    shuffled = jax.tree_util.tree_map(lambda w: jnp.flip(w), params)
    lower_target = grow_masks(shuffled, high, 0.3, scope)
    higher_target = grow_masks(shuffled, high, 0.8, scope)
    for old, low, new in zip(kernels(high), kernels(lower_target), kernels(higher_target)):
        np.testing.assert_array_equal(low, old)
        assert not bool((new & ~old).any()), "a pruned weight came back"
    assert float(mask_sparsity(higher_target)) > float(mask_sparsity(high))


def test_vmap_gives_each_member_its_own_sparsity(params):
    members = jax.tree_util.tree_map(lambda w: jnp.stack([w, 2 * w, -w]), params)
    targets = jnp.array([0.1, 0.5, 0.9])
    masks = jax.vmap(grow_masks)(members, jax.vmap(dense_masks)(members), targets)
    pruned = jax.vmap(apply_masks)(members, masks)
    measured = np.asarray(jax.vmap(weight_sparsity)(pruned))
    np.testing.assert_allclose(measured, targets, atol=0.01)


def test_weight_sparsity_is_measured_from_weights(params):
    masks = grow_masks(params, dense_masks(params), 0.4)
    pruned = apply_masks(params, masks)
    assert float(weight_sparsity(pruned)) == pytest.approx(float(mask_sparsity(masks)))
    assert float(weight_sparsity(params)) == 0.0
    assert n_prunable(params) == sum(k.size for k in kernels(params))


class CartPoleLikeNet(nn.Module):
    """4 inputs, one wide hidden layer, a 2-output head: the layers a uniform or global cut can empty."""

    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(256)(x))
        x = nn.relu(nn.Dense(256)(x))
        return nn.Dense(2)(x)


@pytest.mark.parametrize("scope", sorted(PRUNE_SCOPES))  # every row of the table
def test_no_layer_ever_loses_all_its_weights(scope):
    net_params = CartPoleLikeNet().init(jax.random.PRNGKey(1), jnp.ones((1, 4)))
    masks = grow_masks(net_params, dense_masks(net_params), 0.99, scope)
    assert float(mask_sparsity(masks)) > 0.97
    for kernel_mask in kernels(masks):
        # every output unit (each hidden neuron, each action's value) keeps at least one incoming weight
        assert bool(np.asarray(kernel_mask).any(axis=0).all())


def test_the_floor_holds_per_member_of_a_vmapped_twin_critic():
    # SBX's twin critics stack their kernels on a leading axis: (2, in, out).
    twin = {"params": {"Dense_0": {"kernel": jax.random.normal(jax.random.PRNGKey(2), (2, 64, 1)),
                                   "bias": jnp.zeros((2, 1))}}}
    twin["params"]["Dense_0"]["kernel"] = twin["params"]["Dense_0"]["kernel"].at[1].multiply(1e-3)
    masks = grow_masks(twin, dense_masks(twin), 0.999, "global")
    kept_per_member = np.asarray(masks["params"]["Dense_0"]["kernel"]).sum(axis=(1, 2))
    np.testing.assert_array_equal(kept_per_member, [1, 1])


def test_erk_keeps_small_layers_denser_and_reaches_the_sparsity():
    net_params = CartPoleLikeNet().init(jax.random.PRNGKey(1), jnp.ones((1, 4)))
    masks = grow_masks(net_params, dense_masks(net_params), 0.8, "erk")
    first, hidden, head = (float((~np.asarray(m)).mean()) for m in kernels(masks))
    assert float(mask_sparsity(masks)) == pytest.approx(0.8, abs=1e-3)
    assert first == 0.0 and head == 0.0  # 4 x 256 and 256 x 2: their ERK density exceeds 1
    assert hidden > 0.8


def test_erk_densities_follow_the_erdos_renyi_kernel_ratio():
    shapes = [(64, 32), (32, 32), (3, 3, 16, 32)]
    densities = np.asarray(erk_densities(shapes, 0.9))
    raw = np.array([(64 + 32) / (64 * 32), (32 + 32) / (32 * 32), (3 + 3 + 16 + 32) / (3 * 3 * 16 * 32)])
    sizes = np.array([64 * 32, 32 * 32, 3 * 3 * 16 * 32])
    np.testing.assert_allclose(densities / densities[0], raw / raw[0], rtol=1e-5)
    assert float((densities * sizes).sum() / sizes.sum()) == pytest.approx(0.1, rel=1e-4)


def test_the_random_criterion_reaches_the_sparsity_keeps_every_unit_and_draws_from_its_key(params):
    """A second criterion, one function and one row of PRUNE_CRITERIA: which weights go is drawn, not
    ranked by magnitude, and everything the scopes promise still holds."""
    dense = dense_masks(params)
    drawn = grow_masks(params, dense, 0.6, "global", "random", jax.random.PRNGKey(1))
    again = grow_masks(params, dense, 0.6, "global", "random", jax.random.PRNGKey(1))
    other = grow_masks(params, dense, 0.6, "global", "random", jax.random.PRNGKey(2))
    by_magnitude = grow_masks(params, dense, 0.6, "global")
    assert float(mask_sparsity(drawn)) == pytest.approx(0.6, abs=0.01)
    assert all(np.array_equal(a, b) for a, b in zip(kernels(drawn), kernels(again)))  # one key, one draw
    assert any(not np.array_equal(a, b) for a, b in zip(kernels(drawn), kernels(other)))
    assert any(not np.array_equal(a, b) for a, b in zip(kernels(drawn), kernels(by_magnitude)))
    assert all(bool(mask.reshape(-1, mask.shape[-1]).any(axis=0).all()) for mask in kernels(drawn))  # every unit lives
    grown = grow_masks(params, drawn, 0.8, "global", "random", jax.random.PRNGKey(3))
    assert all(not bool((new & ~old).any()) for old, new in zip(kernels(drawn), kernels(grown)))  # masks only grow


def test_a_population_prunes_its_copies_with_the_random_criterion():
    from sbx_eaudeqn import PolyPruneDQN

    model = PolyPruneDQN("MlpPolicy", "CartPole-v1", prune_criterion="random", final_sparsity=0.5, prune_start=0.0,
                         prune_end=0.5, learning_starts=50, target_update_interval=50, buffer_size=500,
                         policy_kwargs=dict(net_arch=[16]))
    model.learn(400)
    assert model.config.prune_criterion == "random"
    assert model.sparsity == pytest.approx(0.5, abs=0.02)
