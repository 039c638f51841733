"""A new algorithm is one file, one registry row and one YAML: everything else derives from the row.

The toy (tests/toy/toy_ddpg.py: EauDe over SBX's DDPG, and tests/toy/eaudeddpg.yml) trains from its
YAML, saves and loads with the algorithm check, exports to a sparse policy, warms from a dense
sbx.DDPG, and RL Zoo knows it once registered.
"""

import pathlib

import gymnasium as gym
import jax
import numpy as np
import pytest
import sbx

from sbx_eaudeqn import SparsePolicy, export, registry
from sbx_eaudeqn.integrations.bundled import bundled_hyperparams
from sbx_eaudeqn.persistence.checkpoints import WrongAlgorithmError

TOY = pathlib.Path(__file__).parent / "toy"
ROW = registry.Algorithm("eaudeddpg", "EauDeDDPG", "toy_ddpg", "ddpg", "eaude", hyperparams=str(TOY / "eaudeddpg.yml"))


@pytest.fixture(scope="module")
def toy():
    """The row registered, its module importable; the registry as it was afterwards."""
    saved = registry.ALGORITHMS, dict(registry.BY_NAME)
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(TOY))
    registry.register_algorithm(ROW)
    yield registry.BY_NAME["eaudeddpg"].cls()
    registry.ALGORITHMS = saved[0]
    registry.BY_NAME.clear()
    registry.BY_NAME.update(saved[1])
    patch.undo()


def test_the_toy_trains_from_its_yaml_saves_loads_and_exports(toy, tmp_path):
    settings = bundled_hyperparams("eaudeddpg", "Pendulum-v1")
    model = toy("MlpPolicy", "Pendulum-v1", seed=0, **settings)
    assert model.config.selection_period == 50 and model.population_size == 2
    model.learn(300)
    assert len(model.selection_log.history) >= 4 and model.sparsity > 0  # it selected and pruned
    model.save(tmp_path / "toy")
    loaded = toy.load(tmp_path / "toy")
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(loaded.population.params),
                                                    jax.tree_util.tree_leaves(model.population.params)))
    with pytest.raises(WrongAlgorithmError, match="saved by EauDeDDPG, not EauDeSAC"):
        from sbx_eaudeqn import EauDeSAC

        EauDeSAC.load(tmp_path / "toy")
    policy = SparsePolicy.load(export(model, tmp_path / "toy.npz"))
    observation, _ = gym.make("Pendulum-v1").reset(seed=0)
    expected, _ = model.predict(observation, deterministic=True)
    np.testing.assert_allclose(policy.predict(observation)[0], expected, atol=1e-4)


def test_the_toy_warms_from_a_dense_ddpg(toy):
    dense = sbx.DDPG("MlpPolicy", "Pendulum-v1", learning_starts=50, buffer_size=500, seed=0,
                     policy_kwargs=dict(net_arch=[16])).learn(100)
    model = toy.from_dense(dense, population_size=2, selection_period=50)
    member = jax.tree_util.tree_map(lambda leaf: leaf[1], model.population.params)
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(member),
                                                    jax.tree_util.tree_leaves(dense.policy.qf_state.params)))
    model.learn(100)


def test_rl_zoo_knows_the_toy_once_registered(toy):
    import rl_zoo3

    from sbx_eaudeqn.integrations.zoo import register

    register()
    assert rl_zoo3.ALGOS["eaudeddpg"] is toy
