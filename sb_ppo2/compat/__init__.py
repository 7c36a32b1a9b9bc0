"""Compatibility with Stable-Baselines 2 scripts and files.

* ``install()`` makes ``import stable_baselines`` (every SB2 module path), ``import gym`` (a legacy adapter over
  gymnasium speaking gym 0.17's API) and ``import tensorflow`` (a tiny shim for activations in
  ``policy_kwargs``) resolve to sb_ppo2; ``python -m sb_ppo2.compat script.py [args...]`` (or ``sb2-run``)
  installs it and runs an unchanged SB2 script.  Without either, nothing is aliased.
* ``safe_pickle`` reads SB2 model and statistics pickles without running code from them; ``sb2_policies`` names
  the parameter lists of old files; ``env_ids`` maps old env ids to their gymnasium successors.
"""

from __future__ import annotations


def install() -> None:
    """Alias ``stable_baselines``, ``gym`` and ``tensorflow`` onto sb_ppo2 in this process (and its children)."""
    from sb_ppo2.compat.importer import install as _install

    _install()


def uninstall() -> None:
    """Remove the aliases installed by ``install``."""
    from sb_ppo2.compat.importer import uninstall as _uninstall

    _uninstall()


def is_installed() -> bool:
    """:return: (bool) whether ``install`` is in effect"""
    from sb_ppo2.compat.importer import is_installed as _is_installed

    return _is_installed()


__all__ = ["install", "is_installed", "uninstall"]
