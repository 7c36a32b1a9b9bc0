"""The ``gym`` that SB2 scripts import under the compat runner: gym 0.17's API over gymnasium.

``gym.make`` returns gymnasium envs adapted to the old API (``reset() -> obs``, 4-tuple ``step`` with
``info["TimeLimit.truncated"]``, ``seed``, ``render(mode=...)``); old ids map to their gymnasium successors.
``gym.Env`` / ``gym.Wrapper`` are gym 0.17's classes for custom old-API envs; ``gym.spaces`` is gymnasium's.
"""

from __future__ import annotations

from gymnasium import error, spaces

from sb_ppo2.compat.legacy_gym import logger, utils, wrappers
from sb_ppo2.compat.legacy_gym.core import (
    ActionWrapper,
    Env,
    GoalEnv,
    LegacyEnv,
    ObservationWrapper,
    RewardWrapper,
    Space,
    Wrapper,
)
from sb_ppo2.compat.legacy_gym.envs import make, register, spec
from sb_ppo2.compat.legacy_gym import envs

__version__ = "0.17.3"

__all__ = ["ActionWrapper", "Env", "GoalEnv", "LegacyEnv", "ObservationWrapper", "RewardWrapper", "Space", "Wrapper",
           "envs", "error", "logger", "make", "register", "spaces", "spec", "utils", "wrappers"]
