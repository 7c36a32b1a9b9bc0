"""Resolve the policy named in a model file (ours or SB2's) and name legacy parameter lists.

SB2 <= 2.5 saved the parameters as a bare list in TensorFlow creation order.  To load them, the names are
rebuilt: from the stored policy class and ``policy_kwargs`` (a throw-away policy lists its SB2 names and
shapes), or, for custom classes that carry their architecture in code (the zoo's ``utils.utils.CustomMlpPolicy``
with ``layers=[16]``), from the shapes alone (spec section 8.1).  A wrong order with matching shapes would load
silently and play badly, so every shape is checked.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from itertools import zip_longest
from typing import Any

import numpy as np
from gymnasium import spaces

from sb_ppo2.common.policies import ActorCriticPolicy, MlpPolicy, _policy_registry, processed_obs_size
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


def resolve_policy_and_params(data: dict, params: Any) -> tuple[type, OrderedDict]:
    """
    Resolve the stored policy and give legacy (list) parameters their SB2 names.

    A custom policy class that sb_ppo2 cannot import (named by a file, e.g. ``utils.utils.CustomMlpPolicy``) is
    replaced by ``MlpPolicy`` with the ``net_arch`` inferred from the parameters, which is written into
    ``data["policy_kwargs"]`` (with a warning).

    :param data: (dict) the loaded data dict (``policy_kwargs`` may be updated)
    :param params: (OrderedDict, dict or list) the loaded parameters
    :return: ((type, OrderedDict)) the policy class and the named parameters
    """
    policy = data["policy"]
    try:
        policy_cls = resolve_policy_class(policy)
    except ValueError:
        if not isinstance(policy, PolicyRef):
            raise
        policy_cls = None
    if policy_cls is not None and not (isinstance(policy_cls, type) and issubclass(policy_cls, ActorCriticPolicy)):
        raise ValueError(f"{policy_cls} is not an actor-critic policy: PPO2 cannot use it")
    arrays = list(params.values()) if isinstance(params, dict) else list(params)
    names = list(params.keys()) if isinstance(params, dict) else None
    if policy_cls is not None:
        expected = _expected_parameters(policy_cls, data)
        if expected is not None and _shapes_match(expected, arrays, names):
            return policy_cls, OrderedDict(zip([n for n, _ in expected], arrays))
        if names is not None:
            return policy_cls, OrderedDict(zip(names, arrays))  # load_parameters reports any mismatch by name
        if expected is not None:
            raise ValueError(_mismatch_message(policy_cls, expected, arrays))
    return _infer_mlp(data, policy, arrays, names)


def _expected_parameters(policy_cls: type, data: dict) -> list[tuple[str, tuple[int, ...]]] | None:
    """
    Build a throw-away policy and list its parameters as SB2 names and SB2 (TensorFlow) shapes.

    :return: ([(str, tuple)]) None if the policy cannot be built from the stored data
    """
    from sb_ppo2.common.base_class import _torch_to_sb2

    n_envs = data.get("n_envs") or 1
    try:
        policy = policy_cls(None, data["observation_space"], data["action_space"], n_envs, 1, n_envs,
                            **(data.get("policy_kwargs") or {}))
    except Exception as err:  # a custom class with other requirements: fall back to shape inference
        warnings.warn(f"could not build {policy_cls.__name__} to name the stored parameters ({err})")
        return None
    return [(p.name, _torch_to_sb2(np.empty(tuple(p.tensor.shape), dtype=np.float32), p.kind).shape)
            for p in policy.sb2_parameters()]


def _shapes_match(expected: list[tuple[str, tuple]], arrays: list, names: list[str] | None) -> bool:
    if len(expected) != len(arrays):
        return False
    if names is not None and [n for n, _ in expected] != list(names):
        return False
    return all(tuple(np.shape(a)) == tuple(shape) for (_, shape), a in zip(expected, arrays))


def _mismatch_message(policy_cls: type, expected: list, arrays: list) -> str:
    got = [tuple(np.shape(a)) for a in arrays]
    want = [f"{name} {tuple(shape)}" for name, shape in expected]
    return (f"The model file's parameter list does not fit {policy_cls.__name__} with the stored policy_kwargs: "
            f"the file has {len(arrays)} arrays of shapes {got}, the policy expects {want}. If the model used "
            "another architecture, pass policy=... or policy_kwargs=... to PPO2.load.")


# --- inference from shapes (custom MLP policies) -----------------------------------------------------------------
def _infer_mlp(data: dict, policy: Any, arrays: list, names: list[str] | None) -> tuple[type, OrderedDict]:
    """Find the MLP layout whose SB2 parameter shapes (or names) fit the stored arrays; use MlpPolicy with it."""
    where = f"{policy.module}.{policy.name}" if isinstance(policy, PolicyRef) else repr(policy)
    obs_dim = processed_obs_size(data["observation_space"])
    n_heads = 7 if isinstance(data["action_space"], spaces.Box) else 6
    shapes = [tuple(np.shape(a)) for a in arrays]
    layouts = _candidate_layouts(obs_dim, shapes[:-n_heads]) if len(shapes) > n_heads else []
    fitting = []
    for layout in layouts:
        data_try = {**data, "policy_kwargs": {**(data.get("policy_kwargs") or {}), "net_arch": layout}}
        expected = _expected_parameters(MlpPolicy, data_try)
        if expected is not None and _shapes_match(expected, arrays, names):
            fitting.append((layout, expected))
    if not fitting:
        raise ValueError(f"The model file uses the policy {where}, which sb_ppo2 cannot import, and its parameters "
                         f"(shapes {shapes}) fit no MLP layout. Pass the class: PPO2.load(path, policy=YourPolicy).")
    layout, expected = fitting[0]
    note = f" ({len(fitting)} layouts fit; the first was taken)" if len(fitting) > 1 else ""
    warnings.warn(f"The model file uses the custom policy {where}; loading it as MlpPolicy with the architecture "
                  f"inferred from its parameters: net_arch={layout}{note}")
    data["policy_kwargs"] = {**(data.get("policy_kwargs") or {}), "net_arch": layout}
    return MlpPolicy, OrderedDict(zip([n for n, _ in expected], arrays))


def _candidate_layouts(obs_dim: int, hidden: list[tuple]) -> list[list]:
    """
    ``net_arch`` candidates for the hidden (w, b) pairs, most common first: separate pi / vf towers of equal
    depth, then all layers shared, then a shared prefix followed by towers (equal depth first).

    :param obs_dim: (int) input width
    :param hidden: ([tuple]) shapes of the hidden layers' arrays, in file order
    :return: ([list]) net_arch values whose shapes chain (checked again against the heads by the caller)
    """
    if len(hidden) % 2:
        return []
    widths = [shape[1] if len(shape) == 2 else -1 for shape in hidden[0::2]]
    n_layers = len(widths)
    candidates: list[list] = []
    splits = [(0, n_layers // 2, n_layers - n_layers // 2), (n_layers, 0, 0)]
    splits += [(s, (n_layers - s) // 2, n_layers - s - (n_layers - s) // 2) for s in range(n_layers - 1, 0, -1)]
    splits += [(s, tp, n_layers - s - tp) for s in range(n_layers) for tp in range(n_layers - s + 1)]
    for shared, n_pi, n_vf in splits:
        layout = _layout(widths, shared, n_pi, n_vf)
        if layout is not None and layout not in candidates and _chains(obs_dim, hidden, shared, n_pi, n_vf):
            candidates.append(layout)
    return candidates


def _tower_order(n_pi: int, n_vf: int) -> list[str]:
    """SB2 created the towers interleaved by depth: pi0, vf0, pi1, vf1, ..."""
    order = []
    for pi, vf in zip_longest(range(n_pi), range(n_vf)):
        order += (["pi"] if pi is not None else []) + (["vf"] if vf is not None else [])
    return order


def _layout(widths: list[int], shared: int, n_pi: int, n_vf: int) -> list | None:
    if n_pi + n_vf == 0:
        return list(widths[:shared])
    pi, vf = [], []
    for tower, width in zip(_tower_order(n_pi, n_vf), widths[shared:]):
        (pi if tower == "pi" else vf).append(width)
    return [*widths[:shared], dict(pi=pi, vf=vf)]


def _chains(obs_dim: int, hidden: list[tuple], shared: int, n_pi: int, n_vf: int) -> bool:
    """Whether each weight's input width is the previous layer's output in its chain (and biases fit)."""
    weights, biases = hidden[0::2], hidden[1::2]
    if any(len(w) != 2 or b != (w[1],) for w, b in zip(weights, biases)):
        return False
    width = obs_dim
    for w in weights[:shared]:
        if w[0] != width:
            return False
        width = w[1]
    tower_width = {"pi": width, "vf": width}
    for tower, w in zip(_tower_order(n_pi, n_vf), weights[shared:]):
        if w[0] != tower_width[tower]:
            return False
        tower_width[tower] = w[1]
    return True
