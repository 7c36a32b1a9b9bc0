# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B16/B17/G10: a legacy function callback reading _locals['self'], and the callback collection."""
import os

import gym

from stable_baselines import PPO2
from stable_baselines.common.callbacks import CallbackList, CheckpointCallback, EvalCallback

calls = []


def simple_callback(_locals, _globals):
    """
    Callback called at each step (for DQN and others) or after n steps (see ACER or PPO2)
    :param _locals: (dict)
    :param _globals: (dict)
    """
    print("callback called")
    calls.append(type(_locals["self"]).__name__)
    # Save the model
    _locals["self"].save("saved_model")
    # If you want to continue training, the callback must return True.
    return False


model = PPO2('MlpPolicy', 'CartPole-v1', n_steps=32)
model.learn(2000, callback=simple_callback)
print("RESULT self_type", calls[0])
print("RESULT n_calls", len(calls))
print("RESULT saved", os.path.exists("saved_model.zip"))

checkpoint_callback = CheckpointCallback(save_freq=64, save_path='./logs/', name_prefix='rl_model')
eval_env = gym.make('Pendulum-v0')
eval_callback = EvalCallback(eval_env, best_model_save_path='./logs/best_model', log_path='./logs/results',
                             eval_freq=128, n_eval_episodes=1, deterministic=True, render=False)
model = PPO2('MlpPolicy', 'Pendulum-v0', n_steps=64)
model.learn(256, callback=CallbackList([checkpoint_callback, eval_callback]))
print("RESULT checkpoints", sorted(os.listdir('./logs/')))
print("RESULT best_model", os.path.exists('./logs/best_model/best_model.zip'))
