"""The import hook behind ``sb_ppo2.compat.install()``: ``stable_baselines``, ``gym`` and ``tensorflow`` resolve
to sb_ppo2, its legacy gym adapter and its TensorFlow shim.

Aliased paths serve the *same* module objects as sb_ppo2 where nothing needs adding, so module-level state (the
logger, the policy registry) is shared and ``isinstance`` checks hold.  Where SB2 had names sb_ppo2 lacks, a
facade module answers from the real module first, then from the placeholders.

Child processes (``SubprocVecEnv`` with ``spawn`` / ``forkserver``) re-import the script: the hook is installed
in them before that, through an entry added to multiprocessing's preparation data.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

from sb_ppo2.compat import aliases, sb2_placeholders

# Importers living in these folders probe for optional packages (`import tensorflow` in tensorboard, ...);
# they must keep seeing what is really installed, not the script-facing shims.
_LIBRARY_MARKERS = ("site-packages", "dist-packages")
_GUARDED_ROOTS = ("tensorflow", "gym")


class FacadeModule(types.ModuleType):
    """
    A module that serves the attributes of a real module, then extra names, then (optionally) placeholders.

    :param name: (str) the aliased module path
    :param real: (module) the module to look up first (None for none)
    :param extras: (dict) names added on top
    :param generic: (bool) unknown public names become placeholders
    """

    def __init__(self, name: str, real: Any, extras: dict[str, Any], generic: bool):
        super().__init__(name, getattr(real, "__doc__", None))
        self.__path__: list[str] = []  # a package, so that deeper aliased paths can be imported below it
        self._sb_real, self._sb_extras, self._sb_generic = real, extras, generic
        public = [k for k in dir(real) if not k.startswith("_")] if real is not None else []
        self.__all__ = list(getattr(real, "__all__", public)) + [k for k in extras if not k.startswith("_")]

    def __getattr__(self, name: str) -> Any:
        real = self.__dict__.get("_sb_real")
        if real is not None and hasattr(real, name):
            return getattr(real, name)
        extras = self.__dict__.get("_sb_extras", {})
        if name in extras:
            return extras[name]
        if self.__dict__.get("_sb_generic") and not name.startswith("__") and name.isidentifier():
            value = sb2_placeholders.placeholder_for(self.__name__, name)
            setattr(self, name, value)  # one placeholder per name, so subclass checks stay consistent
            return value
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__all__))


class _AliasLoader(importlib.abc.Loader):
    """Serves an existing module (or a facade over it) under the aliased name."""

    def __init__(self, fullname: str, target: aliases.AliasTarget):
        self.fullname, self.target = fullname, target
        self._saved: dict[str, Any] = {}

    def create_module(self, spec) -> types.ModuleType:
        real = aliases.load_target(self.target.target) if self.target.target else None
        if self.target.extras is None and not self.target.generic:
            # importlib stamps __spec__ (and __path__ when missing) on whatever we return: keep the real ones.
            self._saved = {key: getattr(real, key) for key in ("__spec__", "__path__") if hasattr(real, key)}
            self._saved["__had_path__"] = hasattr(real, "__path__")
            return real
        extras = self.target.extras() if self.target.extras else {}
        return FacadeModule(self.fullname, real, extras, self.target.generic)

    def exec_module(self, module: types.ModuleType) -> None:
        if self.fullname == "tensorflow":
            # Functions named tensorflow.nn.<act> pickle by reference only if that module is registered.
            sys.modules.setdefault("tensorflow.nn", module.nn)
        if isinstance(module, FacadeModule) or not self._saved:
            return
        module.__spec__ = self._saved.get("__spec__")
        if not self._saved["__had_path__"] and "__path__" in module.__dict__:
            del module.__path__


class AliasFinder(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` finder for ``stable_baselines.*``, ``gym.*`` and ``tensorflow.*``."""

    def find_spec(self, fullname: str, path=None, target=None):
        root = fullname.partition(".")[0]
        if root not in aliases.ROOTS:
            return None
        if root in _GUARDED_ROOTS and _imported_by_library():
            return None
        alias = aliases.resolve(fullname)
        if alias is None:
            return None
        is_package = alias.target is None or alias.extras is not None or alias.generic or _target_is_package(alias)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, alias), is_package=is_package)


def _target_is_package(alias: aliases.AliasTarget) -> bool:
    try:
        return hasattr(aliases.load_target(alias.target), "__path__")
    except ImportError:
        return False


def _imported_by_library() -> bool:
    """Whether the code importing right now is an installed library (not the user's script or sb_ppo2)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<frozen") and "importlib" not in filename and frame.f_globals.get(
                "__name__", "") != __name__:
            return any(marker in filename for marker in _LIBRARY_MARKERS)
        frame = frame.f_back
    return False


# --- install / uninstall --------------------------------------------------------------------------------------
_FINDER = AliasFinder()
_CHILD_KEY = "sb_ppo2_compat_install"


class _InstallInChild:
    """Unpickled in a multiprocessing child before the script is re-imported there: installs the hook."""

    def __reduce__(self):
        from sb_ppo2 import compat

        return (compat.install, ())


def install() -> None:
    """Install the hook (idempotent), and make spawned / forkserver children install it too."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    _patch_multiprocessing()


def uninstall() -> None:
    """Remove the hook and forget the aliased modules (the real sb_ppo2 modules stay imported)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n.partition(".")[0] in aliases.ROOTS]:
        module = sys.modules[name]
        if isinstance(module, FacadeModule) or getattr(module, "__name__", name) != name:
            del sys.modules[name]
    _unpatch_multiprocessing()


def is_installed() -> bool:
    """:return: (bool) whether the hook is active"""
    return _FINDER in sys.meta_path


_original_preparation_data = None


def _patch_multiprocessing() -> None:
    global _original_preparation_data
    from multiprocessing import forkserver, spawn

    if _original_preparation_data is None:
        _original_preparation_data = spawn.get_preparation_data

        def get_preparation_data(name):
            data = _original_preparation_data(name)
            data[_CHILD_KEY] = _InstallInChild()
            return data

        spawn.get_preparation_data = get_preparation_data
    # The fork server would import the script before any child data arrives: preload the hook instead.
    server = forkserver._forkserver
    if "__main__" in server._preload_modules:
        server.set_forkserver_preload(["sb_ppo2.compat._child"])


def _unpatch_multiprocessing() -> None:
    global _original_preparation_data
    from multiprocessing import spawn

    if _original_preparation_data is not None:
        spawn.get_preparation_data = _original_preparation_data
        _original_preparation_data = None
