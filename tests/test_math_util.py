"""math_util and misc_util helpers, checked against hand-computed values."""

import argparse
import importlib.util
import random

import numpy as np
import pytest
import torch
from gymnasium import spaces

from sb_ppo2.common.math_util import (
    discount,
    discount_with_boundaries,
    explained_variance,
    explained_variance_2d,
    flatten_arrays,
    safe_mean,
    scale_action,
    unflatten_vector,
    unscale_action,
)
from sb_ppo2.common.misc_util import boolean_flag, flatten_lists, mpi_rank_or_zero, set_global_seeds, zipsame

# ---------------------------------------------------------------- math_util


def test_safe_mean():
    assert np.isnan(safe_mean([]))
    assert safe_mean([1, 2, 6]) == 3.0
    assert safe_mean(np.array([0.5])) == 0.5


def test_explained_variance_hand_computed():
    y_true = np.array([1.0, 2.0, 3.0, 4.0])  # var = 1.25
    assert explained_variance(y_true.copy(), y_true) == 1.0
    assert explained_variance(np.zeros(4), y_true) == 0.0
    # residual [0, 0, 0, -1]: var = 0.1875, so 1 - 0.1875 / 1.25 = 0.85
    assert explained_variance(np.array([1.0, 2.0, 3.0, 5.0]), y_true) == pytest.approx(0.85)


def test_explained_variance_constant_target_is_nan_and_needs_1d():
    assert np.isnan(explained_variance(np.array([1.0, 2.0]), np.array([3.0, 3.0])))
    with pytest.raises(AssertionError):
        explained_variance(np.zeros((2, 1)), np.zeros((2, 1)))


def test_explained_variance_2d_per_column_and_constant_columns_zeroed():
    y_true = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    y_pred = np.array([[1.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    # column 0: residual [0, 0, -1] has var 2/9, target var 2/3 -> 1 - 1/3; column 1 is constant -> 0
    np.testing.assert_allclose(explained_variance_2d(y_pred, y_true), [2.0 / 3.0, 0.0])
    with pytest.raises(AssertionError):
        explained_variance_2d(np.zeros(3), np.zeros(3))


def test_discount_reverse_cumulative_sum():
    np.testing.assert_allclose(discount(np.array([1.0, 1.0, 1.0]), 0.5), [1.75, 1.5, 1.0])
    # along axis 0 of a 2-D array; int input gives float output
    result = discount(np.array([[1, 2], [3, 4]]), 0.9)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [[1 + 0.9 * 3, 2 + 0.9 * 4], [3, 4]])


def test_discount_with_boundaries_cuts_at_episode_starts():
    rewards = np.array([1.0, 1.0, 1.0, 1.0])
    episode_starts = np.array([0, 0, 1, 0])
    # t=3: 1; t=2: 1 + .5*1; t=1: next step starts an episode -> 1; t=0: 1 + .5*1
    np.testing.assert_allclose(discount_with_boundaries(rewards, episode_starts, 0.5), [1.5, 1.0, 1.5, 1.0])


def test_flatten_and_unflatten_round_trip():
    arrays = [np.arange(6.0).reshape(2, 3), np.array(7.0), np.array([8.0, 9.0])]
    flat = flatten_arrays(arrays)
    np.testing.assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 7, 8, 9])
    restored = unflatten_vector(flat, [(2, 3), (), (2,)])
    assert [arr.shape for arr in restored] == [(2, 3), (), (2,)]
    for original, back in zip(arrays, restored):
        np.testing.assert_array_equal(original, back)


def test_scale_and_unscale_action():
    space = spaces.Box(low=np.array([0.0, -2.0]), high=np.array([10.0, 2.0]), dtype=np.float64)
    np.testing.assert_allclose(scale_action(space, np.array([5.0, 1.0])), [0.0, 0.5])
    np.testing.assert_allclose(scale_action(space, np.array([0.0, 2.0])), [-1.0, 1.0])
    np.testing.assert_allclose(unscale_action(space, np.array([0.0, 0.5])), [5.0, 1.0])
    action = np.array([3.0, -0.4])
    np.testing.assert_allclose(unscale_action(space, scale_action(space, action)), action)


# ---------------------------------------------------------------- misc_util


def _draw():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def test_set_global_seeds_seeds_torch_numpy_and_random():
    set_global_seeds(123)
    first = _draw()
    set_global_seeds(123)
    assert _draw() == first
    set_global_seeds(124)
    assert _draw() != first
    set_global_seeds(None)  # accepted: fresh entropy everywhere


def test_zipsame():
    assert list(zipsame([1, 2], "ab")) == [(1, "a"), (2, "b")]
    with pytest.raises(AssertionError):
        zipsame([1, 2], [1])


def test_boolean_flag():
    parser = argparse.ArgumentParser()
    boolean_flag(parser, "use-gpu", default=True, help_msg="run on the GPU")
    assert parser.parse_args([]).use_gpu is True
    assert parser.parse_args(["--no-use-gpu"]).use_gpu is False
    assert parser.parse_args(["--use-gpu"]).use_gpu is True
    parser = argparse.ArgumentParser()
    boolean_flag(parser, "render")
    assert parser.parse_args([]).render is False


@pytest.mark.skipif(importlib.util.find_spec("mpi4py") is not None, reason="mpi4py installed")
def test_mpi_rank_or_zero_without_mpi():
    assert mpi_rank_or_zero() == 0


def test_flatten_lists():
    assert flatten_lists([[1, 2], [], [3]]) == [1, 2, 3]
