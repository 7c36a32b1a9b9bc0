# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B8/G9: VecNormalize statistics saved with env.save and restored with VecNormalize.load; legacy
save_running_average / load_running_average too."""
import os

import gym
import numpy as np

from stable_baselines import PPO2
from stable_baselines.common.vec_env import DummyVecEnv, VecNormalize

env = DummyVecEnv([lambda: gym.make("Pendulum-v0")])
# Automatically normalize the input features and reward
env = VecNormalize(env, norm_obs=True, norm_reward=True, clip_obs=10.)

model = PPO2('MlpPolicy', env, n_steps=64)
model.learn(total_timesteps=256)

log_dir = "./"
model.save(log_dir + "ppo_pendulum")
stats_path = os.path.join(log_dir, "vec_normalize.pkl")
env.save(stats_path)
os.makedirs("running_average", exist_ok=True)
env.save_running_average("running_average")
saved_mean = env.obs_rms.mean.copy()

del model, env

model = PPO2.load(log_dir + "ppo_pendulum")
env = DummyVecEnv([lambda: gym.make("Pendulum-v0")])
env = VecNormalize.load(stats_path, env)
#  do not update them at test time
env.training = False
# reward normalization is not needed at test time
env.norm_reward = False
print("RESULT stats_equal", bool(np.allclose(env.obs_rms.mean, saved_mean)))

env2 = VecNormalize(DummyVecEnv([lambda: gym.make("Pendulum-v0")]), training=False)
env2.load_running_average("running_average")
print("RESULT running_average_equal", bool(np.allclose(env2.obs_rms.mean, saved_mean)))

obs = env.reset()
for _ in range(10):
    action, _ = model.predict(obs, deterministic=True)
    obs, reward, done, info = env.step(action)
print("RESULT obs_bounded", bool(np.all(np.abs(obs) <= 10.0)))
