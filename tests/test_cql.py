"""EauDeCQL and PolyPruneCQL: offline training from a dataset collected by SBX DQN."""

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.callbacks import EvalCallback

from helpers import masked_weights_are_zero, trees_equal
from sbx_eaudeqn.cli.collect import collect
from sbx_eaudeqn.algorithms.cql import EauDeCQL, PolyPruneCQL, load_dataset

SMALL = dict(policy_kwargs=dict(net_arch=[16]), batch_size=32, target_update_interval=25, seed=0)
EVERY_UPDATE = dict(target_updates_per_selection=1)  # EauDe: select at every (short) target update


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return collect("CartPole-v1", steps=1200, size=1000, out=tmp_path_factory.mktemp("data") / "cartpole.pkl")


class CountingEnv(gym.Wrapper):
    """CartPole that counts its steps: offline training must not step it."""

    steps = 0

    def step(self, action):
        CountingEnv.steps += 1
        return super().step(action)


def test_collect_writes_a_dataset_of_the_requested_size(dataset):
    buffer = load_dataset(dataset, gym.make("CartPole-v1").observation_space, gym.make("CartPole-v1").action_space)
    assert buffer.size() == 1000


def test_offline_learn_never_steps_env_and_counts_gradient_steps(dataset, tmp_path):
    CountingEnv.steps = 0
    model = EauDeCQL("MlpPolicy", CountingEnv(gym.make("CartPole-v1")), dataset=dataset, population_size=3, **SMALL, **EVERY_UPDATE)
    eval_callback = EvalCallback(gym.make("CartPole-v1"), eval_freq=100, n_eval_episodes=1, log_path=str(tmp_path))
    model.learn(300, callback=eval_callback)
    assert CountingEnv.steps == 0
    assert model.num_timesteps == 300 and model._n_updates == 300
    np.testing.assert_array_equal(np.load(tmp_path / "evaluations.npz")["timesteps"], [100, 200, 300])
    assert masked_weights_are_zero(model.population)
    assert max(model.population_sparsities) > 0  # 12 selections happened
    assert model._population_logs["train/leader"] in range(3)


def test_cql_term_lowers_unseen_action_values(dataset):
    conservative = EauDeCQL("MlpPolicy", "CartPole-v1", dataset=dataset, population_size=1, cql_alpha=5.0, **SMALL, **EVERY_UPDATE)
    plain = EauDeCQL("MlpPolicy", "CartPole-v1", dataset=dataset, population_size=1, cql_alpha=0.0, **SMALL, **EVERY_UPDATE)
    for model in (conservative, plain):
        model.learn(300)
    buffer = conservative.replay_buffer
    obs = buffer.observations[:500, 0]
    gaps = []
    for model in (conservative, plain):
        q = np.asarray(model.policy.qf_state.apply_fn(model.policy.qf_state.params, obs))
        data_q = np.take_along_axis(q, buffer.actions[:500, 0].astype(int), axis=1)
        gaps.append(float((np.log(np.exp(q).sum(axis=1, keepdims=True)) - data_q).mean()))
    assert gaps[0] < gaps[1]


def test_save_load_resume_reloads_the_dataset(dataset, tmp_path):
    model = PolyPruneCQL("MlpPolicy", "CartPole-v1", dataset=dataset, final_sparsity=0.8, **SMALL)
    model.learn(200)
    model.save(tmp_path / "model")
    loaded = PolyPruneCQL.load(tmp_path / "model", env=gym.make("CartPole-v1"))
    assert trees_equal(loaded.population, model.population) and trees_equal(loaded.key, model.key)
    assert loaded.replay_buffer.size() == 1000
    loaded.learn(200, reset_num_timesteps=False)
    assert loaded.num_timesteps == 400
    assert loaded.sparsity == pytest.approx(0.8, abs=0.02)


def test_bad_datasets_fail_before_training(tmp_path, dataset):
    with pytest.raises(FileNotFoundError, match="dataset file not found"):
        EauDeCQL("MlpPolicy", "CartPole-v1", dataset=tmp_path / "missing.pkl")
    with pytest.raises(ValueError, match="do not match the env's observation_space"):
        EauDeCQL("MlpPolicy", "Acrobot-v1", dataset=dataset)
    from stable_baselines3.common.buffers import ReplayBuffer

    env = gym.make("CartPole-v1")
    empty = ReplayBuffer(10, env.observation_space, env.action_space)
    with pytest.raises(ValueError, match="dataset is empty"):
        EauDeCQL("MlpPolicy", env, dataset=empty)
    with pytest.raises(ValueError, match="cql_alpha must be >= 0"):
        EauDeCQL("MlpPolicy", env, dataset=dataset, cql_alpha=-1.0)
    with pytest.raises(ValueError, match="has no dataset"):
        EauDeCQL("MlpPolicy", env).learn(10)
    for cls in (EauDeCQL, PolyPruneCQL):  # SBX would accept 0 and divide by it in learn
        with pytest.raises(ValueError, match="target_update_interval must be an integer >= 1, got 0"):
            cls("MlpPolicy", env, dataset=dataset, target_update_interval=0)


def test_local_minari_dataset(tmp_path, monkeypatch):
    minari = pytest.importorskip("minari")
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    env = minari.DataCollector(gym.make("CartPole-v1"))
    for episode in range(5):
        env.reset(seed=episode)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
    recorded = env.create_dataset(dataset_id="cartpole/random-v0", algorithm_name="random")
    by_id = EauDeCQL("MlpPolicy", "CartPole-v1", dataset="cartpole/random-v0", population_size=2, **SMALL, **EVERY_UPDATE)
    assert by_id.replay_buffer.size() == recorded.total_steps
    episode = next(recorded.iterate_episodes())
    np.testing.assert_array_equal(by_id.replay_buffer.next_observations[0, 0], episode.observations[1])
    assert by_id.replay_buffer.dones[: recorded.total_steps].sum() == 5  # one termination per episode
    by_id.learn(60)
    assert by_id.num_timesteps == 60
    from_object = PolyPruneCQL("MlpPolicy", "CartPole-v1", dataset=recorded, **SMALL)
    assert from_object.replay_buffer.size() == recorded.total_steps
