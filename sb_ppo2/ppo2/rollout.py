"""PPO2's rollout collection: ``Runner`` fills preallocated storage, then computes GAE."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from sb_ppo2.common.runners import AbstractEnvRunner
from sb_ppo2.ppo2.gae import compute_gae


def swap_and_flatten(arr: np.ndarray) -> np.ndarray:
    """
    Turn a time-major ``(n_steps, n_envs, ...)`` array into env-major ``(n_envs * n_steps, ...)``.

    :param arr: (np.ndarray)
    :return: (np.ndarray) row ``env * n_steps + t``
    """
    shape = arr.shape
    return arr.swapaxes(0, 1).reshape(shape[0] * shape[1], *shape[2:])


class Runner(AbstractEnvRunner):
    """
    Collect ``n_steps`` vector steps, then compute GAE advantages and returns.

    :param env: (VecEnv) the environment
    :param model: (PPO2) the model
    :param n_steps: (int) steps per environment per rollout
    :param gamma: (float) discount factor
    :param lam: (float) GAE lambda
    """

    def __init__(self, *, env, model, n_steps: int, gamma: float, lam: float):
        super().__init__(env=env, model=model, n_steps=n_steps)
        self.lam = lam
        self.gamma = gamma
        action_space = env.action_space
        self._clip_bounds = (action_space.low, action_space.high) if isinstance(action_space, spaces.Box) else None
        self._storage = self._allocate(n_steps, self.n_envs, env.observation_space, action_space)

    @staticmethod
    def _allocate(n_steps: int, n_envs: int, observation_space, action_space) -> dict[str, np.ndarray]:
        """Preallocate one rollout's buffers (time-major), reused by every rollout."""
        if isinstance(action_space, spaces.Box):
            action_shape, action_dtype = action_space.shape, np.float32
        elif isinstance(action_space, spaces.Discrete):
            action_shape, action_dtype = (), np.int64
        elif isinstance(action_space, spaces.MultiDiscrete):
            action_shape, action_dtype = (len(action_space.nvec),), np.int64
        else:  # MultiBinary: SB2 sampled float 0./1.
            action_shape, action_dtype = tuple(np.atleast_1d(action_space.n)), np.float32
        return {
            "obs": np.zeros((n_steps, n_envs, *observation_space.shape), dtype=observation_space.dtype),
            "rewards": np.zeros((n_steps, n_envs), dtype=np.float32),
            "actions": np.zeros((n_steps, n_envs, *action_shape), dtype=action_dtype),
            "values": np.zeros((n_steps, n_envs), dtype=np.float32),
            "dones": np.zeros((n_steps, n_envs), dtype=bool),
            "neglogpacs": np.zeros((n_steps, n_envs), dtype=np.float32),
        }

    def _run(self):
        """
        Run one rollout.

        :return: (tuple) ``(obs, returns, masks, actions, values, neglogpacs, states, ep_infos, true_reward)``,
            flattened env-major, or nine Nones when a callback stopped training
        """
        storage = self._storage
        mb_obs, mb_rewards, mb_actions = storage["obs"], storage["rewards"], storage["actions"]
        mb_values, mb_dones, mb_neglogpacs = storage["values"], storage["dones"], storage["neglogpacs"]
        mb_states = self.states
        ep_infos: list[dict] = []
        model, env, callback = self.model, self.env, self.callback
        for step in range(self.n_steps):
            actions, values, self.states, neglogpacs = model.step(self.obs, self.states, self.dones)
            mb_obs[step] = self.obs
            mb_actions[step] = actions
            mb_values[step] = values
            mb_neglogpacs[step] = neglogpacs
            mb_dones[step] = self.dones
            clipped_actions = actions
            if self._clip_bounds is not None:
                # The env gets actions within the bounds; the buffer keeps the sample for its log-probability.
                clipped_actions = np.clip(actions, *self._clip_bounds)
            self.obs[:], rewards, self.dones, infos = env.step(clipped_actions)
            model.num_timesteps += self.n_envs
            if callback is not None:
                callback.update_locals(self._callback_locals(locals()))
                if callback.on_step() is False:
                    self.continue_training = False
                    return [None] * 9
            for info in infos:
                maybe_ep_info = info.get("episode")
                if maybe_ep_info is not None:
                    ep_infos.append(maybe_ep_info)
            mb_rewards[step] = rewards
        last_values = model.value(self.obs, self.states, self.dones)
        advantages, returns = compute_gae(mb_rewards, mb_values, mb_dones, last_values, self.dones,
                                          self.gamma, self.lam)
        del advantages  # PPO2 recomputes them per minibatch as returns - values
        obs, returns, masks, actions, values, neglogpacs, true_reward = map(
            swap_and_flatten, (mb_obs, returns, mb_dones, mb_actions, mb_values, mb_neglogpacs, mb_rewards))
        return obs, returns, masks, actions, values, neglogpacs, mb_states, ep_infos, true_reward

    def _callback_locals(self, runner_locals: dict[str, Any]) -> dict[str, Any]:
        """
        What callbacks see after each step: the runner's locals, but with ``self`` the model, as SB2's docs
        (and SB2 <= 2.9) promised, plus ``runner`` for the runner itself.
        """
        visible = dict(runner_locals)
        visible["self"] = self.model
        visible["runner"] = self
        return visible
