"""Network building blocks with SB2's layer layout and initialisation (orthogonal, SB2's gains)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

# SB2's activations by name, so scripts that passed `tf.nn.relu`-like callables (or strings) keep working.
_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "relu6": nn.functional.relu6,
    "elu": nn.functional.elu,
    "selu": nn.functional.selu,
    "sigmoid": torch.sigmoid,
    "softplus": nn.functional.softplus,
    "leaky_relu": nn.functional.leaky_relu,
    "swish": nn.functional.silu,
    "silu": nn.functional.silu,
    "gelu": nn.functional.gelu,
    "identity": lambda x: x,
}


class SB2Param(NamedTuple):
    """How one torch parameter is written in SB2's files: its TF name and its layout kind."""

    name: str  # TF variable name, e.g. "model/pi_fc0/w:0"
    tensor: torch.Tensor
    kind: str  # "dense": [out,in] <-> [in,out]; "plain": same layout; "conv_w": OIHW <-> HWIO; "conv_b": [C] <-> [1,C,1,1]


def dense_sb2_params(names: Iterable[str], layers: Iterable[nn.Linear]) -> list[SB2Param]:
    """
    SB2's variables of dense layers: ``model/<name>/w:0`` ([in, out]) and ``model/<name>/b:0`` per layer.

    :param names: ([str]) the TF scope of each layer (e.g. ``pi_fc0``)
    :param layers: ([nn.Linear]) the layers
    :return: ([SB2Param])
    """
    params: list[SB2Param] = []
    for name, layer in zip(names, layers):
        params += [SB2Param(f"model/{name}/w:0", layer.weight, "dense"),
                   SB2Param(f"model/{name}/b:0", layer.bias, "plain")]
    return params


def get_activation(act_fun) -> Callable[[torch.Tensor], torch.Tensor]:
    """
    Turn SB2's ``act_fun`` into a function on tensors.

    Accepts a torch function (``torch.tanh``), an ``nn.Module`` class or instance (``nn.ReLU``), a name
    (``"relu"``), or any callable whose ``__name__`` is one of SB2's activations (``tf.nn.relu`` under the
    compat runner's TensorFlow shim).

    :param act_fun: (callable or str) the activation
    :return: (callable)
    """
    if isinstance(act_fun, str):
        key = act_fun.lower()
        if key not in _ACTIVATIONS:
            raise ValueError(f"act_fun: unknown activation {act_fun!r}; known: {sorted(_ACTIVATIONS)}")
        return _ACTIVATIONS[key]
    if isinstance(act_fun, type) and issubclass(act_fun, nn.Module):
        return act_fun()
    if isinstance(act_fun, nn.Module):
        return act_fun
    if not callable(act_fun):
        raise ValueError(f"act_fun must be a callable or an activation name, got {act_fun!r}")
    name = getattr(act_fun, "__name__", "")
    module = getattr(act_fun, "__module__", "") or ""
    if not module.startswith("torch") and name.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[name.lower()]
    return act_fun


def ortho_init_(layer: nn.Module, gain: float) -> nn.Module:
    """
    SB2's initialisation: orthogonal weights scaled by ``gain``, zero biases.

    :param layer: (nn.Linear or nn.Conv2d) the layer
    :param gain: (float) the scale
    :return: (nn.Module) the same layer
    """
    nn.init.orthogonal_(layer.weight, gain=gain)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
    return layer


def linear(n_in: int, n_out: int, gain: float = 1.0) -> nn.Linear:
    """
    A dense layer initialised as SB2's ``linear(..., init_scale=gain)``.

    :param n_in: (int) input size
    :param n_out: (int) output size
    :param gain: (float) orthogonal gain
    """
    return ortho_init_(nn.Linear(n_in, n_out), gain)


