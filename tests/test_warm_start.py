"""from_dense: EauDe and PolyPrune started from a dense SBX model that was already trained."""

import gymnasium as gym
import jax
import numpy as np
import pytest
from sbx import DQN, SAC

from helpers import trees_equal
from sbx_eaudeqn import EauDeDQN, EauDeSAC, PolyPruneDQN, PolyPruneSAC
from sbx_eaudeqn.registry import ALGORITHMS, algorithm_class


@pytest.fixture(scope="module")
def trained_sac(tmp_path_factory):
    """A dense SBX SAC after 300 steps (200 gradient steps), saved with its replay buffer."""
    folder = tmp_path_factory.mktemp("dense_sac")
    dense = SAC("MlpPolicy", "Pendulum-v1", policy_kwargs=dict(net_arch=[16]), learning_starts=100, buffer_size=5000,
                seed=0)
    dense.learn(300)
    dense.save(folder / "sac.zip")
    dense.save_replay_buffer(folder / "sac_buffer.pkl")
    return dense, folder


def test_eaudesac_from_a_saved_dense_sac(trained_sac):
    dense, folder = trained_sac
    model = EauDeSAC.from_dense(folder / "sac.zip", "Pendulum-v1", replay_buffer=folder / "sac_buffer.pkl",
                                population_size=3, selection_period=20)
    critic = dense.policy.qf_state
    # Every member is the trained critic; target, actor and entropy coefficient came over.
    for k in range(3):
        assert trees_equal(model.population.member(k)[0], critic.params)
    assert trees_equal(model.policy.qf_state.target_params, critic.target_params)
    assert trees_equal(model.policy.actor_state.params, dense.policy.actor_state.params)
    assert trees_equal(model.ent_coef_state.params, dense.ent_coef_state.params)
    # The dense run's settings are kept (its buffer size too, though the zip was loaded without a buffer).
    assert model.policy_kwargs["net_arch"] == [16] and model.buffer_size == 5000
    # The replay buffer came over and training starts at once on it.
    assert model.replay_buffer.size() == 300 and model.learning_starts == 0
    assert model.sparsity == 0.0

    # Before any training the agent acts as the dense one did.
    observations = np.stack([model.observation_space.sample() for _ in range(8)])
    assert np.allclose(model.predict(observations, deterministic=True)[0],
                       dense.predict(observations, deterministic=True)[0], atol=1e-5)

    model.learn(100)  # 100 gradient steps: 5 selections that prune copies of the trained critic
    assert max(model.population_sparsities) > 0


def test_polyprune_dqn_from_a_dense_dqn_in_memory():
    dense = DQN("MlpPolicy", "CartPole-v1", policy_kwargs=dict(net_arch=[16]), learning_starts=50, buffer_size=2000,
                target_update_interval=50, exploration_fraction=0.5, exploration_final_eps=0.07, seed=0)
    dense.learn(200)
    model = PolyPruneDQN.from_dense(dense, replay_buffer=True, final_sparsity=0.5, prune_start=0.0, prune_end=0.5)
    assert trees_equal(model.population.member(0)[0], dense.policy.qf_state.params)
    assert trees_equal(model.policy.qf_state.target_params, dense.policy.qf_state.target_params)
    assert model.replay_buffer is dense.replay_buffer and model.target_update_interval == 50
    # A trained agent does not go back to acting at random: exploration starts at the dense final epsilon.
    assert model.exploration_initial_eps == pytest.approx(0.07)
    observations = np.stack([model.observation_space.sample() for _ in range(8)])
    assert np.array_equal(model.predict(observations, deterministic=True)[0],
                          dense.predict(observations, deterministic=True)[0])
    model.learn(200)
    assert model.sparsity == pytest.approx(0.5, abs=0.02)


def test_from_dense_refuses_what_it_cannot_start_from(trained_sac, tmp_path):
    dense, folder = trained_sac
    with pytest.raises(ValueError, match=r"EauDeDQN\.from_dense needs a dense SBX DQN model.*got SAC"):
        EauDeDQN.from_dense(dense)
    with pytest.raises(ValueError, match=r"EauDeDQN\.from_dense needs a dense SBX DQN model.*SBX SAC"):
        EauDeDQN.from_dense(folder / "sac.zip", "CartPole-v1")
    with pytest.raises(ValueError, match=r"pass env"):
        EauDeSAC.from_dense(folder / "sac.zip")
    with pytest.raises(ValueError, match=r"dense network .* differs .*net_arch"):
        EauDeSAC.from_dense(dense, policy_kwargs=dict(net_arch=[32]))
    eaude = EauDeSAC("MlpPolicy", "Pendulum-v1", population_size=2, policy_kwargs=dict(net_arch=[16]))
    eaude.save(tmp_path / "eaude.zip")
    with pytest.raises(ValueError, match=r"saved by EauDeSAC; load it with EauDeSAC\.load"):
        PolyPruneSAC.from_dense(tmp_path / "eaude.zip", "Pendulum-v1")


