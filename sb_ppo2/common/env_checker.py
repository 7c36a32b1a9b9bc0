"""Check that a custom environment follows the Gym API and suits Stable-Baselines
(SB2's ``stable_baselines.common.env_checker``).

Both APIs are accepted, and told apart by what the env returns:

- gymnasium: ``reset()`` returns ``(obs, info)`` and ``step()`` returns
  ``(obs, reward, terminated, truncated, info)``;
- legacy gym: ``reset()`` returns ``obs`` and ``step()`` returns ``(obs, reward, done, info)``.
"""

import functools
import warnings
from types import ModuleType
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces


@functools.lru_cache(maxsize=1)
def _legacy_gym() -> ModuleType | None:
    """
    :return: (module) the old ``gym`` package if it is installed and importable, else None
    """
    try:
        import gym
    except Exception:  # old gym releases can fail to import on recent numpy with errors other than ImportError
        return None
    return gym


def _env_classes() -> tuple[type, ...]:
    """
    :return: (tuple) the accepted environment base classes (gymnasium's, plus old gym's if installed)
    """
    gym = _legacy_gym()
    return (gymnasium.Env,) if gym is None else (gymnasium.Env, gym.Env)


def _space_classes(name: str) -> tuple[type, ...]:
    """
    :param name: (str) the name of a space class, e.g. 'Box' (or 'Space' for the base class)
    :return: (tuple) gymnasium's class of that name, plus old gym's if installed
    """
    gym = _legacy_gym()
    classes = [getattr(spaces, name)]
    legacy_class = getattr(getattr(gym, 'spaces', None), name, None)
    if legacy_class is not None:
        classes.append(legacy_class)
    return tuple(classes)


def _is_space(space: Any, name: str) -> bool:
    """
    :param space: (Any) the object to test
    :param name: (str) the name of a space class, e.g. 'Box'
    :return: (bool) whether ``space`` is an instance of that class (gymnasium or old gym)
    """
    return isinstance(space, _space_classes(name))


def _is_goal_env(env: Any) -> bool:
    """
    Tell whether the env follows the GoalEnv interface: old gym's ``gym.GoalEnv``, or (gymnasium
    has no GoalEnv) a Dict observation space with ``achieved_goal``/``desired_goal`` keys and a
    ``compute_reward`` method, as gymnasium-robotics' GoalEnv has.

    :param env: (gym.Env) the environment
    :return: (bool)
    """
    goal_env_class = getattr(_legacy_gym(), 'GoalEnv', None)
    if goal_env_class is not None and isinstance(env, goal_env_class):
        return True
    space = env.observation_space
    return (_is_space(space, 'Dict') and callable(getattr(env, 'compute_reward', None))
            and {'achieved_goal', 'desired_goal'} <= set(space.spaces))


def _enforce_array_obs(observation_space: spaces.Space) -> bool:
    """
    Whether to check that the returned observation is a numpy array;
    it is not mandatory for `Dict` and `Tuple` spaces.

    :param observation_space: (gym.spaces.Space) the observation space
    :return: (bool)
    """
    return not (_is_space(observation_space, 'Dict') or _is_space(observation_space, 'Tuple'))


def _check_image_input(observation_space: spaces.Box) -> None:
    """
    Check that the input will be compatible with Stable-Baselines
    when the observation is apparently an image.

    :param observation_space: (gym.spaces.Box) a 3-D observation space
    """
    if observation_space.dtype != np.uint8:
        warnings.warn("It seems that your observation is an image but the `dtype` "
                      "of your observation_space is not `np.uint8`. "
                      "If your observation is not an image, we recommend you to flatten the observation "
                      "to have only a 1D vector")

    if np.any(observation_space.low != 0) or np.any(observation_space.high != 255):
        warnings.warn("It seems that your observation space is an image but the "
                      "upper and lower bounds are not in [0, 255]. "
                      "Because the CNN policy normalize automatically the observation "
                      "you may encounter issue if the values are not in that range.")

    if observation_space.shape[0] < 36 or observation_space.shape[1] < 36:
        warnings.warn("The minimal resolution for an image is 36x36 for the default CnnPolicy. "
                      "You might need to use a custom `cnn_extractor` "
                      "cf https://stable-baselines.readthedocs.io/en/master/guide/custom_policy.html")


def _check_unsupported_obs_spaces(env: gymnasium.Env, observation_space: spaces.Space) -> None:
    """
    Emit warnings when the observation space used is not supported by Stable-Baselines.

    :param env: (gym.Env) the environment
    :param observation_space: (gym.spaces.Space) its observation space
    """
    if _is_space(observation_space, 'Dict') and not _is_goal_env(env):
        warnings.warn("The observation space is a Dict but the environment is not a GoalEnv "
                      "(an env with achieved_goal/desired_goal observations and compute_reward()), "
                      "this is currently not supported by Stable Baselines "
                      "(cf https://github.com/hill-a/stable-baselines/issues/133), "
                      "you will need to use a custom policy. ")

    if _is_space(observation_space, 'Tuple'):
        warnings.warn("The observation space is a Tuple, "
                      "this is currently not supported by Stable Baselines "
                      "(cf https://github.com/hill-a/stable-baselines/issues/133), "
                      "you will need to flatten the observation and maybe use a custom policy. ")


