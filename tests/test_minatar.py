"""MinAtar as a first-class task: MinAtar's network, masks in its conv kernel, save/load, the zoo command."""

import gymnasium as gym
import jax
import numpy as np
import pytest

from helpers import masked_weights_are_zero, quiet_logger, trees_equal
from sbx_eaudeqn import MINATAR_HEAD_SIZES, EauDeDQN, MinAtarPolicy, PolyPruneDQN
from sbx_eaudeqn.envs.minatar import register_minatar_envs
from sbx_eaudeqn.core.pruning import dense_masks, grow_masks

pytest.importorskip("minatar")
ENV_ID = "MinAtar/Breakout-v1"
SMALL = dict(learning_starts=50, batch_size=16, buffer_size=2000, target_update_interval=50, train_freq=1,
             exploration_fraction=0.2, seed=0)


def make_env():
    assert register_minatar_envs()
    return gym.make(ENV_ID)


@pytest.fixture(scope="module")
def trained():
    model = EauDeDQN("MinAtarPolicy", make_env(), population_size=3, **SMALL, target_updates_per_selection=1)
    model.set_logger(quiet_logger())
    model.learn(250)
    return model


def conv_kernels(model):
    return np.asarray(model.population.params["params"]["Conv_0"]["kernel"]), np.asarray(
        model.population.masks["params"]["Conv_0"]["kernel"])


def test_minatar_network_and_head_size():
    model = EauDeDQN("MinAtarPolicy", make_env(), policy_kwargs=dict(net_arch=[MINATAR_HEAD_SIZES["small"]]), **SMALL, target_updates_per_selection=1)
    shapes = jax.tree_util.tree_map(lambda leaf: leaf.shape[1:], model.population.params)["params"]
    assert shapes["Conv_0"]["kernel"] == (3, 3, 4, 16)  # 3x3, Breakout's 4 channels, 16 filters
    assert shapes["Dense_0"]["kernel"] == (8 * 8 * 16, 8)  # valid padding: 10x10 -> 8x8
    assert shapes["Dense_1"]["kernel"] == (8, 3)  # Breakout's minimal action set


def test_training_prunes_the_conv_kernel_and_respects_its_masks(trained):
    weights, masks = conv_kernels(trained)
    assert masked_weights_are_zero(trained.population)
    assert (~masks).any(), "no selection pruned a conv weight"
    assert np.all(weights[~masks] == 0)


def test_layer_sparsities_say_where_the_leader_was_pruned(trained):
    layers = trained.layer_sparsities
    assert list(layers) == ["params/Conv_0/kernel", "params/Dense_0/kernel", "params/Dense_1/kernel"]
    leader_conv = conv_kernels(trained)[0][0]
    assert layers["params/Conv_0/kernel"] == pytest.approx(np.mean(leader_conv == 0))
    sizes = [leaf[0].size for leaf in jax.tree_util.tree_leaves(trained.population.params["params"]) if leaf.ndim > 2]
    assert np.average(list(layers.values()), weights=sizes) == pytest.approx(trained.sparsity)


def test_save_load_gives_the_same_population_and_actions(trained, tmp_path):
    trained.save(tmp_path / "model")
    loaded = EauDeDQN.load(tmp_path / "model", env=make_env())
    assert isinstance(loaded.policy, MinAtarPolicy)
    assert trees_equal(loaded.population, trained.population)
    observations = np.stack([make_env().reset(seed=seed)[0] for seed in range(5)])
    np.testing.assert_array_equal(loaded.predict(observations, deterministic=True)[0],
                                  trained.predict(observations, deterministic=True)[0])


def test_polyprune_runs_on_minatar():
    model = PolyPruneDQN("MinAtarPolicy", make_env(), final_sparsity=0.9, **SMALL)
    model.learn(200)
    assert model.sparsity > 0.5
    assert masked_weights_are_zero(model.population)


def test_no_conv_channel_is_emptied_at_high_sparsity(trained):
    params = jax.tree_util.tree_map(lambda leaf: leaf[0], trained.population.params)
    for scope in ("global", "layerwise", "erk"):
        masks = grow_masks(params, dense_masks(params), 0.99, scope)["params"]
        for layer in ("Conv_0", "Dense_0", "Dense_1"):
            kernel = np.asarray(masks[layer]["kernel"])
            assert kernel.reshape(-1, kernel.shape[-1]).any(axis=0).all(), f"{scope} emptied a unit of {layer}"


def test_export_gives_the_same_actions(trained, tmp_path):
    from sbx_eaudeqn import SparsePolicy, export

    policy = SparsePolicy.load(export(trained, tmp_path / "minatar.npz"))
    env, frames = make_env(), []
    observation, _ = env.reset(seed=0)
    for step in range(40):  # states from play, not only first frames
        frames.append(observation)
        observation, _, terminated, truncated, _ = env.step(step % 3)
        if terminated or truncated:
            observation, _ = env.reset()
    observations = np.stack(frames)
    np.testing.assert_array_equal(policy.predict(observations)[0], trained.predict(observations, deterministic=True)[0])
    assert policy.predict(observations[0])[0] == trained.predict(observations[0], deterministic=True)[0]
