# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""C1-C3: the rl-baselines-zoo's import block, train.py's hyper-parameter handling (constfn, lin_ schedules,
normalize, CustomMlpPolicy) and enjoy.py's loading (zip/pkl agents, vecnormalize.pkl or the legacy
obs_rms.pkl / ret_rms.pkl), condensed.

    train:  zoo_train_enjoy.py --env CartPole-v1 -n 256 -f logs
    enjoy:  zoo_train_enjoy.py --env Acrobot-v1 --enjoy -f <trained_agents/ppo2> -n 1000
"""
import argparse
import os
import sys
from collections import OrderedDict

import gym
import numpy as np
# The zoo's utils/utils.py imports all of these at module load, PPO2 runs or not.
from stable_baselines import A2C, ACER, ACKTR, DQN, HER, PPO2, SAC, TD3  # noqa: F401
from stable_baselines.bench import Monitor
from stable_baselines.common import set_global_seeds
from stable_baselines.common.base_class import _UnvecWrapper  # noqa: F401
from stable_baselines.common.callbacks import BaseCallback, CheckpointCallback, EvalCallback  # noqa: F401
from stable_baselines.common.noise import AdaptiveParamNoiseSpec, NormalActionNoise  # noqa: F401
from stable_baselines.common.policies import FeedForwardPolicy as BasePolicy
from stable_baselines.common.policies import register_policy
from stable_baselines.common.schedules import constfn
from stable_baselines.common.vec_env import DummyVecEnv, VecNormalize
from stable_baselines.deepq.policies import FeedForwardPolicy
from stable_baselines.her import HERGoalEnvWrapper  # noqa: F401
from stable_baselines.sac.policies import FeedForwardPolicy as SACPolicy


class CustomDQNPolicy(FeedForwardPolicy):
    def __init__(self, *args, **kwargs):
        super(CustomDQNPolicy, self).__init__(*args, **kwargs, layers=[64], layer_norm=True, feature_extraction="mlp")


class CustomMlpPolicy(BasePolicy):
    def __init__(self, *args, **kwargs):
        super(CustomMlpPolicy, self).__init__(*args, **kwargs, layers=[16], feature_extraction="mlp")


class CustomSACPolicy(SACPolicy):
    def __init__(self, *args, **kwargs):
        super(CustomSACPolicy, self).__init__(*args, **kwargs, layers=[256, 256], feature_extraction="mlp")


register_policy('CustomSACPolicy', CustomSACPolicy)
register_policy('CustomDQNPolicy', CustomDQNPolicy)
register_policy('CustomMlpPolicy', CustomMlpPolicy)


def linear_schedule(initial_value):
    if isinstance(initial_value, str):
        initial_value = float(initial_value)

    def func(progress):
        return progress * initial_value
    return func


def make_env(env_id, rank=0, seed=0, log_dir=None):
    def _init():
        set_global_seeds(seed + rank)
        env = gym.make(env_id)
        env.seed(seed + rank)
        log_file = os.path.join(log_dir, str(rank)) if log_dir is not None else None
        env = Monitor(env, log_file)
        return env
    return _init


def train(args):
    hyperparams = OrderedDict([('n_envs', 2), ('n_steps', 32), ('nminibatches', 1), ('noptepochs', 4),
                               ('learning_rate', 'lin_2.5e-4'), ('cliprange', 0.2), ('cliprange_vf', -1),
                               ('policy', 'CustomMlpPolicy'), ('normalize', True)])
    for key in ['learning_rate', 'cliprange', 'cliprange_vf']:
        if isinstance(hyperparams[key], str):
            hyperparams[key] = linear_schedule(float(hyperparams[key].split('_')[1]))
        elif isinstance(hyperparams[key], (float, int)) and hyperparams[key] >= 0:
            hyperparams[key] = constfn(float(hyperparams[key]))
    normalize = hyperparams.pop('normalize')
    n_envs = hyperparams.pop('n_envs')
    save_path = os.path.join(args.folder, "ppo2", "{}_1".format(args.env))
    params_path = os.path.join(save_path, args.env)
    os.makedirs(params_path, exist_ok=True)
    env = DummyVecEnv([make_env(args.env, i, args.seed, log_dir=save_path) for i in range(n_envs)])
    if normalize:
        env = VecNormalize(env)
    model = PPO2(env=env, tensorboard_log=None, verbose=0, **hyperparams)
    model.learn(args.n_timesteps)
    model.save(os.path.join(save_path, args.env))
    if normalize:
        model.get_vec_normalize_env().save(os.path.join(params_path, 'vecnormalize.pkl'))
    print("RESULT saved", sorted(os.listdir(save_path)))
    return save_path


def enjoy(args, folder):
    model_path = os.path.join(folder, args.env + ".zip")
    if not os.path.isfile(model_path):
        model_path = os.path.join(folder, args.env + ".pkl")
    stats_path = os.path.join(folder, args.env)
    env = DummyVecEnv([make_env(args.env, 0, args.seed)])
    if os.path.exists(os.path.join(stats_path, 'vecnormalize.pkl')):
        env = VecNormalize.load(os.path.join(stats_path, 'vecnormalize.pkl'), env)
        env.training = False
        env.norm_reward = False
        print("RESULT normalization vecnormalize.pkl")
    elif os.path.exists(os.path.join(stats_path, 'obs_rms.pkl')):
        env = VecNormalize(env, training=False, norm_reward=False)
        env.load_running_average(stats_path)
        print("RESULT normalization obs_rms.pkl")
    model = PPO2.load(model_path, env=env)
    obs = env.reset()
    episode_reward, episode_rewards = 0.0, []
    for _ in range(args.n_timesteps):
        action, _ = model.predict(obs, deterministic=args.deterministic)
        if isinstance(env.action_space, gym.spaces.Box):
            action = np.clip(action, env.action_space.low, env.action_space.high)
        obs, reward, done, infos = env.step(action)
        episode_reward += reward[0]
        if done[0]:
            episode_rewards.append(episode_reward)
            episode_reward = 0.0
    print("RESULT episodes", len(episode_rewards))
    print("RESULT mean_reward", np.mean(episode_rewards) if episode_rewards else float("nan"))


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--env', type=str, default="CartPole-v1")
    parser.add_argument('-f', '--folder', type=str, default='logs')
    parser.add_argument('-n', '--n-timesteps', type=int, default=256)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--enjoy', action='store_true', default=False)
    parser.add_argument('--deterministic', action='store_true', default=False)
    args = parser.parse_args()
    registered_envs = set(gym.envs.registry.env_specs.keys())
    if args.env not in registered_envs:
        print("{} not found in gym registry".format(args.env))
        sys.exit(1)
    if args.enjoy:
        enjoy(args, args.folder)
    else:
        folder = train(args)
        enjoy(args, folder)
