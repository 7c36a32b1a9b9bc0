"""rl-baselines-zoo's PPO2 hyper-parameters: find the entry for an env id and turn it into PPO2 arguments.

The zoo's ``train.py`` (spec section C2) read ``hyperparams/ppo2.yml`` and translated a few values before building
the model: ``lin_<x>`` strings became ``linear_schedule(x)``, non-negative numbers ``constfn(x)``, negative numbers
were kept (``cliprange_vf: -1`` turns value clipping off), ``normalize`` and ``policy_kwargs`` strings were
``eval``'ed, and ``n_timesteps``, ``n_envs``, ``normalize``, ``frame_stack`` and ``env_wrapper`` were taken out of
the model's arguments to shape the environment instead.  This module does the same, without ``eval``: strings are
parsed with :mod:`ast` and only literals, ``dict(...)`` calls and activation names are accepted.

The packaged table is read from ``data/zoo_hyperparams_ppo2.json`` (generated once from the yml next to it) so
that pyyaml stays optional; pyyaml is only needed for a user's own ``--hyperparams FILE.yml``.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from sb_ppo2.common.schedules import LinearFn, constfn
from sb_ppo2.compat.env_ids import resolve_env_id

__all__ = [
    "DATA_DIR",
    "ZOO_HYPERPARAMS_JSON",
    "ZOO_HYPERPARAMS_YML",
    "ZooConfig",
    "find_zoo_entry",
    "jsonable_hyperparams",
    "load_hyperparams_file",
    "load_zoo_hyperparams",
    "parse_normalize",
    "parse_policy_kwargs",
    "parse_python_literal",
    "translate_entry",
    "translate_schedule",
    "zoo_config",
]

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
ZOO_HYPERPARAMS_YML = os.path.join(DATA_DIR, "zoo_hyperparams_ppo2.yml")
ZOO_HYPERPARAMS_JSON = os.path.join(DATA_DIR, "zoo_hyperparams_ppo2.json")

# Keys the zoo took out of the hyper-parameters to build the env rather than the model.
_ENV_KEYS = ("n_timesteps", "n_envs", "normalize", "frame_stack", "env_wrapper")
# Keys whose value may be a schedule (zoo: lin_<x> -> linear_schedule, number -> constfn, negative kept).
_SCHEDULE_KEYS = ("learning_rate", "cliprange", "cliprange_vf")
# PPO2 constructor arguments a hyper-parameter file may set.
_PPO2_KEYS = frozenset({
    "policy", "gamma", "n_steps", "ent_coef", "learning_rate", "vf_coef", "max_grad_norm", "lam", "nminibatches",
    "noptepochs", "cliprange", "cliprange_vf", "policy_kwargs", "n_cpu_tf_sess", "full_tensorboard_log",
})
# The zoo registered this policy itself (utils/utils.py): an MLP with separate 16-unit pi and vf layers.
_ZOO_POLICIES = {"CustomMlpPolicy": ("MlpPolicy", {"net_arch": [{"pi": [16], "vf": [16]}]})}
# Activation names accepted in policy_kwargs strings (``nn.ReLU``, ``tf.nn.relu``, ``torch.tanh``...).
_ACTIVATION_NAMES = {
    "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "elu": "elu", "selu": "selu", "softplus": "softplus",
    "relu6": "relu6", "leaky_relu": "leaky_relu", "leakyrelu": "leaky_relu", "swish": "swish", "silu": "silu",
    "gelu": "gelu", "identity": "identity",
}
_ATARI_KEY = "atari"


@dataclass
class ZooConfig:
    """
    One env's settings, split as the zoo's ``train.py`` split them.

    :param env_id: (str) the env id asked for
    :param zoo_key: (str) the entry of the hyper-parameter table that was used
    :param n_timesteps: (int) training budget
    :param n_envs: (int) number of parallel envs
    :param normalize: (dict or None) VecNormalize kwargs, None for no normalisation
    :param frame_stack: (int or None) VecFrameStack's n_stack
    :param atari: (bool) whether the zoo would build the env with ``make_atari_env`` (+ 4-frame stack)
    :param env_wrapper: (str or None) the zoo's wrapper name (not supported here)
    :param model_kwargs: (dict) PPO2 constructor arguments (schedules already callables)
    :param hyperparams: (dict) the entry as read, with overrides applied (JSON/YAML-friendly)
    """

    env_id: str
    zoo_key: str
    n_timesteps: int
    n_envs: int
    normalize: dict | None
    frame_stack: int | None
    atari: bool
    env_wrapper: str | None
    model_kwargs: dict[str, Any]
    hyperparams: dict[str, Any] = field(default_factory=dict)


# --- reading the tables ---------------------------------------------------------------------------------------
def load_zoo_hyperparams() -> dict[str, dict[str, Any]]:
    """
    The packaged zoo table (read from the JSON copy of the yml: no pyyaml needed).

    :return: (dict) entry name -> hyper-parameters, in the yml's order
    """
    with open(ZOO_HYPERPARAMS_JSON, encoding="utf-8") as file_handler:
        return json.load(file_handler)


def load_hyperparams_file(path: str) -> dict[str, dict[str, Any]]:
    """
    A user's hyper-parameter file in the zoo's format (``.yml``/``.yaml`` needs pyyaml; ``.json`` does not).

    :param path: (str) the file
    :return: (dict) entry name -> hyper-parameters
    :raises ValueError: unreadable file, missing pyyaml, or not a mapping of mappings
    """
    if not os.path.isfile(path):
        raise ValueError(f"hyper-parameter file {path!r} does not exist")
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as file_handler:
            table = json.load(file_handler)
    else:
        try:
            import yaml
        except ImportError as err:
            raise ValueError(f"reading {path!r} needs pyyaml: pip install pyyaml (or sb_ppo2[yaml]), "
                             "or give the file as .json") from err
        with open(path, encoding="utf-8") as file_handler:
            # safe_load: a hyper-parameter file must not be able to build arbitrary Python objects.
            table = yaml.safe_load(file_handler)
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise ValueError(f"{path!r} must map env ids to dicts of hyper-parameters, like the zoo's ppo2.yml")
    return table


# --- finding an env's entry -----------------------------------------------------------------------------------
def _resolved(env_id: str) -> tuple[str, tuple] | None:
    """
    :param env_id: (str) an id, old or new
    :return: ((str, tuple) or None) the gymnasium id and its make kwargs (hashable), None if unknown here
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new_id, kwargs = resolve_env_id(env_id)
    except ValueError:
        return None
    return new_id, tuple(sorted(kwargs.items()))


