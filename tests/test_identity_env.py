"""Identity environments: spaces, rewards, episode length, reset counter and seeding."""

import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env as gymnasium_check_env

from sb_ppo2.common.identity_env import (
    IdentityEnv,
    IdentityEnvBox,
    IdentityEnvMultiBinary,
    IdentityEnvMultiDiscrete,
)

ALL_ENVS = [
    lambda: IdentityEnv(dim=4),
    lambda: IdentityEnvBox(),
    lambda: IdentityEnvMultiDiscrete(dim=3),
    lambda: IdentityEnvMultiBinary(dim=4),
]


def test_spaces():
    env = IdentityEnv()
    assert env.action_space == spaces.Discrete(1)  # dim defaults to 1
    assert env.observation_space is env.action_space
    assert IdentityEnv(dim=5).action_space == spaces.Discrete(5)
    box = spaces.Box(low=0, high=1, shape=(2,))
    assert IdentityEnv(space=box).observation_space is box
    assert IdentityEnvBox(low=-2, high=3).action_space == spaces.Box(low=-2, high=3, shape=(1,), dtype=np.float32)
    assert IdentityEnvMultiDiscrete(dim=3).action_space == spaces.MultiDiscrete([3, 3])
    assert IdentityEnvMultiBinary(dim=4).action_space == spaces.MultiBinary(4)
    with pytest.raises(AssertionError, match="at most one allowed"):
        IdentityEnv(dim=2, space=box)


def test_num_resets_counts_from_zero_after_construction():
    env = IdentityEnv(dim=2)
    assert env.num_resets == 0 and env.current_step == 0
    obs, info = env.reset()
    assert env.num_resets == 1 and info == {}
    assert env.observation_space.contains(obs)


def test_reward_for_repeating_the_observation():
    env = IdentityEnv(dim=4)
    obs, _ = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(obs)
    assert (reward, terminated, truncated, info) == (1.0, False, False, {})
    _, reward, _, _, _ = env.step((obs + 1) % 4)
    assert reward == 0.0


@pytest.mark.parametrize("make_env", ALL_ENVS)
def test_perfect_agent_gets_ep_length_and_episode_terminates(make_env):
    env = make_env()
    env.ep_length = 7
    obs, _ = env.reset(seed=3)
    total, steps, terminated = 0.0, 0, False
    while not terminated:
        obs, reward, terminated, truncated, _ = env.step(obs)
        assert truncated is False
        total += reward
        steps += 1
    assert steps == 7 and total == 7.0
    assert env.current_step == 7


def test_box_reward_uses_eps_band():
    env = IdentityEnvBox(eps=0.05)
    obs, _ = env.reset(seed=1)
    assert obs.dtype == np.float32 and obs.shape == (1,)
    obs, reward, _, _, _ = env.step(obs + 0.04)
    assert reward == 1.0
    obs, reward, _, _, _ = env.step(obs - 0.049)
    assert reward == 1.0
    _, reward, _, _, _ = env.step(obs + 0.06)
    assert reward == 0.0


def test_multi_spaces_need_an_exact_match():
    env = IdentityEnvMultiDiscrete(dim=3)
    obs, _ = env.reset(seed=2)
    wrong = obs.copy()
    wrong[1] = (wrong[1] + 1) % 3
    obs, reward, _, _, _ = env.step(wrong)
    assert reward == 0.0
    assert env.step(obs)[1] == 1.0

    env = IdentityEnvMultiBinary(dim=4)
    obs, _ = env.reset(seed=2)
    obs, reward, _, _, _ = env.step(1 - obs)
    assert reward == 0.0
    assert env.step(obs)[1] == 1.0


def _rollout(env, seed, n_steps=6):
    obs, _ = env.reset(seed=seed)
    observations = [obs]
    for _ in range(n_steps):
        obs = env.step(obs)[0]
        observations.append(obs)
    return np.array(observations)


@pytest.mark.parametrize("make_env", ALL_ENVS)
def test_seeded_reset_is_deterministic(make_env):
    first = _rollout(make_env(), seed=42)
    np.testing.assert_array_equal(first, _rollout(make_env(), seed=42))
    env = make_env()
    np.testing.assert_array_equal(_rollout(env, seed=42), _rollout(env, seed=42))  # re-seeding the same env


def test_different_seeds_give_different_episodes():
    env = IdentityEnv(dim=100)
    assert not np.array_equal(_rollout(env, seed=1, n_steps=10), _rollout(env, seed=2, n_steps=10))


@pytest.mark.parametrize("make_env", ALL_ENVS)
def test_passes_gymnasium_env_checker(make_env):
    gymnasium_check_env(make_env(), skip_render_check=True)


def test_render_does_nothing():
    assert IdentityEnv().render() is None
    assert IdentityEnv().render(mode="rgb_array") is None
