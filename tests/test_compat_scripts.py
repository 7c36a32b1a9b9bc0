"""Legacy SB2 / gym 0.17 scripts (``tests/legacy_scripts``) run unchanged through ``python -m sb_ppo2.compat``.

All scripts start together (one subprocess each, in its own folder) when the first test asks for a result, so
the set costs about as long as its slowest script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "legacy_scripts")
ZOO_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "fixtures", "sb2_zoo")

# Each script costs a Python + torch start-up (several seconds on a loaded 2-core machine): the quick set runs in
# the default selection, the rest under the `slow` marker (CI runs both).
FAST_RUNS = {
    "basic_usage": ["basic_usage.py"],
    "callbacks_legacy": ["callbacks_legacy.py"],
    "custom_policy_net_arch": ["custom_policy_net_arch.py"],
    "custom_env_check_env": ["custom_env_check_env.py"],
}
SLOW_RUNS = {
    "multiprocessing_subproc": ["multiprocessing_subproc.py"],
    "vecnormalize_save_load": ["vecnormalize_save_load.py"],
    "monitor_results_plotter": ["monitor_results_plotter.py"],
    "zoo_train": ["zoo_train_enjoy.py", "--env", "CartPole-v1", "-n", "256"],
}
if os.path.isdir(ZOO_DIR):
    SLOW_RUNS["zoo_enjoy_acrobot_pkl"] = ["zoo_train_enjoy.py", "--env", "Acrobot-v1", "--enjoy", "-f", ZOO_DIR,
                                          "-n", "1000"]


def _run(name: str, args: list[str], folder: str) -> subprocess.CompletedProcess:
    os.makedirs(folder, exist_ok=True)
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "sb_ppo2.compat", os.path.join(SCRIPTS, args[0]), *args[1:]]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=400)


def _run_all(runs: dict[str, list[str]], base) -> dict[str, tuple[subprocess.CompletedProcess, str]]:
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = {name: pool.submit(_run, name, args, str(base / name)) for name, args in runs.items()}
        return {name: (future.result(), str(base / name)) for name, future in futures.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, str]]:
    return _run_all(FAST_RUNS, tmp_path_factory.mktemp("legacy_scripts"))


@pytest.fixture(scope="module")
def slow_runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, str]]:
    return _run_all(SLOW_RUNS, tmp_path_factory.mktemp("legacy_scripts_slow"))


def _results(runs, name: str) -> dict[str, str]:
    completed, _ = runs[name]
    assert completed.returncode == 0, f"{name} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    results = {}
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            key, _, value = line[len("RESULT "):].partition(" ")
            results[key] = value
    return results


def test_basic_usage(runs):
    results = _results(runs, "basic_usage")
    assert results["obs_shape"] == "(4,)"  # the raw env's reset() gives the observation only
    assert results["render_shape"] == "(400, 600, 3)"
    assert int(results["dones"]) >= 1
    assert "Wrapping the env in a DummyVecEnv." in runs["basic_usage"][0].stdout
    assert os.path.exists(os.path.join(runs["basic_usage"][1], "ppo2_cartpole.zip"))


@pytest.mark.slow
def test_multiprocessing_subproc_vec_env(slow_runs):
    runs = slow_runs
    results = _results(runs, "multiprocessing_subproc")
    assert results["obs_shape"] == "(2, 4)"
    assert results["rewards"] == "[1.0, 1.0]"


def test_legacy_function_callback_gets_the_model(runs):
    results = _results(runs, "callbacks_legacy")
    assert results["self_type"] == "PPO2"
    assert results["n_calls"] == "1"  # returning False stopped training
    assert results["saved"] == "True"
    assert "rl_model_64_steps.zip" in results["checkpoints"]
    assert results["best_model"] == "True"


@pytest.mark.slow
def test_vecnormalize_save_load(slow_runs):
    runs = slow_runs
    results = _results(runs, "vecnormalize_save_load")
    assert results == {"stats_equal": "True", "running_average_equal": "True", "obs_bounded": "True"}


def test_custom_policy_and_tf_activations(runs):
    results = _results(runs, "custom_policy_net_arch")
    assert results["net_arch"] == "[32, 32]"
    assert results["relu_cloudpickle"] == "relu"
    assert results["custom_params"] == "18"  # 3 + 3 tower layers, vf, pi, q
    assert results["es_keys"] == "['model/pi/b:0', 'model/pi/w:0', 'model/shared_fc0/b:0', 'model/shared_fc0/w:0']"
    assert results["tf_error"] == "tensorflow.layers"


def test_custom_old_api_env(runs):
    results = _results(runs, "custom_env_check_env")
    assert results["check_env"] == "ok"
    assert results["time_limit"] == "20 True"
    assert results["goal_reached"].startswith("True")


@pytest.mark.slow
def test_monitor_and_results_plotter(slow_runs):
    runs = slow_runs
    results = _results(runs, "monitor_results_plotter")
    assert results == {"monitor_csv": "True", "best_model": "True", "episodes": "True", "plot": "Figure"}


@pytest.mark.slow
def test_zoo_style_train_then_enjoy(slow_runs):
    runs = slow_runs
    results = _results(runs, "zoo_train")
    assert "CartPole-v1.zip" in results["saved"]
    assert results["normalization"] == "vecnormalize.pkl"
    assert int(results["episodes"]) >= 1


@pytest.mark.slow
def test_zoo_style_enjoy_of_a_real_legacy_agent(slow_runs):
    runs = slow_runs
    if "zoo_enjoy_acrobot_pkl" not in runs:
        pytest.skip(f"SB2 zoo fixtures not found at {ZOO_DIR}")
    results = _results(runs, "zoo_enjoy_acrobot_pkl")
    assert results["normalization"] == "obs_rms.pkl"
    assert int(results["episodes"]) >= 5
    assert float(results["mean_reward"]) > -85.14 - 26.27  # the zoo's benchmark: -85.14 +- 26.27
