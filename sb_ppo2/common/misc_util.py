"""Miscellaneous helpers (SB2's ``stable_baselines.common.misc_util``): seeding, argparse flags, MPI rank."""

import argparse
import random
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def zipsame(*seqs: Sequence[Any]) -> Iterable[tuple[Any, ...]]:
    """
    Performs a zip function, but asserts that all zipped sequences have the same length.

    :param seqs: (list) sequences that are zipped together
    :return: (zip) the zipped arguments
    """
    length = len(seqs[0])
    assert all(len(seq) == length for seq in seqs[1:])
    return zip(*seqs)


def set_global_seeds(seed: int | None) -> None:
    """
    Set the seed for torch (all devices), numpy.random and Python's random module.

    SB2 seeded the TensorFlow graph here; torch plays that role in this port.

    :param seed: (int) the seed; None re-seeds every generator from fresh entropy
    """
    # Imported here so that modules using only the other helpers (e.g. the logger) stay light.
    import torch

    if seed is None:
        # torch.manual_seed(None) is a TypeError; torch.seed() draws a non-deterministic seed instead.
        torch.seed()
    else:
        torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def boolean_flag(parser: argparse.ArgumentParser, name: str, default: bool = False,
                 help_msg: str | None = None) -> None:
    """
    Add a boolean flag to an argparse parser.

    :param parser: (argparse.ArgumentParser) parser to add the flag to
    :param name: (str) --<name> will enable the flag, while --no-<name> will disable it
    :param default: (bool) default value of the flag
    :param help_msg: (str) help string for the flag
    """
    dest = name.replace('-', '_')
    parser.add_argument("--" + name, action="store_true", default=default, dest=dest, help=help_msg)
    parser.add_argument("--no-" + name, action="store_false", dest=dest)


def mpi_rank_or_zero() -> int:
    """
    Return the MPI rank if mpi4py is installed. Otherwise, return 0.

    :return: (int) the rank of this process in MPI.COMM_WORLD, or 0
    """
    try:
        from mpi4py import MPI
    except ImportError:
        return 0
    return MPI.COMM_WORLD.Get_rank()


def flatten_lists(listoflists: Iterable[Iterable[Any]]) -> list[Any]:
    """
    Flatten a Python list of lists by one level.

    :param listoflists: (list(list)) the nested lists
    :return: (list) the concatenated elements
    """
    return [element for sublist in listoflists for element in sublist]
