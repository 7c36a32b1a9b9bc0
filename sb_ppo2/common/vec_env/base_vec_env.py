"""The vectorized-environment contract of Stable-Baselines 2.

A ``VecEnv`` steps ``num_envs`` copies of an environment at once.  Its API is SB2's (gym <= 0.17 era):
``reset()`` returns only the batched observation and ``step`` returns ``(obs, rewards, dones, infos)``.
Finished sub-environments are reset automatically; the last observation of the finished episode is
kept in ``infos[i]["terminal_observation"]``.
"""

from __future__ import annotations

import inspect
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

import cloudpickle
import numpy as np

from sb_ppo2.common.tile_images import tile_images


class AlreadySteppingError(Exception):
    """Raised when an asynchronous step is running while ``step_async()`` is called again."""

    def __init__(self):
        super().__init__("already running an async step")


class NotSteppingError(Exception):
    """Raised when an asynchronous step is not running but ``step_wait()`` is called."""

    def __init__(self):
        super().__init__("not running an async step")


class VecEnv(ABC):
    """
    An abstract asynchronous, vectorized environment.

    :param num_envs: (int) the number of environments
    :param observation_space: (gymnasium.spaces.Space) the observation space of ONE environment
    :param action_space: (gymnasium.spaces.Space) the action space of ONE environment
    """

    metadata = {"render.modes": ["human", "rgb_array"]}

    def __init__(self, num_envs: int, observation_space, action_space):
        self.num_envs = num_envs
        self.observation_space = observation_space
        self.action_space = action_space

    @abstractmethod
    def reset(self):
        """
        Reset all the environments and return a batch of initial observations.

        :return: (np.ndarray) observations, leading dimension ``num_envs``
        """

    @abstractmethod
    def step_async(self, actions: np.ndarray) -> None:
        """
        Tell all the environments to start taking a step with the given actions.

        :param actions: (np.ndarray) one action per environment
        """

    @abstractmethod
    def step_wait(self):
        """
        Wait for the step taken with ``step_async()``.

        :return: (tuple) ``(obs, rewards, dones, infos)``
        """

    @abstractmethod
    def close(self) -> None:
        """Clean up the environments' resources."""

    @abstractmethod
    def get_attr(self, attr_name: str, indices=None) -> list:
        """
        Return an attribute from vectorized environments.

        :param attr_name: (str) the name of the attribute
        :param indices: (None, int, Iterable) which environments (None: all)
        :return: (list) the attribute value of each selected environment
        """

    @abstractmethod
    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        """
        Set an attribute inside vectorized environments.

        :param attr_name: (str) the name of the attribute
        :param value: (object) the new value
        :param indices: (None, int, Iterable) which environments (None: all)
        """

    @abstractmethod
    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list:
        """
        Call a method of the vectorized environments.

        :param method_name: (str) the name of the method
        :param indices: (None, int, Iterable) which environments (None: all)
        :return: (list) the return value of each call
        """

    def seed(self, seed: int | None = None) -> list:
        """
        Seed the random generators of the environments (sub-environment ``i`` gets ``seed + i``).

        :param seed: (int) the base seed
        :return: (list) the seeds used
        """
        return []

    def step(self, actions: np.ndarray):
        """
        Step the environments with the given actions.

        :param actions: (np.ndarray) one action per environment
        :return: (tuple) ``(obs, rewards, dones, infos)``
        """
        self.step_async(actions)
        return self.step_wait()

    def get_images(self) -> Sequence[np.ndarray]:
        """Return RGB images from each environment."""
        raise NotImplementedError

    def render(self, mode: str = "human"):
        """
        Tile the environments' images into one; show it (``'human'``) or return it (``'rgb_array'``).

        :param mode: (str) ``'human'`` or ``'rgb_array'``
        """
        try:
            imgs = self.get_images()
        except NotImplementedError:
            warnings.warn(f"Render not defined for {self}")
            return None
        bigimg = tile_images(imgs)
        if mode == "human":
            try:
                import cv2  # optional; SB2 used OpenCV for the 'human' window
            except ImportError as err:
                raise ImportError("render(mode='human') on several envs needs OpenCV: pip install opencv-python") from err
            cv2.imshow("vecenv", bigimg[:, :, ::-1])
            cv2.waitKey(1)
            return None
        if mode == "rgb_array":
            return bigimg
        raise NotImplementedError(f"render mode {mode!r} is not supported (use 'human' or 'rgb_array')")

    @property
    def unwrapped(self) -> VecEnv:
        """The innermost VecEnv of a chain of VecEnvWrappers."""
        if isinstance(self, VecEnvWrapper):
            return self.venv.unwrapped
        return self

    def getattr_depth_check(self, name: str, already_found: bool) -> str | None:
        """
        Check whether an attribute reference is being hidden in a recursive call to ``__getattr__``.

        :param name: (str) name of the attribute
        :param already_found: (bool) whether this attribute has already been found in a wrapper
        :return: (str or None) the name of the class holding the attribute if it is hidden, else None
        """
        if hasattr(self, name) and already_found:
            return f"{type(self).__module__}.{type(self).__name__}"
        return None

    def _get_indices(self, indices) -> Iterable[int]:
        """
        Normalise ``indices`` to an iterable of ints.

        :param indices: (None, int, Iterable) None means all environments
        :return: (Iterable[int])
        """
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int | np.integer):
            return [int(indices)]
        return indices


