"""Loading SB2 model files: the zoo fixtures, legacy parameter lists, malicious and damaged files, statistics."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import sys
import types
import zipfile
from collections import OrderedDict

import cloudpickle
import numpy as np
import pytest
import torch
from gymnasium import spaces

from sb_ppo2 import PPO2
from sb_ppo2.common.policies import MlpPolicy
from sb_ppo2.common.schedules import ConstantFn
from sb_ppo2.common.vec_env import DummyVecEnv, VecNormalize
from sb_ppo2.compat.safe_pickle import PolicyRef, UnsafePickleError, safe_loads
from sb_ppo2.compat.sb2_policies import resolve_policy_and_params
from sb_ppo2.compat.zoo import evaluate_episodes, load_zoo_agent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

FIXTURES = {  # file -> (obs dim, action space kind, has obs_rms)
    "CartPole-v1.pkl": (4, "Discrete", False),
    "Acrobot-v1.pkl": (6, "Discrete", True),
    "LunarLander-v2.pkl": (8, "Discrete", False),
    "MountainCar-v0.pkl": (2, "Discrete", True),
    "Pendulum-v0.pkl": (3, "Box", False),
    "CartPoleBulletEnv-v1.zip": (4, "Discrete", False),
}


# --- the zoo fixtures ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("filename", sorted(FIXTURES))
def test_every_zoo_fixture_loads_with_sb2_names(zoo_dir, filename):
    obs_dim, action_kind, _ = FIXTURES[filename]
    model = PPO2.load(os.path.join(zoo_dir, filename), verbose=0)
    params = model.get_parameters()
    assert list(params)[:4] == ["model/pi_fc0/w:0", "model/pi_fc0/b:0", "model/vf_fc0/w:0", "model/vf_fc0/b:0"]
    assert params["model/pi_fc0/w:0"].shape == (obs_dim, 64)
    assert type(model.action_space).__name__ == action_kind
    assert isinstance(model.learning_rate, ConstantFn) and isinstance(model.cliprange, ConstantFn)
    assert model.policy is MlpPolicy and model.policy_kwargs == {}
    action, _ = model.predict(model.observation_space.sample())
    assert model.action_space.contains(np.asarray(action, dtype=model.action_space.dtype))


def test_legacy_pkl_list_is_named_in_interleaved_order(zoo_dir):
    """The list's order is the only key: pi_fc0, vf_fc0, pi_fc1, vf_fc1, vf, pi, (logstd), q."""
    model = PPO2.load(os.path.join(zoo_dir, "Pendulum-v0.pkl"), verbose=0)
    names = list(model.get_parameters())
    assert names[8:] == ["model/vf/w:0", "model/vf/b:0", "model/pi/w:0", "model/pi/b:0", "model/pi/logstd:0",
                         "model/q/w:0", "model/q/b:0"]
    with open(os.path.join(zoo_dir, "Pendulum-v0.pkl"), "rb") as handle:
        _, raw = safe_loads(handle.read())
    for stored, (name, loaded) in zip(raw, model.get_parameters().items()):
        np.testing.assert_array_equal(stored, loaded, err_msg=name)