def _check_box_spaces(observation_space: spaces.Space, action_space: spaces.Space) -> None:
    """
    Warn about Box spaces that are likely to cause trouble: odd observation shapes, images that
    do not look like what CnnPolicy expects, and action spaces that are not [-1, 1].

    :param observation_space: (gym.spaces.Space) the observation space
    :param action_space: (gym.spaces.Space) the action space
    """
    if _is_space(observation_space, 'Box'):
        if len(observation_space.shape) == 3:
            _check_image_input(observation_space)
        if len(observation_space.shape) not in (1, 3):
            warnings.warn("Your observation has an unconventional shape (neither an image, nor a 1D vector). "
                          "We recommend you to flatten the observation "
                          "to have only a 1D vector")

    # Asymmetric or unnormalised Box actions lead to hard-to-debug clipping issues.
    if _is_space(action_space, 'Box'):
        low, high = np.abs(action_space.low), np.abs(action_space.high)
        if np.any(low != high) or np.any(low > 1) or np.any(high > 1):
            warnings.warn("We recommend you to use a symmetric and normalized Box action space (range=[-1, 1]) "
                          "cf https://stable-baselines.readthedocs.io/en/master/guide/rl_tips.html")


def _check_obs(obs: tuple | dict | np.ndarray | int, observation_space: spaces.Space, method_name: str) -> None:
    """
    Check that the observation returned by the environment corresponds to the declared one.

    :param obs: (Any) the observation
    :param observation_space: (gym.spaces.Space) the declared observation space
    :param method_name: (str) 'reset' or 'step', for the messages
    """
    if not _is_space(observation_space, 'Tuple'):
        assert not isinstance(obs, tuple), (f"The observation returned by the `{method_name}()` "
                                            "method should be a single value, not a tuple")

    if _is_space(observation_space, 'Discrete'):
        # gymnasium's Discrete space samples numpy integers, so those count as ints here.
        assert isinstance(obs, (int, np.integer)), f"The observation returned by `{method_name}()` method must be an int"
    elif _enforce_array_obs(observation_space):
        assert isinstance(obs, np.ndarray), (f"The observation returned by `{method_name}()` "
                                             "method must be a numpy array")

    assert observation_space.contains(obs), (f"The observation returned by the `{method_name}()` "
                                             "method does not match the given observation space")


def _uses_new_reset_api(reset_result: Any, observation_space: spaces.Space) -> bool:
    """
    Tell gymnasium's ``(obs, info)`` reset result from a legacy bare observation.

    A legacy env with a Tuple observation space may itself return a pair; it is recognised
    because the pair then belongs to the observation space.

    :param reset_result: (Any) what ``env.reset()`` returned
    :param observation_space: (gym.spaces.Space) the observation space
    :return: (bool) True for the gymnasium API
    """
    if not (isinstance(reset_result, tuple) and len(reset_result) == 2 and isinstance(reset_result[1], dict)):
        return False
    if _is_space(observation_space, 'Tuple'):
        try:
            return not observation_space.contains(reset_result)
        except Exception:  # contains() of exotic sub-spaces may raise on unexpected values
            return True
    return True


def _unpack_step(data: Any, new_api: bool) -> tuple[Any, Any, dict]:
    """
    Check the shape of a ``step()`` result and its done flags, and return what both APIs share.

    :param data: (Any) what ``env.step(action)`` returned
    :param new_api: (bool) whether ``reset()`` followed the gymnasium API
    :return: (Any, Any, dict) observation, reward and info
    """
    if new_api:
        assert len(data) == 5, ("The `step()` method must return five values: "
                                "obs, reward, terminated, truncated, info (gymnasium API, as `reset()` "
                                "returned (obs, info))")
        obs, reward, terminated, truncated, info = data
        assert isinstance(terminated, bool), "The `terminated` signal must be a boolean"
        assert isinstance(truncated, bool), "The `truncated` signal must be a boolean"
    else:
        assert len(data) == 4, "The `step()` method must return four values: obs, reward, done, info"
        obs, reward, done, info = data
        assert isinstance(done, bool), "The `done` signal must be a boolean"
    return obs, reward, info


