"""Monitor: SB2's monitor.csv byte layout, episode info, reset rules, both env APIs, and load_results."""

import json
import os
import sys

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sb_ppo2.bench import LoadMonitorResultsError, Monitor, get_monitor_files, load_results
from sb_ppo2.common.vec_env import DummyVecEnv


class StepRewardEnv(gymnasium.Env):
    """Gymnasium env: rewards are given by a fixed list; the episode terminates (or truncates) at its end."""

    def __init__(self, rewards=(1.0, 2.0, 0.5), truncate=False):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.rewards = list(rewards)
        self.truncate = truncate
        self.t = 0
        self.extra = "forwarded"

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(2, dtype=np.float32), {"reset_info": True}

    def step(self, action):
        reward = self.rewards[self.t]
        self.t += 1
        end = self.t == len(self.rewards)
        obs = np.full(2, self.t / 10, dtype=np.float32)
        info = {"step_t": self.t}
        return obs, reward, end and not self.truncate, end and self.truncate, info


class OldApiEnv:
    """A gym <= 0.17 style env: reset() -> obs, step -> (obs, reward, done, info), seed(), render(mode)."""

    metadata = {"render.modes": ["human"]}
    spec = None

    def __init__(self, episode_length=4):
        self.observation_space = spaces.Discrete(3)
        self.action_space = spaces.Discrete(3)
        self.episode_length = episode_length
        self.t = 0
        self.seeded = None
        self.closed = False

    def seed(self, seed=None):
        self.seeded = seed
        return [seed]

    def reset(self):
        self.t = 0
        return 0

    def step(self, action):
        self.t += 1
        return self.t % 3, 0.25, self.t >= self.episode_length, {"where": "old"}

    def render(self, mode="human"):
        return f"rendered {mode}"

    def close(self):
        self.closed = True


def run_episode(env, action=0):
    """Step an env of either API until its episode ends; return the last step's result."""
    while True:
        result = env.step(action)
        done = (result[2] or result[3]) if len(result) == 5 else result[2]
        if done:
            return result


def test_file_byte_layout(tmp_path):
    env = Monitor(StepRewardEnv(rewards=(1.0, 2.0, 0.5)), str(tmp_path))
    env.reset()
    run_episode(env)
    env.reset()
    run_episode(env)
    env.close()

    raw = (tmp_path / "monitor.csv").read_bytes()
    first, rest = raw.split(b"\n", 1)
    assert first == b"#" + json.dumps({"t_start": env.t_start, "env_id": None}).encode()
    assert first.startswith(b'#{"t_start": ') and first.endswith(b', "env_id": null}')
    # csv.DictWriter's default dialect ends rows with \r\n, as SB2's files do.
    lines = rest.split(b"\r\n")
    assert lines[0] == b"r,l,t"
    assert lines[-1] == b""
    rows = [line.split(b",") for line in lines[1:-1]]
    assert len(rows) == 2
    for row, elapsed in zip(rows, env.get_episode_times()):
        assert row[:2] == [b"3.5", b"3"]
        assert float(row[2]) == pytest.approx(round(elapsed, 6), abs=1e-6)


def test_header_has_env_id_and_keywords(tmp_path):
    env = Monitor(
        gymnasium.make("CartPole-v1"), str(tmp_path / "run"), reset_keywords=("options",), info_keywords=("extra_key",)
    )
    assert os.path.exists(tmp_path / "run.monitor.csv")
    env.close()
    with open(tmp_path / "run.monitor.csv") as file_handler:
        header = json.loads(file_handler.readline()[1:])
        columns = file_handler.readline().strip()
    assert header["env_id"] == "CartPole-v1"
    assert columns == "r,l,t,options,extra_key"


def test_filename_resolution(tmp_path):
    for given, expected in [
        (str(tmp_path), tmp_path / "monitor.csv"),
        (str(tmp_path / "a"), tmp_path / "a.monitor.csv"),
        (str(tmp_path / "b.monitor.csv"), tmp_path / "b.monitor.csv"),
        (str(tmp_path / "0"), tmp_path / "0.monitor.csv"),
    ]:
        Monitor(StepRewardEnv(), given).close()
        assert expected.exists()
    assert sorted(os.path.basename(f) for f in get_monitor_files(str(tmp_path))) == [
        "0.monitor.csv",
        "a.monitor.csv",
        "b.monitor.csv",
        "monitor.csv",
    ]


