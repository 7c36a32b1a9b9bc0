"""The compat layer's pieces: aliasing (only when installed), the legacy gym adapter, the TensorFlow shim and the
placeholders for SB2 algorithms that sb_ppo2 does not implement."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import gymnasium
import numpy as np
import pytest

from sb_ppo2.common.vec_env import DummyVecEnv
from sb_ppo2.compat import legacy_gym, tf_shim
from sb_ppo2.compat.env_ids import resolve_env_id
from sb_ppo2.compat.legacy_gym.wrappers import TimeLimit
from sb_ppo2.compat.sb2_placeholders import ALGORITHM_PLACEHOLDERS


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_nothing_aliased_until_install_then_every_sb2_module_path():
    completed = _python("""
        import importlib, sb_ppo2.compat
        from sb_ppo2 import PPO2
        for name in ("stable_baselines", "gym", "tensorflow"):
            try:
                __import__(name)
                print("IMPORTED", name)
            except ImportError:
                print("MISSING", name)
        sb_ppo2.compat.install()
        import stable_baselines, gym, tensorflow as tf
        from stable_baselines import PPO2, A2C, bench, logger, results_plotter, common, ppo2, gail
        import sb_ppo2
        assert PPO2 is sb_ppo2.PPO2
        paths = ["stable_baselines.ppo2.ppo2", "stable_baselines.common.policies", "stable_baselines.common.base_class",
                 "stable_baselines.common.vec_env", "stable_baselines.common.vec_env.vec_normalize",
                 "stable_baselines.common.vec_env.dummy_vec_env", "stable_baselines.common.vec_env.subproc_vec_env",
                 "stable_baselines.common.vec_env.base_vec_env", "stable_baselines.common.vec_env.vec_frame_stack",
                 "stable_baselines.common.vec_env.vec_check_nan", "stable_baselines.common.vec_env.util",
                 "stable_baselines.common.callbacks", "stable_baselines.common.schedules",
                 "stable_baselines.common.evaluation", "stable_baselines.common.env_checker",
                 "stable_baselines.common.cmd_util", "stable_baselines.common.misc_util",
                 "stable_baselines.common.math_util", "stable_baselines.common.running_mean_std",
                 "stable_baselines.common.identity_env", "stable_baselines.common.save_util",
                 "stable_baselines.common.runners", "stable_baselines.common.tile_images", "stable_baselines.bench",
                 "stable_baselines.bench.monitor", "stable_baselines.results_plotter", "stable_baselines.logger",
                 "stable_baselines.gail", "stable_baselines.common.atari_wrappers", "stable_baselines.deepq.policies",
                 "stable_baselines.common.noise", "stable_baselines.her", "stable_baselines.a2c.utils",
                 "gym.spaces", "gym.spaces.box", "gym.wrappers", "gym.logger", "gym.envs", "gym.utils.seeding"]
        for path in paths:
            importlib.import_module(path)
        from stable_baselines.common.vec_env.vec_normalize import VecNormalize
        from sb_ppo2.common.vec_env import VecNormalize as Ours
        assert VecNormalize is Ours
        assert stable_baselines.logger is sb_ppo2.logger
        assert importlib.import_module("sb_ppo2.logger").__spec__.name == "sb_ppo2.logger"
        from stable_baselines.common import make_vec_env, set_global_seeds, BaseRLModel
        from stable_baselines.ppo2.ppo2 import constfn, safe_mean
        assert gym.spaces.Box is __import__("gymnasium").spaces.Box
        try:
            import stable_baselines.no_such_module
        except ModuleNotFoundError as err:
            print("NOMOD", err)
        sb_ppo2.compat.uninstall()
        try:
            import stable_baselines.common.policies
            print("STILL ALIASED")
        except ImportError:
            print("UNINSTALLED")
        print("OK")
    """)
    assert completed.returncode == 0, completed.stderr
    assert "MISSING stable_baselines" in completed.stdout and "MISSING tensorflow" in completed.stdout
    assert "NOMOD" in completed.stdout and "stable_baselines.no_such_module" in completed.stdout
    assert "UNINSTALLED" in completed.stdout and "OK" in completed.stdout


def test_runner_usage_and_missing_script(capsys):
    from sb_ppo2.compat.runner import main

    assert main([]) == 2 and "usage" in capsys.readouterr().err
    assert main(["no_such_script.py"]) == 2 and "no_such_script.py" in capsys.readouterr().err
    assert main(["--help"]) == 0


# --- legacy gym adapter ------------------------------------------------------------------------------------------
def test_gym_make_speaks_the_old_api():
    env = legacy_gym.make("CartPole-v1")
    assert env.seed(3) == [3]
    obs = env.reset()
    assert isinstance(obs, np.ndarray) and obs.shape == (4,)
    np.testing.assert_array_equal(obs, gymnasium.make("CartPole-v1").reset(seed=3)[0])
    result = env.step(0)
    assert len(result) == 4 and isinstance(result[2], bool)
    assert env._env_api == "legacy" and env.render_mode is None
    assert env.render(mode="rgb_array").shape == (400, 600, 3)


def test_time_limit_truncation_is_flagged():
    env = legacy_gym.make("Pendulum-v0")  # 200 steps, never terminates
    env.reset()
    for step in range(200):
        _, _, done, info = env.step(np.zeros(1, np.float32))
        assert done == (step == 199)
    assert info["TimeLimit.truncated"] is True


def test_old_ids_map_to_successors_and_unknown_ids_name_the_closest():
    with pytest.warns(UserWarning, match="Pendulum-v1"):
        assert resolve_env_id("Pendulum-v0") == ("Pendulum-v1", {})
    with pytest.warns(UserWarning):
        assert resolve_env_id("LunarLanderContinuous-v2") == ("LunarLander-v3", {"continuous": True})
    with pytest.raises(ValueError, match=r"'CartPol-v1'.*closest known id is 'CartPole-v1'"):
        legacy_gym.make("CartPol-v1")


class _CountEnv(legacy_gym.Env):
    """An old-API env: reset gives the observation, step a 4-tuple, done after 3 steps."""

    def __init__(self):
        self.observation_space = gymnasium.spaces.Box(0, 10, (1,), np.float32)
        self.action_space = gymnasium.spaces.Discrete(2)
        self.t = 0

    def reset(self):
        self.t = 0
        return np.zeros(1, np.float32)

    def step(self, action):
        self.t += 1
        return np.full(1, self.t, np.float32), 1.0, self.t >= 3, {}


def test_custom_old_api_env_in_a_vec_env_and_time_limit():
    venv = DummyVecEnv([lambda: _CountEnv()])
    venv.reset()
    dones = [venv.step([0])[2][0] for _ in range(3)]
    assert dones == [False, False, True]
    limited = TimeLimit(_CountEnv(), max_episode_steps=2)
    limited.reset()
    limited.step(0)
    _, _, done, info = limited.step(0)
    assert done and info["TimeLimit.truncated"] is True


def test_legacy_registration_and_registry():
    legacy_gym.register(id="CountEnv-v0", entry_point=_CountEnv, max_episode_steps=2)
    env = legacy_gym.make("CountEnv-v0")
    env.reset()
    env.step(0)
    assert env.step(0)[2] is True
    specs = legacy_gym.envs.registry.env_specs
    assert "CountEnv-v0" in specs and "Pendulum-v0" in specs and "CartPole-v1" in specs


def test_legacy_seeding_returns_random_state():
    rng, seed = legacy_gym.utils.seeding.np_random(5)
    assert isinstance(rng, np.random.RandomState) and seed == 5 and 0 <= rng.randint(3) < 3


# --- TensorFlow shim and placeholders ----------------------------------------------------------------------------
def test_tf_shim_activations_and_errors():
    import torch

    from sb_ppo2.common.torch_layers import get_activation

    assert get_activation(tf_shim.nn.relu) is torch.relu
    assert get_activation(tf_shim.tanh) is torch.tanh
    assert float(tf_shim.nn.relu(torch.tensor(-1.0))) == 0.0
    with pytest.raises(NotImplementedError, match=r"tensorflow\.layers is not supported"):
        _ = tf_shim.layers
    with pytest.raises(NotImplementedError, match=r"tensorflow\.nn\.conv2d is not supported"):
        _ = tf_shim.nn.conv2d


@pytest.mark.parametrize("name", sorted(ALGORITHM_PLACEHOLDERS))
def test_other_algorithms_are_importable_placeholders(name):
    placeholder = ALGORITHM_PLACEHOLDERS[name]
    assert placeholder.__module__ == "stable_baselines" and placeholder.__name__ == name
    with pytest.raises(NotImplementedError, match=f"stable_baselines.{name} is not available"):
        placeholder("MlpPolicy", "CartPole-v1")
