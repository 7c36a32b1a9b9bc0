"""Tests of VecNormalize against SB2's formulas, computed by hand from scripted observations and rewards."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
from gymnasium import spaces

from sb_ppo2.common.running_mean_std import RunningMeanStd
from sb_ppo2.common.vec_env import DummyVecEnv, VecFrameStack, VecNormalize

GAMMA = 0.9
EPS = 1e-8


class ScriptedEnv:
    """Old-API env replaying fixed observations and rewards; the episode ends after ``episode_len`` steps."""

    def __init__(self, observations, rewards, episode_len=100):
        self.observations = np.asarray(observations, dtype=np.float32)
        self.rewards = list(rewards)
        self.episode_len = episode_len
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=self.observations.shape[1:], dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.t = 0
        self.ep_t = 0

    def reset(self):
        self.ep_t = 0
        return self.observations[0].copy()

    def step(self, action):
        self.t += 1
        self.ep_t += 1
        obs = self.observations[self.t % len(self.observations)].copy()
        return obs, self.rewards[(self.t - 1) % len(self.rewards)], self.ep_t >= self.episode_len, {}

    def close(self):
        pass


OBS_A = [[0.0, 10.0], [2.0, 14.0], [4.0, -6.0], [1.0, 3.0]]
OBS_B = [[1.0, -10.0], [3.0, 20.0], [-5.0, 7.0], [0.5, 0.5]]
REW_A = [1.0, 3.0, 5.0]
REW_B = [2.0, 4.0, 6.0]


def make_venv(episode_len=100):
    return DummyVecEnv([lambda: ScriptedEnv(OBS_A, REW_A, episode_len), lambda: ScriptedEnv(OBS_B, REW_B, episode_len)])


class HandStats:
    """Independent re-implementation of the running moments (count starts at 1e-4, var at 1)."""

    def __init__(self, shape=()):
        self.mean, self.var, self.count = np.zeros(shape), np.ones(shape), 1e-4

    def update(self, batch):
        batch = np.asarray(batch, dtype=np.float64)
        b_mean, b_var, b_count = batch.mean(axis=0), batch.var(axis=0), batch.shape[0]
        total = self.count + b_count
        delta = b_mean - self.mean
        m2 = self.var * self.count + b_var * b_count + delta**2 * self.count * b_count / total
        self.mean = self.mean + delta * b_count / total
        self.var = m2 / total
        self.count = total


def test_obs_and_reward_formulas_by_hand():
    venv = VecNormalize(make_venv(), gamma=GAMMA, clip_obs=1.5, clip_reward=2.5)
    assert isinstance(venv.obs_rms, RunningMeanStd) and venv.obs_rms.mean.shape == (2,)
    assert venv.ret_rms.mean.shape == () and venv.ret.shape == (2,)
    obs_stats, ret_stats = HandStats((2,)), HandStats()
    ret = np.zeros(2)

    obs = venv.reset()
    ret_stats.update(np.zeros(2))  # reset feeds the zero returns into ret_rms
    raw0 = np.array([OBS_A[0], OBS_B[0]])
    # obs_rms is NOT updated at reset: normalised with mean 0, var 1.
    np.testing.assert_allclose(obs, np.clip(raw0 / np.sqrt(1 + EPS), -1.5, 1.5), rtol=1e-6)
    assert venv.obs_rms.count == pytest.approx(1e-4)
    assert venv.ret_rms.count == pytest.approx(2 + 1e-4)

    clipped_somewhere = False
    for t in range(1, 4):
        obs, rews, dones, _ = venv.step(np.array([0, 0]))
        raw_obs = np.array([OBS_A[t], OBS_B[t]])
        raw_rew = np.array([REW_A[t - 1], REW_B[t - 1]])
        obs_stats.update(raw_obs)
        expected_unclipped = (raw_obs - obs_stats.mean) / np.sqrt(obs_stats.var + EPS)
        clipped_somewhere |= bool(np.any(np.abs(expected_unclipped) > 1.5))
        np.testing.assert_allclose(obs, np.clip(expected_unclipped, -1.5, 1.5), rtol=1e-5, atol=1e-6)
        ret = ret * GAMMA + raw_rew
        ret_stats.update(ret)
        # Rewards are scaled by the return std; the mean is NOT subtracted.
        expected_rew = np.clip(raw_rew / np.sqrt(ret_stats.var + EPS), -2.5, 2.5)
        np.testing.assert_allclose(rews, expected_rew, rtol=1e-5)
        assert np.all(rews > 0)
        np.testing.assert_allclose(venv.obs_rms.mean, obs_stats.mean, rtol=1e-10)
        np.testing.assert_allclose(venv.obs_rms.var, obs_stats.var, rtol=1e-10)
        np.testing.assert_allclose(venv.ret_rms.var, ret_stats.var, rtol=1e-10)
        np.testing.assert_allclose(venv.ret, ret)
        np.testing.assert_array_equal(venv.get_original_obs(), raw_obs)
        np.testing.assert_array_equal(venv.get_original_reward(), raw_rew)
        assert not dones.any()
    assert clipped_somewhere, "the scripted data must exercise the clipping"


def test_normalize_functions_do_not_update_stats():
    venv = VecNormalize(make_venv(), clip_obs=100.0, clip_reward=100.0)
    venv.obs_rms.mean = np.array([1.0, 2.0])
    venv.obs_rms.var = np.array([4.0, 9.0])
    venv.ret_rms.mean = np.array(5.0)
    venv.ret_rms.var = np.array(16.0)
    np.testing.assert_allclose(venv.normalize_obs(np.array([[3.0, 8.0]])), [[1.0, 2.0]], rtol=1e-6)
    np.testing.assert_allclose(venv.normalize_reward(np.array([8.0, -4.0])), [2.0, -1.0], rtol=1e-6)
    assert venv.obs_rms.count == pytest.approx(1e-4) and venv.ret_rms.count == pytest.approx(1e-4)


def test_return_reset_on_done():
    venv = VecNormalize(make_venv(episode_len=2), gamma=GAMMA)
    venv.reset()
    venv.step(np.array([0, 0]))
    np.testing.assert_allclose(venv.ret, [REW_A[0], REW_B[0]])
    _, _, dones, infos = venv.step(np.array([0, 0]))
    assert dones.all()
    np.testing.assert_array_equal(venv.ret, [0.0, 0.0])
    # terminal_observation stays raw (not normalised).
    np.testing.assert_array_equal(infos[0]["terminal_observation"], OBS_A[2])
    np.testing.assert_array_equal(infos[1]["terminal_observation"], OBS_B[2])


def test_training_false_freezes_stats():
    venv = VecNormalize(make_venv(), training=False)
    venv.reset()
    for _ in range(3):
        obs, _, _, _ = venv.step(np.array([0, 0]))
    assert venv.obs_rms.count == pytest.approx(1e-4) and venv.ret_rms.count == pytest.approx(1e-4)
    np.testing.assert_array_equal(venv.obs_rms.mean, [0.0, 0.0])
    np.testing.assert_allclose(obs, np.clip(np.array([OBS_A[3], OBS_B[3]]), -10, 10), rtol=1e-6)
    # Switching training on resumes updating.
    venv.training = True
    venv.step(np.array([0, 0]))
    assert venv.obs_rms.count == pytest.approx(2 + 1e-4)


def test_norm_reward_false_and_norm_obs_false():
    venv = VecNormalize(make_venv(), norm_reward=False)
    venv.reset()
    _, rews, _, _ = venv.step(np.array([0, 0]))
    np.testing.assert_array_equal(rews, [REW_A[0], REW_B[0]])
    assert venv.ret_rms.count > 1  # statistics still tracked

    venv = VecNormalize(make_venv(), norm_obs=False)
    obs = venv.reset()
    np.testing.assert_array_equal(obs, [OBS_A[0], OBS_B[0]])
    obs, _, _, _ = venv.step(np.array([0, 0]))
    np.testing.assert_array_equal(obs, [OBS_A[1], OBS_B[1]])


def test_get_original_returns_copies():
    venv = VecNormalize(make_venv())
    venv.reset()
    np.testing.assert_array_equal(venv.get_original_obs(), [OBS_A[0], OBS_B[0]])
    venv.step(np.array([0, 0]))
    original = venv.get_original_obs()
    original[:] = -1
    np.testing.assert_array_equal(venv.get_original_obs(), [OBS_A[1], OBS_B[1]])
    rewards = venv.get_original_reward()
    rewards[:] = -1
    np.testing.assert_array_equal(venv.get_original_reward(), [REW_A[0], REW_B[0]])


def _trained(steps=3):
    venv = VecNormalize(make_venv(), gamma=GAMMA)
    venv.reset()
    for _ in range(steps):
        venv.step(np.array([0, 0]))
    return venv


def test_pickle_excludes_venv_ret_and_class_attributes():
    venv = _trained()
    state = venv.__getstate__()
    assert "venv" not in state and "ret" not in state and "class_attributes" not in state
    restored = pickle.loads(pickle.dumps(venv))
    assert restored.venv is None
    assert "ret" not in restored.__dict__
    np.testing.assert_array_equal(restored.obs_rms.mean, venv.obs_rms.mean)
    assert restored.ret_rms.count == venv.ret_rms.count
    assert (restored.gamma, restored.clip_obs, restored.training) == (GAMMA, 10.0, True)

    with pytest.raises(ValueError):
        venv.set_venv(make_venv())  # already has one
    restored.set_venv(make_venv())
    np.testing.assert_array_equal(restored.ret, [0.0, 0.0])
    assert restored.num_envs == 2
    with pytest.raises(ValueError):
        restored.set_venv(make_venv())  # twice
    restored.reset()
    restored.step(np.array([0, 0]))


def test_set_venv_incompatible_shape():
    restored = pickle.loads(pickle.dumps(_trained()))
    other = DummyVecEnv([lambda: ScriptedEnv([[1.0, 2.0, 3.0]], [1.0])])
    with pytest.raises(ValueError, match=r"venv is incompatible with current statistics\."):
        restored.set_venv(other)


def test_save_load_round_trip(tmp_path):
    venv = _trained()
    path = str(tmp_path / "vecnormalize.pkl")
    venv.save(path)
    assert sorted(os.listdir(tmp_path)) == ["vecnormalize.pkl"]  # no temporary file left behind
    loaded = VecNormalize.load(path, make_venv())
    assert isinstance(loaded, VecNormalize) and loaded.venv is not None
    np.testing.assert_array_equal(loaded.obs_rms.mean, venv.obs_rms.mean)
    np.testing.assert_array_equal(loaded.obs_rms.var, venv.obs_rms.var)
    assert loaded.obs_rms.count == venv.obs_rms.count
    np.testing.assert_array_equal(loaded.ret_rms.var, venv.ret_rms.var)
    np.testing.assert_array_equal(loaded.ret, [0.0, 0.0])
    assert loaded.gamma == GAMMA
    loaded.training = False
    obs = loaded.reset()
    np.testing.assert_allclose(obs, venv.normalize_obs(np.array([OBS_A[0], OBS_B[0]])))


def test_save_is_atomic(tmp_path):
    venv = _trained()
    path = str(tmp_path / "vecnormalize.pkl")
    venv.save(path)
    with open(path, "rb") as handle:
        before = handle.read()
    venv.unpicklable = lambda: None  # makes pickling fail part-way
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        venv.save(path)
    with open(path, "rb") as handle:
        assert handle.read() == before
    assert sorted(os.listdir(tmp_path)) == ["vecnormalize.pkl"]


def test_deprecated_running_average_round_trip(tmp_path):
    venv = _trained()
    with pytest.warns(DeprecationWarning):
        venv.save_running_average(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["obs_rms.pkl", "ret_rms.pkl"]
    fresh = VecNormalize(make_venv())
    with pytest.warns(DeprecationWarning):
        fresh.load_running_average(str(tmp_path))
    np.testing.assert_array_equal(fresh.obs_rms.mean, venv.obs_rms.mean)
    assert fresh.ret_rms.count == venv.ret_rms.count


def test_frame_stack_over_vec_normalize_forwards():
    stacked = VecFrameStack(VecNormalize(make_venv()), n_stack=2)
    stacked.reset()
    obs, _, _, _ = stacked.step(np.array([0, 0]))
    assert obs.shape == (2, 4)
    np.testing.assert_array_equal(stacked.get_original_obs(), [OBS_A[1], OBS_B[1]])
