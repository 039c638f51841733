"""EauDeDQN and PolyPruneDQN on CartPole (MlpPolicy) and Pong (CnnPolicy), small networks, few steps."""

import gymnasium as gym
import jax
import numpy as np
import pytest
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from helpers import (
    layerwise_sparsity_with_floor,
    masked_weights_are_zero,
    quiet_logger,
    read_csv_columns,
    trees_equal,
)
from sbx_eaudeqn import HEAD_SIZES, EauDeDQN, PolyPruneDQN
from sbx_eaudeqn.core.pruning import weight_sparsity

SMALL = dict(
    policy_kwargs=dict(net_arch=[16]), learning_starts=50, batch_size=16, buffer_size=2000,
    target_update_interval=20, train_freq=1, exploration_fraction=0.2,
)


# Tiny runs select at every (short) target update, so that selections happen within a few hundred steps.
EVERY_UPDATE = dict(target_updates_per_selection=1)


def eaude(env="CartPole-v1", **kwargs):
    return EauDeDQN("MlpPolicy", env, **(SMALL | EVERY_UPDATE | dict(population_size=3, seed=0) | kwargs))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("eaudedqn_logs")
    model = eaude()
    model.set_logger(configure(str(log_dir), ["csv"]))
    model.learn(600, log_interval=1)
    return model, log_dir


def test_masks_are_respected_and_sparsity_is_discovered(trained):
    model, _ = trained
    assert masked_weights_are_zero(model.population)
    assert max(model.population_sparsities) > 0.0
    leader = model.population.member(0)[0]
    assert model.sparsity == pytest.approx(float(weight_sparsity(leader)))
    assert trees_equal(model.policy.qf_state.params, leader)


def test_target_is_a_hard_copy_of_the_leader_at_selection():
    model = eaude(target_update_interval=25)
    model.learn(100)  # step 100 is a target update: select, copy the new leader; then one gradient step
    leader, _, leader_masks = model.population.member(0)
    target = model.policy.qf_state.target_params
    for target_leaf, leader_leaf, mask in zip(*map(jax.tree_util.tree_leaves, (target, leader, leader_masks))):
        assert np.all(np.asarray(target_leaf)[~np.asarray(mask)] == 0), "the target lacks the leader's mask"
        np.testing.assert_allclose(target_leaf, leader_leaf, atol=5e-3)  # one Adam step apart
    assert float(weight_sparsity(target)) == pytest.approx(model.sparsity)


def test_no_selection_without_gradient_steps():
    model = eaude(learning_starts=1000)
    model.learn(200)  # 10 target updates, no gradient step
    assert model._population_logs.get("train/leader") is None
    assert model.population_sparsities == [0.0, 0.0, 0.0]


def test_logger_keys(trained):
    _, log_dir = trained
    last = read_csv_columns(log_dir / "progress.csv")[-1]
    for key in ("train/sparsity", "train/leader", "train/population_sparsity", "train/critic_loss",
                "rollout/exploration_rate", "train/cumulated_loss_0", "train/cumulated_loss_2",
                "train/explored_win_share", "train/explored_slot_share", "train/winner_jump"):
        assert last.get(key, "") != "", key


def test_acting_samples_members_and_deterministic_uses_the_leader(trained):
    model, _ = trained
    model.exploration_rate = 0.0
    obs = np.random.default_rng(0).normal(size=(256, 4)).astype(np.float32)
    leader_actions, _ = model.predict(obs, deterministic=True)
    greedy = np.asarray(model.policy.qf_state.apply_fn(model.population.member(0)[0], obs).argmax(axis=1))
    np.testing.assert_array_equal(leader_actions, greedy)
    # Make member 1 the only one with a finite loss: stochastic acting must then use member 1.
    model.population = model.population.replace(cumulated_losses=np.array([np.nan, 1.0, np.nan], np.float32))
    member_actions, _ = model.predict(obs, deterministic=False)
    member_greedy = np.asarray(model.policy.qf_state.apply_fn(model.population.member(1)[0], obs).argmax(axis=1))
    np.testing.assert_array_equal(member_actions, member_greedy)
    single, _ = model.predict(obs[0], deterministic=True)
    assert single.shape == () and int(single) == greedy[0]


