"""Where each module path of an old script resolves under the compat runner.

Three top-level names are served: ``stable_baselines`` (onto sb_ppo2, with placeholders for what sb_ppo2 does
not implement), ``gym`` (onto the legacy adapter ``sb_ppo2.compat.legacy_gym`` and gymnasium's spaces) and
``tensorflow`` (onto the tiny shim ``sb_ppo2.compat.tf_shim``).  ``resolve`` answers with an ``AliasTarget``:
the real module to serve, names to add to it (served by a facade module that looks up the real module
first), and whether unknown public names become placeholders.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sb_ppo2.compat import sb2_placeholders as ph

ROOTS = ("stable_baselines", "gym", "tensorflow")


@dataclass(frozen=True)
class AliasTarget:
    """
    What an aliased module path resolves to.

    :param target: (str) ``module`` or ``module:attribute`` to serve (None: a facade made of ``extras`` only)
    :param extras: (callable) returns names added on top of the target (a facade module serves them)
    :param generic: (bool) unknown public names become placeholders (SB2 algorithms sb_ppo2 does not have)
    """

    target: str | None
    extras: Callable[[], dict[str, Any]] | None = None
    generic: bool = False


# --- stable_baselines -----------------------------------------------------------------------------------------
def _root_extras() -> dict[str, Any]:
    return dict(ph.ALGORITHM_PLACEHOLDERS)


def _common_extras() -> dict[str, Any]:
    from sb_ppo2.common import base_class, math_util, misc_util
    from sb_ppo2.common.cmd_util import make_vec_env

    names: dict[str, Any] = {"make_vec_env": make_vec_env, "OffPolicyRLModel": _placeholder("common", "OffPolicyRLModel")}
    for module in (misc_util, math_util):
        names.update({k: v for k, v in vars(module).items()
                      if not k.startswith("_") and getattr(v, "__module__", None) == module.__name__})
    for name in ("BaseRLModel", "ActorCriticRLModel", "SetVerbosity", "TensorboardWriter"):
        names[name] = getattr(base_class, name)
    return names


def _placeholder(module_tail: str, name: str) -> Any:
    return ph.placeholder_for(f"stable_baselines.{module_tail}", name)


def _names(module_tail: str, *names: str) -> Callable[[], dict[str, Any]]:
    """Extras made of placeholders for ``names`` (used only where the real module lacks them)."""
    return lambda: {name: _placeholder(module_tail, name) for name in names}


def _a2c_utils_extras() -> dict[str, Any]:
    from sb_ppo2.ppo2.ppo2 import total_episode_reward_logger

    return {"total_episode_reward_logger": total_episode_reward_logger}


def _policy_family(package: str) -> Callable[[], dict[str, Any]]:
    return lambda: dict(ph.POLICY_FAMILIES[package])


_SB2_EXPLICIT: dict[str, AliasTarget] = {
    "stable_baselines": AliasTarget("sb_ppo2", _root_extras),
    "stable_baselines.common": AliasTarget("sb_ppo2.common", _common_extras),
    "stable_baselines.common.base_class": AliasTarget(
        "sb_ppo2.common.base_class", _names("common.base_class", "OffPolicyRLModel", "_UnvecWrapper")),
    "stable_baselines.common.cmd_util": AliasTarget(
        "sb_ppo2.common.cmd_util", _names("common.cmd_util", "make_atari_env", "make_mujoco_env", "make_robotics_env",
                                          "arg_parser", "atari_arg_parser", "mujoco_arg_parser",
                                          "robotics_arg_parser")),
    "stable_baselines.common.policies": AliasTarget(
        "sb_ppo2.common.policies", _names("common.policies", "MlpLstmPolicy", "MlpLnLstmPolicy", "CnnLstmPolicy",
                                          "CnnLnLstmPolicy", "LstmPolicy", "RecurrentActorCriticPolicy")),
    "stable_baselines.common.vec_env": AliasTarget("sb_ppo2.common.vec_env",
                                                   _names("common.vec_env", "VecVideoRecorder")),
    "stable_baselines.gail": AliasTarget("sb_ppo2.gail", _names("gail", "GAIL")),
    "stable_baselines.a2c.utils": AliasTarget(None, _a2c_utils_extras, generic=True),
    "stable_baselines.deepq.policies": AliasTarget(None, _policy_family("deepq"), generic=True),
    "stable_baselines.sac.policies": AliasTarget(None, _policy_family("sac"), generic=True),
    "stable_baselines.td3.policies": AliasTarget(None, _policy_family("td3"), generic=True),
    "stable_baselines.ddpg.policies": AliasTarget(None, _policy_family("ddpg"), generic=True),
}

# SB2 packages and modules with no sb_ppo2 counterpart: importable, every public name a placeholder.
_SB2_PLACEHOLDER_PREFIXES = (
    "a2c", "acer", "acktr", "ddpg", "deepq", "gail.gail", "gail.adversary", "her", "ppo1", "sac", "td3", "trpo_mpi",
    "common.noise", "common.buffers", "common.atari_wrappers", "common.vec_env.vec_video_recorder",
    "common.tf_util", "common.tf_layers", "common.input", "common.mpi_adam", "common.mpi_running_mean_std",
    "common.mpi_moments", "common.console_util", "common.dataset", "common.segment_tree", "common.bit_flipping_env",
    "ppo2.run_atari", "ppo2.run_mujoco",
)


def _resolve_sb2(fullname: str) -> AliasTarget:
    if fullname in _SB2_EXPLICIT:
        return _SB2_EXPLICIT[fullname]
    tail = fullname[len("stable_baselines."):]
    if any(tail == p or tail.startswith(p + ".") for p in _SB2_PLACEHOLDER_PREFIXES):
        return AliasTarget(None, None, generic=True)
    if _module_exists(f"sb_ppo2.{tail}"):
        return AliasTarget(f"sb_ppo2.{tail}")
    raise ModuleNotFoundError(f"No module named {fullname!r}: Stable-Baselines 2 had it, but sb_ppo2 has no "
                              "equivalent (only PPO2 and its support modules are implemented)", name=fullname)


# --- gym ------------------------------------------------------------------------------------------------------
_GYM_EXPLICIT = {
    "gym": "sb_ppo2.compat.legacy_gym",
    "gym.core": "sb_ppo2.compat.legacy_gym.core",
    "gym.logger": "sb_ppo2.compat.legacy_gym.logger",
    "gym.error": "gymnasium.error",
    "gym.wrappers": "sb_ppo2.compat.legacy_gym.wrappers",
    "gym.wrappers.time_limit": "sb_ppo2.compat.legacy_gym.wrappers",
    "gym.envs": "sb_ppo2.compat.legacy_gym.envs",
    "gym.envs.registration": "sb_ppo2.compat.legacy_gym.envs",
    "gym.utils": "sb_ppo2.compat.legacy_gym.utils",
    "gym.utils.seeding": "sb_ppo2.compat.legacy_gym.utils:seeding",
}


def _resolve_gym(fullname: str) -> AliasTarget:
    if fullname == "gym.utils":  # a facade, so that gym.utils.seeding can be imported below it
        return AliasTarget(_GYM_EXPLICIT[fullname], extras=dict)
    if fullname in _GYM_EXPLICIT:
        return AliasTarget(_GYM_EXPLICIT[fullname])
    # gym.spaces.* and the env implementations (gym.envs.classic_control, ...) are gymnasium's.
    if fullname.startswith(("gym.spaces", "gym.envs.")):
        new = "gymnasium" + fullname[len("gym"):]
        if _module_exists(new):
            return AliasTarget(new)
    raise ModuleNotFoundError(f"No module named {fullname!r}: the legacy gym adapter of sb_ppo2 does not provide it "
                              "(it covers gym.make, Env, Wrapper, spaces, wrappers.TimeLimit, logger, envs.registry)",
                              name=fullname)


# --- tensorflow -----------------------------------------------------------------------------------------------
_TF_EXPLICIT = {
    "tensorflow": "sb_ppo2.compat.tf_shim",
    "tensorflow.nn": "sb_ppo2.compat.tf_shim:nn",
    "tensorflow.compat": "sb_ppo2.compat.tf_shim:compat",
    "tensorflow.compat.v1": "sb_ppo2.compat.tf_shim",
    "tensorflow.compat.v1.nn": "sb_ppo2.compat.tf_shim:nn",
}


def _resolve_tf(fullname: str) -> AliasTarget:
    if fullname in ("tensorflow", "tensorflow.compat"):  # facades, so that submodules can be imported below them
        return AliasTarget(_TF_EXPLICIT[fullname], extras=dict)
    if fullname in _TF_EXPLICIT:
        return AliasTarget(_TF_EXPLICIT[fullname])
    from sb_ppo2.compat.tf_shim import TensorFlowNotSupportedError

    raise TensorFlowNotSupportedError(fullname)


def resolve(fullname: str) -> AliasTarget | None:
    """
    :param fullname: (str) the module path a script imports
    :return: (AliasTarget) what it resolves to; None for names the compat layer does not serve
    :raises ModuleNotFoundError: a served name (``stable_baselines.*``, ``gym.*``, ``tensorflow.*``) with no equivalent
    """
    root = fullname.partition(".")[0]
    if root == "stable_baselines":
        return _resolve_sb2(fullname)
    if root == "gym":
        return _resolve_gym(fullname)
    if root == "tensorflow":
        return _resolve_tf(fullname)
    return None


def load_target(target: str) -> Any:
    """
    :param target: (str) ``module`` or ``module:attribute``
    :return: the module (or module-like attribute) it names
    """
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
