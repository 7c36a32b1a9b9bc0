"""Identity environments (SB2's ``stable_baselines.common.identity_env``), for tests.

The agent is rewarded for repeating the observation as its action, so a working learner reaches
the maximum episode reward (``ep_length``) quickly. These are gymnasium environments: ``reset``
returns ``(obs, info)`` and ``step`` returns ``(obs, reward, terminated, truncated, info)``.
"""

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class IdentityEnv(gym.Env):
    """
    Identity environment for testing purposes: the observation and action spaces are the same,
    and the reward is 1 when the action equals the current observation, else 0.

    Observations are drawn from the action space's sampler, which ``reset(seed=...)`` seeds, so a
    seeded reset makes the episode reproducible. The episode terminates after ``ep_length`` steps.

    :param dim: (int) the size of the Discrete action and observation space. Provide at most one of
        ``dim`` and ``space``; if both are None, ``dim=1`` is used.
    :param space: (gymnasium.spaces.Space) the action and observation space
    :param ep_length: (int) the length of each episode in timesteps
    """

    def __init__(self, dim: int | None = None, space: spaces.Space | None = None, ep_length: int = 100):
        if space is None:
            if dim is None:
                dim = 1
            space = spaces.Discrete(dim)
        else:
            assert dim is None, "arguments for both 'dim' and 'space' provided: at most one allowed"

        self.action_space = self.observation_space = space
        self.ep_length = ep_length
        self.current_step = 0
        self.state: Any = None
        # The constructor resets once (as in SB2), which brings the counter to 0.
        self.num_resets = -1
        self.reset()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        """
        Start a new episode.

        :param seed: (int) if given, seeds ``self.np_random`` and the space sampler
        :param options: (dict) unused
        :return: (Any, dict) the first observation and an empty info dict
        """
        super().reset(seed=seed)
        if seed is not None:
            self.action_space.seed(seed)
        self.current_step = 0
        self.num_resets += 1
        self._choose_next_state()
        return self.state, {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        """
        Reward the action, then draw the next observation.

        :param action: (Any) the action, an element of the action space
        :return: (Any, float, bool, bool, dict) observation, reward, terminated, truncated (always False), info
        """
        reward = self._get_reward(action)
        self._choose_next_state()
        self.current_step += 1
        terminated = self.current_step >= self.ep_length
        return self.state, reward, terminated, False, {}

    def _choose_next_state(self) -> None:
        self.state = self.action_space.sample()

    def _get_reward(self, action: Any) -> float:
        return 1.0 if np.all(self.state == action) else 0.0

    def render(self, mode: str = 'human') -> None:
        """
        Nothing to render.

        :param mode: (str) ignored
        """


class IdentityEnvBox(IdentityEnv):
    """
    Identity environment with a one-dimensional Box space: the reward is 1 when
    ``state - eps <= action <= state + eps``, else 0.

    :param low: (float) the lower bound of the box dim
    :param high: (float) the upper bound of the box dim
    :param eps: (float) the epsilon bound for correct value
    :param ep_length: (int) the length of each episode in timesteps
    """

    def __init__(self, low: float = -1, high: float = 1, eps: float = 0.05, ep_length: int = 100):
        space = spaces.Box(low=low, high=high, shape=(1,), dtype=np.float32)
        super().__init__(ep_length=ep_length, space=space)
        self.eps = eps

    def _get_reward(self, action: Any) -> float:
        inside = np.all(self.state - self.eps <= action) and np.all(action <= self.state + self.eps)
        return 1.0 if inside else 0.0


class IdentityEnvMultiDiscrete(IdentityEnv):
    """
    Identity environment with a ``MultiDiscrete([dim, dim])`` space (exact match rewarded).

    :param dim: (int) the size of the dimensions you want to learn
    :param ep_length: (int) the length of each episode in timesteps
    """

    def __init__(self, dim: int = 1, ep_length: int = 100):
        space = spaces.MultiDiscrete([dim, dim])
        super().__init__(ep_length=ep_length, space=space)


class IdentityEnvMultiBinary(IdentityEnv):
    """
    Identity environment with a ``MultiBinary(dim)`` space (exact match rewarded).

    :param dim: (int) the size of the dimensions you want to learn
    :param ep_length: (int) the length of each episode in timesteps
    """

    def __init__(self, dim: int = 1, ep_length: int = 100):
        space = spaces.MultiBinary(dim)
        super().__init__(ep_length=ep_length, space=space)
