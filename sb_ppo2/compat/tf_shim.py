"""What ``import tensorflow as tf`` gives a script under the compat runner.

SB2 scripts mostly touch TensorFlow to pick an activation: ``policy_kwargs=dict(act_fun=tf.nn.relu)``.  The
shim offers SB2's activations (``tf.nn.relu``, ``tf.nn.tanh``, ``tf.tanh``, ...) as small functions on torch
tensors, named as TensorFlow named them: sb_ppo2's policies map them by name, and a model file saved with
them references ``tensorflow.nn.<name>``, which sb_ppo2's safe loader maps back to torch without TensorFlow.
Any other TensorFlow symbol raises ``TensorFlowNotSupportedError`` naming it.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import torch
from torch.nn import functional

__version__ = "1.15.0-sb_ppo2-shim"


class TensorFlowNotSupportedError(NotImplementedError, ModuleNotFoundError):
    """
    A TensorFlow symbol that sb_ppo2's shim does not provide (only SB2's activations are provided).

    It is a ``NotImplementedError`` and an ``ImportError``, so ``from tensorflow import x`` and
    ``import tensorflow.x`` report the symbol too (an ``AttributeError`` would be swallowed into a generic
    "cannot import name").

    :param symbol: (str) the full TensorFlow name, e.g. ``tensorflow.layers.dense``
    """

    def __init__(self, symbol: str):
        super().__init__(f"{symbol} is not supported: sb_ppo2 runs on PyTorch and its TensorFlow shim only provides "
                         f"SB2's activation functions ({', '.join(sorted(_NN))}) for policy_kwargs' act_fun")
        self.symbol = symbol


def _activation(name: str, fn, module: str):
    """A named activation function on torch tensors, pickled by reference as ``<module>.<name>``."""

    def activation(x: Any, *args: Any, **kwargs: Any) -> torch.Tensor:
        return fn(torch.as_tensor(x), *args, **kwargs)

    activation.__name__ = activation.__qualname__ = name
    activation.__module__ = module
    activation.__doc__ = f"TensorFlow's {module}.{name}, computed with torch."
    return activation


_NN_FUNCS = {
    "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "elu": functional.elu,
    "selu": functional.selu, "softplus": functional.softplus, "relu6": functional.relu6,
    "leaky_relu": functional.leaky_relu, "swish": functional.silu, "silu": functional.silu, "gelu": functional.gelu,
}
_NN = {name: _activation(name, fn, "tensorflow.nn") for name, fn in _NN_FUNCS.items()}
_TOP = {name: _activation(name, _NN_FUNCS[name], "tensorflow") for name in ("tanh", "sigmoid")}


class _ShimModule(types.ModuleType):
    """A module that raises ``TensorFlowNotSupportedError`` for anything it does not define."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise TensorFlowNotSupportedError(f"{self.__name__}.{name}")


nn = _ShimModule("tensorflow.nn", "SB2's activation functions (torch-backed).")
nn.__dict__.update(_NN)
compat = _ShimModule("tensorflow.compat", "tf.compat.v1 is the same shim.")
globals().update(_TOP)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise TensorFlowNotSupportedError(f"tensorflow.{name}")


compat.__dict__["v1"] = sys.modules[__name__]  # tf.compat.v1.nn.relu works as tf.nn.relu
