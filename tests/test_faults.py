"""The fault table: each row injects a fault and checks that no work is lost and nothing hangs or runs code.

Rows covered elsewhere in detail (SubprocVecEnv worker crashes: test_vec_env.py; hostile pickles:
test_sb2_loader.py) have a representative row here too, so this file reads as the whole table.
"""

import gymnasium as gym
import numpy as np
import pytest
import torch

from sb_ppo2 import PPO2
from sb_ppo2.common.callbacks import BaseCallback
from sb_ppo2.common.identity_env import IdentityEnv
from sb_ppo2.common.vec_env import DummyVecEnv, EnvWorkerError, SubprocVecEnv, VecCheckNan, VecNormalize


class RaisingEnv(gym.Env):
    """CartPole-like env that raises after a few steps (inside a worker process)."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, fail_at: int = 5):
        self.steps, self.fail_at = 0, fail_at

    def reset(self, seed=None, options=None):
        return np.zeros(2, np.float32), {}

    def step(self, action):
        self.steps += 1
        if self.steps >= self.fail_at:
            raise RuntimeError("simulator exploded")
        return np.zeros(2, np.float32), 1.0, False, False, {}


class NaNEnv(gym.Env):
    """Returns a NaN reward (or observation) at a chosen step."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, where: str = "reward", at: int = 3):
        self.where, self.at, self.t = where, at, 0

    def reset(self, seed=None, options=None):
        return np.zeros(1, np.float32), {}

    def step(self, action):
        self.t += 1
        bad = self.t == self.at
        obs = np.array([np.nan if bad and self.where == "obs" else 0.0], np.float32)
        reward = float("nan") if bad and self.where == "reward" else 1.0
        return obs, reward, False, False, {}


def identity_vec():
    return DummyVecEnv([lambda: IdentityEnv(10)])


def all_dead(processes, timeout: float = 15.0) -> bool:
    """Whether every process has exited (allowing a loaded machine some time to reap them)."""
    import time

    deadline = time.time() + timeout
    while any(p.is_alive() for p in processes) and time.time() < deadline:
        time.sleep(0.05)
    return not any(p.is_alive() for p in processes)


# --- worker crashes ---------------------------------------------------------------------------------------
def test_env_raising_in_subproc_worker_names_env_index():
    env = SubprocVecEnv([lambda: RaisingEnv(1000), lambda: RaisingEnv(3)], start_method="fork")
    env.reset()
    with pytest.raises(EnvWorkerError, match="env 1"):
        for _ in range(5):
            env.step(np.array([0, 0]))
    assert all_dead(env.processes)


def test_training_with_crashing_worker_stops_cleanly_and_model_stays_usable():
    env = SubprocVecEnv([lambda: RaisingEnv(40), lambda: RaisingEnv(1000)], start_method="fork")
    model = PPO2("MlpPolicy", env, n_steps=16, nminibatches=1)
    before = model.get_parameters()
    with pytest.raises(EnvWorkerError, match="env 0"):
        model.learn(10_000)
    assert model.num_timesteps == 64  # two finished updates of 2 envs x 16 steps; the broken rollout is not counted
    assert any(not np.array_equal(before[k], v) for k, v in model.get_parameters().items())
    assert all_dead(env.processes)


# --- Ctrl-C -----------------------------------------------------------------------------------------------
class InterruptAt(BaseCallback):
    def __init__(self, at_call: int):
        super().__init__()
        self.at_call = at_call

    def _on_step(self):
        if self.n_calls == self.at_call:
            raise KeyboardInterrupt
        return True


def test_keyboard_interrupt_during_rollout_keeps_last_finished_update(tmp_path):
    model = PPO2("MlpPolicy", identity_vec(), n_steps=16, nminibatches=1, seed=0)
    model.learn(32)
    params = model.get_parameters()
    with pytest.raises(KeyboardInterrupt):
        model.learn(160, callback=InterruptAt(20), reset_num_timesteps=False)  # 2nd rollout, step 4
    assert model.num_timesteps == 48  # 32 before + the one finished update of this call
    model.save(str(tmp_path / "after_ctrl_c"))
    loaded = PPO2.load(str(tmp_path / "after_ctrl_c"), env=identity_vec())
    assert loaded.num_timesteps == 48
    loaded.learn(32, reset_num_timesteps=False)
    assert loaded.num_timesteps == 80
    del params


