"""check_env: accepts gymnasium and legacy-API envs, raises SB2's assertions and warnings."""

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from sb_ppo2.common.env_checker import check_env
from sb_ppo2.common.identity_env import (
    IdentityEnv,
    IdentityEnvBox,
    IdentityEnvMultiBinary,
    IdentityEnvMultiDiscrete,
)

try:
    from sb_ppo2.common.vec_env import DummyVecEnv, VecCheckNan  # noqa: F401
    HAS_VEC_CHECK_NAN = True
except ImportError:
    HAS_VEC_CHECK_NAN = False


class ConfigurableEnv(gymnasium.Env):
    """A gymnasium env whose returned values can be made wrong, one at a time."""

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, observation_space=None, action_space=None, render_mode=None, **overrides):
        self.observation_space = observation_space or spaces.Box(low=-1, high=1, shape=(2,), dtype=np.float32)
        self.action_space = action_space or spaces.Discrete(2)
        self.render_mode = render_mode
        self.overrides = overrides
        self.n_renders = 0

    def _obs(self):
        return self.overrides.get("obs", self.observation_space.sample())

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._obs(), self.overrides.get("reset_info", {})

    def step(self, action):
        result = (self._obs(), self.overrides.get("reward", 1.0), self.overrides.get("terminated", False),
                  self.overrides.get("truncated", False), self.overrides.get("info", {}))
        return result[:self.overrides.get("n_values", 5)]

    def render(self):
        self.n_renders += 1
        return np.zeros((4, 4, 3), dtype=np.uint8)


class LegacyEnv(gymnasium.Env):
    """An old-gym-API env: ``reset() -> obs`` and a 4-tuple ``step``."""

    metadata = {"render.modes": ["rgb_array", "human"]}

    def __init__(self, n_values=4, done=False):
        self.observation_space = spaces.Box(low=-1, high=1, shape=(3,), dtype=np.float32)
        self.action_space = spaces.Box(low=-1, high=1, shape=(1,), dtype=np.float32)
        self.n_values = n_values
        self.done = done
        self.rendered = []

    def reset(self, **kwargs):
        return self.observation_space.sample()

    def step(self, action):
        result = (self.observation_space.sample(), 0.5, self.done, {}, {})
        return result[:self.n_values]

    def render(self, mode="human"):
        self.rendered.append(mode)


def _check_without_warnings(env, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, **kwargs)


# ---------------------------------------------------------------- environments that pass

@pytest.mark.parametrize("make_env", [
    lambda: IdentityEnv(dim=3),
    lambda: IdentityEnvBox(),
    lambda: IdentityEnvMultiDiscrete(dim=2),
    lambda: IdentityEnvMultiBinary(dim=3),
    lambda: gymnasium.make("CartPole-v1"),
])
def test_valid_gymnasium_envs_pass_silently(make_env):
    _check_without_warnings(make_env())


def test_legacy_api_env_passes():
    _check_without_warnings(LegacyEnv())


def test_api_is_detected_from_reset_and_step_must_agree():
    with pytest.raises(AssertionError, match="five values"):
        check_env(ConfigurableEnv(n_values=4))
    with pytest.raises(AssertionError, match="four values"):
        check_env(LegacyEnv(n_values=5))


# ---------------------------------------------------------------- assertions

def test_env_must_be_a_gym_env():
    class NotAnEnv:
        observation_space = spaces.Discrete(2)
        action_space = spaces.Discrete(2)

    with pytest.raises(AssertionError, match=r"must inherit from the gymnasium\.Env class"):
        check_env(NotAnEnv())


def test_spaces_must_be_gym_spaces():
    env = ConfigurableEnv()
    env.action_space = [0, 1]
    with pytest.raises(AssertionError, match=r"action space must inherit from gym\.spaces"):
        check_env(env)
    env = ConfigurableEnv()
    del env.observation_space
    with pytest.raises(AssertionError, match="You must specify an observation space"):
        check_env(env)


@pytest.mark.parametrize("overrides, message", [
    ({"obs": (np.zeros(2, dtype=np.float32),)}, "should be a single value, not a tuple"),
    ({"obs": [0.0, 0.0]}, "must be a numpy array"),
    ({"obs": np.full(2, 5.0, dtype=np.float32)}, "does not match the given observation space"),
    ({"reward": np.float32(1.0)}, "reward returned by `step\\(\\)` must be a float"),
    ({"reward": "1"}, "reward"),
    ({"terminated": np.bool_(False)}, "`terminated` signal must be a boolean"),
    ({"truncated": 0}, "`truncated` signal must be a boolean"),
    ({"info": None}, "`info` returned by `step\\(\\)` must be a python dictionary"),
])
def test_bad_returned_values_raise(overrides, message):
    with pytest.raises(AssertionError, match=message):
        check_env(ConfigurableEnv(**overrides))


