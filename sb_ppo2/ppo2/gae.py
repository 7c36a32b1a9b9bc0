"""Generalized Advantage Estimation with SB2's masking convention."""

from __future__ import annotations

import numpy as np


def compute_gae(rewards: np.ndarray, values: np.ndarray, dones: np.ndarray, last_values: np.ndarray,
                last_dones: np.ndarray, gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """
    Compute GAE(gamma, lambda) advantages and the returns ``advantages + values``.

    Arrays are time-major, ``(n_steps, n_envs)``.  ``dones[t]`` is SB2's mask: the done flag that *preceded*
    observation ``t`` (so ``dones[t + 1]`` says that step ``t`` ended an episode).  Time-limit ends count as
    terminal, as in SB2: no bootstrapping from the cut-off state.

    :param rewards: (np.ndarray) rewards received after each step
    :param values: (np.ndarray) value estimates of the observations
    :param dones: (np.ndarray) done flags preceding each observation
    :param last_values: (np.ndarray) values of the observations after the last step, (n_envs,)
    :param last_dones: (np.ndarray) done flags of the last step, (n_envs,)
    :param gamma: (float) discount factor
    :param lam: (float) GAE lambda
    :return: ((np.ndarray, np.ndarray)) advantages and returns, both (n_steps, n_envs)
    """
    n_steps = rewards.shape[0]
    advantages = np.zeros_like(rewards, dtype=np.float32)
    last_gae = np.zeros_like(last_values, dtype=np.float32)
    for step in reversed(range(n_steps)):
        if step == n_steps - 1:
            next_non_terminal = 1.0 - last_dones.astype(np.float32)
            next_values = last_values
        else:
            next_non_terminal = 1.0 - dones[step + 1].astype(np.float32)
            next_values = values[step + 1]
        delta = rewards[step] + gamma * next_values * next_non_terminal - values[step]
        last_gae = delta + gamma * lam * next_non_terminal * last_gae
        advantages[step] = last_gae
    return advantages, advantages + values