def test_keyboard_interrupt_during_update_restores_parameters_and_adam(monkeypatch):
    model = PPO2("MlpPolicy", identity_vec(), n_steps=16, nminibatches=4, noptepochs=4, seed=0)
    model.learn(16)
    params = model.get_parameters()
    state_before = {k: v.clone() for k, v in model.optimizer.state[next(model.act_model.parameters())].items()}
    real_step = model.optimizer.step
    calls = {"n": 0}

    def step_then_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:  # in the middle of the update's 16 minibatch steps
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(model.optimizer, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.learn(16, reset_num_timesteps=False)
    assert model.num_timesteps == 16
    for name, value in model.get_parameters().items():
        np.testing.assert_array_equal(value, params[name])
    state_after = model.optimizer.state[next(model.act_model.parameters())]
    for key, value in state_before.items():
        assert torch.equal(value, state_after[key])


# --- saving -----------------------------------------------------------------------------------------------
def test_unwritable_folder_leaves_previous_file(tmp_path, monkeypatch):
    import os
    import tempfile

    model = PPO2("MlpPolicy", identity_vec())
    target = tmp_path / "m.zip"
    model.save(str(target))
    before = target.read_bytes()
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):  # root ignores permissions: make creating files fail as it would
            def denied(*_args, **_kwargs):
                raise PermissionError(13, "Permission denied", str(tmp_path))

            monkeypatch.setattr(tempfile, "mkstemp", denied)
        with pytest.raises(OSError):
            model.save(str(target))
    finally:
        os.chmod(tmp_path, 0o700)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.zip"]


def test_failing_writer_leaves_previous_file_and_no_partial(tmp_path, monkeypatch):
    import zipfile

    model = PPO2("MlpPolicy", identity_vec())
    target = tmp_path / "m.zip"
    model.save(str(target))
    before = target.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def disk_full(self, name, data, *args, **kwargs):
        if name == "parameters":
            raise OSError(28, "No space left on device")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError, match="No space left"):
        model.save(str(target))
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.zip"]


def test_vecnormalize_save_is_atomic(tmp_path, monkeypatch):
    import pickle

    env = VecNormalize(identity_vec())
    path = tmp_path / "stats.pkl"
    env.save(str(path))
    before = path.read_bytes()
    monkeypatch.setattr(pickle, "dump", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        env.save(str(path))
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


# --- NaN and inf ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["reward", "obs"])
def test_nan_from_env_stops_training_with_origin(where):
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: IdentityEnv(2), lambda: NaNEnv(where, at=5)][1:]), n_steps=8,
                 nminibatches=1)
    params = model.get_parameters()
    with pytest.raises(ValueError, match=f"NaN in the environment's {'rewards' if where == 'reward' else 'observations'}"
                       r" \(env 0 of 1, step [45]"):
        model.learn(64)
    for name, value in model.get_parameters().items():
        assert np.all(np.isfinite(value))
        np.testing.assert_array_equal(value, params[name])


def test_vec_check_nan_raises_or_warns():
    env = VecCheckNan(DummyVecEnv([lambda: NaNEnv("reward", at=2)]), raise_exception=True)
    env.reset()
    env.step(np.array([0]))
    with pytest.raises(ValueError, match="found nan in rewards"):
        env.step(np.array([0]))
    env = VecCheckNan(DummyVecEnv([lambda: NaNEnv("obs", at=1)]), raise_exception=False)
    env.reset()
    with pytest.warns(UserWarning, match="found nan in observations"):
        env.step(np.array([0]))


def test_non_finite_loss_restores_parameters():
    model = PPO2("MlpPolicy", identity_vec(), n_steps=16, nminibatches=1, learning_rate=1e38, max_grad_norm=None)
    for _ in range(20):  # the absurd learning rate soon makes a loss non-finite
        params = model.get_parameters()
        try:
            model.learn(16, reset_num_timesteps=False)
        except FloatingPointError as err:
            assert "restored" in str(err)
            for name, value in model.get_parameters().items():
                np.testing.assert_array_equal(value, params[name])
            return
    pytest.fail("the absurd learning rate never produced a non-finite loss")


# --- bad files --------------------------------------------------------------------------------------------
def test_truncated_and_corrupt_files_are_clear_errors(tmp_path):
    model = PPO2("MlpPolicy", identity_vec())
    model.save(str(tmp_path / "good.zip"))
    data = (tmp_path / "good.zip").read_bytes()
    (tmp_path / "truncated.zip").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.zip").write_bytes(b"\x00\x01 not a model at all")
    (tmp_path / "text.txt").write_text("hello")
    for name in ("truncated.zip", "garbage.zip", "text.txt"):
        with pytest.raises((ValueError, RuntimeError)) as info:
            PPO2.load(str(tmp_path / name))
        assert name in str(info.value) or "model file" in str(info.value) or "pickle" in str(info.value)
        with pytest.raises((ValueError, RuntimeError)):
            model.load_parameters(str(tmp_path / name))
    with pytest.raises(ValueError):
        VecNormalize.load(str(tmp_path / "garbage.zip"), identity_vec())
    with pytest.raises(ValueError, match="VecNormalize"):
        VecNormalize.load(str(tmp_path / "good.zip"), identity_vec())  # a model file, not statistics


