# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B6/G8: Monitor writing monitor.csv, a BaseCallback that reads it with load_results/ts2xy, and
results_plotter.plot_results."""
import os

import gym
import numpy as np

from stable_baselines import PPO2, results_plotter
from stable_baselines.bench import Monitor
from stable_baselines.common.callbacks import BaseCallback
from stable_baselines.results_plotter import load_results, ts2xy


class SaveOnBestTrainingRewardCallback(BaseCallback):
    """
    Callback for saving a model (the check is done every ``check_freq`` steps)
    based on the training reward (in practice, we recommend using ``EvalCallback``).
    """
    def __init__(self, check_freq: int, log_dir: str, verbose=1):
        super(SaveOnBestTrainingRewardCallback, self).__init__(verbose)
        self.check_freq = check_freq
        self.log_dir = log_dir
        self.save_path = os.path.join(log_dir, 'best_model')
        self.best_mean_reward = -np.inf

    def _init_callback(self) -> None:
        if self.save_path is not None:
            os.makedirs(self.save_path, exist_ok=True)

    def _on_step(self) -> bool:
        if self.n_calls % self.check_freq == 0:
            x, y = ts2xy(load_results(self.log_dir), 'timesteps')
            if len(x) > 0:
                mean_reward = np.mean(y[-100:])
                if self.verbose > 0:
                    print("Num timesteps: {}".format(self.num_timesteps))
                    print("Best mean reward: {:.2f} - Last mean reward per episode: {:.2f}".format(self.best_mean_reward, mean_reward))
                if mean_reward > self.best_mean_reward:
                    self.best_mean_reward = mean_reward
                    self.model.save(self.save_path)
        return True


log_dir = "tmp/"
os.makedirs(log_dir, exist_ok=True)
env = gym.make('CartPole-v1')
env = Monitor(env, log_dir)
model = PPO2('MlpPolicy', env, verbose=0, n_steps=128)
callback = SaveOnBestTrainingRewardCallback(check_freq=256, log_dir=log_dir)
time_steps = 1024
model.learn(total_timesteps=int(time_steps), callback=callback)
print("RESULT monitor_csv", os.path.exists(os.path.join(log_dir, "monitor.csv")))
print("RESULT best_model", os.path.exists(os.path.join(log_dir, "best_model.zip")))
print("RESULT episodes", len(load_results(log_dir)) > 0)
fig = results_plotter.plot_results([log_dir], 1e5, results_plotter.X_TIMESTEPS, "PPO2 CartPole")
print("RESULT plot", type(fig).__name__)