def _check_returned_values(env: gymnasium.Env, observation_space: spaces.Space, action_space: spaces.Space) -> bool:
    """
    Check the values returned by the env when calling `.reset()` or `.step()`.

    :param env: (gym.Env) the environment
    :param observation_space: (gym.spaces.Space) its observation space
    :param action_space: (gym.spaces.Space) its action space
    :return: (bool) whether the env follows the gymnasium API (False: legacy gym API)
    """
    reset_result = env.reset()
    new_api = _uses_new_reset_api(reset_result, observation_space)
    obs = reset_result[0] if new_api else reset_result
    _check_obs(obs, observation_space, 'reset')

    obs, reward, info = _unpack_step(env.step(action_space.sample()), new_api)
    _check_obs(obs, observation_space, 'step')

    # We also allow int because the reward will be cast to float
    assert isinstance(reward, (float, int)), "The reward returned by `step()` must be a float"
    assert isinstance(info, dict), "The `info` returned by `step()` must be a python dictionary"

    if _is_goal_env(env):
        # For a GoalEnv, the keys are checked at reset
        assert reward == env.compute_reward(obs['achieved_goal'], obs['desired_goal'], info)
    return new_api


def _check_spaces(env: gymnasium.Env) -> None:
    """
    Check that the observation and action spaces are defined and inherit from gym.spaces.Space.

    :param env: (gym.Env) the environment
    """
    spaces_doc = " cf https://gymnasium.farama.org/api/spaces/"

    assert hasattr(env, 'observation_space'), "You must specify an observation space (cf gym.spaces)" + spaces_doc
    assert hasattr(env, 'action_space'), "You must specify an action space (cf gym.spaces)" + spaces_doc

    assert _is_space(env.observation_space, 'Space'), "The observation space must inherit from gym.spaces" + spaces_doc
    assert _is_space(env.action_space, 'Space'), "The action space must inherit from gym.spaces" + spaces_doc


def _check_render(env: gymnasium.Env, warn: bool = True, headless: bool = False, new_api: bool = False) -> None:
    """
    Check the declared render modes and the `render()`/`close()` method of the environment.

    Legacy envs declare ``metadata['render.modes']`` and take the mode as an argument; gymnasium
    envs declare ``metadata['render_modes']`` and fix their mode at construction (``render_mode``).

    :param env: (gym.Env) The environment to check
    :param warn: (bool) Whether to output additional warnings
    :param headless: (bool) Whether to disable render modes that require a graphical interface
    :param new_api: (bool) whether the env follows the gymnasium API
    """
    key = 'render_modes' if new_api else 'render.modes'
    render_modes = env.metadata.get(key)
    if render_modes is None:
        if warn:
            warnings.warn("No render modes was declared in the environment "
                          f" (env.metadata['{key}'] is None or not defined), "
                          "you may have trouble when calling `.render()`")
        return

    if new_api:
        render_mode = getattr(env, 'render_mode', None)
        # A mode needing a graphical interface is skipped when headless (useful for CI).
        if render_mode is not None and not (headless and render_mode == 'human'):
            env.render()
    else:
        # Copy: SB2 removed 'human' from the env's own metadata list here.
        for render_mode in [mode for mode in render_modes if not (headless and mode == 'human')]:
            env.render(mode=render_mode)
    env.close()


def _check_nan(env: gymnasium.Env, new_api: bool) -> None:
    """
    Check for Inf and NaN using the VecCheckNan wrapper (warnings, not errors), over 10 random steps.

    :param env: (gym.Env) the environment
    :param new_api: (bool) whether the env follows the gymnasium API
    """
    try:
        from sb_ppo2.common.vec_env import DummyVecEnv, VecCheckNan
    except ImportError:  # the VecEnv layer is optional for this check
        return
    vec_env = VecCheckNan(DummyVecEnv([lambda: env]))
    if new_api:
        # gymnasium envs may refuse to step after an episode ended in the check above.
        vec_env.reset()
    for _ in range(10):
        vec_env.step([env.action_space.sample()])


def check_env(env: gymnasium.Env, warn: bool = True, skip_render_check: bool = True) -> None:
    """
    Check that an environment follows the Gym API (gymnasium's or the legacy one).
    This is particularly useful when using a custom environment.
    Please take a look at https://gymnasium.farama.org/api/env/
    for more information about the API.

    It also optionally checks that the environment is compatible with Stable-Baselines.

    :param env: (gym.Env) The Gym environment that will be checked
    :param warn: (bool) Whether to output additional warnings
        mainly related to the interaction with Stable Baselines
    :param skip_render_check: (bool) Whether to skip the checks for the render method.
        True by default (useful for the CI)
    """
    assert isinstance(env, _env_classes()), ("Your environment must inherit from the gymnasium.Env class "
                                             "cf https://gymnasium.farama.org/api/env/")

    # ============= Check the spaces (observation and action) ================
    _check_spaces(env)

    observation_space = env.observation_space
    action_space = env.action_space

    # A warning means that the environment may run but not work properly with Stable Baselines algorithms
    if warn:
        _check_unsupported_obs_spaces(env, observation_space)
        _check_box_spaces(observation_space, action_space)

    # ============ Check the returned values ===============
    new_api = _check_returned_values(env, observation_space, action_space)

    # ==== Check the render method and the declared render modes ====
    if not skip_render_check:
        _check_render(env, warn=warn, new_api=new_api)

    # The check only works with numpy arrays
    if _enforce_array_obs(observation_space):
        _check_nan(env, new_api)
