"""``VecNormalize``: running normalisation of observations and rewards, as SB2 computed it."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np

from sb_ppo2.common.running_mean_std import RunningMeanStd
from sb_ppo2.common.vec_env.base_vec_env import VecEnv, VecEnvWrapper


class VecNormalize(VecEnvWrapper):
    """
    A moving-average normalising wrapper for vectorized environments.

    Observations become ``clip((obs - mean) / sqrt(var + epsilon), -clip_obs, clip_obs)``; rewards are
    divided by the standard deviation of the discounted return (no mean subtracted).

    :param venv: (VecEnv) the vectorized environment to wrap
    :param training: (bool) whether to update the running statistics
    :param norm_obs: (bool) whether to normalise observations
    :param norm_reward: (bool) whether to normalise rewards
    :param clip_obs: (float) bound on normalised observations
    :param clip_reward: (float) bound on normalised rewards
    :param gamma: (float) discount of the return whose variance scales the rewards
    :param epsilon: (float) added to the variances to avoid a division by zero
    """

    def __init__(self, venv: VecEnv, training: bool = True, norm_obs: bool = True, norm_reward: bool = True,
                 clip_obs: float = 10.0, clip_reward: float = 10.0, gamma: float = 0.99, epsilon: float = 1e-8):
        VecEnvWrapper.__init__(self, venv)
        self.obs_rms = RunningMeanStd(shape=self.observation_space.shape)
        self.ret_rms = RunningMeanStd(shape=())
        self.clip_obs = clip_obs
        self.clip_reward = clip_reward
        self.ret = np.zeros(self.num_envs)
        self.gamma = gamma
        self.epsilon = epsilon
        self.training = training
        self.norm_obs = norm_obs
        self.norm_reward = norm_reward
        self.old_obs = np.array([])
        self.old_rews = np.array([])

    def __getstate__(self) -> dict:
        """Everything but the wrapped env, the class attributes and the running return (as SB2 pickled it)."""
        state = self.__dict__.copy()
        for key in ("venv", "class_attributes", "ret"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        assert "venv" not in state
        self.venv = None

    def set_venv(self, venv: VecEnv) -> None:
        """
        Attach an environment to statistics that were unpickled without one.

        :param venv: (VecEnv) the vectorized environment to wrap
        """
        if self.venv is not None:
            raise ValueError("Trying to set venv of already initialized VecNormalize wrapper.")
        VecEnvWrapper.__init__(self, venv)
        if self.obs_rms.mean.shape != self.observation_space.shape:
            raise ValueError("venv is incompatible with current statistics.")
        self.ret = np.zeros(self.num_envs)

    def step_wait(self):
        obs, rews, news, infos = self.venv.step_wait()
        self.old_obs = obs
        self.old_rews = rews
        if self.training:
            self.obs_rms.update(obs)
        obs = self.normalize_obs(obs)
        if self.training:
            self._update_reward(rews)
        rews = self.normalize_reward(rews)
        self.ret[news] = 0
        return obs, rews, news, infos

    def _update_reward(self, reward: np.ndarray) -> None:
        self.ret = self.ret * self.gamma + reward
        self.ret_rms.update(self.ret)

    def normalize_obs(self, obs: np.ndarray) -> np.ndarray:
        """
        Normalise observations with the current statistics (which are not updated).

        :param obs: (np.ndarray) raw observations
        :return: (np.ndarray)
        """
        if not self.norm_obs:
            return obs
        return np.clip((obs - self.obs_rms.mean) / np.sqrt(self.obs_rms.var + self.epsilon), -self.clip_obs, self.clip_obs)

    def normalize_reward(self, reward: np.ndarray) -> np.ndarray:
        """
        Scale rewards by the standard deviation of the discounted return (statistics not updated).

        :param reward: (np.ndarray) raw rewards
        :return: (np.ndarray)
        """
        if not self.norm_reward:
            return reward
        return np.clip(reward / np.sqrt(self.ret_rms.var + self.epsilon), -self.clip_reward, self.clip_reward)

    def unnormalize_obs(self, obs: np.ndarray) -> np.ndarray:
        """:return: (np.ndarray) observations mapped back to the raw scale (ignoring the clip)"""
        if not self.norm_obs:
            return obs
        return obs * np.sqrt(self.obs_rms.var + self.epsilon) + self.obs_rms.mean

    def get_original_obs(self) -> np.ndarray:
        """:return: (np.ndarray) a copy of the last raw observations"""
        return self.old_obs.copy()

    def get_original_reward(self) -> np.ndarray:
        """:return: (np.ndarray) a copy of the last raw rewards"""
        return self.old_rews.copy()

    def reset(self):
        obs = self.venv.reset()
        self.old_obs = obs
        self.ret = np.zeros(self.num_envs)
        if self.training:
            self._update_reward(self.ret)
        return self.normalize_obs(obs)

    @staticmethod
    def load(load_path: str, venv: VecEnv) -> VecNormalize:
        """
        Load pickled statistics (ours or SB2's) and wrap ``venv`` with them.

        SB2 files are read with sb_ppo2's restricted unpickler: they cannot run code.

        :param load_path: (str) path of the pickle written by ``save``
        :param venv: (VecEnv) the environment to wrap
        :return: (VecNormalize)
        """
        from sb_ppo2.common.save_util import load_vec_normalize_pickle

        vec_normalize = load_vec_normalize_pickle(load_path)
        vec_normalize.set_venv(venv)
        return vec_normalize

    def save(self, save_path: str) -> None:
        """
        Pickle the wrapper (statistics and settings, not the env); written atomically.

        :param save_path: (str) where to write
        """
        from sb_ppo2.common.save_util import atomic_write

        with atomic_write(save_path) as file_handler:
            pickle.dump(self, file_handler)

    def save_running_average(self, path: str) -> None:
        """
        Deprecated (SB2): write ``obs_rms.pkl`` and ``ret_rms.pkl`` into the folder ``path``.

        :param path: (str) the folder
        """
        warnings.warn("Usage of `save_running_average` is deprecated. Please use `save` or pickle instead.",
                      DeprecationWarning)
        from sb_ppo2.common.save_util import atomic_write

        for rms, name in zip([self.obs_rms, self.ret_rms], ["obs_rms", "ret_rms"]):
            with atomic_write(os.path.join(path, f"{name}.pkl")) as file_handler:
                pickle.dump(rms, file_handler)

    def load_running_average(self, path: str) -> None:
        """
        Deprecated (SB2): read ``obs_rms.pkl`` and ``ret_rms.pkl`` from the folder ``path``.

        SB2's files are read with the restricted unpickler.

        :param path: (str) the folder
        """
        warnings.warn("Usage of `load_running_average` is deprecated. Please use `load` or pickle instead.",
                      DeprecationWarning)
        from sb_ppo2.common.save_util import load_running_mean_std

        for name in ["obs_rms", "ret_rms"]:
            setattr(self, name, load_running_mean_std(os.path.join(path, f"{name}.pkl")))