def test_save_load_resume_identical_state(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model")
    model.save_replay_buffer(tmp_path / "buffer")
    loaded = EauDeDQN.load(tmp_path / "model", env=gym.make("CartPole-v1"))
    loaded.load_replay_buffer(tmp_path / "buffer")
    assert trees_equal(loaded.population, model.population)
    assert trees_equal(loaded.key, model.key)
    assert trees_equal(loaded.policy.qf_state.target_params, model.policy.qf_state.target_params)
    assert loaded.selection_log.history == model.selection_log.history
    for learner in (model, loaded):
        learner.set_logger(quiet_logger())
        np.random.seed(7)
        learner.train(batch_size=16, gradient_steps=5)
    assert trees_equal(loaded.population, model.population)
    loaded.learn(100, reset_num_timesteps=False)
    assert loaded.num_timesteps == model.num_timesteps + 100


def test_target_update_interval_survives_load_with_several_envs(tmp_path):
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    model = eaude(env, target_update_interval=40)
    assert model.target_update_interval == 20  # SBX counts calls of env.step on 2 envs
    model.save(tmp_path / "model")
    once = EauDeDQN.load(tmp_path / "model", env=env)
    once.save(tmp_path / "again")
    twice = EauDeDQN.load(tmp_path / "again", env=env)
    assert once.target_update_interval == twice.target_update_interval == 20


def test_loading_with_another_population_size_is_an_error(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model")
    with pytest.raises(ValueError, match="population_size=5 was requested"):
        EauDeDQN.load(tmp_path / "model", population_size=5)


def test_nan_member_loses_selection_and_training_goes_on():
    model = eaude(population_size=4, tournament_size=2)
    model.learn(100)
    model.population = model.population.replace(
        params=jax.tree_util.tree_map(lambda leaf: leaf.at[3].set(np.nan), model.population.params)
    )
    model.learn(100, reset_num_timesteps=False)
    for leaf in jax.tree_util.tree_leaves((model.population.params, model.policy.qf_state.target_params)):
        assert np.all(np.isfinite(np.asarray(leaf))), "the NaN member was selected or spread"


def test_polyprune_is_distillqn_by_default():
    model = PolyPruneDQN("MlpPolicy", "CartPole-v1", final_sparsity=0.95, seed=0, prune_scope="layerwise", **SMALL)
    sparsities = []
    model.learn(400, callback=lambda _l, _g: sparsities.append(model.sparsity) or True)
    # Pruned only at target updates (every 20 steps): the sparsity changes on those steps alone.
    changes = [step + 1 for step, (a, b) in enumerate(zip(sparsities, sparsities[1:])) if b != a]
    assert changes and all(step % 20 == 0 for step in changes)
    assert all(b >= a for a, b in zip(sparsities, sparsities[1:]))
    # 0.95 of each layer, down to one weight per unit: 48 of the first layer's 64 (4 inputs per unit)
    shapes = [(4, 16), (16, 16), (16, 2)]  # SBX's QNetwork: net_arch=[16] still has a second hidden layer
    assert model.sparsity == pytest.approx(layerwise_sparsity_with_floor(shapes, 0.95), abs=1e-6)
    assert masked_weights_are_zero(model.population)


def test_polyprune_with_a_period_in_gradient_steps():
    model = PolyPruneDQN("MlpPolicy", "CartPole-v1", final_sparsity=0.5, prune_period=7, seed=0, **SMALL)
    model.learn(300)
    assert model.sparsity == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    "cls, kwargs, match",
    [
        (EauDeDQN, dict(population_size=0), "population_size must be an integer >= 1"),
        (EauDeDQN, dict(tournament_size=9), "tournament_size must be an integer in \\[1, population_size=5\\]"),
        (EauDeDQN, dict(sparsity_scale=-2.0), "sparsity_scale must be in \\(0, inf\\)"),
        (EauDeDQN, dict(max_prune_fraction=2.0), "max_prune_fraction must be in \\(0, 1\\]"),
        (EauDeDQN, dict(prune_scope="l1"), "prune_scope must be one of"),
        (PolyPruneDQN, dict(final_sparsity=1.0), "final_sparsity must be in \\[0, 1\\)"),
        (PolyPruneDQN, dict(prune_start=0.9, prune_end=0.1), "prune_start must be < prune_end"),
        (PolyPruneDQN, dict(prune_period=0), "prune_period must be an integer >= 1"),
        (EauDeDQN, dict(target_update_interval=0), "target_update_interval must be an integer >= 1, got 0"),
        (PolyPruneDQN, dict(target_update_interval=0), "target_update_interval must be an integer >= 1, got 0"),
        (EauDeDQN, dict(target_updates_per_selection=0), "target_updates_per_selection must be an integer >= 1"),
        (EauDeDQN, dict(tie_tolerance=-1.0), "tie_tolerance must be in \\[0, inf\\)"),
        (EauDeDQN, dict(recovery_fraction=1.0), "recovery_fraction must be in \\[0, 1\\)"),
    ],
)
def test_bad_input(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls("MlpPolicy", "CartPole-v1", **kwargs)


def test_head_sizes_are_the_documented_ones():
    assert HEAD_SIZES == {"small": 32, "medium": 512, "large": 2048}


def test_tiny_atari_run_prunes_the_cnn_and_keeps_frames_uint8():
    from sbx_eaudeqn.envs.atari import make_atari

    env = make_atari("ALE/Pong-v5", n_envs=1, seed=0)
    model = EauDeDQN(
        "CnnPolicy", env, population_size=2, policy_kwargs=dict(net_arch=[HEAD_SIZES["small"]]),
        buffer_size=500, learning_starts=100, batch_size=8, train_freq=4, target_update_interval=50, seed=0,
        **EVERY_UPDATE,
    )
    model.learn(300)
    assert model.replay_buffer.observations.dtype == np.uint8
    assert masked_weights_are_zero(model.population)
    # Conv kernels are pruned along with the dense ones.
    conv_kernel = model.population.params["params"]["NatureCNN_0"]["Conv_0"]["kernel"]
    assert float((np.asarray(conv_kernel) == 0).mean()) > 0
    action, _ = model.predict(env.reset(), deterministic=True)
    assert action.shape == (1,)


def test_cnn_policies_train_unrolled_on_cpu_and_mlps_in_scan(trained):
    from sbx_eaudeqn.envs.atari import make_atari

    mlp_model, _ = trained
    assert jax.default_backend() == "cpu"
    assert not mlp_model.unrolled_training
    cnn_model = PolyPruneDQN("CnnPolicy", make_atari("ALE/Pong-v5"), buffer_size=100, policy_kwargs=dict(net_arch=[32]))
    assert cnn_model.unrolled_training


def test_cpu_cnn_compiler_options_give_the_same_update():
    """The unrolled CPU path is compiled with XLA's faster dot options; its update matches XLA's defaults."""
    from sbx.common.type_aliases import ReplayBufferSamplesNp

    from sbx_eaudeqn.algorithms import dqn
    from sbx_eaudeqn.envs.atari import make_atari

    model = EauDeDQN("CnnPolicy", make_atari("ALE/Pong-v5"), population_size=2, buffer_size=100, seed=0,
                     policy_kwargs=dict(net_arch=[32]))
    rng = np.random.default_rng(0)
    frames = lambda: rng.integers(0, 256, (8, *model.observation_space.shape), dtype=np.uint8)  # noqa: E731
    data = ReplayBufferSamplesNp(frames(), rng.integers(0, 6, (8, 1)), frames(), np.zeros(8, np.float32),
                                 rng.normal(size=8).astype(np.float32), np.full(8, 0.99, np.float32))
    args = (type(model), 2, data, model.population, model.policy.qf_state, {})
    fast, _, fast_info = dqn.compiled_population_steps(True)(*args, unrolled=True)
    default, _, default_info = jax.jit(dqn.population_steps, static_argnames=("cls", "gradient_steps", "unrolled"))(
        *args, unrolled=True)
    assert dqn.cpu_cnn_compiler_options() == dqn.CPU_CNN_COMPILER_OPTIONS, "this jax's XLA no longer takes the option"
    for fast_leaf, default_leaf in zip(*map(jax.tree_util.tree_leaves, (fast.params, default.params))):
        np.testing.assert_allclose(fast_leaf, default_leaf, rtol=1e-4, atol=2e-5)  # Adam steps are 1e-4
    np.testing.assert_allclose(fast.cumulated_losses, default.cumulated_losses, rtol=1e-4)
    np.testing.assert_allclose(fast_info, default_info, rtol=1e-4)  # leader's loss and mean Q


def test_every_selection_is_written_to_selections_csv(tmp_path):
    from sbx_eaudeqn.integrations.callbacks import SELECTIONS_FILE, SparsityHistoryCallback

    model = eaude()
    model.learn(400, callback=SparsityHistoryCallback(every=100, log_path=str(tmp_path)))
    rows = read_csv_columns(tmp_path / SELECTIONS_FILE)
    history = model.selection_log.history
    assert len(history) > 5 and len(rows) == len(history)
    assert [int(r["timesteps"]) for r in rows] == [h["timesteps"] for h in history]
    assert [int(r["winner_explored"]) for r in rows] == [int(h["winner_explored"]) for h in history]
    # A selection won by an explored member is the only way the leader gets sparser.
    for before, after in zip(history, history[1:]):
        if after["leader_sparsity"] > before["leader_sparsity"] + 1e-6:
            assert after["winner_explored"]


def test_population_init_copies_starts_every_member_as_the_target():
    model = eaude(population_init="copies")
    for slot in range(1, 3):
        assert trees_equal(model.population.member(slot)[0], model.policy.qf_state.target_params)
    with pytest.raises(ValueError, match="population_init must be one of .*'independent', 'copies'.*got 'clones'"):
        eaude(population_init="clones")


@pytest.mark.parametrize("kwargs, judged", [({}, 3.0), (dict(recovery_fraction=0.0), 13.0)])
def test_recovery_part_of_the_period_is_not_judged(kwargs, judged):
    # 20 gradient steps per selection: by default (recovery_fraction 0.5) L_k counts from the 10th step
    # on; with the paper's 0, from the first.
    model = eaude(**kwargs)
    model.learn(100)
    model._on_clock_events(["end"])  # a selection: a new period starts, every L_k at 0
    model.train(gradient_steps=13, batch_size=16)  # one call across the start of the judged part
    assert float(model.population.judged_steps) == judged
    assert np.all(np.asarray(model.population.cumulated_losses) > 0.0)


def test_selections_come_at_every_kth_target_update_and_the_target_follows_the_leader_at_each():
    model = eaude(target_update_interval=20, target_updates_per_selection=3)
    model.learn(300)
    times = [row["timesteps"] for row in model.selection_log.history]
    # Counted from the first target update after learning starts (60): selections at 100, 160, 220, 280.
    assert times == [100, 160, 220, 280]
    # Step 300 is a target update but not a selection: the target is still the leader's copy.
    leader, _, leader_masks = model.population.member(0)
    target = model.policy.qf_state.target_params
    for target_leaf, mask in zip(*map(jax.tree_util.tree_leaves, (target, leader_masks))):
        assert np.all(np.asarray(target_leaf)[~np.asarray(mask)] == 0)
    assert float(weight_sparsity(target)) == pytest.approx(model.sparsity)
