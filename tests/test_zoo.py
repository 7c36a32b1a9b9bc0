"""Zoo hyper-parameters: the packaged table, translation of every PPO2 entry, safe parsing, the published figures."""

from __future__ import annotations

import inspect
import json
import os
import warnings

import gymnasium
import numpy as np
import plotly.graph_objects as go
import pytest

from sb_ppo2.common.schedules import ConstantFn, LinearFn
from sb_ppo2.compat.env_ids import make_gymnasium_env
from sb_ppo2.ppo2 import PPO2
from sb_ppo2.zoo import (
    ZOO_HYPERPARAMS_YML,
    find_zoo_entry,
    jsonable_hyperparams,
    load_hyperparams_file,
    load_zoo_hyperparams,
    parse_normalize,
    parse_policy_kwargs,
    translate_entry,
    translate_schedule,
    zoo_config,
)
from sb_ppo2.zoo_benchmark import (
    BenchmarkRow,
    benchmark_report,
    curve_on_grid,
    load_zoo_benchmark,
    read_monitor_curve,
    zoo_reference,
)

TABLE = load_zoo_hyperparams()
PPO2_ARGS = set(inspect.signature(PPO2.__init__).parameters) - {"self", "env"}


def _env_available(env_id: str) -> bool:
    """Whether gymnasium can build this env here (Box2D, Bullet, MiniGrid, Atari may be missing)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            env = make_gymnasium_env(env_id)
        env.close()
    except Exception:  # any missing dependency or unknown id means "not available"
        return False
    return True


def test_json_copy_matches_yml():
    yaml = pytest.importorskip("yaml")
    with open(ZOO_HYPERPARAMS_YML, encoding="utf-8") as file_handler:
        assert yaml.safe_load(file_handler) == TABLE
    # Same order as the yml too (the order decides nothing, but keeps the copy reviewable).
    with open(ZOO_HYPERPARAMS_YML, encoding="utf-8") as file_handler:
        assert list(yaml.safe_load(file_handler)) == list(TABLE)


def test_table_has_every_ppo2_entry():
    assert len(TABLE) == 25
    assert {"atari", "CartPole-v1", "Pendulum-v0", "LunarLanderContinuous-v2", "MiniGrid-FourRooms-v0"} <= set(TABLE)


@pytest.mark.parametrize("key", list(TABLE))
def test_every_entry_translates(key):
    config = zoo_config(key)
    assert config.zoo_key == key
    assert set(config.model_kwargs) <= PPO2_ARGS
    assert config.n_timesteps == int(TABLE[key]["n_timesteps"]) and config.n_timesteps > 0
    assert config.n_envs == TABLE[key].get("n_envs", 1)
    assert isinstance(config.model_kwargs["policy"], str) and config.model_kwargs["policy"] in ("MlpPolicy",
                                                                                               "CnnPolicy")
    for name in ("learning_rate", "cliprange"):
        if name in TABLE[key]:
            assert callable(config.model_kwargs[name])
            raw = TABLE[key][name]
            expected = float(raw[4:]) if isinstance(raw, str) else float(raw)
            assert config.model_kwargs[name](1.0) == pytest.approx(expected)
    if TABLE[key].get("cliprange_vf") == -1:
        assert config.model_kwargs["cliprange_vf"] == -1
    assert (config.normalize is not None) == bool(TABLE[key].get("normalize", False))
    json.dumps(jsonable_hyperparams(config))  # the config file must be writable


@pytest.mark.parametrize("key", [k for k in TABLE if k != "atari" and _env_available(k)])
def test_available_entries_build_a_model(key):
    from sb_ppo2.cli import make_env

    config = zoo_config(key, overrides={"n_envs": 2})
    env = make_env(key, config.n_envs, 0, None, config.normalize, config.frame_stack)
    try:
        model = PPO2(env=env, **config.model_kwargs)
        assert model.n_envs == 2 and model.n_steps == TABLE[key]["n_steps"]
    finally:
        env.close()


def test_schedules():
    assert translate_schedule("learning_rate", "lin_0.001") == LinearFn(0.001)
    assert translate_schedule("learning_rate", "lin_2.5e-4")(0.5) == pytest.approx(1.25e-4)
    assert translate_schedule("cliprange", 0.2) == ConstantFn(0.2)
    assert translate_schedule("cliprange_vf", -1) == -1
    assert isinstance(translate_schedule("learning_rate", 3), ConstantFn)
    for bad in ("exp_0.1", "lin_", "lin_abc", True, None, [0.1]):
        with pytest.raises(ValueError):
            translate_schedule("learning_rate", bad)


def test_policy_kwargs_parsing():
    parsed = parse_policy_kwargs("dict(net_arch=[dict(pi=[64, 64], vf=[64, 64])], act_fun=tf.nn.relu)")
    assert parsed == {"net_arch": [{"pi": [64, 64], "vf": [64, 64]}], "act_fun": "relu"}
    assert parse_policy_kwargs("dict(act_fun=nn.ReLU, net_arch=[128, dict(vf=[32])])") == {
        "act_fun": "relu", "net_arch": [128, {"vf": [32]}]}
    assert parse_policy_kwargs("{'net_arch': [8], 'act_fun': nn.Tanh}") == {"net_arch": [8], "act_fun": "tanh"}
    assert parse_policy_kwargs({"net_arch": [8]}) == {"net_arch": [8]}
    for bad in ("__import__('os').system('true')", "dict(**x)", "[1, 2]", "dict(net_arch=foo(1))", "dict(",
                "dict(act_fun=nn.Mystery)", "open('x')"):
        with pytest.raises(ValueError):
            parse_policy_kwargs(bad)


def test_policy_kwargs_build_the_network():
    config = zoo_config("CartPole-v1", {"CartPole-v1": {**TABLE["CartPole-v1"],
                                                        "policy_kwargs": "dict(net_arch=[16], act_fun=tf.nn.relu)"}})
    model = PPO2(env="CartPole-v1", **config.model_kwargs)
    assert model.policy_kwargs == {"net_arch": [16], "act_fun": "relu"}


def test_custom_mlp_policy_is_the_zoos():
    kwargs = translate_entry(TABLE["AntBulletEnv-v0"])
    assert kwargs["policy"] == "MlpPolicy"
    assert kwargs["policy_kwargs"] == {"net_arch": [{"pi": [16], "vf": [16]}]}


def test_normalize_parsing():
    assert parse_normalize(True) == {}
    assert parse_normalize(False) is None and parse_normalize(None) is None
    assert parse_normalize("{'norm_obs': True, 'norm_reward': False}") == {"norm_obs": True, "norm_reward": False}
    assert parse_normalize("dict(norm_obs=False)") == {"norm_obs": False}
    with pytest.raises(ValueError):
        parse_normalize("[1]")
    with pytest.raises(ValueError):
        parse_normalize("os.system('true')")


def test_unknown_keys_rejected():
    with pytest.raises(ValueError, match="unknown PPO2 hyper-parameters"):
        translate_entry({"policy": "MlpPolicy", "batch_size": 64})


def test_entry_lookup_maps_old_ids():
    assert find_zoo_entry("CartPole-v1", TABLE) == "CartPole-v1"
    assert find_zoo_entry("Pendulum-v1", TABLE) == "Pendulum-v0"
    assert find_zoo_entry("LunarLander-v3", TABLE) == "LunarLander-v2"
    assert find_zoo_entry("LunarLanderContinuous-v3", TABLE) == "LunarLanderContinuous-v2"
    assert find_zoo_entry("BipedalWalker-v3", TABLE) == "BipedalWalker-v3"
    assert find_zoo_entry("BreakoutNoFrameskip-v4", TABLE) == "atari"
    assert zoo_config("PongNoFrameskip-v4").atari
    with pytest.raises(KeyError, match="no hyper-parameters"):
        find_zoo_entry("FrozenLake-v1", TABLE)


def test_overrides_and_missing_budget():
    config = zoo_config("Acrobot-v1", overrides={"n_envs": 2, "n_timesteps": 300, "seed": None})
    assert (config.n_envs, config.n_timesteps) == (2, 300)
    with pytest.raises(ValueError, match="n_timesteps"):
        zoo_config("CartPole-v1", {"CartPole-v1": {"policy": "MlpPolicy"}})
    with pytest.raises(ValueError, match="n_envs"):
        zoo_config("CartPole-v1", overrides={"n_envs": 0})


def test_hyperparams_files(tmp_path):
    json_path = tmp_path / "h.json"
    json_path.write_text(json.dumps({"CartPole-v1": {"n_timesteps": 10, "policy": "MlpPolicy"}}))
    assert load_hyperparams_file(str(json_path))["CartPole-v1"]["n_timesteps"] == 10
    with pytest.raises(ValueError, match="does not exist"):
        load_hyperparams_file(str(tmp_path / "missing.yml"))
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="must map env ids"):
        load_hyperparams_file(str(bad))
    pytest.importorskip("yaml")
    yml = tmp_path / "h.yml"
    yml.write_text("CartPole-v1:\n  n_timesteps: !!float 1e3\n  learning_rate: lin_0.01\n")
    assert load_hyperparams_file(str(yml)) == {"CartPole-v1": {"n_timesteps": 1000.0, "learning_rate": "lin_0.01"}}
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text("CartPole-v1: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(Exception):  # noqa: B017 - yaml's own error type: safe_load refuses python tags
        load_hyperparams_file(str(unsafe))


# --- published figures, monitor curves, report --------------------------------------------------------------------
def test_zoo_benchmark_figures():
    table = load_zoo_benchmark()
    assert table["CartPole-v1"]["mean"] == 500.0
    assert table["Acrobot-v1"] == {"mean": -85.137, "std": 26.272, "n_timesteps": 149963, "n_episodes": 1741}
    assert zoo_reference("Pendulum-v1")["mean"] == pytest.approx(-168.285)
    assert zoo_reference("LunarLanderContinuous-v3")["zoo_id"] == "LunarLanderContinuous-v2"
    assert zoo_reference("FrozenLake-v1") is None
    assert load_zoo_benchmark("a2c")["CartPole-v1"]["mean"] == pytest.approx(499.903)


def _write_monitor(folder, name, t_start, episodes):
    with open(os.path.join(folder, f"{name}.monitor.csv"), "w") as file_handler:
        file_handler.write("#" + json.dumps({"t_start": t_start, "env_id": "CartPole-v1"}) + "\n")
        file_handler.write("r,l,t\n")
        for reward, length, t in episodes:
            file_handler.write(f"{reward},{length},{t}\n")


def test_read_monitor_curve_orders_all_files(tmp_path):
    _write_monitor(tmp_path, "0", 100.0, [(1.0, 10, 1.0), (3.0, 30, 3.0)])
    _write_monitor(tmp_path, "1", 100.5, [(2.0, 20, 1.0)])
    x, y = read_monitor_curve(str(tmp_path))
    np.testing.assert_array_equal(y, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x, [10, 30, 60])
    empty_x, empty_y = read_monitor_curve(str(tmp_path / "nothing"))
    assert len(empty_x) == len(empty_y) == 0


def test_curve_on_grid():
    x = np.array([10, 20, 30, 40])
    y = np.array([0.0, 2.0, 4.0, 6.0])
    values = curve_on_grid(x, y, np.array([0, 20, 40]), window=2)
    assert np.isnan(values[0])
    np.testing.assert_allclose(values[1:], [1.0, 5.0])
    assert np.isnan(curve_on_grid(np.array([]), np.array([]), np.array([0, 1]))).all()


def test_benchmark_report(tmp_path):
    rows = []
    for seed in range(2):
        folder = tmp_path / f"seed_{seed}"
        folder.mkdir()
        _write_monitor(folder, "0", 0.0, [(float(i + seed), 10, float(i)) for i in range(30)])
        rows.append(BenchmarkRow("CartPole-v1", seed, 300, 100.0 + seed, 5.0, str(folder)))
    rows.append(BenchmarkRow("FrozenLake-v1", 0, 300, 0.5, 0.1, str(tmp_path / "none")))
    fig = benchmark_report(rows)
    assert isinstance(fig, go.Figure)
    names = [trace.name for trace in fig.data]
    assert "rl-baselines-zoo PPO2 (mean ± std)" in names
    assert any(name and name.startswith("mean of 2 seeds") for name in names)
    zoo_trace = next(trace for trace in fig.data if trace.name == "rl-baselines-zoo PPO2 (mean ± std)")
    assert list(zoo_trace.y) == [500.0]
    assert gymnasium.__version__  # the report never needs an env