class VecEnvWrapper(VecEnv):
    """
    Base class of vectorized-environment wrappers.  Unknown attributes are looked up along the chain.

    :param venv: (VecEnv) the vectorized environment to wrap
    :param observation_space: (gymnasium.spaces.Space) None: the wrapped env's
    :param action_space: (gymnasium.spaces.Space) None: the wrapped env's
    """

    def __init__(self, venv: VecEnv, observation_space=None, action_space=None):
        self.venv = venv
        VecEnv.__init__(
            self,
            num_envs=venv.num_envs,
            observation_space=observation_space or venv.observation_space,
            action_space=action_space or venv.action_space,
        )
        self.class_attributes = dict(inspect.getmembers(self.__class__))

    def step_async(self, actions: np.ndarray) -> None:
        self.venv.step_async(actions)

    @abstractmethod
    def reset(self):
        pass

    @abstractmethod
    def step_wait(self):
        pass

    def seed(self, seed: int | None = None) -> list:
        return self.venv.seed(seed)

    def close(self) -> None:
        return self.venv.close()

    def render(self, mode: str = "human"):
        return self.venv.render(mode=mode)

    def get_images(self) -> Sequence[np.ndarray]:
        return self.venv.get_images()

    def get_attr(self, attr_name: str, indices=None) -> list:
        return self.venv.get_attr(attr_name, indices)

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        return self.venv.set_attr(attr_name, value, indices)

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list:
        return self.venv.env_method(method_name, *method_args, indices=indices, **method_kwargs)

    def __getattr__(self, name: str) -> Any:
        """Find ``name`` further down the wrapper chain; an ambiguous match is an error, as in SB2."""
        if name.startswith("__") or name in ("venv", "class_attributes"):
            raise AttributeError(name)
        blocked_class = self.getattr_depth_check(name, already_found=False)
        if blocked_class is not None:
            own_class = f"{type(self).__module__}.{type(self).__name__}"
            raise AttributeError(
                f"Error: Recursive attribute lookup for {name} from {own_class} is ambiguous "
                f"and hides attribute from {blocked_class}"
            )
        return self.getattr_recursive(name)

    def _get_all_attributes(self) -> dict:
        all_attributes = self.__dict__.copy()
        all_attributes.update(self.class_attributes)
        return all_attributes

    def getattr_recursive(self, name: str) -> Any:
        """
        Recursively look for ``name`` along the wrapper chain.

        :param name: (str) the attribute name
        """
        if name in self._get_all_attributes():
            return getattr(self, name)
        if isinstance(self.venv, VecEnvWrapper):
            return self.venv.getattr_recursive(name)
        return getattr(self.venv, name)

    def getattr_depth_check(self, name: str, already_found: bool) -> str | None:
        all_attributes = self._get_all_attributes()
        if name in all_attributes and already_found:
            return f"{type(self).__module__}.{type(self).__name__}"
        if name in all_attributes and not already_found:
            return self.venv.getattr_depth_check(name, True)
        return self.venv.getattr_depth_check(name, already_found)


class CloudpickleWrapper:
    """
    Carry an object through ``multiprocessing`` with cloudpickle (so lambdas and closures survive).

    :param var: (object) the object to carry
    """

    def __init__(self, var: Any):
        self.var = var

    def __getstate__(self) -> bytes:
        return cloudpickle.dumps(self.var)

    def __setstate__(self, obs: bytes) -> None:
        self.var = cloudpickle.loads(obs)
