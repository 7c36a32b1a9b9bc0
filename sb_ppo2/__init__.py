"""sb_ppo2: Stable-Baselines 2's PPO2, re-implemented on PyTorch and gymnasium (a drop-in for SB2 scripts)."""

import os

from sb_ppo2.ppo2 import PPO2

with open(os.path.join(os.path.dirname(__file__), "version.txt")) as _file_handler:
    __version__ = _file_handler.read().strip()

__all__ = ["PPO2", "__version__"]
