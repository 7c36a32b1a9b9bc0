"""Helpers to create environments: ``make_vec_env`` (SB2's signature) and friends."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from sb_ppo2.bench.monitor import Monitor
from sb_ppo2.common.vec_env import DummyVecEnv, VecEnv
from sb_ppo2.common.vec_env.util import uses_gymnasium_api
from sb_ppo2.compat.env_ids import make_gymnasium_env


def make_env_from_id(env_id: str, **kwargs) -> Any:
    """
    Create one env from an id; old gym ids map to their gymnasium successors (with a warning).

    :param env_id: (str) the env id
    :return: (gymnasium.Env)
    """
    return make_gymnasium_env(env_id, **kwargs)


def make_vec_env(env_id, n_envs: int = 1, seed: int | None = None, start_index: int = 0,
                 monitor_dir: str | None = None, wrapper_class: Callable | None = None,
                 env_kwargs: dict | None = None, vec_env_cls: type | None = None,
                 vec_env_kwargs: dict | None = None) -> VecEnv:
    """
    Create ``n_envs`` Monitor-wrapped environments in a VecEnv.

    :param env_id: (str or callable) an env id, or a function returning an env (called with ``env_kwargs``)
    :param n_envs: (int) number of environments
    :param seed: (int) env ``i`` is seeded with ``seed + start_index + i``
    :param start_index: (int) rank of the first env
    :param monitor_dir: (str) folder of the Monitor files (None: no file)
    :param wrapper_class: (type) a wrapper applied after the Monitor
    :param env_kwargs: (dict) arguments for the env function (ignored, with a warning, for an id)
    :param vec_env_cls: (type) DummyVecEnv (default) or SubprocVecEnv
    :param vec_env_kwargs: (dict) arguments for the VecEnv class
    :return: (VecEnv)
    """
    if not isinstance(n_envs, int) or n_envs < 1:
        raise ValueError(f"make_vec_env: n_envs must be an int >= 1, got {n_envs!r}")
    env_kwargs = {} if env_kwargs is None else env_kwargs
    vec_env_kwargs = {} if vec_env_kwargs is None else vec_env_kwargs

    def make_env(rank: int) -> Callable[[], Any]:
        def _init():
            if isinstance(env_id, str):
                if env_kwargs:
                    warnings.warn("env_kwargs are ignored when env_id is a string (as in SB2)")
                env = make_env_from_id(env_id)
            else:
                env = env_id(**env_kwargs)
            if seed is not None:
                if uses_gymnasium_api(env):
                    env.reset(seed=seed + rank)
                else:
                    env.seed(seed + rank)
                env.action_space.seed(seed + rank)
            monitor_path = os.path.join(monitor_dir, str(rank)) if monitor_dir is not None else None
            if monitor_path is not None:
                os.makedirs(monitor_dir, exist_ok=True)
            env = Monitor(env, filename=monitor_path)
            if wrapper_class:
                env = wrapper_class(env)
            return env

        return _init

    if vec_env_cls is None:
        vec_env_cls = DummyVecEnv
    return vec_env_cls([make_env(i + start_index) for i in range(n_envs)], **vec_env_kwargs)
