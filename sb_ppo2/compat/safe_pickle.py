"""A restricted unpickler for model and statistics files: it builds data, never runs code from the file.

Pickles name the functions and classes they need ("globals").  ``pickle.load`` imports and calls whatever a
file names, so a crafted file can run ``os.system``.  ``SafeUnpickler`` resolves only an allow-list:

* numpy's array and scalar rebuilders, ``collections.OrderedDict``: the real objects;
* gym / gymnasium spaces: stand-ins that record the space's fields, rebuilt as gymnasium spaces afterwards;
* SB2 / sb_ppo2 policy classes: name references (``PolicyRef``), resolved against the policy registry;
* sb_ppo2's schedule classes and ``RunningMeanStd`` / ``VecNormalize`` (SB2's module paths too): real classes
  whose unpickling only sets attributes;
* cloudpickle's function-rebuilding helpers: recorders that keep their arguments as data.  A recorded
  function is never rebuilt; ``constfn`` and the zoo's ``linear_schedule`` are recognised from their
  closures and replaced by equivalent schedule objects;
* numpy random-state constructors (a space's unused ``np_random``): inert stand-ins;
* activations referenced by name (torch, or TensorFlow's in SB2 files): mapped to torch functions.

Every other global raises ``UnsafePickleError`` naming it, before anything from the file is called.
"""

from __future__ import annotations

import collections
import copyreg
import io
import pickle
import warnings
from typing import Any

import numpy as np
from gymnasium import spaces


class UnsafePickleError(pickle.UnpicklingError):
    """The file references a global that sb_ppo2 does not load (it could run code)."""


# --- stand-ins ------------------------------------------------------------------------------------------------
class _Inert:
    """Accepts any construction and state; stands for objects that are never used (e.g. a space's RNG)."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def __setstate__(self, state):
        self.state = state

    def __call__(self, *args, **kwargs):
        return _Inert(*args)


class SpaceStandIn:
    """Records the fields of a pickled gym/gymnasium space; ``to_space`` builds the gymnasium space."""

    kind = "?"

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs, self.fields = args, kwargs, {}

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slotstate)
            state = {**(state[0] or {}), **(state[1] or {})}
        self.fields = dict(state or {})

    def to_space(self) -> spaces.Space:
        """:return: (gymnasium.spaces.Space) the equivalent gymnasium space"""
        f = self.fields
        dtype = f.get("dtype")
        if self.kind == "Box":
            low, high = np.asarray(f["low"]), np.asarray(f["high"])
            dtype = np.dtype(dtype) if dtype is not None else low.dtype
            return spaces.Box(low=low.astype(dtype), high=high.astype(dtype), dtype=dtype)
        if self.kind == "Discrete":
            return spaces.Discrete(int(f["n"]), start=int(f.get("start", 0)))
        if self.kind == "MultiDiscrete":
            return spaces.MultiDiscrete(np.asarray(f["nvec"]))
        if self.kind == "MultiBinary":
            n = f["n"]
            return spaces.MultiBinary(int(n) if np.ndim(n) == 0 else [int(x) for x in np.asarray(n).ravel()])
        raise UnsafePickleError(f"unsupported space kind {self.kind}")


def _space_standin(kind: str) -> type:
    return type(f"{kind}StandIn", (SpaceStandIn,), {"kind": kind})


class PolicyRef:
    """A policy class named in a file (``module.name``); never imported from the file's module."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __repr__(self) -> str:
        return f"PolicyRef({self.module}.{self.name})"

    def __reduce__(self):
        return (PolicyRef, (self.module, self.name))


class CodeRecord:
    """The fields of a pickled code object, kept as data."""

    def __init__(self, *fields):
        self.fields = fields


class CellRecord:
    """A closure cell's content."""

    def __init__(self, *value):
        self.value = value[0] if value else None

    def set(self, value):
        self.value = value


