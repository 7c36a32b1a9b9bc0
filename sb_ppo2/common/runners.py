"""``AbstractEnvRunner``: the base of PPO2's rollout collector (public because SB2 users subclass it)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class AbstractEnvRunner(ABC):
    """
    Collect experience from a vectorized environment with a model.

    Created lazily on the first ``learn``: it resets the env once and then keeps the last observations,
    done flags and recurrent states across ``learn`` calls, as SB2 2.10 did.

    :param env: (VecEnv) the environment
    :param model: (BaseRLModel) the model that acts
    :param n_steps: (int) steps per environment per run
    """

    def __init__(self, *, env, model, n_steps: int):
        self.env = env
        self.model = model
        n_envs = env.num_envs
        self.n_envs = n_envs
        self.batch_ob_shape = (n_envs * n_steps, *env.observation_space.shape)
        self.obs = np.zeros((n_envs, *env.observation_space.shape), dtype=env.observation_space.dtype)
        self.obs[:] = env.reset()
        self.n_steps = n_steps
        self.states = model.initial_state
        self.dones = np.zeros(n_envs, dtype=bool)
        self.callback = None
        self.continue_training = True

    def run(self, callback=None):
        """
        Collect one rollout.

        :param callback: (BaseCallback) called after every environment step; returning False stops training
        """
        self.callback = callback
        self.continue_training = True
        return self._run()

    @abstractmethod
    def _run(self):
        raise NotImplementedError
