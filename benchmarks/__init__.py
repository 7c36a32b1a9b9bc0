"""Side-by-side speed benchmarks of sb_ppo2 and Stable-Baselines3's PPO (benchmark-only; not part of the package)."""
