"""EauDeSAC and PolyPruneSAC on real Gymnasium environments, with small networks and few steps."""

import gymnasium as gym
import jax
import numpy as np
import pytest
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.logger import configure

from helpers import (
    layerwise_sparsity_with_floor,
    masked_weights_are_zero,
    quiet_logger,
    read_csv_columns,
    trees_equal,
)
from sbx_eaudeqn import EauDeSAC, PolyPruneSAC
from sbx_eaudeqn.core.pruning import weight_sparsity

SMALL = dict(
    policy_kwargs=dict(net_arch=[16, 16]), learning_starts=50, batch_size=32, buffer_size=2000, learning_rate=1e-3
)


def eaude(**kwargs):
    return EauDeSAC("MlpPolicy", "Pendulum-v1", **(SMALL | dict(population_size=3, selection_period=25, seed=0) | kwargs))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """An EauDeSAC trained for 400 steps (14 selections) with a CSV logger."""
    log_dir = tmp_path_factory.mktemp("eaudesac_logs")
    model = eaude()
    model.set_logger(configure(str(log_dir), ["csv"]))
    model.learn(400, log_interval=1)
    return model, log_dir


def test_masks_are_respected_and_sparsity_grows(trained):
    model, _ = trained
    assert masked_weights_are_zero(model.population)
    assert max(model.population_sparsities) > 0.0
    assert all(0.0 <= s < 1.0 for s in model.population_sparsities)


def test_actor_stays_dense(trained):
    model, _ = trained
    assert float(weight_sparsity(model.policy.actor_state.params)) == 0.0


def test_sparsity_is_measured_from_the_weights(trained):
    model, _ = trained
    leader = model.population.member(0)[0]
    assert model.sparsity == pytest.approx(float(weight_sparsity(leader)))
    assert model.population_sparsities[0] == pytest.approx(model.sparsity)
    # The policy's critic is the leader, and the target is driven by it.
    assert trees_equal(model.policy.qf_state.params, leader)


def test_logger_keys(trained):
    _, log_dir = trained
    rows = read_csv_columns(log_dir / "progress.csv")
    last = rows[-1]
    for key in ("train/sparsity", "train/leader", "train/population_sparsity", "train/critic_loss",
                "train/actor_loss", "train/ent_coef", "rollout/ep_rew_mean"):
        assert last.get(key, "") != "", key
    assert all(last[f"train/cumulated_loss_{k}"] != "" for k in range(3))
    assert 0 <= int(float(last["train/leader"])) < 3


def test_plot_command_reads_sb3_csv_logs(trained):
    from sbx_eaudeqn.integrations.plot import plot_logs, read_sparsity

    _, log_dir = trained
    steps, sparsity = read_sparsity(log_dir)
    assert len(steps) == len(sparsity) > 0 and np.all((0 <= sparsity) & (sparsity < 1))
    for path in plot_logs(log_dir):
        assert path.stat().st_size > 0


