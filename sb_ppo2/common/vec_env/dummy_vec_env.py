"""``DummyVecEnv``: several environments stepped one after the other in the current process."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sb_ppo2.common.vec_env.base_vec_env import VecEnv
from sb_ppo2.common.vec_env.util import EnvSlot, check_actions, copy_obs_dict, dict_to_obs, obs_space_info, render_env


class DummyVecEnv(VecEnv):
    """
    Run each environment sequentially in this process.  Best for cheap envs, where the
    inter-process cost of ``SubprocVecEnv`` outweighs the simulation.

    Gymnasium envs and legacy gym-style envs are both accepted; both are driven with SB2's contract.

    :param env_fns: ([callable]) functions that each create one environment
    """

    def __init__(self, env_fns: Sequence[Callable[[], Any]]):
        for fn in env_fns:
            if not callable(fn):
                raise TypeError(
                    "DummyVecEnv expects a list of functions that create environments (e.g. [lambda: env]), "
                    f"got {type(fn).__name__}"
                )
        self.envs = [fn() for fn in env_fns]
        self._slots = [EnvSlot(env) for env in self.envs]
        env = self.envs[0]
        VecEnv.__init__(self, len(env_fns), env.observation_space, env.action_space)
        self.keys, shapes, dtypes = obs_space_info(self.observation_space)
        self.buf_obs = OrderedDict(
            [(k, np.zeros((self.num_envs, *tuple(shapes[k])), dtype=dtypes[k])) for k in self.keys]
        )
        self.buf_dones = np.zeros((self.num_envs,), dtype=bool)
        self.buf_rews = np.zeros((self.num_envs,), dtype=np.float32)
        self.buf_infos: list[dict] = [{} for _ in range(self.num_envs)]
        self.actions = None
        self.metadata = getattr(env, "metadata", VecEnv.metadata)

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = check_actions(actions, self.action_space, self.num_envs)

    def step_wait(self):
        for env_idx, slot in enumerate(self._slots):
            obs, self.buf_rews[env_idx], self.buf_dones[env_idx], self.buf_infos[env_idx] = slot.step(
                self.actions[env_idx]
            )
            self._save_obs(env_idx, obs)
        # Each step builds fresh info dicts, so a shallow list copy is enough (SB2 deep-copied them).
        return self._obs_from_buf(), np.copy(self.buf_rews), np.copy(self.buf_dones), list(self.buf_infos)

    def seed(self, seed: int | None = None) -> list:
        return [slot.seed(None if seed is None else seed + idx) for idx, slot in enumerate(self._slots)]

    def reset(self):
        for env_idx, slot in enumerate(self._slots):
            self._save_obs(env_idx, slot.reset())
        return self._obs_from_buf()

    def close(self) -> None:
        for env in self.envs:
            env.close()

    def get_images(self) -> Sequence[np.ndarray]:
        return [render_env(env, "rgb_array") for env in self.envs]

    def render(self, mode: str = "human"):
        """
        Render the environments; with one env this forwards to the env's own ``render``.

        :param mode: (str) ``'human'`` or ``'rgb_array'``
        """
        if self.num_envs == 1:
            return render_env(self.envs[0], mode)
        return super().render(mode=mode)

    def _save_obs(self, env_idx: int, obs: Any) -> None:
        for key in self.keys:
            if key is None:
                self.buf_obs[key][env_idx] = obs
            else:
                self.buf_obs[key][env_idx] = obs[key]

    def _obs_from_buf(self):
        return dict_to_obs(self.observation_space, copy_obs_dict(self.buf_obs))

    def get_attr(self, attr_name: str, indices=None) -> list:
        return [getattr(self.envs[i], attr_name) for i in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        for i in self._get_indices(indices):
            setattr(self.envs[i], attr_name, value)

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list:
        return [getattr(self.envs[i], method_name)(*method_args, **method_kwargs) for i in self._get_indices(indices)]
