# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B5: SubprocVecEnv of gym.make envs seeded with env.seed, under `if __name__ == '__main__':`."""
import gym
import numpy as np

from stable_baselines import PPO2
from stable_baselines.common import set_global_seeds
from stable_baselines.common.policies import MlpPolicy
from stable_baselines.common.vec_env import SubprocVecEnv


def make_env(env_id, rank, seed=0):
    """
    Utility function for multiprocessed env.

    :param env_id: (str) the environment ID
    :param rank: (int) index of the subprocess
    :param seed: (int) the inital seed for RNG
    """
    def _init():
        env = gym.make(env_id)
        env.seed(seed + rank)
        return env
    set_global_seeds(seed)
    return _init


if __name__ == '__main__':
    env_id = "CartPole-v1"
    num_cpu = 2  # Number of processes to use
    env = SubprocVecEnv([make_env(env_id, i) for i in range(num_cpu)])

    model = PPO2(MlpPolicy, env, verbose=0, n_steps=32)
    model.learn(total_timesteps=128)

    obs = env.reset()
    print("RESULT obs_shape", obs.shape)
    for _ in range(50):
        action, _states = model.predict(obs)
        obs, rewards, dones, info = env.step(action)
    print("RESULT rewards", np.asarray(rewards).tolist())
    env.close()