def test_no_file_when_filename_is_none(tmp_path):
    env = Monitor(StepRewardEnv(), None)
    env.reset()
    _, _, _, _, info = run_episode(env)
    assert info["episode"]["l"] == 3
    assert env.file_handler is None
    env.close()


def test_gymnasium_api_passthrough_and_episode_info(tmp_path):
    inner = StepRewardEnv(rewards=(1.0, 2.0, 0.123456789))
    env = Monitor(inner, str(tmp_path))
    obs, info = env.reset(seed=3)
    assert obs.shape == (2,) and info == {"reset_info": True}
    first = env.step(1)
    assert len(first) == 5 and "episode" not in first[4]
    _obs, _reward, terminated, truncated, info = run_episode(env)
    assert terminated and not truncated
    assert info["step_t"] == 3
    assert set(info["episode"]) == {"r", "l", "t"}
    assert info["episode"]["r"] == round(1.0 + 2.0 + 0.123456789, 6)
    assert info["episode"]["l"] == 3
    assert info["episode"]["t"] >= 0
    assert env.get_episode_rewards() == [1.0 + 2.0 + 0.123456789]
    assert env.get_episode_lengths() == [3]
    assert env.get_total_steps() == env.total_steps == 3
    env.close()


def test_truncation_ends_episode():
    env = Monitor(StepRewardEnv(rewards=(1.0, 1.0), truncate=True), None)
    env.reset()
    _, _, terminated, truncated, info = run_episode(env)
    assert truncated and not terminated
    assert info["episode"] == {"r": 2.0, "l": 2, "t": info["episode"]["t"]}
    with pytest.raises(RuntimeError, match="Tried to step environment that needs reset"):
        env.step(0)


def test_numpy_rewards_are_logged_as_plain_numbers(tmp_path):
    env = Monitor(StepRewardEnv(rewards=[np.float32(0.1)] * 3), str(tmp_path))
    env.reset()
    _, _, _, _, info = run_episode(env)
    env.close()
    assert type(info["episode"]["r"]) is float and info["episode"]["r"] == pytest.approx(0.3, abs=1e-6)
    row = (tmp_path / "monitor.csv").read_text().splitlines()[2]
    assert row.split(",")[0] == str(info["episode"]["r"])


def test_old_api_passthrough_and_forwarding(tmp_path):
    inner = OldApiEnv(episode_length=4)
    env = Monitor(inner, str(tmp_path))
    assert env.reset() == 0
    result = env.step(1)
    assert result == (1, 0.25, False, {"where": "old"})
    _obs, _reward, done, info = run_episode(env)
    assert done and info["episode"]["r"] == 1.0 and info["episode"]["l"] == 4
    # Forwarded attributes and the explicit properties
    assert env.seed(7) == [7] and inner.seeded == 7
    assert env.render(mode="rgb_array") == "rendered rgb_array"
    assert env.observation_space is inner.observation_space
    assert env.action_space is inner.action_space
    assert env.metadata == {"render.modes": ["human"]}
    assert env.spec is None
    assert env.unwrapped is inner
    assert env.episode_length == 4
    env.close()
    assert inner.closed and env.file_handler.closed


def test_gymnasium_forwarding_and_no_seed():
    inner = gymnasium.make("CartPole-v1")
    env = Monitor(inner, None)
    assert env.unwrapped is inner.unwrapped
    assert env.spec.id == "CartPole-v1"
    assert env.metadata is inner.metadata
    # gymnasium envs have no seed(): hasattr must say so, so VecEnvs seed them through reset(seed=...)
    assert not hasattr(env, "seed")
    with pytest.raises(AttributeError):
        env._private_thing  # noqa: B018
    assert "Monitor" in str(env)
    env.close()


def test_step_before_reset_and_early_reset():
    env = Monitor(OldApiEnv(episode_length=2), None, allow_early_resets=False)
    with pytest.raises(RuntimeError, match="Tried to step environment that needs reset"):
        env.step(0)
    env.reset()
    env.step(0)
    with pytest.raises(RuntimeError, match="allow_early_resets=True"):
        env.reset()
    env.step(0)  # episode ends here
    env.reset()  # now allowed
    with pytest.raises(RuntimeError, match="needs reset"):
        run_episode(env)
        env.step(0)

    permissive = Monitor(OldApiEnv(episode_length=5), None)
    permissive.reset()
    permissive.step(0)
    permissive.reset()  # allow_early_resets=True by default
    _, _, _, info = run_episode(permissive)
    assert info["episode"]["l"] == 5  # the aborted episode's steps are not counted


