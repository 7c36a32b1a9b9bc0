"""Small numpy helpers shared by the algorithms (SB2's ``stable_baselines.common.math_util``)."""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # gymnasium is only needed for the annotations
    from gymnasium import spaces


def safe_mean(arr: Sequence[float]) -> float:
    """
    Compute the mean of an array if there is at least one element.
    For an empty array, return NaN. It is used for logging only.

    :param arr: (np.ndarray or list) the values
    :return: (float) the mean, or NaN for empty input
    """
    return np.nan if len(arr) == 0 else np.mean(arr)


def discount(vector: np.ndarray, gamma: float) -> np.ndarray:
    """
    Computes discounted sums along the 0th dimension of vector:
    ``y[t] = x[t] + gamma*x[t+1] + gamma^2*x[t+2] + ... + gamma^k x[t+k]`` where ``k = len(x) - t - 1``

    :param vector: (np.ndarray) the input vector (at least 1-D)
    :param gamma: (float) the discount value
    :return: (np.ndarray) the output vector, float64 (as SB2's scipy filter returns)
    """
    assert vector.ndim >= 1
    out = np.empty(vector.shape, dtype=np.result_type(vector.dtype, np.float64))
    running = np.zeros(vector.shape[1:], dtype=out.dtype)
    for step in range(len(vector) - 1, -1, -1):
        running = vector[step] + gamma * running
        out[step] = running
    return out


def explained_variance(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """
    Computes the fraction of variance that y_pred explains about y_true:
    ``1 - Var[y_true - y_pred] / Var[y_true]``

    interpretation:
        ev=0  =>  might as well have predicted zero
        ev=1  =>  perfect prediction
        ev<0  =>  worse than just predicting zero

    :param y_pred: (np.ndarray) the prediction, 1-D
    :param y_true: (np.ndarray) the expected value, 1-D
    :return: (float) explained variance of y_pred and y_true (NaN if y_true is constant)
    """
    assert y_true.ndim == 1 and y_pred.ndim == 1
    var_y = np.var(y_true)
    return np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y


def explained_variance_2d(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """
    Column-wise explained variance of 2-D arrays: ``1 - Var[y_true - y_pred] / Var[y_true]``
    per column, with columns whose ``Var[y_true] < 1e-10`` set to 0.

    Note: SB2 (inherited from OpenAI baselines) divided the variance of the *whole* residual
    matrix by the per-column variances; here the residual variance is per column too, which is
    what the function documents.

    :param y_pred: (np.ndarray) the prediction, 2-D
    :param y_true: (np.ndarray) the expected value, 2-D
    :return: (np.ndarray) explained variance of each column
    """
    assert y_true.ndim == 2 and y_pred.ndim == 2
    var_y = np.var(y_true, axis=0)
    # Constant columns are zeroed below; silence the division warning they would raise first.
    with np.errstate(divide='ignore', invalid='ignore'):
        explained_var = 1 - np.var(y_true - y_pred, axis=0) / var_y
    explained_var[var_y < 1e-10] = 0
    return explained_var


def flatten_arrays(arrs: Iterable[np.ndarray]) -> np.ndarray:
    """
    Flattens a list of arrays down to one 1-D array.

    :param arrs: ([np.ndarray]) arrays
    :return: (np.ndarray) 1-D flattened array
    """
    return np.concatenate([np.ravel(arr) for arr in arrs])


def unflatten_vector(vec: np.ndarray, shapes: Iterable[tuple[int, ...]]) -> list[np.ndarray]:
    """
    Reshape a flattened array back into arrays of the given shapes (inverse of ``flatten_arrays``).

    :param vec: (np.ndarray) 1-D array
    :param shapes: ([tuple]) the shapes, in order
    :return: ([np.ndarray]) the reshaped arrays
    """
    start = 0
    arrs = []
    for shape in shapes:
        size = int(np.prod(shape))
        arrs.append(vec[start:start + size].reshape(shape))
        start += size
    return arrs


def discount_with_boundaries(rewards: np.ndarray, episode_starts: np.ndarray, gamma: float) -> np.ndarray:
    """
    Computes discounted sums along the 0th dimension of rewards, restarting the sum at each episode start:
    ``y[t] = x[t] + gamma * y[t+1] * (1 - episode_starts[t+1])``

    :param rewards: (np.ndarray) the input vector (rewards)
    :param episode_starts: (np.ndarray) array of bools, True where a new episode has started
    :param gamma: (float) the discount factor
    :return: (np.ndarray) the discounted rewards, same dtype as rewards
    """
    discounted_rewards = np.zeros_like(rewards)
    n_samples = rewards.shape[0]
    discounted_rewards[n_samples - 1] = rewards[n_samples - 1]
    for step in range(n_samples - 2, -1, -1):
        not_start = 1 - episode_starts[step + 1]
        discounted_rewards[step] = rewards[step] + gamma * discounted_rewards[step + 1] * not_start
    return discounted_rewards


def scale_action(action_space: "spaces.Box", action: np.ndarray) -> np.ndarray:
    """
    Rescale the action from [low, high] to [-1, 1] (no need for a symmetric action space).

    :param action_space: (gymnasium.spaces.Box) the action space
    :param action: (np.ndarray) the action to scale
    :return: (np.ndarray) ``2 * (action - low) / (high - low) - 1``
    """
    low, high = action_space.low, action_space.high
    return 2.0 * ((action - low) / (high - low)) - 1.0


def unscale_action(action_space: "spaces.Box", scaled_action: np.ndarray) -> np.ndarray:
    """
    Rescale the action from [-1, 1] to [low, high] (no need for a symmetric action space).

    :param action_space: (gymnasium.spaces.Box) the action space
    :param scaled_action: (np.ndarray) the action in [-1, 1]
    :return: (np.ndarray) ``low + 0.5 * (scaled_action + 1) * (high - low)``
    """
    low, high = action_space.low, action_space.high
    return low + (0.5 * (scaled_action + 1.0) * (high - low))
