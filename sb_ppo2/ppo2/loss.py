"""PPO2's clipped loss, exactly as SB2 computed it for one minibatch."""

from __future__ import annotations

from typing import NamedTuple

import torch


class LossParts(NamedTuple):
    """The total loss and the per-minibatch statistics SB2 logged (``loss_names`` order after ``loss``)."""

    loss: torch.Tensor
    policy_loss: torch.Tensor
    value_loss: torch.Tensor
    policy_entropy: torch.Tensor
    approxkl: torch.Tensor
    clipfrac: torch.Tensor


def normalize_advantages(advantages: torch.Tensor) -> torch.Tensor:
    """
    SB2's per-minibatch normalisation: population standard deviation, ``+ 1e-8``.

    :param advantages: (torch.Tensor) raw advantages ``returns - old_values``
    :return: (torch.Tensor)
    """
    return (advantages - advantages.mean()) / (advantages.std(unbiased=False) + 1e-8)


def ppo2_loss(neglogp: torch.Tensor, old_neglogp: torch.Tensor, advantages: torch.Tensor, returns: torch.Tensor,
              values_pred: torch.Tensor, old_values: torch.Tensor, entropy: torch.Tensor, cliprange: float,
              cliprange_vf: float | None, ent_coef: float, vf_coef: float) -> LossParts:
    """
    The PPO2 objective for one minibatch.

    :param neglogp: (torch.Tensor) -log pi(a|s) under the current policy
    :param old_neglogp: (torch.Tensor) -log pi(a|s) when the rollout was collected
    :param advantages: (torch.Tensor) advantages, already normalised
    :param returns: (torch.Tensor) GAE returns (value targets)
    :param values_pred: (torch.Tensor) current value predictions
    :param old_values: (torch.Tensor) value predictions when the rollout was collected
    :param entropy: (torch.Tensor) per-sample entropy of the current policy
    :param cliprange: (float) clipping range of the probability ratio
    :param cliprange_vf: (float or None) clipping range of the value change; None: no value clipping
    :param ent_coef: (float) entropy coefficient
    :param vf_coef: (float) value-loss coefficient
    :return: (LossParts)
    """
    if cliprange_vf is None:
        values_clipped = values_pred
    else:
        values_clipped = old_values + torch.clamp(values_pred - old_values, -cliprange_vf, cliprange_vf)
    vf_losses1 = (values_pred - returns) ** 2
    vf_losses2 = (values_clipped - returns) ** 2
    value_loss = 0.5 * torch.mean(torch.maximum(vf_losses1, vf_losses2))

    ratio = torch.exp(old_neglogp - neglogp)
    pg_losses = -advantages * ratio
    pg_losses2 = -advantages * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
    policy_loss = torch.mean(torch.maximum(pg_losses, pg_losses2))

    policy_entropy = torch.mean(entropy)
    approxkl = 0.5 * torch.mean((neglogp - old_neglogp) ** 2)
    clipfrac = torch.mean((torch.abs(ratio - 1.0) > cliprange).float())
    loss = policy_loss - policy_entropy * ent_coef + value_loss * vf_coef
    return LossParts(loss, policy_loss, value_loss, policy_entropy, approxkl, clipfrac)