class NatureCNN(nn.Module):
    """
    The CNN of Mnih et al. (2015) with SB2's layer names ``c1, c2, c3, fc1``.  Input is NHWC (as the
    environments give it); it is permuted to NCHW inside.  The flatten after ``c3`` is done in NHWC order
    so that SB2's ``fc1`` weights map without a permutation of rows.

    :param observation_shape: ((int, int, int)) height, width, channels
    :param act_fun: (callable) activation (SB2: ReLU)
    """

    def __init__(self, observation_shape, act_fun=torch.relu, **_kwargs):
        super().__init__()
        height, width, channels = observation_shape
        self.act = get_activation(act_fun)
        self.c1 = ortho_init_(nn.Conv2d(channels, 32, 8, stride=4), math.sqrt(2))
        self.c2 = ortho_init_(nn.Conv2d(32, 64, 4, stride=2), math.sqrt(2))
        self.c3 = ortho_init_(nn.Conv2d(64, 64, 3, stride=1), math.sqrt(2))
        with torch.no_grad():
            out = self._convs(torch.zeros(1, channels, height, width))
        self.conv_output_shape = tuple(out.shape[1:])  # (C, H, W)
        self.fc1 = linear(int(np.prod(self.conv_output_shape)), 512, gain=math.sqrt(2))
        self.latent_dim = 512

    def sb2_parameters(self) -> list[SB2Param]:
        """:return: ([SB2Param]) ``c1, c2, c3, fc1`` as SB2 named and laid them out"""
        params: list[SB2Param] = []
        for name in ("c1", "c2", "c3"):
            conv = getattr(self, name)
            params += [SB2Param(f"model/{name}/w:0", conv.weight, "conv_w"),
                       SB2Param(f"model/{name}/b:0", conv.bias, "conv_b")]
        return params + dense_sb2_params(["fc1"], [self.fc1])

    def _convs(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.c3(self.act(self.c2(self.act(self.c1(x))))))

    def forward(self, images_nhwc: torch.Tensor) -> torch.Tensor:
        conv = self._convs(images_nhwc.permute(0, 3, 1, 2))
        return self.act(self.fc1(conv.permute(0, 2, 3, 1).flatten(1)))


def nature_cnn(observation_shape, **kwargs) -> NatureCNN:
    """
    SB2's default ``cnn_extractor``: build the Nature CNN for observations of ``observation_shape``.

    A custom ``cnn_extractor`` is any callable ``f(observation_shape, **kwargs)`` returning an ``nn.Module``
    that maps a float (batch, H, W, C) tensor to a flat latent and has a ``latent_dim`` attribute.

    :param observation_shape: ((int, int, int)) height, width, channels
    :return: (NatureCNN)
    """
    return NatureCNN(observation_shape, **kwargs)


def tower_sizes(layer: dict) -> tuple[list, list]:
    """
    The ``dict(pi=[...], vf=[...])`` entry of SB2's ``net_arch`` (either key may be missing).

    :param layer: (dict) the entry
    :return: ((list, list)) the policy and value tower widths, as given
    """
    pi_layers, vf_layers = layer.get("pi", []), layer.get("vf", [])
    assert isinstance(pi_layers, list), "Error: net_arch[-1]['pi'] must contain a list of integers."
    assert isinstance(vf_layers, list), "Error: net_arch[-1]['vf'] must contain a list of integers."
    return pi_layers, vf_layers


def parse_net_arch(net_arch) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """
    Split SB2's ``net_arch`` into shared layers and the policy / value towers.

    Leading ints are shared layers (named ``shared_fc{index in net_arch}``); then an optional dict with
    ``pi`` and/or ``vf`` lists; anything after the dict is ignored, as in SB2.

    :param net_arch: (list) e.g. ``[128, dict(pi=[64], vf=[32, 32])]``
    :return: (tuple) ``(shared, pi_layers, vf_layers)`` where ``shared`` is a list of ``(index, width)``
    """
    shared: list[tuple[int, int]] = []
    pi_layers: list[int] = []
    vf_layers: list[int] = []
    for idx, layer in enumerate(net_arch):
        if isinstance(layer, bool) or not isinstance(layer, int | dict):
            raise AssertionError("Error: the net_arch list can only contain ints and dicts")
        if isinstance(layer, int):
            shared.append((idx, layer))
            continue
        pi_layers, vf_layers = tower_sizes(layer)
        for width in pi_layers + vf_layers:
            assert isinstance(width, int) and not isinstance(width, bool), "Error: net_arch[-1]['pi'/'vf'] must contain ints."
        break
    return shared, pi_layers, vf_layers
