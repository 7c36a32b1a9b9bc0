"""Vectorized environments with Stable-Baselines 2's API (``reset() -> obs``, ``step -> 4-tuple``, auto-reset)."""

from __future__ import annotations

import copy

from sb_ppo2.common.vec_env.base_vec_env import (
    AlreadySteppingError,
    CloudpickleWrapper,
    NotSteppingError,
    VecEnv,
    VecEnvWrapper,
)
from sb_ppo2.common.vec_env.dummy_vec_env import DummyVecEnv
from sb_ppo2.common.vec_env.subproc_vec_env import EnvWorkerError, SubprocVecEnv
from sb_ppo2.common.vec_env.vec_check_nan import VecCheckNan
from sb_ppo2.common.vec_env.vec_frame_stack import VecFrameStack
from sb_ppo2.common.vec_env.vec_normalize import VecNormalize


def unwrap_vec_normalize(env) -> VecNormalize | None:
    """
    Find the first ``VecNormalize`` in a chain of VecEnv wrappers.

    :param env: (VecEnv or gym env) the environment
    :return: (VecNormalize or None)
    """
    env_tmp = env
    while isinstance(env_tmp, VecEnvWrapper):
        if isinstance(env_tmp, VecNormalize):
            return env_tmp
        env_tmp = env_tmp.venv
    return None


def sync_envs_normalization(env: VecEnv, eval_env: VecEnv) -> None:
    """
    Copy the normalisation statistics of ``env`` into ``eval_env`` (level by level along both chains).

    :param env: (VecEnv) the training environment
    :param eval_env: (VecEnv) the evaluation environment (same wrapper depth)
    """
    env_tmp, eval_env_tmp = env, eval_env
    while isinstance(env_tmp, VecEnvWrapper):
        if isinstance(env_tmp, VecNormalize):
            eval_env_tmp.obs_rms = copy.deepcopy(env_tmp.obs_rms)
            eval_env_tmp.ret_rms = copy.deepcopy(env_tmp.ret_rms)
        env_tmp = env_tmp.venv
        eval_env_tmp = eval_env_tmp.venv


__all__ = [
    "AlreadySteppingError",
    "CloudpickleWrapper",
    "DummyVecEnv",
    "EnvWorkerError",
    "NotSteppingError",
    "SubprocVecEnv",
    "VecCheckNan",
    "VecEnv",
    "VecEnvWrapper",
    "VecFrameStack",
    "VecNormalize",
    "sync_envs_normalization",
    "unwrap_vec_normalize",
]
