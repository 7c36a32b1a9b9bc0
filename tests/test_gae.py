"""GAE with SB2's masking convention, checked against values computed by hand."""

import numpy as np
import pytest

from sb_ppo2.ppo2.gae import compute_gae


def test_gae_hand_example_single_env():
    # 3 steps, one env; the episode ends after step 1 (so dones[2] = True marks the next episode's start).
    rewards = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    values = np.array([[0.5], [1.0], [1.5]], dtype=np.float32)
    dones = np.array([[False], [False], [True]])
    last_values = np.array([2.0], dtype=np.float32)
    last_dones = np.array([False])
    gamma, lam = 0.9, 0.8
    adv, ret = compute_gae(rewards, values, dones, last_values, last_dones, gamma, lam)
    # t=2: delta = 3 + 0.9*2.0 - 1.5 = 3.3 ; A2 = 3.3
    # t=1: next is a new episode -> delta = 2 - 1.0 = 1.0 ; A1 = 1.0
    # t=0: delta = 1 + 0.9*1.0 - 0.5 = 1.4 ; A0 = 1.4 + 0.9*0.8*1.0 = 2.12
    np.testing.assert_allclose(adv[:, 0], [2.12, 1.0, 3.3], rtol=1e-6)
    np.testing.assert_allclose(ret[:, 0], [2.62, 2.0, 4.8], rtol=1e-6)


def test_gae_last_step_terminal_does_not_bootstrap():
    rewards = np.ones((2, 2), dtype=np.float32)
    values = np.zeros((2, 2), dtype=np.float32)
    dones = np.zeros((2, 2), dtype=bool)
    last_values = np.array([10.0, 10.0], dtype=np.float32)
    last_dones = np.array([True, False])  # env 0 ended (e.g. a time limit): no bootstrap, as SB2
    adv, _ = compute_gae(rewards, values, dones, last_values, last_dones, gamma=0.5, lam=1.0)
    np.testing.assert_allclose(adv[:, 0], [1.5, 1.0])
    np.testing.assert_allclose(adv[:, 1], [1 + 0.5 * (1 + 0.5 * 10), 1 + 0.5 * 10])


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_gae_limits(lam):
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(5, 3)).astype(np.float32)
    values = rng.normal(size=(5, 3)).astype(np.float32)
    dones = np.zeros((5, 3), dtype=bool)
    last_values = rng.normal(size=3).astype(np.float32)
    adv, ret = compute_gae(rewards, values, dones, last_values, np.zeros(3, dtype=bool), gamma=0.99, lam=lam)
    next_values = np.concatenate([values[1:], last_values[None]], axis=0)
    if lam == 0.0:  # one-step TD error
        np.testing.assert_allclose(adv, rewards + 0.99 * next_values - values, rtol=1e-5, atol=1e-6)
    else:  # discounted return to the bootstrap, minus V
        rets = np.zeros_like(rewards)
        running = last_values.astype(np.float64)
        for t in reversed(range(5)):
            running = rewards[t] + 0.99 * running
            rets[t] = running
        np.testing.assert_allclose(ret, rets, rtol=1e-5, atol=1e-5)
