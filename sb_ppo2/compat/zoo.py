"""Play rl-baselines-zoo agents (SB2 files) on their gymnasium successor envs, as the zoo's ``enjoy.py`` did.

``load_zoo_agent`` reads ``<folder>/<env_id>.pkl|.zip`` and the legacy ``<folder>/<env_id>/obs_rms.pkl`` when
present (the zoo applied it whenever it existed and no ``config.yml`` said otherwise); ``evaluate_episodes``
plays whole episodes, many envs at once (one batched forward per step), with seeded resets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from sb_ppo2.common.running_mean_std import RunningMeanStd
from sb_ppo2.common.save_util import load_running_mean_std
from sb_ppo2.compat.env_ids import make_gymnasium_env


def load_zoo_agent(folder: str, env_id: str) -> tuple[Any, RunningMeanStd | None]:
    """
    :param folder: (str) the zoo's ``trained_agents/ppo2`` folder (or a copy)
    :param env_id: (str) the agent's (old) env id, e.g. ``MountainCar-v0``
    :return: ((PPO2, RunningMeanStd)) the model, and its observation statistics (None if it has none)
    """
    from sb_ppo2.ppo2.ppo2 import PPO2

    path = next((os.path.join(folder, env_id + ext) for ext in (".pkl", ".zip")
                 if os.path.exists(os.path.join(folder, env_id + ext))), None)
    if path is None:
        raise FileNotFoundError(f"no {env_id}.pkl or {env_id}.zip in {folder}")
    model = PPO2.load(path, verbose=0)
    rms_path = os.path.join(folder, env_id, "obs_rms.pkl")
    obs_rms = load_running_mean_std(rms_path) if os.path.exists(rms_path) else None
    return model, obs_rms


def normalize_obs(obs: np.ndarray, obs_rms: RunningMeanStd | None, clip_obs: float = 10.0,
                  epsilon: float = 1e-8) -> np.ndarray:
    """
    SB2's ``VecNormalize.normalize_obs`` with frozen statistics (float64, then clipped).

    :param obs: (np.ndarray) raw observations
    :param obs_rms: (RunningMeanStd) the statistics (None: returned unchanged)
    :return: (np.ndarray)
    """
    if obs_rms is None:
        return obs
    return np.clip((obs - obs_rms.mean) / np.sqrt(obs_rms.var + epsilon), -clip_obs, clip_obs)


def evaluate_episodes(model: Any, env_id: str, seeds: Sequence[int], deterministic: bool = False,
                      obs_rms: RunningMeanStd | None = None, make_env: Callable[[], Any] | None = None,
                      torch_seed: int = 0) -> np.ndarray:
    """
    Play one episode per seed (``env.reset(seed=s)``), all envs stepping together.

    :param model: (PPO2) the agent
    :param env_id: (str) the env id (old ids map to their gymnasium successors)
    :param seeds: ([int]) reset seeds, one episode each
    :param deterministic: (bool) most likely actions instead of sampled ones (the zoo's PPO2 figures are sampled)
    :param obs_rms: (RunningMeanStd) observation statistics to normalise with
    :param make_env: (callable) builds one gymnasium env (default: ``make_gymnasium_env(env_id)``)
    :param torch_seed: (int) seed of torch's generator, for reproducible sampled actions
    :return: (np.ndarray) the return of each episode, in the order of ``seeds``
    """
    import warnings

    torch.manual_seed(torch_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        envs = [make_env() if make_env is not None else make_gymnasium_env(env_id) for _ in seeds]
    obs = np.stack([env.reset(seed=int(seed))[0] for env, seed in zip(envs, seeds)])
    returns = np.zeros(len(envs))
    active = np.ones(len(envs), dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        actions, _ = model.predict(normalize_obs(obs[idx], obs_rms), deterministic=deterministic)
        for i, action in zip(idx, actions):
            obs[i], reward, terminated, truncated, _ = envs[i].step(action)
            returns[i] += float(reward)
            active[i] = not (terminated or truncated)
    for env in envs:
        env.close()
    return returns
