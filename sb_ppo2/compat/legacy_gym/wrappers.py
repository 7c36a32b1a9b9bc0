"""gym 0.17's ``gym.wrappers`` that SB2 scripts use: ``TimeLimit`` and ``FlattenDictWrapper``."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from sb_ppo2.compat.legacy_gym.core import ObservationWrapper, Wrapper


class TimeLimit(Wrapper):
    """
    End episodes after ``max_episode_steps`` steps, flagging ``info["TimeLimit.truncated"]`` (gym 0.17's semantics).

    :param env: (Env) the env
    :param max_episode_steps: (int) the limit (None: the env spec's)
    """

    def __init__(self, env: Any, max_episode_steps: int | None = None):
        super().__init__(env)
        if max_episode_steps is None and self.env.spec is not None:
            max_episode_steps = self.env.spec.max_episode_steps
        self._max_episode_steps = max_episode_steps
        self._elapsed_steps: int | None = None

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        assert self._elapsed_steps is not None, "Cannot call env.step() before calling reset()"
        observation, reward, done, info = self.env.step(action)
        self._elapsed_steps += 1
        if self._max_episode_steps is not None and self._elapsed_steps >= self._max_episode_steps:
            info["TimeLimit.truncated"] = not done
            done = True
        return observation, reward, done, info

    def reset(self, **kwargs: Any) -> Any:
        self._elapsed_steps = 0
        return self.env.reset(**kwargs)


class FlattenDictWrapper(ObservationWrapper):
    """
    Concatenate the given keys of a dict observation into one flat vector (gym <= 0.14, used with HER envs).

    :param env: (Env) an env with a ``Dict`` observation space
    :param dict_keys: ([str]) the keys to keep, in order
    """

    def __init__(self, env: Any, dict_keys: list[str]):
        super().__init__(env)
        self.dict_keys = list(dict_keys)
        size = sum(int(np.prod(self.env.observation_space.spaces[key].shape)) for key in self.dict_keys)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(size,), dtype=np.float32)

    def observation(self, observation: dict) -> np.ndarray:
        return np.concatenate([np.asarray(observation[key]).ravel() for key in self.dict_keys])


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError(f"gym.wrappers.{name} is not provided by sb_ppo2's legacy gym adapter (it provides "
                              "TimeLimit and FlattenDictWrapper; use sb_ppo2's VecEnv wrappers for the rest)")
