"""Old gym env ids (what SB2 scripts and the rl-baselines-zoo used) and their gymnasium successors."""

from __future__ import annotations

import difflib
import warnings
from typing import Any

import gymnasium

# old id -> (gymnasium id, extra make() kwargs)
LEGACY_ENV_IDS: dict[str, tuple[str, dict[str, Any]]] = {
    "CartPole-v0": ("CartPole-v0", {}),
    "Pendulum-v0": ("Pendulum-v1", {}),
    "MountainCarContinuous-v0": ("MountainCarContinuous-v0", {}),
    "LunarLander-v2": ("LunarLander-v3", {}),
    "LunarLanderContinuous-v2": ("LunarLander-v3", {"continuous": True}),
    "LunarLanderContinuous-v3": ("LunarLander-v3", {"continuous": True}),
    "BipedalWalker-v2": ("BipedalWalker-v3", {}),
    "BipedalWalkerHardcore-v2": ("BipedalWalker-v3", {"hardcore": True}),
    "BipedalWalkerHardcore-v3": ("BipedalWalker-v3", {"hardcore": True}),
    "CarRacing-v0": ("CarRacing-v3", {}),
    "Acrobot-v1": ("Acrobot-v1", {}),
    "MountainCar-v0": ("MountainCar-v0", {}),
    "FrozenLake-v0": ("FrozenLake-v1", {}),
    "FrozenLake8x8-v0": ("FrozenLake8x8-v1", {}),
    "Blackjack-v0": ("Blackjack-v1", {}),
    "CliffWalking-v0": ("CliffWalking-v1", {}),
    "Taxi-v2": ("Taxi-v4", {}),
    "Taxi-v3": ("Taxi-v4", {}),
}

# Atari ids of gym <= 0.17 ("PongNoFrameskip-v4", "Breakout-v0", ...) live in ale-py's "ALE/<Game>-v5" namespace,
# with different defaults (sticky actions, frame skip): they are not mapped silently.
_ATARI_SUFFIXES = ("NoFrameskip-v4", "NoFrameskip-v0", "Deterministic-v4", "Deterministic-v0", "-ram-v0", "-ram-v4")


def resolve_env_id(env_id: str) -> tuple[str, dict[str, Any]]:
    """
    Map an env id to one gymnasium knows: registered ids as they are, old ids to their successor.

    :param env_id: (str) the id, old or new
    :return: ((str, dict)) the gymnasium id and extra ``make`` kwargs
    :raises ValueError: unknown id with no successor, naming the closest known id
    """
    registry = gymnasium.envs.registry
    if env_id in LEGACY_ENV_IDS:
        new_id, kwargs = LEGACY_ENV_IDS[env_id]
        if new_id != env_id or kwargs:
            warnings.warn(f"env id {env_id} is from old gym; using its gymnasium successor {new_id}"
                          + (f" with {kwargs}" if kwargs else ""), stacklevel=3)
        return new_id, dict(kwargs)
    if env_id in registry:
        return env_id, {}
    candidates = [k for k in registry.keys() if "/" not in k or k.startswith("ALE/")] + list(LEGACY_ENV_IDS)
    closest = difflib.get_close_matches(env_id, candidates, n=1, cutoff=0.0)
    hint = f"; the closest known id is {closest[0]!r}" if closest else ""
    if env_id.endswith(_ATARI_SUFFIXES):
        hint += ("; old Atari ids need ale-py and its ROMs, where the game is 'ALE/<Game>-v5' (sticky actions: "
                 "pass repeat_action_probability=0.0, frameskip=1 for NoFrameskip-v4 behaviour)")
    raise ValueError(f"Unknown environment id {env_id!r}: it is not registered in gymnasium and has no known "
                     f"gymnasium successor{hint}")


def make_gymnasium_env(env_id: str, **kwargs) -> gymnasium.Env:
    """
    ``gymnasium.make`` that also accepts old gym ids.

    :param env_id: (str) the env id
    :param kwargs: (dict) extra arguments for ``gymnasium.make``
    :return: (gymnasium.Env)
    """
    new_id, extra = resolve_env_id(env_id)
    extra.update(kwargs)
    return gymnasium.make(new_id, **extra)
