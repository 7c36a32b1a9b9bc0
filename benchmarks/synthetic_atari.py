"""A cheap stand-in for an Atari env: 84x84x4 uint8 frames, 6 discrete actions, fixed episode length.

The frames come from a small bank of random images drawn once at construction, so stepping costs a few
microseconds and the benchmark measures the learner, not an emulator.  The reward is 1 when the action equals
the bank index of the current frame modulo 6, so a CNN policy can learn something (an untrained policy scores
about ``episode_length / 6``, a perfect one ``episode_length``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

OBS_SHAPE = (84, 84, 4)
N_ACTIONS = 6


class SyntheticAtariEnv(gym.Env):
    """
    Atari-shaped env with random frames.

    :param episode_length: (int) steps per episode (the episode is truncated there)
    :param n_frames: (int) size of the frame bank
    """

    metadata = {"render_modes": []}

    def __init__(self, episode_length: int = 200, n_frames: int = 64):
        super().__init__()
        self.observation_space = gym.spaces.Box(low=0, high=255, shape=OBS_SHAPE, dtype=np.uint8)
        self.action_space = gym.spaces.Discrete(N_ACTIONS)
        self.episode_length = episode_length
        # The bank is the same for every instance: it defines the task, the seed only drives the frame order.
        self._bank = np.random.default_rng(12345).integers(0, 256, size=(n_frames, *OBS_SHAPE), dtype=np.uint8)
        self._rng = np.random.default_rng()
        self._index = 0
        self._t = 0

    def _next_frame(self) -> np.ndarray:
        self._index = int(self._rng.integers(len(self._bank)))
        return self._bank[self._index]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Start an episode; ``seed`` reseeds the frame order."""
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._t = 0
        return self._next_frame(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Reward 1 for the action matching the frame's index mod 6; truncate after ``episode_length`` steps."""
        reward = 1.0 if int(action) == self._index % N_ACTIONS else 0.0
        self._t += 1
        truncated = self._t >= self.episode_length
        return self._next_frame(), reward, False, truncated, {}


def make_synthetic_atari() -> SyntheticAtariEnv:
    """Factory for ``make_vec_env`` (both libraries call it without arguments)."""
    return SyntheticAtariEnv()
