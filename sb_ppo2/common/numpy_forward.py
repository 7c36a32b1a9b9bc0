"""A NumPy forward pass of small MLP policies, for acting during rollouts.

For a 64-64 MLP, a PyTorch call costs microseconds of dispatch per operation while the arithmetic costs
almost nothing; NumPy on the same weights is several times faster per environment step.  The arrays here
are *views* of the torch parameters (CPU tensors share their memory), so optimizer steps and
``load_parameters`` are seen immediately without copying.  Random draws use NumPy's global generator,
which ``set_global_seeds`` seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from gymnasium import spaces

_NUMPY_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "identity": lambda x: x,
}


def numpy_activation(act) -> Callable[[np.ndarray], np.ndarray] | None:
    """:return: the NumPy version of a torch activation, or None when there is none here"""
    name = getattr(act, "__name__", None) or type(act).__name__
    return _NUMPY_ACTIVATIONS.get(str(name).lower())


def _weights(layer) -> tuple[np.ndarray, np.ndarray]:
    # [out, in] weight viewed as [in, out] for `x @ w`; both views share the parameter's memory.
    return layer.weight.detach().numpy().T, layer.bias.detach().numpy()


class NumpyActor:
    """
    Acting with an MLP ``FeedForwardPolicy`` in NumPy: same weights, same outputs, no autograd.

    :param policy: (FeedForwardPolicy) a CPU policy with MLP feature extraction
    :param act: (callable) the NumPy activation
    """

    def __init__(self, policy, act: Callable[[np.ndarray], np.ndarray]):
        self.act = act
        self.ob_space = policy.ob_space
        self.ac_space = policy.ac_space
        self.shared = [_weights(layer) for layer in policy.shared_net]
        self.pi_layers = [_weights(layer) for layer in policy.policy_net]
        self.vf_layers = [_weights(layer) for layer in policy.value_net]
        self.pi = _weights(policy.pi)
        self.vf = _weights(policy.vf)
        self.logstd = policy.logstd.detach().numpy() if policy.logstd is not None else None
        self.low = policy._obs_low.numpy() if policy._obs_low is not None else None
        self.range = policy._obs_range.numpy() if policy._obs_range is not None else None

    def _features(self, obs: np.ndarray) -> np.ndarray:
        space = self.ob_space
        if isinstance(space, spaces.Discrete):
            return np.eye(int(space.n), dtype=np.float32)[np.asarray(obs, dtype=np.int64).reshape(-1)]
        if isinstance(space, spaces.MultiDiscrete):
            obs = np.asarray(obs, dtype=np.int64).reshape(-1, len(space.nvec))
            return np.concatenate([np.eye(int(n), dtype=np.float32)[obs[:, i]] for i, n in enumerate(space.nvec)],
                                  axis=1)
        obs = np.asarray(obs, dtype=np.float32)
        if self.low is not None:
            obs = (obs - self.low) / self.range
        return obs.reshape(obs.shape[0], -1)

    def _tower(self, x: np.ndarray, layers) -> np.ndarray:
        for weight, bias in layers:
            x = self.act(x @ weight + bias)
        return x

    def latents(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:return: ((np.ndarray, np.ndarray)) policy and value latents"""
        shared = self._tower(self._features(obs), self.shared)
        return self._tower(shared, self.pi_layers), self._tower(shared, self.vf_layers)

    def value(self, obs: np.ndarray) -> np.ndarray:
        """:return: (np.ndarray) values (batch,)"""
        weight, bias = self.vf
        return (self.latents(obs)[1] @ weight + bias)[:, 0]

    def step(self, obs: np.ndarray, deterministic: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:return: ((np.ndarray, np.ndarray, np.ndarray)) actions, values, negative log-probabilities"""
        latent_pi, latent_vf = self.latents(obs)
        values = (latent_vf @ self.vf[0] + self.vf[1])[:, 0]
        flat = latent_pi @ self.pi[0] + self.pi[1]
        actions, neglogp = _sample(self.ac_space, flat, self.logstd, deterministic)
        return actions, values.astype(np.float32), neglogp.astype(np.float32)


def _categorical(logits: np.ndarray, deterministic: bool) -> tuple[np.ndarray, np.ndarray]:
    if deterministic:
        actions = np.argmax(logits, axis=-1)
    else:  # Gumbel-max, as SB2 sampled
        actions = np.argmax(logits - np.log(-np.log(np.random.random_sample(logits.shape))), axis=-1)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    neglogp = log_norm - np.take_along_axis(shifted, actions[:, None], axis=-1)[:, 0]
    return actions.astype(np.int64), neglogp


def _sample(space, flat: np.ndarray, logstd, deterministic: bool) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(space, spaces.Discrete):
        return _categorical(flat, deterministic)
    if isinstance(space, spaces.Box):
        std = np.exp(logstd)
        actions = flat if deterministic else flat + std * np.random.standard_normal(flat.shape).astype(np.float32)
        dim = flat.shape[-1]
        neglogp = (0.5 * np.sum(np.square((actions - flat) / std), axis=-1) + 0.5 * np.log(2.0 * np.pi) * dim
                   + np.sum(logstd))
        return actions.astype(np.float32), neglogp
    if isinstance(space, spaces.MultiDiscrete):
        parts = np.split(flat, np.cumsum(space.nvec)[:-1], axis=-1)
        results = [_categorical(part, deterministic) for part in parts]
        return np.stack([a for a, _ in results], axis=-1), np.sum([n for _, n in results], axis=0)
    # MultiBinary: independent Bernoulli(sigmoid(logits)); SB2 sampled float 0./1.
    probs = 1.0 / (1.0 + np.exp(-flat))
    actions = np.round(probs) if deterministic else (np.random.random_sample(flat.shape) < probs)
    actions = actions.astype(np.float32)
    # binary cross-entropy with logits, numerically stable
    neglogp = np.sum(np.maximum(flat, 0) - flat * actions + np.log1p(np.exp(-np.abs(flat))), axis=-1)
    return actions, neglogp
