"""gym 0.17's ``gym.utils``: ``seeding`` (with ``np.random.RandomState`` generators, as then) and ``EzPickle``."""

from __future__ import annotations

import types

import numpy as np
from gymnasium.utils import EzPickle


def np_random(seed: int | None = None) -> tuple[np.random.RandomState, int]:
    """
    gym 0.17's ``seeding.np_random``: a ``RandomState`` (it has ``randint``/``rand``, as old envs expect).

    :param seed: (int) the seed (None: drawn from the OS)
    :return: ((np.random.RandomState, int)) the generator and the seed used
    """
    if seed is not None and (not isinstance(seed, int | np.integer) or seed < 0):
        raise ValueError(f"Seed must be a non-negative integer or omitted, not {seed!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    return np.random.RandomState(int(seed) % (2**32)), int(seed)


seeding = types.ModuleType("gym.utils.seeding", "gym 0.17's seeding helpers.")
seeding.np_random = np_random

__all__ = ["EzPickle", "np_random", "seeding"]