def test_save_load_gives_identical_learner_state_and_training(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model")
    model.save_replay_buffer(tmp_path / "buffer")
    loaded = EauDeSAC.load(tmp_path / "model", env=gym.make("Pendulum-v1"))
    loaded.load_replay_buffer(tmp_path / "buffer")
    assert trees_equal(loaded.population, model.population)
    assert trees_equal(loaded.key, model.key)
    assert trees_equal(loaded.policy.qf_state.target_params, model.policy.qf_state.target_params)
    assert trees_equal(loaded.policy.actor_state, model.policy.actor_state)
    assert trees_equal(loaded.ent_coef_state, model.ent_coef_state)
    assert (loaded.num_timesteps, loaded._n_updates, loaded.period_clock.steps) == (
        model.num_timesteps, model._n_updates, model.period_clock.steps)

    # The same minibatches give the same updates, through a selection (25 steps per period).
    for learner in (model, loaded):
        learner.set_logger(quiet_logger())
        np.random.seed(123)
        learner.train(gradient_steps=30, batch_size=32)
    assert trees_equal(loaded.population, model.population)
    assert trees_equal(loaded.key, model.key)


def test_resume_with_reset_num_timesteps_false(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model")
    loaded = EauDeSAC.load(tmp_path / "model", env=gym.make("Pendulum-v1"))
    before = loaded.num_timesteps
    loaded.learn(100, reset_num_timesteps=False)
    assert loaded.num_timesteps == before + 100
    assert loaded._total_timesteps == before + 100
    assert masked_weights_are_zero(loaded.population)


def test_loading_with_another_population_size_is_an_error(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model")
    with pytest.raises(ValueError, match="population_size=4 was requested.*holds population_size=3"):
        EauDeSAC.load(tmp_path / "model", population_size=4)


def test_selection_target_is_the_leader_held_through_the_period():
    """target_update="selection": the target is the leader copied at a selection, unchanged until the next."""
    model = eaude(target_update="selection", selection_period=10_000)  # no selection inside learn
    model.learn(120)
    critic = model.policy.qf_state
    assert not trees_equal(critic.target_params, critic.params)  # trained since the start, target held
    model._select()
    critic = model.policy.qf_state
    assert trees_equal(critic.target_params, critic.params)
    assert trees_equal(critic.params, model.population.member(0)[0])
    held = critic.target_params
    model.train(gradient_steps=5, batch_size=32)
    assert trees_equal(model.policy.qf_state.target_params, held)
    assert not trees_equal(model.policy.qf_state.params, held)


def test_polyak_target_moves_towards_the_leader_at_every_step():
    model = eaude(selection_period=10_000)  # the default: SBX's Polyak target, following the leader
    model.learn(120)
    before = model.policy.qf_state.target_params
    model.train(gradient_steps=1, batch_size=32)
    critic = model.policy.qf_state
    expected = jax.tree_util.tree_map(lambda t, p: (1 - model.tau) * t + model.tau * p, before, critic.params)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(jax.tree_util.tree_leaves(critic.target_params),
                                                             jax.tree_util.tree_leaves(expected)))


def test_recovery_part_of_the_period_is_not_counted_in_the_cumulated_losses():
    model = eaude(selection_period=20, recovery_fraction=0.5)
    model.learn(100)
    model._on_clock_events(["end"])  # a selection: a new period starts, every L_k at 0
    model.train(gradient_steps=10, batch_size=32)
    np.testing.assert_array_equal(np.asarray(model.population.cumulated_losses), 0.0)  # recovery: not judged
    model.train(gradient_steps=5, batch_size=32)
    assert np.all(np.asarray(model.population.cumulated_losses) > 0.0)  # judged from step 10 on


def test_nan_member_loses_selection_and_training_goes_on():
    model = eaude(population_size=4, tournament_size=2)
    model.learn(60)
    # Poison member 2: its loss becomes NaN from the next step on.
    model.population = model.population.replace(
        params=jax.tree_util.tree_map(lambda leaf: leaf.at[2].set(np.nan), model.population.params)
    )
    model.learn(100, reset_num_timesteps=False)
    assert np.isfinite(model.sparsity)
    for leaf in jax.tree_util.tree_leaves((model.population.params, model.policy.actor_state.params)):
        assert np.all(np.isfinite(np.asarray(leaf))), "the NaN member was selected or spread"


def test_single_member_is_pruned_after_each_selection():
    model = eaude(population_size=1, selection_period=10)
    model.learn(300)
    assert model.sparsity > 0.0
    assert masked_weights_are_zero(model.population)


def test_callbacks_and_progress_bar(tmp_path):
    model = eaude()
    eval_callback = EvalCallback(eaude().get_env(), eval_freq=100, n_eval_episodes=1, log_path=str(tmp_path))
    model.learn(200, callback=eval_callback, progress_bar=True)
    assert (tmp_path / "evaluations.npz").exists()
    assert len(np.load(tmp_path / "evaluations.npz")["timesteps"]) == 2


def test_polyprune_follows_the_schedule_to_the_final_sparsity():
    model = PolyPruneSAC("MlpPolicy", "Pendulum-v1", final_sparsity=0.9, prune_period=10, seed=0,
                         prune_scope="layerwise", **SMALL)
    history = []
    model.learn(150, callback=lambda _locals, _globals: history.append(model.sparsity) or True)
    assert history[0] == 0.0
    assert all(b >= a for a, b in zip(history, history[1:])), "sparsity decreased"
    # At the end of the schedule each critic layer has round(0.9 n) pruned weights, down to the floor of
    # one weight per unit of each twin critic: (2, 4, 16) keeps 32 weights, not 13.
    expected = layerwise_sparsity_with_floor([(2, 4, 16), (2, 16, 16), (2, 16, 1)], 0.9)
    assert expected < 0.9
    assert model.sparsity == pytest.approx(expected, abs=1e-6)
    assert masked_weights_are_zero(model.population)
    assert float(weight_sparsity(model.policy.actor_state.params)) == 0.0


def test_actor_pruning_option_gives_a_sparse_policy():
    model = eaude(actor_final_sparsity=0.8, actor_prune_start=0.1, actor_prune_end=0.5, selection_period=10,
                  prune_scope="layerwise")
    model.learn(250)
    # the actor: 3 inputs -> 16 -> 16 -> mean and log-std heads, each unit keeping one weight
    actor_shapes = [(3, 16), (16, 16), (16, 1), (16, 1)]
    assert model.actor_sparsity == pytest.approx(layerwise_sparsity_with_floor(actor_shapes, 0.8), abs=1e-6)
    actor = jax.tree_util.tree_leaves(model.policy.actor_state.params)
    masks = jax.tree_util.tree_leaves(model.actor_masks)
    assert all(np.all(np.asarray(p)[~np.asarray(m)] == 0) for p, m in zip(actor, masks))
    assert model._population_logs["train/actor_sparsity"] == pytest.approx(model.actor_sparsity)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(actor_final_sparsity=1.0), "actor_final_sparsity must be in \\[0, 1\\)"),
        (dict(actor_final_sparsity=0.5, actor_prune_start=0.9, actor_prune_end=0.1), "actor_prune_start must be <"),
        (dict(population_size=0), "population_size must be an integer >= 1"),
        (dict(tournament_size=4), "tournament_size must be an integer in \\[1, population_size=3\\]"),
        (dict(sparsity_scale=0.0), "sparsity_scale must be in \\(0, inf\\)"),
        (dict(max_prune_fraction=0.0), "max_prune_fraction must be in \\(0, 1\\]"),
        (dict(selection_period=0), "selection_period must be an integer >= 1"),
        (dict(prune_scope="random"), "prune_scope must be one of"),
        (dict(target_update="soft"), "target_update must be one of \\('polyak', 'selection'\\)"),
        (dict(copy_optimizer="keep"), "copy_optimizer must be one of \\('reset', 'inherit'\\)"),
        (dict(recovery_fraction=1.0), "recovery_fraction must be in \\[0, 1\\)"),
    ],
)
def test_eaudesac_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        eaude(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(final_sparsity=1.0), "final_sparsity must be in \\[0, 1\\)"),
        (dict(prune_start=0.5, prune_end=0.5), "prune_start must be < prune_end"),
        (dict(prune_end=1.2), "prune_end must be in \\[0, 1\\]"),
        (dict(prune_period=0), "prune_period must be an integer >= 1"),
        (dict(prune_scope="x"), "prune_scope must be one of"),
    ],
)
def test_polyprunesac_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PolyPruneSAC("MlpPolicy", "Pendulum-v1", **kwargs)
