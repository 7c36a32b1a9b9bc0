"""evaluate_policy: known rewards from a deterministic fake model, return forms, threshold, callback, recurrence."""

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sb_ppo2.common.evaluation import evaluate_policy
from sb_ppo2.common.vec_env import DummyVecEnv

EP_LENGTH = 5
DIM = 4


class CyclingIdentityEnv(gymnasium.Env):
    """Observation t % DIM at step t; reward 1 when the action equals the observation; EP_LENGTH steps."""

    def __init__(self):
        self.observation_space = spaces.Discrete(DIM)
        self.action_space = spaces.Discrete(DIM)
        self.t = 0
        self.renders = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return 0, {}

    def step(self, action):
        reward = float(int(action) == self.t % DIM)
        self.t += 1
        return self.t % DIM, reward, self.t >= EP_LENGTH, False, {}

    def render(self):
        self.renders += 1


class OldApiCyclingEnv:
    """The same env with the gym <= 0.17 API (not a gymnasium.Env)."""

    def __init__(self):
        self._inner = CyclingIdentityEnv()
        self.observation_space = self._inner.observation_space
        self.action_space = self._inner.action_space

    def reset(self):
        return self._inner.reset()[0]

    def step(self, action):
        obs, reward, terminated, _truncated, info = self._inner.step(action)
        return obs, reward, terminated, info


class FakePolicy:
    recurrent = False


class FakeModel:
    """Predicts ``(obs + offset) % DIM``: offset 0 earns 1 per step, any other offset earns 0."""

    policy = FakePolicy
    n_envs = 1

    def __init__(self, offset=0):
        self.offset = offset
        self.calls = []

    def predict(self, observation, state=None, mask=None, deterministic=False):
        self.calls.append(deterministic)
        return (np.asarray(observation) + self.offset) % DIM, state


def test_mean_std_on_gymnasium_env():
    mean, std = evaluate_policy(FakeModel(0), CyclingIdentityEnv(), n_eval_episodes=3)
    assert mean == EP_LENGTH and std == 0.0
    mean, std = evaluate_policy(FakeModel(1), CyclingIdentityEnv(), n_eval_episodes=3)
    assert mean == 0.0 and std == 0.0


def test_return_episode_rewards_single_env_and_old_api():
    for env in (CyclingIdentityEnv(), OldApiCyclingEnv()):
        rewards, lengths = evaluate_policy(FakeModel(0), env, n_eval_episodes=4, return_episode_rewards=True)
        assert rewards == [5.0, 5.0, 5.0, 5.0] and all(type(r) is float for r in rewards)
        assert lengths == [EP_LENGTH] * 4


def test_vec_env_rewards_are_one_element_arrays():
    venv = DummyVecEnv([CyclingIdentityEnv])
    rewards, lengths = evaluate_policy(FakeModel(0), venv, n_eval_episodes=2, return_episode_rewards=True)
    assert lengths == [EP_LENGTH, EP_LENGTH]
    for reward in rewards:
        assert isinstance(reward, np.ndarray) and reward.shape == (1,) and reward[0] == EP_LENGTH
    mean, std = evaluate_policy(FakeModel(0), venv, n_eval_episodes=2)
    assert mean == EP_LENGTH and std == 0.0


def test_vec_env_is_reset_only_once():
    resets = []

    class CountingEnv(CyclingIdentityEnv):
        def reset(self, **kwargs):
            resets.append(1)
            return super().reset(**kwargs)

    venv = DummyVecEnv([CountingEnv])
    evaluate_policy(FakeModel(0), venv, n_eval_episodes=3)
    # one explicit reset + the VecEnv's automatic reset after each of the 3 episodes
    assert len(resets) == 4


def test_multi_env_vec_env_rejected():
    venv = DummyVecEnv([CyclingIdentityEnv, CyclingIdentityEnv])
    with pytest.raises(AssertionError, match="You must pass only one environment when using this function"):
        evaluate_policy(FakeModel(0), venv)


def test_reward_threshold_is_strict():
    evaluate_policy(FakeModel(0), CyclingIdentityEnv(), n_eval_episodes=2, reward_threshold=4.9)
    with pytest.raises(AssertionError, match=r"Mean reward below threshold: 5\.00 < 5\.00"):
        evaluate_policy(FakeModel(0), CyclingIdentityEnv(), n_eval_episodes=2, reward_threshold=5)


def test_callback_render_and_deterministic_flag():
    seen = []

    def callback(locals_, globals_):
        seen.append(dict(locals_))
        assert "evaluate_policy" in globals_

    env = CyclingIdentityEnv()
    model = FakeModel(0)
    evaluate_policy(model, env, n_eval_episodes=2, callback=callback, render=True, deterministic=False)
    assert len(seen) == 2 * EP_LENGTH
    expected_keys = {"model", "env", "obs", "action", "new_obs", "reward", "done", "_info", "episode_reward",
                     "episode_length", "state", "i", "episode_rewards", "episode_lengths"}  # fmt: skip
    assert expected_keys <= set(seen[0])
    # SB2 calls the callback before counting the step in episode_length
    assert [s["episode_length"] for s in seen[:EP_LENGTH]] == list(range(EP_LENGTH))
    assert [s["i"] for s in seen] == [0] * EP_LENGTH + [1] * EP_LENGTH
    assert env.renders == 2 * EP_LENGTH
    assert model.calls == [False] * (2 * EP_LENGTH)


def test_recurrent_model_gets_padded_observations():
    class RecurrentPolicy:
        recurrent = True

    class RecurrentModel(FakeModel):
        policy = RecurrentPolicy
        n_envs = 3

        def predict(self, observation, state=None, mask=None, deterministic=False):
            observation = np.asarray(observation)
            assert observation.shape == (3,)
            # rows 1.. are zero padding; only row 0 carries the real observation
            assert np.all(observation[1:] == 0)
            state = 0 if state is None else state + 1
            self.calls.append(state)
            return (observation + self.offset) % DIM, state

    model = RecurrentModel(0)
    rewards, lengths = evaluate_policy(model, CyclingIdentityEnv(), n_eval_episodes=2, return_episode_rewards=True)
    assert rewards == [5.0, 5.0] and lengths == [EP_LENGTH, EP_LENGTH]
    # the state is threaded through predict and restarts from None at each episode
    assert model.calls == list(range(EP_LENGTH)) * 2