class FunctionRecord:
    """A function that cloudpickle pickled by value, recorded as data; ``to_schedule`` recognises SB2's schedules."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.state: dict = {}
        self.closure: list = []
        names = [a for a in args if isinstance(a, str)]
        self.name = names[0] if names else None
        for arg in args:
            if isinstance(arg, tuple) and all(isinstance(c, CellRecord) for c in arg):
                self.closure = [c.value for c in arg]

    def __setstate__(self, state):
        self.fill(state)

    def fill(self, state, slotstate=None):
        if isinstance(state, tuple) and len(state) == 2 and slotstate is None:
            state, slotstate = state
        state = dict(state or {})
        state.update(slotstate or {})
        self.state.update(state)
        if "closure_values" in state and state["closure_values"] is not None:
            self.closure = list(state["closure_values"])
        if "__closure__" in state and state["__closure__"] is not None:
            self.closure = [c.value if isinstance(c, CellRecord) else c for c in state["__closure__"]]
        return self

    @property
    def qualname(self) -> str:
        return str(self.state.get("qualname") or self.state.get("__qualname__") or self.name or "")

    @property
    def module(self) -> str:
        return str(self.state.get("module") or self.state.get("__module__") or "")

    def describe(self) -> str:
        return f"{self.module}.{self.qualname}".strip(".")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"the function {self.describe()} stored in the file cannot be rebuilt safely; "
                           "pass a replacement with custom_objects={...}")


class ClassRecord:
    """
    A class that cloudpickle pickled by value (defined in ``__main__``, e.g. a custom policy), kept as data.

    Only its name is used: it becomes a ``PolicyRef`` resolved against the policy registry (a script that
    registers its policy under the same name, as the zoo's scripts do, gets its class back).
    """

    def __init__(self, type_constructor=None, name=None, bases=(), *args, **kwargs):
        self.name = name if isinstance(name, str) else "?"
        self.bases = bases
        self.state: dict = {}

    def set_state(self, state, slotstate=None) -> ClassRecord:
        if isinstance(state, dict):
            self.state.update({k: v for k, v in state.items() if isinstance(k, str) and k.startswith("__")})
        return self

    @property
    def module(self) -> str:
        module = self.state.get("__module__")
        return module if isinstance(module, str) else "__main__"


def _class_setstate(obj, state, *args):
    if isinstance(state, tuple) and len(state) == 2:
        state = state[0]
    return obj.set_state(state) if isinstance(obj, ClassRecord) else obj


def _fill_function(func, *args):
    if len(args) == 1:  # cloudpickle >= 0.5.x: _fill_function(func, state)
        return func.fill(args[0])
    # older layout: _fill_function(func, globals, defaults, dict, module, closure_values[, qualname])
    keys = ["globals", "defaults", "dict", "module", "closure_values", "qualname"]
    return func.fill(dict(zip(keys, args)))


def _function_setstate(func, state):
    return func.fill(state)


def _make_skel_func(code, *args, **kwargs):
    return FunctionRecord(code, *args)


def _builtin_type(name: str):
    recorders = {"CodeType": CodeRecord, "FunctionType": FunctionRecord, "CellType": CellRecord}
    if name not in recorders:
        raise UnsafePickleError(f"refusing to load global cloudpickle._builtin_type({name!r})")
    return recorders[name]


def _make_cell(*value):
    return CellRecord(*value)


def _cell_set(cell, value):
    cell.set(value)


def _subimport(name: str):
    return _Inert(name)


_CLOUDPICKLE_RECORDERS = {
    "_fill_function": _fill_function,
    "_make_skel_func": _make_skel_func,
    "_builtin_type": _builtin_type,
    "_make_function": FunctionRecord,
    "_make_cell": _make_cell,
    "_make_empty_cell": CellRecord,
    "_function_setstate": _function_setstate,
    "cell_set": _cell_set,
    "_make_cell_set_template_code": CodeRecord,
    "subimport": _subimport,
    "dynamic_subimport": _subimport,
    "_get_cell_contents": _Inert,
    "_make_skeleton_class": ClassRecord,
    "_class_setstate": _class_setstate,
}


def _resolve_schedule(record: FunctionRecord):
    """Replace a recorded schedule function by an equivalent picklable schedule, where it can be recognised."""
    from sb_ppo2.common.schedules import ConstantFn, LinearFn

    qualname = record.qualname
    if qualname.endswith("constfn.<locals>.func") and len(record.closure) == 1:
        warnings.warn(f"Rebuilt the pickled schedule {record.describe()} as a constant {record.closure[0]!r}")
        return ConstantFn(record.closure[0])
    if qualname.endswith("linear_schedule.<locals>.func") and len(record.closure) == 1:
        warnings.warn(f"Rebuilt the pickled schedule {record.describe()} as progress * {record.closure[0]!r}")
        return LinearFn(record.closure[0])
    return record


# --- the allow-list -------------------------------------------------------------------------------------------
_NUMPY_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy.core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy.core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "deque"): collections.deque,
    ("copyreg", "_reconstructor"): copyreg._reconstructor,
    ("builtins", "object"): object,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
}

_SPACE_KINDS = {"Box": "box", "Discrete": "discrete", "MultiDiscrete": "multi_discrete", "MultiBinary": "multi_binary"}
_SPACE_STANDINS = {kind: _space_standin(kind) for kind in _SPACE_KINDS}

_ACTIVATION_NAMES = {"tanh", "relu", "relu6", "elu", "selu", "sigmoid", "softplus", "leaky_relu", "swish", "silu", "gelu"}


def _activation_global(module: str, name: str):
    """Activations named in a file: torch's own objects, or TensorFlow's mapped onto torch by name."""
    import torch

    from sb_ppo2.common.torch_layers import get_activation

    if name.lower() in _ACTIVATION_NAMES and (module.startswith("tensorflow") or module in ("torch", "torch.nn.functional")):
        if module.startswith("tensorflow"):
            return get_activation(name.lower())
        return getattr(torch.nn.functional if module == "torch.nn.functional" else torch, name)
    if module in ("torch.nn.modules.activation", "torch.nn") and name in (
        "ReLU", "Tanh", "ELU", "SELU", "Sigmoid", "Softplus", "LeakyReLU", "SiLU", "GELU", "ReLU6", "Identity",
    ):
        return getattr(torch.nn, name)
    return None


class _TorchFunctionsRef:
    """Stands for ``torch._C._VariableFunctions``: only its activations can be fetched (see ``_restricted_getattr``)."""


def _restricted_getattr(obj: Any, name: str, *default: Any) -> Any:
    """
    ``builtins.getattr`` as files may use it: only to fetch a torch activation by name.

    cloudpickle writes ``torch.relu`` as ``getattr(torch._C._VariableFunctions, "relu")``, so a model saved with
    ``act_fun=torch.relu`` needs this; any other use (``getattr(<anything else>, ...)``) is refused.
    """
    import torch

    if isinstance(obj, _TorchFunctionsRef) and isinstance(name, str) and name.lower() in _ACTIVATION_NAMES:
        return getattr(torch, name)
    raise UnsafePickleError(f"refusing builtins.getattr({type(obj).__name__}, {name!r}): files may only use it to "
                            "name torch activations")


def _sb_class(module: str, name: str):
    """sb_ppo2's own data classes, also under SB2's module paths (``stable_baselines.*``)."""
    from sb_ppo2.common import schedules
    from sb_ppo2.common.running_mean_std import RunningMeanStd

    tail = module.split(".", 1)[1] if module.startswith(("stable_baselines.", "sb_ppo2.")) else None
    if tail is None:
        return None
    if tail == "common.running_mean_std" and name == "RunningMeanStd":
        return RunningMeanStd
    if tail == "common.vec_env.vec_normalize" and name == "VecNormalize":
        from sb_ppo2.common.vec_env.vec_normalize import VecNormalize

        return VecNormalize
    if tail == "common.schedules" and name in ("ConstantFn", "LinearFn", "ConstantSchedule", "LinearSchedule",
                                               "PiecewiseSchedule"):
        return getattr(schedules, name)
    if tail == "common.schedules" and name in ("linear_interpolation", "constant", "linear_schedule", "middle_drop",
                                               "double_linear_con", "double_middle_drop", "constfn"):
        return getattr(schedules, name)
    if tail == "common.torch_layers" and name in ("nature_cnn", "NatureCNN"):
        from sb_ppo2.common import torch_layers

        return getattr(torch_layers, name)
    return None


class SafeUnpickler(pickle.Unpickler):
    """
    ``pickle.Unpickler`` that resolves only allow-listed globals (see the module docstring).

    :param file: (file) binary file object
    """

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in _NUMPY_GLOBALS:
            return _NUMPY_GLOBALS[key]
        if module.startswith("numpy.random") or key == ("numpy.random", "__RandomState_ctor"):
            return _Inert
        if module.startswith(("gym.spaces", "gymnasium.spaces")) and name in _SPACE_KINDS:
            return _SPACE_STANDINS[name]
        if module.startswith("cloudpickle") and name in _CLOUDPICKLE_RECORDERS:
            return _CLOUDPICKLE_RECORDERS[name]
        if key == ("builtins", "type"):
            return _Inert  # only ever the first argument of a recorded skeleton class
        if key == ("builtins", "getattr"):
            return _restricted_getattr
        if key in (("torch._C", "_VariableFunctions"), ("torch._C", "_VariableFunctionsClass")):
            return _TorchFunctionsRef()
        resolved = _sb_class(module, name)
        if resolved is not None:
            return resolved
        resolved = _activation_global(module, name)
        if resolved is not None:
            return resolved
        if name.endswith("Policy") and name.isidentifier() and "." not in name and _is_policy_module(module):
            return PolicyRef(module, name)
        raise UnsafePickleError(
            f"refusing to load global '{module}.{name}': sb_ppo2 only loads data (arrays, spaces, parameters, "
            "schedules), never code named by a file. If you trust this file and need the object, pass a "
            "replacement with custom_objects={...}"
        )


def _is_policy_module(module: str) -> bool:
    # Custom policy classes live in users' modules (the zoo's utils.utils); refuse modules that are known to
    # hold dangerous callables even if a name ends in "Policy".
    blocked = ("os", "posix", "nt", "subprocess", "builtins", "sys", "shutil", "importlib", "socket", "pty", "runpy")
    return module.split(".")[0] not in blocked


def safe_loads(data: bytes) -> Any:
    """
    Unpickle bytes with the allow-list, then turn recorded spaces and schedules into real objects.

    :param data: (bytes) pickle bytes
    :return: (object)
    """
    return finalize(SafeUnpickler(io.BytesIO(data)).load())


def safe_load(file) -> Any:
    """
    Unpickle a binary file object with the allow-list (see ``safe_loads``).

    :param file: (file) binary file object
    :return: (object)
    """
    return finalize(SafeUnpickler(file).load())


def finalize(obj: Any, _depth: int = 0) -> Any:
    """
    Replace stand-ins inside containers: spaces → gymnasium spaces, recognised schedule functions → schedules.

    :param obj: (object) the unpickled object
    :return: (object)
    """
    if _depth > 50:
        return obj
    if isinstance(obj, SpaceStandIn):
        return obj.to_space()
    if isinstance(obj, FunctionRecord):
        return _resolve_schedule(obj)
    if isinstance(obj, ClassRecord):
        return PolicyRef(obj.module, obj.name)
    if isinstance(obj, collections.OrderedDict):
        return collections.OrderedDict((k, finalize(v, _depth + 1)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: finalize(v, _depth + 1) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finalize(v, _depth + 1) for v in obj]
    if isinstance(obj, tuple):
        return tuple(finalize(v, _depth + 1) for v in obj)
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("sb_ppo2.common.vec_env"):
        for key, value in list(vars(obj).items()):
            vars(obj)[key] = finalize(value, _depth + 1)
    return obj
