"""Checks of PPO2's constructor arguments (clear errors naming the parameter) and device choice."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import torch


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))


def _require(ok: bool, name: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ValueError(f"PPO2: invalid {name}={value!r}; allowed: {allowed}")


def check_ppo2_hyperparameters(model: Any) -> None:
    """
    Validate PPO2's hyper-parameters.  Every value SB2 accepted (and that can train) is still accepted.

    :param model: (PPO2) the model whose attributes are checked
    :raises ValueError: naming the parameter, the value and what is allowed
    """
    _require(_is_int(model.n_steps) and model.n_steps >= 1, "n_steps", model.n_steps, "an int >= 1")
    _require(_is_int(model.nminibatches) and model.nminibatches >= 1, "nminibatches", model.nminibatches,
             "an int >= 1 that divides n_steps * n_envs")
    _require(_is_int(model.noptepochs) and model.noptepochs >= 1, "noptepochs", model.noptepochs, "an int >= 1")
    _require(_is_real(model.gamma) and 0.0 <= model.gamma <= 1.0, "gamma", model.gamma, "a float in [0, 1]")
    _require(_is_real(model.lam) and 0.0 <= model.lam <= 1.0, "lam", model.lam, "a float in [0, 1]")
    _require(_is_real(model.ent_coef), "ent_coef", model.ent_coef, "a finite float (usually >= 0)")
    _require(_is_real(model.vf_coef) and model.vf_coef >= 0, "vf_coef", model.vf_coef, "a float >= 0")
    _require(model.max_grad_norm is None or (_is_real(model.max_grad_norm) and model.max_grad_norm > 0),
             "max_grad_norm", model.max_grad_norm, "a float > 0, or None for no gradient clipping")
    _require(callable(model.learning_rate) or (_is_real(model.learning_rate) and model.learning_rate >= 0),
             "learning_rate", model.learning_rate, "a float >= 0 or a callable of the remaining progress")
    _require(callable(model.cliprange) or (_is_real(model.cliprange) and model.cliprange > 0),
             "cliprange", model.cliprange, "a float > 0 or a callable of the remaining progress")
    _require(model.cliprange_vf is None or callable(model.cliprange_vf) or _is_real(model.cliprange_vf),
             "cliprange_vf", model.cliprange_vf,
             "None (clip like cliprange, SB2's legacy default), a negative float (no value clipping, e.g. -1), "
             "a positive float or a callable")
    _require(_is_int(model.verbose), "verbose", model.verbose, "an int (0, 1 or 2)")
    _require(model.n_cpu_tf_sess is None or (_is_int(model.n_cpu_tf_sess) and model.n_cpu_tf_sess >= 1),
             "n_cpu_tf_sess", model.n_cpu_tf_sess, "None or an int >= 1")
    _require(model.seed is None or _is_int(model.seed), "seed", model.seed, "None or an int")
    _require(isinstance(model.policy_kwargs, dict), "policy_kwargs", model.policy_kwargs, "a dict or None")


def resolve_device(device: Any, policy: Any) -> torch.device:
    """
    Choose the torch device: "auto" puts CNN policies on CUDA when it is available, everything else on CPU
    (small MLPs are faster on the CPU than through kernel launches).

    :param device: (str or torch.device) "auto", "cpu", "cuda", "cuda:N"
    :param policy: (ActorCriticPolicy) the policy
    :return: (torch.device)
    """
    if device is None or device == "auto":
        uses_cnn = getattr(policy, "cnn", None) is not None
        return torch.device("cuda" if uses_cnn and torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"PPO2: invalid device={device!r}; allowed: 'auto', 'cpu', 'cuda', 'cuda:N'") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"PPO2: device={device!r} but CUDA is not available here; use 'auto' or 'cpu'")
    return resolved
