"""Dict observations (goal-conditioned tasks), with and without SB3's HerReplayBuffer, where SBX's parent
takes them ("MultiInputPolicy": SAC, TD3, TQC, CrossQ; SBX's DQN has no such policy)."""

import gymnasium as gym
import numpy as np
import pytest
import sbx
from gymnasium import spaces
from stable_baselines3 import HerReplayBuffer

from helpers import trees_equal
from sbx_eaudeqn import EauDeCrossQ, EauDeDQN, EauDeSAC, EauDeTD3, EauDeTQC, PolyPruneSAC


class ReachGoal(gym.Env):
    """A point on the plane that its action moves towards a goal; reward -1 until it is within 0.1 of it.

    Goal-conditioned as HER needs it: ``observation``, ``achieved_goal`` (the position) and
    ``desired_goal``, and a vectorised ``compute_reward``. The keys are kept in an order that is not the
    sorted one (``sort_keys=False``), so a concatenation in any other order than the space's shows.
    """

    def __init__(self, max_steps: int = 20) -> None:
        box = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.observation_space = spaces.Dict(
            {"observation": box, "desired_goal": box, "achieved_goal": box}, sort_keys=False
        )
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.max_steps = max_steps

    def _observation(self) -> dict:
        return {"observation": self._position.copy(), "desired_goal": self._goal.copy(),
                "achieved_goal": self._position.copy()}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._position = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        self._goal = self.np_random.uniform(-1.0, 1.0, 2).astype(np.float32)
        self._steps = 0
        return self._observation(), {}

    def step(self, action):
        self._position = np.clip(self._position + 0.2 * np.clip(action, -1.0, 1.0), -1.0, 1.0).astype(np.float32)
        self._steps += 1
        reward = float(self.compute_reward(self._position, self._goal, {}))
        success = reward == 0.0
        return self._observation(), reward, success, self._steps >= self.max_steps, {"is_success": success}

    def compute_reward(self, achieved_goal, desired_goal, info):
        distance = np.linalg.norm(np.asarray(achieved_goal) - np.asarray(desired_goal), axis=-1)
        return -(distance > 0.1).astype(np.float32)


HER = dict(replay_buffer_class=HerReplayBuffer, replay_buffer_kwargs=dict(n_sampled_goal=4, goal_selection_strategy="future"))


def tiny(her: bool) -> dict:
    return dict(policy_kwargs=dict(net_arch=[8]), learning_starts=50, batch_size=16, buffer_size=400, seed=0,
                **(HER if her else {}))


def short_periods(cls) -> dict:
    if cls is PolyPruneSAC:
        return dict(final_sparsity=0.5, prune_start=0.0, prune_end=0.5, prune_period=25)
    return dict(population_size=2, selection_period=25)


def dict_observations(n: int) -> dict:
    space = ReachGoal().observation_space
    space.seed(1)
    samples = [space.sample() for _ in range(n)]
    return {key: np.stack([sample[key] for sample in samples]) for key in space.keys()}


@pytest.mark.parametrize("her", [False, True], ids=["dict_buffer", "her"])
def test_sbx_sac_trains_on_the_goal_env(her):
    """The baseline: SBX's own SAC takes the env, and the same settings as ours below."""
    dense = sbx.SAC("MultiInputPolicy", ReachGoal(), **tiny(her))
    dense.learn(150)
    assert isinstance(dense.replay_buffer, HerReplayBuffer) == her and dense._n_updates == 100
    assert dense.predict(dict_observations(3), deterministic=True)[0].shape == (3, 2)


@pytest.mark.parametrize("her", [False, True], ids=["dict_buffer", "her"])
@pytest.mark.parametrize("cls", [EauDeSAC, PolyPruneSAC], ids=lambda cls: cls.__name__)
def test_sac_population_trains_saves_and_loads_on_dict_observations(cls, her, tmp_path):
    model = cls("MultiInputPolicy", ReachGoal(), **tiny(her), **short_periods(cls))
    model.learn(150)  # 100 gradient steps: 4 selections or pruning steps
    assert isinstance(model.replay_buffer, HerReplayBuffer) == her and model._n_updates == 100
    assert max(model.population_sparsities) > 0
    observations = dict_observations(3)
    actions = model.predict(observations, deterministic=True)[0]
    assert actions.shape == (3, 2) and np.isfinite(actions).all()

    model.save(tmp_path / "model")
    loaded = cls.load(tmp_path / "model", env=ReachGoal())
    assert trees_equal(loaded.population, model.population)
    assert trees_equal(loaded.policy.actor_state.params, model.policy.actor_state.params)
    assert np.array_equal(loaded.predict(observations, deterministic=True)[0], actions)
    assert isinstance(loaded.replay_buffer, HerReplayBuffer) == her
    loaded.learn(60)  # the loaded model goes on training on the env (a new buffer: 50 steps before training)


@pytest.mark.parametrize("cls", [EauDeTD3, EauDeTQC, EauDeCrossQ], ids=lambda cls: cls.__name__)
def test_other_families_train_saves_and_loads_on_dict_observations(cls, tmp_path):
    model = cls("MultiInputPolicy", ReachGoal(), **tiny(her=cls is EauDeTQC), **short_periods(cls))
    model.learn(100)
    assert max(model.population_sparsities) > 0
    model.save(tmp_path / "model")
    loaded = cls.load(tmp_path / "model", env=ReachGoal())
    assert trees_equal(loaded.population, model.population)
    observations = dict_observations(3)
    assert np.array_equal(loaded.predict(observations, deterministic=True)[0],
                          model.predict(observations, deterministic=True)[0])


def test_replay_samples_are_concatenated_as_the_policy_concatenates_observations():
    """The critic trains on what the actor acts on: the keys in the observation space's order, as SBX does."""
    model = EauDeSAC("MultiInputPolicy", ReachGoal(), population_size=2, **tiny(her=False))
    observation, next_observation = dict_observations(1), dict_observations(2)
    next_observation = {key: value[1:] for key, value in next_observation.items()}
    model.replay_buffer.add(observation, next_observation, np.zeros((1, 2), np.float32), np.zeros(1), np.zeros(1),
                            [{}])
    batch = model._numpy_batch(4)  # the buffer holds one transition: every row is it
    assert list(model.observation_space.keys()) == ["observation", "desired_goal", "achieved_goal"]
    expected = np.concatenate([observation[key] for key in model.observation_space.keys()], axis=1)
    assert np.array_equal(model.policy.prepare_obs(observation)[0], expected)
    assert np.array_equal(batch.observations, np.repeat(expected, 4, axis=0))
    assert np.array_equal(batch.next_observations,
                          np.repeat(model.policy.prepare_obs(next_observation)[0], 4, axis=0))
    # members are initialised on an input of that width
    assert model._example_inputs()[0].shape == (1, 6)


def test_dqn_family_has_no_dict_policy_as_sbx_dqn_has_none():
    for cls in (sbx.DQN, EauDeDQN):
        with pytest.raises(ValueError, match="MultiInputPolicy"):
            cls("MultiInputPolicy", "CartPole-v1")
