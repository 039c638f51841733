"""EauDe and PolyPrune over SBX TD3, TQC and CrossQ: thin classes on the shared population step."""

import gymnasium as gym
import jax
import numpy as np
import pytest

from helpers import masked_weights_are_zero, quiet_logger, registry_classes, trees_equal
from sbx_eaudeqn import EauDeCrossQ, EauDeTQC
from sbx_eaudeqn.core.pruning import weight_sparsity



# The actor-critic families other than SAC (tested in test_sac.py), from the registry.
PARENTS = ("td3", "tqc", "crossq")
EAUDE = registry_classes("eaude", PARENTS)
POLYPRUNE = registry_classes("polyprune", PARENTS)
NAME = lambda cls: cls.__name__  # noqa: E731


def small() -> dict:
    """Small settings; a new policy_kwargs dict each time, since SBX's TQC adds its own keys to it."""
    return dict(policy_kwargs=dict(net_arch=[16, 16]), learning_starts=50, batch_size=32, buffer_size=2000, seed=0)


def policy_critic_params(model):
    """The online critic parameters SBX acts and bootstraps with (a pair for TQC)."""
    if isinstance(model, EauDeTQC):
        return (model.policy.qf1_state.params, model.policy.qf2_state.params)
    return model.policy.qf_state.params


@pytest.fixture(scope="module", params=EAUDE, ids=NAME)
def trained(request):
    model = request.param("MlpPolicy", "Pendulum-v1", population_size=3, selection_period=25, **small())
    model.learn(300)
    return model


def test_masks_respected_and_sparsity_measured_from_the_weights(trained):
    assert masked_weights_are_zero(trained.population)
    assert max(trained.population_sparsities) > 0.0
    leader = trained.population.member(0)[0]
    assert trained.sparsity == pytest.approx(float(weight_sparsity(leader)))


def test_selection_makes_the_lowest_loss_member_the_policy_critic(trained):
    trained.set_logger(quiet_logger())
    trained.train(gradient_steps=trained.config.selection_period - trained.period_clock.steps - 1, batch_size=32)
    losses = np.asarray(trained.population.cumulated_losses)
    before = jax.tree_util.tree_map(lambda leaf: leaf[int(np.argmin(losses))], trained.population.params)
    trained.population = trained.population.replace(cumulated_losses=jax.numpy.asarray(losses))
    config, trained.config = trained.config, trained.config.replace(tie_tolerance=0.0)  # the paper's strict minimum
    trained._on_clock_events(["end"])  # the selection
    trained.config = config
    assert trained.selection_log.history[-1]["leader_slot"] == int(np.argmin(losses))
    assert trees_equal(trained.population.member(0)[0], before)
    assert trees_equal(policy_critic_params(trained), before)
    if isinstance(trained, EauDeCrossQ):  # the leader's batch statistics come with it
        assert trees_equal(trained.policy.qf_state.batch_stats, jax.tree_util.tree_map(lambda x: x[0], trained.population.extra))


def test_save_load_resume_identical(trained, tmp_path):
    cls = type(trained)
    trained.save(tmp_path / "model")
    trained.save_replay_buffer(tmp_path / "buffer")
    loaded = cls.load(tmp_path / "model", env=gym.make("Pendulum-v1"))
    loaded.load_replay_buffer(tmp_path / "buffer")
    assert trees_equal(loaded.population, trained.population)
    assert trees_equal(loaded.policy.actor_state, trained.policy.actor_state)
    for learner in (trained, loaded):
        learner.set_logger(quiet_logger())
        np.random.seed(5)
        learner.train(gradient_steps=30, batch_size=32)  # through a selection
    assert trees_equal(loaded.population, trained.population)
    assert trees_equal(loaded.key, trained.key)


@pytest.mark.parametrize("cls", POLYPRUNE, ids=NAME)
def test_polyprune_reaches_the_final_sparsity(cls):
    model = cls("MlpPolicy", "Pendulum-v1", final_sparsity=0.8, prune_period=25, **small())
    model.learn(300)
    assert model.sparsity == pytest.approx(0.8, abs=0.02)
    assert masked_weights_are_zero(model.population)
    # units that lost every input are constant over the batch: CrossQ's batch norm must still train
    assert all(np.isfinite(leaf).all() for leaf in jax.tree_util.tree_leaves(model.population.params))
    actions, _ = model.predict(np.zeros((4, 3), dtype=np.float32), deterministic=True)
    assert np.isfinite(actions).all()


@pytest.mark.parametrize("cls", EAUDE, ids=NAME)
def test_unsupported_keyword_and_space_errors(cls):
    with pytest.raises(ValueError, match=f"param_resets is not supported by {cls.__name__}"):
        cls("MlpPolicy", "Pendulum-v1", param_resets=[100])
    with pytest.raises(ValueError, match="supports only Box action spaces"):
        cls("MlpPolicy", "CartPole-v1")


@pytest.mark.parametrize("cls", EAUDE, ids=NAME)
def test_export_of_a_pruned_actor_acts_as_predict(cls, tmp_path):
    from sbx_eaudeqn import SparsePolicy, export

    model = cls("MlpPolicy", "Pendulum-v1", population_size=2, selection_period=25, actor_final_sparsity=0.5, **small())
    model.learn(200)
    assert model.actor_sparsity == pytest.approx(0.5, abs=0.02)
    policy = SparsePolicy.load(export(model, tmp_path / "actor.npz"))
    observations = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    actions = model.predict(observations, deterministic=True)[0]
    assert np.isfinite(actions).all()
    np.testing.assert_allclose(policy.predict(observations)[0], actions, atol=1e-5)
