"""Tests of sb_ppo2.common.vec_env: SB2's VecEnv contract on gymnasium and legacy (gym <= 0.17) envs."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import warnings
from collections import OrderedDict

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.wrappers import TimeLimit

from sb_ppo2.common.vec_env import (
    DummyVecEnv,
    EnvWorkerError,
    SubprocVecEnv,
    VecCheckNan,
    VecEnv,
    VecEnvWrapper,
    VecFrameStack,
    VecNormalize,
    sync_envs_normalization,
    unwrap_vec_normalize,
)
from sb_ppo2.common.vec_env.util import EnvSlot


# --------------------------------------------------------------------------------------------------------------
# Test environments
# --------------------------------------------------------------------------------------------------------------
class LegacyCounterEnv:
    """An old-API env (gym <= 0.17): ``reset() -> obs``, ``step -> (obs, reward, done, info)``; NOT a gymnasium.Env.

    Observation: ``[step counter, random value from the seeded generator, env tag]``; the episode ends after
    ``episode_len`` steps; the reward is ``action + 1``.
    """

    metadata = {"render.modes": ["rgb_array"]}

    def __init__(self, episode_len: int = 3, tag: float = 0.0):
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(3,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.episode_len = episode_len
        self.tag = tag
        self.counter = 0
        self.seeded_with = None
        self.rng = np.random.RandomState(0)
        self.foo = "bar"
        self.closed = False
        self.nan_obs = False

    def seed(self, seed=None):
        self.seeded_with = seed
        self.rng = np.random.RandomState(seed)
        return [seed]

    def _obs(self):
        obs = np.array([self.counter, self.rng.uniform(), self.tag], dtype=np.float32)
        if self.nan_obs:
            obs[0] = np.nan
        return obs

    def reset(self):
        self.counter = 0
        return self._obs()

    def step(self, action):
        self.counter += 1
        done = self.counter >= self.episode_len
        return self._obs(), float(action) + 1.0, done, {"counter": self.counter}

    def render(self, mode="human"):
        assert mode == "rgb_array"
        return np.full((4, 6, 3), int(self.tag) + 1, dtype=np.uint8)

    def double(self, value, offset=0):
        return 2 * value + offset + self.tag

    def close(self):
        self.closed = True


class GymCounterEnv(gymnasium.Env):
    """A gymnasium env: terminates after ``terminate_at`` steps; obs ``[counter, random uniform]``."""

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, terminate_at: int = 1000, tag: int = 0, render_mode="rgb_array"):
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float64)
        self.action_space = spaces.Discrete(3)
        self.terminate_at = terminate_at
        self.tag = tag
        self.render_mode = render_mode
        self.counter = 0
        self.reset_seeds = []

    def _obs(self):
        return np.array([self.counter, self.np_random.uniform()])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.reset_seeds.append(seed)
        self.counter = 0
        return self._obs(), {"reset": True}

    def step(self, action):
        self.counter += 1
        return self._obs(), float(action), self.counter >= self.terminate_at, False, {"counter": self.counter}

    def render(self):
        return np.full((2, 2, 3), self.tag + 1, dtype=np.uint8)


class FailingEnv(LegacyCounterEnv):
    """Raises inside ``step`` once its counter reaches ``fail_at``."""

    def __init__(self, fail_at: int = 2):
        super().__init__(episode_len=100)
        self.fail_at = fail_at

    def step(self, action):
        if self.counter + 1 >= self.fail_at:
            raise RuntimeError("boom from the env")
        return super().step(action)


def _raise_in_constructor():
    raise RuntimeError("cannot build this env")


def legacy_fns(n: int, episode_len: int = 3):
    return [lambda i=i: LegacyCounterEnv(episode_len=episode_len, tag=float(i)) for i in range(n)]


def cartpole_fns(n: int):
    return [lambda: gymnasium.make("CartPole-v1") for _ in range(n)]


def _run(venv: VecEnv, actions_seq):
    """Collect a trajectory (observations, rewards, dones, terminal observations)."""
    out = [venv.reset().copy()]
    for actions in actions_seq:
        obs, rews, dones, infos = venv.step(actions)
        out += [obs.copy(), rews.copy(), dones.copy()]
        out += [np.asarray(info.get("terminal_observation", 0.0)) for info in infos]
    return out


def _assert_same_trajectory(traj_a, traj_b):
    assert len(traj_a) == len(traj_b)
    for item_a, item_b in zip(traj_a, traj_b):
        np.testing.assert_array_equal(item_a, item_b)


# --------------------------------------------------------------------------------------------------------------
# EnvSlot (the single-env contract)
# --------------------------------------------------------------------------------------------------------------
def test_env_slot_legacy_env_is_not_gymnasium_and_auto_resets():
    env = LegacyCounterEnv(episode_len=2)
    assert not isinstance(env, gymnasium.Env)
    slot = EnvSlot(env)
    assert not slot.gymnasium_api
    obs = slot.reset()
    assert obs.shape == (3,) and obs[0] == 0
    obs, rew, done, info = slot.step(1)
    assert (obs[0], rew, done) == (1, 2.0, False)
    assert "terminal_observation" not in info
    obs, rew, done, info = slot.step(0)
    assert done is True and rew == 1.0
    assert info["terminal_observation"][0] == 2
    assert obs[0] == 0  # already reset
    assert "TimeLimit.truncated" not in info


def test_env_slot_gymnasium_truncation_is_done_with_flag():
    slot = EnvSlot(TimeLimit(GymCounterEnv(terminate_at=100), max_episode_steps=2))
    assert slot.gymnasium_api
    obs = slot.reset()
    assert isinstance(obs, np.ndarray) and obs.shape == (2,)  # not the (obs, info) tuple
    _, _, done, info = slot.step(0)
    assert not done
    _, _, done, info = slot.step(0)
    assert done and info["TimeLimit.truncated"] is True
    assert info["terminal_observation"][0] == 2


def test_env_slot_termination_has_no_truncation_flag():
    slot = EnvSlot(GymCounterEnv(terminate_at=1))
    slot.reset()
    obs, _, done, info = slot.step(2)
    assert done
    assert not info.get("TimeLimit.truncated", False)
    assert info["terminal_observation"][0] == 1 and obs[0] == 0


# --------------------------------------------------------------------------------------------------------------
# DummyVecEnv
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["legacy", "gymnasium"])
def test_dummy_contract_and_auto_reset(kind):
    if kind == "legacy":
        venv = DummyVecEnv(legacy_fns(2, episode_len=3))
        obs_dim = 3
    else:
        venv = DummyVecEnv([lambda: GymCounterEnv(terminate_at=3), lambda: GymCounterEnv(terminate_at=3)])
        obs_dim = 2
    assert venv.num_envs == 2
    assert venv.observation_space.shape == (obs_dim,)  # spaces of ONE env
    obs = venv.reset()
    assert isinstance(obs, np.ndarray), "reset() returns the observations only"
    assert obs.shape == (2, obs_dim)
    np.testing.assert_array_equal(obs[:, 0], [0, 0])
    for step in range(1, 3):
        result = venv.step(np.array([1, 0]))
        assert isinstance(result, tuple) and len(result) == 4
        obs, rews, dones, infos = result
        assert rews.dtype == np.float32 and dones.dtype == bool
        assert len(infos) == 2 and all(isinstance(info, dict) for info in infos)
        np.testing.assert_array_equal(obs[:, 0], [step, step])
        assert not dones.any()
        assert all("terminal_observation" not in info for info in infos)
    expected_rews = [2.0, 1.0] if kind == "legacy" else [1.0, 0.0]
    np.testing.assert_array_equal(rews, expected_rews)
    obs, rews, dones, infos = venv.step(np.array([1, 0]))
    np.testing.assert_array_equal(dones, [True, True])
    for i in range(2):
        assert infos[i]["terminal_observation"].shape == (obs_dim,)
        assert infos[i]["terminal_observation"][0] == 3
        assert obs[i, 0] == 0, "a finished env is reset automatically"
        assert not infos[i].get("TimeLimit.truncated", False)
    venv.close()


def test_dummy_time_limit_truncation_is_done_with_flag():
    venv = DummyVecEnv([lambda: TimeLimit(GymCounterEnv(terminate_at=100), max_episode_steps=2)])
    venv.reset()
    _, _, dones, infos = venv.step(np.array([0]))
    assert not dones[0] and "TimeLimit.truncated" not in infos[0]
    obs, _, dones, infos = venv.step(np.array([0]))
    assert dones[0]
    assert infos[0]["TimeLimit.truncated"] is True
    assert infos[0]["terminal_observation"][0] == 2
    assert obs[0, 0] == 0


def test_dummy_returns_copies():
    venv = DummyVecEnv(legacy_fns(2))
    obs = venv.reset()
    obs[:] = 123.0
    obs2, rews, dones, _ = venv.step(np.array([0, 0]))
    assert not np.any(obs2 == 123.0)
    rews[:] = 99
    dones[:] = True
    obs3, rews3, dones3, _ = venv.step(np.array([0, 0]))
    assert not np.any(rews3 == 99) and not dones3.any()
    assert not np.shares_memory(obs2, obs3)


def test_dummy_rejects_env_instances():
    with pytest.raises(TypeError):
        DummyVecEnv([LegacyCounterEnv()])
    with pytest.raises(TypeError):
        DummyVecEnv([GymCounterEnv()])


def test_dummy_seed_legacy_gives_env_i_seed_plus_i():
    venv = DummyVecEnv(legacy_fns(3))
    result = venv.seed(10)
    assert isinstance(result, list) and len(result) == 3
    assert [env.seeded_with for env in venv.envs] == [10, 11, 12]
    obs = venv.reset()
    for i in range(3):
        np.testing.assert_allclose(obs[i, 1], np.random.RandomState(10 + i).uniform(), rtol=1e-6)


def test_dummy_seed_gymnasium_applies_at_next_reset():
    venv = DummyVecEnv([lambda: gymnasium.make("CartPole-v1") for _ in range(3)])
    venv.seed(7)
    obs = venv.reset()
    for i in range(3):
        expected, _ = gymnasium.make("CartPole-v1").reset(seed=7 + i)
        np.testing.assert_array_equal(obs[i], expected)
    # The pending seed is consumed: a second reset does not re-seed (a fresh episode).
    obs_again = venv.reset()
    assert not np.array_equal(obs_again, obs)


def test_dummy_seed_gymnasium_records_reset_seed():
    venv = DummyVecEnv([lambda: GymCounterEnv(), lambda: GymCounterEnv()])
    venv.seed(100)
    venv.reset()
    assert [env.reset_seeds[-1] for env in venv.envs] == [100, 101]


@pytest.mark.parametrize("make_fns", [cartpole_fns, legacy_fns], ids=["gymnasium", "legacy"])
def test_dummy_identically_seeded_trajectories_match(make_fns):
    actions = [np.array([(t + i) % 2 for i in range(3)]) for t in range(40)]  # long enough for auto-resets
    trajs = []
    for _ in range(2):
        venv = DummyVecEnv(make_fns(3))
        venv.seed(42)
        trajs.append(_run(venv, actions))
    _assert_same_trajectory(*trajs)
    venv = DummyVecEnv(make_fns(3))
    venv.seed(43)
    other = _run(venv, actions)
    assert not np.array_equal(other[0], trajs[0][0])


def test_dummy_attr_and_method_indices():
    venv = DummyVecEnv(legacy_fns(3))
    assert venv.get_attr("foo") == ["bar", "bar", "bar"]
    assert venv.get_attr("tag", indices=1) == [1.0]
    assert venv.get_attr("tag", indices=-1) == [2.0]
    assert venv.get_attr("tag", indices=[0, -1]) == [0.0, 2.0]
    assert venv.get_attr("tag", indices=np.int64(2)) == [2.0]
    assert venv.set_attr("foo", "baz", indices=[-1, 0]) is None
    assert venv.get_attr("foo") == ["baz", "bar", "baz"]
    venv.set_attr("foo", "all")
    assert venv.get_attr("foo") == ["all"] * 3
    assert venv.env_method("double", 5) == [10.0, 11.0, 12.0]
    assert venv.env_method("double", 5, indices=-2, offset=100) == [111.0]
    assert venv.env_method("double", 1, indices=range(0, 3, 2)) == [2.0, 4.0]
    with pytest.raises(IndexError):
        venv.get_attr("foo", indices=3)
    with pytest.raises(AttributeError):
        venv.get_attr("does_not_exist")


def test_dummy_close_closes_all_envs():
    venv = DummyVecEnv(legacy_fns(2))
    venv.close()
    assert all(env.closed for env in venv.envs)


def test_dummy_render_rgb_array_tiles_images():
    venv = DummyVecEnv(legacy_fns(3))
    venv.reset()
    images = venv.get_images()
    assert len(images) == 3 and images[0].shape == (4, 6, 3)
    big = venv.render(mode="rgb_array")
    # 3 images -> 2x2 grid, the last cell black.
    assert big.shape == (8, 12, 3)
    assert np.all(big[:4, :6] == 1) and np.all(big[:4, 6:] == 2)
    assert np.all(big[4:, :6] == 3) and np.all(big[4:, 6:] == 0)
    with pytest.raises(NotImplementedError):
        venv.render(mode="not-a-mode")


def test_dummy_render_gymnasium_and_single_env():
    venv = DummyVecEnv([lambda i=i: GymCounterEnv(tag=i) for i in range(4)])
    venv.reset()
    big = venv.render(mode="rgb_array")
    assert big.shape == (4, 4, 3)
    assert big[0, 0, 0] == 1 and big[0, 2, 0] == 2 and big[2, 0, 0] == 3 and big[2, 2, 0] == 4
    single = DummyVecEnv([lambda: LegacyCounterEnv(tag=4.0)])
    np.testing.assert_array_equal(single.render(mode="rgb_array"), np.full((4, 6, 3), 5, np.uint8))


def test_base_render_without_images_warns_and_returns_none():
    class NoImages(VecEnv):
        def reset(self):
            return None

        def step_async(self, actions):
            pass

        def step_wait(self):
            return None

        def close(self):
            pass

        def get_attr(self, attr_name, indices=None):
            return []

        def set_attr(self, attr_name, value, indices=None):
            pass

        def env_method(self, method_name, *method_args, indices=None, **method_kwargs):
            return []

    venv = NoImages(2, spaces.Discrete(2), spaces.Discrete(2))
    with pytest.warns(UserWarning):
        assert venv.render(mode="rgb_array") is None
    assert VecEnv.metadata == {"render.modes": ["human", "rgb_array"]}


def test_dummy_dict_observation_space():
    class DictEnv(gymnasium.Env):
        observation_space = spaces.Dict({"a": spaces.Box(0, 1, (2,)), "b": spaces.Discrete(4)})
        action_space = spaces.Discrete(2)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return OrderedDict([("a", np.array([0.5, 0.25], np.float32)), ("b", 3)]), {}

        def step(self, action):
            return OrderedDict([("a", np.array([1.0, 0.0], np.float32)), ("b", 1)]), 0.0, True, False, {}

    venv = DummyVecEnv([DictEnv, DictEnv])
    obs = venv.reset()
    assert isinstance(obs, OrderedDict) and list(obs) == ["a", "b"]
    assert obs["a"].shape == (2, 2) and list(obs["b"]) == [3, 3]
    obs, _, dones, infos = venv.step(np.array([0, 1]))
    assert dones.all() and list(obs["b"]) == [3, 3]
    assert infos[0]["terminal_observation"]["b"] == 1


# --------------------------------------------------------------------------------------------------------------
# SubprocVecEnv
# --------------------------------------------------------------------------------------------------------------
def _assert_all_dead(venv: SubprocVecEnv):
    for process in venv.processes:
        process.join(timeout=5)
        assert not process.is_alive()


def test_subproc_contract_matches_dummy():
    actions = [np.array([(t * (i + 1)) % 2 for i in range(2)]) for t in range(7)]
    dummy = DummyVecEnv(legacy_fns(2, episode_len=3))
    dummy.seed(5)
    expected = _run(dummy, actions)
    venv = SubprocVecEnv(legacy_fns(2, episode_len=3), start_method="fork")
    try:
        assert venv.num_envs == 2 and venv.observation_space.shape == (3,)
        assert venv.seed(5) == [5, 6]
        got = _run(venv, actions)
        assert isinstance(got[0], np.ndarray) and got[0].shape == (2, 3)
        _assert_same_trajectory(expected, got)
        _, rews, dones, infos = venv.step(np.array([0, 1]))
        assert isinstance(infos, tuple) and len(infos) == 2
        assert rews.dtype == np.float32 and dones.dtype == bool
    finally:
        venv.close()
    _assert_all_dead(venv)


def test_subproc_auto_reset_and_truncation():
    fns = [lambda: TimeLimit(GymCounterEnv(terminate_at=100), max_episode_steps=2), lambda: GymCounterEnv(terminate_at=1)]
    venv = SubprocVecEnv(fns, start_method="fork")
    try:
        venv.reset()
        obs, _, dones, infos = venv.step(np.array([0, 0]))
        np.testing.assert_array_equal(dones, [False, True])
        assert infos[1]["terminal_observation"][0] == 1 and obs[1, 0] == 0
        assert not infos[1].get("TimeLimit.truncated", False)
        obs, _, dones, infos = venv.step(np.array([0, 0]))
        assert dones[0] and infos[0]["TimeLimit.truncated"] is True
        assert infos[0]["terminal_observation"][0] == 2 and obs[0, 0] == 0
    finally:
        venv.close()


def test_subproc_identical_seeds_identical_trajectories():
    actions = [np.array([t % 2, (t + 1) % 2]) for t in range(30)]
    trajs = []
    for _ in range(2):
        venv = SubprocVecEnv(cartpole_fns(2), start_method="fork")
        try:
            venv.seed(3)
            trajs.append(_run(venv, actions))
        finally:
            venv.close()
    _assert_same_trajectory(*trajs)
    dummy = DummyVecEnv(cartpole_fns(2))
    dummy.seed(3)
    _assert_same_trajectory(trajs[0], _run(dummy, actions))


def test_subproc_attr_and_method_indices_and_images():
    venv = SubprocVecEnv(legacy_fns(3), start_method="fork")
    try:
        assert venv.get_attr("tag") == [0.0, 1.0, 2.0]
        assert venv.get_attr("tag", indices=-1) == [2.0]
        assert venv.get_attr("tag", indices=[-3, 1]) == [0.0, 1.0]
        assert venv.set_attr("foo", "baz", indices=-2) is None
        assert venv.get_attr("foo") == ["bar", "baz", "bar"]
        assert venv.env_method("double", 3, indices=[2, 0], offset=1) == [9.0, 7.0]
        with pytest.raises(IndexError):
            venv.get_attr("tag", indices=3)
        assert venv.get_attr("tag", indices=[0]) == [0.0]  # still usable after a bad index
        big = venv.render(mode="rgb_array")
        assert big.shape == (8, 12, 3) and big[0, 0, 0] == 1 and big[4, 0, 0] == 3
    finally:
        venv.close()


def test_subproc_env_raising_names_index_and_cleans_up():
    fns = [lambda: LegacyCounterEnv(episode_len=100), lambda: FailingEnv(fail_at=2), lambda: LegacyCounterEnv()]
    venv = SubprocVecEnv(fns, start_method="fork")
    venv.reset()
    venv.step(np.array([0, 0, 0]))
    start = time.monotonic()
    with pytest.raises(EnvWorkerError, match=r"env 1\b") as excinfo:
        venv.step(np.array([0, 0, 0]))
    assert time.monotonic() - start < 5
    assert isinstance(excinfo.value, RuntimeError)
    assert "boom from the env" in str(excinfo.value)
    _assert_all_dead(venv)
    venv.close()
    venv.close()  # idempotent, also after a failure
    with pytest.raises(EnvWorkerError):
        venv.step(np.array([0, 0, 0]))


# With fork, earlier workers inherit the later workers' pipe ends: pipe 0 dies with its worker, pipe 2 does not.
@pytest.mark.parametrize("killed", [0, 2])
def test_subproc_killed_worker_names_index_no_hang(killed):
    venv = SubprocVecEnv(legacy_fns(3), start_method="fork")
    venv.reset()
    os.kill(venv.processes[killed].pid, signal.SIGKILL)
    venv.processes[killed].join(timeout=5)
    start = time.monotonic()
    with pytest.raises(EnvWorkerError, match=rf"env {killed}\b"):
        venv.step(np.array([0, 0, 0]))
    assert time.monotonic() - start < 5
    _assert_all_dead(venv)
    venv.close()


def test_subproc_killed_worker_while_waiting():
    venv = SubprocVecEnv(legacy_fns(2), start_method="fork")
    venv.reset()
    os.kill(venv.processes[0].pid, signal.SIGKILL)
    venv.processes[0].join(timeout=5)
    start = time.monotonic()
    with pytest.raises(EnvWorkerError, match=r"env 0\b"):
        venv.get_attr("tag")
    assert time.monotonic() - start < 5
    _assert_all_dead(venv)


@pytest.mark.parametrize("repeat", range(3))  # the worker may die before or after the parent's first message
def test_subproc_constructor_failure_leaves_no_process(repeat):
    before = {p.pid for p in multiprocessing.active_children()}
    # Keep the exception (and so its traceback and the half-built object) alive: cleanup must not rely on __del__.
    with pytest.raises(EnvWorkerError, match=r"env 0\b") as excinfo:
        SubprocVecEnv([_raise_in_constructor, lambda: LegacyCounterEnv()], start_method="fork")
    assert "cannot build this env" in str(excinfo.value)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leftover = {p.pid for p in multiprocessing.active_children()} - before
        if not leftover:
            break
        time.sleep(0.05)
    assert not leftover


def test_subproc_close_idempotent_and_while_waiting():
    venv = SubprocVecEnv(legacy_fns(2), start_method="fork")
    venv.reset()
    venv.step_async(np.array([0, 1]))
    venv.close()  # drains the pending step
    _assert_all_dead(venv)
    venv.close()
    assert venv.closed


def test_subproc_bad_start_method():
    with pytest.raises(ValueError, match="cannot find context"):
        SubprocVecEnv(legacy_fns(1), start_method="no-such-method")


def test_subproc_default_start_method():
    venv = SubprocVecEnv(cartpole_fns(2))
    try:
        expected_method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        assert all(type(p).__name__.lower().startswith(expected_method) for p in venv.processes)
        venv.seed(0)
        obs = venv.reset()
        assert obs.shape == (2, 4)
        expected, _ = gymnasium.make("CartPole-v1").reset(seed=1)
        np.testing.assert_array_equal(obs[1], expected)
        obs, rews, _, infos = venv.step(np.array([0, 1]))
        assert obs.shape == (2, 4) and rews.tolist() == [1.0, 1.0] and len(infos) == 2
    finally:
        venv.close()
    _assert_all_dead(venv)


# --------------------------------------------------------------------------------------------------------------
# VecFrameStack
# --------------------------------------------------------------------------------------------------------------
def test_frame_stack_on_last_axis_and_terminal_observation():
    venv = VecFrameStack(DummyVecEnv(legacy_fns(2, episode_len=3)), n_stack=3)
    assert venv.n_stack == 3
    assert venv.observation_space.shape == (9,)
    obs = venv.reset()
    assert obs.shape == (2, 9)
    np.testing.assert_array_equal(obs[:, :6], 0)
    np.testing.assert_array_equal(obs[:, 6], [0, 0])
    np.testing.assert_array_equal(obs[:, 8], [0, 1])  # tag of each env in the newest frame
    obs, _, _, _ = venv.step(np.array([0, 0]))
    np.testing.assert_array_equal(obs[0, [0, 3, 6]], [0, 0, 1])
    obs, _, _, _ = venv.step(np.array([0, 0]))
    np.testing.assert_array_equal(obs[0, [0, 3, 6]], [0, 1, 2])
    previous = obs.copy()
    obs, _, dones, infos = venv.step(np.array([0, 0]))
    assert dones.all()
    for i in range(2):
        terminal = infos[i]["terminal_observation"]
        assert terminal.shape == (9,)
        np.testing.assert_array_equal(terminal[:6], previous[i, 3:])  # the stack ending with the terminal frame
        assert terminal[6] == 3
        np.testing.assert_array_equal(obs[i, :6], 0)  # the stack restarts from zeros
        assert obs[i, 6] == 0


def test_frame_stack_images_and_bounds():
    class ImgEnv(gymnasium.Env):
        observation_space = spaces.Box(0, 255, (2, 2, 2), np.uint8)
        action_space = spaces.Discrete(2)

        def reset(self, *, seed=None, options=None):
            self.t = 0
            return np.full((2, 2, 2), 10, np.uint8), {}

        def step(self, action):
            self.t += 1
            return np.full((2, 2, 2), 10 + self.t, np.uint8), 0.0, False, False, {}

    venv = VecFrameStack(DummyVecEnv([ImgEnv]), n_stack=4)
    assert venv.observation_space.shape == (2, 2, 8)
    assert venv.observation_space.dtype == np.uint8
    assert np.all(venv.observation_space.high == 255)
    venv.reset()
    obs, _, _, _ = venv.step(np.array([0]))
    assert obs.dtype == np.uint8 and obs.shape == (1, 2, 2, 8)
    np.testing.assert_array_equal(obs[0, 0, 0], [0, 0, 0, 0, 10, 10, 11, 11])


def test_frame_stack_warns_without_terminal_observation():
    class DropTerminal(VecEnvWrapper):
        def reset(self):
            return self.venv.reset()

        def step_wait(self):
            obs, rews, dones, infos = self.venv.step_wait()
            for info in infos:
                info.pop("terminal_observation", None)
            return obs, rews, dones, infos

    venv = VecFrameStack(DropTerminal(DummyVecEnv(legacy_fns(1, episode_len=1))), n_stack=2)
    venv.reset()
    with pytest.warns(UserWarning, match="terminal_observation"):
        venv.step(np.array([0]))


# --------------------------------------------------------------------------------------------------------------
# VecCheckNan
# --------------------------------------------------------------------------------------------------------------
class _BoxActionEnv(LegacyCounterEnv):
    """Continuous actions, so that NaN / inf actions are legal inputs for the wrapped VecEnv."""

    def __init__(self, episode_len=100, nan_reward=False):
        super().__init__(episode_len=episode_len)
        self.action_space = spaces.Box(-np.inf, np.inf, shape=(1,), dtype=np.float32)
        self.nan_reward = nan_reward

    def step(self, action):
        obs, reward, done, info = super().step(float(np.asarray(action).reshape(-1)[0]))
        return obs, float("nan") if self.nan_reward else reward, done, info


def _check_nan_venv(nan_reward=False, **kwargs):
    return VecCheckNan(DummyVecEnv([lambda: _BoxActionEnv(nan_reward=nan_reward)]), **kwargs)


def test_check_nan_raises_with_origin():
    venv = _check_nan_venv(raise_exception=True)
    venv.reset()
    with pytest.raises(ValueError, match="found nan in actions") as excinfo:
        venv.step(np.array([[np.nan]]))
    assert "RL model" in str(excinfo.value)
    with pytest.raises(ValueError, match="found inf in actions"):
        venv.step_async(np.array([[np.inf]]))

    venv.set_attr("nan_obs", True)
    with pytest.raises(ValueError, match="found nan in observations") as excinfo:
        venv.reset()
    assert "environment observation (at reset)" in str(excinfo.value)

    # SB2's message: inf before nan for one value, values in argument order.
    with pytest.raises(ValueError, match="found inf in actions, found nan in actions, found nan in foo"):
        venv._check_val(async_step=True, actions=np.array([np.nan, -np.inf]), foo=np.array([np.nan]))

    nan_rew = _check_nan_venv(nan_reward=True, raise_exception=True)
    nan_rew.reset()
    with pytest.raises(ValueError, match="found nan in rewards") as excinfo:
        nan_rew.step(np.array([[0.5]]))
    assert "Last given value was" in str(excinfo.value) and "action=[[0.5]]" in str(excinfo.value)


def test_check_nan_check_inf_false_and_clean_values():
    venv = _check_nan_venv(raise_exception=True, check_inf=False)
    venv.reset()
    venv.step_async(np.array([[np.inf]]))  # inf ignored (and the inf reward it causes too)
    _, rews, _, _ = venv.step_wait()
    assert np.isinf(rews[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        venv.step(np.array([[1.0]]))


def test_check_nan_warn_once():
    venv = _check_nan_venv(nan_reward=True, warn_once=True)
    venv.reset()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        venv.step(np.array([[0.0]]))
        venv.step(np.array([[0.0]]))
        venv.step(np.array([[np.nan]]))
    assert len([w for w in record if issubclass(w.category, UserWarning)]) == 1
    assert "found nan in rewards" in str(record[0].message)

    venv = _check_nan_venv(nan_reward=True, warn_once=False)
    venv.reset()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        venv.step(np.array([[0.0]]))
        venv.step(np.array([[0.0]]))
    assert len([w for w in record if issubclass(w.category, UserWarning)]) == 2


# --------------------------------------------------------------------------------------------------------------
# VecEnvWrapper attribute forwarding, unwrap_vec_normalize, sync_envs_normalization
# --------------------------------------------------------------------------------------------------------------
def test_wrapper_forwards_to_inner_wrapper_and_env():
    dummy = DummyVecEnv(legacy_fns(2))
    norm = VecNormalize(dummy)
    stacked = VecFrameStack(norm, n_stack=2)
    stacked.reset()
    stacked.step(np.array([0, 1]))
    original = stacked.get_original_obs()  # defined on VecNormalize only
    assert original.shape == (2, 3)
    np.testing.assert_array_equal(original[:, 0], [1, 1])
    np.testing.assert_array_equal(stacked.get_original_reward(), [1.0, 2.0])
    assert stacked.envs is dummy.envs  # from the innermost VecEnv
    assert stacked.obs_rms is norm.obs_rms
    assert stacked.n_stack == 2 and stacked.num_envs == 2  # its own names
    assert stacked.unwrapped is dummy
    assert stacked.get_attr("tag", indices=-1) == [1.0]
    stacked.set_attr("foo", "x", indices=0)
    assert dummy.envs[0].foo == "x"
    assert stacked.env_method("double", 1) == [2.0, 3.0]
    with pytest.raises(AttributeError):
        _ = stacked.no_such_attribute


def test_wrapper_ambiguous_attribute():
    inner = VecNormalize(DummyVecEnv(legacy_fns(1)))
    outer = VecNormalize(inner)
    stacked = VecFrameStack(outer, n_stack=2)
    with pytest.raises(AttributeError, match="ambiguous"):
        _ = stacked.get_original_obs
    # A wrapper attribute that also exists on the innermost VecEnv.
    dummy = DummyVecEnv(legacy_fns(1))
    dummy.custom_name = 1
    norm = VecNormalize(dummy)
    norm.custom_name = 2
    stacked = VecFrameStack(norm, n_stack=2)
    with pytest.raises(AttributeError, match="ambiguous") as excinfo:
        _ = stacked.custom_name
    assert "VecFrameStack" in str(excinfo.value) and "DummyVecEnv" in str(excinfo.value)
    assert norm.custom_name == 2  # defined on the wrapper itself: no forwarding, no error


def test_unwrap_vec_normalize():
    dummy = DummyVecEnv(legacy_fns(1))
    assert unwrap_vec_normalize(dummy) is None
    assert unwrap_vec_normalize(VecFrameStack(dummy, 2)) is None
    norm = VecNormalize(dummy)
    assert unwrap_vec_normalize(norm) is norm
    assert unwrap_vec_normalize(VecCheckNan(VecFrameStack(norm, 2))) is norm


def test_sync_envs_normalization_deep_copies():
    env = VecFrameStack(VecNormalize(DummyVecEnv(legacy_fns(2))), 2)
    eval_env = VecFrameStack(VecNormalize(DummyVecEnv(legacy_fns(1)), training=False), 2)
    env.reset()
    for _ in range(3):
        env.step(np.array([0, 1]))
    src, dst = env.venv, eval_env.venv
    sync_envs_normalization(env, eval_env)
    assert dst.obs_rms is not src.obs_rms and dst.ret_rms is not src.ret_rms
    np.testing.assert_array_equal(dst.obs_rms.mean, src.obs_rms.mean)
    np.testing.assert_array_equal(dst.obs_rms.var, src.obs_rms.var)
    assert dst.obs_rms.count == src.obs_rms.count
    assert dst.ret_rms.var == src.ret_rms.var
    copied_mean = dst.obs_rms.mean.copy()
    env.step(np.array([0, 1]))
    np.testing.assert_array_equal(dst.obs_rms.mean, copied_mean)  # not shared
