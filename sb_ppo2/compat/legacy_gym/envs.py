"""gym 0.17's registry (``gym.envs.registry.env_specs``, ``gym.register``) and ``gym.make``.

``make`` looks in two places: envs registered here by a legacy script (built from their entry point, with
gym 0.17's ``TimeLimit``), then gymnasium's registry, where old ids map to their successors
(``Pendulum-v0`` -> ``Pendulum-v1``, ...).  Gymnasium envs come back adapted to the old API (``LegacyEnv``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import gymnasium

from sb_ppo2.compat.env_ids import LEGACY_ENV_IDS, resolve_env_id
from sb_ppo2.compat.legacy_gym.core import LegacyEnv
from sb_ppo2.compat.legacy_gym.wrappers import TimeLimit
from sb_ppo2.common.vec_env.util import uses_gymnasium_api


@dataclass
class EnvSpec:
    """
    A legacy registration: ``gym.register(id, entry_point, max_episode_steps, kwargs, ...)``.

    :param id: (str) the env id
    :param entry_point: (str or callable) ``"module:Class"`` or a callable building the env
    :param max_episode_steps: (int) episode limit applied with ``TimeLimit``
    :param kwargs: (dict) arguments for the entry point
    """

    id: str
    entry_point: Any = None
    reward_threshold: float | None = None
    nondeterministic: bool = False
    max_episode_steps: int | None = None
    kwargs: dict = field(default_factory=dict)

    def make(self, **kwargs: Any) -> Any:
        """:return: (Env) a new env of this spec"""
        if self.entry_point is None:
            raise gymnasium.error.Error(f"Attempting to make deprecated env {self.id}. "
                                        "(HINT: is there a newer registered version of this env?)")
        creator = self.entry_point
        if isinstance(creator, str):
            module_name, _, attr = creator.partition(":")
            creator = getattr(importlib.import_module(module_name), attr)
        env = creator(**{**self.kwargs, **kwargs})
        if uses_gymnasium_api(env):
            env = LegacyEnv(env)
        try:
            env.spec = self
        except AttributeError:  # adapters expose the gymnasium spec read-only
            pass
        return env


class EnvRegistry:
    """gym 0.17's registry: legacy registrations plus everything gymnasium knows (old ids included)."""

    def __init__(self):
        self._legacy: dict[str, EnvSpec] = {}

    @property
    def env_specs(self) -> dict[str, Any]:
        """:return: (dict) id -> spec, for every id ``gym.make`` accepts"""
        specs: dict[str, Any] = dict(gymnasium.envs.registry)
        for old_id, (new_id, _) in LEGACY_ENV_IDS.items():
            if new_id in gymnasium.envs.registry:
                specs.setdefault(old_id, gymnasium.envs.registry[new_id])
        specs.update(self._legacy)
        return specs

    def all(self):
        """:return: the specs of every known env"""
        return self.env_specs.values()

    def spec(self, env_id: str) -> Any:
        """:return: the spec of ``env_id`` (an old id gives its successor's)"""
        if env_id in self._legacy:
            return self._legacy[env_id]
        new_id, _ = resolve_env_id(env_id)
        return gymnasium.envs.registry[new_id]

    def register(self, id: str, **kwargs: Any) -> None:
        """Register a legacy env (``entry_point``, ``max_episode_steps``, ``kwargs``, ``reward_threshold``, ...)."""
        if id in self._legacy:
            raise gymnasium.error.Error(f"Cannot re-register id: {id}")
        known = {k: kwargs.pop(k) for k in list(kwargs) if k in EnvSpec.__dataclass_fields__}
        self._legacy[id] = EnvSpec(id=id, **known)

    def make(self, env_id: str, **kwargs: Any) -> Any:
        """
        :param env_id: (str) an id registered here, a gymnasium id, or an old gym id with a gymnasium successor
        :param kwargs: (dict) arguments for the env
        :return: (Env) the env, speaking gym 0.17's API
        :raises ValueError: unknown id (the message names it and the closest known id)
        """
        if env_id in self._legacy:
            spec = self._legacy[env_id]
            env = spec.make(**kwargs)
            if spec.max_episode_steps is not None:
                env = TimeLimit(env, max_episode_steps=spec.max_episode_steps)
            return env
        new_id, extra = resolve_env_id(env_id)
        extra.update(kwargs)
        return LegacyEnv(gymnasium.make(new_id, **extra))


registry = EnvRegistry()
register = registry.register
make = registry.make
spec = registry.spec

__all__ = ["EnvRegistry", "EnvSpec", "make", "register", "registry", "spec"]
