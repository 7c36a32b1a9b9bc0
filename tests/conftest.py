"""Shared fixtures: where the SB2 zoo fixtures live (beside the clone in CI; absent on a user's clone)."""

from __future__ import annotations

import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "fixtures", "sb2_zoo")


@pytest.fixture
def zoo_dir() -> str:
    """Folder of the rl-baselines-zoo fixtures; tests that need it skip when it is absent."""
    if not os.path.isdir(ZOO_DIR):
        pytest.skip(f"SB2 zoo fixtures not found at {ZOO_DIR} (they live in ../shared beside the clone, CI only)")
    return ZOO_DIR
