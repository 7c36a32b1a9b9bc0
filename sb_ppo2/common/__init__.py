"""Common building blocks (SB2 path ``stable_baselines.common``).

The names SB2 exported here are resolved on first use, so that importing a light submodule (as
``SubprocVecEnv`` workers do) does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "set_global_seeds": "sb_ppo2.common.misc_util",
    "zipsame": "sb_ppo2.common.misc_util",
    "boolean_flag": "sb_ppo2.common.misc_util",
    "make_vec_env": "sb_ppo2.common.cmd_util",
    "explained_variance": "sb_ppo2.common.math_util",
    "explained_variance_2d": "sb_ppo2.common.math_util",
    "discount": "sb_ppo2.common.math_util",
    "discount_with_boundaries": "sb_ppo2.common.math_util",
    "flatten_arrays": "sb_ppo2.common.math_util",
    "unflatten_vector": "sb_ppo2.common.math_util",
    "BaseRLModel": "sb_ppo2.common.base_class",
    "ActorCriticRLModel": "sb_ppo2.common.base_class",
    "SetVerbosity": "sb_ppo2.common.base_class",
    "TensorboardWriter": "sb_ppo2.common.base_class",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sb_ppo2.common' has no attribute {name!r}")