def test_legacy_done_must_be_bool():
    with pytest.raises(AssertionError, match="`done` signal must be a boolean"):
        check_env(LegacyEnv(done=np.bool_(False)))


def test_discrete_observations_must_be_integers():
    discrete = spaces.Discrete(3)
    _check_without_warnings(ConfigurableEnv(observation_space=discrete, obs=2))
    _check_without_warnings(ConfigurableEnv(observation_space=discrete, obs=np.int64(2)))
    with pytest.raises(AssertionError, match="must be an int"):
        check_env(ConfigurableEnv(observation_space=discrete, obs=2.0))


# ---------------------------------------------------------------- warnings

def _warning_texts(env, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, **kwargs)
    return [str(warning.message) for warning in caught if issubclass(warning.category, UserWarning)]


def test_image_like_observation_warnings():
    image = spaces.Box(low=0.0, high=1.0, shape=(10, 10, 3), dtype=np.float32)
    texts = _warning_texts(ConfigurableEnv(observation_space=image))
    assert any("`dtype`" in text and "np.uint8" in text for text in texts)
    assert any("[0, 255]" in text for text in texts)
    assert any("36x36" in text for text in texts)

    good_image = spaces.Box(low=0, high=255, shape=(36, 36, 1), dtype=np.uint8)
    assert _warning_texts(ConfigurableEnv(observation_space=good_image)) == []


def test_unconventional_shape_and_action_space_warnings():
    flat_2d = spaces.Box(low=-1, high=1, shape=(2, 2), dtype=np.float32)
    assert any("unconventional shape" in text for text in _warning_texts(ConfigurableEnv(observation_space=flat_2d)))

    for low, high in ((0.0, 1.0), (-2.0, 2.0)):
        actions = spaces.Box(low=low, high=high, shape=(1,), dtype=np.float32)
        texts = _warning_texts(ConfigurableEnv(action_space=actions))
        assert any("symmetric and normalized Box action space" in text for text in texts)


def test_dict_and_tuple_observation_warnings():
    dict_space = spaces.Dict({"a": spaces.Discrete(2)})
    assert any("Dict" in text for text in _warning_texts(ConfigurableEnv(observation_space=dict_space)))
    tuple_space = spaces.Tuple((spaces.Discrete(2), spaces.Discrete(3)))
    assert any("Tuple" in text for text in _warning_texts(ConfigurableEnv(observation_space=tuple_space)))


def test_warn_false_silences_compatibility_warnings():
    image = spaces.Box(low=0.0, high=1.0, shape=(10, 10, 3), dtype=np.float32)
    actions = spaces.Box(low=0.0, high=3.0, shape=(1,), dtype=np.float32)
    _check_without_warnings(ConfigurableEnv(observation_space=image, action_space=actions), warn=False)


class GoalLikeEnv(ConfigurableEnv):
    """Dict observations with achieved/desired goals and compute_reward: treated as a GoalEnv."""

    def __init__(self, reward=0.0):
        goal = spaces.Box(low=-1, high=1, shape=(2,), dtype=np.float32)
        super().__init__(observation_space=spaces.Dict(
            {"observation": goal, "achieved_goal": goal, "desired_goal": goal}), reward=reward)

    def compute_reward(self, achieved_goal, desired_goal, info):
        return 0.0


def test_goal_env_reward_is_checked_and_not_warned_about():
    _check_without_warnings(GoalLikeEnv(reward=0.0))
    with pytest.raises(AssertionError):
        check_env(GoalLikeEnv(reward=1.0))


# ---------------------------------------------------------------- render and NaN checks

def test_render_check_is_skipped_by_default_and_follows_each_api():
    env = ConfigurableEnv(render_mode="rgb_array")
    check_env(env)
    assert env.n_renders == 0
    check_env(env, skip_render_check=False)
    assert env.n_renders == 1

    legacy = LegacyEnv()
    check_env(legacy, skip_render_check=False)
    assert legacy.rendered == ["rgb_array", "human"]
    assert legacy.metadata["render.modes"] == ["rgb_array", "human"]


def test_render_check_warns_without_declared_modes():
    env = ConfigurableEnv()
    env.metadata = {}
    assert any("No render modes" in text for text in _warning_texts(env, skip_render_check=False))


@pytest.mark.skipif(not HAS_VEC_CHECK_NAN, reason="sb_ppo2.common.vec_env.VecCheckNan not available yet")
def test_nan_rewards_are_reported_by_vec_check_nan():
    env = ConfigurableEnv(reward=float("nan"))
    assert any("nan" in text.lower() for text in _warning_texts(env))
