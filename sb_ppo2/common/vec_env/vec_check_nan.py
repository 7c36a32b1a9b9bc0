"""``VecCheckNan``: find where NaN or inf values enter training."""

from __future__ import annotations

import warnings

import numpy as np

from sb_ppo2.common.vec_env.base_vec_env import VecEnv, VecEnvWrapper


class VecCheckNan(VecEnvWrapper):
    """
    Check actions, observations, rewards and dones for NaN (and inf) values, and say where they came from.

    :param venv: (VecEnv) the vectorized environment to wrap
    :param raise_exception: (bool) raise ``ValueError`` instead of warning
    :param warn_once: (bool) stop checking after the first warning
    :param check_inf: (bool) also look for +/-inf
    """

    def __init__(self, venv: VecEnv, raise_exception: bool = False, warn_once: bool = True, check_inf: bool = True):
        VecEnvWrapper.__init__(self, venv)
        self.raise_exception = raise_exception
        self.warn_once = warn_once
        self.check_inf = check_inf
        self._actions = None
        self._observations = None
        self._user_warned = False

    def step_async(self, actions: np.ndarray) -> None:
        self._check_val(async_step=True, actions=actions)
        self._actions = actions
        self.venv.step_async(actions)

    def step_wait(self):
        observations, rewards, news, infos = self.venv.step_wait()
        self._check_val(async_step=False, observations=observations, rewards=rewards, news=news)
        self._observations = observations
        return observations, rewards, news, infos

    def reset(self):
        observations = self.venv.reset()
        self._actions = None
        self._check_val(async_step=False, observations=observations)
        self._observations = observations
        return observations

    def _check_val(self, *, async_step: bool, **kwargs) -> None:
        if not self.raise_exception and self.warn_once and self._user_warned:
            return
        found = []
        for name, val in kwargs.items():
            array = np.asarray(val)
            if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
                continue
            # SB2's order: inf is reported before nan for the same value.
            if self.check_inf and np.any(np.isinf(array)):
                found.append((name, "inf"))
            if np.any(np.isnan(array)):
                found.append((name, "nan"))
        if not found:
            return
        self._user_warned = True
        msg = ", ".join(f"found {kind} in {name}" for name, kind in found)
        if async_step:
            msg += ".\r\nOriginated from the RL model, Last given value was: \r\n\tobservations=" + str(self._observations)
        elif self._actions is None:
            msg += ".\r\nOriginated from the environment observation (at reset)"
        else:
            msg += ".\r\nOriginated from the environment, Last given value was: \r\n\taction=" + str(self._actions)
        if self.raise_exception:
            raise ValueError(msg)
        warnings.warn(msg, UserWarning)
