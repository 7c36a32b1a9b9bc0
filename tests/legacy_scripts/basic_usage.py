# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B1/B3/B4: quickstart, save/load without env, raw-env enjoy loop with the old gym API."""
import gym

from stable_baselines import PPO2
from stable_baselines.common.evaluation import evaluate_policy
from stable_baselines.common.policies import MlpPolicy
from stable_baselines.common.vec_env import DummyVecEnv

env = gym.make('CartPole-v1')
env.seed(0)

model = PPO2(MlpPolicy, env, verbose=1, n_steps=64, seed=0)
model.learn(total_timesteps=256)
model.save("ppo2_cartpole")

del model  # remove to demonstrate saving and loading

model = PPO2.load("ppo2_cartpole")

obs = env.reset()
print("RESULT obs_shape", obs.shape)
n_dones = 0
for i in range(300):
    action, _states = model.predict(obs)
    obs, rewards, dones, info = env.step(action)
    if dones:
        n_dones += 1
        print("RESULT truncated_key", "TimeLimit.truncated" in info)
        obs = env.reset()
img = env.render(mode='rgb_array')
print("RESULT render_shape", img.shape)
env.close()

mean_reward, std_reward = evaluate_policy(model, DummyVecEnv([lambda: gym.make('CartPole-v1')]), n_eval_episodes=2)
print("RESULT dones", n_dones)
print("RESULT mean_reward", mean_reward)
