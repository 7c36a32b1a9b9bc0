"""``python -m sb_ppo2``: every command and flag with tiny budgets, user errors, progress output on and off."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sb_ppo2 import cli
from sb_ppo2.common.vec_env import VecNormalize
from sb_ppo2.zoo import load_zoo_hyperparams

TINY = ["--n-timesteps", "256", "--n-envs", "2", "--no-progress"]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_main(argv, capsys):
    """Call the CLI in-process. :return: (int, str, str) exit status, stdout, stderr"""
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory):
    """One tiny CartPole training run shared by the enjoy tests."""
    folder = tmp_path_factory.mktemp("runs")
    status = cli.main(["train", "--env", "CartPole-v1", "--log-folder", str(folder), "--seed", "3", *TINY])
    assert status == 0
    return os.path.join(folder, "CartPole-v1_1")


# --- train --------------------------------------------------------------------------------------------------------
def test_train_writes_every_file(tmp_path, capsys):
    status, out, err = run_main(["train", "--env", "CartPole-v1", "--log-folder", str(tmp_path), "--seed", "1",
                                 "--device", "cpu", *TINY], capsys)
    assert status == 0, err
    run_dir = tmp_path / "CartPole-v1_1"
    for name in ("CartPole-v1.zip", "config.json", "learning_curve.html", "0.monitor.csv", "1.monitor.csv"):
        assert (run_dir / name).is_file(), name
    assert not (run_dir / "vecnormalize.pkl").exists()
    config = json.loads((run_dir / "config.json").read_text())
    assert config["zoo_entry"] == "CartPole-v1" and config["seed"] == 1 and config["device"] == "cpu"
    assert config["n_timesteps"] == 256 and config["n_envs"] == 2
    assert config["model_kwargs"]["learning_rate"] == "LinearFn(0.001)"
    assert config["hyperparams"]["learning_rate"] == "lin_0.001"
    if _has_yaml():
        assert (run_dir / "config.yml").is_file()
    assert "plotly" in (run_dir / "learning_curve.html").read_text()[:5000].lower()
    lines = out.strip().splitlines()
    assert str(run_dir / "CartPole-v1.zip") in out
    assert lines[-1].startswith("mean_reward=") and "+/-" in lines[-1] and "steps/s" in lines[-1]
    assert "deterministic" in lines[-1]
    # A second run gets the next number, as in the zoo.
    status, out, _ = run_main(["train", "--env", "CartPole-v1", "--log-folder", str(tmp_path), *TINY], capsys)
    assert status == 0 and (tmp_path / "CartPole-v1_2" / "CartPole-v1.zip").is_file()


def _has_yaml() -> bool:
    try:
        import yaml  # noqa: F401
    except ImportError:
        return False
    return True


def test_train_with_normalize_and_eval_freq(tmp_path, capsys):
    status, out, err = run_main(["train", "--env", "MountainCar-v0", "--log-folder", str(tmp_path),
                                 "--eval-freq", "64", "--verbose", "1", *TINY], capsys)
    assert status == 0, err
    run_dir = tmp_path / "MountainCar-v0_1"
    assert (run_dir / "vecnormalize.pkl").is_file()
    assert "VecNormalize:" in out
    # --eval-freq: the zoo's EvalCallback (best model + evaluations.npz); --verbose 1: PPO2's log table.
    assert (run_dir / "best_model.zip").is_file()
    assert np.load(run_dir / "evaluations.npz")["timesteps"].size >= 1
    assert "explained_variance" in out
    config = json.loads((run_dir / "config.json").read_text())
    assert config["normalize"] == {}


def test_train_custom_hyperparams_file(tmp_path, capsys):
    hyperparams = tmp_path / "h.json"
    hyperparams.write_text(json.dumps({"Pendulum-v0": {
        "n_envs": 2, "n_timesteps": 64, "policy": "MlpPolicy", "n_steps": 16, "nminibatches": 2, "noptepochs": 1,
        "learning_rate": "lin_3e-4", "cliprange": 0.2, "cliprange_vf": -1, "frame_stack": 2,
        "normalize": "{'norm_obs': True, 'norm_reward': False}", "policy_kwargs": "dict(net_arch=[8], act_fun=nn.ReLU)",
    }}))
    status, out, err = run_main(["train", "--env", "Pendulum-v1", "--hyperparams", str(hyperparams),
                                 "--log-folder", str(tmp_path / "runs"), "--no-progress"], capsys)
    assert status == 0, err
    config = json.loads((tmp_path / "runs" / "Pendulum-v1_1" / "config.json").read_text())
    assert config["zoo_entry"] == "Pendulum-v0"
    assert config["frame_stack"] == 2 and config["normalize"] == {"norm_obs": True, "norm_reward": False}
    assert config["model_kwargs"]["policy_kwargs"] == {"net_arch": [8], "act_fun": "relu"}
    assert config["model_kwargs"]["cliprange_vf"] == -1
    # enjoy re-applies the frame stack and the frozen statistics it finds next to the model.
    status, out, err = run_main(["enjoy", "--model", str(tmp_path / "runs" / "Pendulum-v1_1"), "--env",
                                 "Pendulum-v1", "--n-episodes", "1"], capsys)
    assert status == 0, err
    assert out.startswith("mean_reward=")


def test_train_yaml_hyperparams_file(tmp_path, capsys):
    pytest.importorskip("yaml")
    hyperparams = tmp_path / "h.yml"
    hyperparams.write_text("CartPole-v1:\n  n_envs: 2\n  n_timesteps: !!float 64\n  n_steps: 32\n"
                           "  nminibatches: 1\n  learning_rate: lin_0.001\n")
    status, _, err = run_main(["train", "--env", "CartPole-v1", "--hyperparams", str(hyperparams),
                               "--log-folder", str(tmp_path / "runs"), "--no-progress"], capsys)
    assert status == 0, err


@pytest.mark.parametrize("argv, message", [
    (["train", "--env", "CartPoel-v1"], "closest known id is 'CartPole-v1'"),
    (["train", "--env", "FrozenLake-v1"], "no hyper-parameters for 'FrozenLake-v1'"),
    (["train", "--env", "CartPole-v1", "--hyperparams", "missing.yml"], "does not exist"),
    (["train", "--env", "CartPole-v1", "--device", "tpu"], "expected auto, cpu, cuda or cuda:N"),
    (["train", "--env", "CartPole-v1", "--n-timesteps", "-5"], "expected a positive integer"),
    (["train", "--env", "CartPole-v1", "--n-envs", "1.5"], "expected a positive integer"),
    (["train", "--env", "CartPole-v1", "--progress", "--no-progress"], "not allowed with"),
    (["train"], "--env"),
    (["enjoy", "--model", "nowhere.zip", "--env", "CartPole-v1"], "model file not found"),
    (["evaluate", "--model", "nowhere", "--env", "Nope-v0"], "Unknown environment id"),
    (["benchmark", "--envs", ",", "--seeds", "1"], "give at least one env id"),
    (["benchmark", "--envs", "CartPole-v1,Bogus-v9"], "Bogus-v9"),
    (["benchmark", "--seeds", "0"], "expected a positive integer"),
    ([], "required"),
])
def test_user_errors_are_argparse_errors(argv, message, capsys, tmp_path):
    status, _, err = run_main([*argv, *(["--log-folder", str(tmp_path)] if argv[:1] == ["train"] else [])], capsys)
    assert status == 2
    assert message in err


def test_unsupported_zoo_features_fail_clearly(tmp_path, capsys):
    hyperparams = tmp_path / "h.json"
    hyperparams.write_text(json.dumps({"CartPole-v1": {"n_timesteps": 64, "env_wrapper": "utils.wrappers.X"},
                                       "atari": load_zoo_hyperparams()["atari"]}))
    status, _, err = run_main(["train", "--env", "CartPole-v1", "--hyperparams", str(hyperparams)], capsys)
    assert status == 2 and "env_wrapper 'utils.wrappers.X'" in err
    config = cli.zoo_config("BreakoutNoFrameskip-v4")
    with pytest.raises(cli.CliError, match="Atari"):
        cli._check_supported(config)


# --- progress -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag, expect_output", [(None, False), ("--no-progress", False), ("--progress", True)])
def test_progress_output(flag, expect_output, tmp_path, capsys):
    argv = ["train", "--env", "CartPole-v1", "--log-folder", str(tmp_path), "--n-timesteps", "128", "--n-envs", "2"]
    status, _, err = run_main(argv + ([flag] if flag else []), capsys)
    assert status == 0
    # pytest's captured stderr is not a terminal: the bar only draws when forced.
    drew = "128/128" in err or "128/128" in err.replace(" ", "")
    assert drew == expect_output, err


# --- enjoy / evaluate ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["enjoy", "evaluate"])
def test_enjoy_our_model(cartpole_run, command, capsys):
    model = os.path.join(cartpole_run, "CartPole-v1.zip")
    status, out, err = run_main([command, "--model", model, "--env", "CartPole-v1", "--n-episodes", "2",
                                 "--seed", "5"], capsys)
    assert status == 0, err
    assert out.startswith("mean_reward=") and "+/-" in out and "2 stochastic episodes" in out


def test_enjoy_flags_and_paths(cartpole_run, capsys, monkeypatch):
    # A folder, or a path without extension, finds the model; --deterministic is repeatable.
    outputs = []
    for model in (cartpole_run, os.path.join(cartpole_run, "CartPole-v1")):
        status, out, err = run_main(["enjoy", "--model", model, "--env", "CartPole-v1", "--n-episodes", "2",
                                     "--deterministic", "--device", "cpu"], capsys)
        assert status == 0, err
        assert "2 deterministic episodes" in out
        outputs.append(out.split(" (")[0])
    assert outputs[0] == outputs[1]
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    status, out, err = run_main(["enjoy", "--model", cartpole_run, "--env", "CartPole-v1", "--n-episodes", "1",
                                 "--render"], capsys)
    assert status == 0, err


def test_enjoy_wrong_env(cartpole_run, capsys):
    status, _, err = run_main(["enjoy", "--model", cartpole_run, "--env", "Pendulum-v1", "--n-episodes", "1"],
                              capsys)
    assert status == 2
    assert "observation_space" in err


def test_eval_env_finds_normalization(tmp_path):
    # Ours: vecnormalize.pkl next to the model.
    venv = cli.make_env("CartPole-v1", 1, 0, None, {}, None)
    venv.save(str(tmp_path / "vecnormalize.pkl"))
    env = cli.make_eval_env(str(tmp_path / "CartPole-v1.zip"), "CartPole-v1", 0)
    assert isinstance(env, VecNormalize) and not env.training and not env.norm_reward
    # The zoo's legacy layout: <dir>/<env>/obs_rms.pkl next to <dir>/<env>.pkl.
    legacy = tmp_path / "legacy"
    (legacy / "CartPole-v1").mkdir(parents=True)
    with pytest.warns(DeprecationWarning):
        venv.save_running_average(str(legacy / "CartPole-v1"))
    assert cli.find_normalization(str(legacy / "CartPole-v1.pkl"), "CartPole-v1") == (
        "running_average", str(legacy / "CartPole-v1"))
    env = cli.make_eval_env(str(legacy / "CartPole-v1.pkl"), "CartPole-v1", 0)
    assert isinstance(env, VecNormalize) and not env.training
    assert cli.find_normalization(str(tmp_path / "none" / "m.zip"), "CartPole-v1") is None


def test_enjoy_sb2_zoo_model(zoo_dir, capsys):
    # SB2's own file (old gym bounds in its spaces) with the zoo's obs_rms.pkl in <dir>/<env>/.
    status, out, err = run_main(["enjoy", "--model", os.path.join(zoo_dir, "Acrobot-v1.pkl"), "--env",
                                 "Acrobot-v1", "--n-episodes", "2", "--deterministic"], capsys)
    assert status == 0, err
    mean_reward = float(out.split("mean_reward=")[1].split()[0])
    assert mean_reward > -200  # the trained zoo agent swings up; an unnormalised one would time out at -500
    status, out, err = run_main(["evaluate", "--model", os.path.join(zoo_dir, "CartPole-v1.pkl"), "--env",
                                 "CartPole-v1", "--n-episodes", "1"], capsys)
    assert status == 0, err
    assert "bounds differ" in err


# --- benchmark ----------------------------------------------------------------------------------------------------
def test_benchmark(tmp_path, capsys):
    status, out, err = run_main(["benchmark", "--envs", "CartPole-v1,MountainCar-v0", "--seeds", "2",
                                 "--n-timesteps", "128", "--n-envs", "2", "--n-eval-episodes", "2",
                                 "--log-folder", str(tmp_path), "--no-progress"], capsys)
    assert status == 0, err
    with open(tmp_path / "benchmark.csv", newline="") as file_handler:
        rows = list(csv.DictReader(file_handler))
    assert [(r["env_id"], r["seed"]) for r in rows] == [("CartPole-v1", "0"), ("CartPole-v1", "1"),
                                                        ("MountainCar-v0", "0"), ("MountainCar-v0", "1")]
    assert float(rows[0]["zoo_mean"]) == 500.0 and rows[0]["eval"] == "stochastic"
    assert rows[0]["n_eval_episodes"] == "2"
    assert (tmp_path / "MountainCar-v0" / "seed_1" / "vecnormalize.pkl").is_file()
    report = (tmp_path / "report.html").read_text()
    assert "rl-baselines-zoo PPO2" in report and "MountainCar-v0" in report
    table = out[out.index("env "):]
    assert "CartPole-v1" in table and "500.0 ± 0.0" in table and "-143.5 ± 22.9" in table


def test_benchmark_deterministic_flag(tmp_path, capsys):
    status, _, err = run_main(["benchmark", "--envs", "CartPole-v1", "--seeds", "1", "--first-seed", "4",
                               "--n-timesteps", "64",
                               "--n-envs", "2", "--n-eval-episodes", "1", "--deterministic", "--log-folder",
                               str(tmp_path)], capsys)
    assert status == 0, err
    with open(tmp_path / "benchmark.csv", newline="") as file_handler:
        row = next(csv.DictReader(file_handler))
    assert row["eval"] == "deterministic" and row["seed"] == "4"
    assert (tmp_path / "CartPole-v1" / "seed_4" / "CartPole-v1.zip").is_file()


# --- python -m sb_ppo2 --------------------------------------------------------------------------------------------
def test_help(capsys):
    status, out, _ = run_main(["--help"], capsys)
    assert status == 0 and "train" in out and "benchmark" in out
    for command in ("train", "enjoy", "evaluate", "benchmark"):
        status, out, _ = run_main([command, "--help"], capsys)
        assert status == 0 and "--" in out


def test_python_dash_m(tmp_path):
    # One subprocess only: importing torch in a fresh interpreter takes seconds.
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-m", "sb_ppo2", "train", "--env", "CartPole-v1", "--log-folder",
                           str(tmp_path), "--n-timesteps", "64", "--n-envs", "2"], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("mean_reward=")
    assert "64/64" not in done.stderr  # not a terminal: no progress bar
