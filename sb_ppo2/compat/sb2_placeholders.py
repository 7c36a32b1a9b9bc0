"""Importable stand-ins for the parts of Stable-Baselines 2 that sb_ppo2 does not implement.

Legacy scripts and the rl-baselines-zoo import many algorithms on one line
(``from stable_baselines import PPO2, A2C, ACER, ACKTR, DQN, HER, SAC, TD3``) and subclass their policies at
import time.  Under the compat runner those names resolve to the classes below: importing, subclassing and
registering them works; *using* them (instantiating a class, calling a function) raises a
``NotImplementedError`` that names the SB2 object (spec note N1).
"""

from __future__ import annotations

from typing import Any, NoReturn

from sb_ppo2.common.policies import BasePolicy

_HINT = "sb_ppo2 implements only PPO2 (from stable_baselines import PPO2)"


def _refuse(qualified_name: str) -> NoReturn:
    raise NotImplementedError(f"{qualified_name} is not available: {_HINT}")


def placeholder_class(qualified_name: str, base: type = object) -> type:
    """
    A class that can be imported and subclassed, and raises ``NotImplementedError`` when instantiated.

    :param qualified_name: (str) the SB2 name it stands for, e.g. ``stable_baselines.A2C``
    :param base: (type) the base class (a policy base, so ``register_policy`` accepts subclasses)
    :return: (type) the placeholder class
    """
    module, _, name = qualified_name.rpartition(".")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse(qualified_name)

    namespace = {"__init__": __init__, "__module__": module, "__qualname__": name,
                 "__doc__": f"Placeholder for SB2's {qualified_name}: {_HINT}.", "_sb2_placeholder": True}
    return type(name, (base,), namespace)


def placeholder_function(qualified_name: str):
    """
    A function that raises ``NotImplementedError`` naming the SB2 function it stands for.

    :param qualified_name: (str) the SB2 name, e.g. ``stable_baselines.common.cmd_util.make_atari_env``
    :return: (callable)
    """
    module, _, name = qualified_name.rpartition(".")

    def _placeholder(*args: Any, **kwargs: Any) -> NoReturn:
        _refuse(qualified_name)

    _placeholder.__name__ = _placeholder.__qualname__ = name
    _placeholder.__module__ = module
    _placeholder.__doc__ = f"Placeholder for SB2's {qualified_name}: {_HINT}."
    return _placeholder


def placeholder_for(module: str, name: str) -> Any:
    """
    :param module: (str) the SB2 module path
    :param name: (str) the attribute name
    :return: a placeholder class (CamelCase names) or function (other names)
    """
    qualified = f"{module}.{name}"
    return placeholder_class(qualified) if name[:1].isupper() else placeholder_function(qualified)


# Algorithms that SB2 exported from its top-level package (N1).
ALGORITHMS = ("A2C", "ACER", "ACKTR", "DQN", "HER", "SAC", "TD3", "DDPG", "GAIL", "PPO1", "TRPO")
ALGORITHM_PLACEHOLDERS = {name: placeholder_class(f"stable_baselines.{name}") for name in ALGORITHMS}


def _policy_family(package: str, base_name: str, names: tuple[str, ...]) -> dict[str, type]:
    """
    Placeholder policies of one off-policy algorithm: a base (a ``BasePolicy`` subclass, so that the zoo's
    ``register_policy('CustomDQNPolicy', ...)`` files them under their own family) and its subclasses.
    """
    base = placeholder_class(f"stable_baselines.{package}.policies.{base_name}", BasePolicy)
    family = {base_name: base}
    feed_forward = placeholder_class(f"stable_baselines.{package}.policies.FeedForwardPolicy", base)
    family["FeedForwardPolicy"] = feed_forward
    for name in names:
        family[name] = placeholder_class(f"stable_baselines.{package}.policies.{name}", feed_forward)
    return family


_MLP_CNN = ("MlpPolicy", "CnnPolicy", "LnMlpPolicy", "LnCnnPolicy")
POLICY_FAMILIES = {
    "deepq": _policy_family("deepq", "DQNPolicy", _MLP_CNN),
    "sac": _policy_family("sac", "SACPolicy", _MLP_CNN),
    "td3": _policy_family("td3", "TD3Policy", _MLP_CNN),
    "ddpg": _policy_family("ddpg", "DDPGPolicy", _MLP_CNN),
}
