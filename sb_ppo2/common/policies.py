"""PPO2's actor-critic policies with SB2's names, signatures, layer layout and parameter names.

SB2 built each policy twice (an acting copy and a training copy sharing TF variables); here one
``nn.Module`` serves both.  The positional constructor signatures are kept because SB2 users subclass
these classes and call them with ``(sess, ob_space, ac_space, n_env, n_steps, n_batch, ...)``; ``sess`` is
ignored.
"""

from __future__ import annotations

import math
import warnings
from itertools import zip_longest
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from sb_ppo2.common.distributions import ProbabilityDistribution, action_param_size, make_distribution
from sb_ppo2.common.numpy_forward import NumpyActor, numpy_activation
from sb_ppo2.common.torch_layers import SB2Param, dense_sb2_params, get_activation, linear, nature_cnn, parse_net_arch


def preprocess_obs_space_check(ob_space) -> None:
    """
    Reject observation spaces SB2's policies could not take.

    :param ob_space: (gymnasium.spaces.Space) the observation space
    """
    if not isinstance(ob_space, spaces.Box | spaces.Discrete | spaces.MultiDiscrete | spaces.MultiBinary):
        raise NotImplementedError(
            f"Error: the model does not support input space of type {type(ob_space).__name__} "
            "(supported: Box, Discrete, MultiDiscrete, MultiBinary)"
        )


def processed_obs_size(ob_space) -> int:
    """:return: (int) the flat size of an observation after SB2's preprocessing (one-hots for discrete spaces)"""
    if isinstance(ob_space, spaces.Discrete):
        return int(ob_space.n)
    if isinstance(ob_space, spaces.MultiDiscrete):
        return int(np.sum(ob_space.nvec))
    return int(np.prod(ob_space.shape))


class BasePolicy(nn.Module):
    """
    The base policy object.

    :param sess: (None) ignored (SB2's TensorFlow session)
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param reuse: (bool) ignored (TensorFlow variable reuse)
    :param scale: (bool) scale Box observations to [0, 1] by their bounds (images: /255)
    """

    recurrent = False

    def __init__(self, sess, ob_space, ac_space, n_env=1, n_steps=1, n_batch=None, reuse=False, scale=False,
                 obs_phs=None, add_action_ph=False):
        nn.Module.__init__(self)
        preprocess_obs_space_check(ob_space)
        self.sess = sess
        self.ob_space = ob_space
        self.ac_space = ac_space
        self.n_env = n_env
        self.n_steps = n_steps
        self.n_batch = n_batch
        self.reuse = reuse
        self.scale = scale
        self._setup_obs_scaling()

    @property
    def is_discrete(self) -> bool:
        """:return: (bool) whether the action space is Discrete"""
        return isinstance(self.ac_space, spaces.Discrete)

    @property
    def initial_state(self):
        """The initial recurrent state: None for feed-forward policies."""
        assert not self.recurrent, "When using recurrent policies, you must overwrite `initial_state()` method"
        return None

    @staticmethod
    def _kwargs_check(feature_extraction: str, kwargs: dict) -> None:
        """
        SB2: with MLP feature extraction, every policy keyword must be consumed.

        :param feature_extraction: (str) "mlp" or "cnn"
        :param kwargs: (dict) the unconsumed keyword arguments
        """
        if feature_extraction == "mlp" and len(kwargs) > 0:
            raise ValueError(f"Unknown keywords for policy: {kwargs}")

    def _setup_obs_scaling(self) -> None:
        """Precompute SB2's (obs - low) / (high - low) scaling for bounded Box spaces when ``scale`` is set."""
        # Buffers (None when not scaling): a plain attribute of the same name would make register_buffer fail.
        obs_low = obs_range = None
        if self.scale and isinstance(self.ob_space, spaces.Box):
            low, high = self.ob_space.low, self.ob_space.high
            if np.all(np.isfinite(low)) and np.all(np.isfinite(high)) and np.any(high - low != 0):
                obs_low = torch.as_tensor(low, dtype=torch.float32)
                obs_range = torch.as_tensor(high - low, dtype=torch.float32)
        self.register_buffer("_obs_low", obs_low, persistent=False)
        self.register_buffer("_obs_range", obs_range, persistent=False)
        # Images have low = 0: skipping the subtraction saves a full pass over every batch.
        self._obs_low_is_zero = obs_low is not None and not bool(torch.any(obs_low != 0))

    def preprocess(self, obs: torch.Tensor) -> torch.Tensor:
        """
        SB2's observation preprocessing: float cast (and scaling for CNNs), one-hot for discrete spaces.

        :param obs: (torch.Tensor) a batch of raw observations
        :return: (torch.Tensor) float32 batch
        """
        space = self.ob_space
        if isinstance(space, spaces.Discrete):
            return nn.functional.one_hot(obs.long().reshape(-1), int(space.n)).float()
        if isinstance(space, spaces.MultiDiscrete):
            obs = obs.long().reshape(-1, len(space.nvec))
            return torch.cat(
                [nn.functional.one_hot(obs[:, i], int(n)).float() for i, n in enumerate(space.nvec)], dim=-1
            )
        if self._obs_low is None:
            return obs.float()
        # A fresh float copy, then in place (cheaper than out-of-place ops on large image batches).
        obs = obs.to(torch.float32, copy=True)
        if not self._obs_low_is_zero:
            obs.sub_(self._obs_low)
        return obs.div_(self._obs_range)


