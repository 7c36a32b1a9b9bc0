"""``evaluate_policy``: run a trained model for a number of episodes and report the rewards (SB2 2.10 semantics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sb_ppo2.common.vec_env.base_vec_env import VecEnv
from sb_ppo2.common.vec_env.dummy_vec_env import DummyVecEnv

__all__ = ["evaluate_policy"]


def evaluate_policy(
    model: Any,
    env: Any,
    n_eval_episodes: int = 10,
    deterministic: bool = True,
    render: bool = False,
    callback: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None,
    reward_threshold: float | None = None,
    return_episode_rewards: bool = False,
) -> tuple[Any, Any]:
    """
    Runs policy for ``n_eval_episodes`` episodes and returns average reward.
    This is made to work only with one env.

    A single env (gymnasium or gym-style) is wrapped in a one-env ``DummyVecEnv`` and then evaluated like a VecEnv:
    reset once before the first episode, then rely on the VecEnv's automatic reset.  Episode rewards are then Python
    floats; with a VecEnv given by the caller they are 1-element arrays, as in SB2.

    :param model: (BaseRLModel) The RL agent you want to evaluate.
    :param env: (gym.Env or VecEnv) The gym environment. In the case of a ``VecEnv``
        this must contain only one environment.
    :param n_eval_episodes: (int) Number of episode to evaluate the agent
    :param deterministic: (bool) Whether to use deterministic or stochastic actions
    :param render: (bool) Whether to render the environment or not
    :param callback: (callable) callback function ``f(locals(), globals())`` called after each step
        (it sees ``model``, ``env``, ``obs``, ``action``, ``new_obs``, ``reward``, ``done``, ``_info``,
        ``episode_reward``, ``episode_length`` (not yet counting this step), ``state``, ``i``,
        ``episode_rewards``, ``episode_lengths``)
    :param reward_threshold: (float) Minimum expected reward per episode,
        this will raise an error if the performance is not met
    :param return_episode_rewards: (bool) If True, a list of reward per episode
        will be returned instead of the mean.
    :return: (float, float) Mean reward per episode, std of reward per episode
        returns ([float], [int]) when ``return_episode_rewards`` is True
    """
    given_vec_env = isinstance(env, VecEnv)
    if given_vec_env:
        assert env.num_envs == 1, "You must pass only one environment when using this function"
    else:
        single_env = env
        env = DummyVecEnv([lambda: single_env])
    is_recurrent = _is_recurrent(model)

    episode_rewards, episode_lengths = [], []
    for i in range(n_eval_episodes):
        # Only the first episode needs an explicit reset: the VecEnv resets itself at the end of each episode.
        if i == 0:
            obs = env.reset()
            if is_recurrent:
                obs = _pad_for_recurrent(model, obs)
        done, state = False, None
        episode_reward = 0.0
        episode_length = 0
        while not done:
            action, state = model.predict(obs, state=state, deterministic=deterministic)
            # Recurrent models answer for all their n_envs padded rows; only row 0 is the real env.
            new_obs, reward, done, _info = env.step(action[:1] if is_recurrent else action)
            if is_recurrent:
                # Only row 0 is a real env; the other rows stay zero padding for the policy's batch size.
                obs[0, ...] = new_obs[0]
            else:
                obs = new_obs
            episode_reward += reward
            if callback is not None:
                callback(locals(), globals())
            episode_length += 1
            if render:
                env.render()
        if not given_vec_env:
            # A single env has scalar rewards; report them as such rather than as 1-element arrays.
            episode_reward = float(np.asarray(episode_reward).reshape(-1)[0])
        episode_rewards.append(episode_reward)
        episode_lengths.append(episode_length)

    mean_reward = np.mean(episode_rewards)
    std_reward = np.std(episode_rewards)
    if reward_threshold is not None:
        assert mean_reward > reward_threshold, f"Mean reward below threshold: {mean_reward:.2f} < {reward_threshold:.2f}"
    if return_episode_rewards:
        return episode_rewards, episode_lengths
    return mean_reward, std_reward


def _is_recurrent(model: Any) -> bool:
    """
    :param model: (BaseRLModel) the model
    :return: (bool) whether its policy is recurrent (False when the policy does not say)
    """
    return bool(getattr(getattr(model, "policy", None), "recurrent", False))


def _pad_for_recurrent(model: Any, obs: np.ndarray) -> np.ndarray:
    """
    Recurrent policies were built for a fixed batch of ``model.n_envs`` observations (SB2 issue #1015): put the
    evaluation env's observation in row 0 and zeros in the other rows.

    :param model: (BaseRLModel) the recurrent model
    :param obs: (np.ndarray) the batched observation of the one-env VecEnv, shape ``(1,) + obs_shape``
    :return: (np.ndarray) shape ``(model.n_envs,) + obs_shape``
    """
    padded = np.zeros((model.n_envs, *obs.shape[1:]), dtype=obs.dtype)
    padded[0, ...] = obs[0]
    return padded
