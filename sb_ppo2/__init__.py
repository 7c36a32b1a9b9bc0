"""sb_ppo2: Stable-Baselines 2's PPO2, re-implemented on PyTorch and gymnasium (a drop-in for SB2 scripts)."""

import os
from typing import Any

with open(os.path.join(os.path.dirname(__file__), "version.txt")) as _file_handler:
    __version__ = _file_handler.read().strip()

__all__ = ["PPO2", "__version__"]


def __getattr__(name: str) -> Any:
    # PPO2 (and with it torch) is imported on first use, so SubprocVecEnv workers, which import sb_ppo2 only
    # to run environments, do not load torch: that keeps each worker's memory small.
    if name == "PPO2":
        from sb_ppo2.ppo2 import PPO2

        return PPO2
    raise AttributeError(f"module 'sb_ppo2' has no attribute {name!r}")
