"""Resolve the policy named in a model file (ours or SB2's) and name legacy parameter lists."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sb_ppo2.common.policies import ActorCriticPolicy, _policy_registry
from sb_ppo2.compat.safe_pickle import PolicyRef


def resolve_policy_class(policy: Any) -> type:
    """
    Turn what a file stored as ``policy`` into a policy class.

    :param policy: (type, PolicyRef or str) a class (given by the user), a reference from a file, or a name
    :return: (type) the policy class
    """
    if isinstance(policy, type):
        return policy
    name = policy.name if isinstance(policy, PolicyRef) else policy if isinstance(policy, str) else None
    if name is not None:
        for registry in _policy_registry.values():
            if name in registry:
                return registry[name]
    where = f"{policy.module}.{policy.name}" if isinstance(policy, PolicyRef) else repr(policy)
    raise ValueError(
        f"The model file uses the policy {where}, which sb_ppo2 does not know. Pass the class when loading: "
        "PPO2.load(path, policy=YourPolicyClass) (or register it with register_policy)."
    )


def resolve_policy_and_params(data: dict, params: Any) -> tuple[type, Any]:
    """
    Resolve the stored policy and give legacy (list) parameters their SB2 names.

    :param data: (dict) the loaded data dict
    :param params: (OrderedDict or list) the loaded parameters
    :return: ((type, OrderedDict or list)) the policy class and the parameters
    """
    policy_cls = resolve_policy_class(data["policy"])
    assert issubclass(policy_cls, ActorCriticPolicy), f"{policy_cls} is not an ActorCriticPolicy"
    if isinstance(params, dict) and not isinstance(params, OrderedDict):
        params = OrderedDict(params)
    return policy_cls, params
