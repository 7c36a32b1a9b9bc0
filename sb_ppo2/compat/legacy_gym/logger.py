"""gym 0.17's ``gym.logger``: levels and ``set_level`` (applied to gymnasium's logger too)."""

from __future__ import annotations

import warnings
from typing import Any

from gymnasium import logger as _gymnasium_logger

DEBUG = 10
INFO = 20
WARN = 30
ERROR = 40
DISABLED = 50

MIN_LEVEL = WARN


def set_level(level: int) -> None:
    """
    Set the minimum level of messages shown (gym's and gymnasium's).

    :param level: (int) DEBUG, INFO, WARN, ERROR or DISABLED
    """
    global MIN_LEVEL
    MIN_LEVEL = level
    _gymnasium_logger.min_level = level


def debug(msg: str, *args: Any) -> None:
    """Print a debug message."""
    if MIN_LEVEL <= DEBUG:
        print(f"DEBUG: {msg % args}")


def info(msg: str, *args: Any) -> None:
    """Print an informative message."""
    if MIN_LEVEL <= INFO:
        print(f"INFO: {msg % args}")


def warn(msg: str, *args: Any) -> None:
    """Issue a warning."""
    if MIN_LEVEL <= WARN:
        warnings.warn(f"WARN: {msg % args}", stacklevel=2)


def error(msg: str, *args: Any) -> None:
    """Print an error message."""
    if MIN_LEVEL <= ERROR:
        print(f"ERROR: {msg % args}")


setLevel = set_level
warning = warn
