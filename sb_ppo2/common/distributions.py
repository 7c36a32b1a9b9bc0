"""Action distributions of SB2's PPO2, one per action-space kind, computed on PyTorch tensors.

Each distribution is built from the flat output of the policy's action head (``pi``).  Negative
log-probabilities and entropies are summed over action dimensions, as SB2 did.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from gymnasium import spaces

_LOG_2PI = math.log(2.0 * math.pi)


class ProbabilityDistribution:
    """Base class: a batch of action distributions."""

    def flatparam(self) -> torch.Tensor:
        """:return: (torch.Tensor) the flat parameters the distribution was built from"""
        raise NotImplementedError

    def mode(self) -> torch.Tensor:
        """:return: (torch.Tensor) the most likely action (SB2's deterministic action)"""
        raise NotImplementedError

    def neglogp(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: (torch.Tensor) actions
        :return: (torch.Tensor) their negative log-probability (or log-density), one value per row
        """
        raise NotImplementedError

    def logp(self, x: torch.Tensor) -> torch.Tensor:
        """:return: (torch.Tensor) the log-probability of ``x``"""
        return -self.neglogp(x)

    def entropy(self) -> torch.Tensor:
        """:return: (torch.Tensor) the entropy, one value per row"""
        raise NotImplementedError

    def sample(self) -> torch.Tensor:
        """:return: (torch.Tensor) a sampled action per row"""
        raise NotImplementedError

    def proba(self):
        """:return: the distribution parameters ``action_probability`` reports (SB2's ``policy_proba``)"""
        raise NotImplementedError


class CategoricalProbabilityDistribution(ProbabilityDistribution):
    """
    Categorical distribution over ``n`` actions.

    :param logits: (torch.Tensor) (batch, n) unnormalised log-probabilities
    """

    def __init__(self, logits: torch.Tensor):
        self.logits = logits
        self._log_probs = torch.log_softmax(logits, dim=-1)

    def flatparam(self) -> torch.Tensor:
        return self.logits

    def mode(self) -> torch.Tensor:
        return torch.argmax(self.logits, dim=-1)

    def neglogp(self, x: torch.Tensor) -> torch.Tensor:
        return -self._log_probs.gather(-1, x.long().reshape(-1, 1)).squeeze(-1)

    def entropy(self) -> torch.Tensor:
        return -(self._log_probs.exp() * self._log_probs).sum(-1)

    def sample(self) -> torch.Tensor:
        # Gumbel-max, as SB2 sampled: argmax(logits - log(-log(u))).
        uniform = torch.rand_like(self.logits)
        return torch.argmax(self.logits - torch.log(-torch.log(uniform)), dim=-1)

    def proba(self) -> torch.Tensor:
        return self._log_probs.exp()


class MultiCategoricalProbabilityDistribution(ProbabilityDistribution):
    """
    Independent categoricals, one per dimension of a ``MultiDiscrete`` space.

    :param nvec: ([int]) number of choices of each dimension
    :param flat: (torch.Tensor) (batch, sum(nvec)) logits, concatenated
    """

    def __init__(self, nvec, flat: torch.Tensor):
        self.flat = flat
        self.categoricals = [CategoricalProbabilityDistribution(part) for part in torch.split(flat, list(nvec), dim=-1)]

    def flatparam(self) -> torch.Tensor:
        return self.flat

    def mode(self) -> torch.Tensor:
        return torch.stack([p.mode() for p in self.categoricals], dim=-1)

    def neglogp(self, x: torch.Tensor) -> torch.Tensor:
        return sum(p.neglogp(x[..., i]) for i, p in enumerate(self.categoricals))

    def entropy(self) -> torch.Tensor:
        return sum(p.entropy() for p in self.categoricals)

    def sample(self) -> torch.Tensor:
        return torch.stack([p.sample() for p in self.categoricals], dim=-1)

    def proba(self) -> list:
        return [p.proba() for p in self.categoricals]


class DiagGaussianProbabilityDistribution(ProbabilityDistribution):
    """
    Diagonal Gaussian with a state-independent log standard deviation.

    :param mean: (torch.Tensor) (batch, d) means
    :param logstd: (torch.Tensor) (1, d) or (batch, d) log standard deviations
    """

    def __init__(self, mean: torch.Tensor, logstd: torch.Tensor):
        self.mean = mean
        self.logstd = logstd.expand_as(mean)
        self.std = self.logstd.exp()

    def flatparam(self) -> torch.Tensor:
        return torch.cat([self.mean, self.logstd], dim=-1)

    def mode(self) -> torch.Tensor:
        return self.mean

    def neglogp(self, x: torch.Tensor) -> torch.Tensor:
        dim = self.mean.shape[-1]
        return (0.5 * (((x - self.mean) / self.std) ** 2).sum(-1)
                + 0.5 * _LOG_2PI * dim
                + self.logstd.sum(-1))

    def entropy(self) -> torch.Tensor:
        return (self.logstd + 0.5 * math.log(2.0 * math.pi * math.e)).sum(-1)

    def sample(self) -> torch.Tensor:
        return self.mean + self.std * torch.randn_like(self.mean)

    def proba(self) -> list:
        return [self.mean, self.std]


class BernoulliProbabilityDistribution(ProbabilityDistribution):
    """
    Independent Bernoulli variables, one per dimension of a ``MultiBinary`` space.

    :param logits: (torch.Tensor) (batch, n) logits
    """

    def __init__(self, logits: torch.Tensor):
        self.logits = logits
        self.probs = torch.sigmoid(logits)

    def flatparam(self) -> torch.Tensor:
        return self.logits

    def mode(self) -> torch.Tensor:
        return torch.round(self.probs)

    def neglogp(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(
            self.logits, x.to(self.logits.dtype), reduction="none"
        ).sum(-1)

    def entropy(self) -> torch.Tensor:
        return torch.nn.functional.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none").sum(-1)

    def sample(self) -> torch.Tensor:
        return (torch.rand_like(self.probs) < self.probs).to(self.logits.dtype)

    def proba(self) -> torch.Tensor:
        return self.probs


def action_param_size(ac_space) -> int:
    """
    Number of units of the action head for an action space.

    :param ac_space: (gymnasium.spaces.Space) the action space
    :return: (int)
    """
    if isinstance(ac_space, spaces.Box):
        assert len(ac_space.shape) == 1, "Error: the action space must be a vector"
        return int(ac_space.shape[0])
    if isinstance(ac_space, spaces.Discrete):
        return int(ac_space.n)
    if isinstance(ac_space, spaces.MultiDiscrete):
        return int(np.sum(ac_space.nvec))
    if isinstance(ac_space, spaces.MultiBinary):
        return int(np.prod(ac_space.n))
    raise NotImplementedError(
        "Error: probability distribution, not implemented for action space of type "
        f"{type(ac_space).__name__}. Supported: Box (1-D), Discrete, MultiDiscrete, MultiBinary."
    )


def make_distribution(ac_space, flat: torch.Tensor, logstd: torch.Tensor | None = None) -> ProbabilityDistribution:
    """
    Build the distribution of an action space from the action head's output.

    :param ac_space: (gymnasium.spaces.Space) the action space
    :param flat: (torch.Tensor) output of the ``pi`` head
    :param logstd: (torch.Tensor) the ``pi/logstd`` parameter (Box only)
    :return: (ProbabilityDistribution)
    """
    if isinstance(ac_space, spaces.Box):
        return DiagGaussianProbabilityDistribution(flat, logstd)
    if isinstance(ac_space, spaces.Discrete):
        return CategoricalProbabilityDistribution(flat)
    if isinstance(ac_space, spaces.MultiDiscrete):
        return MultiCategoricalProbabilityDistribution(ac_space.nvec, flat)
    if isinstance(ac_space, spaces.MultiBinary):
        return BernoulliProbabilityDistribution(flat)
    raise NotImplementedError(
        f"Error: probability distribution, not implemented for action space of type {type(ac_space).__name__}."
    )