def test_reset_and_info_keywords_are_logged(tmp_path):
    class KeywordEnv(StepRewardEnv):
        def reset(self, *, seed=None, options=None, level=None):
            return super().reset(seed=seed, options=options)

        def step(self, action):
            obs, reward, terminated, truncated, info = super().step(action)
            info["score"] = 42
            return obs, reward, terminated, truncated, info

    env = Monitor(KeywordEnv(), str(tmp_path), reset_keywords=("level",), info_keywords=("score",))
    with pytest.raises(ValueError, match="Expected you to pass kwarg level into reset"):
        env.reset()
    env.reset(level=3)
    _, _, _, _, info = run_episode(env)
    assert info["episode"]["level"] == 3 and info["episode"]["score"] == 42
    env.close()
    lines = (tmp_path / "monitor.csv").read_text().splitlines()
    assert lines[1] == "r,l,t,level,score"
    assert lines[2].startswith("3.5,3,") and lines[2].endswith(",3,42")


def test_monitor_inside_dummy_vec_env():
    venv = DummyVecEnv([lambda: Monitor(StepRewardEnv(rewards=(1.0, 1.0)), None)])
    venv.reset()
    _, _, dones, infos = venv.step(np.array([0]))
    assert not dones[0] and "episode" not in infos[0]
    _, _, dones, infos = venv.step(np.array([0]))
    assert dones[0] and infos[0]["episode"]["r"] == 2.0 and infos[0]["episode"]["l"] == 2
    venv.close()


def write_monitor_file(path, t_start, rows, env_id=None):
    """Write a monitor.csv by hand: rows are (r, l, t) with t relative to t_start."""
    with open(path, "w") as file_handler:
        file_handler.write("#" + json.dumps({"t_start": t_start, "env_id": env_id}) + "\n")
        file_handler.write("r,l,t\r\n")
        for r, length, t in rows:
            file_handler.write(f"{r},{length},{t}\r\n")


def test_load_results_two_files(tmp_path):
    write_monitor_file(tmp_path / "0.monitor.csv", 1000.0, [(1.0, 10, 1.0), (2.0, 20, 3.0), (3.0, 30, 5.0)])
    write_monitor_file(tmp_path / "1.monitor.csv", 1001.0, [(4.0, 40, 1.0), (5.0, 50, 3.0)])
    data_frame = load_results(str(tmp_path))
    assert list(data_frame.columns) == ["index", "r", "l", "t"]
    # Absolute times: file 0 ends episodes at 1001, 1003, 1005; file 1 at 1002, 1004.
    assert list(data_frame.r) == [1.0, 4.0, 2.0, 5.0, 3.0]
    assert list(data_frame.l) == [10, 40, 20, 50, 30]
    assert list(data_frame["index"]) == [0, 0, 1, 1, 2]
    np.testing.assert_allclose(data_frame.t, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert list(data_frame.index) == [0, 1, 2, 3, 4]


def test_load_results_roundtrip_with_monitor(tmp_path):
    env = Monitor(StepRewardEnv(rewards=(0.5, 0.5)), str(tmp_path), info_keywords=("step_t",))
    for _ in range(3):
        env.reset()
        run_episode(env)
    env.close()
    data_frame = load_results(str(tmp_path))
    assert list(data_frame.columns) == ["index", "r", "l", "t", "step_t"]
    assert list(data_frame.r) == [1.0, 1.0, 1.0]
    assert list(data_frame.l) == [2, 2, 2]
    np.testing.assert_allclose(data_frame.t, [round(t, 6) for t in env.get_episode_times()], atol=1e-5)


def test_load_results_legacy_json_and_errors(tmp_path, monkeypatch):
    with pytest.raises(LoadMonitorResultsError, match="no monitor files of the form"):
        load_results(str(tmp_path))
    with open(tmp_path / "old.monitor.json", "w") as file_handler:
        file_handler.write(json.dumps({"t_start": 50.0, "env_id": "X"}) + "\n")
        file_handler.write(json.dumps({"r": 1.5, "l": 3, "t": 2.0}) + "\n")
    write_monitor_file(tmp_path / "monitor.csv", 49.0, [(7.0, 7, 2.0)])
    data_frame = load_results(str(tmp_path))
    assert list(data_frame.r) == [7.0, 1.5]
    np.testing.assert_allclose(data_frame.t, [2.0, 3.0])

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install sb_ppo2\[pandas\]"):
        load_results(str(tmp_path))
