"""``generate_expert_traj``: record an expert's episodes in the format ``ExpertDataset`` reads (SB2's function)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium import spaces

from sb_ppo2.common.vec_env import DummyVecEnv, VecEnv


def generate_expert_traj(model: Any, save_path: str | None = None, env=None, n_timesteps: int = 0,
                         n_episodes: int = 100, image_folder: str = "recorded_images") -> dict[str, np.ndarray]:
    """
    Train an expert (when ``n_timesteps > 0``) and record ``n_episodes`` of its episodes.

    Only the first env of a VecEnv is recorded.  A single (gymnasium) env is wrapped in a one-env
    ``DummyVecEnv``.  Image observations are stored in the ``.npz`` itself (SB2 wrote them to image files with
    OpenCV; ``image_folder`` is accepted and unused), which ``ExpertDataset`` reads the same way.

    :param model: (BaseRLModel or callable) the expert: an RL model (its ``predict`` is used, sampled actions as in
        SB2) or a function ``obs -> action`` on the batched observation
    :param save_path: (str) where to ``np.savez`` the data (None: not saved)
    :param env: (gymnasium env or VecEnv) the environment (default: the model's)
    :param n_timesteps: (int) train the model that many steps first (RL models only)
    :param n_episodes: (int) number of episodes to record
    :param image_folder: (str) unused (SB2's folder for image files)
    :return: (dict) ``actions``, ``obs``, ``rewards``, ``episode_returns``, ``episode_starts``
    """
    from sb_ppo2.common.base_class import BaseRLModel

    is_model = isinstance(model, BaseRLModel)
    if env is None and is_model:
        env = model.get_env()
    assert env is not None, "You must set the env in the model or pass it to the function."
    if not isinstance(env, VecEnv):
        single_env = env
        env = DummyVecEnv([lambda: single_env])
    elif env.num_envs > 1:
        warnings.warn("You are using multiple envs, only the data from the first one will be recorded.")
    assert isinstance(env.observation_space, spaces.Box | spaces.Discrete), "Observation space type not supported"
    assert isinstance(env.action_space, spaces.Box | spaces.Discrete), "Action space type not supported"
    obs_space = env.observation_space
    if len(obs_space.shape) == 3 and obs_space.dtype == np.uint8:
        warnings.warn(f"The observations look like images (shape = {obs_space.shape}): they are saved in the numpy "
                      "archive, which can use a lot of memory")
    if n_timesteps > 0 and is_model:
        model.learn(n_timesteps)
    act = _expert_policy(model, env) if is_model else (lambda obs, _done: model(obs))
    data = _record(act, env, n_episodes)
    for key, val in data.items():
        print(key, val.shape)
    if save_path is not None:
        np.savez(save_path, **data)
    env.close()
    return data


def _expert_policy(model: Any, env: VecEnv) -> Callable:
    """
    The model as a stateful ``(obs, done) -> action`` function; recurrent models get their state threaded and,
    when the env has fewer envs than the model, the observation padded to ``model.n_envs`` rows.
    """
    recurrent = bool(getattr(model.policy, "recurrent", False))
    state = None

    def act(obs: np.ndarray, done: np.ndarray) -> np.ndarray:
        nonlocal state
        if not recurrent:
            return model.predict(obs)[0]
        n_model = model.n_envs
        padded = np.zeros((n_model, *obs.shape[1:]), dtype=obs.dtype)
        padded[:len(obs)] = obs[:n_model]
        mask = np.zeros(n_model, dtype=bool)
        mask[:len(done)] = done[:n_model]
        action, state = model.predict(padded, state=state, mask=mask)
        return action[:len(obs)]

    return act


def _record(act: Callable, env: VecEnv, n_episodes: int) -> dict[str, np.ndarray]:
    """Run ``act`` in ``env`` for ``n_episodes`` episodes of env 0 and collect its transitions."""
    observations, actions, rewards, episode_starts = [], [], [], [True]
    episode_returns = np.zeros((n_episodes,))
    obs = env.reset()
    done = np.ones(env.num_envs, dtype=bool)  # the first step starts an episode (recurrent masks)
    reward_sum, ep_idx = 0.0, 0
    while ep_idx < n_episodes:
        observations.append(np.array(obs[0]))
        action = act(obs, done)
        obs, reward, done, _ = env.step(action)
        actions.append(np.array(action)[0])
        rewards.append(float(reward[0]))
        episode_starts.append(bool(done[0]))
        reward_sum += float(reward[0])
        if done[0]:
            episode_returns[ep_idx] = reward_sum
            reward_sum = 0.0
            ep_idx += 1
    obs_array = np.array(observations)
    if isinstance(env.observation_space, spaces.Discrete):
        obs_array = obs_array.reshape((-1, 1))
    action_array = np.array(actions)
    if isinstance(env.action_space, spaces.Discrete):
        action_array = action_array.reshape((-1, 1))
    else:
        action_array = action_array.reshape((-1, *env.action_space.shape))
    assert len(obs_array) == len(action_array)
    return {"actions": action_array, "obs": obs_array, "rewards": np.array(rewards),
            "episode_returns": episode_returns, "episode_starts": np.array(episode_starts[:-1])}