def find_zoo_entry(env_id: str, table: dict[str, dict[str, Any]]) -> str:
    """
    The table entry for an env: the id itself, else an entry whose old id maps to the same gymnasium env
    (``Pendulum-v1`` finds ``Pendulum-v0``, ``LunarLanderContinuous-v3`` finds ``LunarLanderContinuous-v2``),
    else ``atari`` for ``*NoFrameskip*`` ids.

    :param env_id: (str) the env id asked for
    :param table: (dict) entry name -> hyper-parameters
    :return: (str) the entry name
    :raises KeyError: no entry, with the list of entries
    """
    if env_id in table:
        return env_id
    target = _resolved(env_id)
    if target is not None:
        for key in table:
            if key != _ATARI_KEY and _resolved(key) == target:
                return key
    if "NoFrameskip" in env_id and _ATARI_KEY in table:
        return _ATARI_KEY
    raise KeyError(f"no hyper-parameters for {env_id!r}; entries: {', '.join(table)}")


# --- translating values ---------------------------------------------------------------------------------------
def translate_schedule(key: str, value: Any) -> Any:
    """
    The zoo's schedule rule: ``lin_<x>`` -> ``LinearFn(x)``, a number >= 0 -> ``constfn(float(x))``, a negative
    number kept as it is (PPO2 reads ``cliprange_vf < 0`` as "no value clipping").

    :param key: (str) the hyper-parameter (for error messages)
    :param value: (Any) the value from the file
    :return: (callable or float)
    """
    if isinstance(value, str):
        kind, _, initial = value.partition("_")
        if kind != "lin" or not initial:
            raise ValueError(f"{key}={value!r}: the only schedule string the zoo knows is 'lin_<value>'")
        try:
            return LinearFn(float(initial))
        except ValueError as err:
            raise ValueError(f"{key}={value!r}: {initial!r} is not a number") from err
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key}={value!r}: expected a number or 'lin_<value>'")
    if value < 0:
        return value
    return constfn(float(value))


