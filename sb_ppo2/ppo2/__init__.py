"""PPO2 (SB2 path ``stable_baselines.ppo2``)."""

from sb_ppo2.ppo2.ppo2 import PPO2

__all__ = ["PPO2"]
