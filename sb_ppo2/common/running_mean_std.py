"""Running mean and variance of a stream of arrays (SB2's ``stable_baselines.common.running_mean_std``)."""

import numpy as np


class RunningMeanStd:
    """
    Tracks the mean, variance and count of values, merging batches with the parallel algorithm
    https://en.wikipedia.org/wiki/Algorithms_for_calculating_variance#Parallel_algorithm

    The instance holds only ``mean``, ``var`` and ``count`` so that it pickles exactly like SB2's
    (``VecNormalize`` statistics saved by SB2 load into this class attribute for attribute).

    :param epsilon: (float) initial count; keeps the first merge away from a division by zero
    :param shape: (tuple) the shape of one value (the batch axis excluded)
    """

    def __init__(self, epsilon: float = 1e-4, shape: tuple[int, ...] = ()):
        self.mean = np.zeros(shape, 'float64')
        self.var = np.ones(shape, 'float64')
        self.count = epsilon

    def update(self, arr: np.ndarray) -> None:
        """
        Merge a batch of values into the statistics.

        :param arr: (np.ndarray) values stacked along axis 0, each of shape ``shape``
        """
        arr = np.asarray(arr)
        batch_mean = np.mean(arr, axis=0)
        batch_var = np.var(arr, axis=0)
        batch_count = arr.shape[0]
        self.update_from_moments(batch_mean, batch_var, batch_count)

    def update_from_moments(self, batch_mean: np.ndarray, batch_var: np.ndarray,
                            batch_count: int | float) -> None:
        """
        Merge precomputed batch moments into the statistics (Chan et al.'s pairwise update).

        :param batch_mean: (np.ndarray) mean of the batch
        :param batch_var: (np.ndarray) population variance of the batch
        :param batch_count: (int) number of values in the batch
        """
        delta = batch_mean - self.mean
        tot_count = self.count + batch_count

        new_mean = self.mean + delta * batch_count / tot_count
        # Sum of squared deviations of both parts plus the correction for their different means.
        m_a = self.var * self.count
        m_b = batch_var * batch_count
        m_2 = m_a + m_b + np.square(delta) * self.count * batch_count / tot_count

        self.mean = new_mean
        self.var = m_2 / tot_count
        self.count = tot_count