def _activation_name(node: ast.expr) -> str | None:
    """
    :param node: (ast.expr) a Name or Attribute such as ``nn.ReLU`` or ``tf.nn.relu``
    :return: (str or None) the activation name ``get_activation`` knows, None if not an activation
    """
    if isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Name):
        name = node.id
    else:
        return None
    return _ACTIVATION_NAMES.get(name.lower())


def _literal(node: ast.expr, text: str) -> Any:
    """
    Evaluate a node made only of literals, ``dict(...)`` calls and activation names.

    :param node: (ast.expr) the node
    :param text: (str) the whole string (for error messages)
    :return: (Any) the value
    """
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        if any(keyword.arg is None for keyword in node.keywords):
            raise ValueError(f"unsupported **kwargs in {text!r}")
        return {keyword.arg: _literal(keyword.value, text) for keyword in node.keywords}
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ValueError(f"unsupported ** in {text!r}")
        return {_literal(key, text): _literal(value, text) for key, value in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(item, text) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    activation = _activation_name(node)
    if activation is not None:
        return activation
    try:
        # Constants, negative numbers, True/False/None.
        return ast.literal_eval(node)
    except ValueError as err:
        raise ValueError(f"unsupported expression {ast.unparse(node)!r} in {text!r}: only literals, dict(...) "
                         "and activation names (nn.ReLU, tf.nn.relu, ...) are accepted") from err


def parse_python_literal(text: str) -> Any:
    """
    Parse the Python-looking strings of zoo files (``"dict(net_arch=[64, 64], act_fun=tf.nn.relu)"``) safely.

    :param text: (str) the string
    :return: (Any) its value; activation names become strings (``"relu"``)
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse {text!r}: {err.msg}") from err
    return _literal(tree.body, text)


def parse_policy_kwargs(value: Any) -> dict[str, Any]:
    """
    :param value: (str or dict) ``policy_kwargs`` as written in the file
    :return: (dict) the kwargs (activations as names, which the policies accept)
    """
    parsed = parse_python_literal(value) if isinstance(value, str) else value
    if not isinstance(parsed, dict):
        raise ValueError(f"policy_kwargs={value!r} must be a dict")
    if "act_fun" in parsed and isinstance(parsed["act_fun"], str) and parsed["act_fun"] not in _ACTIVATION_NAMES:
        raise ValueError(f"policy_kwargs: unknown act_fun {parsed['act_fun']!r}")
    return parsed


def parse_normalize(value: Any) -> dict[str, Any] | None:
    """
    :param value: (bool, str or dict) ``normalize`` as written in the file (``true`` or a kwargs string such as
        ``"{'norm_obs': True, 'norm_reward': False}"``)
    :return: (dict or None) VecNormalize kwargs, None when off
    """
    if value is None or value is False:
        return None
    if value is True:
        return {}
    parsed = parse_python_literal(value) if isinstance(value, str) else value
    if not isinstance(parsed, dict):
        raise ValueError(f"normalize={value!r} must be a bool or a dict of VecNormalize kwargs")
    return dict(parsed)


def _translate_policy(hyperparams: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """
    :param hyperparams: (dict) the entry
    :return: ((str, dict)) a policy name PPO2 knows and the policy kwargs
    """
    policy = hyperparams.get("policy", "MlpPolicy")
    policy_kwargs = parse_policy_kwargs(hyperparams["policy_kwargs"]) if "policy_kwargs" in hyperparams else {}
    if policy in _ZOO_POLICIES:
        policy, extra = _ZOO_POLICIES[policy]
        policy_kwargs = {**extra, **policy_kwargs}
    return policy, policy_kwargs


def translate_entry(hyperparams: dict[str, Any]) -> dict[str, Any]:
    """
    PPO2 constructor arguments from one entry (env-shaping keys left out).

    :param hyperparams: (dict) the entry
    :return: (dict) kwargs for ``PPO2(env=..., **kwargs)``
    :raises ValueError: unknown key or bad value
    """
    unknown = set(hyperparams) - _PPO2_KEYS - set(_ENV_KEYS)
    if unknown:
        raise ValueError(f"unknown PPO2 hyper-parameters {sorted(unknown)}; known: {sorted(_PPO2_KEYS)}")
    kwargs: dict[str, Any] = {key: value for key, value in hyperparams.items() if key in _PPO2_KEYS}
    kwargs["policy"], kwargs["policy_kwargs"] = _translate_policy(hyperparams)
    for key in _SCHEDULE_KEYS:
        if key in kwargs:
            kwargs[key] = translate_schedule(key, kwargs[key])
    for key in ("n_steps", "nminibatches", "noptepochs"):
        # YAML's !!float (or a JSON number) may give 2048.0; PPO2 wants ints.
        if isinstance(kwargs.get(key), float) and kwargs[key].is_integer():
            kwargs[key] = int(kwargs[key])
    return kwargs


def _positive_int(hyperparams: dict[str, Any], key: str, default: int | None) -> int | None:
    value = hyperparams.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1 or float(value) != int(value):
        raise ValueError(f"{key}={value!r} must be a whole number >= 1")
    return int(value)


def zoo_config(env_id: str, table: dict[str, dict[str, Any]] | None = None,
               overrides: dict[str, Any] | None = None) -> ZooConfig:
    """
    Everything ``train`` needs for one env, from the zoo table (or a user table) plus overrides.

    :param env_id: (str) the env id asked for
    :param table: (dict) entry name -> hyper-parameters (None: the packaged zoo table)
    :param overrides: (dict) values replacing the entry's (e.g. ``{"n_envs": 2, "n_timesteps": 256}``)
    :return: (ZooConfig)
    :raises KeyError: no entry for the env
    :raises ValueError: a value that cannot be translated
    """
    table = load_zoo_hyperparams() if table is None else table
    key = find_zoo_entry(env_id, table)
    hyperparams = {**table[key], **{k: v for k, v in (overrides or {}).items() if v is not None}}
    n_timesteps = _positive_int(hyperparams, "n_timesteps", None)
    if n_timesteps is None:
        raise ValueError(f"entry {key!r} has no n_timesteps: give --n-timesteps")
    return ZooConfig(
        env_id=env_id,
        zoo_key=key,
        n_timesteps=n_timesteps,
        n_envs=_positive_int(hyperparams, "n_envs", 1),
        normalize=parse_normalize(hyperparams.get("normalize")),
        frame_stack=_positive_int(hyperparams, "frame_stack", None),
        atari=key == _ATARI_KEY or "NoFrameskip" in env_id,
        env_wrapper=hyperparams.get("env_wrapper"),
        model_kwargs=translate_entry(hyperparams),
        hyperparams=hyperparams,
    )


def jsonable_hyperparams(config: ZooConfig) -> dict[str, Any]:
    """
    The hyper-parameters actually used, for ``config.json``/``config.yml``: the entry with overrides, and the
    translated values next to it (schedules written as their repr, e.g. ``LinearFn(0.001)``).

    :param config: (ZooConfig) the settings
    :return: (dict) JSON-serialisable
    """
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return repr(value)

    return {
        "env_id": config.env_id,
        "zoo_entry": config.zoo_key,
        "hyperparams": plain(config.hyperparams),
        "n_timesteps": config.n_timesteps,
        "n_envs": config.n_envs,
        "normalize": plain(config.normalize),
        "frame_stack": config.frame_stack,
        "model_kwargs": plain(config.model_kwargs),
    }
