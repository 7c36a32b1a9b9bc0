"""Expert data for behaviour cloning (SB2 path ``stable_baselines.gail``; GAIL itself is not implemented)."""

from sb_ppo2.gail.dataset.dataset import DataLoader, ExpertDataset
from sb_ppo2.gail.dataset.record_expert import generate_expert_traj

__all__ = ["DataLoader", "ExpertDataset", "generate_expert_traj"]