def test_wrong_kind_pickle_to_vecnormalize_load(tmp_path):
    import pickle

    with open(tmp_path / "list.pkl", "wb") as handle:
        pickle.dump([1, 2, 3], handle)
    with pytest.raises(ValueError, match="VecNormalize"):
        VecNormalize.load(str(tmp_path / "list.pkl"), identity_vec())


def test_hostile_pickle_is_refused_without_side_effect(tmp_path):
    import os
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with open(tmp_path / "evil.pkl", "wb") as handle:
        pickle.dump(({"policy": Evil()}, {}), handle)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        PPO2.load(str(tmp_path / "evil.pkl"))
    assert not marker.exists()


# --- bad input to predict / step --------------------------------------------------------------------------
def test_predict_bad_observations():
    model = PPO2("MlpPolicy", "CartPole-v1")
    with pytest.raises(ValueError, match=r"Unexpected observation shape \(3,\)"):
        model.predict(np.zeros(3))
    with pytest.raises(ValueError, match="numeric"):
        model.predict(np.array(["x"] * 4))
    with pytest.raises(ValueError, match="numeric"):
        model.predict(np.array([None, None, None, None]))


# --- determinism ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vec_cls", ["dummy", "subproc"])
def test_same_seed_same_parameters(vec_cls):
    from sb_ppo2.common.cmd_util import make_vec_env

    def train():
        kwargs = {} if vec_cls == "dummy" else {"vec_env_cls": SubprocVecEnv, "vec_env_kwargs": {"start_method": "fork"}}
        env = make_vec_env("CartPole-v1", n_envs=2, **kwargs)
        model = PPO2("MlpPolicy", env, seed=7, n_steps=32, nminibatches=2)
        model.learn(256)
        env.close()
        return model.get_parameters()

    first, second = train(), train()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_predict_discrete_observation_out_of_space():
    model = PPO2("MlpPolicy", identity_vec())
    with pytest.raises(ValueError, match="not in the observation space"):
        model.predict(np.array(1.5))
    with pytest.raises(ValueError, match="not in the observation space"):
        model.predict(np.array([3, 10]))
    model.predict(np.array([3.0, 9.0]))  # integral floats are fine


def test_vec_env_step_rejects_actions_outside_the_space():
    env = identity_vec()
    env.reset()
    with pytest.raises(ValueError, match="outside the action space"):
        env.step(np.array([10]))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.array([1, 2]))
    with pytest.raises(ValueError, match="integers"):
        env.step(np.array([0.5]))
    sub = SubprocVecEnv([lambda: IdentityEnv(3)], start_method="fork")
    try:
        sub.reset()
        with pytest.raises(ValueError, match="outside the action space"):
            sub.step(np.array([-1]))
        sub.step(np.array([2]))  # still usable afterwards
    finally:
        sub.close()


@pytest.mark.parametrize("start_method", ["forkserver", "spawn"])
def test_killed_worker_with_default_start_methods_is_reported_at_once(start_method):
    import os
    import signal
    import time

    env = SubprocVecEnv([lambda: IdentityEnv(3)] * 2, start_method=start_method)
    env.reset()
    os.kill(env.processes[1].pid, signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(EnvWorkerError, match="env 1"):
        env.step(np.array([0, 0]))
    assert time.monotonic() - start < 10
    assert all_dead(env.processes)


# --- checkpoint and resume --------------------------------------------------------------------------------
def test_resume_a_killed_run_from_checkpoint_files(tmp_path):
    import glob
    import os

    from sb_ppo2.common.callbacks import CheckpointCallback

    def make_env():
        return VecNormalize(DummyVecEnv([lambda: gym.make("CartPole-v1")] * 2))

    env = make_env()
    model = PPO2("MlpPolicy", env, n_steps=16, nminibatches=1, seed=0)
    checkpoints = CheckpointCallback(save_freq=32, save_path=str(tmp_path), name_prefix="run")
    with pytest.raises(KeyboardInterrupt):  # the run is "killed" after its 2nd checkpoint
        model.learn(10_000, callback=[checkpoints, InterruptAt(70)])
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "*"))) == [
        "run_128_steps.zip", "run_64_steps.zip", "run_vecnormalize_128_steps.pkl", "run_vecnormalize_64_steps.pkl"]
    saved_mean = VecNormalize.load(str(tmp_path / "run_vecnormalize_128_steps.pkl"), make_env()).obs_rms.mean

    resumed_env = VecNormalize.load(str(tmp_path / "run_vecnormalize_128_steps.pkl"), make_env().venv)
    resumed = PPO2.load(str(tmp_path / "run_128_steps.zip"), env=resumed_env)
    assert resumed.num_timesteps == 128
    np.testing.assert_array_equal(resumed.get_vec_normalize_env().obs_rms.mean, saved_mean)
    resumed.learn(64, reset_num_timesteps=False)
    assert resumed.num_timesteps == 192
