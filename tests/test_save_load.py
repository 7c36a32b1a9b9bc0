"""save -> load gives the same model: SB2's zip layout, the legacy pickle, schedules, errors, atomic writes."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

from sb_ppo2 import PPO2
from sb_ppo2.common.identity_env import IdentityEnv, IdentityEnvBox, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete
from sb_ppo2.common.vec_env import DummyVecEnv

ENV_FNS = {
    "discrete": lambda: IdentityEnv(10),
    "box": lambda: IdentityEnvBox(eps=0.5),
    "multibinary": lambda: IdentityEnvMultiBinary(4),
    "multidiscrete": lambda: IdentityEnvMultiDiscrete(5),
}


def _observations(env_fn, n=16):
    space = env_fn().observation_space
    space.seed(0)
    return np.array([space.sample() for _ in range(n)])


def _assert_same_behaviour(model, loaded, obs):
    a1, _ = model.predict(obs, deterministic=True)
    a2, _ = loaded.predict(obs, deterministic=True)
    np.testing.assert_array_equal(a1, a2)
    p1, p2 = model.action_probability(obs), loaded.action_probability(obs)
    for x, y in zip(p1 if isinstance(p1, list) else [p1], p2 if isinstance(p2, list) else [p2]):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    np.testing.assert_allclose(model.value(obs), loaded.value(obs), rtol=1e-6)


@pytest.mark.parametrize("kind", list(ENV_FNS))
@pytest.mark.parametrize("cloudpickle", [False, True])
def test_save_load_identical_predictions(tmp_path, kind, cloudpickle):
    env_fn = ENV_FNS[kind]
    model = PPO2("MlpPolicy", DummyVecEnv([env_fn]), n_steps=32, nminibatches=1, seed=1)
    model.learn(64)
    path = str(tmp_path / "model")
    model.save(path, cloudpickle=cloudpickle)
    expected_file = path + (".pkl" if cloudpickle else ".zip")
    assert os.path.exists(expected_file)
    loaded = PPO2.load(expected_file)
    _assert_same_behaviour(model, loaded, _observations(env_fn))
    for name, value in model.get_parameters().items():
        np.testing.assert_array_equal(value, loaded.get_parameters()[name])
    assert loaded.n_steps == 32 and loaded.nminibatches == 1 and loaded.seed == 1
    assert loaded.get_env() is None


def test_zip_layout_matches_sb2(tmp_path):
    model = PPO2("MlpPolicy", "CartPole-v1")
    model.learn(256)
    model.save(str(tmp_path / "agent"))
    with zipfile.ZipFile(tmp_path / "agent.zip") as archive:
        # SB2's three members, plus sb_ppo2's resume state (SB2 ignores members it does not know)
        assert sorted(archive.namelist()) == ["data", "parameter_list", "parameters", "sb_ppo2_optimizer",
                                              "sb_ppo2_state"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        data = json.loads(archive.read("data"))
        names = json.loads(archive.read("parameter_list"))
        params = np.load(io.BytesIO(archive.read("parameters")))
    assert set(data) == {"gamma", "n_steps", "vf_coef", "ent_coef", "max_grad_norm", "learning_rate", "lam",
                         "nminibatches", "noptepochs", "cliprange", "cliprange_vf", "verbose", "policy",
                         "observation_space", "action_space", "n_envs", "n_cpu_tf_sess", "seed",
                         "_vectorize_action", "policy_kwargs"}
    assert ":serialized:" in data["policy"] and ":serialized:" in data["learning_rate"]
    assert data["gamma"] == 0.99 and data["n_envs"] == 1
    assert names[0] == "model/pi_fc0/w:0" and names[-1] == "model/q/b:0"
    assert params["model/pi_fc0/w:0"].shape == (4, 64) and params["model/pi_fc0/w:0"].dtype == np.float32


def test_lambda_and_closure_schedules_survive(tmp_path):
    def make_schedule(start):
        return lambda frac: start * frac ** 2  # not affine: restored from a table

    model = PPO2("MlpPolicy", "CartPole-v1", learning_rate=lambda f: f * 2.5e-4, cliprange=make_schedule(0.3),
                 cliprange_vf=lambda f: 0.1 + 0.0 * f)
    model.learn(256)
    model.save(str(tmp_path / "sched.zip"))
    loaded = PPO2.load(str(tmp_path / "sched.zip"))
    for frac in (1.0, 0.5, 0.13):
        assert loaded.learning_rate(frac) == pytest.approx(frac * 2.5e-4, rel=1e-9)
        assert loaded.cliprange(frac) == pytest.approx(0.3 * frac**2, rel=1e-4)
        assert loaded.cliprange_vf(frac) == pytest.approx(0.1)
    loaded.set_env(model.get_env())
    loaded.learn(256)  # trains with the restored schedules


def test_load_overrides_and_custom_objects(tmp_path):
    model = PPO2("MlpPolicy", "CartPole-v1", n_steps=64, nminibatches=1)
    model.save(str(tmp_path / "m"))
    loaded = PPO2.load(str(tmp_path / "m"), n_steps=32, custom_objects={"learning_rate": 0.01}, verbose=0)
    assert loaded.n_steps == 32 and loaded.learning_rate == 0.01
    with pytest.raises(ValueError, match="custom_objects"):
        PPO2.load(str(tmp_path / "m"), custom_objects=[1])
    with pytest.raises(ValueError, match="policy kwargs"):
        PPO2.load(str(tmp_path / "m"), policy_kwargs={"net_arch": [8]})


def test_load_with_env_and_continue_training(tmp_path):
    env = DummyVecEnv([lambda: IdentityEnv(10)])
    model = PPO2("MlpPolicy", env, n_steps=32, nminibatches=1)
    model.save(str(tmp_path / "m.zip"))
    loaded = PPO2.load(str(tmp_path / "m.zip"), env=env)
    assert loaded.get_env() is env
    loaded.learn(64)
    with pytest.raises(AssertionError, match="observation space"):
        PPO2.load(str(tmp_path / "m.zip"), env=DummyVecEnv([lambda: IdentityEnv(3)]))


def test_file_like_and_custom_extension(tmp_path):
    model = PPO2("MlpPolicy", "CartPole-v1")
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = PPO2.load(buffer)
    obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    _assert_same_behaviour(model, loaded, obs)
    model.save(str(tmp_path / "agent.model"))
    assert os.path.exists(tmp_path / "agent.model") and not os.path.exists(tmp_path / "agent.model.zip")
    PPO2.load(str(tmp_path / "agent.model"))


def test_missing_file_error(tmp_path):
    with pytest.raises(ValueError, match="could not be found"):
        PPO2.load(str(tmp_path / "nothing"))


def test_save_is_atomic(tmp_path, monkeypatch):
    model = PPO2("MlpPolicy", "CartPole-v1")
    path = tmp_path / "m.zip"
    model.save(str(path))
    before = path.read_bytes()

    import sb_ppo2.common.save_util as save_util

    def failing(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(save_util, "params_to_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        model.save(str(path))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.zip"]  # no temporary file left behind


def test_parameters_api(tmp_path):
    model = PPO2("MlpPolicy", "CartPole-v1")
    params = model.get_parameters()
    assert [tuple(p.shape) for p in model.get_parameter_list()] == [v.T.shape if v.ndim == 2 else v.shape
                                                                    for v in params.values()]
    modified = {name: value + 1.0 for name, value in params.items()}
    model.load_parameters(modified)
    for name, value in model.get_parameters().items():
        np.testing.assert_allclose(value, modified[name])
    with pytest.raises(RuntimeError, match="Missing variables"):
        model.load_parameters({"model/pi/b:0": np.zeros(2)})
    np.testing.assert_allclose(model.get_parameters()["model/pi/b:0"], modified["model/pi/b:0"])  # untouched
    model.load_parameters({"model/pi/b:0": np.zeros(2)}, exact_match=False)
    np.testing.assert_allclose(model.get_parameters()["model/pi/b:0"], 0.0)
    with pytest.raises(KeyError):
        model.load_parameters({"model/nope:0": np.zeros(2)}, exact_match=False)
    with pytest.warns(DeprecationWarning):
        model.load_parameters(list(params.values()))
    model.save(str(tmp_path / "m.zip"))
    other = PPO2("MlpPolicy", "CartPole-v1")
    other.load_parameters(str(tmp_path / "m.zip"))
    for name, value in other.get_parameters().items():
        np.testing.assert_allclose(value, params[name])


def test_resume_keeps_timesteps_and_adam_state(tmp_path):
    import torch

    env = DummyVecEnv([lambda: IdentityEnv(10)])
    model = PPO2("MlpPolicy", env, n_steps=32, nminibatches=1, seed=0)
    model.learn(128)
    model.save(str(tmp_path / "ckpt"))
    loaded = PPO2.load(str(tmp_path / "ckpt"), env=env)
    assert loaded.num_timesteps == 128
    for p_saved, p_loaded in zip(model.act_model.parameters(), loaded.act_model.parameters()):
        for key, value in model.optimizer.state[p_saved].items():
            assert torch.equal(value, loaded.optimizer.state[p_loaded][key])
    loaded.learn(64, reset_num_timesteps=False)
    assert loaded.num_timesteps == 192
