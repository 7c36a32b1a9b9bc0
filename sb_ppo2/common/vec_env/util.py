"""Helpers shared by the VecEnv implementations: observation buffers and the single-env step contract.

Two environment APIs meet here.  Gymnasium envs return ``(obs, info)`` from ``reset`` and
``(obs, reward, terminated, truncated, info)`` from ``step``; environments written for gym <= 0.17
(what SB2 scripts use) return ``obs`` and ``(obs, reward, done, info)``.  ``EnvSlot`` drives one env of
either kind and always speaks SB2's contract: a truncated episode is a plain ``done`` with
``info["TimeLimit.truncated"] = True`` (SB2 treats time-limit ends as terminal), and finished episodes are
reset automatically with the last observation kept in ``info["terminal_observation"]``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces


def uses_gymnasium_api(env: Any) -> bool:
    """
    Tell whether ``env`` speaks gymnasium's API (5-tuple step) or the legacy gym API (4-tuple step).

    An object may declare ``_env_api = "gymnasium"`` or ``"legacy"``; otherwise a ``gymnasium.Env`` is
    gymnasium, and a wrapper that is not (e.g. ``Monitor``) speaks the API of the env it wraps.

    :param env: (object) the environment
    :return: (bool)
    """
    for _ in range(64):
        declared = getattr(env, "_env_api", None)
        if declared is not None:
            return declared == "gymnasium"
        if isinstance(env, gymnasium.Env):
            return True
        inner = getattr(env, "env", None)
        if inner is None or inner is env:
            return False
        env = inner
    return False


class EnvSlot:
    """
    One environment of a VecEnv, driven with SB2's contract whatever its own API.

    :param env: (object) a gymnasium env or a legacy gym-style env
    """

    def __init__(self, env: Any):
        self.env = env
        self.gymnasium_api = uses_gymnasium_api(env)
        self._pending_seed: int | None = None

    def seed(self, seed: int | None) -> int | None:
        """
        Seed the env: legacy envs through ``env.seed``; gymnasium envs at their next ``reset(seed=...)``.

        :param seed: (int) the seed
        :return: (int) the seed
        """
        if self.gymnasium_api:
            self._pending_seed = seed
        elif hasattr(self.env, "seed"):
            self.env.seed(seed)
        if seed is not None and hasattr(self.env, "action_space"):
            self.env.action_space.seed(seed)
        return seed

    def reset(self) -> Any:
        """:return: (object) the first observation of a new episode"""
        if not self.gymnasium_api:
            return self.env.reset()
        seed, self._pending_seed = self._pending_seed, None
        result = self.env.reset() if seed is None else self.env.reset(seed=seed)
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
            return result[0]
        # An old-API env that looked like a gymnasium one (e.g. it keeps a gymnasium env in `self.env`).
        self.gymnasium_api = False
        return result

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        """
        Step, and reset the env when its episode ends.

        :param action: (object) the action
        :return: (tuple) ``(obs, reward, done, info)``
        """
        result = self.env.step(action)
        if len(result) == 5:
            obs, reward, terminated, truncated, info = result
            done = bool(terminated or truncated)
            if truncated and not terminated:
                info = dict(info)
                info["TimeLimit.truncated"] = True
        else:
            obs, reward, done, info = result
            done = bool(done)
        if done:
            if info is None:
                info = {}
            info["terminal_observation"] = obs
            obs = self.reset()
        return obs, reward, done, info


def render_env(env: Any, mode: str):
    """
    Render one env whatever its API: gymnasium fixes the render mode at construction, old envs take ``mode``.

    :param env: (object) the environment
    :param mode: (str) the SB2 render mode, used for legacy envs
    """
    if getattr(env, "render_mode", None) is not None or uses_gymnasium_api(env):
        return env.render()
    return env.render(mode=mode)


def copy_obs_dict(obs: dict) -> OrderedDict:
    """
    Deep-copy a dict of numpy arrays.

    :param obs: (OrderedDict) the observations
    :return: (OrderedDict)
    """
    assert isinstance(obs, OrderedDict), f"unexpected type for observations '{type(obs)}'"
    return OrderedDict([(k, np.copy(v)) for k, v in obs.items()])


def dict_to_obs(space, obs_dict: dict):
    """
    Convert an internal observation dict into the observation of ``space`` (Dict, Tuple or a plain space).

    :param space: (gymnasium.spaces.Space) the observation space
    :param obs_dict: (dict) observations keyed by ``obs_space_info`` keys
    :return: (np.ndarray, tuple or OrderedDict)
    """
    if isinstance(space, spaces.Dict):
        return obs_dict
    if isinstance(space, spaces.Tuple):
        assert len(obs_dict) == len(space.spaces), "size of observation does not match size of observation space"
        return tuple(obs_dict[i] for i in range(len(space.spaces)))
    assert set(obs_dict.keys()) == {None}, "multiple observation keys for unstructured observation space"
    return obs_dict[None]


def obs_space_info(obs_space) -> tuple[list, dict, dict]:
    """
    Describe an observation space as keys, shapes and dtypes (None is the key of a plain space).

    :param obs_space: (gymnasium.spaces.Space) the observation space
    :return: (tuple) ``(keys, shapes, dtypes)``
    """
    if isinstance(obs_space, spaces.Dict):
        assert isinstance(obs_space.spaces, OrderedDict | dict), "Dict space must have ordered subspaces"
        subspaces = obs_space.spaces
    elif isinstance(obs_space, spaces.Tuple):
        subspaces = dict(enumerate(obs_space.spaces))
    else:
        subspaces = {None: obs_space}
    keys, shapes, dtypes = [], {}, {}
    for key, box in subspaces.items():
        keys.append(key)
        shapes[key] = box.shape
        dtypes[key] = box.dtype
    return keys, shapes, dtypes


def check_actions(actions, action_space, num_envs: int) -> np.ndarray:
    """
    Reject a batch of actions that cannot belong to ``action_space`` (wrong count or shape, or a discrete
    action out of range), with a ``ValueError`` that says what was expected.  Box actions outside the bounds
    are let through: SB2 left clipping to the caller and many envs clip themselves.

    :param actions: (array-like) one action per env
    :param action_space: (gymnasium.spaces.Space) the action space of one env
    :param num_envs: (int) number of envs
    :return: (np.ndarray) the actions as an array
    """
    actions = np.asarray(actions)
    expected_shape = (num_envs, *action_space.shape)
    if isinstance(action_space, spaces.Discrete) and actions.shape == (num_envs, 1):
        actions = actions.reshape(num_envs)  # a column of actions, as some scripts pass them
    if actions.shape != expected_shape:
        raise ValueError(f"step: expected actions of shape {expected_shape} (one per env for {action_space}), "
                         f"got shape {actions.shape}")
    if isinstance(action_space, spaces.Discrete | spaces.MultiDiscrete | spaces.MultiBinary):
        if not (np.issubdtype(actions.dtype, np.integer) or np.issubdtype(actions.dtype, np.bool_)):
            if not np.all(np.isfinite(actions)) or np.any(actions != np.round(actions)):
                raise ValueError(f"step: actions for {action_space} must be integers, got {actions!r}")
        low, high = discrete_bounds(action_space)
        if np.any(actions < low) or np.any(actions > high):
            raise ValueError(f"step: actions {actions.tolist()} are outside the action space {action_space}")
    return actions


def discrete_bounds(space) -> tuple:
    """
    :param space: (Discrete, MultiDiscrete or MultiBinary) the space
    :return: (tuple) the lowest and highest valid value (arrays for MultiDiscrete)
    """
    action_space = space
    if isinstance(action_space, spaces.Discrete):
        return action_space.start, action_space.start + action_space.n - 1
    if isinstance(action_space, spaces.MultiDiscrete):
        return np.zeros_like(action_space.nvec), action_space.nvec - 1
    return 0, 1