# ----- every algorithm of the registry, from a short dense run of its SBX parent ---------------------
def env_id(parent: str) -> str:
    return "CartPole-v1" if parent == "dqn" else "Pendulum-v1"


def dense_settings(parent: str) -> dict:
    """A tiny dense run: 8 hidden units, training from step 50 (a new policy_kwargs dict each time)."""
    settings = dict(policy_kwargs=dict(net_arch=[8]), learning_starts=50, batch_size=16, buffer_size=300, seed=0)
    if parent == "dqn":
        settings["target_update_interval"] = 25
    return settings


def short_periods(algorithm) -> dict:
    """Our settings: a selection or pruning event every few gradient steps, so that 200 steps hold several."""
    on_target_updates = algorithm.parent == "dqn"  # the DQN family counts its periods in target updates
    if algorithm.family == "eaude":
        return dict(population_size=2, **(dict(target_updates_per_selection=1) if on_target_updates
                                          else dict(selection_period=25)))
    return dict(final_sparsity=0.5, prune_start=0.0, prune_end=0.5, **({} if on_target_updates else dict(prune_period=25)))


def dense_critic(dense, parent: str):
    """The dense model's online critic state(s), named here apart from the package's hook."""
    return (dense.policy.qf1_state, dense.policy.qf2_state) if parent == "tqc" else dense.policy.qf_state


def leaf_states(critic) -> list:
    return list(critic) if isinstance(critic, tuple) else [critic]


@pytest.fixture(scope="module")
def dense_parents(tmp_path_factory):
    """parent name -> (a dense SBX model trained 200 steps, the file of its replay buffer), made once per parent."""
    trained = {}

    def dense_parent(parent: str):
        if parent not in trained:
            dense = algorithm_class(parent)("MlpPolicy", env_id(parent), **dense_settings(parent))
            dense.learn(200)
            buffer = tmp_path_factory.mktemp(parent) / "buffer.pkl"
            dense.save_replay_buffer(buffer)  # CQL's dataset
            trained[parent] = dense, buffer
        return trained[parent]

    return dense_parent


@pytest.mark.filterwarnings("ignore:.*gradient steps:UserWarning")
@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda algorithm: algorithm.class_name)
def test_every_algorithm_starts_from_its_dense_parent_and_reloads(algorithm, dense_parents, tmp_path):
    cls = algorithm.cls()
    dense, buffer = dense_parents(algorithm.parent)
    offline = {} if algorithm.online else dict(dataset=buffer)
    model = cls.from_dense(dense, env_id(algorithm.parent), **short_periods(algorithm), **offline)

    # Every member is the dense online critic, with its batch statistics (CrossQ); the policy's critic
    # state(s) hold it too, with the dense target where the state has one.
    critic = dense_critic(dense, algorithm.parent)
    params = tuple(state.params for state in leaf_states(critic))
    for k in range(model.population_size):
        assert trees_equal(leaf_states(model.population.member(k)[0]), params)
    own = leaf_states(model._critic())
    for state, dense_state in zip(own, leaf_states(critic)):
        assert trees_equal(state.params, dense_state.params)
        assert hasattr(state, "target_params") == hasattr(dense_state, "target_params")
        if hasattr(state, "target_params"):
            assert trees_equal(state.target_params, dense_state.target_params)
    if hasattr(critic, "batch_stats"):
        assert model.population.extra is not None
        for k in range(model.population_size):
            assert trees_equal(jax.tree_util.tree_map(lambda leaf: leaf[k], model.population.extra), critic.batch_stats)
        assert trees_equal(own[0].batch_stats, critic.batch_stats)
    if hasattr(dense.policy, "actor_state"):  # the actor, TD3's target actor, CrossQ's batch statistics
        for field in ("params", "target_params", "batch_stats"):
            if hasattr(dense.policy.actor_state, field):
                assert trees_equal(getattr(model.policy.actor_state, field), getattr(dense.policy.actor_state, field))
    if hasattr(dense, "ent_coef_state"):
        assert trees_equal(model.ent_coef_state.params, dense.ent_coef_state.params)
    observations = np.stack([model.observation_space.sample() for _ in range(4)])
    assert np.allclose(model.predict(observations, deterministic=True)[0],
                       dense.predict(observations, deterministic=True)[0], atol=1e-5)

    model.learn(200)
    assert max(model.population_sparsities) > 0  # selections or pruning steps pruned the trained critic
    model.save(tmp_path / "model")
    loaded = cls.load(tmp_path / "model", env=gym.make(env_id(algorithm.parent)), **offline)
    assert trees_equal(loaded.population, model.population)