class ActorCriticPolicy(BasePolicy):
    """
    Policy object that implements actor critic: an action head ``pi``, a value head ``vf`` and SB2's unused
    ``q`` head, on top of latents computed by ``extract_latent``.

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param reuse: (bool) ignored
    :param scale: (bool) scale Box observations by their bounds
    """

    def __init__(self, sess, ob_space, ac_space, n_env=1, n_steps=1, n_batch=None, reuse=False, scale=False):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, reuse=reuse, scale=scale)
        self.n_action_params = action_param_size(ac_space)
        self._is_box = isinstance(ac_space, spaces.Box)
        if self._is_box:
            self.register_buffer("_action_low", torch.as_tensor(ac_space.low, dtype=torch.float32), persistent=False)
            self.register_buffer("_action_high", torch.as_tensor(ac_space.high, dtype=torch.float32), persistent=False)

    def _setup_heads(self, latent_pi_dim: int, latent_vf_dim: int, head_gain: float = 0.01) -> None:
        """
        Create the ``vf``, ``pi`` (+ ``pi/logstd`` for Box) and ``q`` heads with SB2's initialisation.

        :param latent_pi_dim: (int) size of the policy latent
        :param latent_vf_dim: (int) size of the value latent
        :param head_gain: (float) orthogonal gain of ``pi`` and ``q`` (0.01 for feed-forward, 1.0 for LSTM)
        """
        self.vf = linear(latent_vf_dim, 1, gain=1.0)
        self.pi = linear(latent_pi_dim, self.n_action_params, gain=head_gain)
        self.logstd = nn.Parameter(torch.zeros(1, self.n_action_params)) if self._is_box else None
        # SB2 builds a Q head that PPO2 never uses; it is kept so files round-trip with SB2.
        self.q = linear(latent_vf_dim, self.n_action_params, gain=head_gain)

    def _head_sb2_params(self) -> list[SB2Param]:
        params = [SB2Param("model/vf/w:0", self.vf.weight, "dense"), SB2Param("model/vf/b:0", self.vf.bias, "plain"),
                  SB2Param("model/pi/w:0", self.pi.weight, "dense"), SB2Param("model/pi/b:0", self.pi.bias, "plain")]
        if self.logstd is not None:
            params.append(SB2Param("model/pi/logstd:0", self.logstd, "plain"))
        params += [SB2Param("model/q/w:0", self.q.weight, "dense"), SB2Param("model/q/b:0", self.q.bias, "plain")]
        return params

    def sb2_parameters(self) -> list[SB2Param]:
        """:return: ([SB2Param]) trainable parameters in SB2's creation order, with their TF names"""
        raise NotImplementedError

    def extract_latent(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """
        :param obs: (torch.Tensor) raw observation batch
        :return: ((torch.Tensor, torch.Tensor)) policy latent and value latent
        """
        raise NotImplementedError

    def forward(self, obs: torch.Tensor) -> tuple[ProbabilityDistribution, torch.Tensor]:
        """
        :param obs: (torch.Tensor) raw observation batch
        :return: ((ProbabilityDistribution, torch.Tensor)) the action distribution and the values (batch,)
        """
        latent_pi, latent_vf = self.extract_latent(obs)
        return self.distribution(latent_pi), self.vf(latent_vf)[:, 0]

    def distribution(self, latent_pi: torch.Tensor) -> ProbabilityDistribution:
        """:return: (ProbabilityDistribution) the action distribution for a policy latent"""
        return make_distribution(self.ac_space, self.pi(latent_pi), self.logstd)

    def value_only(self, obs: torch.Tensor) -> torch.Tensor:
        """:return: (torch.Tensor) the value of each observation (batch,)"""
        return self.vf(self.extract_latent(obs)[1])[:, 0]

    # --- numpy-facing calls with SB2's signatures -------------------------------------------------------------
    def _as_tensor(self, obs) -> torch.Tensor:
        return torch.as_tensor(np.asarray(obs), device=self.vf.weight.device)

    def numpy_actor(self):
        """:return: (NumpyActor or None) a NumPy forward of this policy for acting, where one applies"""
        return None

    def step(self, obs, state=None, mask=None, deterministic: bool = False):
        """
        Act on a batch of observations.

        :param obs: (np.ndarray) observation batch
        :param state: (np.ndarray) recurrent state (unused by feed-forward policies)
        :param mask: (np.ndarray) done flags (unused by feed-forward policies)
        :param deterministic: (bool) take the most likely action instead of sampling
        :return: (tuple) ``(actions, values, states, neglogp)`` as numpy arrays (states: None)
        """
        actor = self.numpy_actor()
        if actor is not None:
            actions, values, neglogp = actor.step(obs, deterministic)
            return actions, values, None, neglogp
        with torch.inference_mode():
            dist, values = self(self._as_tensor(obs))
            actions = dist.mode() if deterministic else dist.sample()
            neglogp = dist.neglogp(actions)
        return actions.cpu().numpy(), values.cpu().numpy(), None, neglogp.cpu().numpy()

    def proba_step(self, obs, state=None, mask=None):
        """
        :param obs: (np.ndarray) observation batch
        :return: the distribution parameters (see ``action_probability``) as numpy arrays
        """
        with torch.inference_mode():
            dist, _ = self(self._as_tensor(obs))
            proba = dist.proba()
        if isinstance(proba, list):
            return [p.cpu().numpy() for p in proba]
        return proba.cpu().numpy()

    def value(self, obs, state=None, mask=None) -> np.ndarray:
        """
        :param obs: (np.ndarray) observation batch
        :return: (np.ndarray) the value of each observation (batch,)
        """
        actor = self.numpy_actor()
        if actor is not None:
            return actor.value(obs).astype(np.float32)
        with torch.inference_mode():
            return self.value_only(self._as_tensor(obs)).cpu().numpy()


class FeedForwardPolicy(ActorCriticPolicy):
    """
    Policy object that implements actor critic with a feed-forward network (MLP or CNN).

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param reuse: (bool) ignored
    :param layers: ([int]) (deprecated, use net_arch) sizes of the separate pi and vf hidden layers
    :param net_arch: (list) shared layer sizes followed by ``dict(pi=[...], vf=[...])``
        (default ``[dict(vf=[64, 64], pi=[64, 64])]``)
    :param act_fun: (callable or str) activation of the MLP layers (default tanh)
    :param cnn_extractor: (callable) ``f(observation_shape, **kwargs) -> nn.Module`` (default Nature CNN)
    :param feature_extraction: (str) ``"cnn"`` or ``"mlp"``
    :param kwargs: (dict) extra arguments for the CNN extractor
    """

    def __init__(self, sess, ob_space, ac_space, n_env=1, n_steps=1, n_batch=None, reuse=False, layers=None,
                 net_arch=None, act_fun=torch.tanh, cnn_extractor=nature_cnn, feature_extraction="cnn", **kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, reuse=reuse,
                         scale=(feature_extraction == "cnn"))
        self._kwargs_check(feature_extraction, kwargs)
        self.feature_extraction = feature_extraction
        if layers is not None:
            warnings.warn("Usage of the `layers` parameter is deprecated! Use net_arch instead "
                          "(it has a different semantics though).", DeprecationWarning)
            if net_arch is not None:
                warnings.warn("The new `net_arch` parameter overrides the deprecated `layers` parameter!",
                              DeprecationWarning)
        if net_arch is None:
            if layers is None:  # SB2: only None means the default; layers=[] gives linear heads on the input
                layers = [64, 64]
            net_arch = [dict(vf=layers, pi=layers)]
        self.net_arch = net_arch
        self.act = get_activation(act_fun)
        if feature_extraction == "cnn":
            if not (isinstance(ob_space, spaces.Box) and len(ob_space.shape) == 3):
                raise ValueError(
                    f"CnnPolicy needs image observations: a Box of shape (height, width, channels), got {ob_space}"
                )
            self.cnn = cnn_extractor(tuple(ob_space.shape), **kwargs)
            latent_pi_dim = latent_vf_dim = int(self.cnn.latent_dim)
        else:
            self.cnn = None
            latent_pi_dim, latent_vf_dim = self._build_mlp(processed_obs_size(ob_space), net_arch)
        self._setup_heads(latent_pi_dim, latent_vf_dim)

    def numpy_actor(self):
        """A NumPy forward for MLP policies on the CPU (rebuilt after ``.to()``); None for CNNs and GPUs."""
        cached = self.__dict__.get("_numpy_actor", False)
        if cached is not False:
            return cached
        actor = None
        act = numpy_activation(self.act)
        if self.cnn is None and act is not None and self.vf.weight.device.type == "cpu":
            actor = NumpyActor(self, act)
        self.__dict__["_numpy_actor"] = actor
        return actor

    def _apply(self, fn, *args, **kwargs):
        # Moving or casting the parameters replaces their storage: the NumPy views must be rebuilt.
        self.__dict__["_numpy_actor"] = False
        return super()._apply(fn, *args, **kwargs)

    def _build_mlp(self, n_input: int, net_arch) -> tuple[int, int]:
        """Create the shared layers and the pi / vf towers (SB2's ``mlp_extractor``)."""
        shared, pi_sizes, vf_sizes = parse_net_arch(net_arch)
        self._shared_names = [f"shared_fc{idx}" for idx, _ in shared]
        self.shared_net = nn.ModuleList()
        width = n_input
        for _, size in shared:
            self.shared_net.append(linear(width, size, gain=math.sqrt(2)))
            width = size
        self.policy_net, self.value_net = nn.ModuleList(), nn.ModuleList()
        for tower, sizes in ((self.policy_net, pi_sizes), (self.value_net, vf_sizes)):
            tower_width = width
            for size in sizes:
                tower.append(linear(tower_width, size, gain=math.sqrt(2)))
                tower_width = size
        latent_pi = pi_sizes[-1] if pi_sizes else width
        latent_vf = vf_sizes[-1] if vf_sizes else width
        return latent_pi, latent_vf

    def extract_latent(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.preprocess(obs)
        if self.cnn is not None:
            latent = self.cnn(features)
            return latent, latent
        return mlp_towers(features.reshape(features.shape[0], -1), self.act, self.shared_net, self.policy_net,
                          self.value_net)

    def sb2_parameters(self) -> list[SB2Param]:
        if self.cnn is not None:
            return self.cnn.sb2_parameters() + self._head_sb2_params()
        params = dense_sb2_params(self._shared_names, self.shared_net)
        # SB2 created the pi and vf tower layers interleaved by depth.
        for idx, (pi_layer, vf_layer) in enumerate(zip_longest(self.policy_net, self.value_net)):
            for prefix, layer in (("pi", pi_layer), ("vf", vf_layer)):
                if layer is not None:
                    params += dense_sb2_params([f"{prefix}_fc{idx}"], [layer])
        return params + self._head_sb2_params()


def mlp_towers(latent: torch.Tensor, act, shared_layers, pi_layers, vf_layers) -> tuple[torch.Tensor, torch.Tensor]:
    """
    SB2's MLP extractor: shared layers, then separate policy and value towers, ``act`` after every layer.

    :param latent: (torch.Tensor) flat input features
    :param act: (callable) the activation
    :return: ((torch.Tensor, torch.Tensor)) policy latent and value latent
    """
    for layer in shared_layers:
        latent = act(layer(latent))
    latent_pi = latent_vf = latent
    for layer in pi_layers:
        latent_pi = act(layer(latent_pi))
    for layer in vf_layers:
        latent_vf = act(layer(latent_vf))
    return latent_pi, latent_vf


class CnnPolicy(FeedForwardPolicy):
    """
    Policy object that implements actor critic, using a CNN (the Nature CNN); image inputs are scaled to [0, 1].

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network
    """

    def __init__(self, sess, ob_space, ac_space, n_env=1, n_steps=1, n_batch=None, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, reuse, feature_extraction="cnn", **_kwargs)


class MlpPolicy(FeedForwardPolicy):
    """
    Policy object that implements actor critic, using an MLP (separate 64-64 tanh pi and vf networks by default).

    :param sess: (None) ignored
    :param ob_space: (gymnasium.spaces.Space) the observation space
    :param ac_space: (gymnasium.spaces.Space) the action space
    :param n_env: (int) number of environments
    :param n_steps: (int) steps per environment per rollout
    :param n_batch: (int) batch size
    :param reuse: (bool) ignored
    :param _kwargs: (dict) extra keyword arguments for the network (``net_arch``, ``act_fun``, ``layers``)
    """

    def __init__(self, sess, ob_space, ac_space, n_env=1, n_steps=1, n_batch=None, reuse=False, **_kwargs):
        super().__init__(sess, ob_space, ac_space, n_env, n_steps, n_batch, reuse, feature_extraction="mlp", **_kwargs)


def mlp_extractor(flat_observations: torch.Tensor, net_arch, act_fun) -> tuple[torch.Tensor, torch.Tensor]:
    """
    Not available as a free function: in sb_ppo2 the MLP is built by ``FeedForwardPolicy(net_arch=...)``.

    :raises NotImplementedError: always, with the way to get the same network
    """
    raise NotImplementedError("mlp_extractor builds TensorFlow graphs in SB2; pass net_arch=... to FeedForwardPolicy "
                              "(or policy_kwargs=dict(net_arch=...)) to get the same network in sb_ppo2")


_policy_registry: dict[type, dict[str, type]] = {
    ActorCriticPolicy: {"CnnPolicy": CnnPolicy, "MlpPolicy": MlpPolicy},
}


def get_policy_from_name(base_policy_type: type, name: str) -> type:
    """
    Return the registered policy class of that name.

    :param base_policy_type: (type) the base policy class (ActorCriticPolicy)
    :param name: (str) the policy name
    :return: (type) the policy class
    """
    if base_policy_type not in _policy_registry:
        raise ValueError(f"Error: the policy type {base_policy_type} is not registered!")
    if name not in _policy_registry[base_policy_type]:
        raise ValueError(
            f"Error: unknown policy type {name}, the only registed policy type are: "
            f"{list(_policy_registry[base_policy_type].keys())}!"
        )
    return _policy_registry[base_policy_type][name]


def register_policy(name: str, policy: type) -> None:
    """
    Register a policy class under a name, so ``PPO2("name", env)`` finds it.

    :param name: (str) the policy name
    :param policy: (type) the policy class
    """
    sub_class = None
    for cls in BasePolicy.__subclasses__():
        if issubclass(policy, cls):
            sub_class = cls
            break
    if sub_class is None:
        raise ValueError(f"Error: the policy {policy} is not of any known subclasses of BasePolicy!")
    if sub_class not in _policy_registry:
        _policy_registry[sub_class] = {}
    if name in _policy_registry[sub_class]:
        raise ValueError(f"Error: the name {name} is alreay registered for a different policy, will not override.")
    _policy_registry[sub_class][name] = policy


def policy_name_of(policy: Any) -> str:
    """:return: (str) a readable name for a policy class or name"""
    return policy if isinstance(policy, str) else getattr(policy, "__name__", repr(policy))


# --- recurrent policies (sb_ppo2.common.lstm_policies), re-exported under SB2's module path ------------------
# Imported last: lstm_policies builds on the classes above.  Importing sb_ppo2 (any submodule) loads this
# module first, so the cycle always resolves here.
from sb_ppo2.common.lstm_policies import (  # noqa: E402, F401 (re-exported)
    CnnLnLstmPolicy,
    CnnLstmPolicy,
    LstmPolicy,
    MlpLnLstmPolicy,
    MlpLstmPolicy,
    RecurrentActorCriticPolicy,
)

_policy_registry[ActorCriticPolicy].update({
    "CnnLstmPolicy": CnnLstmPolicy, "CnnLnLstmPolicy": CnnLnLstmPolicy,
    "MlpLstmPolicy": MlpLstmPolicy, "MlpLnLstmPolicy": MlpLnLstmPolicy,
})