def test_reference_cartpole_outputs_reproduced(zoo_dir):
    with open(os.path.join(zoo_dir, "reference_CartPole-v1.json")) as handle:
        reference = json.load(handle)
    model = PPO2.load(os.path.join(zoo_dir, reference["model_file"].split("/")[-1]), verbose=0)
    for key in ("reset_seeds", "episode_seed0"):
        ref = reference[key]
        obs = np.asarray(ref["observations_fed_to_network"], dtype=np.float32)
        with torch.no_grad():
            latent_pi, _ = model.act_model.extract_latent(torch.as_tensor(obs))
            logits = model.act_model.pi(latent_pi).numpy()
        np.testing.assert_allclose(logits, ref["logits"], atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(model.action_probability(obs), ref["action_probabilities"], atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(model.value(obs), ref["values"], atol=1e-5, rtol=1e-5)
        actions, _ = model.predict(obs, deterministic=True)
        np.testing.assert_array_equal(actions, ref["deterministic_actions"])


def test_cartpole_agent_balances_for_500_steps(zoo_dir):
    model, obs_rms = load_zoo_agent(zoo_dir, "CartPole-v1")
    returns = evaluate_episodes(model, "CartPole-v1", seeds=range(1000, 1005), obs_rms=obs_rms)
    assert returns.tolist() == [500.0] * 5


def test_mountaincar_needs_its_obs_rms(zoo_dir):
    """The zoo trained MountainCar-v0 with VecNormalize: with obs_rms.pkl it reaches the flag, without it never."""
    model, obs_rms = load_zoo_agent(zoo_dir, "MountainCar-v0")
    assert obs_rms is not None and obs_rms.mean.shape == (2,)
    with_stats = evaluate_episodes(model, "MountainCar-v0", seeds=range(1000, 1010), obs_rms=obs_rms)
    without = evaluate_episodes(model, "MountainCar-v0", seeds=range(1000, 1003))
    assert with_stats.mean() > -170
    assert without.tolist() == [-200.0] * 3


# --- naming legacy lists -----------------------------------------------------------------------------------------
def _legacy_data(net_arch, policy, obs_dim=5, box=False):
    obs_space = spaces.Box(-1, 1, (obs_dim,), np.float32)
    action_space = spaces.Box(-1, 1, (2,), np.float32) if box else spaces.Discrete(3)
    reference = MlpPolicy(None, obs_space, action_space, 1, 1, 1, net_arch=net_arch)
    from sb_ppo2.common.base_class import _torch_to_sb2

    arrays = [_torch_to_sb2(p.tensor.detach().numpy(), p.kind) for p in reference.sb2_parameters()]
    names = [p.name for p in reference.sb2_parameters()]
    data = {"policy": policy, "observation_space": obs_space, "action_space": action_space, "n_envs": 1,
            "policy_kwargs": {}}
    return data, arrays, names


@pytest.mark.parametrize("net_arch", [[128, dict(pi=[64], vf=[32, 32])], [64, 64], [dict(pi=[16], vf=[16])]])
def test_list_named_from_policy_kwargs(net_arch):
    data, arrays, names = _legacy_data(net_arch, PolicyRef("stable_baselines.common.policies", "MlpPolicy"))
    data["policy_kwargs"] = {"net_arch": net_arch}
    policy_cls, params = resolve_policy_and_params(data, arrays)
    assert policy_cls is MlpPolicy and list(params) == names


@pytest.mark.parametrize("net_arch", [[dict(pi=[16], vf=[16])], [32, 32], [24, dict(pi=[16, 16], vf=[8])]])
@pytest.mark.parametrize("box", [False, True])
def test_custom_policy_architecture_inferred_from_shapes(net_arch, box):
    """The zoo's utils.utils.CustomMlpPolicy sets its layers in code: the layout is read from the shapes."""
    data, arrays, names = _legacy_data(net_arch, PolicyRef("utils.utils", "CustomMlpPolicy"), box=box)
    with pytest.warns(UserWarning, match="inferred"):
        policy_cls, params = resolve_policy_and_params(data, arrays)
    assert policy_cls is MlpPolicy and list(params) == names
    assert data["policy_kwargs"]["net_arch"] == net_arch


def test_list_that_fits_no_layout_is_refused_clearly():
    data, arrays, _ = _legacy_data([dict(pi=[16], vf=[16])], PolicyRef("stable_baselines.common.policies", "MlpPolicy"))
    with pytest.raises(ValueError, match="does not fit MlpPolicy"):
        resolve_policy_and_params(data, arrays[:-1])


# --- malicious files ----------------------------------------------------------------------------------------------
class _Evil:
    """Unpickling this would run ``func(*args)``: each creates the marker file."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _attacks(marker: str) -> dict[str, _Evil]:
    import builtins
    import subprocess

    code = f"open({marker!r}, 'w').close()"
    shell = f"touch {marker}"
    return {
        "os.system": _Evil(os.system, shell),
        "posix.system": _Evil(__import__("posix").system, shell),
        "subprocess.check_call": _Evil(subprocess.check_call, ["touch", marker]),
        "subprocess.Popen": _Evil(subprocess.Popen, ["touch", marker]),
        "builtins.eval": _Evil(builtins.eval, code),
        "builtins.exec": _Evil(builtins.exec, code),
        "builtins.__import__": _Evil(builtins.__import__, "antigravity"),
    }


def _model_data(attack):
    return {"gamma": 0.99, "policy": MlpPolicy, "learning_rate": attack, "observation_space": spaces.Box(-1, 1, (4,)),
            "action_space": spaces.Discrete(2)}


def _schedule_closing_over(value):
    """A schedule whose closure cell holds ``value`` (cloudpickle pickles it by value, cell included)."""
    def schedule(frac):
        return frac * 2.5e-4 if value is None else frac
    return schedule


def _shapes(marker):
    """Each attack nested in the three places a legacy pkl can hold it: data, a schedule's closure, the tuple."""
    for name, attack in _attacks(marker).items():
        def schedule(frac, _hidden=attack):
            return frac * 2.5e-4
        closure_schedule = _schedule_closing_over(attack)
        yield f"{name}-in-data", (_model_data({"nested": [attack]}), [np.zeros(2)])
        yield f"{name}-in-schedule-default", (_model_data(schedule), [np.zeros(2)])
        yield f"{name}-in-schedule-closure", (_model_data(closure_schedule), [np.zeros(2)])
        yield f"{name}-in-tuple", (_model_data(0.1), [np.zeros(2)], attack)


@pytest.mark.parametrize("shape", [name for name, _ in _shapes("x")])
def test_malicious_pkl_is_refused_and_runs_nothing(tmp_path, shape):
    marker = str(tmp_path / "pwned")
    payload = dict(_shapes(marker))[shape]
    path = tmp_path / "evil.pkl"
    path.write_bytes(cloudpickle.dumps(payload))
    with pytest.raises(UnsafePickleError, match="refusing"):
        PPO2.load(str(path))
    assert not os.path.exists(marker), "the payload ran"


@pytest.mark.parametrize("attack", sorted(_attacks("x")))
def test_malicious_zip_entry_is_refused_and_runs_nothing(tmp_path, attack):
    marker = str(tmp_path / "pwned")
    model = PPO2("MlpPolicy", DummyVecEnv([lambda: __import__("gymnasium").make("CartPole-v1")]), n_steps=8)
    path = str(tmp_path / "model.zip")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(members["data"])
    data["cliprange"] = {":type:": "<class 'function'>",
                         ":serialized:": base64.b64encode(cloudpickle.dumps(_attacks(marker)[attack])).decode()}
    members["data"] = json.dumps(data).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(UnsafePickleError):
        PPO2.load(path)
    assert not os.path.exists(marker)


def test_getattr_is_only_allowed_for_torch_activations():
    payload = cloudpickle.dumps(_Evil(getattr, os, "system"))  # os pickled as cloudpickle.subimport("os")
    with pytest.raises(UnsafePickleError):
        safe_loads(payload)


# --- damaged files -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated_pkl", "garbage", "truncated_zip", "corrupt_zip_member"])
def test_damaged_file_gives_clear_error_and_leaves_model_unchanged(zoo_dir, tmp_path, damage):
    source = os.path.join(zoo_dir, "CartPoleBulletEnv-v1.zip" if "zip" in damage else "CartPole-v1.pkl")
    with open(source, "rb") as handle:
        content = handle.read()
    if damage.startswith("truncated"):
        content = content[: len(content) // 2]
    elif damage == "garbage":
        content = b"\x80\x04not a pickle at all" + bytes(range(256))
    else:  # flip bytes inside the stored `parameters` member: the CRC check fails
        offset = content.index(b"PK\x03\x04", content.index(b"parameters")) - 2000
        content = content[:offset] + bytes(b ^ 0xFF for b in content[offset:offset + 64]) + content[offset + 64:]
    path = tmp_path / "damaged.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        PPO2.load(str(path))
    model = PPO2.load(os.path.join(zoo_dir, "CartPole-v1.pkl"), verbose=0)
    before = model.get_parameters()
    with pytest.raises(ValueError, match="truncated or corrupt"):
        model.load_parameters(str(path))
    for name, value in model.get_parameters().items():
        np.testing.assert_array_equal(value, before[name])


# --- statistics -----------------------------------------------------------------------------------------------------
def test_load_running_average_reads_zoo_statistics(zoo_dir):
    venv = VecNormalize(DummyVecEnv([lambda: __import__("gymnasium").make("Acrobot-v1")]), training=False)
    with pytest.warns(DeprecationWarning):
        venv.load_running_average(os.path.join(zoo_dir, "Acrobot-v1"))
    assert venv.obs_rms.mean.shape == (6,) and venv.obs_rms.count > 1e5
    assert np.ndim(venv.ret_rms.var) == 0 and venv.ret_rms.var > 0


def _fake_sb2_modules(monkeypatch):
    """Classes under SB2's and gym's module paths, so pickle writes the references a real SB2 file holds."""
    made = {}
    for module, name in [("stable_baselines.common.vec_env.vec_normalize", "VecNormalize"),
                         ("stable_baselines.common.running_mean_std", "RunningMeanStd"),
                         ("gym.spaces.box", "Box")]:
        cls = type(name, (), {"__module__": module})
        parts = module.split(".")
        for depth in range(1, len(parts)):  # pickle imports the parents first
            parent = ".".join(parts[:depth])
            if parent not in sys.modules:
                monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
        mod = types.ModuleType(module)
        setattr(mod, name, cls)
        monkeypatch.setitem(sys.modules, module, mod)
        made[name] = cls
    return made


def test_vec_normalize_load_reads_an_sb2_pickle(tmp_path, monkeypatch):
    fake = _fake_sb2_modules(monkeypatch)
    obs_rms = fake["RunningMeanStd"]()
    obs_rms.__dict__.update(mean=np.arange(4.0), var=np.ones(4) * 4.0, count=1000.0)
    ret_rms = fake["RunningMeanStd"]()
    ret_rms.__dict__.update(mean=np.float64(0.0), var=np.float64(9.0), count=1000.0)
    box = fake["Box"]()
    box.__dict__.update(low=np.full(4, -5, np.float32), high=np.full(4, 5, np.float32), shape=(4,),
                        dtype=np.dtype(np.float32))
    vec_normalize = fake["VecNormalize"]()
    vec_normalize.__dict__.update(obs_rms=obs_rms, ret_rms=ret_rms, clip_obs=10.0, clip_reward=10.0, gamma=0.99,
                                  epsilon=1e-8, training=True, norm_obs=True, norm_reward=True, old_obs=np.array([]),
                                  old_rews=np.array([]), num_envs=1, observation_space=box, action_space=None)
    path = tmp_path / "vecnormalize.pkl"
    path.write_bytes(pickle.dumps(vec_normalize, protocol=3))
    monkeypatch.undo()  # the fake SB2 / gym modules are gone before loading
    assert b"stable_baselines.common.vec_env.vec_normalize" in path.read_bytes()

    import gymnasium

    class FourDims(gymnasium.Wrapper):
        observation_space = spaces.Box(-5, 5, (4,), np.float32)

        def reset(self, **kwargs):
            return np.zeros(4, np.float32), {}

    env = VecNormalize.load(str(path), DummyVecEnv([lambda: FourDims(gymnasium.make("CartPole-v1"))]))
    assert isinstance(env, VecNormalize) and env.norm_obs and env.clip_obs == 10.0
    np.testing.assert_array_equal(env.obs_rms.mean, np.arange(4.0))
    assert env.observation_space == spaces.Box(-5, 5, (4,), np.float32)
    np.testing.assert_allclose(env.normalize_obs(np.zeros((1, 4))), [[0.0, -0.5, -1.0, -1.5]], atol=1e-6)


# --- our own files ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cloudpickle_format", [False, True])
def test_own_files_load_back(tmp_path, cloudpickle_format):
    import gymnasium

    env = DummyVecEnv([lambda: gymnasium.make("Pendulum-v1")])
    model = PPO2("MlpPolicy", env, n_steps=16, policy_kwargs=dict(act_fun=torch.relu, net_arch=[8, dict(pi=[4])]))
    model.learn(32)
    model.save(str(tmp_path / "agent"), cloudpickle=cloudpickle_format)
    expected = tmp_path / ("agent.pkl" if cloudpickle_format else "agent.zip")
    assert expected.exists()
    if cloudpickle_format:
        assert not zipfile.is_zipfile(expected)
    loaded = PPO2.load(str(expected), env=env)
    assert loaded.policy_kwargs["net_arch"] == [8, dict(pi=[4])]
    assert loaded.policy_kwargs["act_fun"] is torch.relu
    for name, value in model.get_parameters().items():
        np.testing.assert_array_equal(loaded.get_parameters()[name], value)
    obs = np.zeros((1, 3), np.float32)
    np.testing.assert_allclose(loaded.action_probability(obs)[0], model.action_probability(obs)[0])


def test_own_file_with_params_as_list_loads(tmp_path):
    """A file whose params are a bare list (SB2 <= 2.5 layout) written from our own model."""
    import gymnasium

    model = PPO2("MlpPolicy", DummyVecEnv([lambda: gymnasium.make("CartPole-v1")]), n_steps=8)
    data = {key: getattr(model, key) for key in ("gamma", "n_steps", "policy", "observation_space", "action_space",
                                                  "n_envs", "learning_rate", "cliprange")}
    buffer = io.BytesIO()
    cloudpickle.dump((data, list(model.get_parameters().values())), buffer)
    path = tmp_path / "old.pkl"
    path.write_bytes(buffer.getvalue())
    loaded = PPO2.load(str(path))
    assert list(loaded.get_parameters()) == list(model.get_parameters())
    assert loaded.policy_kwargs == {}
    assert isinstance(OrderedDict(loaded.get_parameters()), OrderedDict)
