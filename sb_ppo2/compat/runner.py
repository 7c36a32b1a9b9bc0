"""The ``sb2-run`` / ``python -m sb_ppo2.compat`` runner: install the aliases, then run a script as ``__main__``."""

from __future__ import annotations

import os
import runpy
import sys

USAGE = """usage: python -m sb_ppo2.compat script.py [args ...]
       python -m sb_ppo2.compat -m module [args ...]

Runs a script written for stable_baselines 2.x and gym <= 0.17 unchanged: `stable_baselines`, `gym` and
`tensorflow` (activations only) resolve to sb_ppo2, its legacy gym adapter and a TensorFlow shim."""


def main(argv: list[str] | None = None) -> int:
    """
    Run a legacy script (or module) with the compat aliases installed.

    :param argv: ([str]) ``[script, *args]`` or ``["-m", module, *args]`` (default: ``sys.argv[1:]``)
    :return: (int) the exit status (a ``SystemExit`` raised by the script propagates)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 0 if argv else 2
    script = argv[0]
    if script != "-m" and not os.path.isfile(script):
        print(f"sb2-run: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    from sb_ppo2.compat import install

    install()
    if script == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    sys.argv = argv
    # As `python script.py` does: the script's folder comes first on the import path.
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0
