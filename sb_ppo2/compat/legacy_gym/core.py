"""gym 0.17's ``Env`` / ``Wrapper`` classes, and ``LegacyEnv``: a gymnasium env speaking gym 0.17's API.

Everything here declares ``_env_api = "legacy"``, so sb_ppo2's VecEnvs drive it with the old contract:
``reset() -> obs`` and ``step(action) -> (obs, reward, done, info)``.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from sb_ppo2.common.vec_env.util import uses_gymnasium_api


class Env:
    """
    The environment base class of gym 0.17: subclass it, set ``action_space`` / ``observation_space`` and
    implement ``step`` (a 4-tuple), ``reset`` (the observation) and optionally ``render(mode)``, ``seed``, ``close``.
    """

    metadata: dict[str, Any] = {"render.modes": []}
    reward_range = (-float("inf"), float("inf"))
    spec = None
    action_space = None
    observation_space = None
    # Old envs choose the render mode per call; None tells sb_ppo2 to pass `mode=` through.
    render_mode = None
    _env_api = "legacy"

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        """
        :param action: (object) an action of ``action_space``
        :return: (tuple) ``(observation, reward, done, info)``
        """
        raise NotImplementedError

    def reset(self) -> Any:
        """:return: (object) the first observation of a new episode"""
        raise NotImplementedError

    def render(self, mode: str = "human") -> Any:
        """
        :param mode: (str) ``'human'``, ``'rgb_array'`` or ``'ansi'``
        :return: what the mode returns (an image for ``'rgb_array'``)
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release resources (windows, simulators)."""

    def seed(self, seed: int | None = None) -> list | None:
        """
        :param seed: (int) the seed of the env's random generator
        :return: ([int]) the seeds used
        """
        return None

    @property
    def unwrapped(self) -> Env:
        """:return: (Env) the innermost env"""
        return self

    def __str__(self) -> str:
        spec = self.spec
        return f"<{type(self).__name__} instance>" if spec is None else f"<{type(self).__name__}<{spec.id}>>"

    def __enter__(self) -> Env:
        return self

    def __exit__(self, *args: Any) -> bool:
        self.close()
        return False


class GoalEnv(Env):
    """gym 0.17's goal-based env base (HER); observations are dicts with ``observation``/``achieved_goal``/``desired_goal``."""

    def compute_reward(self, achieved_goal: Any, desired_goal: Any, info: dict) -> float:
        """:return: (float) the reward for reaching ``achieved_goal`` when ``desired_goal`` was asked"""
        raise NotImplementedError


class LegacyEnv(Env):
    """
    A gymnasium env seen through gym 0.17's API (what ``gym.make`` returns under the compat runner).

    ``reset()`` returns the observation, ``step`` a 4-tuple whose ``done`` is ``terminated or truncated``, with
    ``info["TimeLimit.truncated"] = True`` when only the time limit ended the episode; ``seed(n)`` applies at the
    next reset; ``render(mode=...)`` picks the mode per call.  Other attributes are the gymnasium env's.

    :param env: (gymnasium.Env) the env to adapt
    """

    def __init__(self, env: gymnasium.Env):
        self.env = env
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        metadata = dict(getattr(env, "metadata", {}) or {})
        metadata.setdefault("render.modes", list(metadata.get("render_modes", [])))
        self.metadata = metadata
        self._pending_seed: int | None = None

    @property
    def spec(self):
        """:return: (EnvSpec) the gymnasium spec (its id is the gymnasium successor's)"""
        return getattr(self.env, "spec", None)

    @property
    def unwrapped(self):
        """:return: (gymnasium.Env) the innermost gymnasium env (``get_action_meanings``, ``ale``, ...)"""
        return self.env.unwrapped

    @property
    def reward_range(self):
        return getattr(self.env, "reward_range", (-float("inf"), float("inf")))

    @property
    def _max_episode_steps(self) -> int | None:
        spec = self.spec
        return None if spec is None else spec.max_episode_steps

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    def seed(self, seed: int | None = None) -> list:
        """
        Seed the env (applied at the next ``reset``) and its spaces, as gym 0.17's ``env.seed`` did.

        :param seed: (int) the seed
        :return: ([int]) ``[seed]``
        """
        self._pending_seed = seed
        if seed is not None:
            self.action_space.seed(seed)
            self.observation_space.seed(seed)
        return [seed]

    def reset(self, **kwargs: Any) -> Any:
        """:return: (object) the first observation (the gymnasium ``info`` is dropped, as gym 0.17 had none)"""
        if self._pending_seed is not None:
            kwargs.setdefault("seed", self._pending_seed)
            self._pending_seed = None
        obs, _info = self.env.reset(**kwargs)
        return obs

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        """
        :param action: (object) the action
        :return: (tuple) ``(obs, reward, done, info)``
        """
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        if truncated and not terminated:
            info["TimeLimit.truncated"] = True
        return obs, reward, bool(terminated or truncated), info

    def render(self, mode: str = "human", **kwargs: Any) -> Any:
        """
        Render with the mode given now (gymnasium fixes it at construction: it is switched on the env).

        :param mode: (str) ``'human'`` or ``'rgb_array'``
        :return: an RGB array for ``'rgb_array'``, else None
        """
        unwrapped = self.env.unwrapped
        if getattr(unwrapped, "render_mode", None) != mode:
            modes = self.metadata.get("render_modes", [])
            if modes and mode not in modes:
                raise ValueError(f"render mode {mode!r} is not supported by {self.spec.id if self.spec else self.env}; "
                                 f"supported: {modes}")
            unwrapped.render_mode = mode
        return self.env.render()

    def close(self) -> None:
        self.env.close()


