# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B20/B21/G6/G11: a custom env written against gym 0.17 (gym.Env, gym.spaces, 4-tuples), check_env,
gym.wrappers.TimeLimit, gym.logger.set_level, and PPO2 training on it without edits."""
import gym
import numpy as np
from gym import spaces

from stable_baselines import PPO2
from stable_baselines.common.env_checker import check_env
from stable_baselines.common.vec_env import DummyVecEnv

gym.logger.set_level(40)


class GoLeftEnv(gym.Env):
    """
    Custom Environment that follows gym interface.
    This is a simple env where the agent must learn to go always left.
    """
    # Because of google colab, we cannot implement the GUI ('human' render mode)
    metadata = {'render.modes': ['console']}
    # Define constants for clearer code
    LEFT = 0
    RIGHT = 1

    def __init__(self, grid_size=10):
        super(GoLeftEnv, self).__init__()
        self.grid_size = grid_size
        self.agent_pos = grid_size - 1
        self.action_space = spaces.Discrete(2)
        self.observation_space = spaces.Box(low=0, high=self.grid_size, shape=(1,), dtype=np.float32)

    def reset(self):
        self.agent_pos = self.grid_size - 1
        return np.array([self.agent_pos]).astype(np.float32)

    def step(self, action):
        if action == self.LEFT:
            self.agent_pos -= 1
        elif action == self.RIGHT:
            self.agent_pos += 1
        else:
            raise ValueError("Received invalid action={} which is not part of the action space".format(action))
        self.agent_pos = np.clip(self.agent_pos, 0, self.grid_size)
        done = bool(self.agent_pos == 0)
        reward = 1 if self.agent_pos == 0 else 0
        info = {}
        return np.array([self.agent_pos]).astype(np.float32), reward, done, info

    def render(self, mode='console'):
        if mode != 'console':
            raise NotImplementedError()
        print("." * self.agent_pos, end="")
        print("x", end="")
        print("." * (self.grid_size - self.agent_pos))

    def close(self):
        pass


env = GoLeftEnv()
check_env(env, warn=True)
print("RESULT check_env ok")

env = gym.wrappers.TimeLimit(GoLeftEnv(grid_size=10), max_episode_steps=20)
obs = env.reset()
done, n = False, 0
while not done:
    obs, reward, done, info = env.step(GoLeftEnv.RIGHT)
    n += 1
print("RESULT time_limit", n, info.get("TimeLimit.truncated"))

env = DummyVecEnv([lambda: gym.wrappers.TimeLimit(GoLeftEnv(grid_size=10), max_episode_steps=50)])
model = PPO2('MlpPolicy', env, verbose=0, n_steps=128, seed=0).learn(2048)
obs = env.reset()
n_steps = 0
for step in range(20):
    action, _ = model.predict(obs, deterministic=True)
    obs, reward, done, info = env.step(action)
    n_steps += 1
    env.render(mode='console')
    if done[0]:
        break
print("RESULT goal_reached", bool(done[0]), "steps", n_steps)