class Wrapper(Env):
    """
    gym 0.17's wrapper: forwards everything to ``env`` (a gymnasium env is adapted with ``LegacyEnv`` first).

    :param env: (Env) the env to wrap
    """

    def __init__(self, env: Any):
        if uses_gymnasium_api(env):
            env = LegacyEnv(env)
        self.env = env
        self.action_space = env.action_space
        self.observation_space = env.observation_space
        self.reward_range = getattr(env, "reward_range", Env.reward_range)
        self.metadata = getattr(env, "metadata", Env.metadata)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "env":
            raise AttributeError(f"attempted to get missing private attribute '{name}'")
        return getattr(self.env, name)

    @property
    def spec(self):
        return getattr(self.env, "spec", None)

    @classmethod
    def class_name(cls) -> str:
        """:return: (str) the wrapper's class name"""
        return cls.__name__

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        return self.env.step(action)

    def reset(self, **kwargs: Any) -> Any:
        return self.env.reset(**kwargs)

    def render(self, mode: str = "human", **kwargs: Any) -> Any:
        return self.env.render(mode, **kwargs)

    def close(self) -> None:
        return self.env.close()

    def seed(self, seed: int | None = None) -> Any:
        return self.env.seed(seed)

    def compute_reward(self, achieved_goal: Any, desired_goal: Any, info: dict) -> float:
        return self.env.compute_reward(achieved_goal, desired_goal, info)

    @property
    def unwrapped(self):
        return self.env.unwrapped

    def __str__(self) -> str:
        return f"<{type(self).__name__}{self.env}>"


class ObservationWrapper(Wrapper):
    """Transforms observations with ``observation(obs)``."""

    def reset(self, **kwargs: Any) -> Any:
        return self.observation(self.env.reset(**kwargs))

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        obs, reward, done, info = self.env.step(action)
        return self.observation(obs), reward, done, info

    def observation(self, observation: Any) -> Any:
        """:return: (object) the transformed observation"""
        raise NotImplementedError


class RewardWrapper(Wrapper):
    """Transforms rewards with ``reward(r)``."""

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        obs, reward, done, info = self.env.step(action)
        return obs, self.reward(reward), done, info

    def reward(self, reward: float) -> float:
        """:return: (float) the transformed reward"""
        raise NotImplementedError


class ActionWrapper(Wrapper):
    """Transforms actions with ``action(a)`` before they reach the env."""

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        return self.env.step(self.action(action))

    def action(self, action: Any) -> Any:
        """:return: (object) the action given to the wrapped env"""
        raise NotImplementedError

    def reverse_action(self, action: Any) -> Any:
        """:return: (object) the inverse of ``action``"""
        raise NotImplementedError


Space = gymnasium.spaces.Space
__all__ = ["ActionWrapper", "Env", "GoalEnv", "LegacyEnv", "ObservationWrapper", "RewardWrapper", "Space", "Wrapper",
           "np"]
